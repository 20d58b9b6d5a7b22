"""Data quality (质量): profiles and checks as jobs, rule sets, scores and their history, failing
rows (masked where the column is sensitive), suggestions, and the follow-up after every version."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuliu.audit import service as audit
from shuliu.auth.models import User
from shuliu.catalog import hooks
from shuliu.catalog import service as catalog
from shuliu.catalog.models import DatasetVersion, Resource
from shuliu.db.base import new_id, utcnow
from shuliu.engine.values import json_value
from shuliu.errors import NotFound, PermissionDenied, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.jobs.models import Job
from shuliu.platform import Platform
from shuliu.quality import profile as prof
from shuliu.quality import rules as R
from shuliu.quality.models import QualityProfile, QualityRuleSet, QualityRun

SENSITIVE_STATUSES = ("proposed", "confirmed")


# -- reading a version -----------------------------------------------------------------------------------
def _version(session: Session, version_id: str) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    if version is None:
        raise NotFound("no version {version_id}", version_id=version_id)
    return version


def _accessible(platform: Platform, version: DatasetVersion) -> tuple[bool, list[Path]]:
    """(readable?, files): the version's Parquet set is in the store and opens (可访问性)."""
    try:
        files = platform.store.files(version.content_hash)
    except Exception:
        return False, []
    return bool(files) and all(f.is_file() for f in files), files


def sensitive_columns(session: Session, version_id: str) -> dict[str, str]:
    """column → sensitive type, from the version's classification labels (proposed or confirmed)."""
    from shuliu.classify.models import ColumnLabel

    rows = session.scalars(select(ColumnLabel).where(ColumnLabel.version_id == version_id))
    return {r.column_name: r.type for r in rows if r.type and r.status in SENSITIVE_STATUSES}


def _mask(type_id: str, value: Any) -> Any:
    from shuliu.classify.scan import mask_example

    return None if value is None else mask_example(type_id, str(value))


# -- profiles ----------------------------------------------------------------------------------------------
def submit_profile(*, platform: Platform, session: Session, actor: User, resource_id: str, check: bool = False) -> Any:
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator profiles this resource")
    version = catalog.get_version(session=session, resource=resource)
    return jobs.enqueue(
        session=session,
        kind="profile",
        actor_id=actor.id,
        params={"resource_id": resource.id, "version_id": version.id, "check": check, "trigger": "manual"},
    )


@jobs.handler("profile")
def run_profile(ctx: jobs.JobContext) -> dict[str, Any]:
    """Profile a version (and, with `check`, run its resource's rules right after)."""
    platform, p = ctx.platform, ctx.params
    with platform.db.session() as s:
        version = _version(s, p["version_id"])
        files = platform.store.files(version.content_hash)
    with platform.engine() as engine, engine.progress_watch(lambda f: ctx.progress(0.8 * f, "profile")):
        data = prof.profile_table(engine.table(files))
    with platform.db.session() as s:
        row = s.get(QualityProfile, p["version_id"])
        if row is None:
            row = QualityProfile(version_id=p["version_id"], resource_id=p["resource_id"], data=data)
            s.add(row)
        row.data, row.rows, row.seconds, row.created_at = data, data["rows"], data["seconds"], utcnow()
        out: dict[str, Any] = {"resource_id": p["resource_id"], "version_id": p["version_id"], **summary(data)}
        if not p.get("check"):
            jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
    if p.get("check"):
        ctx.progress(0.85, "check", force=True)
        result = _check_version(
            platform, ctx.actor_id, p["resource_id"], p["version_id"], None, p.get("trigger", "version")
        )
        out["quality"] = {"score": result["score"], "run_id": result["run_id"]}
        with platform.db.session() as s:
            jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
    return out


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The contract's shape of a profile (`shuliu profile --json`), with every other figure kept."""
    return {
        "rows": data["rows"],
        "columns": data["columns"],
        "seconds": data.get("seconds"),
        "queries": data.get("queries"),
    }


