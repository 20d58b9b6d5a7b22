"""政务信息资源目录: resources, 信息项 (columns), versions, history, tags, search index, visibility labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuliu.auth.models import Organization, User
from shuliu.db.base import Base, JSONType, UTCDateTime, utcnow


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # 资源代码
    name: Mapped[str] = mapped_column(String(300), index=True)  # 资源名称
    summary: Mapped[str] = mapped_column(Text, default="")  # 资源摘要
    # 资源分类: 类 (基础/主题/部门), then 项, 目, 细目 codes.
    category: Mapped[str] = mapped_column(String(8), index=True)
    category_item: Mapped[str] = mapped_column(String(8), default="")
    category_sub: Mapped[str] = mapped_column(String(8), default="")
    category_detail: Mapped[str] = mapped_column(String(8), default="")
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    format: Mapped[str] = mapped_column(String(32), default="")  # 资源格式
    share_type: Mapped[str] = mapped_column(String(16), index=True)  # 共享类型
    share_condition: Mapped[str] = mapped_column(Text, default="")  # 共享条件
    share_basis: Mapped[str] = mapped_column(Text, default="")  # 不予/有条件共享依据
    share_method: Mapped[str] = mapped_column(String(64), default="")  # 共享方式
    open_type: Mapped[str] = mapped_column(String(16), index=True)  # 开放类型
    open_condition: Mapped[str] = mapped_column(Text, default="")
    open_basis: Mapped[str] = mapped_column(Text, default="")
    update_cycle: Mapped[str] = mapped_column(String(16), default="不定期")  # 更新周期
    published_on: Mapped[date | None] = mapped_column(Date)  # 发布日期
    related_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)  # 关联资源代码
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    current_version_id: Mapped[str | None] = mapped_column(String(32))
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    # 分类分级 of the current version: the template's level name and its rank (for sorting).
    security_level: Mapped[str | None] = mapped_column(String(64), index=True)
    security_rank: Mapped[int | None] = mapped_column(Integer)
    security_template: Mapped[str | None] = mapped_column(String(64))
    # 质量 score (0–100) of the current version's latest check; None until one ran.
    quality_score: Mapped[float | None] = mapped_column(Float, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every metadata change

    provider: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="select")
    tags: Mapped[list[ResourceTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResourceTag.tag"
    )
    columns: Mapped[list[ResourceColumn]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ResourceColumn.position"
    )


class ResourceTag(Base):
    __tablename__ = "resource_tags"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ResourceColumn(Base):
    """信息项: one per column of the current version, with a description people write."""

    __tablename__ = "resource_columns"
    __table_args__ = (UniqueConstraint("resource_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))  # 信息项名称
    data_type: Mapped[str] = mapped_column(String(64))  # 数据类型
    description: Mapped[str] = mapped_column(Text, default="")  # 信息项描述


class DatasetVersion(Base):
    """One immutable Parquet file set in the store, addressed by its content hash."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    row_count: Mapped[int] = mapped_column(BigInteger)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    schema: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # [{"name", "type"}]
    source_name: Mapped[str] = mapped_column(String(500), default="")
    source_format: Mapped[str] = mapped_column(String(32), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    ingest_options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ingest_report: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # encoding, header, warnings
    parent_version_id: Mapped[str | None] = mapped_column(String(32))  # lineage
    note: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")


class ResourceHistory(Base):
    """Every metadata change: who, when, which fields from what to what."""

    __tablename__ = "resource_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))  # created | updated | new_version | retyped
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # {field: [old, new]}
    comment: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class SearchTerm(Base):
    """Inverted index rows. Built in Python so SQLite and PostgreSQL return the same results."""

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_term_resource", "term", "resource_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)


class ResourceLabel(Base):
    """Permission labels (CKAN's pattern): a user sees a resource when they share a label with it."""

    __tablename__ = "resource_labels"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CodeSequence(Base):
    """Next 后段码 (sequence) per 前段码 (classification prefix) of 资源代码."""

    __tablename__ = "code_sequences"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)
