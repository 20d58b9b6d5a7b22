"""The ASGI application: REST API, web pages, static assets, one exception policy."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from shuliu import __version__
from shuliu.api import problems
from shuliu.config import Settings
from shuliu.errors import ShuliuError
from shuliu.platform import Platform

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and ("text/html" not in request.headers.get("accept", ""))
    )


def create_app(platform: Platform | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app around a platform (tests pass their own; `shuliu serve` opens one)."""
    platform = platform or Platform.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:

        platform.housekeeping()
        platform.start_jobs()
        yield
        if platform.runner is not None:
            platform.runner.stop()

    app = FastAPI(
        title="shuliu 数流 API",
        version=__version__,
        description="数据要素流通平台 — catalog, ingest, versions. Errors are RFC 9457 problem+json.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.platform = platform
    from shuliu.api.auditing import AuditMiddleware

    app.add_middleware(AuditMiddleware, platform=platform)
    app.add_middleware(
        SessionMiddleware,
        secret_key=platform.settings.resolved_secret_key(),
        session_cookie="shuliu_session",
        max_age=platform.settings.session_max_age,
        same_site="lax",
        https_only=platform.settings.cookie_secure,
    )

    from shuliu.api.classify import router as classify_router
    from shuliu.api.ledger import router as ledger_router
    from shuliu.api.quality import router as quality_router
    from shuliu.api.v1 import router as api_router
    from shuliu.web.classify_routes import router as classify_web_router
    from shuliu.web.ledger_routes import router as ledger_web_router
    from shuliu.web.quality_routes import router as quality_web_router
    from shuliu.web.routes import STATIC_DIR, language_of, render_error
    from shuliu.web.routes import router as web_router

    app.include_router(api_router)
    app.include_router(classify_router)
    app.include_router(ledger_router)
    app.include_router(quality_router)
    app.include_router(classify_web_router)
    app.include_router(ledger_web_router)
    app.include_router(quality_web_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(ShuliuError)
    async def on_error(request: Request, exc: ShuliuError) -> Response:
        if _is_api(request):
            return problems.from_error(request, exc)
        return render_error(request, exc.status, exc.type, exc.title, exc.localized(language_of(request)))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return problems.from_validation(request, exc)
        detail = "; ".join(str(e.get("msg")) for e in exc.errors()[:3])
        return render_error(request, 422, "validation-failed", "Invalid input", detail)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return problems.from_http(request, exc)
        slug = problems.HTTP_TYPES.get(exc.status_code, "error")
        return render_error(request, exc.status_code, slug, slug.replace("-", " ").capitalize(), str(exc.detail))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return problems.from_crash(request, exc)
        log.exception("unhandled error on %s", request.url.path)
        return render_error(request, 500, "internal-error", "Internal error", "the server failed")

    return app
