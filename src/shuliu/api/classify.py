"""REST API for 数据分类分级: types, templates, scans, labels and their review, the dashboard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shuliu.api.deps import caller, get_platform
from shuliu.api.v1 import JobOut
from shuliu.classify import service as classify
from shuliu.classify.catalogue import types

router = APIRouter(prefix="/api/v1", tags=["classification"])


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str | None = Field(None, description="template id; the resource's current one by default")
    sample: int | None = Field(None, ge=100, le=10_000_000, description="rows to sample (default a few thousand)")
    full: bool = Field(False, description="scan every row")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(..., description="confirm | reject | correct | reopen")
    type: str | None = Field(None, description="the right type (correct); null = no sensitive type")
    reason: str = Field("", max_length=2000)


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: dict[str, Any] | None = Field(None, description="the template document")
    yaml: str | None = Field(None, description="or the same as YAML/JSON text", max_length=500_000)
    copy_of: str | None = Field(None, description="copy this template (with id and name)")
    id: str | None = None
    name: str | None = None


@router.get("/classification/types", summary="The sensitive-data types (ids of the spec)")
def list_types() -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "zh": t.zh,
            "en": t.en,
            "content": t.content,
            "threshold": t.threshold,
            "names": list(t.names),
            "tokens": list(t.tokens),
        }
        for t in types().values()
    ]


@router.get("/classification/templates", summary="Grading templates (built-in and custom)")
def list_templates(request: Request) -> list[dict[str, Any]]:
    with caller(request) as c:
        return [
            {
                "id": t.id,
                "name": t.name,
                "version": t.version,
                "levels": list(t.levels),
                "builtin": classify.is_builtin(t.id),
            }
            for t in classify.list_templates(session=c.session)
        ]


@router.get("/classification/templates/{template_id}", summary="One template")
def get_template(request: Request, template_id: str) -> dict[str, Any]:
    with caller(request) as c:
        t = classify.get_template(session=c.session, template_id=template_id)
        return t.to_dict() | {"builtin": classify.is_builtin(t.id)}


def _document(body: TemplateIn) -> Any:
    from shuliu.classify import templates as tpl
    from shuliu.errors import ValidationFailed

    if body.yaml is not None:
        return tpl.load_text(body.yaml, origin="yaml").to_dict()
    if body.template is not None:
        return body.template
    raise ValidationFailed("give template, yaml or copy_of", field="template")


@router.post("/classification/templates", status_code=201, summary="Create a template (a copy, or uploaded)")
def create_template(request: Request, body: TemplateIn) -> dict[str, Any]:
    with caller(request) as c:
        actor = c.require()
        if body.copy_of:
            t = classify.copy_template(
                session=c.session,
                actor=actor,
                source_id=body.copy_of,
                new_id_=body.id or f"{body.copy_of}-copy",
                name=body.name or "",
            )
        else:
            t = classify.save_template(session=c.session, actor=actor, document=_document(body))
        return t.to_dict()


@router.put("/classification/templates/{template_id}", summary="Replace a custom template")
def put_template(request: Request, template_id: str, body: TemplateIn) -> dict[str, Any]:
    with caller(request) as c:
        doc = _document(body)
        if isinstance(doc, dict):
            doc = {**doc, "id": template_id}
        return classify.save_template(session=c.session, actor=c.require(), document=doc, replace=True).to_dict()


@router.delete("/classification/templates/{template_id}", status_code=204, summary="Delete a custom template")
def delete_template(request: Request, template_id: str) -> Response:
    with caller(request) as c:
        classify.delete_template(session=c.session, actor=c.require(), template_id=template_id)
    return Response(status_code=204)


@router.post("/resources/{resource_id}/classify", status_code=202, summary="Scan and grade the current version")
def classify_resource(request: Request, resource_id: str, body: ClassifyIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        job = classify.submit(
            platform=platform,
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            template_id=body.template,
            sample=body.sample,
            full=body.full,
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


@router.get("/resources/{resource_id}/labels", summary="Column labels, evidence and the resource's level")
def get_labels(request: Request, resource_id: str, version: str | None = None) -> dict[str, Any]:
    with caller(request) as c:
        return classify.resource_labels(session=c.session, actor=c.user, resource_id=resource_id, version=version)


@router.post("/resources/{resource_id}/labels/{column:path}", summary="Confirm, reject or correct a label")
def review_label(request: Request, resource_id: str, column: str, body: ReviewIn) -> dict[str, Any]:
    with caller(request) as c:
        row = classify.review(
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            column=column,
            action=body.action,
            type_id=body.type,
            reason=body.reason,
        )
        return classify.label_dict(row)


@router.get("/classification/dashboard", summary="Levels and sensitive types by provider")
def dashboard(request: Request) -> dict[str, Any]:
    with caller(request) as c:
        return classify.dashboard(session=c.session, actor=c.user)
