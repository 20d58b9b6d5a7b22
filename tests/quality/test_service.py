"""The quality service on SQLite and PostgreSQL: profile and check jobs, rules, scores and their
history, failing rows masked, suggestions, the follow-up after ingest, the schedule."""

from __future__ import annotations

import csv
import datetime as dtm
from pathlib import Path
from typing import Any

import pytest

from shuliu.auth.models import User
from shuliu.errors import PermissionDenied, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.platform import Platform
from shuliu.quality import service as quality
from tests.conftest import ingest_file, run_jobs, user
from tests.quality import planted

# Rows' freshness depends on today; the version's (just ingested, 每年) does not.
RULES = "\n".join(line for line in planted.RULES.splitlines() if "fresh-record" not in line)
RULES += "\n  - {id: version-fresh, check: freshness}\n"
EXPECTED = {k: v for k, v in planted.PLANTED.items() if k != "fresh-record"} | {"version-fresh": 0}


def write_csv(path: Path, n: int = 2000) -> Path:
    t = planted.people(n)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(t.column_names)
        for row in t.to_pylist():
            w.writerow(["" if v is None else v for v in row.values()])
    return path


def ingest(platform: Platform, tmp_path: Path, name: str = "人员信息") -> str:
    job = ingest_file(platform, write_csv(tmp_path / "people.csv"), name=name, update_cycle="每年")
    assert job.status == "succeeded", job.error
    return str(job.result["resource_id"])


def do(plat: Platform, fn: Any, actor: str = "provider", **kw: Any) -> Any:
    with plat.db.session() as s:
        who = s.merge(user(plat, actor))
        return fn(session=s, actor=who, **kw)


def run(platform: Platform, job: Any) -> Any:
    job_id = job.id
    run_jobs(platform)
    with platform.db.session() as s:
        done = jobs.get(session=s, job_id=job_id)
        assert done.status == "succeeded", done.error
        return done.result


