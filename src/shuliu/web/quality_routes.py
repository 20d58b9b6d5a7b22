"""Pages of 质量: a resource's profile (charts, comparison between versions) and its quality tab
(score, dimensions, trend, rules, failing rows, suggestions, adding a rule)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shuliu.api.deps import caller, get_platform
from shuliu.catalog import service as catalog
from shuliu.errors import NotFound, ShuliuError, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.quality import rules as R
from shuliu.quality import service as quality
from shuliu.web.routes import language_of, render

router = APIRouter(include_in_schema=False)


def _bar(labels: list[str], values: list[float], *, horizontal: bool = False, name: str = "") -> str:
    axis_cat = {"type": "category", "data": labels, "axisLabel": {"width": 120, "overflow": "truncate"}}
    axis_val = {"type": "value"}
    option = {
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": axis_val if horizontal else axis_cat,
        "yAxis": axis_cat if horizontal else axis_val,
        "series": [{"type": "bar", "name": name, "data": values, "itemStyle": {"color": "#0d6efd"}}],
        "animation": False,
    }
    return json.dumps(option, ensure_ascii=False)


def _column_chart(c: dict[str, Any]) -> str | None:
    if c.get("histogram"):
        edges = c["histogram"]["edges"]
        labels = [e if isinstance(e, str) else f"{e:.4g}" for e in edges[:-1]]  # dates are ISO text
        return _bar(labels, c["histogram"]["counts"])
    if c.get("top"):
        top = list(reversed(c["top"]))
        return _bar([str(t["value"]) for t in top], [t["count"] for t in top], horizontal=True)
    return None


@router.get("/resources/{resource_id}/profile", response_class=HTMLResponse)
def profile_fragment(
    request: Request, resource_id: str, compare: str | None = None, job: str | None = None
) -> HTMLResponse:
    with caller(request) as c:
        if job and jobs.get(session=c.session, job_id=job).status in ("queued", "running"):
            url = f"/resources/{resource_id}/profile"
            return render(request, "_pending.html", url=url, job_id=job, target="profile")
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        versions = catalog.versions(session=c.session, resource=resource)
        try:
            data = quality.get_profile(session=c.session, actor=c.user, resource_id=resource_id)
        except NotFound:
            data = None
        diff = None
        if data is not None and compare:
            try:
                diff = quality.compare_versions(session=c.session, actor=c.user, resource_id=resource_id, old=compare)
            except NotFound as exc:
                diff = {"error": exc.localized(language_of(request))}
        charts = {col["name"]: _column_chart(col) for col in (data or {"columns": []})["columns"]}
        return render(
            request,
            "_profile.html",
            resource=resource,
            data=data,
            charts=charts,
            diff=diff,
            compare=compare,
            versions=versions,
            can_edit=catalog.can_edit(c.user, resource),
        )


@router.post("/resources/{resource_id}/profile", response_class=HTMLResponse)
async def profile_run(request: Request, resource_id: str) -> HTMLResponse:
    platform = get_platform(request)
    form = await request.form()
    with caller(request, str(form.get("csrf_token", ""))) as c:
        job = quality.submit_profile(
            platform=platform, session=c.session, actor=c.require(), resource_id=resource_id, check=True
        )
        job_id = job.id
    platform.notify_jobs()
    return render(request, "_pending.html", url=f"/resources/{resource_id}/profile", job_id=job_id, target="profile")


def _quality_context(request: Request, c: Any, resource_id: str, **extra: Any) -> dict[str, Any]:
    resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
    runs = quality.history(session=c.session, actor=c.user, resource_id=resource_id)
    latest = runs[0] if runs else None
    rules = quality.rules_view(session=c.session, resource=resource)
    results = {r["id"]: r for r in (latest["rules"] if latest else [])}
    dims = latest["dimensions"] if latest else {}
    trend = list(reversed(runs[:50]))
    zone = ZoneInfo(get_platform(request).settings.timezone)
    trend_chart = json.dumps(
        {
            "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "xAxis": {
                "type": "category",
                "data": [
                    f"{datetime.fromisoformat(r['at']).astimezone(zone):%m-%d %H:%M} {r['version']}" for r in trend
                ],
            },
            "yAxis": {"type": "value", "min": 0, "max": 100},
            "series": [{"type": "line", "data": [r["score"] for r in trend], "name": "score", "smooth": False}],
            "animation": False,
        },
        ensure_ascii=False,
    )
    return {
        "resource": resource,
        "latest": latest,
        "latest_at": datetime.fromisoformat(latest["at"]) if latest else None,
        "runs": runs,
        "rules": rules,
        "results": results,
        "dimensions": [(d, dims.get(d)) for d in R.DIMENSIONS],
        "dims_chart": _bar([d for d in R.DIMENSIONS if d in dims], [dims[d] for d in R.DIMENSIONS if d in dims]),
        "trend_chart": trend_chart if len(trend) > 1 else None,
        "suggestions": quality.suggestions(session=c.session, actor=c.user, resource_id=resource_id),
        "checks": list(R.CHECKS),
        "types": list(R.TYPES),
        "columns": [col.name for col in resource.columns],
        "can_edit": catalog.can_edit(c.user, resource),
        "can_rows": catalog.can_read_rows(c.user, resource),
        "error": None,
        "pending_job": None,
        **extra,
    }


@router.get("/resources/{resource_id}/quality", response_class=HTMLResponse)
def quality_fragment(request: Request, resource_id: str, job: str | None = None) -> HTMLResponse:
    with caller(request) as c:
        pending = None
        if job:
            j = jobs.get(session=c.session, job_id=job)
            if j.status in ("queued", "running"):
                pending = job
        return render(request, "_quality.html", **_quality_context(request, c, resource_id, pending_job=pending))


def _run_check(request: Request, resource_id: str, token: str) -> str:
    platform = get_platform(request)
    with caller(request, token) as c:
        job = quality.submit_check(platform=platform, session=c.session, actor=c.require(), resource_id=resource_id)
        job_id = job.id
    platform.notify_jobs()
    return job_id


def _rule_from_form(form: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"check": form.get("check", "")}
    for key in (
        "column",
        "pattern",
        "type",
        "id_column",
        "left",
        "op",
        "right",
        "vocabulary",
        "resource",
        "ref_column",
        "name",
    ):
        v = str(form.get(key, "")).strip()
        if v:
            rule[key] = v
    for key in ("min", "max", "max_age_days"):
        v = str(form.get(key, "")).strip()
        if v:
            try:
                rule[key] = int(v) if v.lstrip("-").isdigit() else float(v)
            except ValueError:
                rule[key] = v  # a date bound; the rule's parser checks it
    values = str(form.get("values", "")).strip()
    if values:
        rule["values"] = [v.strip() for v in values.replace("，", ",").split(",") if v.strip()]
    if rule["check"] == "unique" and "column" in rule:
        rule["columns"] = [rule.pop("column")]
    return rule


async def _form_action(request: Request, resource_id: str, action: Any) -> HTMLResponse:
    form = await request.form()
    try:
        with caller(request, str(form.get("csrf_token", ""))) as c:
            action(c, form)
    except ShuliuError as exc:
        if exc.status in (401, 403, 404):
            raise
        with caller(request, read_only=True) as c:
            ctx = _quality_context(request, c, resource_id, error=exc.localized(language_of(request)))
            return render(request, "_quality.html", status=exc.status, **ctx)
    job_id = _run_check(request, resource_id, str(form.get("csrf_token", "")))
    with caller(request, read_only=True) as c:
        return render(request, "_quality.html", **_quality_context(request, c, resource_id, pending_job=job_id))


@router.post("/resources/{resource_id}/quality/rules", response_class=HTMLResponse)
async def add_rule(request: Request, resource_id: str) -> HTMLResponse:
    def act(c: Any, form: Any) -> None:
        source = str(form.get("suggestion", ""))
        if source:
            try:
                rule = json.loads(source)
            except ValueError as exc:
                raise ValidationFailed("the suggestion is not valid", field="rules") from exc
        else:
            rule = _rule_from_form(form)
        quality.add_rule(session=c.session, actor=c.require(), resource_id=resource_id, rule=rule)

    return await _form_action(request, resource_id, act)


@router.post("/resources/{resource_id}/quality/rules/{rule_id}/delete", response_class=HTMLResponse)
async def delete_rule(request: Request, resource_id: str, rule_id: str) -> HTMLResponse:
    def act(c: Any, form: Any) -> None:
        quality.remove_rule(session=c.session, actor=c.require(), resource_id=resource_id, rule_id=rule_id)

    return await _form_action(request, resource_id, act)


@router.post("/resources/{resource_id}/quality/yaml", response_class=HTMLResponse)
async def save_yaml(request: Request, resource_id: str) -> HTMLResponse:
    def act(c: Any, form: Any) -> None:
        hours = str(form.get("schedule_hours", "")).strip()
        quality.save_rules(
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            text=str(form.get("yaml", "")),
            schedule_hours=int(hours) if hours.isdigit() else None,
        )

    return await _form_action(request, resource_id, act)


@router.post("/resources/{resource_id}/quality/check", response_class=HTMLResponse)
async def run_check(request: Request, resource_id: str) -> HTMLResponse:
    return await _form_action(request, resource_id, lambda c, form: c.require())


@router.get("/resources/{resource_id}/quality/rules/{rule_id}/failing", response_class=HTMLResponse)
def failing(request: Request, resource_id: str, rule_id: str) -> HTMLResponse:
    platform = get_platform(request)
    with caller(request) as c:
        data = quality.failing_rows(
            platform=platform, session=c.session, actor=c.user, resource_id=resource_id, rule_id=rule_id
        )
        return render(request, "_failing.html", data=data)


@router.post("/resources/{resource_id}/clean")
async def clean(request: Request, resource_id: str) -> Response:
    form = await request.form()
    platform = get_platform(request)
    try:
        with caller(request, str(form.get("csrf_token", ""))) as c:
            job = quality.submit_clean(
                platform=platform,
                session=c.session,
                actor=c.require(),
                resource_id=resource_id,
                recipe=str(form.get("recipe", "")),
            )
            job_id = job.id
    except ShuliuError as exc:
        if exc.status in (401, 403, 404):
            raise
        with caller(request, read_only=True) as c:
            ctx = _quality_context(request, c, resource_id, error=exc.localized(language_of(request)))
            return render(request, "_quality.html", status=exc.status, **ctx)
    platform.notify_jobs()
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": f"/jobs/{job_id}"})
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


# -- multi-source verification (多源核验) ------------------------------------------------------------------
VERIFY_EXAMPLE = """format: shuliu-verification/1
name: 人口出生日期核验
fields: [出生日期]
match: {by: key}
sources:
  - {resource: RES_A, key: 身份证号, columns: {出生日期: 出生日期}}
  - {resource: RES_B, key: 公民身份号码, columns: {出生日期: 出生日期}}
