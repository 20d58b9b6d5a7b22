"""The shapes the catalog speaks: what the API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shuliu.catalog.models import DatasetVersion, Resource, ResourceHistory
from shuliu.catalog.vocab import vocabulary


class ResourceFields(BaseModel):
    """Editable 目录 metadata (every field optional: an update names only what changes)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=300, description="资源名称")
    summary: str | None = Field(None, max_length=5000, description="资源摘要")
    category: str | None = Field(None, description="资源分类 类: 基础 / 主题 / 部门")
    category_item: str | None = Field(None, max_length=8, description="项 (code or name)")
    category_sub: str | None = Field(None, max_length=3, pattern=r"^\d{0,3}$", description="目 (3 digits)")
    category_detail: str | None = Field(None, max_length=3, pattern=r"^\d{0,3}$", description="细目 (3 digits)")
    share_type: str | None = Field(None, description="共享类型")
    share_condition: str | None = Field(None, max_length=2000, description="共享条件")
    share_basis: str | None = Field(None, max_length=2000, description="有条件共享/不予共享的依据")
    share_method: str | None = Field(None, max_length=64, description="共享方式")
    open_type: str | None = Field(None, description="开放类型")
    open_condition: str | None = Field(None, max_length=2000, description="开放条件")
    open_basis: str | None = Field(None, max_length=2000, description="不予开放的依据")
    update_cycle: str | None = Field(None, description="更新周期")
    published_on: date | None = Field(None, description="发布日期")
    related_codes: list[str] | None = Field(None, max_length=50, description="关联资源代码")
    tags: list[str] | None = Field(None, max_length=30)
    status: str | None = Field(None, pattern=r"^(draft|published)$")


class ResourceCreate(ResourceFields):
    name: str = Field(..., min_length=1, max_length=300, description="资源名称")
    org: str | None = Field(None, description="提供方 (organization code or name); defaults to yours")


class ColumnOut(BaseModel):
    position: int
    name: str
    data_type: str
    description: str


class ColumnEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = Field("", max_length=2000)


class VersionOut(BaseModel):
    id: str
    number: int
    version: str
    content_hash: str
    rows: int
    size_bytes: int
    columns: list[dict[str, str]]
    source_name: str
    source_format: str
    parent_version_id: str | None
    note: str
    ingest_report: dict[str, Any]
    created_at: datetime
    created_by: str | None

    @classmethod
    def of(cls, v: DatasetVersion) -> VersionOut:
        return cls(
            id=v.id,
            number=v.number,
            version=f"v{v.number}",
            content_hash=v.content_hash,
            rows=v.row_count,
            size_bytes=v.size_bytes,
            columns=v.schema,
            source_name=v.source_name,
            source_format=v.source_format,
            parent_version_id=v.parent_version_id,
            note=v.note,
            ingest_report=v.ingest_report or {},
            created_at=v.created_at,
            created_by=v.created_by.username if v.created_by else None,
        )


class ResourceOut(BaseModel):
    id: str
    code: str = Field(description="资源代码")
    name: str
    summary: str
    category: str
    category_item: str
    category_item_name: str
    category_sub: str
    category_detail: str
    provider: str = Field(description="资源提供方")
    provider_code: str = Field(description="提供方代码")
    format: str
    share_type: str
    share_condition: str
    share_basis: str
    share_method: str
    open_type: str
    open_condition: str
    open_basis: str
    update_cycle: str
    published_on: date | None
    related_codes: list[str]
    tags: list[str]
    status: str
    rows: int | None
    level: str | None = Field(None, description="分类分级: the resource's level under its template")
    level_template: str | None = None
    quality_score: float | None = Field(None, description="质量: the score (0–100) of the latest check")
    current_version: str | None
    columns: list[ColumnOut]
    revision: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: Resource, current_number: int | None = None) -> ResourceOut:
        return cls(
            id=r.id,
            code=r.code,
            name=r.name,
            summary=r.summary,
            category=r.category,
            category_item=r.category_item,
            category_item_name=vocabulary().item_name(r.category, r.category_item),
            category_sub=r.category_sub,
            category_detail=r.category_detail,
            provider=r.provider.name,
            provider_code=r.provider.code,
            format=r.format,
            share_type=r.share_type,
            share_condition=r.share_condition,
            share_basis=r.share_basis,
            share_method=r.share_method,
            open_type=r.open_type,
            open_condition=r.open_condition,
            open_basis=r.open_basis,
            update_cycle=r.update_cycle,
            published_on=r.published_on,
            related_codes=list(r.related_codes or []),
            tags=[t.tag for t in r.tags],
            status=r.status,
            rows=r.row_count,
            level=r.security_level,
            level_template=r.security_template,
            quality_score=r.quality_score,
            current_version=f"v{current_number}" if current_number else None,
            columns=[
                ColumnOut(position=c.position, name=c.name, data_type=c.data_type, description=c.description)
                for c in r.columns
            ],
            revision=r.revision,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class HistoryOut(BaseModel):
    revision: int
    action: str
    changes: dict[str, Any]
    comment: str
    actor: str | None
    created_at: datetime

    @classmethod
    def of(cls, h: ResourceHistory) -> HistoryOut:
        return cls(
            revision=h.revision,
            action=h.action,
            changes=h.changes,
            comment=h.comment,
            actor=h.actor.username if h.actor else None,
            created_at=h.created_at,
        )


class SearchHit(BaseModel):
    resource_id: str
    code: str
    name: str
    summary: str
    provider: str
    category: str
    share_type: str
    open_type: str
    format: str
    update_cycle: str
    tags: list[str]
    rows: int | None
    level: str | None = None
    quality_score: float | None = None
    score: float
    updated_at: datetime


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResults(BaseModel):
    query: str
    count: int
    page: int
    per_page: int
    sort: str
    results: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    filters: dict[str, list[str]]
