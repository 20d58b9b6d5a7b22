"""Server-rendered pages (Jinja2 + htmx). Each handler parses, calls a service, renders a template."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context

from shuliu import __version__, i18n
from shuliu.api.deps import caller, csrf_token, get_platform, login, logout
from shuliu.auth import service as auth
from shuliu.auth.models import ROLES
from shuliu.catalog import ingest, rows
from shuliu.catalog import search as catalog_search
from shuliu.catalog import service as catalog
from shuliu.catalog.schemas import ResourceFields
from shuliu.catalog.uploads import human_size
from shuliu.catalog.vocab import vocabulary
from shuliu.engine.core import USER_TYPES
from shuliu.errors import AuthenticationFailed, NotFound, ShuliuError, ValidationFailed, localize_error
from shuliu.jobs import service as jobs
from shuliu.web import labels

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=True, extensions=["jinja2.ext.i18n"])
)
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.filters["human_size"] = human_size
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, default=str)
templates.env.globals["version"] = __version__
templates.env.globals["localize_error"] = localize_error  # a stored error dict (a failed job's) in a language


@pass_context
def _localtime(ctx: Any, value: datetime | None, seconds: bool = False) -> str:
    """A UTC timestamp in the installation's time zone (Asia/Shanghai unless configured)."""
    if value is None:
        return "—"
    zone = ZoneInfo(ctx["request"].app.state.platform.settings.timezone)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


templates.env.filters["localtime"] = _localtime
templates.env.globals["LANGUAGES"] = i18n.LANGUAGES
templates.env.globals.update(labels.GLOBALS)

router = APIRouter(include_in_schema=False)
LEVEL_CLASS = {
    "无条件共享": "success",
    "有条件共享": "warning",
    "不予共享": "danger",
    "无条件开放": "success",
    "有条件开放": "warning",
    "不予开放": "secondary",
}
templates.env.globals["badge_class"] = lambda v: LEVEL_CLASS.get(v, "light")


@pass_context
def _url_with(ctx: Any, **changes: Any) -> str:
    """The current catalog URL with some query parameters changed (for facets and pages)."""
    request: Request = ctx["request"]
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k != "page"]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list):
            params.extend((key, v) for v in value)
        else:
            params.append((key, str(value)))
    return "/catalog?" + urlencode(params)


templates.env.globals["url_with"] = _url_with


def language_of(request: Request) -> str:
    # The installation's default (zh_CN) unless the user switched or asked with ?lang=.
    default = get_platform(request).settings.default_language
    return i18n.pick_language(request.query_params.get("lang") or request.session.get("lang") or default)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language_of(request)
    i18n.current_language.set(lang)
    user = getattr(request.state, "user", None)
    base = {"request": request, "user": user, "lang": lang, "csrf": csrf_token(request), "path": request.url.path}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def render_error(request: Request, status: int, slug: str, title: str, detail: str) -> HTMLResponse:
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)  # type: ignore[return-value]
    return render(request, "error.html", status=status, status_code=status, slug=slug, title=title, detail=detail)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# -- language, login -------------------------------------------------------------------------------
@router.get("/lang/{code}")
def set_language(request: Request, code: str, next: str = "/") -> RedirectResponse:
    request.session["lang"] = i18n.pick_language(code)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    with caller(request):
        return render(request, "login.html", next=next, error=None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    csrf_token: str = Form(""),
) -> Response:
    platform = get_platform(request)
    with platform.db.session() as s:
        try:
            user = auth.authenticate(session=s, username=username, password=password)
        except AuthenticationFailed:
            return render(
                request, "login.html", status=401, next=next, error="wrong username or password", username=username
            )
        login(request, user)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout_submit(request: Request, csrf_token: str = Form("")) -> RedirectResponse:
    with caller(request, csrf_token):
        logout(request)
    return RedirectResponse("/", status_code=303)


# -- home, catalog ---------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    with caller(request) as c:
        stats = catalog.catalog_stats(session=c.session, actor=c.user)
        recent = catalog_search.search(session=c.session, labels=auth.labels_for(c.user), sort="updated", per_page=8)
        return render(request, "home.html", stats=stats, recent=recent.results)


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request) -> HTMLResponse:
    qp = request.query_params
    filters = {f: qp.getlist(f) for f in catalog_search.FACETS if qp.getlist(f)}
    q = qp.get("q", "")
    sort = qp.get("sort", "relevance" if q else "updated")
    try:
        page = max(1, int(qp.get("page", "1")))
    except ValueError:
        page = 1
    with caller(request) as c:
        results = catalog_search.search(
            session=c.session, labels=auth.labels_for(c.user), q=q, filters=filters, sort=sort, page=page, per_page=20
        )
        pages = max(1, math.ceil(results.count / results.per_page))
        template = "_results.html" if _is_htmx(request) else "catalog.html"
        return render(
            request,
            template,
            results=results,
            q=q,
            sort=sort,
            filters=filters,
            pages=pages,
            facets=catalog_search.FACETS,
            sorts=catalog_search.SORTS,
            htmx=_is_htmx(request),
        )


