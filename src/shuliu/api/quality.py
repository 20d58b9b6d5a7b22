"""REST API of 质量: profiles, rules, checks, scores and their history, failing rows, suggestions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shuliu.api.deps import caller, get_platform
from shuliu.api.v1 import JobOut
from shuliu.quality import rules as R
from shuliu.quality import service as quality

router = APIRouter(prefix="/api/v1", tags=["quality"])


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: str | None = Field(
        None, max_length=1_000_000, description="YAML rules for this run only (default: the resource's)"
    )


class CleanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipe: str = Field(..., max_length=1_000_000, description="the cleaning recipe, in the documented YAML format")


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(..., max_length=1_000_000, description="the rule set, in the documented YAML format")
    schedule_hours: int | None = Field(None, ge=1, le=8784, description="also run every N hours")


@router.get("/quality/format", summary="The rule format: checks, their dimensions, types, vocabularies")
def rule_format() -> dict[str, Any]:
    return {
        "format": R.FORMAT,
        "dimensions": [{"zh": d, "en": R.DIMENSION_EN[d]} for d in R.DIMENSIONS],
        "checks": [{"check": k, "dimension": v} for k, v in R.CHECKS.items()],
        "types": list(R.TYPES),
        "vocabularies": list(R.VOCABULARIES),
        "doc": (R.__doc__ or "").strip(),
    }


@router.post("/resources/{resource_id}/profile", status_code=202, summary="Profile the current version")
def profile_resource(request: Request, resource_id: str) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        out = JobOut.of(
            quality.submit_profile(platform=platform, session=c.session, actor=c.require(), resource_id=resource_id)
        )
    platform.notify_jobs()
    return out


@router.get("/resources/{resource_id}/profile", summary="The stored profile of a version (default the current)")
def get_profile(request: Request, resource_id: str, version: str | None = None) -> dict[str, Any]:
    with caller(request) as c:
        return quality.get_profile(session=c.session, actor=c.user, resource_id=resource_id, version=version)


@router.get("/resources/{resource_id}/profile/compare", summary="What changed between two versions' profiles")
def compare(request: Request, resource_id: str, old: str, new: str | None = None) -> dict[str, Any]:
    with caller(request) as c:
        return quality.compare_versions(session=c.session, actor=c.user, resource_id=resource_id, old=old, new=new)


@router.get("/resources/{resource_id}/quality", summary="The latest score, per dimension and rule, and the history")
def get_quality(request: Request, resource_id: str) -> dict[str, Any]:
    with caller(request) as c:
        runs = quality.history(session=c.session, actor=c.user, resource_id=resource_id)
        return {
            "latest": runs[0] if runs else None,
            "history": [{k: r[k] for k in ("run_id", "version", "score", "dimensions", "trigger", "at")} for r in runs],
        }


@router.post("/resources/{resource_id}/quality/check", status_code=202, summary="Run the rules on the current version")
def check(request: Request, resource_id: str, body: CheckIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        job = quality.submit_check(
            platform=platform, session=c.session, actor=c.require(), resource_id=resource_id, rules_text=body.rules
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


@router.get("/resources/{resource_id}/quality/rules", summary="The resource's rules")
def get_rules(request: Request, resource_id: str) -> dict[str, Any]:
    from shuliu.catalog import service as catalog

    with caller(request) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        return quality.rules_view(session=c.session, resource=resource)


@router.put("/resources/{resource_id}/quality/rules", summary="Replace the resource's rules")
def put_rules(request: Request, resource_id: str, body: RulesIn) -> dict[str, Any]:
    with caller(request) as c:
        return quality.save_rules(
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            text=body.yaml,
            schedule_hours=body.schedule_hours,
        )


@router.post("/resources/{resource_id}/quality/rules", status_code=201, summary="Add one rule")
def add_rule(request: Request, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
    with caller(request) as c:
        return quality.add_rule(session=c.session, actor=c.require(), resource_id=resource_id, rule=body)


@router.delete("/resources/{resource_id}/quality/rules/{rule_id}", status_code=204, summary="Remove one rule")
def delete_rule(request: Request, resource_id: str, rule_id: str) -> Response:
    with caller(request) as c:
        quality.remove_rule(session=c.session, actor=c.require(), resource_id=resource_id, rule_id=rule_id)
    return Response(status_code=204)


@router.get("/resources/{resource_id}/quality/suggestions", summary="Rules the profile suggests")
def suggestions(request: Request, resource_id: str) -> list[dict[str, Any]]:
    with caller(request) as c:
        return quality.suggestions(session=c.session, actor=c.user, resource_id=resource_id)


@router.get("/resources/{resource_id}/quality/rules/{rule_id}/failing", summary="Rows a rule fails (masked)")
def failing(request: Request, resource_id: str, rule_id: str, limit: int = 20) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        return quality.failing_rows(
            platform=platform, session=c.session, actor=c.user, resource_id=resource_id, rule_id=rule_id, limit=limit
        )


@router.post("/resources/{resource_id}/clean", status_code=202, summary="Clean the current version into a new one")
def clean(request: Request, resource_id: str, body: CleanIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        job = quality.submit_clean(
            platform=platform, session=c.session, actor=c.require(), resource_id=resource_id, recipe=body.recipe
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str | None = Field(None, max_length=1_000_000, description="the verification, in the documented YAML format")
    spec: dict[str, Any] | None = Field(None, description="or the same as a JSON object")


class AuthorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resource_id: str = Field(..., max_length=100)
    reason: str = Field("", max_length=2000)


@router.get("/quality/verifications", summary="Multi-source verifications (多源核验) the caller may see")
def list_verifications(request: Request) -> list[dict[str, Any]]:
    with caller(request) as c:
        return quality.list_verifications(session=c.session, actor=c.user)


@router.post("/quality/verifications", status_code=201, summary="Create (or replace by name) a verification")
def create_verification(request: Request, body: VerificationIn) -> dict[str, Any]:
    spec = body.spec if body.spec is not None else (body.yaml or "")
    with caller(request) as c:
        return quality.save_verification(session=c.session, actor=c.require(), spec=spec)


@router.get("/quality/verifications/{ref}", summary="A verification, its latest result and authorities")
def get_verification(request: Request, ref: str) -> dict[str, Any]:
    with caller(request) as c:
        return quality.verification_view(session=c.session, actor=c.user, ref=ref)


@router.post("/quality/verifications/{ref}/run", status_code=202, summary="Run a verification (a job)")
def run_verification(request: Request, ref: str) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        quality.verification_view(session=c.session, actor=c.user, ref=ref)
        out = JobOut.of(quality.submit_verification(session=c.session, actor=c.require(), ref=ref))
    platform.notify_jobs()
    return out


@router.put(
    "/quality/verifications/{ref}/authorities/{field}", summary="The authoritative source of a field (一数一源)"
)
def put_authority(request: Request, ref: str, field: str, body: AuthorityIn) -> dict[str, Any]:
    with caller(request) as c:
        return quality.set_authority(
            session=c.session, actor=c.require(), ref=ref, field=field, resource_id=body.resource_id, reason=body.reason
        )
