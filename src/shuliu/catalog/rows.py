"""Reading a version's rows for people: previews through the engine, JSON-safe values."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shuliu.auth.models import User
from shuliu.catalog import service as catalog
from shuliu.engine.values import json_value
from shuliu.errors import PermissionDenied, ValidationFailed
from shuliu.platform import Platform


def preview(
    *,
    platform: Platform,
    session: Session,
    actor: User | None,
    resource_id: str,
    version: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The first rows of a version, if the actor may read rows of this resource."""
    if not 1 <= limit <= 500 or offset < 0:
        raise ValidationFailed("limit is 1–500 and offset ≥ 0", field="limit")
    resource = catalog.get_resource(session=session, actor=actor, resource_id=resource_id)
    if not catalog.can_read_rows(actor, resource):
        raise PermissionDenied("rows of this resource are shared on request; you may see its catalog entry")
    ver = catalog.get_version(session=session, resource=resource, version=version)
    files = platform.store.files(ver.content_hash)
    with platform.engine() as engine:
        table = engine.table(files)
        arrow = engine.preview(table, limit=limit, offset=offset)
    names = arrow.column_names
    rows = [[json_value(row[n]) for n in names] for row in arrow.to_pylist()]
    return {
        "resource_id": resource.id,
        "version": f"v{ver.number}",
        "total_rows": ver.row_count,
        "offset": offset,
        "limit": limit,
        "columns": ver.schema,
        "rows": rows,
    }
