"""`shuliu demo`: organizations, users and resources from the generated demo files (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from shuliu.auth import service as auth
from shuliu.auth.models import Organization, User
from shuliu.catalog import ingest
from shuliu.catalog.models import Resource
from shuliu.catalog.schemas import ResourceCreate
from shuliu.demo.generate import DEMO_ORGS, DemoDataset, generate_demo_files
from shuliu.jobs import service as jobs
from shuliu.platform import Platform

DEMO_PASSWORD = "shuliu-demo-2026"
# (username, role, display name, organization name)
DEMO_USERS = (
    ("admin", "admin", "平台管理员", None),
    ("provider", "provider", "省大数据局数据专员", "湖北省政务服务和大数据管理局"),
    ("police", "provider", "省公安厅数据专员", "湖北省公安厅"),
    ("consumer", "consumer", "数据使用方", None),
    ("auditor", "auditor", "安全审计员", None),
)
# 项 of the 政务信息资源目录 classification, per demo dataset.
ITEMS = {
    "人口基础信息": "01",
    "市场主体登记信息": "02",
    "工业设备运行监测数据": "04",
    "政务服务事项清单": "01",
    "湖北省各市州地区生产总值": "13",
    "黑龙江省规模以上工业企业名录": "04",
}
CONDITIONS = {
    "有条件共享": "经资源提供方审核同意后，按最小必要原则向有明确业务需要的政务部门共享",
    "有条件开放": "申请人签订数据开放利用协议后获取",
}


def _metadata(ds: DemoDataset) -> ResourceCreate:
    return ResourceCreate(
        name=ds.name,
        org=ds.org_code,
        summary=ds.summary,
        tags=list(ds.tags),
        category=ds.category,
        category_item=ITEMS.get(ds.name),
        share_type=ds.share_type,
        share_basis=ds.share_basis,
        share_condition=CONDITIONS.get(ds.share_type),
        open_type=ds.open_type,
        open_condition=CONDITIONS.get(ds.open_type),
        update_cycle=ds.update_cycle,
        share_method="接口服务" if ds.update_cycle == "实时" else "文件下载",
    )


def install_demo(platform: Platform, progress: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Create what is missing: organizations, users, and one resource per demo file."""
    folder = platform.home / "demo-files"
    folder.mkdir(parents=True, exist_ok=True)
    datasets = generate_demo_files(folder)
    with platform.db.session() as s:
        for org in DEMO_ORGS:
            if s.scalar(select(Organization).where(Organization.code == org.code)) is None:
                auth.create_org(session=s, code=org.code, name=org.name)
        for username, role, display, org_name in DEMO_USERS:
            if s.scalar(select(User).where(User.username == username)) is None:
                org_code = (
                    s.scalar(select(Organization.code).where(Organization.name == org_name)) if org_name else None
                )
                auth.create_user(
                    session=s, username=username, password=DEMO_PASSWORD, role=role, display_name=display, org=org_code
                )
    created = 0
    for ds in datasets:
        with platform.db.session() as s:
            org_id = s.scalar(select(Organization.id).where(Organization.code == ds.org_code))
            exists = s.scalar(select(Resource.id).where(Resource.name == ds.name, Resource.provider_org_id == org_id))
            if exists:
                continue
            admin = auth.get_user(session=s, ref="admin")
            job = ingest.submit(
                platform=platform,
                session=s,
                actor=admin,
                source_path=folder / ds.filename,
                resource=_metadata(ds),
                note="演示数据",
                local=True,
            )
            job_id = job.id
        jobs.Runner(platform).run_pending()  # the ingest, then the classification it queues
        with platform.db.session() as s:
            done = jobs.get(session=s, job_id=job_id)
        if done.status != "succeeded":
            raise RuntimeError(f"demo dataset {ds.filename} failed: {done.error}")
        created += 1
        progress(f"  + {ds.name} ({(done.result or {}).get('rows', 0):,} rows)")
    with platform.db.session() as s:
        total = len(list(s.scalars(select(Resource.id))))
    return {"resources": total, "created": created, "users": [{"username": u, "role": r} for u, r, _, _ in DEMO_USERS]}
