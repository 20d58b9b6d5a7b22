"""REST API of the ledger (存证) and the audit trail.

Checkpoints and the verifier key are public: anyone may hold the platform to its signed word.
Entries and proofs name who did what, so they are for auditors and administrators; so is the
audit trail, which has no endpoint that edits or deletes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from shuliu.api.deps import caller, get_platform
from shuliu.audit import service as audit
from shuliu.errors import NotFound, PermissionDenied
from shuliu.ledger import log
from shuliu.ledger import service as ledger

router = APIRouter(prefix="/api/v1", tags=["ledger and audit"])
READERS = ("admin", "auditor")


@router.get("/ledger", summary="The head of the log, its latest checkpoint and the verifier key")
def ledger_head(request: Request) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        head = log.head(session=c.session)
        latest = ledger.latest_checkpoint(session=c.session)
        return {
            "origin": platform.settings.ledger_origin,
            "size": head.size,
            "root": head.root.hex(),
            "checkpoint": ledger.checkpoint_dict(latest) if latest else None,
            "verifier_key": ledger.signer(platform.settings).verifier.encode(),
        }


@router.get(
    "/ledger/checkpoint",
    summary="The latest signed checkpoint (C2SP tlog-checkpoint in a signed note); ?format=note for the text",
    response_model=None,
)
def latest_checkpoint(request: Request, format: str = "json") -> dict[str, Any] | PlainTextResponse:
    with caller(request) as c:
        row = ledger.latest_checkpoint(session=c.session)
        if row is None:
            raise NotFound("no checkpoint has been published yet")
        if format == "note":
            return PlainTextResponse(row.note, media_type="text/plain; charset=utf-8")
        return ledger.checkpoint_dict(row)


@router.post("/ledger/checkpoints", status_code=201, summary="Sign and publish a checkpoint now")
def publish_checkpoint(request: Request) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        c.require_role(*READERS)
        row = ledger.publish(settings=platform.settings, session=c.session)
        assert row is not None
        return ledger.checkpoint_dict(row)


@router.get("/ledger/checkpoints", summary="Published checkpoints, newest first")
def list_checkpoints(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    with caller(request) as c:
        return [ledger.checkpoint_dict(r) for r in ledger.checkpoints(session=c.session, limit=limit)]


@router.get("/ledger/key", summary="The verifier keys (name+id+base64) of the checkpoints", response_model=None)
def verifier_keys(request: Request) -> dict[str, Any]:
    platform = get_platform(request)
    return {
        "current": ledger.signer(platform.settings).verifier.encode(),
        "trusted": [v.encode() for v in ledger.trusted(platform.settings)],
    }


@router.get("/ledger/entries", summary="Entries, newest first (auditors, administrators)")
def list_entries(
    request: Request,
    before: Annotated[int | None, Query(ge=0, description="entries up to this index")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    with caller(request) as c:
        c.require_role(*READERS)
        return [ledger.entry_dict(e) for e in log.entries(session=c.session, start=before or 0, limit=limit)]


@router.get("/ledger/entries/{index}", summary="One entry (auditors, administrators)")
def get_entry(request: Request, index: int) -> dict[str, Any]:
    with caller(request) as c:
        c.require_role(*READERS)
        return ledger.entry_dict(log.entry(session=c.session, index=index))


@router.get("/ledger/entries/{index}/proof", summary="The inclusion proof of an entry, as a self-contained bundle")
def entry_proof(request: Request, index: int, size: int | None = None) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        c.require_role(*READERS)
        return ledger.prove(session=c.session, settings=platform.settings, index=index, size=size)


@router.get("/ledger/consistency", summary="The consistency proof between two sizes of the log")
def consistency(request: Request, first: int, second: int) -> dict[str, Any]:
    with caller(request) as c:
        proof = log.consistency_proof(session=c.session, first=first, second=second)
        return {
            "first": first,
            "second": second,
            "first_root": log.root_at(session=c.session, size=first).hex(),
            "second_root": log.root_at(session=c.session, size=second).hex(),
            "proof": [h.hex() for h in proof],
        }


# -- the audit trail -----------------------------------------------------------------------------------------
def _filters(
    since: datetime | None,
    until: datetime | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str,
    kind: str,
) -> audit.Filters:
    return audit.Filters(
        since=since,
        until=until,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        kind=kind,
    )


@router.get("/audit", summary="Audit events, newest first (auditors, administrators)")
def audit_events(
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    action: Annotated[str, Query(description="an action or its prefix: resource., label.confirm, GET /api/v1/…")] = "",
    object_type: str = "",
    object_id: str = "",
    outcome: str = "",
    kind: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    f = _filters(since, until, actor, action, object_type, object_id, outcome, kind)
    with caller(request) as c:
        count, rows = audit.search(session=c.session, actor=c.user, filters=f, page=page, per_page=per_page)
        return {"count": count, "page": page, "per_page": per_page, "events": [audit.event_dict(e) for e in rows]}


@router.get("/audit/export", summary="Export audit events (CSV or NDJSON), oldest first", response_model=None)
def audit_export(
    request: Request,
    format: str = "csv",
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    outcome: str = "",
    kind: str = "",
) -> StreamingResponse:
    f = _filters(since, until, actor, action, object_type, object_id, outcome, kind)
    with caller(request) as c:
        if c.user is None or c.user.role not in READERS:
            raise PermissionDenied("only auditors and administrators read the audit trail")
        # Materialised inside the request's session (at most 100,000 events), then streamed.
        chunks = list(audit.export(session=c.session, actor=c.user, filters=f, fmt=format))
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    name = f"shuliu-audit.{'csv' if format == 'csv' else 'ndjson'}"
    return StreamingResponse(
        iter(chunks), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
