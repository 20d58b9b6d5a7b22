"""The audit trail of HTTP: one event per request that reads or changes data.

A plain ASGI middleware (no response buffering, uploads stream through): it sets the audit context
(client address, a request id) for the acts the services record, lets the request run, then writes
the request's own event — actor, role, action (method and route), object (from the path), source,
outcome and status — in a transaction of its own, so refusals and failures are on record too.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shuliu.audit import service as audit
from shuliu.platform import Platform

log = logging.getLogger(__name__)

SKIP_PREFIXES = ("/static/", "/api/docs", "/api/v1/openapi.json", "/lang/", "/favicon")
SKIP_PATHS = {"/api/v1/health", "/api/v1"}
# Path parameters that name the object a request is about, and the object's type.
OBJECTS = {
    "resource_id": "resource",
    "job_id": "job",
    "upload_id": "upload",
    "template_id": "template",
    "username": "user",
    "token_id": "token",
    "index": "ledger_entry",
}


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "denied"
    if status == 404:
        return "not-found"
    if status < 500:
        return "invalid"
    return "error"


def _audited(scope: Scope) -> bool:
    path = scope.get("path", "")
    if scope.get("method") in ("HEAD", "OPTIONS") or path in SKIP_PATHS or path.startswith(SKIP_PREFIXES):
        return False
    # htmx polling a job page's progress is not an access to data
    headers = dict(scope.get("headers") or [])
    return not (path.startswith("/jobs/") and headers.get(b"hx-request") == b"true" and scope.get("method") == "GET")


class AuditMiddleware:
    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _audited(scope):
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        client = scope.get("client")
        source = client[0] if client else ""
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        with audit.context(source, request_id):
            try:
                await self.app(scope, receive, sending)
            finally:
                await run_in_threadpool(self._write, scope, status, request_id, source)

    def _write(self, scope: Scope, status: int, request_id: str, source: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or scope.get("path", "")
        params: dict[str, Any] = scope.get("path_params") or {}
        object_type, object_id = "", ""
        for key, kind in OBJECTS.items():
            if key in params:
                object_type, object_id = kind, str(params[key])
                break
        user = (scope.get("state") or {}).get("user")
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            with self.platform.db.session() as session:
                audit.record(
                    session=session,
                    kind="request",
                    action=f"{scope.get('method', '')} {template}",
                    actor=user,
                    object_type=object_type,
                    object_id=object_id,
                    outcome=outcome_of(status),
                    status=status,
                    detail={"path": scope.get("path", ""), **({"query": query[:500]} if query else {})},
                    where=audit.Where(source=source, request_id=request_id),
                )
        except Exception:  # the audit write must not turn a served request into an error
            log.exception("could not write the audit event of %s %s", scope.get("method"), scope.get("path"))
