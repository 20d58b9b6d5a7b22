"""The audit trail: one row per request that reads or changes data, and per security-relevant act.

Append-only: the product has no code path that updates or deletes an audit event, and the API and
pages offer none. An act recorded in the ledger carries its entry's index; `shuliu ledger verify`
checks that its details still match the digest in that entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shuliu.db.base import Base, JSONType, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "request" (an HTTP request) | "act" (a recorded act)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64), default="")  # username then, "" for anonymous
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(120), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(64), default="")  # client address, "cli", "job:…"
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # ok | denied | not-found | invalid | error
    status: Mapped[int | None] = mapped_column(SmallInteger)
    request_id: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, index=True)
