"""Multi-source verification (多源核验) on SQLite and PostgreSQL: by key and by fuzzy matching
(Splink), conflicts counted exactly and shown masked, the authoritative source (一数一源) recorded
in the ledger; the CLI, the API and the pages."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

from shuliu.errors import PermissionDenied, ValidationFailed
from shuliu.platform import Platform
from shuliu.quality import service as quality
from shuliu.quality import verify as V
from tests.cli.test_cli import doc, shuliu
from tests.conftest import ingest_file, token_for, wait_job
from tests.quality import planted
from tests.quality.test_service import do, run
from tests.web.test_pages import sign_in

CHANGED = 23  # birth dates the second source has wrong
ONLY_B = 40  # people only the second source knows
STREETS = ["中山路", "人民路", "解放大道", "建设路", "和平街", "光明路", "胜利路", "新华路"]


def sources(tmp_path: Path, n: int = 1200, seed: int = 4) -> tuple[Path, Path, dict[str, int]]:
    """Source A (公安: 身份证号, 出生日期 ISO) and source B (社保: sfzh lower-case x and padded, csrq
    as 1990/01/02, a subset of A's people plus some of its own, CHANGED birth dates off by a day)."""
    rng = random.Random(seed)
    people = planted.people(n + ONLY_B, seed=seed).to_pylist()
    clean = [p for p in people if p["姓名"] and p["姓名"].strip()]
    ids: set[str] = set()
    unique = []
    for p in clean:
        if p["身份证号"] not in ids:
            ids.add(p["身份证号"])
            unique.append(p)
    a_people, extra = unique[: n - 100], unique[n - 100 : n - 100 + ONLY_B]
    for i, p in enumerate(a_people + extra):
        p["住址"] = (
            f"湖北省武汉市{rng.choice(['江岸区', '江汉区', '硚口区', '汉阳区', '武昌区'])}{STREETS[i % 8]}{i + 1}号"
        )
    with (tmp_path / "a.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["身份证号", "姓名", "出生日期", "性别", "住址"])
        for p in a_people:
            w.writerow([p["身份证号"], p["姓名"], p["出生日期"], p["性别"], p["住址"]])
    in_b = a_people[:800]
    changed = set(rng.sample(range(len(in_b)), CHANGED))
    with (tmp_path / "b.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sfzh", "xm", "csrq", "dz"])
        for i, p in enumerate(in_b + extra):
            y, m, d = (int(x) for x in str(p["出生日期"]).split("-"))
            if i in changed:
                d = d + 1 if d < 28 else d - 1
            ident = str(p["身份证号"]).lower()
            w.writerow([f" {ident} " if i % 5 == 0 else ident, p["姓名"], f"{y}/{m:02d}/{d:02d}", p["住址"]])
    return (
        tmp_path / "a.csv",
        tmp_path / "b.csv",
        {"a": len(a_people), "shared": len(in_b), "b": len(in_b) + len(extra)},
    )


def spec(a: str, b: str, by: str = "key") -> str:
    if by == "key":
        return f"""
format: shuliu-verification/1
name: 出生日期核验
fields: [出生日期]
match: {{by: key}}
sources:
  - {{resource: {a}, key: 身份证号, columns: {{出生日期: 出生日期}}}}
  - {{resource: {b}, key: sfzh, columns: {{出生日期: csrq}}}}
"""
    return f"""
format: shuliu-verification/1
name: 出生日期核验（模糊匹配）
fields: [出生日期]
match: {{by: fuzzy, using: [姓名, 住址], threshold: 0.9}}
sources:
  - {{resource: {a}, columns: {{出生日期: 出生日期, 姓名: 姓名, 住址: 住址}}}}
  - {{resource: {b}, columns: {{出生日期: csrq, 姓名: xm, 住址: dz}}}}
"""


def two_resources(platform: Platform, tmp_path: Path) -> tuple[str, str, dict[str, int]]:
    a, b, counts = sources(tmp_path)
    ja = ingest_file(platform, a, name="公安人口信息")
    jb = ingest_file(platform, b, name="社保参保人员", actor="police")
    assert ja.status == jb.status == "succeeded", (ja.error, jb.error)
    return ja.result["resource_id"], jb.result["resource_id"], counts


def test_by_key_counts_agreements_and_conflicts_exactly(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    a, b, counts = two_resources(platform, tmp_path)
    view = do(platform, quality.save_verification, spec=spec(a, b))
    result = run(platform, do(platform, quality.submit_verification, ref=view["id"]))
    assert result["shared"] == counts["shared"]
    assert result["entities"] == counts["a"] + ONLY_B
    assert [s["entities"] for s in result["sources"]] == [counts["a"], counts["b"]]
    (f,) = result["fields"]
    assert f["compared"] == counts["shared"] and f["conflicts"] == CHANGED
    assert f["agreements"] == counts["shared"] - CHANGED
    assert f["pairs"] == [
        {
            "a": 0,
            "b": 1,
            "compared": counts["shared"],
            "agree": counts["shared"] - CHANGED,
            "agreement": round((counts["shared"] - CHANGED) / counts["shared"], 6),
        }
    ]
    assert len(f["examples"]) == 10
    left, right = f["examples"][0]["values"]
    assert left != right and len(left) == 10 and right.count("-") == 2  # both normalised to ISO dates

    # the authoritative source for the field: stored, shown, and in the ledger
    with pytest.raises(ValidationFailed):
        do(platform, quality.set_authority, ref=view["id"], field="姓名", resource_id=a)
    with pytest.raises(PermissionDenied):
        do(platform, quality.set_authority, actor="consumer", ref=view["id"], field="出生日期", resource_id=a)
    out = do(
        platform, quality.set_authority, ref="出生日期核验", field="出生日期", resource_id=a, reason="户籍登记为准"
    )
    assert out["authorities"]["出生日期"]["resource_id"] == a
    with platform.db.session() as s:
        from sqlalchemy import select

        from shuliu.audit.models import AuditEvent

        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "quality.authority_set"))
        assert ev is not None and ev.ledger_index is not None