"""


@router.get("/quality/verifications", response_class=HTMLResponse)
def verifications_page(request: Request) -> HTMLResponse:
    with caller(request) as c:
        c.require()
        items = quality.list_verifications(session=c.session, actor=c.user)
        return render(request, "verifications.html", items=items, example=VERIFY_EXAMPLE, error=None, text=None)


@router.post("/quality/verifications")
async def create_verification(request: Request) -> Response:
    form = await request.form()
    text = str(form.get("yaml", ""))
    platform = get_platform(request)
    try:
        with caller(request, str(form.get("csrf_token", ""))) as c:
            view = quality.save_verification(session=c.session, actor=c.require(), spec=text)
            job_id = quality.submit_verification(session=c.session, actor=c.require(), ref=view["id"]).id
    except ShuliuError as exc:
        if exc.status in (401, 403):
            raise
        with caller(request, read_only=True) as c:
            items = quality.list_verifications(session=c.session, actor=c.user)
            return render(
                request,
                "verifications.html",
                status=exc.status,
                items=items,
                example=VERIFY_EXAMPLE,
                error=exc.localized(language_of(request)),
                text=text,
            )
    platform.notify_jobs()
    return RedirectResponse(f"/quality/verifications/{view['id']}?job={job_id}", status_code=303)


@router.get("/quality/verifications/{ref}", response_class=HTMLResponse)
def verification_page(request: Request, ref: str, job: str | None = None) -> HTMLResponse:
    with caller(request) as c:
        view = quality.verification_view(session=c.session, actor=c.user, ref=ref)
        pending = job if job and jobs.get(session=c.session, job_id=job).status in ("queued", "running") else None
        failed = None
        if job and not pending:
            j = jobs.get(session=c.session, job_id=job)
            if j.status == "failed" and j.error:
                from shuliu.errors import localize_error

                failed = localize_error(j.error, language_of(request))
        return render(
            request,
            "verification.html",
            v=view,
            pending_job=pending,
            failed=failed,
            can_decide=c.user is not None and c.user.role in ("admin", "provider"),
        )


@router.post("/quality/verifications/{ref}/run")
async def run_verification(request: Request, ref: str) -> Response:
    form = await request.form()
    platform = get_platform(request)
    with caller(request, str(form.get("csrf_token", ""))) as c:
        view = quality.verification_view(session=c.session, actor=c.user, ref=ref)
        job_id = quality.submit_verification(session=c.session, actor=c.require(), ref=ref).id
    platform.notify_jobs()
    return RedirectResponse(f"/quality/verifications/{view['id']}?job={job_id}", status_code=303)


@router.post("/quality/verifications/{ref}/authority")
async def set_authority(request: Request, ref: str) -> Response:
    form = await request.form()
    with caller(request, str(form.get("csrf_token", ""))) as c:
        view = quality.set_authority(
            session=c.session,
            actor=c.require(),
            ref=ref,
            field=str(form.get("field", "")),
            resource_id=str(form.get("resource_id", "")),
            reason=str(form.get("reason", "")),
        )
    return RedirectResponse(f"/quality/verifications/{view['id']}", status_code=303)
