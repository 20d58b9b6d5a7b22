"""The resource catalog (政务信息资源目录): create, edit with history, versions, visibility, preview."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shuliu.audit import service as audit
from shuliu.auth import service as auth
from shuliu.auth.models import Organization, User
from shuliu.catalog import search as search_index
from shuliu.catalog.models import (
    CodeSequence,
    DatasetVersion,
    Resource,
    ResourceColumn,
    ResourceHistory,
    ResourceTag,
)
from shuliu.catalog.schemas import ResourceCreate, ResourceFields
from shuliu.catalog.vocab import vocabulary
from shuliu.db.base import new_id, utcnow
from shuliu.engine.core import ColumnInfo
from shuliu.errors import NotFound, PermissionDenied, ValidationFailed

CODE_RE = re.compile(r"^\d{9}/\d{6}$")
TEXT_FIELDS = ("name", "summary", "share_condition", "share_basis", "share_method", "open_condition", "open_basis")
TRACKED = (
    "name",
    "summary",
    "category",
    "category_item",
    "category_sub",
    "category_detail",
    "share_type",
    "share_condition",
    "share_basis",
    "share_method",
    "open_type",
    "open_condition",
    "open_basis",
    "update_cycle",
    "published_on",
    "related_codes",
    "tags",
    "status",
    "code",
    "format",
)


# -- permissions ---------------------------------------------------------------------------------
def can_create(actor: User | None) -> bool:
    return actor is not None and actor.role in ("admin", "provider")


def can_edit(actor: User | None, resource: Resource) -> bool:
    """Administrators, and providers of the organization that provides the resource."""
    if actor is None:
        return False
    return actor.role == "admin" or (actor.role == "provider" and actor.org_id == resource.provider_org_id)


def can_read_rows(actor: User | None, resource: Resource) -> bool:
    """Who may preview rows before sharing grants exist: the provider's people, admins, and
    everyone for published 无条件共享 (signed-in) or 无条件开放 (anyone) resources."""
    if actor is not None and (actor.role == "admin" or actor.org_id == resource.provider_org_id):
        return True
    if resource.status != "published":
        return False
    if resource.open_type == "无条件开放":
        return True
    return actor is not None and actor.role != "auditor" and resource.share_type == "无条件共享"


def is_visible(actor: User | None, resource: Resource, session: Session) -> bool:
    labels = set(auth.labels_for(actor))
    return (
        session.scalar(
            select(func.count())
            .select_from(Resource)
            .where(Resource.id == resource.id, search_index.visible_clause(list(labels)))
        )
        == 1
    )


# -- rules -----------------------------------------------------------------------------------------
def _clean_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = re.sub(r"\s+", " ", tag).strip()
        if not tag:
            continue
        if len(tag) > 32:
            raise ValidationFailed("tag {tag!r}… is longer than 32 characters", field="tags", tag=tag[:32])
        if tag not in out:
            out.append(tag)
    return out


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check a full set of resource metadata against the 目录 rules; returns cleaned values."""
    vocab = vocabulary()
    v = dict(values)
    for key in TEXT_FIELDS:
        if v.get(key) is not None:
            v[key] = v[key].strip()
    if not v.get("name"):
        raise ValidationFailed("资源名称 (name) is required", field="name")
    cls = vocab.class_by_name(v.get("category") or "")
    if cls is None:
        raise ValidationFailed(
            "资源分类 must be one of {choices}",
            field="category",
            choices=", ".join(c["name"] for c in vocab.classes),
        )
    v["category"] = cls["name"]
    if v.get("category_item"):
        item = vocab.item(cls["name"], v["category_item"])
        if item is None:
            raise ValidationFailed(
                "项 {item!r} is not in 类 {category}; choose one of {choices}",
                field="category_item",
                item=v["category_item"],
                category=cls["name"],
                choices=", ".join(f"{i['code']} {i['name']}" for i in cls["items"]),
            )
        v["category_item"] = item["code"]
    for key in ("category_sub", "category_detail"):
        if v.get(key):
            if not re.fullmatch(r"\d{1,3}", v[key]):
                raise ValidationFailed("{field} is a code of up to 3 digits", field=key)
            v[key] = v[key].zfill(3)
    if v.get("category_detail") and not v.get("category_sub"):
        raise ValidationFailed("细目 needs a 目", field="category_detail")
    if v.get("category_sub") and not v.get("category_item"):
        raise ValidationFailed("目 needs a 项", field="category_sub")
    if v.get("share_type") not in vocab.share_types:
        raise ValidationFailed(
            "共享类型 must be one of {choices}", field="share_type", choices=", ".join(vocab.share_types)
        )
    if v["share_type"] in ("有条件共享", "不予共享") and not v.get("share_basis"):
        raise ValidationFailed(
            "{share_type} needs a stated basis (依据): a law, regulation or policy",
            field="share_basis",
            share_type=v["share_type"],
        )
    if v["share_type"] == "有条件共享" and not v.get("share_condition"):
        raise ValidationFailed("有条件共享 needs its 共享条件", field="share_condition")
    if v.get("open_type") not in vocab.open_types:
        raise ValidationFailed(
            "开放类型 must be one of {choices}", field="open_type", choices=", ".join(vocab.open_types)
        )
    if v["share_type"] == "不予共享" and v["open_type"] != "不予开放":
        raise ValidationFailed("a resource that is 不予共享 cannot be opened to the public", field="open_type")
    if v["share_type"] == "有条件共享" and v["open_type"] == "无条件开放":
        # Open data reaches anyone; it cannot be freer than what departments get only on condition.
        raise ValidationFailed("a resource that is 有条件共享 cannot be 无条件开放", field="open_type")
    if v["open_type"] == "有条件开放" and not v.get("open_condition"):
        raise ValidationFailed("有条件开放 needs its 开放条件", field="open_condition")
    if v.get("share_method") and v["share_method"] not in vocab.share_methods:
        raise ValidationFailed(
            "共享方式 must be one of {choices}", field="share_method", choices=", ".join(vocab.share_methods)
        )
    if v.get("update_cycle") not in vocab.update_cycles:
        raise ValidationFailed(
            "更新周期 must be one of {choices}", field="update_cycle", choices=", ".join(vocab.update_cycles)
        )
    codes = [c.strip() for c in v.get("related_codes") or [] if c and c.strip()]
    for c in codes:
        if not CODE_RE.match(c):
            raise ValidationFailed(
                "关联资源代码 {code!r} is not a 资源代码 like 101000000/000001", field="related_codes", code=c
            )
    v["related_codes"] = list(dict.fromkeys(codes))
    v["tags"] = _clean_tags(v.get("tags") or [])
    if v.get("status") not in ("draft", "published"):
        raise ValidationFailed("status is draft or published", field="status")
    return v