def get_profile(
    *, session: Session, actor: User | None, resource_id: str, version: str | None = None
) -> dict[str, Any]:
    """The stored profile of a version, its sensitive columns' values masked for people who may not
    read its rows (and for everyone where the column holds personal data)."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    ver = catalog.get_version(session=session, resource=resource, version=version)
    row = session.get(QualityProfile, ver.id)
    if row is None:
        raise NotFound("version v{number} has not been profiled yet", number=ver.number)
    data = masked(row.data, sensitive_columns(session, ver.id))
    return {
        "resource_id": resource.id,
        "version": f"v{ver.number}",
        "version_id": ver.id,
        **data,
        "created_at": row.created_at.isoformat(),
    }


def masked(data: dict[str, Any], sensitive: dict[str, str]) -> dict[str, Any]:
    """A profile with the values of sensitive columns (min, max, top values) masked."""
    columns = []
    for c in data["columns"]:
        t = sensitive.get(c["name"])
        if t is not None:
            c = {**c, "min": _mask(t, c["min"]), "max": _mask(t, c["max"]), "sensitive_type": t}
            c["top"] = [{"value": _mask(t, v["value"]), "count": v["count"]} for v in c["top"]]
        columns.append(c)
    return {**data, "columns": columns}


def compare_versions(
    *, session: Session, actor: User | None, resource_id: str, old: str, new: str | None = None
) -> dict[str, Any]:
    a = get_profile(session=session, actor=actor, resource_id=resource_id, version=old)
    b = get_profile(session=session, actor=actor, resource_id=resource_id, version=new)
    return {"from": a["version"], "to": b["version"], **prof.compare(a, b)}


# -- rule sets ---------------------------------------------------------------------------------------------
def ruleset(*, session: Session, resource: Resource) -> tuple[R.RuleSet, int]:
    """(rules, revision) of a resource; revision 0 is the baseline nobody wrote."""
    row = session.get(QualityRuleSet, resource.id)
    if row is None:
        return R.baseline([c.name for c in resource.columns]), 0
    return R.parse(row.content), row.revision


def _check_columns(rs: R.RuleSet, columns: list[str]) -> None:
    have = set(columns)
    for r in rs.rules:
        cols = [r.params["column"]] if r.check == "reference" and "resource" in r.params else r.columns
        for c in cols:
            if c not in have:
                raise ValidationFailed(
                    "rule {rule}: the resource has no 信息项 {column}", rule=r.id, column=c, field="rules"
                )


def save_rules(
    *, session: Session, actor: User, resource_id: str, text: str, schedule_hours: int | None = None
) -> dict[str, Any]:
    """Replace a resource's rules with a YAML rule set (checked against its 信息项 first)."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator sets the rules of this resource")
    rs = R.parse(text)
    _check_columns(rs, [c.name for c in resource.columns])
    for r in rs.rules:
        if r.check == "reference" and "resource" in r.params:
            other = catalog.get_resource(session=session, actor=actor, resource_id=r.params["resource"])
            if r.params["ref_column"] not in {c.name for c in other.columns}:
                raise ValidationFailed(
                    "rule {rule}: {resource} has no column {column}",
                    rule=r.id,
                    resource=other.name,
                    column=r.params["ref_column"],
                    field="rules",
                )
    if schedule_hours is not None and not 1 <= schedule_hours <= 24 * 366:
        raise ValidationFailed("the schedule is 1 to 8,784 hours", field="schedule_hours")
    row = session.get(QualityRuleSet, resource.id)
    if row is None:
        row = QualityRuleSet(resource_id=resource.id, content="", revision=0)
        session.add(row)
    row.content = rs.to_yaml()
    row.revision += 1
    row.schedule_hours = schedule_hours
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    session.flush()
    audit.act(
        session=session,
        actor=actor,
        action="quality.rules_saved",
        object_type="resource",
        object_id=resource.id,
        detail={"revision": row.revision, "rules": len(rs.rules)},
    )
    return rules_view(session=session, resource=resource)


