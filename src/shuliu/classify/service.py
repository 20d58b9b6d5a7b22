"""数据分类分级: scan a resource version, label its columns, grade the resource, let people review.

Rules that make labels trustworthy:
- A scan proposes; people confirm, reject or correct. A later scan never overwrites a confirmed or
  rejected label: it only flags a confirmed one when the data no longer agrees, and never proposes
  a type someone rejected for that column again.
- Decisions follow the column to the next version of the resource.
- A resource's level is the highest level of its columns (就高从严), raised by the template's
  combinations; rejected labels do not count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import Session

from shuliu.audit import service as audit
from shuliu.auth import service as auth
from shuliu.auth.models import Organization, User
from shuliu.catalog import hooks
from shuliu.catalog import service as catalog
from shuliu.catalog.models import DatasetVersion, Resource
from shuliu.classify import templates as tpl
from shuliu.classify.catalogue import types
from shuliu.classify.models import ClassificationRun, ClassificationTemplate, ColumnLabel, ResourceSensitiveType
from shuliu.classify.scan import ColumnScan, TableScan, scan_table
from shuliu.db.base import new_id, utcnow
from shuliu.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.platform import Platform

TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ACTIONS = ("confirm", "reject", "correct", "reopen")


# -- templates ---------------------------------------------------------------------------------------
def list_templates(*, session: Session) -> list[tpl.Template]:
    custom = [
        tpl.parse(row.content, origin=row.id)
        for row in session.scalars(select(ClassificationTemplate).order_by(ClassificationTemplate.id))
    ]
    return [*tpl.builtin().values(), *custom]


def get_template(*, session: Session, template_id: str | None) -> tpl.Template:
    template_id = template_id or tpl.DEFAULT_TEMPLATE
    if template_id in tpl.builtin():
        return tpl.builtin()[template_id]
    row = session.get(ClassificationTemplate, template_id)
    if row is None:
        raise NotFound("no classification template {template_id!r}", template_id=template_id, field="template")
    return tpl.parse(row.content, origin=row.id)


def is_builtin(template_id: str) -> bool:
    return template_id in tpl.builtin()


def save_template(
    *, session: Session, actor: User, document: Any, based_on: str | None = None, replace: bool = False
) -> tpl.Template:
    """Create (or, with replace, update) a custom template from a validated document."""
    if actor.role != "admin":
        raise PermissionDenied("only administrators maintain classification templates")
    template = tpl.parse(document, origin=str(document.get("id") if isinstance(document, dict) else "template"))
    if not TEMPLATE_ID.match(template.id):
        raise ValidationFailed("a template id is 2–64 lower-case letters, digits, '.', '_' or '-'", field="id")
    if is_builtin(template.id):
        raise Conflict(
            "{template_id!r} is a built-in template; save your copy under another id",
            template_id=template.id,
            field="id",
        )
    row = session.get(ClassificationTemplate, template.id)
    if row is not None and not replace:
        raise Conflict("a template {template_id!r} exists", template_id=template.id, field="id")
    if row is None and replace:
        raise NotFound("no classification template {template_id!r}", template_id=template.id, field="template")
    content = template.to_dict()
    if row is None:
        session.add(
            ClassificationTemplate(
                id=template.id, name=template.name, based_on=based_on, content=content, created_by_id=actor.id
            )
        )
    else:
        row.name, row.content, row.updated_at = template.name, content, utcnow()
    return template


def copy_template(*, session: Session, actor: User, source_id: str, new_id_: str, name: str) -> tpl.Template:
    """A custom copy of a template, to edit."""
    source = get_template(session=session, template_id=source_id)
    doc = source.to_dict() | {"id": new_id_, "name": name or f"{source.name}（副本）"}
    return save_template(session=session, actor=actor, document=doc, based_on=source.id)


def delete_template(*, session: Session, actor: User, template_id: str) -> None:
    if actor.role != "admin":
        raise PermissionDenied("only administrators maintain classification templates")
    if is_builtin(template_id):
        raise Conflict("built-in templates cannot be deleted", field="template")
    row = session.get(ClassificationTemplate, template_id)
    if row is None:
        raise NotFound("no classification template {template_id!r}", template_id=template_id, field="template")
    in_use = session.scalar(select(func.count()).select_from(Resource).where(Resource.security_template == template_id))
    if in_use:
        raise Conflict(
            "{count} resources are graded with {template_id!r}; grade them with another template first",
            count=in_use,
            template_id=template_id,
            field="template",
        )
    session.delete(row)


# -- scanning and labels --------------------------------------------------------------------------------
def scan_result(scan: TableScan, template: tpl.Template) -> dict[str, Any]:
    """The CLI/API shape of a scan (../shared/spec/cli.md) with evidence."""
    col_types = [c.type for c in scan.columns]
    level, fired = template.resource_level(col_types, scan.rows_total)
    columns = []
    for c in scan.columns:
        category, lvl = template.label(c.type)
        columns.append({**c.to_dict(), "category": category, "level": lvl})
    return {
        "template": template.id,
        "level": level,
        "combinations": fired,
        "rows": scan.rows_total,
        "rows_scanned": scan.rows_scanned,
        "full": scan.full,
        "seconds": scan.seconds,
        "columns": columns,
    }


def _evidence(c: ColumnScan, scan: TableScan) -> dict[str, Any]:
    return {
        "rules": c.rules,
        "examples": c.examples,
        "non_empty": c.non_empty,
        "rows_scanned": scan.rows_scanned,
        "full": scan.full,
        "detected": c.type,
    }


def submit(
    *,
    platform: Platform,
    session: Session,
    actor: User,
    resource_id: str,
    template_id: str | None = None,
    sample: int | None = None,
    full: bool = False,
) -> Any:
    """Queue a classification job for the resource's current version."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not can_review(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator classifies this resource")
    version = catalog.get_version(session=session, resource=resource)
    template = get_template(
        session=session, template_id=template_id or resource.security_template or platform.settings.classify_template
    )
    if sample is not None and not 100 <= sample <= 10_000_000:
        raise ValidationFailed("the sample is 100 to 10,000,000 rows", field="sample")
    return jobs.enqueue(
        session=session,
        kind="classify",
        actor_id=actor.id,
        params={
            "resource_id": resource.id,
            "version_id": version.id,
            "template_id": template.id,
            "sample": sample,
            "full": full,
        },
    )


