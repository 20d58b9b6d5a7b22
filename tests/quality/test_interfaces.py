"""`shuliu profile` and `shuliu quality …` (../shared/spec/cli.md), the REST API and the pages of 质量."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shuliu.config import Settings
from shuliu.platform import Platform
from tests.cli.test_cli import doc, shuliu
from tests.conftest import ingest_file, token_for, wait_job
from tests.quality import planted
from tests.quality.test_service import EXPECTED, RULES, write_csv
from tests.web.test_pages import sign_in

PROFILE_KEYS = {"name", "type", "nulls", "distinct", "distinct_exact", "min", "max", "mean", "stddev"}


def test_profile_and_check_a_file_and_a_resource(settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", 1500)
    out = doc(shuliu(settings, "profile", str(path), "--json"))
    assert out["rows"] == 1500 and len(out["columns"]) == 11
    for c in out["columns"]:
        assert set(c) >= PROFILE_KEYS and isinstance(c["distinct_exact"], bool)
    ages = next(c for c in out["columns"] if c["name"] == "年龄")
    assert ages["type"] == "int64" and isinstance(ages["mean"], float) and ages["min"] == -1

    rules = tmp_path / "rules.yaml"
    rules.write_text(planted.RULES, encoding="utf-8")
    checked = doc(shuliu(settings, "quality", "check", str(path), "--rules", str(rules), "--json"))
    assert set(checked) >= {"score", "dimensions", "rules"} and 0 <= checked["score"] <= 100
    assert set(checked["dimensions"]) == {"规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"}
    for r in checked["rules"]:
        assert set(r) >= {"id", "dimension", "checked", "failed", "pass_ratio"}
    got = {r["id"]: r["failed"] for r in checked["rules"]}
    assert {k: v for k, v in got.items() if k != "fresh-record"} == {
        k: v for k, v in planted.PLANTED.items() if k != "fresh-record"
    }

    made = doc(shuliu(settings, "ingest", str(path), "--name", "人员信息", "--json"))
    rid = made["resource_id"]
    prof = doc(shuliu(settings, "profile", rid, "--json"))
    assert (
        prof["rows"] == 1500
        and prof["version"] == "v1"
        and {c["name"] for c in prof["columns"]} == {c["name"] for c in out["columns"]}
    )
    rules.write_text(RULES, encoding="utf-8")
    saved = doc(shuliu(settings, "quality", "rules", rid, "--set", str(rules), "--json"))
    assert saved["revision"] == 1
    res = doc(shuliu(settings, "quality", "check", rid, "--json"))
    assert {r["id"]: r["failed"] for r in res["rules"]}["id-valid"] == EXPECTED["id-valid"] and res["run_id"]
    hist = doc(shuliu(settings, "quality", "history", rid, "--json"))
    assert [r["score"] for r in hist["runs"]] == [res["score"]]
    failing = doc(shuliu(settings, "quality", "failing", rid, "age-range", "--json"))
    assert len(failing["rows"]) == EXPECTED["age-range"]
    sug = doc(shuliu(settings, "quality", "suggest", rid, "--json"))
    assert sug["accepted"] == 0 and all("reason" in s for s in sug["suggestions"])

    # errors: the contract's error document and a non-zero exit
    bad = shuliu(settings, "quality", "check", rid, "--rules", str(tmp_path / "nope.yaml"), "--json", ok=False)
    assert bad.returncode != 0 and doc(bad)["error"]["type"] == "validation-failed"
    rules.write_text("rules: [{check: not_null, column: 没有}]", encoding="utf-8")
    bad = shuliu(settings, "quality", "check", rid, "--rules", str(rules), "--json", ok=False)
    assert bad.returncode != 0 and "没有" in doc(bad)["error"]["message"]
    bad = shuliu(settings, "profile", "res_nosuchthing", "--json", ok=False)
    assert bad.returncode != 0 and doc(bad)["error"]["type"] == "not-found"


def test_api(platform: Platform, client: Any, users: dict[str, Any], tmp_path: Path) -> None:
    job = ingest_file(platform, write_csv(tmp_path / "people.csv", 1200), name="人员信息")
    rid = job.result["resource_id"]
    h = token_for(client, "provider")
    r = client.post(f"/api/v1/resources/{rid}/profile", headers=h)
    assert r.status_code == 202
    assert wait_job(client, r.json()["id"], h)["status"] == "succeeded"
    prof = client.get(f"/api/v1/resources/{rid}/profile", headers=h).json()
    assert prof["rows"] == 1200 and prof["version"] == "v1"
    assert client.get("/api/v1/quality/format").json()["format"] == "shuliu-quality-rules/1"
    bad = client.put(f"/api/v1/resources/{rid}/quality/rules", headers=h, json={"yaml": "rules: [{check: x}]"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    ok = client.put(f"/api/v1/resources/{rid}/quality/rules", headers=h, json={"yaml": RULES})
    assert ok.status_code == 200 and ok.json()["revision"] == 1
    added = client.post(
        f"/api/v1/resources/{rid}/quality/rules",
        headers=h,
        json={"check": "not_null", "column": "邮编", "id": "zip-filled"},
    )
    assert added.status_code == 201 and added.json()["revision"] == 2
    r = client.post(f"/api/v1/resources/{rid}/quality/check", headers=h, json={})
    done = wait_job(client, r.json()["id"], h)
    assert done["status"] == "succeeded" and done["result"]["rules"][-1]["id"] == "zip-filled"
    q = client.get(f"/api/v1/resources/{rid}/quality", headers=h).json()
    assert q["latest"]["score"] == done["result"]["score"] and len(q["history"]) == 1
    rows = client.get(f"/api/v1/resources/{rid}/quality/rules/edu-enum/failing", headers=h).json()
    assert len(rows["rows"]) == EXPECTED["edu-enum"]
    assert client.delete(f"/api/v1/resources/{rid}/quality/rules/zip-filled", headers=h).status_code == 204
    other = token_for(client, "police")
    assert client.put(f"/api/v1/resources/{rid}/quality/rules", headers=other, json={"yaml": RULES}).status_code == 403
    assert client.get(f"/api/v1/resources/{rid}/quality/suggestions", headers=h).status_code == 200
    # the score is on the resource and in search results
    found = client.get("/api/v1/resources", params={"q": "人员信息", "sort": "quality"}, headers=h).json()
    assert found["results"][0]["quality_score"] == done["result"]["score"]


def test_pages(platform: Platform, client: Any, users: dict[str, Any], tmp_path: Path) -> None:
    job = ingest_file(platform, write_csv(tmp_path / "people.csv", 800), name="人员信息")
    rid = job.result["resource_id"]
    token = sign_in(client, "provider")
    page = client.get(f"/resources/{rid}")
    assert 'id="tab-quality-btn"' in page.text and 'id="tab-profile-btn"' in page.text
    frag = client.get(f"/resources/{rid}/profile")
    assert 'id="no-profile"' in frag.text
    r = client.post(f"/resources/{rid}/profile", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert r.status_code == 200 and "data-pending" in r.text
    q = client.get(f"/resources/{rid}/quality")
    assert q.status_code == 200 and 'id="rules-table"' in q.text
    bad = client.post(
        f"/resources/{rid}/quality/rules",
        data={"csrf_token": token, "check": "pattern", "column": "邮编", "pattern": "("},
    )
    assert bad.status_code == 422 and 'id="quality-error"' in bad.text
    ok = client.post(
        f"/resources/{rid}/quality/rules",
        data={"csrf_token": token, "check": "enum", "column": "学历", "values": "小学,初中,高中,大专,本科,研究生"},
    )
    assert ok.status_code == 200 and 'id="quality-pending"' in ok.text and "enum" in ok.text
    no_csrf = client.post(f"/resources/{rid}/quality/rules", data={"check": "accessible"})
    assert no_csrf.status_code == 403


def test_ingest_runs_the_profile_and_check_it_queues(settings: Settings, tmp_path: Path) -> None:
    from tests.classify.test_interfaces import shuliu_env

    path = write_csv(tmp_path / "people.csv", 300)
    out = doc(
        shuliu_env(settings, {"SHULIU_QUALITY_ON_INGEST": "true"}, "ingest", str(path), "--name", "人员", "--json")
    )
    assert 0 < out["quality"]["score"] <= 100 and out["quality"]["run_id"]
    prof = doc(shuliu(settings, "quality", "history", out["resource_id"], "--json"))
    assert [r["trigger"] for r in prof["runs"]] == ["version"]