def add_rule(*, session: Session, actor: User, resource_id: str, rule: dict[str, Any]) -> dict[str, Any]:
    """Add one rule (from the form or an accepted suggestion) to the resource's rules."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    current, _ = ruleset(session=session, resource=resource)
    new = R.parse_rule(rule, place="the new rule")
    if any(r.id == new.id for r in current.rules):
        raise ValidationFailed("the resource already has a rule {id}", id=new.id, field="rules")
    current.rules.append(new)
    row = session.get(QualityRuleSet, resource.id)
    return save_rules(
        session=session,
        actor=actor,
        resource_id=resource_id,
        text=current.to_yaml(),
        schedule_hours=row.schedule_hours if row else None,
    )


def remove_rule(*, session: Session, actor: User, resource_id: str, rule_id: str) -> dict[str, Any]:
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    current, _ = ruleset(session=session, resource=resource)
    kept = [r for r in current.rules if r.id != rule_id]
    if len(kept) == len(current.rules):
        raise NotFound("the resource has no rule {id}", id=rule_id)
    row = session.get(QualityRuleSet, resource.id)
    return save_rules(
        session=session,
        actor=actor,
        resource_id=resource_id,
        text=R.RuleSet(kept).to_yaml(),
        schedule_hours=row.schedule_hours if row else None,
    )


def rules_view(*, session: Session, resource: Resource) -> dict[str, Any]:
    rs, revision = ruleset(session=session, resource=resource)
    row = session.get(QualityRuleSet, resource.id)
    return {
        "resource_id": resource.id,
        "revision": revision,
        "baseline": revision == 0,
        "schedule_hours": row.schedule_hours if row else None,
        "rules": [{**r.to_dict(), "dimension": r.dimension} for r in rs.rules],
        "yaml": rs.to_yaml(),
    }


def suggestions(*, session: Session, actor: User | None, resource_id: str) -> list[dict[str, Any]]:
    """Rules the current version's profile suggests that the resource does not have yet."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    ver = catalog.get_version(session=session, resource=resource)
    row = session.get(QualityProfile, ver.id)
    if row is None:
        return []
    current, _ = ruleset(session=session, resource=resource)
    have = [r.to_dict() for r in current.rules]
    out = R.suggest(row.data, sensitive_columns(session, ver.id))
    return [s for s in out if not any(R.same_rule(s["rule"], h) for h in have)]


# -- checks ------------------------------------------------------------------------------------------------
def submit_check(
    *, platform: Platform, session: Session, actor: User, resource_id: str, rules_text: str | None = None
) -> Any:
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    version = catalog.get_version(session=session, resource=resource)
    if rules_text is not None:
        rs = R.parse(rules_text)
        _check_columns(rs, [c.name for c in resource.columns])
    elif not catalog.can_edit(actor, resource) and not catalog.can_read_rows(actor, resource):
        raise PermissionDenied("you may not run checks on this resource")
    return jobs.enqueue(
        session=session,
        kind="quality_check",
        actor_id=actor.id,
        params={"resource_id": resource.id, "version_id": version.id, "rules": rules_text, "trigger": "manual"},
    )


@jobs.handler("quality_check")
def run_check(ctx: jobs.JobContext) -> dict[str, Any]:
    p = ctx.params
    ctx.progress(0.1, "check", force=True)
    out = _check_version(
        ctx.platform, ctx.actor_id, p["resource_id"], p["version_id"], p.get("rules"), p.get("trigger", "manual")
    )
    with ctx.platform.db.session() as s:
        jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
    return out


def _context(
    platform: Platform,
    session: Session,
    actor: User | None,
    resource: Resource,
    version: DatasetVersion,
    rs: R.RuleSet,
    engine: Any,
) -> tuple[R.Context, Any]:
    ok, files = _accessible(platform, version)
    ctx = R.Context(version_created=version.created_at, update_cycle=resource.update_cycle, accessible=ok)
    for r in rs.rules:
        if r.check == "reference" and "resource" in r.params:
            other = catalog.get_resource(session=session, actor=actor, resource_id=r.params["resource"])
            if other.current_version_id:
                ov = session.get(DatasetVersion, other.current_version_id)
                assert ov is not None
                ctx.tables[r.params["resource"]] = engine.table(platform.store.files(ov.content_hash))
    return ctx, (engine.table(files) if ok else None)


