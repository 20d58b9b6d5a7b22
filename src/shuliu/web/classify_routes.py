"""Pages of 数据分类分级: a resource's labels and their review, rescans, the dashboard, templates."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile  # what request.form() gives (FastAPI's is a subclass)

from shuliu.api.deps import caller, get_platform
from shuliu.classify import service as classify
from shuliu.classify import templates as tpl
from shuliu.classify.catalogue import types
from shuliu.errors import ShuliuError, ValidationFailed
from shuliu.web.routes import language_of, render

router = APIRouter(include_in_schema=False)
MAX_TEMPLATE_UPLOAD = 1 << 20


def _labels_context(c: Any, resource_id: str, error: str | None = None) -> dict[str, Any]:
    data = classify.resource_labels(session=c.session, actor=c.user, resource_id=resource_id)
    return {
        "data": data,
        "resource_id": resource_id,
        "types": list(types().values()),
        "templates": classify.list_templates(session=c.session),
        "review_error": error,
    }


@router.get("/resources/{resource_id}/labels", response_class=HTMLResponse)
def labels_fragment(request: Request, resource_id: str) -> HTMLResponse:
    with caller(request) as c:
        return render(request, "_labels.html", **_labels_context(c, resource_id))


@router.post("/resources/{resource_id}/labels/{column:path}", response_class=HTMLResponse)
def review_label(
    request: Request,
    resource_id: str,
    column: str,
    action: str = Form(""),
    type: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> HTMLResponse:
    try:
        with caller(request, csrf_token) as c:
            classify.review(
                session=c.session,
                actor=c.require(),
                resource_id=resource_id,
                column=column,
                action=action,
                type_id=type or None,
                reason=reason,
            )
    except ShuliuError as exc:
        if exc.status in (401, 403, 404):
            raise
        with caller(request, read_only=True) as c:
            return render(
                request,
                "_labels.html",
                status=exc.status,
                **_labels_context(c, resource_id, exc.localized(language_of(request))),
            )
    with caller(request, read_only=True) as c:
        return render(request, "_labels.html", **_labels_context(c, resource_id))


@router.post("/resources/{resource_id}/classify")
def rescan(
    request: Request, resource_id: str, template: str = Form(""), full: str = Form(""), csrf_token: str = Form("")
) -> RedirectResponse:
    platform = get_platform(request)
    with caller(request, csrf_token) as c:
        job = classify.submit(
            platform=platform,
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            template_id=template or None,
            full=full == "on",
        )
        job_id = job.id
    platform.notify_jobs()
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/classification", response_class=HTMLResponse)
def dashboard_page(request: Request) -> HTMLResponse:
    with caller(request) as c:
        return render(
            request,
            "classification.html",
            stats=classify.dashboard(session=c.session, actor=c.user),
            templates=classify.list_templates(session=c.session),
            builtin=tpl.builtin(),
            types=list(types().values()),
        )


@router.get("/classification/templates/{template_id}", response_class=HTMLResponse)
def template_page(request: Request, template_id: str) -> HTMLResponse:
    with caller(request) as c:
        t = classify.get_template(session=c.session, template_id=template_id)
        text = yaml.safe_dump(t.to_dict(), allow_unicode=True, sort_keys=False, width=120)
        return render(
            request,
            "template.html",
            template=t,
            builtin=classify.is_builtin(t.id),
            text=text,
            type_names={k: v.zh for k, v in types().items()},
            error=None,
        )


@router.post("/classification/templates", response_class=HTMLResponse)
async def template_create(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("csrf_token") or "")
    upload = form.get("file")
    try:
        with caller(request, token) as c:
            actor = c.require()
            if isinstance(upload, UploadFile) and upload.filename:
                raw = await upload.read(MAX_TEMPLATE_UPLOAD + 1)
                if len(raw) > MAX_TEMPLATE_UPLOAD:
                    raise ValidationFailed(
                        "{file}: a template file is at most 1 MB", file=upload.filename, field="file"
                    )
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValidationFailed(
                        "{file}: a template file must be UTF-8 text", file=upload.filename, field="file"
                    ) from exc
                t = classify.save_template(
                    session=c.session, actor=actor, document=tpl.load_text(text, origin=upload.filename).to_dict()
                )
            else:
                t = classify.copy_template(
                    session=c.session,
                    actor=actor,
                    source_id=str(form.get("copy_of") or ""),
                    new_id_=str(form.get("id") or ""),
                    name=str(form.get("name") or ""),
                )
            new_id = t.id
    except ShuliuError as exc:
        if exc.status in (401, 403):
            raise
        with caller(request, read_only=True) as c:
            return render(
                request,
                "classification.html",
                status=exc.status,
                stats=classify.dashboard(session=c.session, actor=c.user),
                templates=classify.list_templates(session=c.session),
                builtin=tpl.builtin(),
                types=list(types().values()),
                error=exc.localized(language_of(request)),
            )
    return RedirectResponse(f"/classification/templates/{new_id}", status_code=303)


@router.post("/classification/templates/{template_id}", response_class=HTMLResponse)
def template_save(request: Request, template_id: str, text: str = Form(""), csrf_token: str = Form("")) -> Response:
    try:
        with caller(request, csrf_token) as c:
            doc = tpl.load_text(text, origin=template_id).to_dict() | {"id": template_id}
            classify.save_template(session=c.session, actor=c.require(), document=doc, replace=True)
    except ShuliuError as exc:
        if exc.status in (401, 403, 404):
            raise
        with caller(request, read_only=True) as c:
            t = classify.get_template(session=c.session, template_id=template_id)
            return render(
                request,
                "template.html",
                status=exc.status,
                template=t,
                builtin=False,
                text=text,
                type_names={k: v.zh for k, v in types().items()},
                error=exc.localized(language_of(request)),
            )
    return RedirectResponse(f"/classification/templates/{template_id}", status_code=303)


@router.post("/classification/templates/{template_id}/delete")
def template_delete(request: Request, template_id: str, csrf_token: str = Form("")) -> RedirectResponse:
    with caller(request, csrf_token) as c:
        classify.delete_template(session=c.session, actor=c.require(), template_id=template_id)
    return RedirectResponse("/classification", status_code=303)
