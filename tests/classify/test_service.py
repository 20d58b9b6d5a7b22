"""数据分类分级 as a service: automatic scans, review that sticks, grading, search and the dashboard.

Real components on both metadata databases: ingest jobs, the DuckDB engine, the job runner."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from shuliu.auth import service as auth
from shuliu.catalog import search
from shuliu.catalog.models import Resource
from shuliu.classify import service as classify
from shuliu.classify.sample_data import labelled_table
from shuliu.config import Settings
from shuliu.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuliu.platform import Platform
from tests.conftest import ingest_file, run_jobs, user

PEOPLE = [
    ("姓名", "cn_name", "name"),
    ("公民身份号码", "cn_resident_id", "resident_id"),
    ("手机号码", "cn_mobile", "mobile"),
    ("性别", "gender", "gender"),
    ("登记日期", None, "date"),
    ("办理状态", None, "status"),
]


@pytest.fixture
def platform(settings: Settings) -> Any:
    plat = Platform(settings.model_copy(update={"classify_on_ingest": True}))
    yield plat
    plat.close()


def write_csv(path: Path, rows: int = 400, seed: int = 1, columns: list[tuple[str, str | None, str]] = PEOPLE) -> Path:
    table, _ = labelled_table(rows, seed=seed, columns=columns)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
            w.writerow(["" if v is None else v for v in row])
    return path


def registered(platform: Platform, tmp_path: Path, name: str = "居民登记", **kw: Any) -> str:
    job = ingest_file(platform, write_csv(tmp_path / f"{name}.csv", **kw), name=name)
    assert job.status == "succeeded", job.error
    assert [f["kind"] for f in job.result["followups"]] == ["classify"]
    run_jobs(platform)  # the classification the ingest queued
    return str(job.result["resource_id"])


def labels_of(platform: Platform, resource_id: str, who: str = "provider") -> dict[str, Any]:
    with platform.db.session() as s:
        return classify.resource_labels(session=s, actor=user(platform, who), resource_id=resource_id)


def by_column(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {label["column"]: label for label in data["labels"]}


def review(platform: Platform, resource_id: str, column: str, action: str, who: str = "provider", **kw: Any) -> Any:
    with platform.db.session() as s:
        return classify.label_dict(
            classify.review(session=s, actor=user(platform, who), resource_id=resource_id, column=column,
                            action=action, **kw)
        )  # fmt: skip


def rescan(platform: Platform, resource_id: str, **kw: Any) -> None:
    with platform.db.session() as s:
        classify.submit(platform=platform, session=s, actor=user(platform, "provider"), resource_id=resource_id, **kw)
    run_jobs(platform)


def test_a_new_resource_is_classified_and_graded(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    rid = registered(platform, tmp_path)
    data = labels_of(platform, rid)
    got = {c: (x["type"], x["status"]) for c, x in by_column(data).items()}
    assert got == {
        "姓名": ("cn_name", "proposed"),
        "公民身份号码": ("cn_resident_id", "proposed"),
        "手机号码": ("cn_mobile", "proposed"),
        "性别": ("gender", "proposed"),
        "登记日期": (None, "none"),
        "办理状态": (None, "none"),
    }
    assert data["template"] == "gb-t-43697-2024" and data["level"] == "一般数据4级"
    assert data["combinations"]  # name + ID + phone
    ident = by_column(data)["公民身份号码"]
    assert ident["category"] == "个人信息/个人身份信息" and ident["level"] == "一般数据4级"
    assert ident["evidence"]["rules"][0]["rule"] == "name:公民身份号码" and ident["match_ratio"] == 1.0
    assert all("*" in e for e in ident["evidence"]["examples"])
    with platform.db.session() as s:
        r = s.get(Resource, rid)
        assert (r.security_level, r.security_template) == ("一般数据4级", "gb-t-43697-2024")


def test_a_confirmed_label_survives_a_rescan_and_a_rejected_one_is_not_proposed_again(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    rid = registered(platform, tmp_path)
    confirmed = review(platform, rid, "公民身份号码", "confirm", reason="核对无误")
    assert confirmed["status"] == "confirmed" and confirmed["decided_by"] == "provider"
    assert confirmed["reason"] == "核对无误" and confirmed["decided_at"]
    with pytest.raises(ValidationFailed, match="say why"):
        review(platform, rid, "性别", "reject")
    rejected = review(platform, rid, "性别", "reject", reason="此列为业务分类代码")
    assert rejected["status"] == "rejected" and rejected["rejected_types"] == ["gender"]
    assert labels_of(platform, rid)["level"] == "一般数据4级"
    rescan(platform, rid, full=True)
    after = by_column(labels_of(platform, rid))
    assert after["公民身份号码"]["status"] == "confirmed" and after["公民身份号码"]["flag"] is None
    assert after["公民身份号码"]["reason"] == "核对无误"
    assert after["性别"]["status"] == "rejected" and after["性别"]["type"] == "gender"
    assert after["性别"]["level"] is None  # a rejected label does not grade the resource
    assert after["姓名"]["status"] == "proposed"


def test_decisions_follow_the_column_to_a_new_version_and_are_flagged_when_the_data_disagrees(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    rid = registered(platform, tmp_path)
    review(platform, rid, "手机号码", "confirm")
    review(platform, rid, "性别", "reject", reason="不是性别")
    # The next version: the phone column now holds e-mail addresses.
    cols = [c if c[0] != "手机号码" else ("手机号码", "email", "email") for c in PEOPLE]
    job = ingest_file(platform, write_csv(tmp_path / "v2.csv", seed=2, columns=cols), resource_id=rid)
    assert job.status == "succeeded", job.error
    run_jobs(platform)
    data = labels_of(platform, rid)
    assert data["version"] == "v2"
    phone = by_column(data)["手机号码"]
    assert phone["status"] == "confirmed" and phone["type"] == "cn_mobile"
    assert phone["flag"] and "电子邮箱" in phone["flag"]
    assert by_column(data)["性别"]["status"] == "rejected"


def test_correcting_a_label(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    rid = registered(platform, tmp_path)
    fixed = review(platform, rid, "办理状态", "correct", type_id="marital_status", reason="实为婚姻状况")
    assert (fixed["type"], fixed["status"], fixed["level"]) == ("marital_status", "confirmed", "一般数据3级")
    cleared = review(platform, rid, "性别", "correct", type_id=None, reason="非个人信息")
    assert (cleared["type"], cleared["status"]) == (None, "rejected") and cleared["rejected_types"] == ["gender"]
    reopened = review(platform, rid, "性别", "reopen")
    assert reopened["status"] == "none" and reopened["rejected_types"] == []
    with pytest.raises(ValidationFailed, match="unknown type"):
        review(platform, rid, "性别", "correct", type_id="shoe_size")
    with pytest.raises(NotFound, match="no label"):
        review(platform, rid, "没有这一列", "confirm")
    with pytest.raises(ValidationFailed, match="no type to confirm"):
        review(platform, rid, "登记日期", "confirm")


def test_only_the_provider_or_an_administrator_reviews(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    rid = registered(platform, tmp_path)
    with pytest.raises(PermissionDenied):
        review(platform, rid, "姓名", "confirm", who="police")  # a provider of another organization
    with pytest.raises((PermissionDenied, NotFound)):
        review(platform, rid, "姓名", "confirm", who="consumer")
    assert review(platform, rid, "姓名", "confirm", who="admin")["decided_by"] == "admin"
    assert labels_of(platform, rid, who="auditor")["can_review"] is False


def test_grading_with_another_template_and_a_custom_copy(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    rid = registered(platform, tmp_path)
    rescan(platform, rid, template_id="jr-t-0197-2020")
    data = labels_of(platform, rid)
    assert data["template"] == "jr-t-0197-2020" and data["level"] == "3级"
    admin, provider = user(platform, "admin"), user(platform, "provider")
    with platform.db.session() as s:
        copy = classify.copy_template(
            session=s, actor=admin, source_id="jr-t-0197-2020", new_id_="bank-2026", name="某银行分级"
        )
        assert copy.id == "bank-2026"
        doc = copy.to_dict()
        doc["types"]["cn_mobile"]["level"] = "5级"
        classify.save_template(session=s, actor=admin, document=doc, replace=True)
        with pytest.raises(PermissionDenied):
            classify.save_template(session=s, actor=provider, document=doc, replace=True)
        with pytest.raises(Conflict, match="built-in"):
            classify.save_template(session=s, actor=admin, document={**doc, "id": "gb-t-43697-2024"})
    rescan(platform, rid, template_id="bank-2026")
    assert labels_of(platform, rid)["level"] == "5级"
    with platform.db.session() as s, pytest.raises(Conflict, match="graded with"):
        classify.delete_template(session=s, actor=admin, template_id="bank-2026")


def test_search_facets_and_filters_by_level_and_type(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    people = registered(platform, tmp_path, name="居民登记")
    plain = registered(
        platform, tmp_path, name="办件统计", columns=[("登记日期", None, "date"), ("办理状态", None, "status")]
    )
    admin = user(platform, "admin")
    with platform.db.session() as s:
        labels = auth.labels_for(admin)
        found = search.search(session=s, labels=labels)
        facets = {f: {v.value: v.count for v in vs} for f, vs in found.facets.items()}
        assert facets["level"] == {"一般数据4级": 1, "一般数据1级": 1}
        assert facets["types"] == {"cn_name": 1, "cn_resident_id": 1, "cn_mobile": 1, "gender": 1}
        hits = search.search(session=s, labels=labels, filters={"types": ["cn_resident_id"]})
        assert [h.resource_id for h in hits.results] == [people]
        hits = search.search(session=s, labels=labels, filters={"level": ["一般数据1级"]})
        assert [h.resource_id for h in hits.results] == [plain]
        ranked = search.search(session=s, labels=labels, sort="level")
        assert [h.resource_id for h in ranked.results] == [people, plain]
        stats = classify.dashboard(session=s, actor=admin)
        assert stats["by_level"]["湖北省统计局"] == {"一般数据4级": 1, "一般数据1级": 1}
        assert stats["by_type"]["湖北省统计局"]["cn_resident_id"] == 1


def test_automatic_classification_can_be_turned_off(settings: Settings, users: dict[str, Any], tmp_path: Path) -> None:
    plat = Platform(settings)  # the tests' settings: classify_on_ingest=False
    try:
        job = ingest_file(plat, write_csv(tmp_path / "a.csv"), name="不自动分级")
        assert job.status == "succeeded" and job.result["followups"] == []
        assert labels_of(plat, job.result["resource_id"])["level"] is None
    finally:
        plat.close()
