"""The audit trail: who did what to which object, when, from where, and how it ended.

Two kinds of events:
- "request": every HTTP request that reads or changes data, written by the app's middleware after
  the response (outcome from the status), in a transaction of its own — so refusals and failures
  are recorded too;
- "act": a security-relevant act (a resource registered, a new version, metadata changed, a
  classification decision …) written by the service that does it, in the act's own transaction,
  with a ledger entry (`ledger=True`): both are stored or neither.

Where the act happens (the client's address, the request id, or "cli", "job:…") comes from a
context the adapters set (`context()`), so services need not know about HTTP.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shuliu.audit.models import AuditEvent
from shuliu.auth.models import User
from shuliu.db.base import utcnow
from shuliu.errors import PermissionDenied, ValidationFailed
from shuliu.ledger import service as ledger

OUTCOMES = ("ok", "denied", "not-found", "invalid", "error")
READERS = ("admin", "auditor")
MAX_EXPORT = 100_000


@dataclass(frozen=True)
class Where:
    source: str = ""
    request_id: str = ""


NOWHERE = Where()
_where: ContextVar[Where | None] = ContextVar("audit_where", default=None)


@contextmanager
def context(source: str, request_id: str = "") -> Iterator[None]:
    """Acts recorded inside this block say they came from `source` (an address, "cli", "job:…")."""
    token = _where.set(Where(source=source[:64], request_id=request_id[:32]))
    try:
        yield
    finally:
        _where.reset(token)


def current() -> Where:
    return _where.get() or NOWHERE


def record(
    *,
    session: Session,
    action: str,
    actor: User | None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    outcome: str = "ok",
    status: int | None = None,
    kind: str = "act",
    ledger_entry: bool = False,
    at: datetime | None = None,
    where: Where | None = None,
) -> AuditEvent:
    """Write an audit event in the caller's transaction; with ledger_entry, also its ledger entry
    (whose digest covers `detail`)."""
    place = where or current()
    when = at or utcnow()
    details = detail or {}
    event = AuditEvent(
        at=when,
        kind=kind,
        actor_id=actor.id if actor else None,
        actor=actor.username if actor else "",
        role=actor.role if actor else "",
        action=action[:120],
        object_type=object_type[:32],
        object_id=object_id[:120],
        source=place.source,
        outcome=outcome,
        status=status,
        request_id=place.request_id,
        detail=details,
    )
    if ledger_entry:
        event.ledger_index = ledger.record(
            session=session,
            type=action,
            actor=event.actor or "-",
            object=f"{object_type}:{object_id}",
            payload=details,
            at=when,
        )
    session.add(event)
    session.flush()
    return event


def act(
    *,
    session: Session,
    action: str,
    actor: User | None,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """A security-relevant act: an audit event and a ledger entry, in the act's transaction."""
    return record(
        session=session,
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        ledger_entry=True,
    )


# -- the viewer -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    kind: str = ""
    source: str = ""

    def validated(self) -> Filters:
        if self.outcome and self.outcome not in OUTCOMES:
            raise ValidationFailed("outcome is one of {choices}", choices=", ".join(OUTCOMES), field="outcome")
        if self.kind and self.kind not in ("request", "act"):
            raise ValidationFailed("kind is request or act", field="kind")
        if self.since and self.until and self.since > self.until:
            raise ValidationFailed("since is after until", field="since")
        return replace(self, actor=self.actor.strip()[:64], action=self.action.strip()[:120])


def _query(f: Filters) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if f.since:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEvent.at <= f.until)
    if f.actor:
        stmt = stmt.where(AuditEvent.actor == f.actor)
    if f.action:
        # a prefix: "resource." finds every act on resources, "GET /api/v1/resources" every read
        escaped = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEvent.action.like(escaped + "%", escape="\\"))
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    if f.outcome:
        stmt = stmt.where(AuditEvent.outcome == f.outcome)
    if f.kind:
        stmt = stmt.where(AuditEvent.kind == f.kind)
    if f.source:
        stmt = stmt.where(AuditEvent.source == f.source)
    return stmt


def _require_reader(actor: User | None) -> None:
    if actor is None or actor.role not in READERS:
        raise PermissionDenied("only auditors and administrators read the audit trail")


def search(
    *, session: Session, actor: User | None, filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[int, list[AuditEvent]]:
    """(count, events newest first) matching the filters; auditors and administrators only."""
    _require_reader(actor)
    if page < 1 or not 1 <= per_page <= 500:
        raise ValidationFailed("page counts from 1 and per_page is 1–500", field="page")
    f = filters.validated()
    stmt = _query(f)
    count = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return count, list(rows)


def events_of_entry(*, session: Session, index: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.ledger_index == index)))


def event_dict(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "kind": e.kind,
        "actor": e.actor,
        "role": e.role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "source": e.source,
        "outcome": e.outcome,
        "status": e.status,
        "request_id": e.request_id,
        "ledger_index": e.ledger_index,
        "detail": e.detail,
    }


EXPORT_COLUMNS = (
    "id", "at", "kind", "actor", "role", "action", "object_type", "object_id", "source", "outcome", "status",
    "request_id", "ledger_index", "detail",
)  # fmt: skip


def export(*, session: Session, actor: User | None, filters: Filters, fmt: str) -> Iterator[str]:
    """The matching events, oldest first, as CSV (UTF-8 with BOM, for spreadsheet programs) or
    NDJSON, in chunks; at most 100,000 events per export (narrow the filters for more)."""
    _require_reader(actor)
    if fmt not in ("csv", "json"):
        raise ValidationFailed("format is csv or json", field="format")
    stmt = _query(filters.validated()).order_by(AuditEvent.id).limit(MAX_EXPORT)
    if fmt == "csv":
        yield "\ufeff"
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(EXPORT_COLUMNS)
        for n, e in enumerate(session.scalars(stmt.execution_options(yield_per=1000))):
            d = event_dict(e)
            d["detail"] = json.dumps(d["detail"], ensure_ascii=False, sort_keys=True)
            writer.writerow([d[c] if d[c] is not None else "" for c in EXPORT_COLUMNS])
            if n % 500 == 499:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()
    else:
        for e in session.scalars(stmt.execution_options(yield_per=1000)):
            yield json.dumps(event_dict(e), ensure_ascii=False) + "\n"