def code_prefix(values: dict[str, Any]) -> str:
    cls = vocabulary().class_by_name(values["category"])
    assert cls is not None
    return (
        cls["code"]
        + (values.get("category_item") or "00").zfill(2)
        + (values.get("category_sub") or "000")
        + (values.get("category_detail") or "000")
    )


def next_code(*, session: Session, prefix: str) -> str:
    """The next 资源代码 for a 前段码: one atomic UPDATE … RETURNING, so codes never repeat."""
    row = session.execute(
        update(CodeSequence)
        .where(CodeSequence.prefix == prefix)
        .values(next_value=CodeSequence.next_value + 1)
        .returning(CodeSequence.next_value)
    ).first()
    if row is None:
        session.add(CodeSequence(prefix=prefix, next_value=2))
        session.flush()
        value = 1
    else:
        value = row[0] - 1
    if value > 999_999:
        raise ValidationFailed("the 后段码 sequence of {prefix} is exhausted", field="category", prefix=prefix)
    return f"{prefix}/{value:06d}"


# -- reading ----------------------------------------------------------------------------------------
def get_resource(*, session: Session, actor: User | None, resource_id: str) -> Resource:
    """A resource the actor may see (by id or 资源代码); NotFound otherwise, never a hint it exists."""
    resource = session.get(Resource, resource_id)
    # A 资源代码 also works, with its "/" written "-" where it must fit in a URL path segment.
    code = resource_id.replace("-", "/", 1) if re.fullmatch(r"\d{9}-\d{6}", resource_id) else resource_id
    if resource is None and CODE_RE.match(code):
        resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None or not is_visible(actor, resource, session):
        raise NotFound("no resource {resource_id}", resource_id=resource_id)
    return resource