def test_sensitive_keys_and_values_are_masked(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    from shuliu.classify import service as classify

    a, b, _ = two_resources(platform, tmp_path)
    run(platform, do(platform, classify.submit, platform=platform, resource_id=a))
    view = do(platform, quality.save_verification, spec=spec(a, b))
    result = run(platform, do(platform, quality.submit_verification, ref=view["id"]))
    example = result["fields"][0]["examples"][0]
    assert "*" in example["entity"]  # 身份证号 is a sensitive key
    assert example["values"][1] == "***" or "-" in example["values"][1]


def test_fuzzy_matching_with_splink(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    a, b, counts = two_resources(platform, tmp_path)
    view = do(platform, quality.save_verification, spec=spec(a, b, "fuzzy"))
    result = run(platform, do(platform, quality.submit_verification, ref=view["id"]))
    (f,) = result["fields"]
    assert result["match"] == "fuzzy"
    # names and addresses link nearly every shared person, and the conflicts are the planted ones
    assert f["compared"] >= 0.95 * counts["shared"] and f["compared"] <= counts["shared"] + 5
    assert CHANGED - 2 <= f["conflicts"] <= CHANGED + 5


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\nfields: [a]\nsources: [{resource: r, key: k}]", "2 to 10"),
        ("name: x\nfields: []\nsources: []", "`fields`"),
        ("name: x\nfields: [a]\nmatch: {by: magic}\nsources: []", "key or fuzzy"),
        ("name: x\nfields: [a]\nmatch: {by: fuzzy}\nsources: []", "match.using"),
        ("name: x\nfields: [a]\nsources: [{resource: r}, {resource: s}]", "`key`"),
        ("[", "not valid YAML"),
    ],
)
def test_bad_verifications_are_named(text: str, needle: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        V.parse(text)
    assert needle in err.value.message


def test_a_missing_column_is_named(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    a, b, _ = two_resources(platform, tmp_path)
    with pytest.raises(ValidationFailed, match=r"no 信息项 birth"):
        do(platform, quality.save_verification, spec=spec(a, b).replace("csrq", "birth"))


def test_cli_api_and_pages(platform: Platform, client: Any, users: dict[str, Any], tmp_path: Path) -> None:
    a, b, _counts = two_resources(platform, tmp_path)
    h = token_for(client, "provider")
    made = client.post("/api/v1/quality/verifications", headers=h, json={"yaml": spec(a, b)})
    assert made.status_code == 201, made.text
    vid = made.json()["id"]
    job = client.post(f"/api/v1/quality/verifications/{vid}/run", headers=h)
    done = wait_job(client, job.json()["id"], h)
    assert done["status"] == "succeeded" and done["result"]["fields"][0]["conflicts"] == CHANGED
    put = client.put(f"/api/v1/quality/verifications/{vid}/authorities/出生日期", headers=h, json={"resource_id": a})
    assert put.status_code == 200 and put.json()["authorities"]["出生日期"]["resource_id"] == a
    bad = client.post("/api/v1/quality/verifications", headers=h, json={"yaml": "name: x"})
    assert bad.status_code == 422
    assert any(v["id"] == vid for v in client.get("/api/v1/quality/verifications", headers=h).json())
    sign_in(client, "provider")
    page = client.get(f"/quality/verifications/{vid}")
    assert page.status_code == 200 and 'data-field="出生日期"' in page.text and "sl-authority" in page.text
    assert client.get("/quality/verifications").status_code == 200


def test_cli(settings: Any, tmp_path: Path) -> None:
    a_csv, b_csv, counts = sources(tmp_path)
    a = doc(shuliu(settings, "ingest", str(a_csv), "--name", "公安人口信息", "--json"))["resource_id"]
    b = doc(shuliu(settings, "ingest", str(b_csv), "--name", "社保参保人员", "--json"))["resource_id"]
    f = tmp_path / "verify.yaml"
    f.write_text(spec(a, b), encoding="utf-8")
    out = doc(shuliu(settings, "quality", "verify", str(f), "--json"))
    assert out["fields"][0]["conflicts"] == CHANGED and out["shared"] == counts["shared"]
    again = doc(shuliu(settings, "quality", "verify", "出生日期核验", "--json"))
    assert again["fields"] == out["fields"]
    auth = doc(shuliu(settings, "quality", "authority", "出生日期核验", "出生日期", a, "--reason", "户籍", "--json"))
    assert auth["authorities"]["出生日期"]["resource_id"] == a