def can_review(actor: User | None, resource: Resource) -> bool:
    return catalog.can_edit(actor, resource)


@jobs.handler("classify")
def run_classify(ctx: jobs.JobContext) -> dict[str, Any]:
    platform, p = ctx.platform, ctx.params
    with platform.db.session() as s:
        version = s.get(DatasetVersion, p["version_id"])
        if version is None:
            raise NotFound("no version {version_id}", version_id=p["version_id"])
        template = get_template(session=s, template_id=p["template_id"])
        files = platform.store.files(version.content_hash)
        resource = s.get(Resource, p["resource_id"])
        context = " ".join([resource.name, resource.summary or "", *(t.tag for t in resource.tags)]) if resource else ""
    with platform.engine() as engine:
        scan = scan_table(
            engine.table(files),
            sample=p.get("sample"),
            full=bool(p.get("full")),
            progress=ctx.progress,
            context=context,
        )
    ctx.progress(0.9, "labels", force=True)
    with platform.db.session() as s:
        actor = s.get(User, ctx.actor_id) if ctx.actor_id else None
        out = record_scan(
            session=s,
            actor=actor,
            resource_id=p["resource_id"],
            version_id=p["version_id"],
            template=template,
            scan=scan,
        )
        jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
    return out


def _lock(session: Session, resource_id: str) -> None:
    """Hold the resource's row until the transaction ends (PostgreSQL; SQLite's writers are serial)."""
    session.execute(select(Resource.id).where(Resource.id == resource_id).with_for_update())


