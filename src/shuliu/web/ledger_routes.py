"""Pages of the ledger (存证) and the audit trail: the log and its checkpoints, an entry with its
proof and the result of verifying it (on the server and again in the browser), the audit viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shuliu.api.deps import caller, get_platform
from shuliu.audit import service as audit
from shuliu.errors import ValidationFailed
from shuliu.ledger import log
from shuliu.ledger import service as ledger
from shuliu.web.routes import render

router = APIRouter(include_in_schema=False)
READERS = ("admin", "auditor")


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request) -> HTMLResponse:
    platform = get_platform(request)
    with caller(request) as c:
        head = log.head(session=c.session)
        reader = c.user is not None and c.user.role in READERS
        return render(
            request,
            "ledger.html",
            origin=platform.settings.ledger_origin,
            head=head,
            checkpoints=[ledger.checkpoint_dict(r) for r in ledger.checkpoints(session=c.session, limit=10)],
            entries=[ledger.entry_dict(e) for e in log.entries(session=c.session, limit=30)] if reader else [],
            reader=reader,
            verifier=ledger.signer(platform.settings).verifier.encode(),
            trusted=[v.encode() for v in ledger.trusted(platform.settings)],
        )


@router.post("/ledger/checkpoints")
def publish(request: Request, csrf_token: str = Form("")) -> RedirectResponse:
    platform = get_platform(request)
    with caller(request, csrf_token) as c:
        c.require_role(*READERS)
        ledger.publish(settings=platform.settings, session=c.session)
    return RedirectResponse("/ledger", status_code=303)


@router.get("/ledger/entries/{index}", response_class=HTMLResponse)
def entry_page(request: Request, index: int) -> HTMLResponse:
    platform = get_platform(request)
    with caller(request) as c:
        c.require_role(*READERS)
        entry = ledger.entry_dict(log.entry(session=c.session, index=index))
        bundle = ledger.prove(session=c.session, settings=platform.settings, index=index)
        events = _event_of(c.session, index)
    check = ledger.check_bundle(bundle, ledger.trusted(platform.settings))
    return render(request, "ledger_entry.html", entry=entry, bundle=bundle, check=check, events=events)


def _event_of(session: Any, index: int) -> list[dict[str, Any]]:
    """The audit event whose act this entry records (its details are what the digest covers)."""
    return [audit.event_dict(e) for e in audit.events_of_entry(session=session, index=index)]


@router.get("/ledger/go")
def go_to_entry(index: str = "") -> RedirectResponse:
    try:
        n = int(index)
    except ValueError as exc:
        raise ValidationFailed("an entry is named by its index, a number", field="index") from exc
    return RedirectResponse(f"/ledger/entries/{n}", status_code=303)


def _parse_time(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("{name} is a date or time like 2026-12-01T08:00", name=name, field=name) from exc


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    since: str = "",
    until: str = "",
    actor: str = "",
    action: str = "",
    object_id: str = "",
    outcome: str = "",
    kind: str = "",
    page: int = 1,
) -> HTMLResponse:
    values = {"since": since, "until": until, "actor": actor, "action": action, "object_id": object_id}
    values |= {"outcome": outcome, "kind": kind}
    with caller(request) as c:
        c.require_role(*READERS)
        filters = audit.Filters(
            since=_parse_time(since, "since"),
            until=_parse_time(until, "until"),
            actor=actor,
            action=action,
            object_id=object_id,
            outcome=outcome,
            kind=kind,
        )
        count, rows = audit.search(session=c.session, actor=c.user, filters=filters, page=max(1, page), per_page=50)
        query = urlencode({k: v for k, v in values.items() if v})
        return render(
            request,
            "audit.html",
            events=[audit.event_dict(e) for e in rows],
            count=count,
            page=max(1, page),
            pages=max(1, (count + 49) // 50),
            filters=values,
            query=query,
            outcomes=audit.OUTCOMES,
        )