# -- resources ---------------------------------------------------------------------------------------
def _resource_context(c: Any, resource: Any) -> dict[str, Any]:
    versions = catalog.versions(session=c.session, resource=resource)
    current = next((v for v in versions if v.id == resource.current_version_id), None)
    return {
        "resource": resource,
        "versions": versions,
        "current": current,
        "history": catalog.history(session=c.session, resource=resource),
        "can_edit": catalog.can_edit(c.user, resource),
        "can_read_rows": catalog.can_read_rows(c.user, resource),
        "item_name": vocabulary().item_name(resource.category, resource.category_item),
        "user_types": list(USER_TYPES),
    }


@router.get("/resources/{resource_id}", response_class=HTMLResponse)
def resource_page(request: Request, resource_id: str) -> HTMLResponse:
    with caller(request) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        return render(request, "resource.html", **_resource_context(c, resource))


@router.get("/resources/{resource_id}/preview", response_class=HTMLResponse)
def resource_preview(request: Request, resource_id: str, version: str | None = None, offset: int = 0) -> HTMLResponse:
    platform = get_platform(request)
    with caller(request) as c:
        data = rows.preview(
            platform=platform,
            session=c.session,
            actor=c.user,
            resource_id=resource_id,
            version=version,
            limit=platform.settings.preview_rows,
            offset=max(0, offset),
        )
        return render(request, "_preview.html", data=data, resource_id=resource_id)


@router.get("/resources/{resource_id}/edit", response_class=HTMLResponse)
def resource_edit(request: Request, resource_id: str) -> HTMLResponse:
    with caller(request) as c:
        c.require()
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        if not catalog.can_edit(c.user, resource):
            raise NotFound("no resource {resource_id} you may edit", resource_id=resource_id)
        return render(request, "resource_edit.html", resource=resource, vocab=vocabulary(), error=None)


@router.post("/resources/{resource_id}/edit", response_class=HTMLResponse)
async def resource_edit_submit(request: Request, resource_id: str) -> Response:
    form = await request.form()
    fields = _metadata_from_form(form)
    comment = str(form.get("comment") or "")
    revision = int(str(form.get("revision") or 0)) or None
    descriptions = {k[len("desc:") :]: str(v) for k, v in form.multi_items() if k.startswith("desc:")}
    try:
        with caller(request, str(form.get("csrf_token") or "")) as c:
            user = c.require()
            catalog.update_resource(
                session=c.session,
                actor=user,
                resource_id=resource_id,
                data=ResourceFields(**fields),
                comment=comment,
                expected_revision=revision,
            )
            if descriptions:
                catalog.describe_columns(
                    session=c.session, actor=user, resource_id=resource_id, descriptions=descriptions, comment=comment
                )
    except ShuliuError as exc:
        if exc.status in (401, 403, 404):
            raise
        with caller(request, read_only=True) as c:
            resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
            return render(
                request,
                "resource_edit.html",
                status=exc.status,
                resource=resource,
                vocab=vocabulary(),
                error=exc.localized(language_of(request)),
                error_field=exc.details.get("field"),
                form=fields,
            )
    return RedirectResponse(f"/resources/{resource_id}", status_code=303)


@router.post("/resources/{resource_id}/retype", response_class=HTMLResponse)
async def resource_retype(request: Request, resource_id: str) -> Response:
    form = await request.form()
    types = {k[len("type:") :]: str(v) for k, v in form.multi_items() if k.startswith("type:") and v}
    platform = get_platform(request)
    with caller(request, str(form.get("csrf_token") or "")) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        current = {col.name: col.data_type for col in resource.columns}
        changed = {k: v for k, v in types.items() if current.get(k) != v}
        job = ingest.submit_retype(
            platform=platform, session=c.session, actor=c.require(), resource_id=resource_id, types=changed
        )
        job_id = job.id
    platform.notify_jobs()
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _metadata_from_form(form: Any) -> dict[str, Any]:
    keys = (
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
        "status",
    )
    out: dict[str, Any] = {k: str(form.get(k)).strip() for k in keys if form.get(k) is not None}
    if out.get("published_on") == "":
        out["published_on"] = None
    if form.get("tags") is not None:
        out["tags"] = [t for t in str(form.get("tags")).replace("，", ",").split(",") if t.strip()]
    if form.get("related_codes") is not None:
        out["related_codes"] = [t for t in str(form.get("related_codes")).replace("，", ",").split(",") if t.strip()]
    return out


# -- upload and jobs ----------------------------------------------------------------------------------
@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, resource: str | None = None) -> HTMLResponse:
    with caller(request) as c:
        user = c.require()
        if user.role not in ("admin", "provider"):
            raise NotFound("uploading is for data providers and administrators")
        target = catalog.get_resource(session=c.session, actor=user, resource_id=resource) if resource else None
        return render(
            request,
            "upload.html",
            vocab=vocabulary(),
            orgs=auth.list_orgs(session=c.session),
            target=target,
            user_types=list(USER_TYPES),
            max_upload=get_platform(request).settings.max_upload_bytes,
        )


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    with caller(request) as c:
        user = c.require()
        job = jobs.get(session=c.session, job_id=job_id)
        if job.created_by_id != user.id and user.role != "admin":
            raise NotFound("no job {job_id}", job_id=job_id)
        template = "_job.html" if _is_htmx(request) else "job.html"
        return render(request, template, job=job)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request) -> HTMLResponse:
    with caller(request) as c:
        user = c.require()
        found = jobs.list_jobs(session=c.session, actor_id=None if user.role == "admin" else user.id, limit=100)
        return render(request, "jobs.html", jobs=found)