def _check_version(
    platform: Platform, actor_id: int | None, resource_id: str, version_id: str, rules_text: str | None, trigger: str
) -> dict[str, Any]:
    started = time.perf_counter()
    with platform.db.session() as s, platform.engine() as engine:
        actor = s.get(User, actor_id) if actor_id else None
        resource = s.get(Resource, resource_id)
        if resource is None:
            raise NotFound("no resource {resource_id}", resource_id=resource_id)
        version = _version(s, version_id)
        if rules_text is not None:
            rs, revision = R.parse(rules_text), -1
        else:
            rs, revision = ruleset(session=s, resource=resource)
        ctx, table = _context(platform, s, actor, resource, version, rs, engine)
        if table is None:  # nothing else can be checked: only 可访问性 counts
            results = R.evaluate(
                ibis.memtable({"_": [0]}),  # table-level checks only: no query runs
                [r for r in rs.rules if r.check in ("accessible", "freshness") and "column" not in r.params],
                ctx,
            )
        else:
            results = R.evaluate(table, rs.rules, ctx)
        score, dims = R.scores(results)
        out = {
            "resource_id": resource.id,
            "version": f"v{version.number}",
            "score": score,
            "dimensions": dims,
            "rules": results,
            "ruleset_revision": revision,
            "rows": version.row_count,
        }
        if revision >= 0:  # a run of the resource's own rules: kept in the history, shown as its score
            run = QualityRun(
                id=new_id("qrn"),
                resource_id=resource.id,
                version_id=version.id,
                score=score,
                dimensions=dims,
                rules=results,
                ruleset_revision=revision,
                trigger=trigger,
                seconds=round(time.perf_counter() - started, 3),
                created_by_id=actor_id,
            )
            s.add(run)
            if resource.current_version_id == version.id:
                resource.quality_score = score
            out["run_id"] = run.id
        else:
            out["run_id"] = None
        out["seconds"] = round(time.perf_counter() - started, 3)
    return out


def history(*, session: Session, actor: User | None, resource_id: str, limit: int = 100) -> list[dict[str, Any]]:
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    runs = session.scalars(
        select(QualityRun)
        .where(QualityRun.resource_id == resource.id)
        .order_by(QualityRun.created_at.desc())
        .limit(limit)
    )
    numbers = dict(
        session.execute(
            select(DatasetVersion.id, DatasetVersion.number).where(DatasetVersion.resource_id == resource.id)
        ).all()
    )
    return [
        {
            "run_id": r.id,
            "version": f"v{numbers.get(r.version_id, '?')}",
            "score": r.score,
            "dimensions": r.dimensions,
            "rules": r.rules,
            "ruleset_revision": r.ruleset_revision,
            "trigger": r.trigger,
            "at": r.created_at.isoformat(),
        }
        for r in runs
    ]


def latest(*, session: Session, actor: User | None, resource_id: str) -> dict[str, Any] | None:
    runs = history(session=session, actor=actor, resource_id=resource_id, limit=1)
    return runs[0] if runs else None


