"""Ingest as a job: source → Parquet in the store → a new resource or a new version, all or nothing."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from shuliu.auth.models import User
from shuliu.catalog import hooks
from shuliu.catalog import search as search_index
from shuliu.catalog import service as catalog
from shuliu.catalog.models import DatasetVersion
from shuliu.catalog.schemas import ResourceCreate
from shuliu.engine.core import USER_TYPES
from shuliu.engine.ingest import IngestOptions, convert, detect_format
from shuliu.engine.ingest.finish import rewrite_with_types
from shuliu.engine.ingest.sql import safe_url
from shuliu.errors import IngestError, NotFound, PermissionDenied, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.jobs.models import Job
from shuliu.platform import Platform


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "oracle": 1521}


def _addresses(host: str | None) -> set[str]:
    """The IP addresses a host name stands for; a missing host is the local socket."""
    import socket

    if not host:
        return {"local"}
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return {host.lower()}
    local = {"127.0.0.1", "::1"}
    with contextlib.suppress(OSError):
        local |= {str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)}
    return {"local" if a in local or a.startswith("127.") else a for a in found}


def _same_database(a: URL, b: URL) -> bool:
    """Whether two URLs reach the same database, whatever the spelling of host, port or path."""
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        pa, pb = a.database or "", b.database or ""
        if pa in ("", ":memory:") or pb in ("", ":memory:"):
            return False
        return Path(pa).expanduser().resolve() == Path(pb).expanduser().resolve()
    port = DEFAULT_PORTS.get(a.get_backend_name())
    return (
        (a.database or "") == (b.database or "")
        and (a.port or port) == (b.port or port)
        and bool(_addresses(a.host) & _addresses(b.host))
    )


def check_sql_source(platform: Platform, url: str, actor: User, *, local: bool) -> None:
    """SQL sources may not reach shuliu's own metadata or files, nor (over the network) local files."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValidationFailed("not a SQLAlchemy URL: {reason}", field="source_url", reason=str(exc)) from exc
    own = make_url(platform.settings.db_url)
    if _same_database(parsed, own):
        raise PermissionDenied("the platform's own metadata database cannot be ingested", field="source_url")
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser().resolve()
        if path.is_relative_to(platform.home.resolve()):
            raise PermissionDenied("the platform's own metadata database cannot be ingested", field="source_url")
        if not local and actor.role != "admin":
            raise PermissionDenied("only administrators ingest SQLite files on the server", field="source_url")


def submit(
    *,
    platform: Platform,
    session: Session,
    actor: User,
    source_path: Path | None = None,
    source_url: str | None = None,
    filename: str = "",
    options: IngestOptions | None = None,
    resource: ResourceCreate | None = None,
    resource_id: str | None = None,
    cleanup: bool = False,
    source_sha256: str | None = None,
    note: str = "",
    local: bool = False,
) -> Job:
    """Check what can be checked now (rights, metadata, options), then queue the ingest job."""
    options = options or IngestOptions()
    options.validate()
    if (source_path is None) == (source_url is None):
        raise ValidationFailed("give a file or a SQL source URL", field="source")
    if source_url is not None:
        check_sql_source(platform, source_url, actor, local=local)
    if resource_id:
        existing = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
        if not catalog.can_edit(actor, existing):
            raise PermissionDenied("only the providing organization or an administrator adds versions")
        resource_id = existing.id
    else:
        if resource is None:
            raise ValidationFailed("a new resource needs at least a name", field="name")
        if not catalog.can_create(actor):
            raise PermissionDenied("only data providers and administrators register resources")
        catalog._provider_for(session, actor, resource.org)
        probe = resource.model_dump(exclude={"org"})
        defaults = {
            "category": "部门",
            "share_type": "无条件共享",
            "open_type": "不予开放",
            "update_cycle": "不定期",
            "status": "published",
        }
        catalog.validate({**defaults, **{k: v for k, v in probe.items() if v is not None}})
    if source_path is not None:
        fmt = detect_format(source_path, options.format)
        name = filename or source_path.name
    else:
        fmt, name = "sql", safe_url(source_url or "")
    params: dict[str, Any] = {
        "source_path": str(source_path) if source_path else None,
        "source_url": source_url,
        "filename": name,
        "format": fmt,
        "options": options.to_dict(),
        "resource": resource.model_dump(mode="json") if resource else None,
        "resource_id": resource_id,
        "cleanup": cleanup,
        "source_sha256": source_sha256,
        "note": note,
    }
    job = jobs.enqueue(session=session, kind="ingest", params=params, actor_id=actor.id)
    return job