# -- account and administration ---------------------------------------------------------------------
@router.get("/me/tokens", response_class=HTMLResponse)
def tokens_page(request: Request) -> HTMLResponse:
    with caller(request) as c:
        user = c.require()
        return render(request, "tokens.html", tokens=auth.list_tokens(session=c.session, user=user), secret=None)


@router.post("/me/password", response_class=HTMLResponse)
def password_change(
    request: Request, current_password: str = Form(""), new_password: str = Form(""), csrf_token: str = Form("")
) -> Response:
    try:
        with caller(request, csrf_token) as c:
            user = c.require()
            auth.change_own_password(session=c.session, user=user, current=current_password, new=new_password)
            login(request, user)
    except ShuliuError as exc:
        if exc.status == 403:
            raise
        with caller(request, read_only=True) as c:
            user = c.require()
            return render(
                request,
                "tokens.html",
                status=exc.status,
                tokens=auth.list_tokens(session=c.session, user=user),
                secret=None,
                password_error=exc.localized(language_of(request)),
            )
    return RedirectResponse("/me/tokens?password=changed", status_code=303)


@router.post("/admin/users/{username}", response_class=HTMLResponse)
def admin_user_update(
    request: Request,
    username: str,
    role: str = Form(""),
    org: str = Form(""),
    is_active: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    try:
        with caller(request, csrf_token) as c:
            actor = c.require_role("admin")
            target = auth.get_user(session=c.session, ref=username)
            if target.id == actor.id and (is_active != "on" or role != "admin"):
                raise ValidationFailed("you cannot demote or disable your own account", field="role")
            auth.update_user(
                session=c.session, actor=actor, user=target, role=role or None, org=org, is_active=is_active == "on"
            )
    except ShuliuError as exc:
        if exc.status in (401, 403):
            raise
        with caller(request, read_only=True) as c:
            return render(
                request,
                "admin_users.html",
                status=exc.status,
                users=auth.list_users(session=c.session),
                orgs=auth.list_orgs(session=c.session),
                roles=ROLES,
                error=exc.localized(language_of(request)),
            )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/me/tokens", response_class=HTMLResponse)
def tokens_create(request: Request, name: str = Form("web"), csrf_token: str = Form("")) -> HTMLResponse:
    with caller(request, csrf_token) as c:
        user = c.require()
        _, secret = auth.create_token(session=c.session, user=user, name=name)
        return render(request, "tokens.html", tokens=auth.list_tokens(session=c.session, user=user), secret=secret)


@router.post("/me/tokens/{token_id}/revoke")
def tokens_revoke(request: Request, token_id: int, csrf_token: str = Form("")) -> RedirectResponse:
    with caller(request, csrf_token) as c:
        auth.revoke_token(session=c.session, user=c.require(), token_id=token_id)
    return RedirectResponse("/me/tokens", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(request: Request) -> HTMLResponse:
    with caller(request) as c:
        c.require_role("admin")
        return render(
            request,
            "admin_users.html",
            users=auth.list_users(session=c.session),
            orgs=auth.list_orgs(session=c.session),
            roles=ROLES,
            error=None,
        )


@router.post("/admin/users", response_class=HTMLResponse)
def admin_users_create(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    role: str = Form(""),
    display_name: str = Form(""),
    org: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    try:
        with caller(request, csrf_token) as c:
            c.require_role("admin")
            auth.create_user(
                session=c.session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                org=org or None,
            )
    except ShuliuError as exc:
        if exc.status in (401, 403):
            raise
        with caller(request, read_only=True) as c:
            return render(
                request,
                "admin_users.html",
                status=exc.status,
                users=auth.list_users(session=c.session),
                orgs=auth.list_orgs(session=c.session),
                roles=ROLES,
                error=exc.localized(language_of(request)),
            )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/orgs", response_class=HTMLResponse)
def admin_orgs_create(
    request: Request, code: str = Form(""), name: str = Form(""), csrf_token: str = Form("")
) -> Response:
    try:
        with caller(request, csrf_token) as c:
            c.require_role("admin")
            auth.create_org(session=c.session, code=code, name=name)
    except ShuliuError as exc:
        if exc.status in (401, 403):
            raise
        with caller(request, read_only=True) as c:
            return render(
                request,
                "admin_users.html",
                status=exc.status,
                users=auth.list_users(session=c.session),
                orgs=auth.list_orgs(session=c.session),
                roles=ROLES,
                error=exc.localized(language_of(request)),
            )
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/problems/{slug}", response_class=HTMLResponse)
def problem_page(request: Request, slug: str) -> HTMLResponse:
    with caller(request):
        return render(request, "problem.html", slug=slug)