def test_profile_check_history_and_scores(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    rid = ingest(platform, tmp_path)
    out = run(platform, do(platform, quality.submit_profile, platform=platform, resource_id=rid, check=True))
    assert out["rows"] == 2000 and out["quality"]["score"] > 0  # the baseline rules ran after the profile
    with platform.db.session() as s:
        got = quality.get_profile(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
    assert got["version"] == "v1" and [c["name"] for c in got["columns"]][:2] == ["姓名", "身份证号"]
    assert {c["name"]: c["nulls"] for c in got["columns"]}["姓名"] >= 1

    saved = do(platform, quality.save_rules, resource_id=rid, text=RULES)
    assert saved["revision"] == 1 and len(saved["rules"]) == len(EXPECTED)
    result = run(platform, do(platform, quality.submit_check, platform=platform, resource_id=rid))
    assert {r["id"]: r["failed"] for r in result["rules"]} == EXPECTED
    assert set(result["dimensions"]) == {"完整性", "准确性", "规范性", "一致性", "可访问性", "时效性"}
    with platform.db.session() as s:
        hist = quality.history(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
        from shuliu.catalog.models import Resource

        assert s.get(Resource, rid).quality_score == result["score"]  # type: ignore[union-attr]
    assert [h["ruleset_revision"] for h in hist] == [1, 0] and hist[0]["score"] == result["score"]

    # an ad hoc rule file runs without touching the history or the resource's score
    adhoc = run(
        platform,
        do(
            platform,
            quality.submit_check,
            platform=platform,
            resource_id=rid,
            rules_text="rules: [{check: not_null, column: 姓名}]",
        ),
    )
    assert adhoc["run_id"] is None and adhoc["rules"][0]["failed"] == planted.PLANTED["name-filled"]
    with platform.db.session() as s:
        assert len(quality.history(session=s, actor=s.get(User, users["provider"]), resource_id=rid)) == 2

    # adding and removing one rule
    added = do(
        platform, quality.add_rule, resource_id=rid, rule={"check": "length", "column": "邮编", "min": 6, "max": 6}
    )
    assert added["revision"] == 2 and any(r["id"] == "length" for r in added["rules"]) is False
    new_id = [r["id"] for r in added["rules"]][-1]
    removed = do(platform, quality.remove_rule, resource_id=rid, rule_id=new_id)
    assert removed["revision"] == 3 and new_id not in [r["id"] for r in removed["rules"]]


def test_rules_are_checked_and_only_editors_set_them(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    rid = ingest(platform, tmp_path)
    with pytest.raises(ValidationFailed, match="no 信息项"):
        do(platform, quality.save_rules, resource_id=rid, text="rules: [{check: not_null, column: 不存在}]")
    with pytest.raises(PermissionDenied):
        do(platform, quality.save_rules, actor="police", resource_id=rid, text=RULES)
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        do(platform, quality.save_rules, resource_id=rid, text="rules: [")
    # nothing was stored by the failed saves
    with platform.db.session() as s:
        from shuliu.catalog.models import Resource

        view = quality.rules_view(session=s, resource=s.get(Resource, rid))  # type: ignore[arg-type]
    assert view["baseline"] is True and view["revision"] == 0


def test_failing_rows_mask_sensitive_columns(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    from shuliu.classify import service as classify

    rid = ingest(platform, tmp_path)
    run(platform, do(platform, classify.submit, platform=platform, resource_id=rid))
    do(platform, quality.save_rules, resource_id=rid, text=RULES)
    with platform.db.session() as s:
        sensitive = quality.sensitive_columns(
            s,
            quality.catalog.get_resource(
                session=s, actor=s.get(User, users["provider"]), resource_id=rid
            ).current_version_id,
        )  # type: ignore[arg-type]
    assert sensitive.get("身份证号") == "cn_resident_id"
    got = do(platform, quality.failing_rows, platform=platform, resource_id=rid, rule_id="id-valid", limit=50)
    assert len(got["rows"]) == planted.PLANTED["id-valid"] and "身份证号" in got["masked"]
    ids = [row[got["columns"].index("身份证号")] for row in got["rows"]]
    assert all("*" in v for v in ids)
    with pytest.raises(PermissionDenied):  # auditors see scores, not rows
        do(platform, quality.failing_rows, actor="auditor", platform=platform, resource_id=rid, rule_id="id-valid")
    # the profile hides the values of sensitive columns too
    run(platform, do(platform, quality.submit_profile, platform=platform, resource_id=rid))
    with platform.db.session() as s:
        prof = quality.get_profile(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
    ident = next(c for c in prof["columns"] if c["name"] == "身份证号")
    assert ident["sensitive_type"] == "cn_resident_id" and "*" in ident["min"]
    # suggestions use the labels, and leave out what the rules already check (id-valid is the
    # resident-ID check the label suggests)
    found = do(platform, quality.suggestions, resource_id=rid)
    kinds = {(f["rule"]["check"], f["rule"].get("column")) for f in found}
    assert ("type", "身份证号") not in kinds and ("not_null", "身份证号") in kinds
    do(platform, quality.save_rules, resource_id=rid, text="rules: [{check: accessible}]")
    found = do(platform, quality.suggestions, resource_id=rid)
    assert ("type", "身份证号") in {(f["rule"]["check"], f["rule"].get("column")) for f in found}


def test_a_new_version_is_profiled_and_checked_and_compared(
    settings: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    settings.quality_on_ingest = True
    platform = Platform(settings)
    try:
        rid = ingest(platform, tmp_path)
        run_jobs(platform)
        with platform.db.session() as s:
            first = quality.latest(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
        assert first is not None and first["trigger"] == "version"
        small = tmp_path / "small.csv"
        write_csv(small, 600)
        job = ingest_file(platform, small, resource_id=rid)
        assert job.status == "succeeded" and any(f["kind"] == "profile" for f in job.result["followups"])
        run_jobs(platform)
        with platform.db.session() as s:
            diff = quality.compare_versions(session=s, actor=s.get(User, users["provider"]), resource_id=rid, old="v1")
            assert diff["rows"] == [2000, 600] and diff["from"] == "v1" and diff["to"] == "v2"
            assert any(c["status"] == "changed" for c in diff["columns"])
            runs = quality.history(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
        assert [r["version"] for r in runs] == ["v2", "v1"]
    finally:
        platform.close()


def test_scheduled_checks_are_queued_when_due(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    rid = ingest(platform, tmp_path)
    do(platform, quality.save_rules, resource_id=rid, text=RULES, schedule_hours=6)
    with platform.db.session() as s:
        assert len(quality.enqueue_due(session=s)) == 1
    with platform.db.session() as s:
        assert quality.enqueue_due(session=s) == []  # one is already queued
    run_jobs(platform)
    with platform.db.session() as s:
        assert quality.enqueue_due(session=s) == []  # ran just now
        later = dtm.datetime.now(dtm.UTC) + dtm.timedelta(hours=7)
        assert len(quality.enqueue_due(session=s, now=later)) == 1
    run_jobs(platform)
    with platform.db.session() as s:
        assert [
            r["trigger"] for r in quality.history(session=s, actor=s.get(User, users["provider"]), resource_id=rid)
        ] == ["schedule", "schedule"]


def test_a_reference_to_another_resource(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    codes = tmp_path / "codes.csv"
    t = planted.people(2000)
    known = sorted({r["区划代码"] for r in t.to_pylist()})
    keep = [c for c in known if c.isdigit() and c != "000000"][:-5]  # five real codes missing from the list
    codes.write_text("区划代码,名称\n" + "".join(f"{c},区{i}\n" for i, c in enumerate(keep)), encoding="utf-8")
    ref = ingest_file(platform, codes, name="区划代码表")
    assert ref.status == "succeeded", ref.error
    rid = ingest(platform, tmp_path)
    target = ref.result["resource_id"]
    rule = (
        f"rules: [{{id: region-known, check: reference, column: 区划代码, resource: {target}, ref_column: 区划代码}}]"
    )
    do(platform, quality.save_rules, resource_id=rid, text=rule)
    result = run(platform, do(platform, quality.submit_check, platform=platform, resource_id=rid))
    (r,) = result["rules"]
    rows = t.to_pylist()
    expected = sum(1 for row in rows if row["区划代码"] not in set(keep))
    assert r["dimension"] == "一致性" and r["failed"] == expected and r["checked"] == 2000
    with pytest.raises(ValidationFailed, match="no column"):
        do(platform, quality.save_rules, resource_id=rid, text=rule.replace("ref_column: 区划代码", "ref_column: 没有"))