def versions(*, session: Session, resource: Resource) -> list[DatasetVersion]:
    return list(
        session.scalars(
            select(DatasetVersion)
            .where(DatasetVersion.resource_id == resource.id)
            .order_by(DatasetVersion.number.desc())
        )
    )


def get_version(*, session: Session, resource: Resource, version: str | None = None) -> DatasetVersion:
    """A version by id, `vN`, N or content hash; the current one when `version` is None."""
    if version is None:
        if resource.current_version_id is None:
            raise NotFound("resource {resource_id} has no data yet", resource_id=resource.id)
        found = session.get(DatasetVersion, resource.current_version_id)
    else:
        key = version.lower().removeprefix("v")
        q = select(DatasetVersion).where(DatasetVersion.resource_id == resource.id)
        if key.isdigit():
            q = q.where(DatasetVersion.number == int(key))
        elif version.startswith("ver_"):
            q = q.where(DatasetVersion.id == version)
        else:
            q = q.where(DatasetVersion.content_hash.startswith(version.lower()))
        found = session.scalars(q).first()
    if found is None:
        raise NotFound("resource {resource_id} has no version {version}", version=version, resource_id=resource.id)
    return found


def history(*, session: Session, resource: Resource) -> list[ResourceHistory]:
    return list(
        session.scalars(
            select(ResourceHistory)
            .where(ResourceHistory.resource_id == resource.id)
            .order_by(ResourceHistory.revision.desc(), ResourceHistory.id.desc())
        )
    )


def _snapshot(resource: Resource) -> dict[str, Any]:
    out = {k: getattr(resource, k) for k in TRACKED if k != "tags"}
    out["tags"] = [t.tag for t in resource.tags]
    out["related_codes"] = list(resource.related_codes or [])
    return out


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _record(
    session: Session,
    resource: Resource,
    action: str,
    changes: dict[str, Any],
    actor: User | None,
    comment: str = "",
    evidence: dict[str, Any] | None = None,
) -> None:
    """A revision in the resource's history — and, as every change of the catalog is a
    security-relevant act, an audit event with its ledger entry, in the same transaction."""
    jsonable = {k: [_jsonable(a), _jsonable(b)] for k, (a, b) in changes.items()}
    session.add(
        ResourceHistory(
            resource_id=resource.id,
            revision=resource.revision,
            action=action,
            comment=comment[:2000],
            changes=jsonable,
            actor_id=actor.id if actor else None,
        )
    )
    audit.act(
        session=session,
        action=f"resource.{action}",
        actor=actor,
        object_type="resource",
        object_id=resource.id,
        detail={
            "code": resource.code,
            "revision": resource.revision,
            "changes": jsonable,
            "comment": comment[:2000],
            **(evidence or {}),
        },
    )


# -- writing ----------------------------------------------------------------------------------------
def _provider_for(session: Session, actor: User, org: str | None) -> Organization:
    if actor.role == "admin":
        if org:
            return auth.get_org(session=session, ref=org)
        if actor.org_id is None:
            raise ValidationFailed("name the providing organization (org)", field="org")
        return session.get(Organization, actor.org_id)  # type: ignore[return-value]
    if actor.role != "provider" or actor.org_id is None:
        raise PermissionDenied("only data providers and administrators register resources")
    if org:
        wanted = auth.get_org(session=session, ref=org)
        if wanted.id != actor.org_id:
            raise PermissionDenied("providers register resources for their own organization only", field="org")
    return session.get(Organization, actor.org_id)  # type: ignore[return-value]


