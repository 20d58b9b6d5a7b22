"""RFC 9457 problem details for every API error."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shuliu import i18n
from shuliu.errors import ShuliuError, jsonable

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
HTTP_TYPES = {
    400: "bad-request",
    401: "authentication-failed",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    429: "too-many-requests",
    500: "internal-error",
}


def problem(status: int, slug: str, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = {"WWW-Authenticate": 'Bearer realm="shuliu"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _language_tag(tag: str) -> str | None:
    short = tag.strip().replace("-", "_").split("_")[0].lower()
    return "zh_CN" if short == "zh" else "en" if short == "en" else None


def language(request: Request) -> str:
    """The language of an API error's `detail`: English unless the request asks for Chinese.

    Asking is `?lang=zh_CN`, a web session that chose a language or has a signed-in user (the pages'
    language, zh_CN unless switched), or an Accept-Language header that prefers zh (the web UI's
    JavaScript sends its page language).
    """
    requested = _language_tag(request.query_params.get("lang") or "")
    if requested:
        return requested
    session = request.scope.get("session") or {}
    if session.get("lang") or session.get("uid") is not None:
        return i18n.pick_language(session.get("lang"))
    for part in request.headers.get("accept-language", "").split(","):
        tag = _language_tag(part.split(";")[0])
        if tag:
            return tag
    return "en"


def from_error(request: Request, exc: ShuliuError) -> JSONResponse:
    detail = exc.localized(language(request))
    extra = {k: jsonable(v) for k, v in exc.details.items()}
    return problem(exc.status, exc.type, exc.title, detail, request.url.path, **extra)


def from_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "invalid")})
    detail = "; ".join(f"{e['field'] or 'request'}: {e['message']}" for e in errors[:5])
    return problem(422, "validation-failed", "Invalid input", detail, request.url.path, errors=errors)


def from_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    slug = HTTP_TYPES.get(exc.status_code, "error")
    return problem(exc.status_code, slug, slug.replace("-", " ").capitalize(), str(exc.detail), request.url.path)


def from_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem(
        500,
        "internal-error",
        "Internal error",
        "the server failed; the operator's log has the details",
        request.url.path,
    )
