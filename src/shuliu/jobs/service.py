"""A small job queue in the metadata database.

Why not a job library: huey, RQ and Dramatiq need Redis and procrastinate needs PostgreSQL, while
the embedded tier runs on SQLite alone; and job status and progress must live next to the
metadata anyway, so the UI and CLI can show them. Claiming is one atomic UPDATE … RETURNING
(SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL uses FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shuliu.audit import service as audit
from shuliu.db.base import new_id, utcnow
from shuliu.errors import NotFound, ShuliuError
from shuliu.i18n import N_
from shuliu.jobs.models import Job

if TYPE_CHECKING:
    from shuliu.platform import Platform

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What a handler gets: the platform, its job's id and parameters, and a progress callback."""

    platform: Platform
    job_id: str
    params: dict[str, Any]
    actor_id: int | None
    _last: float = field(default=0.0)

    def progress(self, fraction: float, stage: str = "", *, force: bool = False) -> None:
        """Persist progress (throttled to a few writes a second)."""
        now = time.monotonic()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        with self.platform.db.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.status == "running")
                .values(progress=max(0.0, min(1.0, fraction)), stage=stage[:200], heartbeat_at=utcnow())
            )


Handler = Callable[[JobContext], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(*, session: Session, kind: str, params: dict[str, Any], actor_id: int | None) -> Job:
    """Add a job to the queue (committed with the caller's transaction)."""
    job = Job(
        id=new_id("job"),
        kind=kind,
        status="queued",
        params=params,
        created_by_id=actor_id,
        progress=0.0,
        stage="queued",
    )
    session.add(job)
    session.flush()
    return job


def get(*, session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("no job {job_id}", job_id=job_id)
    return job


def list_jobs(*, session: Session, actor_id: int | None = None, limit: int = 50) -> list[Job]:
    q = select(Job).order_by(Job.created_at.desc()).limit(limit)
    if actor_id is not None:
        q = q.where(Job.created_by_id == actor_id)
    return list(session.scalars(q))


def claim_next(platform: Platform, worker: str) -> str | None:
    """Atomically move the oldest queued job to running; return its id."""
    with platform.db.session() as s:
        oldest = (
            select(Job.id)
            .where(Job.status == "queued")
            .order_by(Job.created_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        now = utcnow()
        row = s.execute(
            update(Job)
            .where(Job.id == oldest, Job.status == "queued")
            .values(
                status="running",
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                stage="started",
            )
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        ).first()
        return row[0] if row else None


def claim(platform: Platform, job_id: str, worker: str) -> bool:
    """Claim one given job (the CLI runs the job it just queued); False if someone else has it."""
    with platform.db.session() as s:
        now = utcnow()
        row = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(
                status="running",
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                stage="started",
            )
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        ).first()
        return row is not None


def complete_in(*, session: Session, job_id: str, result: dict[str, Any]) -> None:
    """Mark a job succeeded inside the caller's transaction, so its effect and its outcome are
    stored together: a worker that dies after that commit leaves no job to run twice."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(status="succeeded", result=result, error=None, finished_at=utcnow(), progress=1.0, stage="done")
    )


def execute(platform: Platform, job_id: str) -> Job:
    """Run a claimed job's handler and persist its outcome."""
    with platform.db.session() as s:
        job = get(session=s, job_id=job_id)
        kind, params, actor_id = job.kind, dict(job.params or {}), job.created_by_id
    ctx = JobContext(platform=platform, job_id=job_id, params=params, actor_id=actor_id)
    fn = HANDLERS.get(kind)
    try:
        if fn is None:
            raise ShuliuError("no handler for job kind {kind!r}", kind=kind)
        with audit.context(f"job:{job_id}"):  # what the job records, it records as the job
            result = fn(ctx)
    except ShuliuError as exc:
        _finish(platform, job_id, status="failed", error=exc.to_dict())
    except Exception as exc:  # a bug: keep the traceback for the operator, show a short message
        log.exception("job %s (%s) crashed", job_id, kind)
        _finish(
            platform,
            job_id,
            status="failed",
            error={"type": "internal-error", "message": f"{type(exc).__name__}: {exc}"},
            log_text=traceback.format_exc(),
        )
    else:
        _finish(platform, job_id, status="succeeded", result=result)
    with platform.db.session() as s:
        return get(session=s, job_id=job_id)


def _finish(
    platform: Platform,
    job_id: str,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    log_text: str = "",
) -> None:
    with platform.db.session() as s:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "result": result, "error": error}
        if status == "succeeded":
            values.update(progress=1.0, stage="done")
        else:
            values.update(stage="failed")
        if log_text:
            values["log"] = log_text[-20000:]
        s.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(**values))


def requeue_stale(platform: Platform, *, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Jobs whose worker died (no heartbeat) go back to the queue, at most three attempts."""
    cutoff = utcnow() - older_than
    with platform.db.session() as s:
        stale = list(s.scalars(select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)))
        for job in stale:
            if job.attempts >= 3:
                job.status, job.finished_at = "failed", utcnow()
                job.error = {"type": "worker-lost", "message": N_("the worker stopped three times; giving up")}
            else:
                job.status, job.stage = "queued", "requeued after a lost worker"
        return len(stale)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Runner:
    """Runs queued jobs on background threads (embedded mode) or in the foreground (`shuliu worker`)."""

    def __init__(self, platform: Platform, threads: int = 1, poll: float = 1.0) -> None:
        self.platform = platform
        self.threads = threads
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self.loop, name=f"shuliu-jobs-{i}", daemon=True)
            t.start()
            self._workers.append(t)

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._workers:
            t.join(timeout)

    def run_pending(self) -> int:
        """Run queued jobs until none is left; returns how many ran."""
        n = 0
        name = worker_name()
        while not self._stop.is_set():
            job_id = claim_next(self.platform, name)
            if job_id is None:
                return n
            execute(self.platform, job_id)
            n += 1
        return n

    def loop(self) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_sweep > 60:
                    requeue_stale(self.platform)
                    self.platform.housekeeping()
                    last_sweep = time.monotonic()
                self.run_pending()
            except Exception:  # keep the worker alive through database hiccups
                log.exception("job loop error")
            self._wake.wait(self.poll)
            self._wake.clear()