def _previous_labels(session: Session, resource_id: str, version_id: str) -> dict[str, ColumnLabel]:
    """The newest earlier decisions per column name (a new version inherits them)."""
    rows = session.scalars(
        select(ColumnLabel)
        .where(ColumnLabel.resource_id == resource_id)
        .order_by(ColumnLabel.updated_at.desc(), ColumnLabel.id.desc())
    )
    out: dict[str, ColumnLabel] = {}
    for row in rows:
        if row.version_id != version_id and row.status in ("confirmed", "rejected") and row.column_name not in out:
            out[row.column_name] = row
    return out


def record_scan(
    *, session: Session, actor: User | None, resource_id: str, version_id: str, template: tpl.Template, scan: TableScan
) -> dict[str, Any]:
    """Store a scan's labels, honouring earlier decisions; grade the resource; return the summary.
    The resource row is locked first (PostgreSQL), so two scans of one version apply one after the
    other instead of both inserting the same labels."""
    _lock(session, resource_id)
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("no resource {resource_id}", resource_id=resource_id)
    run = ClassificationRun(
        id=new_id("cls"),
        resource_id=resource_id,
        version_id=version_id,
        template_id=template.id,
        level="",
        rows_total=scan.rows_total,
        rows_scanned=scan.rows_scanned,
        full=scan.full,
        seconds=scan.seconds,
        created_by_id=actor.id if actor else None,
    )
    session.add(run)
    existing = {
        row.column_name: row for row in session.scalars(select(ColumnLabel).where(ColumnLabel.version_id == version_id))
    }
    inherited = _previous_labels(session, resource_id, version_id)
    now = utcnow()
    for position, col in enumerate(scan.columns):
        row = existing.get(col.name)
        if row is None:
            row = ColumnLabel(
                resource_id=resource_id,
                version_id=version_id,
                column_name=col.name,
                template_id=template.id,
                status="none",
                rejected_types=[],
                evidence={},
            )
            earlier = inherited.get(col.name)
            if earlier is not None:
                row.type, row.status, row.reason = earlier.type, earlier.status, earlier.reason
                row.rejected_types = list(earlier.rejected_types or [])
                row.decided_by_id, row.decided_at = earlier.decided_by_id, earlier.decided_at
            session.add(row)
        row.position, row.run_id, row.updated_at, row.template_id = position, run.id, now, template.id
        evidence = _evidence(col, scan)
        detected = col.type
        if detected in (row.rejected_types or []):
            detected = None  # a rejected type is not proposed again
        if row.status == "confirmed":
            row.flag = None if detected == row.type else _disagreement(row.type, detected, col)
            row.evidence = evidence | {"decision_kept": True}
        elif row.status == "rejected" and detected is None:
            row.flag = None
            row.evidence = evidence | {"decision_kept": True}
        else:
            row.type = detected
            row.status = "proposed" if detected else "none"
            row.confidence, row.match_ratio = col.confidence, col.match_ratio
            row.evidence, row.flag = evidence, None
        if row.status in ("proposed", "confirmed"):
            row.confidence, row.match_ratio = (
                (col.confidence, col.match_ratio) if detected == row.type else (row.confidence, row.match_ratio)
            )
        row.category, row.level = template.label(row.type if row.status in ("proposed", "confirmed") else None)
    session.flush()
    level, fired = grade(session=session, resource=resource, version_id=version_id, template=template)
    run.level, run.combinations = level, fired
    audit.act(
        session=session,
        action="resource.graded",
        actor=actor,
        object_type="resource",
        object_id=resource_id,
        detail={
            "version_id": version_id,
            "run_id": run.id,
            "template": template.id,
            "level": level,
            "combinations": fired,
            "types": {r.column_name: r.type for r in labels(session=session, version_id=version_id) if r.type},
        },
    )
    scanned = {c.name: c for c in scan.columns}
    stored = labels(session=session, version_id=version_id)
    columns = []
    for row in stored:
        col = scanned[row.column_name]
        counts = row.status in ("proposed", "confirmed")
        columns.append(
            {
                **col.to_dict(),
                # The resource's label after this scan: people's decisions stand over detection.
                "type": row.type if counts else None,
                "category": row.category if counts else None,
                "level": row.level if counts else None,
                "status": row.status,
                "detected": col.type,
                "flag": row.flag,
            }
        )
    summary = scan_result(scan, template)
    return {
        "resource_id": resource_id,
        "version_id": version_id,
        "run_id": run.id,
        **{k: v for k, v in summary.items() if k not in ("level", "combinations", "columns")},
        "level": level,
        "combinations": fired,
        "columns": columns,
        "labels": [label_dict(x) for x in stored],
    }