def failing_rows(
    *, platform: Platform, session: Session, actor: User | None, resource_id: str, rule_id: str, limit: int = 20
) -> dict[str, Any]:
    """Rows a rule fails on the current version (at most `limit`), sensitive columns masked."""
    if not 1 <= limit <= 200:
        raise ValidationFailed("limit is 1–200", field="limit")
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_read_rows(actor, resource):
        raise PermissionDenied("rows of this resource are shared on request; you may see its scores")
    version = catalog.get_version(session=session, resource=resource)
    rs, _ = ruleset(session=session, resource=resource)
    rule = next((r for r in rs.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound("the resource has no rule {id}", id=rule_id)
    sensitive = sensitive_columns(session, version.id)
    with platform.engine() as engine:
        ctx, table = _context(platform, session, actor, resource, version, rs, engine)
        expr = None if table is None else R.failing_rows(table, rule, ctx, limit=limit)
        arrow = None if expr is None else expr.to_pyarrow()
    if arrow is None:
        return {"rule": rule.id, "columns": [], "rows": [], "masked": []}
    names = arrow.column_names
    rows = [
        [(_mask(sensitive[n], row[n]) if n in sensitive else json_value(row[n])) for n in names]
        for row in arrow.to_pylist()
    ]
    return {"rule": rule.id, "columns": names, "rows": rows, "masked": [n for n in names if n in sensitive]}


# -- a file outside the catalog (the CLI) ------------------------------------------------------------------
def _with_file(platform: Platform, path: Path, fn: Any) -> Any:
    from shuliu.engine.ingest import IngestOptions, convert
    from shuliu.engine.ingest.finish import PART

    with platform.store.staging() as staging, platform.engine() as engine:
        convert(path, staging, IngestOptions(), engine=engine, progress=lambda f, s: None)
        return fn(engine, engine.table([staging / PART]))


def profile_file(*, platform: Platform, path: Path) -> dict[str, Any]:
    return summary(_with_file(platform, path, lambda engine, t: prof.profile_table(t)))


def check_file(*, platform: Platform, path: Path, rules_text: str | None) -> dict[str, Any]:
    def run(engine: Any, t: Any) -> dict[str, Any]:
        rs = R.parse(rules_text) if rules_text is not None else R.baseline(list(t.columns))
        results = R.evaluate(t, rs.rules, R.Context())
        score, dims = R.scores(results)
        return {"score": score, "dimensions": dims, "rules": results, "rows": int(t.count().to_pyarrow().as_py())}

    return _with_file(platform, path, run)


# -- after every version, and on a schedule ----------------------------------------------------------------
@hooks.on_new_version
def after_ingest(
    *, platform: Platform, session: Session, actor_id: int | None, resource_id: str, version_id: str
) -> Any:
    """Queue the profile and the check of a new version (SHULIU_QUALITY_ON_INGEST)."""
    if not platform.settings.quality_on_ingest:
        return None
    return jobs.enqueue(
        session=session,
        kind="profile",
        actor_id=actor_id,
        params={"resource_id": resource_id, "version_id": version_id, "check": True, "trigger": "version"},
    )


def enqueue_due(*, session: Session, now: datetime | None = None) -> list[str]:
    """Queue checks of rule sets with a schedule whose last run is older than it; returns the jobs."""
    now = now or datetime.now(UTC)
    queued = []
    for row in session.scalars(select(QualityRuleSet).where(QualityRuleSet.schedule_hours.is_not(None))):
        resource = session.get(Resource, row.resource_id)
        if resource is None or not resource.current_version_id:
            continue
        last = session.scalar(
            select(QualityRun.created_at)
            .where(QualityRun.resource_id == row.resource_id)
            .order_by(QualityRun.created_at.desc())
            .limit(1)
        )
        pending = session.scalar(
            select(Job.id)
            .where(
                Job.kind == "quality_check",
                Job.status.in_(("queued", "running")),
                Job.params["resource_id"].as_string() == row.resource_id,
            )
            .limit(1)
        )
        if pending is None and (last is None or now - last >= timedelta(hours=row.schedule_hours or 0)):
            job = jobs.enqueue(
                session=session,
                kind="quality_check",
                actor_id=row.updated_by_id,
                params={
                    "resource_id": row.resource_id,
                    "version_id": resource.current_version_id,
                    "rules": None,
                    "trigger": "schedule",
                },
            )
            queued.append(job.id)
    return queued


# -- cleaning ----------------------------------------------------------------------------------------------
def submit_clean(*, platform: Platform, session: Session, actor: User, resource_id: str, recipe: str) -> Any:
    """Queue a cleaning of the current version by a recipe (checked here, before the job)."""
    from shuliu.quality import clean

    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator cleans this resource")
    version = catalog.get_version(session=session, resource=resource)
    steps = clean.parse(recipe)
    have = {c["name"] for c in version.schema}
    for i, step in enumerate(steps, 1):
        for c in step.columns:
            if c != "*" and c not in have:
                raise ValidationFailed("step {i}: the resource has no 信息项 {column}", i=i, column=c, field="recipe")
    return jobs.enqueue(
        session=session,
        kind="clean",
        actor_id=actor.id,
        params={"resource_id": resource.id, "version_id": version.id, "recipe": recipe},
    )


@jobs.handler("clean")
def run_clean(ctx: jobs.JobContext) -> dict[str, Any]:
    """Clean a version into a new one (lineage: the old version is its parent and stays)."""
    from shuliu.catalog.ingest import Derived, derive_version
    from shuliu.engine.ingest.finish import PART
    from shuliu.quality import clean

    steps = clean.parse(ctx.params["recipe"])

    def write(engine: Any, files: list[Path], staging: Path, label: str) -> Derived:
        source = engine.table_in_order(files, file_col=clean.ROW_FILE, row_col=clean.ROW)
        cleaned, counts = clean.apply(source, steps)
        ctx.progress(0.2, "count", force=True)
        changed = {int(r["step"]): int(r["changed"] or 0) for r in counts.to_pyarrow().to_pylist()}
        ctx.progress(0.5, "write", force=True)
        out_expr = cleaned.order_by([cleaned[clean.ROW_FILE], cleaned[clean.ROW]]).drop(clean.ROW_FILE, clean.ROW)
        engine.to_parquet(out_expr, staging / PART)
        table = engine.table([staging / PART])
        report = [{"step": st.describe(), "changed": changed.get(i, 0)} for i, st in enumerate(steps, 1)]
        return Derived(
            engine.count(table),
            engine.schema(table),
            {"recipe": ctx.params["recipe"]},
            {"cleaned_from": label, "steps": report},
            "清洗: " + ", ".join(st.describe() for st in steps),
            result={"from": label, "steps": report},
        )

    return derive_version(
        ctx,
        action="cleaned",
        write=write,
        stale=lambda: ValidationFailed("a newer version arrived meanwhile; clean that one instead", field="recipe"),
    )


# -- multi-source verification (多源核验) and the authoritative source (一数一源) -------------------------------
def _verification(session: Session, ref: str) -> Any:
    from shuliu.quality.models import Verification

    row = session.get(Verification, ref) or session.scalar(select(Verification).where(Verification.name == ref))
    if row is None:
        raise NotFound("no verification {ref}", ref=ref)
    return row


def save_verification(*, session: Session, actor: User, spec: str | dict[str, Any]) -> dict[str, Any]:
    """Create a verification, or replace the one of the same name (checked against the sources'
    信息项 first; the actor must see every resource)."""
    from shuliu.quality import verify as V
    from shuliu.quality.models import Verification

    parsed = V.parse(spec)
    for i, src in enumerate(parsed.sources, 1):
        resource = catalog.get_resource(session=session, actor=actor, resource_id=src.resource)
        src.resource = resource.id
        have = {c.name for c in resource.columns}
        for name in [src.key, *src.columns.values()]:
            if name is not None and name not in have:
                raise ValidationFailed(
                    "source {i} ({resource}) has no 信息项 {column}",
                    i=i,
                    resource=resource.name,
                    column=name,
                    field="verification",
                )
    if actor.role not in ("admin", "provider"):
        raise PermissionDenied("providers and administrators set up verifications")
    row = session.scalar(select(Verification).where(Verification.name == parsed.name))
    if row is None:
        row = Verification(id=new_id("vfy"), name=parsed.name, spec={}, created_by_id=actor.id)
        session.add(row)
    row.spec, row.updated_at, row.result = parsed.to_dict(), utcnow(), None
    session.flush()
    audit.act(
        session=session,
        actor=actor,
        action="quality.verification_saved",
        object_type="verification",
        object_id=row.id,
        detail={"name": row.name, "sources": [s.resource for s in parsed.sources]},
    )
    return verification_view(session=session, actor=actor, ref=row.id)


def submit_verification(*, session: Session, actor: User, ref: str) -> Any:
    row = _verification(session, ref)
    return jobs.enqueue(session=session, kind="verify", actor_id=actor.id, params={"verification_id": row.id})


@jobs.handler("verify")
def run_verification(ctx: jobs.JobContext) -> dict[str, Any]:
    """Compare the fields across the sources (their current versions) in the engine."""
    from shuliu.quality import clean
    from shuliu.quality import verify as V

    platform = ctx.platform
    started = time.perf_counter()
    with platform.db.session() as s:
        actor = s.get(User, ctx.actor_id) if ctx.actor_id else None
        row = _verification(s, ctx.params["verification_id"])
        spec = V.parse(row.spec)
        files, labels, readable, names = [], [], [], []
        for src in spec.sources:
            resource = catalog.get_resource(session=s, actor=actor, resource_id=src.resource)
            version = catalog.get_version(session=s, resource=resource)
            files.append(platform.store.files(version.content_hash))
            labels.append(sensitive_columns(s, version.id))
            readable.append(catalog.can_read_rows(actor, resource))
            names.append({"resource_id": resource.id, "name": resource.name, "version": f"v{version.number}"})
    with platform.engine() as engine:
        tables = [engine.table_in_order(f, file_col=clean.ROW_FILE, row_col=clean.ROW) for f in files]
        V.check_columns(spec, tables)
        ctx.progress(0.1, "match", force=True)
        keys = V.fuzzy_keys(spec, tables, engine) if spec.by == "fuzzy" else None
        ctx.progress(0.6, "compare", force=True)
        stacked = V.keyed(spec, tables, keys)
        wide, summary_t = V.compare(spec, stacked)
        summary_row = summary_t.to_pyarrow().to_pylist()[0]
        per_source = {int(r["src"]): r for r in V.counts_in(spec, stacked).to_pyarrow().to_pylist()}
        examples = {j: V.conflicts(spec, wide, j).to_pyarrow().to_pylist() for j in range(len(spec.fields))}
    n = len(spec.sources)
    sources = [
        {
            **names[i],
            "entities": int(per_source.get(i, {}).get("entities") or 0),
            "rows": int(per_source.get(i, {}).get("rows") or 0),
        }
        for i in range(n)
    ]
    fields = []
    for j, f in enumerate(spec.fields):
        compared, conflicts_n = int(summary_row[f"f{j}_compared"] or 0), int(summary_row[f"f{j}_conflicts"] or 0)
        pairs = []
        for a in range(n):
            for b in range(a + 1, n):
                pc, pa = int(summary_row[f"f{j}_p{a}_{b}_compared"] or 0), int(summary_row[f"f{j}_p{a}_{b}_agree"] or 0)
                pairs.append(
                    {"a": a, "b": b, "compared": pc, "agree": pa, "agreement": round(pa / pc, 6) if pc else None}
                )

        def shown(i: int, value: Any, field_name: str = f) -> Any:
            col = spec.sources[i].columns[field_name]
            if value is None:
                return None
            if not readable[i]:
                return "***"
            return _mask(labels[i][col], value) if col in labels[i] else value

        fields.append(
            {
                "field": f,
                "compared": compared,
                "agreements": compared - conflicts_n,
                "conflicts": conflicts_n,
                "agreement": round((compared - conflicts_n) / compared, 6) if compared else None,
                "pairs": pairs,
                "examples": [
                    {
                        "entity": _entity(e["entity"], spec, readable, labels),
                        "values": [shown(i, e[f"f{j}_s{i}"]) for i in range(n)],
                    }
                    for e in examples[j]
                ],
            }
        )
    result = {
        "verification_id": ctx.params["verification_id"],
        "match": spec.by,
        "entities": int(summary_row["entities"] or 0),
        "shared": int(summary_row["shared"] or 0),
        "duplicate_keys": int(summary_row["duplicate_keys"] or 0),
        "sources": sources,
        "fields": fields,
        "seconds": round(time.perf_counter() - started, 3),
    }
    with platform.db.session() as s:
        row = _verification(s, ctx.params["verification_id"])
        row.result, row.checked_at = result, utcnow()
        jobs.complete_in(session=s, job_id=ctx.job_id, result=result)
    return result


def _entity(entity: str, spec: Any, readable: list[bool], labels: list[dict[str, str]]) -> str:
    """The entity as shown: a key masked when any source's key column is sensitive; a Splink
    cluster id as is."""
    if spec.by == "fuzzy":
        return entity
    sensitive = [labels[i][s.key] for i, s in enumerate(spec.sources) if s.key in labels[i]]
    if sensitive or not all(readable):
        return _mask(sensitive[0] if sensitive else "cn_resident_id", entity)
    return entity


def verification_view(*, session: Session, actor: User | None, ref: str) -> dict[str, Any]:
    from shuliu.quality.models import AuthoritativeSource

    row = _verification(session, ref)
    for src in row.spec["sources"]:  # a verification is seen by who sees all of its sources
        catalog.get_resource(session=session, actor=actor, resource_id=src["resource"])
    authorities = {
        a.field: {
            "resource_id": a.resource_id,
            "column": a.column_name,
            "reason": a.reason,
            "decided_at": a.decided_at.isoformat(),
        }
        for a in session.scalars(select(AuthoritativeSource).where(AuthoritativeSource.verification_id == row.id))
    }
    return {
        "id": row.id,
        "name": row.name,
        "spec": row.spec,
        "yaml": yaml_dump(row.spec),
        "result": row.result,
        "checked_at": row.checked_at.isoformat() if row.checked_at else None,
        "authorities": authorities,
    }


def yaml_dump(doc: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def list_verifications(*, session: Session, actor: User | None) -> list[dict[str, Any]]:
    from shuliu.errors import ShuliuError
    from shuliu.quality.models import Verification

    out = []
    for row in session.scalars(select(Verification).order_by(Verification.updated_at.desc())):
        try:
            out.append(verification_view(session=session, actor=actor, ref=row.id))
        except ShuliuError:  # a source the actor may not see
            continue
    return out


def set_authority(
    *, session: Session, actor: User, ref: str, field: str, resource_id: str, reason: str = ""
) -> dict[str, Any]:
    """Record which source is authoritative (一数一源) for a field; in the ledger."""
    from shuliu.quality.models import AuthoritativeSource

    row = _verification(session, ref)
    if actor.role not in ("admin", "provider"):
        raise PermissionDenied("providers and administrators decide the authoritative source")
    if field not in row.spec["fields"]:
        raise ValidationFailed("the verification compares no field {name}", name=field, field="field")
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    source = next((s for s in row.spec["sources"] if s["resource"] == resource.id), None)
    if source is None:
        raise ValidationFailed(
            "{resource} is not a source of this verification", resource=resource.name, field="resource_id"
        )
    if len(reason) > 2000:
        raise ValidationFailed("the reason is at most 2,000 characters", field="reason")
    found = session.scalar(
        select(AuthoritativeSource).where(
            AuthoritativeSource.verification_id == row.id, AuthoritativeSource.field == field
        )
    )
    if found is None:
        found = AuthoritativeSource(verification_id=row.id, field=field, resource_id=resource.id, column_name="")
        session.add(found)
    found.resource_id, found.column_name = resource.id, source["columns"].get(field, field)
    found.reason, found.decided_by_id, found.decided_at = reason, actor.id, utcnow()
    session.flush()
    audit.act(
        session=session,
        actor=actor,
        action="quality.authority_set",
        object_type="verification",
        object_id=row.id,
        detail={"field": field, "resource_id": resource.id, "reason": reason},
    )
    return verification_view(session=session, actor=actor, ref=row.id)
