"""The database job queue: atomic claims under concurrency, outcomes, lost workers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from shuliu.db.base import utcnow
from shuliu.jobs import service as jobs
from shuliu.jobs.models import Job
from shuliu.platform import Platform

RUNS: list[str] = []
LOCK = threading.Lock()


@jobs.handler("test-echo")
def _echo(ctx: jobs.JobContext) -> dict[str, Any]:
    ctx.progress(0.5, "half", force=True)
    with LOCK:
        RUNS.append(ctx.job_id)
    if ctx.params.get("fail"):
        raise ValueError("boom")
    return {"echo": ctx.params["value"]}


def enqueue(platform: Platform, **params: Any) -> str:
    with platform.db.session() as s:
        return jobs.enqueue(session=s, kind="test-echo", params=params, actor_id=None).id


def test_outcomes_are_persisted(platform: Platform) -> None:
    ok, bad = enqueue(platform, value=1), enqueue(platform, value=2, fail=True)
    assert jobs.Runner(platform).run_pending() == 2
    with platform.db.session() as s:
        good = jobs.get(session=s, job_id=ok)
        assert good.status == "succeeded" and good.result == {"echo": 1} and good.progress == 1.0
        failed = jobs.get(session=s, job_id=bad)
        assert failed.status == "failed" and failed.error["type"] == "internal-error"
        assert "boom" in failed.error["message"] and "ValueError" in failed.log


def test_concurrent_workers_never_run_a_job_twice(platform: Platform) -> None:
    RUNS.clear()
    ids = {enqueue(platform, value=i) for i in range(40)}
    runners = [jobs.Runner(platform) for _ in range(4)]
    threads = [threading.Thread(target=r.run_pending) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(RUNS) == sorted(ids)  # each exactly once
    with platform.db.session() as s:
        assert {j.status for j in jobs.list_jobs(session=s, limit=100)} == {"succeeded"}


def test_a_claimed_job_cannot_be_claimed_again(platform: Platform) -> None:
    job_id = enqueue(platform, value=1)
    assert jobs.claim(platform, job_id, "a") is True
    assert jobs.claim(platform, job_id, "b") is False
    assert jobs.claim_next(platform, "c") is None


def test_lost_workers_are_requeued_then_given_up(platform: Platform) -> None:
    job_id = enqueue(platform, value=1)
    for attempt in range(3):
        assert jobs.claim_next(platform, f"w{attempt}") == job_id
        with platform.db.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        jobs.requeue_stale(platform, older_than=timedelta(minutes=10))
    with platform.db.session() as s:
        job = jobs.get(session=s, job_id=job_id)
        assert job.status == "failed" and job.error["type"] == "worker-lost" and job.attempts == 3
