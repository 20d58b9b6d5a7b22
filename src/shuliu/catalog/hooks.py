"""What other domains do when the catalog gets a new version: a registry of follow-up jobs.

The catalog does not know who cares about new data. Classification and quality (profile and
check) register a function here; the ingest, retype and cleaning jobs call `new_version()` in the
transaction that registers the version, so a follow-up job exists exactly when the version does.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session


class NewVersionHook(Protocol):
    def __call__(
        self, *, platform: Any, session: Session, actor_id: int | None, resource_id: str, version_id: str
    ) -> Any: ...


_NEW_VERSION: list[NewVersionHook] = []


def on_new_version(fn: NewVersionHook) -> NewVersionHook:
    """Register `fn(platform=, session=, actor_id=, resource_id=, version_id=)`; it returns the job
    it queued (or None)."""
    if fn not in _NEW_VERSION:
        _NEW_VERSION.append(fn)
    return fn


def new_version(
    *, platform: Any, session: Session, actor_id: int | None, resource_id: str, version_id: str
) -> list[dict[str, str]]:
    """Run every registered hook; returns the follow-up jobs as [{"kind", "job_id"}]."""
    out = []
    for fn in _NEW_VERSION:
        job = fn(platform=platform, session=session, actor_id=actor_id, resource_id=resource_id, version_id=version_id)
        if job is not None:
            out.append({"kind": job.kind, "job_id": job.id})
    return out
