"""The resource catalog on SQLite and PostgreSQL: codes, rules, history, versions, visibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shuliu.catalog import service as catalog
from shuliu.catalog.models import DatasetVersion, Resource, ResourceHistory, SearchTerm
from shuliu.catalog.schemas import ResourceCreate, ResourceFields
from shuliu.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuliu.platform import Platform
from tests.conftest import SHARED_DATA, ingest_file, user

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"
EMPLOYMENT = SHARED_DATA / "gov_tabular/nbs_provincial_annual/urban_unit_employment_by_province.gbk.csv"


def create(platform: Platform, actor: str = "provider", **fields: Any) -> Resource:
    with platform.db.session() as s:
        data = ResourceCreate(**{"name": "测试资源", **fields})
        return catalog.create_resource(session=s, actor=user(platform, actor), data=data)


def test_codes_follow_classification_and_sequence(platform: Platform, users: dict[str, Any]) -> None:
    a = create(platform, category="基础", category_item="人口信息")
    b = create(platform, category="基础", category_item="01", name="第二个")
    c = create(platform, category="主题", category_item="13", category_sub="2", name="第三个")
    d = create(platform, name="部门默认")
    assert a.code == "101000000/000001" and b.code == "101000000/000002"
    assert c.code == "213002000/000001"
    assert d.code == "300000000/000001"


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"share_type": "有条件共享", "share_condition": "审批后共享"}, "share_basis"),
        ({"share_type": "不予共享"}, "share_basis"),
        ({"share_type": "有条件共享", "share_basis": "《数据安全法》"}, "share_condition"),
        ({"share_type": "不予共享", "share_basis": "涉密", "open_type": "无条件开放"}, "open_type"),
        ({"share_type": "共享"}, "share_type"),
        ({"category": "其他"}, "category"),
        ({"category": "基础", "category_item": "99"}, "category_item"),
        ({"update_cycle": "每分钟"}, "update_cycle"),
        ({"related_codes": ["abc"]}, "related_codes"),
        ({"open_type": "有条件开放"}, "open_condition"),
    ],
)
def test_catalog_rules(platform: Platform, users: dict[str, Any], fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(platform, **fields)
    assert exc.value.details["field"] == field
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Resource)) == 0


def test_conditional_share_with_basis_is_accepted(platform: Platform, users: dict[str, Any]) -> None:
    r = create(
        platform,
        share_type="有条件共享",
        share_basis="《中华人民共和国个人信息保护法》第十三条",
        share_condition="仅限身份核验用途",
    )
    assert r.share_type == "有条件共享" and r.share_basis.startswith("《中华人民共和国")


def test_providers_register_for_their_own_organization(platform: Platform, users: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        create(platform, "provider", org=users["org_police"])
    with pytest.raises(PermissionDenied):
        create(platform, "consumer")
    r = create(platform, "admin", org=users["org_police"])
    assert r.provider.name == "湖北省公安厅"


def test_edit_keeps_history_and_checks_rights(platform: Platform, users: dict[str, Any]) -> None:
    r = create(platform, tags=["GDP", "统计"], summary="旧摘要")
    with platform.db.session() as s:
        catalog.update_resource(
            session=s,
            actor=user(platform, "provider"),
            resource_id=r.id,
            data=ResourceFields(summary="新摘要", tags=["GDP", "宏观经济"]),
            comment="补充说明",
            expected_revision=1,
        )
    with platform.db.session() as s:
        fresh = catalog.get_resource(session=s, actor=user(platform, "provider"), resource_id=r.id)
        assert fresh.summary == "新摘要" and [t.tag for t in fresh.tags] == ["GDP", "宏观经济"]
        assert fresh.revision == 2
        history = catalog.history(session=s, resource=fresh)
        assert [h.action for h in history] == ["updated", "created"]
        assert history[0].changes["summary"] == ["旧摘要", "新摘要"]
        assert history[0].changes["tags"] == [["GDP", "统计"], ["GDP", "宏观经济"]]
        assert history[0].comment == "补充说明" and history[0].actor.username == "provider"
    with platform.db.session() as s, pytest.raises(Conflict):
        catalog.update_resource(
            session=s,
            actor=user(platform, "provider"),
            resource_id=r.id,
            data=ResourceFields(summary="x"),
            expected_revision=1,
        )
    with platform.db.session() as s, pytest.raises(PermissionDenied):
        catalog.update_resource(
            session=s, actor=user(platform, "police"), resource_id=r.id, data=ResourceFields(summary="x")
        )
    with platform.db.session() as s, pytest.raises(ValidationFailed):
        catalog.update_resource(
            session=s, actor=user(platform, "provider"), resource_id=r.id, data=ResourceFields(share_type="不予共享")
        )
    with platform.db.session() as s:
        assert s.get(Resource, r.id).summary == "新摘要"  # type: ignore[union-attr]


def test_reclassifying_assigns_a_new_code_and_records_the_old(platform: Platform, users: dict[str, Any]) -> None:
    r = create(platform, category="部门", category_item="22")
    with platform.db.session() as s:
        updated = catalog.update_resource(
            session=s,
            actor=user(platform, "provider"),
            resource_id=r.id,
            data=ResourceFields(category="主题", category_item="13"),
        )
        assert updated.code == "213000000/000001"
        assert catalog.history(session=s, resource=updated)[0].changes["code"] == [
            "322000000/000001",
            "213000000/000001",
        ]


def test_ingest_creates_resource_version_and_columns(platform: Platform, users: dict[str, Any]) -> None:
    job = ingest_file(platform, GDP, name="各省地区生产总值", category="主题", category_item="13")
    assert job.status == "succeeded", job.error
    result = job.result
    assert result["rows"] == 31 and result["version"] == "v1"
    with platform.db.session() as s:
        r = catalog.get_resource(session=s, actor=user(platform, "provider"), resource_id=result["resource_id"])
        assert [c.name for c in r.columns][:2] == ["地区", "2024年"]
        assert r.format == "CSV" and r.row_count == 31
        version = catalog.get_version(session=s, resource=r)
        assert version.content_hash == result["content_hash"]
        assert version.ingest_report["encoding"] == "GBK/GB18030"
        assert len(version.source_sha256) == 64
    assert platform.store.exists(result["content_hash"])


def test_new_version_keeps_descriptions_and_lineage(platform: Platform, users: dict[str, Any]) -> None:
    first = ingest_file(platform, GDP, name="各省地区生产总值").result
    rid = first["resource_id"]
    with platform.db.session() as s:
        catalog.describe_columns(
            session=s, actor=user(platform, "provider"), resource_id=rid, descriptions={"地区": "省级行政区名称"}
        )
    second = ingest_file(platform, EMPLOYMENT, resource_id=rid)
    assert second.status == "succeeded" and second.result["version"] == "v2"
    with platform.db.session() as s:
        r = catalog.get_resource(session=s, actor=user(platform, "provider"), resource_id=rid)
        assert r.columns[0].description == "省级行政区名称"
        versions = catalog.versions(session=s, resource=r)
        assert [v.number for v in versions] == [2, 1]
        assert versions[0].parent_version_id == versions[1].id
        assert "信息项" in catalog.history(session=s, resource=r)[0].changes  # the schema changed
        assert catalog.get_version(session=s, resource=r, version="v1").row_count == 31


def test_identical_content_is_stored_once(platform: Platform, users: dict[str, Any]) -> None:
    a = ingest_file(platform, GDP, name="一").result
    b = ingest_file(platform, GDP, name="二").result
    assert a["content_hash"] == b["content_hash"]
    assert len(list(platform.store.versions_root.glob("*/*"))) == 1


def test_failed_ingest_leaves_nothing_behind(platform: Platform, users: dict[str, Any], tmp_path: Path) -> None:
    bad = tmp_path / "坏.csv"
    bad.write_bytes(b"a,b\n1,2\n3,4,5\n")
    job = ingest_file(platform, bad, name="坏数据")
    assert job.status == "failed"
    assert job.error["type"] == "ingest-failed" and job.error["line"] == 3
    with platform.db.session() as s:
        for model in (Resource, DatasetVersion, ResourceHistory, SearchTerm):
            assert s.scalar(select(func.count()).select_from(model)) == 0
    assert list(platform.store.versions_root.iterdir()) == []
    assert list(platform.store.tmp_root.iterdir()) == []


def test_registration_failure_after_conversion_removes_the_files(
    platform: Platform, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(catalog, "add_version", explode)
    job = ingest_file(platform, GDP, name="不会登记")
    assert job.status == "failed" and "database went away" in job.error["message"]
    assert list(platform.store.versions_root.glob("*/*")) == []
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Resource)) == 0


def test_retype_writes_a_new_version(platform: Platform, users: dict[str, Any]) -> None:
    from shuliu.catalog import ingest
    from shuliu.jobs import service as jobs

    rid = ingest_file(platform, GDP, name="各省地区生产总值").result["resource_id"]
    with platform.db.session() as s:
        job = ingest.submit_retype(
            platform=platform, session=s, actor=user(platform, "provider"), resource_id=rid, types={"2024年": "string"}
        )
        job_id = job.id
    jobs.claim(platform, job_id, "t")
    done = jobs.execute(platform, job_id)
    assert done.status == "succeeded" and done.result["version"] == "v2"
    with platform.db.session() as s:
        r = catalog.get_resource(session=s, actor=user(platform, "provider"), resource_id=rid)
        assert {c.name: c.data_type for c in r.columns}["2024年"] == "string"
        assert catalog.history(session=s, resource=r)[0].action == "retyped"
    with platform.db.session() as s:
        job = ingest.submit_retype(
            platform=platform, session=s, actor=user(platform, "provider"), resource_id=rid, types={"地区": "int64"}
        )
        job_id = job.id
    jobs.claim(platform, job_id, "t")
    failed = jobs.execute(platform, job_id)
    assert failed.status == "failed" and failed.error["column"] == "地区" and "北京市" in failed.error["message"]


def test_visibility_follows_status_share_and_open_types(platform: Platform, users: dict[str, Any]) -> None:
    draft = create(platform, name="草稿资源", status="draft")
    closed = create(platform, name="不予共享资源", share_type="不予共享", share_basis="涉及国家秘密")
    shared = create(platform, name="共享资源")
    public = create(platform, name="开放资源", open_type="无条件开放")

    def visible(actor: str | None) -> set[str]:
        names = set()
        for r in (draft, closed, shared, public):
            with platform.db.session() as s:
                try:
                    catalog.get_resource(session=s, actor=user(platform, actor) if actor else None, resource_id=r.id)
                    names.add(r.name)
                except NotFound:
                    pass
        return names

    everything = {"草稿资源", "不予共享资源", "共享资源", "开放资源"}
    assert visible("provider") == everything
    assert visible("admin") == everything
    assert visible("auditor") == everything
    assert visible("police") == {"共享资源", "开放资源"}
    assert visible("consumer") == {"共享资源", "开放资源"}
    assert visible(None) == {"开放资源"}


def test_conditional_share_cannot_be_opened_unconditionally(platform: Platform, users: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(
            platform, share_type="有条件共享", share_basis="《统计法》", share_condition="审批", open_type="无条件开放"
        )
    assert exc.value.details["field"] == "open_type"


def test_history_of_a_new_version_shows_the_previous_row_count(platform: Platform, users: dict[str, Any]) -> None:
    rid = ingest_file(platform, GDP, name="各省地区生产总值").result["resource_id"]
    ingest_file(platform, SHARED_DATA / "gov_tabular/covid19_daily_cn/2020-01-24.csv", resource_id=rid)
    with platform.db.session() as s:
        r = catalog.get_resource(session=s, actor=user(platform, "provider"), resource_id=rid)
        assert catalog.history(session=s, resource=r)[0].changes["rows"] == [31, 238]


def test_the_job_outcome_is_stored_with_the_registration(
    platform: Platform, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies right after registering leaves a succeeded job, not one to run twice."""
    from shuliu.jobs import service as jobs

    def die(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(jobs, "_finish", die)
    with pytest.raises(SystemExit):
        ingest_file(platform, GDP, name="各省地区生产总值")
    with platform.db.session() as s:
        (job,) = [j for j in jobs.list_jobs(session=s) if j.kind == "ingest"]
        assert job.status == "succeeded" and job.result["rows"] == 31
        assert s.scalar(select(func.count()).select_from(Resource)) == 1
    assert jobs.requeue_stale(platform, older_than=__import__("datetime").timedelta(0)) == 0
