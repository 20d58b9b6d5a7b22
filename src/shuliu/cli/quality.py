"""`shuliu profile TARGET` and `shuliu quality …` (check, rules, suggest, history, failing, clean)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shuliu.cli.common import JsonOpt, emit, fail, handle_errors, local_actor, out, platform, run_job
from shuliu.errors import ValidationFailed

quality_app = typer.Typer(help="Data quality (质量): checks, rules, scores, cleaning.", no_args_is_help=True)
UserOpt = Annotated[str | None, typer.Option("--as", help="Act as this user.")]


def _read(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "cannot read the {what} file {path}: {reason}", what=what, path=str(path), reason=str(exc), field=what
        ) from exc


def _job(plat: Any, job_id: str, as_json: bool) -> dict[str, Any]:
    done = run_job(plat, job_id, quiet=as_json)
    if done.status != "succeeded":
        fail(done.error or {"type": "error", "message": "the job failed"}, as_json)
    return dict(done.result or {})


def profile(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码), or a file path.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Profile every column (数据剖析): nulls, distinct values, ranges, quantiles, top values, patterns."""
    from shuliu.quality import service as quality

    plat = platform()
    path = Path(target).expanduser()
    if path.is_file():
        result = quality.profile_file(platform=plat, path=path.resolve())
    else:
        with plat.db.session() as s:
            job_id = quality.submit_profile(platform=plat, session=s, actor=local_actor(s, user), resource_id=target).id
        _job(plat, job_id, as_json)
        with plat.db.session() as s:
            result = quality.get_profile(session=s, actor=local_actor(s, user), resource_id=target)

    def human() -> None:
        out.print(f"[bold]{result['rows']:,}[/] rows")
        table = Table("信息项", "type", "nulls", "distinct", "min", "max", "mean", "top", box=None, pad_edge=False)
        for c in result["columns"]:
            table.add_row(
                c["name"],
                c["type"],
                f"{c['nulls']:,}",
                f"{'' if c['distinct_exact'] else '≈'}{c['distinct']:,}",
                _short(c["min"]),
                _short(c["max"]),
                "" if c["mean"] is None else f"{c['mean']:.4g}",
                ", ".join(f"{_short(t['value'])}×{t['count']}" for t in c["top"][:3]),
            )
        out.print(table)

    emit(result, as_json, human)


def _short(v: Any, n: int = 24) -> str:
    s = "" if v is None else str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def _print_check(result: dict[str, Any]) -> None:
    out.print(f"[bold]{result['score']:.1f}[/] / 100")
    out.print("  ".join(f"{d} {v:.1f}" for d, v in result["dimensions"].items()))
    table = Table("rule", "dimension", "checked", "failed", "pass", box=None, pad_edge=False)
    for r in result["rules"]:
        style = "red" if r["failed"] else ""
        table.add_row(
            r["id"],
            r["dimension"],
            f"{r['checked']:,}",
            f"[{style}]{r['failed']:,}[/]" if style else "0",
            f"{r['pass_ratio']:.2%}",
        )
    out.print(table)


@quality_app.command("check")
@handle_errors
def check(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码), or a file path.")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="A YAML rule file (default: the resource's rules).")
    ] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run quality rules and score them on the six dimensions of GB/T 36344-2018 (0–100)."""
    from shuliu.quality import service as quality

    plat = platform()
    text = _read(rules, "rules")
    path = Path(target).expanduser()
    if path.is_file():
        result = quality.check_file(platform=plat, path=path.resolve(), rules_text=text)
    else:
        with plat.db.session() as s:
            job_id = quality.submit_check(
                platform=plat, session=s, actor=local_actor(s, user), resource_id=target, rules_text=text
            ).id
        result = _job(plat, job_id, as_json)
    emit(result, as_json, lambda: _print_check(result))


@quality_app.command("rules")
@handle_errors
def rules_cmd(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码).")],
    set_file: Annotated[Path | None, typer.Option("--set", help="Replace the rules with this YAML file.")] = None,
    schedule: Annotated[int | None, typer.Option(help="Also run the rules every N hours.")] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a resource's rules (YAML), or replace them."""
    from shuliu.catalog import service as catalog
    from shuliu.quality import service as quality

    plat = platform()
    with plat.db.session() as s:
        actor = local_actor(s, user)
        text = _read(set_file, "rules")
        if text is not None:
            result = quality.save_rules(session=s, actor=actor, resource_id=target, text=text, schedule_hours=schedule)
        else:
            resource = catalog.get_resource(session=s, actor=actor, resource_id=target)
            result = quality.rules_view(session=s, resource=resource)
    emit(result, as_json, lambda: out.print(result["yaml"], end="", markup=False, highlight=False))