def create_resource(
    *, session: Session, actor: User, data: ResourceCreate, format: str = "", comment: str = ""
) -> Resource:
    """Register a resource in the catalog with a new 资源代码."""
    provider = _provider_for(session, actor, data.org)
    values = data.model_dump(exclude={"org"})
    defaults = {
        "summary": "",
        "category": "部门",
        "share_type": "无条件共享",
        "open_type": "不予开放",
        "update_cycle": "不定期",
        "status": "published",
        "share_condition": "",
        "share_basis": "",
        "share_method": "",
        "open_condition": "",
        "open_basis": "",
        "category_item": "",
        "category_sub": "",
        "category_detail": "",
    }
    for key, value in defaults.items():
        if values.get(key) is None:
            values[key] = value
    values = validate(values)
    tags = values.pop("tags")
    now = utcnow()
    resource = Resource(
        id=new_id("res"),
        code=next_code(session=session, prefix=code_prefix(values)),
        provider_org_id=provider.id,
        format=format,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        revision=1,
        **values,
    )
    if resource.status == "published" and resource.published_on is None:
        resource.published_on = now.date()
    resource.tags = [ResourceTag(tag=t) for t in tags]
    session.add(resource)
    session.flush()
    session.refresh(resource)
    _record(
        session,
        resource,
        "created",
        {k: [None, v] for k, v in _snapshot(resource).items() if v not in (None, "", [])},
        actor,
        comment,
    )
    search_index.refresh_labels(session=session, resource=resource)
    search_index.reindex(session=session, resource=resource)
    return resource


def update_resource(
    *,
    session: Session,
    actor: User,
    resource_id: str,
    data: ResourceFields,
    comment: str = "",
    expected_revision: int | None = None,
) -> Resource:
    """Change metadata; every change is kept in the history with its old and new value."""
    resource = get_resource(session=session, actor=actor, resource_id=resource_id)
    if not can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator edits this resource")
    if expected_revision is not None and expected_revision != resource.revision:
        from shuliu.errors import Conflict

        raise Conflict(
            "the resource changed meanwhile (revision {revision}, you edited {expected_revision});"
            " reload and try again",
            field="revision",
            revision=resource.revision,
            expected_revision=expected_revision,
        )
    before = _snapshot(resource)
    incoming = data.model_dump(exclude_unset=True)
    values = validate({**before, **{k: v for k, v in incoming.items()}})
    tags = values.pop("tags")
    values.pop("code", None)
    values.pop("format", None)
    if code_prefix(values) != resource.code.split("/")[0]:
        values["code"] = next_code(session=session, prefix=code_prefix(values))
    for key, value in values.items():
        setattr(resource, key, value)
    _set_tags(resource, tags)
    if resource.status == "published" and resource.published_on is None:
        resource.published_on = utcnow().date()
    session.flush()
    after = _snapshot(resource)
    changes = {k: (before[k], after[k]) for k in TRACKED if before.get(k) != after.get(k)}
    if not changes:
        return resource
    resource.revision += 1
    resource.updated_at = utcnow()
    _record(session, resource, "updated", changes, actor, comment)
    search_index.refresh_labels(session=session, resource=resource)
    search_index.reindex(session=session, resource=resource)
    return resource


def describe_columns(
    *, session: Session, actor: User, resource_id: str, descriptions: dict[str, str], comment: str = ""
) -> Resource:
    """Set 信息项 descriptions by column name (kept in the history)."""
    resource = get_resource(session=session, actor=actor, resource_id=resource_id)
    if not can_edit(actor, resource):
        raise PermissionDenied("only the providing organization or an administrator edits this resource")
    by_name = {c.name: c for c in resource.columns}
    changes: dict[str, Any] = {}
    for name, text in descriptions.items():
        if name not in by_name:
            raise ValidationFailed("no 信息项 named {column!r}", field="columns", column=name)
        text = (text or "").strip()[:2000]
        if by_name[name].description != text:
            changes[f"信息项:{name}"] = (by_name[name].description, text)
            by_name[name].description = text
    if changes:
        resource.revision += 1
        resource.updated_at = utcnow()
        _record(session, resource, "updated", changes, actor, comment)
        search_index.reindex(session=session, resource=resource)
    return resource


def _set_tags(resource: Resource, tags: list[str]) -> None:
    """Keep existing tag rows, add new ones, drop removed ones (no delete-then-insert of a key)."""
    current = {t.tag: t for t in resource.tags}
    resource.tags = [current.get(t) or ResourceTag(tag=t) for t in tags]


def _set_columns(session: Session, resource: Resource, spec: list[tuple[str, str, str]]) -> None:
    """Update 信息项 rows in place by position (unique per resource), then add or remove the rest."""
    existing = sorted(resource.columns, key=lambda c: c.position)
    for col in existing[len(spec) :]:
        resource.columns.remove(col)
    session.flush()
    for i, (name, data_type, description) in enumerate(spec):
        if i < len(existing):
            existing[i].name, existing[i].data_type, existing[i].description = name, data_type, description
        else:
            resource.columns.append(ResourceColumn(position=i, name=name, data_type=data_type, description=description))