def _referenced(platform: Platform, content_hash: str) -> bool:
    with platform.db.session() as s:
        return (
            s.scalar(
                select(func.count()).select_from(DatasetVersion).where(DatasetVersion.content_hash == content_hash)
            )
            or 0
        ) > 0


@jobs.handler("ingest")
def run_ingest(ctx: jobs.JobContext) -> dict[str, Any]:
    """The ingest job: convert, publish the Parquet set, then register it in one transaction."""
    platform, p = ctx.platform, ctx.params
    source_path = Path(p["source_path"]) if p.get("source_path") else None
    options = IngestOptions(**p.get("options") or {})
    started = time.monotonic()
    stored = None
    # While DuckDB converts (in C, without the GIL), hash the source and load the search
    # dictionary on other threads: both would otherwise add a second or two to every ingest.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-aside")
    sha_future = pool.submit(file_sha256, source_path) if source_path and not p.get("source_sha256") else None
    pool.submit(search_index.warm_up)
    try:
        with platform.store.staging() as staging, platform.engine() as engine:
            result = convert(
                source_path, staging, options, engine=engine, progress=ctx.progress, source_url=p.get("source_url")
            )
            ctx.progress(0.95, "store", force=True)
            source_sha = p.get("source_sha256") or (sha_future.result() if sha_future else "")
            stored = platform.store.publish(staging)
        report = dict(result.report)
        with platform.db.session() as s:
            actor = s.get(User, ctx.actor_id) if ctx.actor_id else None
            if actor is None:
                raise PermissionDenied("the job's user no longer exists")
            if p.get("resource_id"):
                resource = catalog.get_resource(session=s, actor=actor, resource_id=p["resource_id"])
                if not catalog.can_edit(actor, resource):
                    raise PermissionDenied("only the providing organization or an administrator adds versions")
            else:
                data = ResourceCreate(**p["resource"])
                resource = catalog.create_resource(
                    session=s, actor=actor, data=data, format=p.get("format", "").upper()
                )
            version = catalog.add_version(
                session=s,
                actor=actor,
                resource=resource,
                new=catalog.NewVersion(
                    content_hash=stored.content_hash,
                    size_bytes=stored.size_bytes,
                    rows=result.rows,
                    columns=result.columns,
                    source_name=p.get("filename", ""),
                    source_format=p.get("format", ""),
                    source_sha256=source_sha,
                    options=options.to_dict(),
                    report=report,
                    duration_s=round(time.monotonic() - started, 3),
                    note=p.get("note", ""),
                ),
            )
            out = {
                "resource_id": resource.id,
                "code": resource.code,
                "version": f"v{version.number}",
                "version_id": version.id,
                "content_hash": stored.content_hash,
                "rows": result.rows,
                "columns": [c.to_dict() for c in result.columns],
                "warnings": report.get("warnings", []),
                "notices": report.get("notices", []),
            }
            out["followups"] = hooks.new_version(
                platform=platform, session=s, actor_id=ctx.actor_id, resource_id=resource.id, version_id=version.id
            )
            jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
        # The upload is consumed only on success: after a failure it stays (a day) for a retry
        # with other options.
        if p.get("cleanup") and source_path is not None:
            shutil.rmtree(source_path.parent, ignore_errors=True)
        return out
    except BaseException:
        if stored is not None and not _referenced(platform, stored.content_hash):
            platform.store.discard(stored.content_hash)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if p.get("source_url"):
            _scrub_url(platform, ctx.job_id, p["source_url"])


def _scrub_url(platform: Platform, job_id: str, url: str) -> None:
    """Keep no database password in the job table once the job is over."""
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        if job is not None:
            job.params = {**job.params, "source_url": safe_url(url)}


