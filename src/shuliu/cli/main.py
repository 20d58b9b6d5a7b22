"""The `shuliu` command line. Human output by default; `--json` prints exactly one JSON document.

The CLI works on the installation in SHULIU_HOME (or SHULIU_DATABASE_URL) directly, as its local
operator: long work runs as a job in this process with a progress bar on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table

from shuliu import __version__
from shuliu.cli.common import (
    JsonOpt,
    emit,
    ensure_org,
    err,
    handle_errors,
    local_actor,
    out,
    platform,
    print_lines,
    run_job,
)
from shuliu.cli.common import fail as _fail
from shuliu.cli.ledger import audit_app, ledger_app
from shuliu.cli.quality import profile as _profile
from shuliu.cli.quality import quality_app
from shuliu.errors import ValidationFailed

app = typer.Typer(
    name="shuliu",
    help="数流 shuliu — data element circulation platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
resources_app = typer.Typer(help="Catalog resources.", no_args_is_help=True)
user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (资源提供方).", no_args_is_help=True)
db_app = typer.Typer(help="The metadata database.", no_args_is_help=True)
jobs_app = typer.Typer(help="Jobs.", no_args_is_help=True)
app.add_typer(resources_app, name="resources")
app.add_typer(user_app, name="user")
app.add_typer(org_app, name="org")
app.add_typer(db_app, name="db")
app.add_typer(jobs_app, name="jobs")
app.add_typer(ledger_app, name="ledger")
app.add_typer(audit_app, name="audit")
app.add_typer(quality_app, name="quality")
app.command("profile")(handle_errors(_profile))


def parse_types(values: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for item in values:
        name, sep, typ = item.rpartition("=")
        if not sep or not name:
            raise ValidationFailed("--type wants COLUMN=TYPE, got {item!r}", field="type", item=item)
        types[name] = typ
    return types


# -- serve, demo, worker ------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the web UI and the REST API."""
    import uvicorn

    from shuliu.api.app import create_app

    application = create_app(platform())
    err.print(f"shuliu {__version__} on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
@handle_errors
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after creating the data.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Create demo organizations, users and data resources (idempotent), print the login, then serve."""
    from shuliu.demo.setup import DEMO_PASSWORD, install_demo

    plat = platform()
    summary = install_demo(plat, progress=lambda msg: err.print(msg))
    summary["url"] = f"http://{host}:{port}"
    summary["password"] = DEMO_PASSWORD
    if as_json:
        emit(summary, True)
    else:
        err.print(f"\n[bold]数流 shuliu demo[/] — {summary['url']}")
        for u in summary["users"]:
            err.print(f"  {u['role']:<9} {u['username']:<10} / {DEMO_PASSWORD}")
        err.print(f"  {summary['resources']} resources in the catalog\n")
    plat.close()
    if serve_after:
        serve(host=host, port=port)


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Seconds between queue checks.")] = 1.0,
    once: Annotated[bool, typer.Option(help="Run what is queued, then exit.")] = False,
) -> None:
    """Run queued jobs (production: web processes set SHULIU_JOBS_MODE=worker)."""
    from shuliu.jobs.service import Runner

    plat = platform()
    runner = Runner(plat, threads=plat.settings.job_threads, poll=poll)
    if once:
        n = runner.run_pending()
        err.print(f"ran {n} job(s)")
        return
    err.print(f"shuliu worker: {runner.threads} thread(s) waiting for jobs (Ctrl-C stops)")
    runner.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        runner.stop(timeout=30)


# -- ingest, inspect, search --------------------------------------------------------------------------
@app.command()
@handle_errors
def ingest(
    path: Annotated[str, typer.Argument(help="A file, or a SQLAlchemy URL of a database.")],
    name: Annotated[str | None, typer.Option(help="资源名称 of a new resource.")] = None,
    org: Annotated[str | None, typer.Option(help="Providing organization (code or name).")] = None,
    resource: Annotated[str | None, typer.Option(help="Add a version to this resource instead.")] = None,
    table: Annotated[str | None, typer.Option(help="SQL source: table name.")] = None,
    query: Annotated[str | None, typer.Option(help="SQL source: a SELECT query.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Spreadsheet sheet (name or number).")] = None,
    header_row: Annotated[int | None, typer.Option(help="Line/row of the header (from 1).")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The data has no header row.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (utf-8, gbk, …).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field delimiter.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, tsv, xlsx, xls, ods, json, ndjson, parquet.")
    ] = None,
    types: Annotated[list[str] | None, typer.Option("--type", help="COLUMN=TYPE (repeatable).")] = None,
    summary: Annotated[str | None, typer.Option(help="资源摘要.")] = None,
    tags: Annotated[str | None, typer.Option(help="Comma-separated tags.")] = None,
    category: Annotated[str | None, typer.Option(help="基础 / 主题 / 部门.")] = None,
    item: Annotated[str | None, typer.Option(help="项 (code or name).")] = None,
    share_type: Annotated[str | None, typer.Option(help="无条件共享 / 有条件共享 / 不予共享.")] = None,
    share_condition: Annotated[str | None, typer.Option()] = None,
    share_basis: Annotated[str | None, typer.Option(help="依据 for 有条件共享 / 不予共享.")] = None,
    open_type: Annotated[str | None, typer.Option(help="无条件开放 / 有条件开放 / 不予开放.")] = None,
    open_condition: Annotated[str | None, typer.Option()] = None,
    update_cycle: Annotated[str | None, typer.Option(help="更新周期.")] = None,
    note: Annotated[str, typer.Option(help="Note on the version.")] = "",
    user: Annotated[str | None, typer.Option("--as", help="Act as this user.")] = None,
    background: Annotated[bool, typer.Option(help="Only queue the job (a worker runs it).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ingest a file or a database table as a new resource (or a new version)."""
    from shuliu.catalog import ingest as ingest_service
    from shuliu.catalog.schemas import ResourceCreate
    from shuliu.engine.ingest import IngestOptions

    is_url = "://" in path
    options = IngestOptions(
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        no_header=no_header,
        sheet=sheet,
        column_types=parse_types(types or []),
        sql_table=table,
        sql_query=query,
    )
    source = None if is_url else Path(path).expanduser().resolve()
    if source is not None and not source.is_file():
        raise ValidationFailed("{file}: no such file", field="path", file=str(path))
    plat = platform()
    with plat.db.session() as s:
        actor = local_actor(s, user)
        meta = None
        if not resource:
            if not name:
                raise ValidationFailed("a new resource needs --name (or give --resource ID)", field="name")
            meta = ResourceCreate(
                name=name,
                org=ensure_org(s, org, actor),
                summary=summary,
                tags=[t for t in (tags or "").replace("，", ",").split(",") if t.strip()] or None,
                category=category,
                category_item=item,
                share_type=share_type,
                share_condition=share_condition,
                share_basis=share_basis,
                open_type=open_type,
                open_condition=open_condition,
                update_cycle=update_cycle,
            )
        job = ingest_service.submit(
            platform=plat,
            session=s,
            actor=actor,
            source_path=source,
            source_url=path if is_url else None,
            options=options,
            resource=meta,
            resource_id=resource,
            note=note,
            local=True,
        )
        job_id = job.id
    if background:
        emit({"job_id": job_id, "status": "queued"}, as_json, lambda: err.print(f"queued {job_id}"))
        return
    done = run_job(plat, job_id, quiet=as_json)
    if done.status != "succeeded":
        _fail(done.error or {"type": "error", "message": "the job failed"}, as_json)
    result = dict(done.result)
    # What the new version set off (classification): run here too, as a worker would.
    for follow in result.get("followups") or []:
        finished = run_job(plat, follow["job_id"], quiet=as_json)
        if follow["kind"] == "classify":
            result["classification"] = (
                {"level": finished.result["level"], "template": finished.result["template"]}
                if finished.status == "succeeded"
                else {"error": finished.error}
            )
        if follow["kind"] == "profile" and finished.status == "succeeded":
            result["quality"] = (finished.result or {}).get("quality")

    def human() -> None:
        out.print(
            f"[green]✓[/] {result['resource_id']}  {result['code']}  {result['version']}  "
            f"{result['rows']:,} rows × {len(result['columns'])} columns"
        )
        graded = result.get("classification") or {}
        if graded.get("level"):
            out.print(f"  分类分级 {graded['level']} ({graded['template']})")
        for w in result.get("warnings", []):
            err.print(f"[yellow]warning:[/] {w}")

    emit(result, as_json, human)


@app.command()
@handle_errors
def inspect(
    path: Annotated[Path, typer.Argument(help="A file to look at before ingesting it.")],
    sheet: Annotated[str | None, typer.Option()] = None,
    header_row: Annotated[int | None, typer.Option()] = None,
    encoding: Annotated[str | None, typer.Option()] = None,
    delimiter: Annotated[str | None, typer.Option()] = None,
    fmt: Annotated[str | None, typer.Option("--format")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The data has no header row.")] = False,
    rows: Annotated[int, typer.Option(help="Rows to show.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Show how a file would be read: format, encoding, header, sheets, types and first rows."""
    from shuliu.engine.ingest import IngestOptions
    from shuliu.engine.ingest.inspect import inspect_source

    if not path.is_file():
        raise ValidationFailed("{file}: no such file", field="path", file=str(path))
    plat = platform()
    options = IngestOptions(
        format=fmt, encoding=encoding, delimiter=delimiter, header_row=header_row, sheet=sheet, no_header=no_header
    )
    with plat.store.staging() as staging, plat.engine() as engine:
        result = inspect_source(path, options, engine=engine, staging=staging, rows=rows)

    def human() -> None:
        report = result["report"]
        out.print(
            f"[bold]{path.name}[/]: {result['format']}  "
            + "  ".join(
                f"{k}={report[k]}"
                for k in ("encoding", "delimiter", "header_line", "sheet", "header_row")
                if report.get(k)
            )
        )
        for line in report.get("title_lines", []):
            out.print(f"  title: {line}")
        table = Table(*[f"{c['name']}\n[dim]{c['type']}[/]" for c in result["columns"]])
        for row in result["preview"]:
            table.add_row(*["" if v is None else str(v) for v in row])
        out.print(table)
        for w in report.get("warnings", []):
            err.print(f"[yellow]warning:[/] {w}")

    emit(result, as_json, human)


@app.command()
@handle_errors
def classify(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码), or a file path.")],
    template: Annotated[str | None, typer.Option(help="Grading template id (default gb-t-43697-2024).")] = None,
    sample: Annotated[int | None, typer.Option(help="Rows to sample (default 5,000 spread over the data).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Scan every row.")] = False,
    user: Annotated[str | None, typer.Option("--as", help="Act as this user.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Find sensitive data in every column, label it and grade the data (数据分类分级)."""
    from shuliu.classify import service as classify_service

    plat = platform()
    path = Path(target).expanduser()
    if path.is_file():
        with plat.db.session() as s:
            chosen = classify_service.get_template(session=s, template_id=template or plat.settings.classify_template)
        result = classify_service.classify_file(
            platform=plat, path=path.resolve(), template=chosen, sample=sample, full=full
        )
    else:
        with plat.db.session() as s:
            job = classify_service.submit(
                platform=plat,
                session=s,
                actor=local_actor(s, user),
                resource_id=target,
                template_id=template,
                sample=sample,
                full=full,
            )
            job_id = job.id
        done = run_job(plat, job_id, quiet=as_json)
        if done.status != "succeeded":
            _fail(done.error or {"type": "error", "message": "the job failed"}, as_json)
        result = done.result

    def human() -> None:
        out.print(
            f"[bold]{result['level']}[/] ({result['template']}; {result['rows_scanned']:,} of "
            f"{result['rows']:,} rows scanned{', all' if result.get('full') else ''})"
        )
        table = Table("信息项", "type", "level", "ratio", "confidence", "examples", box=None, pad_edge=False)
        for c in result["columns"]:
            table.add_row(
                c["name"],
                c["type"] or "—",
                c.get("level") or "",
                f"{c['match_ratio']:.0%}" if c["type"] else "",
                f"{c['confidence']:.2f}" if c["type"] else "",
                "  ".join(c.get("examples") or []),
            )
        out.print(table)
        for combo in result.get("combinations") or []:
            out.print(f"[yellow]raised by[/] {combo}")

    emit(result, as_json, human)


@app.command()
@handle_errors
def search(
    query: Annotated[str, typer.Argument(help="Chinese or English words.")] = "",
    provider: Annotated[list[str] | None, typer.Option()] = None,
    category: Annotated[list[str] | None, typer.Option()] = None,
    share_type: Annotated[list[str] | None, typer.Option()] = None,
    open_type: Annotated[list[str] | None, typer.Option()] = None,
    tag: Annotated[list[str] | None, typer.Option()] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="资源格式, e.g. CSV, XLSX.")] = None,
    update_cycle: Annotated[list[str] | None, typer.Option(help="更新周期, e.g. 每年.")] = None,
    level: Annotated[list[str] | None, typer.Option(help="分类分级 level, e.g. 一般数据4级.")] = None,
    sensitive: Annotated[
        list[str] | None, typer.Option("--type", help="A sensitive type the resource holds, e.g. cn_resident_id.")
    ] = None,
    sort: Annotated[str, typer.Option(help="relevance, name, updated, published, rows, level, quality.")] = "relevance",
    page: Annotated[int, typer.Option()] = 1,
    per_page: Annotated[int, typer.Option()] = 20,
    user: Annotated[str | None, typer.Option("--as", help="Search as this user (default: the operator).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Search the catalog."""
    from shuliu.auth import service as auth
    from shuliu.catalog import search as catalog_search

    plat = platform()
    with plat.db.session() as s:
        actor = local_actor(s, user)
        filters = {
            "provider": provider,
            "category": category,
            "share_type": share_type,
            "open_type": open_type,
            "tags": tag,
            "format": fmt,
            "update_cycle": update_cycle,
            "level": level,
            "types": sensitive,
        }
        res = catalog_search.search(
            session=s,
            labels=auth.labels_for(actor),
            q=query,
            filters={k: v for k, v in filters.items() if v},
            sort=sort,
            page=page,
            per_page=per_page,
        )
    data = res.model_dump(mode="json")

    def human() -> None:
        out.print(f"{res.count} found")
        for hit in res.results:
            graded = f" · {hit.level}" if hit.level else ""
            out.print(
                f"  {hit.resource_id}  {hit.code}  [bold]{hit.name}[/]  [dim]{hit.provider} · {hit.share_type}"
                f"{graded}[/]"
            )

    emit(data, as_json, human)


# -- resources ----------------------------------------------------------------------------------------
@resources_app.command("list")
@handle_errors
def resources_list(
    page: Annotated[int, typer.Option()] = 1, per_page: Annotated[int, typer.Option()] = 50, as_json: JsonOpt = False
) -> None:
    """List resources, newest first."""
    search(
        query="",
        sort="updated",
        page=page,
        per_page=per_page,
        as_json=as_json,
        provider=None,
        category=None,
        share_type=None,
        open_type=None,
        tag=None,
        user=None,
    )


def _resource_json(s: Any, resource: Any) -> dict[str, Any]:
    from shuliu.catalog import service as catalog
    from shuliu.catalog.schemas import ResourceOut

    number = catalog.get_version(session=s, resource=resource).number if resource.current_version_id else None
    return ResourceOut.of(resource, number).model_dump(mode="json") | {"resource_id": resource.id}


@resources_app.command("show")
@handle_errors
def resources_show(resource_id: str, as_json: JsonOpt = False) -> None:
    """Show one resource's catalog entry and 信息项."""
    from shuliu.catalog import service as catalog

    plat = platform()
    with plat.db.session() as s:
        data = _resource_json(s, catalog.get_resource(session=s, actor=local_actor(s, None), resource_id=resource_id))

    def human() -> None:
        out.print(f"[bold]{data['name']}[/]  {data['code']}  ({data['resource_id']})")
        for key in (
            "provider",
            "category",
            "share_type",
            "open_type",
            "update_cycle",
            "format",
            "rows",
            "current_version",
            "summary",
        ):
            out.print(f"  {key:<16} {data[key]}")
        for col in data["columns"]:
            out.print(f"    {col['position'] + 1:>3}. {col['name']}  [dim]{col['data_type']}[/]  {col['description']}")

    emit(data, as_json, human)


@resources_app.command("edit")
@handle_errors
def resources_edit(
    resource_id: str,
    sets: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (repeatable; lists comma-separated).")],
    comment: Annotated[str, typer.Option(help="Why (kept in the history).")] = "",
    user: Annotated[str | None, typer.Option("--as")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Edit metadata; every change lands in the history."""
    from shuliu.catalog import service as catalog
    from shuliu.catalog.schemas import ResourceFields

    fields: dict[str, Any] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationFailed("--set wants FIELD=VALUE, got {item!r}", field="set", item=item)
        fields[key.strip()] = (
            [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
            if key.strip() in ("tags", "related_codes")
            else value
        )
    try:
        data = ResourceFields(**fields)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "set"
        reason = "no such field" if first.get("type") == "extra_forbidden" else str(first.get("msg", "invalid"))
        raise ValidationFailed("--set {name}: {reason}", field=name, name=name, reason=reason) from exc
    plat = platform()
    with plat.db.session() as s:
        resource = catalog.update_resource(
            session=s, actor=local_actor(s, user), resource_id=resource_id, data=data, comment=comment
        )
        result = _resource_json(s, resource)
    emit(result, as_json, lambda: out.print(f"[green]✓[/] revision {result['revision']}"))


@resources_app.command("history")
@handle_errors
def resources_history(resource_id: str, as_json: JsonOpt = False) -> None:
    """Every metadata change of a resource."""
    from shuliu.catalog import service as catalog
    from shuliu.catalog.schemas import HistoryOut

    plat = platform()
    with plat.db.session() as s:
        resource = catalog.get_resource(session=s, actor=local_actor(s, None), resource_id=resource_id)
        data = [HistoryOut.of(h).model_dump(mode="json") for h in catalog.history(session=s, resource=resource)]

    def human() -> None:
        for h in data:
            out.print(
                f"r{h['revision']}  {h['created_at'][:19]}  {h['actor']}  {h['action']}  "
                + "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in h["changes"].items())
            )

    emit(data, as_json, human)


@resources_app.command("versions")
@handle_errors
def resources_versions(resource_id: str, as_json: JsonOpt = False) -> None:
    """Versions of a resource, newest first."""
    from shuliu.catalog import service as catalog
    from shuliu.catalog.schemas import VersionOut

    plat = platform()
    with plat.db.session() as s:
        resource = catalog.get_resource(session=s, actor=local_actor(s, None), resource_id=resource_id)
        data = [VersionOut.of(v).model_dump(mode="json") for v in catalog.versions(session=s, resource=resource)]

    def human() -> None:
        for v in data:
            out.print(
                f"{v['version']}  {v['created_at'][:19]}  {v['rows']:,} rows  {v['content_hash'][:12]}  "
                f"{v['source_name']}  {v['note']}"
            )

    emit(data, as_json, human)


@resources_app.command("preview")
@handle_errors
def resources_preview(
    resource_id: str,
    version: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 10,
    as_json: JsonOpt = False,
) -> None:
    """The first rows of a version."""
    from shuliu.catalog import rows

    plat = platform()
    with plat.db.session() as s:
        data = rows.preview(
            platform=plat, session=s, actor=local_actor(s, None), resource_id=resource_id, version=version, limit=limit
        )

    def human() -> None:
        table = Table(*[c["name"] for c in data["columns"]])
        for row in data["rows"]:
            table.add_row(*["" if v is None else str(v) for v in row])
        out.print(table)

    emit(data, as_json, human)


@resources_app.command("retype")
@handle_errors
def resources_retype(
    resource_id: str,
    types: Annotated[list[str], typer.Option("--type", help="COLUMN=TYPE (repeatable).")],
    user: Annotated[str | None, typer.Option("--as")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct column types: writes a new version."""
    from shuliu.catalog import ingest as ingest_service

    plat = platform()
    with plat.db.session() as s:
        job = ingest_service.submit_retype(
            platform=plat, session=s, actor=local_actor(s, user), resource_id=resource_id, types=parse_types(types)
        )
        job_id = job.id
    done = run_job(plat, job_id, quiet=as_json)
    if done.status != "succeeded":
        _fail(done.error or {"type": "error", "message": "the job failed"}, as_json)
    emit(done.result, as_json, lambda: out.print(f"[green]✓[/] {done.result['version']}"))


# -- users and organizations ----------------------------------------------------------------------------
@user_app.command("create")
@handle_errors
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="admin | provider | consumer | auditor")] = "admin",
    password: Annotated[str | None, typer.Option(help="Password (or --password-stdin; asked if neither).")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    org: Annotated[str | None, typer.Option(help="Organization code or name (providers need one).")] = None,
    display_name: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a user (the first one bootstraps an administrator)."""
    from shuliu.auth import service as auth

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    plat = platform()
    with plat.db.session() as s:
        u = auth.create_user(
            session=s, username=username, password=password, role=role, org=org, display_name=display_name
        )
        data = {"id": u.id, "username": u.username, "role": u.role, "org": u.org.name if u.org else None}
    emit(data, as_json, lambda: out.print(f"[green]✓[/] user {username} ({role})"))


@user_app.command("list")
@handle_errors
def user_list(as_json: JsonOpt = False) -> None:
    """List users."""
    from shuliu.auth import service as auth

    plat = platform()
    with plat.db.session() as s:
        data = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "org": u.org.name if u.org else None,
                "active": u.is_active,
            }
            for u in auth.list_users(session=s)
        ]
    emit(data, as_json, print_lines([f"{u['username']:<16} {u['role']:<9} {u['org'] or ''}" for u in data]))


@user_app.command("token")
@handle_errors
def user_token(username: str, name: Annotated[str, typer.Option()] = "cli", as_json: JsonOpt = False) -> None:
    """Create an API token for a user and print it (shown once)."""
    from shuliu.auth import service as auth

    plat = platform()
    with plat.db.session() as s:
        token, secret = auth.create_token(session=s, user=auth.get_user(session=s, ref=username), name=name)
        data = {"token": secret, "prefix": token.prefix, "name": token.name, "username": username}
    emit(data, as_json, lambda: out.print(secret))


@user_app.command("passwd")
@handle_errors
def user_passwd(
    username: str, password_stdin: Annotated[bool, typer.Option()] = False, as_json: JsonOpt = False
) -> None:
    """Set a user's password (signs them out everywhere)."""
    from shuliu.auth import service as auth

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    plat = platform()
    with plat.db.session() as s:
        auth.set_password(session=s, user=auth.get_user(session=s, ref=username), password=password)
    emit({"username": username, "ok": True}, as_json, lambda: out.print("[green]✓[/] password changed"))


@org_app.command("create")
@handle_errors
def org_create(code: str, name: str, as_json: JsonOpt = False) -> None:
    """Register an organization (提供方代码, 资源提供方)."""
    from shuliu.auth import service as auth

    plat = platform()
    with plat.db.session() as s:
        org = auth.create_org(session=s, code=code, name=name)
        data = {"id": org.id, "code": org.code, "name": org.name}
    emit(data, as_json, lambda: out.print(f"[green]✓[/] {name} ({code})"))


@org_app.command("list")
@handle_errors
def org_list(as_json: JsonOpt = False) -> None:
    """List organizations."""
    from shuliu.auth import service as auth

    plat = platform()
    with plat.db.session() as s:
        data = [{"id": o.id, "code": o.code, "name": o.name} for o in auth.list_orgs(session=s)]
    emit(data, as_json, print_lines([f"{o['code']:<22} {o['name']}" for o in data]))


# -- database and jobs -------------------------------------------------------------------------------------
@db_app.command("upgrade")
@handle_errors
def db_upgrade(as_json: JsonOpt = False) -> None:
    """Apply database migrations."""
    from shuliu.db import migrate
    from shuliu.platform import Platform

    plat = Platform.open()
    data = {"revision": migrate.current_revision(plat.db.engine), "database": plat.db.dialect}
    emit(data, as_json, lambda: out.print(f"[green]✓[/] at revision {data['revision']} ({data['database']})"))


@db_app.command("current")
@handle_errors
def db_current(as_json: JsonOpt = False) -> None:
    """Show the schema revision."""
    from shuliu.config import get_settings
    from shuliu.db import migrate
    from shuliu.platform import Platform

    plat = Platform(get_settings(), upgrade=False)
    data = {"revision": migrate.current_revision(plat.db.engine), "head": migrate.head_revision()}
    emit(data, as_json, lambda: out.print(f"{data['revision']} (head {data['head']})"))


@jobs_app.command("list")
@handle_errors
def jobs_list(limit: Annotated[int, typer.Option()] = 20, as_json: JsonOpt = False) -> None:
    """Recent jobs."""
    from shuliu.jobs import service as jobs

    plat = platform()
    with plat.db.session() as s:
        data = [
            {
                "id": j.id,
                "kind": j.kind,
                "status": j.status,
                "progress": j.progress,
                "created_at": j.created_at.isoformat(),
                "error": j.error,
            }
            for j in jobs.list_jobs(session=s, limit=limit)
        ]
    emit(
        data,
        as_json,
        print_lines([f"{j['id']}  {j['kind']:<8} {j['status']:<10} {j['progress']:.0%}" for j in data]),
    )


@jobs_app.command("show")
@handle_errors
def jobs_show(job_id: str, as_json: JsonOpt = False) -> None:
    """One job's status, result or error."""
    from shuliu.jobs import service as jobs

    plat = platform()
    with plat.db.session() as s:
        j = jobs.get(session=s, job_id=job_id)
        data = {
            "id": j.id,
            "kind": j.kind,
            "status": j.status,
            "progress": j.progress,
            "stage": j.stage,
            "result": j.result,
            "error": j.error,
        }
    emit(data, as_json, lambda: out.print_json(json.dumps(data, ensure_ascii=False, default=str)))


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


def main() -> None:
    from shuliu.audit import service as audit

    with audit.context("cli"):  # acts done from the command line say so in the audit trail
        app()


if __name__ == "__main__":
    main()
