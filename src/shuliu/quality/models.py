"""Quality tables: profiles per version, each resource's rule set, check runs (score history),
the authoritative source (一数一源) of a field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuliu.db.base import Base, JSONType, UTCDateTime, utcnow


class QualityProfile(Base):
    """The profile (数据剖析) of one version, as `quality.profile.profile_table` returns it."""

    __tablename__ = "quality_profiles"

    version_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityRuleSet(Base):
    """A resource's rules (the YAML people wrote, accepted or uploaded), with a revision number."""

    __tablename__ = "quality_rulesets"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    schedule_hours: Mapped[int | None] = mapped_column(Integer)  # run on a schedule (None: after each version)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityRun(Base):
    """One quality check of one version: the score, per dimension and per rule."""

    __tablename__ = "quality_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[str] = mapped_column(String(32), index=True)
    score: Mapped[float] = mapped_column(Float)
    dimensions: Mapped[dict[str, float]] = mapped_column(JSONType)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    ruleset_revision: Mapped[int] = mapped_column(Integer, default=0)  # 0: the baseline rules
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | version | schedule
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Verification(Base):
    """A multi-source verification (多源核验): resources that describe the same entities, the
    fields compared across them, how records are matched; and its latest result."""

    __tablename__ = "quality_verifications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthoritativeSource(Base):
    """Which resource is the authority (一数一源) for a field of a verification."""

    __tablename__ = "quality_authorities"
    __table_args__ = (UniqueConstraint("verification_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[str] = mapped_column(ForeignKey("quality_verifications.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(300))
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    column_name: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
