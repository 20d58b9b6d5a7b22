"""`shuliu ledger …` (存证: verify, prove, check, checkpoint, rotate-key, show) and `shuliu audit …`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table

from shuliu.cli.common import JsonOpt, emit, err, handle_errors, local_actor, out, platform
from shuliu.errors import ValidationFailed

ledger_app = typer.Typer(help="The tamper-evident ledger (存证).", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@ledger_app.command("verify")
@handle_errors
def verify(
    key: Annotated[
        list[str] | None, typer.Option("--key", help="Also trust this verifier key (name+id+base64), repeatable.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the stored log from its entries and check it against its signed checkpoints;
    exit 1 naming the first bad index if anything disagrees."""
    from shuliu.ledger import service as ledger
    from shuliu.ledger import verify as verifier
    from shuliu.ledger.note import NoteError, Verifier

    plat = platform()
    try:
        trusted = ledger.trusted(plat.settings) + [Verifier.decode(k) for k in key or []]
    except NoteError as exc:
        raise ValidationFailed("{reason}", reason=str(exc), field="key") from exc
    with Progress(
        TextColumn("verify"), BarColumn(), TaskProgressColumn(), console=err, disable=as_json or not err.is_terminal
    ) as bar:
        task = bar.add_task("verify", total=None)
        with plat.db.session() as s:
            report = verifier.verify_log(
                session=s, trusted=trusted, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
    data = report.to_dict()

    def human() -> None:
        if report.ok:
            out.print(
                f"[green]✓[/] {report.size:,} entries, root {report.root.hex()}, {report.checkpoints} checkpoints"
            )
            return
        out.print(f"[bold red]✗ the ledger does not verify[/]: first bad index {report.first_bad_index}")
        for problem in report.problems:
            out.print(f"  {problem}")

    emit(data, as_json, human)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command("prove")
@handle_errors
def prove(
    index: Annotated[int, typer.Argument(help="The entry's index.")],
    size: Annotated[int | None, typer.Option(help="Prove it in the checkpoint of this size (default: latest).")] = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write the bundle here (default: stdout).")] = None,
) -> None:
    """Export a self-contained proof bundle of an entry: the entry, its inclusion proof, the signed
    checkpoint and the verifier key. `shuliu ledger check BUNDLE` verifies it with no database."""
    from shuliu.ledger import service as ledger

    plat = platform()
    with plat.db.session() as s:
        bundle = ledger.prove(session=s, settings=plat.settings, index=index, size=size)
    text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@ledger_app.command("check")
@handle_errors
def check(
    bundle: Annotated[Path, typer.Argument(help="A proof bundle (from `shuliu ledger prove`); - for stdin.")],
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="Trust only this verifier key (name+id+base64), repeatable; default: the bundle's."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a proof bundle offline (no database, no SHULIU_HOME): the entry's leaf hash, its
    inclusion proof up to the checkpoint's root, and the checkpoint's signature."""
    from shuliu.ledger import service as ledger
    from shuliu.ledger.note import NoteError, Verifier

    try:
        raw = sys.stdin.read() if str(bundle) == "-" else bundle.read_text(encoding="utf-8")
        doc = json.loads(raw)
    except FileNotFoundError as exc:
        raise ValidationFailed("{file}: no such file", file=str(bundle), field="bundle") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("{file}: not a JSON proof bundle", file=str(bundle), field="bundle") from exc
    try:
        keys = [Verifier.decode(k) for k in key] if key else None
    except NoteError as exc:
        raise ValidationFailed("{reason}", reason=str(exc), field="key") from exc
    result = ledger.check_bundle(doc, keys)

    def human() -> None:
        if result.ok:
            out.print(
                f"[green]✓[/] entry {result.index} is in the log of {result.tree_size:,} entries "
                f"(root {result.root}), signed by {result.key}"
            )
            if not key:
                err.print("  checked with the key in the bundle; pass --key to check against a key you trust")
        else:
            out.print("[bold red]✗ the bundle does not verify[/]")
            for p in result.problems:
                out.print(f"  {p}")

    emit(result.to_dict(), as_json, human)
    if not result.ok:
        raise typer.Exit(1)


@ledger_app.command("checkpoint")
@handle_errors
def checkpoint(as_json: JsonOpt = False) -> None:
    """Sign and publish a checkpoint of the log as it is now."""
    from shuliu.ledger import service as ledger

    plat = platform()
    with plat.db.session() as s:
        row = ledger.publish(settings=plat.settings, session=s)
        assert row is not None
        data = ledger.checkpoint_dict(row)
    emit(data, as_json, lambda: out.print(data["note"], end=""))


@ledger_app.command("rotate-key")
@handle_errors
def rotate_key(as_json: JsonOpt = False) -> None:
    """Replace the checkpoint-signing key: the old public key stays trusted for old checkpoints,
    its private key is deleted, and a checkpoint signed by both keys hands over to the new one."""
    from shuliu.ledger import service as ledger

    plat = platform()
    with plat.db.session() as s:
        old, new, row = ledger.rotate_key(settings=plat.settings, session=s)
        handover = ledger.checkpoint_dict(row)
        data = {"old_key": old.encode(), "new_key": new.encode(), "checkpoint": handover}

    def human() -> None:
        out.print(f"retired {old.encode()}")
        out.print(f"new     {new.encode()}")
        out.print(handover["note"], end="")

    emit(data, as_json, human)


@ledger_app.command("show")
@handle_errors
def show(
    index: Annotated[
        int | None, typer.Argument(help="An entry's index (default: the head and latest entries).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Entries to list.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The head of the log, its latest checkpoint and entries — or one entry."""
    from shuliu.ledger import log
    from shuliu.ledger import service as ledger

    plat = platform()
    with plat.db.session() as s:
        if index is not None:
            data: dict[str, Any] = ledger.entry_dict(log.entry(session=s, index=index))
        else:
            head = log.head(session=s)
            latest = ledger.latest_checkpoint(session=s)
            data = {
                "size": head.size,
                "root": head.root.hex(),
                "checkpoint": ledger.checkpoint_dict(latest) if latest else None,
                "entries": [ledger.entry_dict(e) for e in log.entries(session=s, limit=limit)],
                "verifier_key": ledger.signer(plat.settings).verifier.encode(),
            }

    def human() -> None:
        if index is not None:
            out.print(f"#{data['index']}  {data['time']}  {data['type']}  {data['actor']}  {data['object']}")
            out.print(f"  leaf {data['leaf_hash']}")
            out.print(f"  {data['body']}")
            return
        out.print(f"{data['size']:,} entries, root {data['root']}")
        out.print(f"key {data['verifier_key']}")
        table = Table("#", "time", "type", "actor", "object", box=None)
        for e in data["entries"]:
            table.add_row(str(e["index"]), e["time"], e["type"], e["actor"], e["object"])
        out.print(table)

    emit(data, as_json, human)


# -- audit --------------------------------------------------------------------------------------------------
def _filters(**kw: Any) -> Any:
    from shuliu.audit.service import Filters

    def when(value: str | None, name: str) -> datetime | None:
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed("{name} is a date or time like 2026-12-01T08:00", name=name, field=name) from exc

    return Filters(
        since=when(kw.pop("since"), "since"),
        until=when(kw.pop("until"), "until"),
        **{k: v or "" for k, v in kw.items()},
    )


Since = Annotated[str | None, typer.Option(help="From this date/time (ISO 8601).")]
Until = Annotated[str | None, typer.Option(help="Until this date/time (ISO 8601).")]
Actor = Annotated[str | None, typer.Option(help="Username.")]
Action = Annotated[str | None, typer.Option(help="Action or its prefix: resource., label.confirm, GET /api/v1/….")]
ObjectId = Annotated[str | None, typer.Option("--object", help="Object id (res_…, job_…).")]
Outcome = Annotated[str | None, typer.Option(help="ok, denied, not-found, invalid, error.")]
Kind = Annotated[str | None, typer.Option(help="request or act.")]
AsUser = Annotated[str | None, typer.Option("--as", help="Read as this user (an auditor or administrator).")]


@audit_app.command("list")
@handle_errors
def audit_list(
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    action: Action = None,
    object_id: ObjectId = None,
    outcome: Outcome = None,
    kind: Kind = None,
    page: Annotated[int, typer.Option()] = 1,
    per_page: Annotated[int, typer.Option()] = 50,
    user: AsUser = None,
    as_json: JsonOpt = False,
) -> None:
    """Audit events, newest first."""
    from shuliu.audit import service as audit

    f = _filters(since=since, until=until, actor=actor, action=action, object_id=object_id, outcome=outcome, kind=kind)
    plat = platform()
    with plat.db.session() as s:
        count, rows = audit.search(session=s, actor=local_actor(s, user), filters=f, page=page, per_page=per_page)
        events = [audit.event_dict(e) for e in rows]
        data = {"count": count, "page": page, "events": events}

    def human() -> None:
        out.print(f"{count:,} events")
        table = Table("id", "at", "actor", "action", "object", "outcome", "source", box=None)
        for e in events:
            table.add_row(
                str(e["id"]), e["at"][:19], e["actor"] or "—", e["action"], e["object_id"], e["outcome"], e["source"]
            )
        out.print(table)

    emit(data, as_json, human)


@audit_app.command("export")
@handle_errors
def audit_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json (one event per line).")] = "csv",
    since: Since = None,
    until: Until = None,
    actor: Actor = None,
    action: Action = None,
    object_id: ObjectId = None,
    outcome: Outcome = None,
    kind: Kind = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write here (default: stdout).")] = None,
    user: AsUser = None,
) -> None:
    """Export audit events, oldest first (at most 100,000 per export)."""
    from shuliu.audit import service as audit

    f = _filters(since=since, until=until, actor=actor, action=action, object_id=object_id, outcome=outcome, kind=kind)
    plat = platform()
    with plat.db.session() as s:
        chunks = audit.export(session=s, actor=local_actor(s, user), filters=f, fmt=fmt)
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
        else:
            with output.open("w", encoding="utf-8", newline="") as fh:
                for chunk in chunks:
                    fh.write(chunk)
            err.print(f"wrote {output}")


__all__ = ["audit_app", "ledger_app"]