def _disagreement(confirmed: str | None, detected: str | None, col: ColumnScan) -> str:
    names = types()
    was = names[confirmed].zh if confirmed in names else str(confirmed)
    if detected is None:
        return f"数据已不再符合「{was}」(本次扫描未识别出类型)"
    now = names[detected].zh if detected in names else detected
    return f"数据现在更像「{now}」(匹配率 {col.match_ratio:.0%})，与确认的「{was}」不一致"


def grade(*, session: Session, resource: Resource, version_id: str, template: tpl.Template) -> tuple[str, list[str]]:
    """Recompute the resource's level and sensitive types from its current labels."""
    rows = labels(session=session, version_id=version_id)
    col_types = [r.type for r in rows if r.status in ("proposed", "confirmed")]
    version = session.get(DatasetVersion, version_id)
    level, fired = template.resource_level(col_types, version.row_count if version else 0)
    if resource.current_version_id == version_id:
        resource.security_level, resource.security_rank = level, template.rank(level)
        resource.security_template = template.id
        session.execute(delete(ResourceSensitiveType).where(ResourceSensitiveType.resource_id == resource.id))
        session.add_all(
            ResourceSensitiveType(resource_id=resource.id, type=t) for t in sorted({t for t in col_types if t})
        )
    return level, fired


def labels(*, session: Session, version_id: str) -> list[ColumnLabel]:
    return list(
        session.scalars(
            select(ColumnLabel)
            .where(ColumnLabel.version_id == version_id)
            .order_by(ColumnLabel.position, ColumnLabel.id)
        )
    )


def label_dict(row: ColumnLabel) -> dict[str, Any]:
    t = types().get(row.type or "")
    return {
        "column": row.column_name,
        "position": row.position,
        "type": row.type,
        "type_name": t.zh if t else None,
        "category": row.category,
        "level": row.level,
        "status": row.status,
        "confidence": round(row.confidence, 3),
        "match_ratio": round(row.match_ratio, 4),
        "evidence": row.evidence,
        "flag": row.flag,
        "reason": row.reason,
        "rejected_types": list(row.rejected_types or []),
        "decided_by": row.decided_by.username if row.decided_by else None,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "template": row.template_id,
    }


