"""Classification tables: templates people made, scans (runs) and the per-column labels with their review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuliu.auth.models import User
from shuliu.db.base import Base, JSONType, UTCDateTime, utcnow

LABEL_STATUSES = ("proposed", "confirmed", "rejected", "none")


class ClassificationTemplate(Base):
    """A template someone copied, edited or uploaded (the built-in ones live in data files)."""

    __tablename__ = "classification_templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    based_on: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClassificationRun(Base):
    """One scan of one resource version under one template."""

    __tablename__ = "classification_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[str] = mapped_column(String(32), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(64))
    combinations: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_scanned: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ColumnLabel(Base):
    """A column's sensitive type, category and level in a version, and what people decided about it."""

    __tablename__ = "column_labels"
    __table_args__ = (UniqueConstraint("version_id", "column_name"), Index("ix_column_labels_type", "type"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[str] = mapped_column(String(32), index=True)
    column_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed | confirmed | rejected | none
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    match_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rejected_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    flag: Mapped[str | None] = mapped_column(Text)  # the data now disagrees with a decision
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship(lazy="joined")


class ResourceSensitiveType(Base):
    """The sensitive types of a resource's current version (for search facets and filters)."""

    __tablename__ = "resource_sensitive_types"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
