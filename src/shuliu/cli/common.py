"""What every `shuliu` command shares: output (human or one JSON document), errors, the
platform, the local operator, running a job with a progress bar."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from shuliu.errors import ShuliuError

err = Console(stderr=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def print_lines(lines: list[str]) -> Callable[[], None]:
    """A human printer for emit(): one line each."""

    def human() -> None:
        for line in lines:
            out.print(line)

    return human


def emit(data: Any, as_json: bool, human: Callable[[], None] | None = None) -> None:
    if as_json or human is None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    else:
        human()


def handle_errors(fn: F) -> F:
    """Turn domain errors into `{"error": …}` (with --json) or a red message, and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except ShuliuError as exc:
            fail(exc.to_dict(), as_json)
        except KeyboardInterrupt:
            fail({"type": "interrupted", "message": "interrupted"}, as_json)

    return wrapper  # type: ignore[return-value]


def fail(error: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"error": error}, ensure_ascii=False, default=str) + "\n")
    else:
        err.print(f"[bold red]error[/] ({error.get('type')}): {error.get('message')}")
    raise typer.Exit(1)


def platform():
    from shuliu.platform import Platform

    return Platform.open()


def local_actor(session: Any, username: str | None) -> Any:
    """The user the CLI acts as: --as USER, else the first administrator, else a local one."""
    from sqlalchemy import select

    from shuliu.auth import service as auth
    from shuliu.auth.models import User

    if username:
        return auth.get_user(session=session, ref=username)
    admin = session.scalar(select(User).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id))
    if admin is not None:
        return admin
    import secrets

    return auth.create_user(
        session=session,
        username="local-admin",
        password=secrets.token_urlsafe(24) + "1a",
        role="admin",
        display_name="本地管理员",
    )


def ensure_org(session: Any, ref: str | None, actor: Any) -> str | None:
    """The organization to register under; --org names one, created on the fly when new."""
    from shuliu.auth import service as auth
    from shuliu.errors import NotFound

    if ref:
        try:
            return auth.get_org(session=session, ref=ref).code
        except NotFound:
            digest = hashlib.sha1(ref.encode()).hexdigest()[:8].upper()
            code = ref if ref.isascii() and " " not in ref else f"ORG-{digest}"
            org = auth.create_org(session=session, code=code, name=ref)
            err.print(f"created organization {org.name} ({org.code})")
            return org.code
    if actor.role == "admin" and actor.org_id is None:
        try:
            return auth.get_org(session=session, ref="LOCAL").code
        except NotFound:
            return auth.create_org(session=session, code="LOCAL", name="本地数据").code
    return None


def run_job(plat: Any, job_id: str, *, quiet: bool) -> Any:
    """Run a queued job here with a progress bar on stderr; returns the finished job."""
    from shuliu.jobs import service as jobs
    from shuliu.jobs.models import Job

    if not jobs.claim(plat, job_id, jobs.worker_name()):
        raise ShuliuError("job {job_id} was taken by another worker", job_id=job_id)
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.setdefault("job", jobs.execute(plat, job_id)), daemon=True)
    thread.start()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("job", total=1.0)
        while thread.is_alive():
            thread.join(0.2)
            with plat.db.session() as s:
                job = s.get(Job, job_id)
                if job is not None:
                    bar.update(task, completed=job.progress, description=job.stage or job.kind)
        bar.update(task, completed=1.0)
    return box["job"]