def submit_retype(
    *, platform: Platform, session: Session, actor: User, resource_id: str, types: dict[str, str], note: str = ""
) -> Job:
    """Queue a job that writes a new version with corrected column types."""
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator changes column types")
    if not types:
        raise ValidationFailed("name at least one column and its new type", field="types")
    names = {c.name for c in resource.columns}
    for name, typ in types.items():
        if name not in names:
            raise ValidationFailed("no 信息项 named {column!r}", field="types", column=name)
        if typ not in USER_TYPES:
            raise ValidationFailed(
                "{column}: unknown type {column_type!r}; use one of {choices}",
                field="types",
                column=name,
                column_type=typ,
                choices=", ".join(USER_TYPES),
            )
    version = catalog.get_version(session=session, resource=resource)
    return jobs.enqueue(
        session=session,
        kind="retype",
        actor_id=actor.id,
        params={"resource_id": resource.id, "version_id": version.id, "types": types, "note": note},
    )


@dataclass
class Derived:
    """What a rewrite of a stored version wrote into its staging folder (see `derive_version`)."""

    rows: int
    columns: list[Any]
    options: dict[str, Any]
    report: dict[str, Any]
    note: str
    result: dict[str, Any] = field(default_factory=dict)  # more fields for the job's result


def derive_version(
    ctx: jobs.JobContext,
    *,
    action: str,
    write: Callable[[Any, list[Path], Path, str], Derived],
    stale: Callable[[], Exception],
) -> dict[str, Any]:
    """A new version of `ctx.params["resource_id"]` rewritten from its version
    `ctx.params["version_id"]` (which stays, as the new version's parent): `write(engine, files,
    staging, label)` writes the staging folder's Parquet; the folder is published, registered in
    one transaction with the follow-up jobs, and discarded again if that fails. `stale()` is the
    error when a newer version arrived meanwhile. Type corrections and cleaning are such rewrites."""
    platform, p = ctx.platform, ctx.params
    started = time.monotonic()
    with platform.db.session() as s:
        version = s.get(DatasetVersion, p["version_id"])
        if version is None:
            raise NotFound("no version {version_id}", version_id=p["version_id"])
        files = platform.store.files(version.content_hash)
        label, parent_id = f"v{version.number}", version.id
        base = {
            "source_name": version.source_name,
            "source_format": version.source_format,
            "source_sha256": version.source_sha256,
        }
    stored = None
    try:
        with platform.store.staging() as staging, platform.engine() as engine:
            made = write(engine, files, staging, label)
            stored = platform.store.publish(staging)
        with platform.db.session() as s:
            actor = s.get(User, ctx.actor_id) if ctx.actor_id else None
            resource = catalog.get_resource(session=s, actor=actor, resource_id=p["resource_id"])
            if resource.current_version_id != parent_id:
                raise stale()
            new = catalog.add_version(
                session=s,
                actor=actor,
                resource=resource,
                action=action,
                new=catalog.NewVersion(
                    content_hash=stored.content_hash,
                    size_bytes=stored.size_bytes,
                    rows=made.rows,
                    columns=made.columns,
                    options=made.options,
                    report=made.report,
                    duration_s=round(time.monotonic() - started, 3),
                    note=made.note,
                    parent_version_id=parent_id,
                    **base,
                ),
            )
            out = {
                "resource_id": resource.id,
                "version": f"v{new.number}",
                "rows": made.rows,
                "columns": [c.to_dict() for c in made.columns],
                **made.result,
            }
            out["followups"] = hooks.new_version(
                platform=platform, session=s, actor_id=ctx.actor_id, resource_id=resource.id, version_id=new.id
            )
            jobs.complete_in(session=s, job_id=ctx.job_id, result=out)
            return out
    except BaseException:
        if stored is not None and not _referenced(platform, stored.content_hash):
            platform.store.discard(stored.content_hash)
        raise


@jobs.handler("retype")
def run_retype(ctx: jobs.JobContext) -> dict[str, Any]:
    p = ctx.params

    def write(engine: Any, files: list[Path], staging: Path, label: str) -> Derived:
        ctx.progress(0.1, "cast", force=True)
        rows, columns = rewrite_with_types(engine, files, staging, p["types"], file=label)
        note = p.get("note") or "类型修正: " + ", ".join(f"{k}→{v}" for k, v in p["types"].items())
        return Derived(rows, columns, {"column_types": p["types"]}, {"retyped_from": label}, note)

    return derive_version(
        ctx,
        action="retyped",
        write=write,
        stale=lambda: IngestError("a newer version arrived meanwhile; correct the types on it instead"),
    )