@quality_app.command("suggest")
@handle_errors
def suggest(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码).")],
    accept: Annotated[bool, typer.Option("--accept", help="Add every suggested rule to the resource's rules.")] = False,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rules the latest profile suggests (run `shuliu profile` first)."""
    from shuliu.quality import service as quality

    plat = platform()
    with plat.db.session() as s:
        actor = local_actor(s, user)
        found = quality.suggestions(session=s, actor=actor, resource_id=target)
        if accept:
            for item in found:
                quality.add_rule(session=s, actor=actor, resource_id=target, rule=item["rule"])
    result = {"suggestions": found, "accepted": len(found) if accept else 0}

    def human() -> None:
        for item in found:
            out.print(f"{item['rule']['id']:<32} {item['dimension']}  {item['reason']}")
        if accept:
            out.print(f"[green]accepted {len(found)}[/]")

    emit(result, as_json, human)


@quality_app.command("history")
@handle_errors
def history(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码).")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Scores of past checks, newest first."""
    from shuliu.quality import service as quality

    plat = platform()
    with plat.db.session() as s:
        runs = quality.history(session=s, actor=local_actor(s, user), resource_id=target)
    result = {"runs": runs}

    def human() -> None:
        for r in runs:
            out.print(f"{r['at'][:19]}  {r['version']:<5} {r['score']:6.1f}  {r['trigger']}")

    emit(result, as_json, human)


@quality_app.command("failing")
@handle_errors
def failing(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码).")],
    rule: Annotated[str, typer.Argument(help="The rule id.")],
    limit: Annotated[int, typer.Option(help="At most this many rows (1–200).")] = 20,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows that fail a rule (sensitive columns masked)."""
    from shuliu.quality import service as quality

    plat = platform()
    with plat.db.session() as s:
        result = quality.failing_rows(
            platform=plat, session=s, actor=local_actor(s, user), resource_id=target, rule_id=rule, limit=limit
        )

    def human() -> None:
        table = Table(*result["columns"], box=None, pad_edge=False)
        for row in result["rows"]:
            table.add_row(*[_short(v) for v in row])
        out.print(table)

    emit(result, as_json, human)


@quality_app.command("clean")
@handle_errors
def clean_cmd(
    target: Annotated[str, typer.Argument(help="A resource id (or 资源代码).")],
    recipe: Annotated[Path, typer.Option("--recipe", help="A YAML cleaning recipe.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Clean the current version by a recipe into a new version (the old one stays)."""
    from shuliu.quality import service as quality

    plat = platform()
    text = _read(recipe, "recipe") or ""
    with plat.db.session() as s:
        job_id = quality.submit_clean(
            platform=plat, session=s, actor=local_actor(s, user), resource_id=target, recipe=text
        ).id
    result = _job(plat, job_id, as_json)
    for follow in result.get("followups") or []:
        run_job(plat, follow["job_id"], quiet=True)

    def human() -> None:
        out.print(f"[bold]{result['version']}[/] from {result['from']}: {result['rows']:,} rows")
        for st in result["steps"]:
            out.print(f"  {st['step']:<40} {st['changed']:,} changed")

    emit(result, as_json, human)


@quality_app.command("verify")
@handle_errors
def verify_cmd(
    target: Annotated[str, typer.Argument(help="A verification file (YAML), or the name or id of a saved one.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Multi-source verification (多源核验): where several resources' copies of a field agree and conflict."""
    from shuliu.quality import service as quality

    plat = platform()
    path = Path(target).expanduser()
    with plat.db.session() as s:
        actor = local_actor(s, user)
        ref = target
        if path.is_file():
            ref = quality.save_verification(session=s, actor=actor, spec=_read(path, "verification") or "")["id"]
        job_id = quality.submit_verification(session=s, actor=actor, ref=ref).id
    result = _job(plat, job_id, as_json)
    with plat.db.session() as s:
        view = quality.verification_view(session=s, actor=local_actor(s, user), ref=result["verification_id"])
    result = {**result, "name": view["name"], "authorities": view["authorities"]}

    def human() -> None:
        out.print(
            f"[bold]{view['name']}[/]: {result['entities']:,} entities, {result['shared']:,} in two sources or more"
        )
        for src in result["sources"]:
            out.print(f"  {src['name']} ({src['version']}): {src['entities']:,} entities")
        table = Table("field", "compared", "agree", "conflicts", "agreement", "authority", box=None, pad_edge=False)
        for f in result["fields"]:
            auth = result["authorities"].get(f["field"])
            table.add_row(
                f["field"],
                f"{f['compared']:,}",
                f"{f['agreements']:,}",
                f"{f['conflicts']:,}",
                "" if f["agreement"] is None else f"{f['agreement']:.2%}",
                auth["resource_id"] if auth else "",
            )
        out.print(table)

    emit(result, as_json, human)


@quality_app.command("authority")
@handle_errors
def authority_cmd(
    verification: Annotated[str, typer.Argument(help="The verification's name or id.")],
    field: Annotated[str, typer.Argument(help="The field.")],
    resource: Annotated[str, typer.Argument(help="The authoritative resource (一数一源).")],
    reason: Annotated[str, typer.Option(help="Why this source.")] = "",
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record which source is authoritative for a field (一数一源); the decision goes to the ledger."""
    from shuliu.quality import service as quality

    plat = platform()
    with plat.db.session() as s:
        view = quality.set_authority(
            session=s, actor=local_actor(s, user), ref=verification, field=field, resource_id=resource, reason=reason
        )
    emit(view, as_json, lambda: out.print(f"{field}: {view['authorities'][field]['resource_id']}"))