def resource_labels(
    *, session: Session, actor: User | None, resource_id: str, version: str | None = None
) -> dict[str, Any]:
    """A resource's labels (current version unless named), level and last run."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    ver = catalog.get_version(session=session, resource=resource, version=version)
    run = session.scalars(
        select(ClassificationRun)
        .where(ClassificationRun.version_id == ver.id)
        .order_by(ClassificationRun.created_at.desc())
    ).first()
    template = get_template(session=session, template_id=run.template_id) if run else None
    rows = labels(session=session, version_id=ver.id)
    level = None
    fired: list[str] = []
    if template is not None:
        level, fired = template.resource_level(
            [r.type for r in rows if r.status in ("proposed", "confirmed")], ver.row_count
        )
    return {
        "resource_id": resource.id,
        "version": f"v{ver.number}",
        "version_id": ver.id,
        "template": template.id if template else None,
        "template_name": template.name if template else None,
        "levels": list(template.levels) if template else [],
        "level": level,
        "combinations": fired,
        "scanned_at": run.created_at.isoformat() if run else None,
        "rows_scanned": run.rows_scanned if run else None,
        "full": run.full if run else None,
        "labels": [label_dict(r) for r in rows],
        "can_review": can_review(actor, resource),
    }


def review(
    *,
    session: Session,
    actor: User,
    resource_id: str,
    column: str,
    action: str,
    type_id: str | None = None,
    reason: str = "",
) -> ColumnLabel:
    """Confirm, reject or correct a column's label (or reopen it), recording who, when and why."""
    if action not in ACTIONS:
        raise ValidationFailed("action is one of {choices}", choices=", ".join(ACTIONS), field="action")
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not can_review(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator reviews its labels")
    _lock(session, resource.id)  # one decision at a time, and none during a scan
    version = catalog.get_version(session=session, resource=resource)
    row = session.scalar(
        select(ColumnLabel).where(ColumnLabel.version_id == version.id, ColumnLabel.column_name == column)
    )
    if row is None:
        raise NotFound("no label for column {column!r}; classify the resource first", column=column, field="column")
    template = get_template(session=session, template_id=row.template_id)
    reason = reason.strip()[:2000]
    if action == "confirm":
        if row.type is None:
            raise ValidationFailed(
                "column {column!r} has no type to confirm; correct it instead", column=column, field="type"
            )
        row.status = "confirmed"
    elif action == "reject":
        if not reason:
            raise ValidationFailed("say why the label is wrong", field="reason")
        if row.type is None:
            raise ValidationFailed("column {column!r} has no type to reject", column=column, field="type")
        row.rejected_types = sorted({*(row.rejected_types or []), row.type})
        row.status = "rejected"
    elif action == "correct":
        if type_id is not None and type_id not in types():
            raise ValidationFailed("unknown type {type_id!r}", type_id=type_id, field="type")
        if type_id is not None and type_id in (row.rejected_types or []):
            row.rejected_types = [t for t in row.rejected_types if t != type_id]
        if row.type and row.type != type_id:
            row.rejected_types = sorted({*(row.rejected_types or []), row.type})
        row.type = type_id
        row.status = "confirmed" if type_id else "rejected"
        row.evidence = {**(row.evidence or {}), "corrected": True}
    else:  # reopen
        row.status = "proposed" if row.type else "none"
        row.rejected_types = []
    row.flag = None
    row.reason = reason
    row.decided_by_id, row.decided_at, row.updated_at = actor.id, utcnow(), utcnow()
    if row.status == "rejected":
        row.category, row.level = None, None
    else:
        row.category, row.level = template.label(row.type)
    session.flush()
    session.expire(row, ["decided_by"])  # loaded again with the new decided_by_id
    level, _ = grade(session=session, resource=resource, version_id=version.id, template=template)
    audit.act(
        session=session,
        action=f"label.{action}",
        actor=actor,
        object_type="resource",
        object_id=resource.id,
        detail={
            "version_id": version.id,
            "column": column,
            "type": row.type,
            "status": row.status,
            "rejected_types": list(row.rejected_types or []),
            "reason": reason,
            "template": template.id,
            "resource_level": level,
        },
    )
    return row


# -- a file outside the catalog (the CLI) ----------------------------------------------------------------
def classify_file(
    *,
    platform: Platform,
    path: Any,
    template: tpl.Template,
    sample: int | None,
    full: bool,
    options: Any = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Read a file with the ingest readers into a scratch folder and scan it; nothing is stored."""
    from shuliu.engine.ingest import IngestOptions, convert
    from shuliu.engine.ingest.finish import PART

    with platform.store.staging() as staging, platform.engine() as engine:
        convert(path, staging, options or IngestOptions(), engine=engine, progress=lambda f, s: None)
        scan = scan_table(
            engine.table([staging / PART]), sample=sample, full=full, progress=progress, context=Path(path).stem
        )
    return scan_result(scan, template)


# -- dashboard ----------------------------------------------------------------------------------------------
UNCLASSIFIED = "unclassified"
# The badge colours of the pages (web/labels.LEVEL_CLASSES), lowest level first.
LEVEL_COLOURS = ("#198754", "#0dcaf0", "#0d6efd", "#ffc107", "#dc3545", "#212529")


def level_colour(template: tpl.Template, level: str) -> str:
    """A level's colour by its place among its template's levels (green lowest, black highest)."""
    rank = template.rank(level)
    if rank < 0:
        return "#6c757d"
    return LEVEL_COLOURS[round(rank * (len(LEVEL_COLOURS) - 1) / max(1, len(template.levels) - 1))]


def dashboard(*, session: Session, actor: User | None) -> dict[str, Any]:
    """Levels and sensitive types by provider, and the resources whose labels wait for review —
    within what the actor may see."""
    from shuliu.catalog.search import visible_clause

    visible = visible_clause(auth.labels_for(actor))
    by_level: dict[str, dict[str, int]] = defaultdict(dict)
    order: dict[str, tuple[int, str]] = {}
    colours: dict[str, str] = {}
    for provider, level, template_id, rank, n in session.execute(
        select(
            Organization.name,
            Resource.security_level,
            Resource.security_template,
            func.max(Resource.security_rank),
            func.count(),
        )
        .join(Organization, Organization.id == Resource.provider_org_id)
        .where(visible)
        .group_by(Organization.name, Resource.security_level, Resource.security_template)
    ):
        key = level or UNCLASSIFIED
        by_level[provider][key] = by_level[provider].get(key, 0) + int(n)
        order[key] = max(order.get(key, (-1, "")), (rank if rank is not None else -1, key))
        if level and key not in colours:
            try:
                colours[key] = level_colour(get_template(session=session, template_id=template_id), level)
            except NotFound:  # graded with a template deleted since
                colours[key] = "#6c757d"
    colours.setdefault(UNCLASSIFIED, "#adb5bd")
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    for provider, type_id, n in session.execute(
        select(Organization.name, ResourceSensitiveType.type, func.count())
        .join(Resource, Resource.id == ResourceSensitiveType.resource_id)
        .join(Organization, Organization.id == Resource.provider_org_id)
        .where(visible)
        .group_by(Organization.name, ResourceSensitiveType.type)
    ):
        by_type[provider][type_id] = int(n)
    pending = []
    proposed = func.sum(case((ColumnLabel.status == "proposed", 1), else_=0))
    flagged = func.sum(case((ColumnLabel.flag.is_not(None), 1), else_=0))
    for rid, name, provider, level, n_proposed, n_flagged in session.execute(
        select(Resource.id, Resource.name, Organization.name, Resource.security_level, proposed, flagged)
        .join(ColumnLabel, ColumnLabel.version_id == Resource.current_version_id)
        .join(Organization, Organization.id == Resource.provider_org_id)
        .where(visible, or_(ColumnLabel.status == "proposed", ColumnLabel.flag.is_not(None)))
        .group_by(Resource.id, Resource.name, Organization.name, Resource.security_level)
        .order_by(func.max(Resource.security_rank).desc().nulls_last(), Resource.name)
        .limit(50)
    ):
        pending.append(
            {
                "resource_id": rid,
                "name": name,
                "provider": provider,
                "level": level,
                "proposed": int(n_proposed or 0),
                "flagged": int(n_flagged or 0),
            }
        )
    names = types()
    return {
        "providers": sorted(set(by_level) | set(by_type)),
        "levels": [k for k, _ in sorted(order.items(), key=lambda kv: kv[1])],
        "level_colours": colours,
        "by_level": by_level,
        "types": sorted({t for v in by_type.values() for t in v}),
        "type_names": {t: names[t].zh for t in names},
        "by_type": by_type,
        "pending": pending,
        "generated_at": date.today().isoformat(),
    }


@hooks.on_new_version
def after_ingest(
    *, platform: Platform, session: Session, actor_id: int | None, resource_id: str, version_id: str
) -> Any:
    """Queue the automatic classification of a new version (SHULIU_CLASSIFY_ON_INGEST)."""
    if not platform.settings.classify_on_ingest:
        return None
    resource = session.get(Resource, resource_id)
    template_id = (resource.security_template if resource else None) or platform.settings.classify_template
    return jobs.enqueue(
        session=session,
        kind="classify",
        actor_id=actor_id,
        params={
            "resource_id": resource_id,
            "version_id": version_id,
            "template_id": template_id,
            "sample": None,
            "full": False,
        },
    )