@dataclass
class NewVersion:
    content_hash: str
    size_bytes: int
    rows: int
    columns: list[ColumnInfo]
    source_name: str
    source_format: str
    source_sha256: str
    options: dict[str, Any]
    report: dict[str, Any]
    duration_s: float
    note: str = ""
    parent_version_id: str | None = None


def add_version(
    *, session: Session, actor: User | None, resource: Resource, new: NewVersion, action: str = "new_version"
) -> DatasetVersion:
    """Attach a stored Parquet set as the resource's newest version; 信息项 follow its schema."""
    previous_rows = resource.row_count if resource.current_version_id else None
    number = (
        session.scalar(select(func.max(DatasetVersion.number)).where(DatasetVersion.resource_id == resource.id)) or 0
    ) + 1
    previous = resource.current_version_id
    version = DatasetVersion(
        id=new_id("ver"),
        resource_id=resource.id,
        number=number,
        content_hash=new.content_hash,
        row_count=new.rows,
        size_bytes=new.size_bytes,
        schema=[c.to_dict() for c in new.columns],
        source_name=new.source_name,
        source_format=new.source_format,
        source_sha256=new.source_sha256,
        ingest_options=new.options,
        ingest_report=new.report,
        duration_s=new.duration_s,
        note=new.note,
        parent_version_id=new.parent_version_id or previous,
        created_by_id=actor.id if actor else None,
    )
    session.add(version)
    descriptions = {c.name: c.description for c in resource.columns}
    old_schema = [(c.name, c.data_type) for c in resource.columns]
    _set_columns(session, resource, [(c.name, c.type, descriptions.get(c.name, "")) for c in new.columns])
    resource.current_version_id = version.id
    resource.row_count = new.rows
    if new.source_format:
        resource.format = new.source_format.upper()
    resource.revision += 1
    resource.updated_at = utcnow()
    changes: dict[str, Any] = {
        "version": (f"v{number - 1}" if previous else None, f"v{number}"),
        "rows": (previous_rows, new.rows),
    }
    new_schema = [(c.name, c.type) for c in new.columns]
    if old_schema and old_schema != new_schema:
        changes["信息项"] = ([f"{n}:{t}" for n, t in old_schema], [f"{n}:{t}" for n, t in new_schema])
    _record(
        session,
        resource,
        action,
        changes,
        actor,
        new.note,
        {"version_id": version.id, "content_hash": new.content_hash, "source_sha256": new.source_sha256 or ""},
    )
    session.flush()
    search_index.reindex(session=session, resource=resource)
    return version


def catalog_stats(*, session: Session, actor: User | None) -> dict[str, Any]:
    """Counts for the home page, within what the actor may see."""
    visible = search_index.visible_clause(auth.labels_for(actor))
    total = session.scalar(select(func.count()).select_from(Resource).where(visible)) or 0
    rows = session.scalar(select(func.coalesce(func.sum(Resource.row_count), 0)).where(visible)) or 0
    providers = session.scalar(select(func.count(func.distinct(Resource.provider_org_id))).where(visible)) or 0
    versions_n = (
        session.scalar(
            select(func.count())
            .select_from(DatasetVersion)
            .where(DatasetVersion.resource_id.in_(select(Resource.id).where(visible)))
        )
        or 0
    )

    def by(col: Any) -> list[tuple[str, int]]:
        return [
            (str(k), int(n))
            for k, n in session.execute(
                select(col, func.count()).where(visible).group_by(col).order_by(func.count().desc(), col)
            )
        ]

    by_provider = [
        (str(k), int(n))
        for k, n in session.execute(
            select(Organization.name, func.count())
            .select_from(Resource)
            .join(Organization, Organization.id == Resource.provider_org_id)
            .where(visible)
            .group_by(Organization.name)
            .order_by(func.count().desc(), Organization.name)
        )
    ]
    return {
        "resources": int(total),
        "rows": int(rows),
        "providers": int(providers),
        "versions": int(versions_n),
        "by_category": by(Resource.category),
        "by_share_type": by(Resource.share_type),
        "by_open_type": by(Resource.open_type),
        "by_provider": by_provider,
        "by_format": by(Resource.format),
    }
