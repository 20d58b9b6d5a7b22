"""REST API /api/v1: each endpoint parses, calls one service function, renders the result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shuliu import __version__
from shuliu.api.deps import caller, get_platform, login
from shuliu.auth import service as auth
from shuliu.auth.models import ROLES, User
from shuliu.catalog import ingest, rows, uploads
from shuliu.catalog import search as catalog_search
from shuliu.catalog import service as catalog
from shuliu.catalog.schemas import (
    HistoryOut,
    ResourceCreate,
    ResourceFields,
    ResourceOut,
    SearchResults,
    VersionOut,
)
from shuliu.catalog.vocab import vocabulary
from shuliu.engine.ingest import IngestOptions
from shuliu.engine.ingest.inspect import inspect_source
from shuliu.errors import NotFound, ValidationFailed
from shuliu.jobs import service as jobs
from shuliu.jobs.models import Job

router = APIRouter(prefix="/api/v1")


# -- shapes --------------------------------------------------------------------------------------
class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    org: str | None
    org_code: str | None
    is_active: bool

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            org=u.org.name if u.org else None,
            org_code=u.org.code if u.org else None,
            is_active=u.is_active,
        )


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    name: str = "api"


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(None, description="the secret, shown only once when created")


class NewTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("api", max_length=100)
    expires_at: AwareDatetime | None = Field(None, description="with a time zone, e.g. 2027-01-01T00:00:00+08:00")


class OrgIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., max_length=64)
    name: str = Field(..., max_length=200)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    role: str = Field(..., description=" | ".join(ROLES))
    display_name: str = ""
    org: str | None = None


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    org: str | None = None
    is_active: bool | None = None
    display_name: str | None = None
    password: str | None = None


class OptionsIn(BaseModel):
    """How to read the source; omitted fields are sniffed."""

    model_config = ConfigDict(extra="forbid")
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = Field(None, ge=1)
    no_header: bool = False
    sheet: str | None = None
    column_types: dict[str, str] = Field(default_factory=dict)

    def to_options(self, sql_table: str | None = None, sql_query: str | None = None) -> IngestOptions:
        return IngestOptions(**self.model_dump(), sql_table=sql_table, sql_query=sql_query)


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upload_id: str | None = Field(None, description="from PUT /api/v1/uploads")
    source_url: str | None = Field(None, description="a SQLAlchemy URL of a database to read from")
    sql_table: str | None = None
    sql_query: str | None = None
    options: OptionsIn = Field(default_factory=OptionsIn)


class ResourceIngestIn(SourceIn):
    metadata: ResourceCreate


class VersionIngestIn(SourceIn):
    note: str = Field("", max_length=2000)


class ResourcePatch(ResourceFields):
    comment: str = Field("", max_length=2000)
    expected_revision: int | None = None


class ColumnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    descriptions: dict[str, str]
    comment: str = ""


class RetypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    types: dict[str, str]
    note: str = ""


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: float
    stage: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str

    @classmethod
    def of(cls, j: Job) -> JobOut:
        return cls(
            id=j.id,
            kind=j.kind,
            status=j.status,
            progress=round(j.progress, 4),
            stage=j.stage,
            result=j.result,
            error=j.error,
            created_at=j.created_at,
            started_at=j.started_at,
            finished_at=j.finished_at,
            url=f"/api/v1/jobs/{j.id}",
        )


class UploadOut(BaseModel):
    upload_id: str
    filename: str
    size: int
    sha256: str


# -- service endpoints ----------------------------------------------------------------------------
@router.get("", summary="API index")
def index() -> dict[str, Any]:
    return {
        "name": "shuliu",
        "version": __version__,
        "openapi": "/api/v1/openapi.json",
        "docs": "/api/docs",
        "resources": "/api/v1/resources",
        "jobs": "/api/v1/jobs",
        "uploads": "/api/v1/uploads",
    }


@router.get("/health", summary="Liveness and the metadata database")
def health(request: Request) -> dict[str, Any]:
    platform = get_platform(request)
    with platform.db.session() as s:
        s.connection().exec_driver_sql("SELECT 1")
    return {"ok": True, "database": platform.db.dialect, "jobs_mode": platform.settings.jobs_mode}


@router.get("/vocabulary", summary="资源分类, 共享/开放类型, 更新周期, 共享方式")
def get_vocabulary() -> dict[str, Any]:
    v = vocabulary()
    return {
        "source": v.source,
        "classes": list(v.classes),
        "share_types": list(v.share_types),
        "open_types": list(v.open_types),
        "update_cycles": list(v.update_cycles),
        "share_methods": list(v.share_methods),
        "roles": list(ROLES),
    }


# -- identity ---------------------------------------------------------------------------------------
@router.post("/auth/token", status_code=201, summary="Exchange a username and password for an API token")
def login_token(request: Request, body: TokenIn) -> TokenOut:
    with caller(request) as c:
        user = auth.authenticate(session=c.session, username=body.username, password=body.password)
        token, secret = auth.create_token(session=c.session, user=user, name=body.name)
        return TokenOut(**_token_fields(token), token=secret)


def _token_fields(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/me", summary="Who am I")
def me(request: Request) -> UserOut:
    with caller(request) as c:
        return UserOut.of(c.require())


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str
    new_password: str


@router.post("/me/password", status_code=204, summary="Change my password (signs out my other sessions)")
def change_password(request: Request, body: PasswordIn) -> Response:
    with caller(request) as c:
        user = c.require()
        auth.change_own_password(session=c.session, user=user, current=body.current_password, new=body.new_password)
        if c.via == "session":
            login(request, user)
    return Response(status_code=204)


@router.get("/tokens", summary="My API tokens (without secrets)")
def my_tokens(request: Request) -> list[TokenOut]:
    with caller(request) as c:
        return [TokenOut(**_token_fields(t)) for t in auth.list_tokens(session=c.session, user=c.require())]


@router.post("/tokens", status_code=201, summary="Create a personal API token")
def new_token(request: Request, body: NewTokenIn) -> TokenOut:
    with caller(request) as c:
        token, secret = auth.create_token(
            session=c.session, user=c.require(), name=body.name, expires_at=body.expires_at
        )
        return TokenOut(**_token_fields(token), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token")
def revoke_token(request: Request, token_id: int) -> Response:
    with caller(request) as c:
        auth.revoke_token(session=c.session, user=c.require(), token_id=token_id)
    return Response(status_code=204)


@router.get("/orgs", summary="Organizations (资源提供方)")
def list_orgs(request: Request) -> list[dict[str, Any]]:
    with caller(request) as c:
        c.require()
        return [{"id": o.id, "code": o.code, "name": o.name} for o in auth.list_orgs(session=c.session)]


@router.post("/orgs", status_code=201, summary="Register an organization (admin)")
def create_org(request: Request, body: OrgIn) -> dict[str, Any]:
    with caller(request) as c:
        c.require_role("admin")
        org = auth.create_org(session=c.session, code=body.code, name=body.name)
        return {"id": org.id, "code": org.code, "name": org.name}


@router.get("/users", summary="Users (admin)")
def list_users(request: Request) -> list[UserOut]:
    with caller(request) as c:
        c.require_role("admin")
        return [UserOut.of(u) for u in auth.list_users(session=c.session)]


@router.post("/users", status_code=201, summary="Create a user (admin)")
def create_user(request: Request, body: UserIn) -> UserOut:
    with caller(request) as c:
        c.require_role("admin")
        user = auth.create_user(
            session=c.session,
            username=body.username,
            password=body.password,
            role=body.role,
            display_name=body.display_name,
            org=body.org,
        )
        return UserOut.of(user)


@router.patch("/users/{username}", summary="Change a user's role, organization or status (admin)")
def patch_user(request: Request, username: str, body: UserPatch) -> UserOut:
    with caller(request) as c:
        actor = c.require_role("admin")
        user = auth.get_user(session=c.session, ref=username)
        auth.update_user(
            session=c.session,
            actor=actor,
            user=user,
            role=body.role,
            org=body.org,
            is_active=body.is_active,
            display_name=body.display_name,
        )
        if body.password:
            auth.set_password(session=c.session, user=user, password=body.password)
        return UserOut.of(user)


# -- uploads and ingest ----------------------------------------------------------------------------
@router.put("/uploads", status_code=201, summary="Upload a file (raw request body) to ingest later")
async def put_upload(request: Request, filename: Annotated[str, Query(max_length=255)]) -> UploadOut:
    platform = get_platform(request)
    with caller(request) as c:
        user = c.require_role("admin", "provider")
        user_id = user.id
    declared = request.headers.get("content-length")
    up = await uploads.receive(
        platform.settings.uploads_dir,
        filename=filename,
        owner_id=user_id,
        chunks=request.stream(),
        max_bytes=platform.settings.max_upload_bytes,
        declared_size=int(declared) if declared else None,
    )
    return UploadOut(upload_id=up.id, filename=up.filename, size=up.size, sha256=up.sha256)


@router.post("/uploads/{upload_id}/inspect", summary="Sniff an upload: format, header, sheets, types, rows")
def inspect_upload(request: Request, upload_id: str, options: OptionsIn | None = None) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        user = c.require_role("admin", "provider")
        up = uploads.get(platform.settings.uploads_dir, upload_id, owner_id=user.id)
    opts = (options or OptionsIn()).to_options()
    opts.validate()
    with platform.store.staging() as staging, platform.engine() as engine:
        out = inspect_source(up.path, opts, engine=engine, staging=staging)
    return {"upload_id": up.id, "filename": up.filename, "size": up.size, **out}


def _source(request: Request, c: Any, user: User, body: SourceIn) -> dict[str, Any]:
    platform = get_platform(request)
    if body.upload_id and body.source_url:
        raise ValidationFailed("give either upload_id or source_url", field="upload_id")
    if body.upload_id:
        up = uploads.get(platform.settings.uploads_dir, body.upload_id, owner_id=user.id)
        return {
            "source_path": up.path,
            "filename": up.filename,
            "cleanup": True,
            "source_sha256": up.sha256,
            "options": body.options.to_options(),
        }
    if body.source_url:
        return {"source_url": body.source_url, "options": body.options.to_options(body.sql_table, body.sql_query)}
    raise ValidationFailed("give upload_id (a file) or source_url (a database)", field="upload_id")


@router.post("/resources", status_code=202, summary="Register a resource from an upload or a database")
def create_resource(request: Request, body: ResourceIngestIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        user = c.require()
        job = ingest.submit(
            platform=platform, session=c.session, actor=user, resource=body.metadata, **_source(request, c, user, body)
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


@router.post("/resources/{resource_id}/versions", status_code=202, summary="Add a new version")
def add_version(request: Request, resource_id: str, body: VersionIngestIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        user = c.require()
        job = ingest.submit(
            platform=platform,
            session=c.session,
            actor=user,
            resource_id=resource_id,
            note=body.note,
            **_source(request, c, user, body),
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


@router.post("/resources/{resource_id}/retype", status_code=202, summary="Correct column types (new version)")
def retype(request: Request, resource_id: str, body: RetypeIn) -> JobOut:
    platform = get_platform(request)
    with caller(request) as c:
        job = ingest.submit_retype(
            platform=platform,
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            types=body.types,
            note=body.note,
        )
        out = JobOut.of(job)
    platform.notify_jobs()
    return out


@router.get("/jobs/{job_id}", summary="A job's status and progress")
def get_job(request: Request, job_id: str) -> JobOut:
    with caller(request) as c:
        user = c.require()
        job = jobs.get(session=c.session, job_id=job_id)
        if job.created_by_id != user.id and user.role != "admin":
            raise NotFound("no job {job_id}", job_id=job_id)
        return JobOut.of(job)


@router.get("/jobs", summary="My recent jobs (all jobs for admins)")
def list_jobs(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[JobOut]:
    with caller(request) as c:
        user = c.require()
        found = jobs.list_jobs(session=c.session, actor_id=None if user.role == "admin" else user.id, limit=limit)
        return [JobOut.of(j) for j in found]


# -- catalog -----------------------------------------------------------------------------------------
@router.get("/resources", summary="Search the catalog (Chinese full text, facets, sorting, pages)")
def search_resources(
    request: Request,
    q: Annotated[str, Query(max_length=1000)] = "",
    provider: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    share_type: Annotated[list[str] | None, Query()] = None,
    open_type: Annotated[list[str] | None, Query()] = None,
    format: Annotated[list[str] | None, Query()] = None,
    update_cycle: Annotated[list[str] | None, Query()] = None,
    tags: Annotated[list[str] | None, Query()] = None,
    level: Annotated[list[str] | None, Query(description="分类分级 level, e.g. 一般数据4级")] = None,
    types: Annotated[list[str] | None, Query(description="sensitive type ids, e.g. cn_resident_id")] = None,
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResults:
    filters = {
        "provider": provider,
        "category": category,
        "share_type": share_type,
        "open_type": open_type,
        "format": format,
        "update_cycle": update_cycle,
        "tags": tags,
        "level": level,
        "types": types,
    }
    with caller(request) as c:
        return catalog_search.search(
            session=c.session,
            labels=auth.labels_for(c.user),
            q=q,
            filters={k: v for k, v in filters.items() if v},
            sort=sort,
            page=page,
            per_page=per_page,
        )


def _resource_out(c: Any, resource: Any) -> ResourceOut:
    number = None
    if resource.current_version_id:
        number = catalog.get_version(session=c.session, resource=resource).number
    return ResourceOut.of(resource, number)


@router.get("/resources/{resource_id}", summary="A resource's catalog entry (by id or 资源代码)")
def get_resource(request: Request, resource_id: str) -> ResourceOut:
    with caller(request) as c:
        return _resource_out(c, catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id))


@router.patch("/resources/{resource_id}", summary="Edit metadata (kept in the history)")
def patch_resource(request: Request, resource_id: str, body: ResourcePatch) -> ResourceOut:
    with caller(request) as c:
        changes = ResourceFields(**body.model_dump(exclude_unset=True, exclude={"comment", "expected_revision"}))
        resource = catalog.update_resource(
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            data=changes,
            comment=body.comment,
            expected_revision=body.expected_revision,
        )
        return _resource_out(c, resource)


@router.put("/resources/{resource_id}/columns", summary="Describe 信息项")
def put_columns(request: Request, resource_id: str, body: ColumnsIn) -> ResourceOut:
    with caller(request) as c:
        resource = catalog.describe_columns(
            session=c.session,
            actor=c.require(),
            resource_id=resource_id,
            descriptions=body.descriptions,
            comment=body.comment,
        )
        return _resource_out(c, resource)


@router.get("/resources/{resource_id}/versions", summary="Versions, newest first")
def list_versions(request: Request, resource_id: str) -> list[VersionOut]:
    with caller(request) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        return [VersionOut.of(v) for v in catalog.versions(session=c.session, resource=resource)]


@router.get("/resources/{resource_id}/versions/{version}", summary="One version")
def get_version(request: Request, resource_id: str, version: str) -> VersionOut:
    with caller(request) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        return VersionOut.of(catalog.get_version(session=c.session, resource=resource, version=version))


@router.get("/resources/{resource_id}/history", summary="Every metadata change")
def get_history(request: Request, resource_id: str) -> list[HistoryOut]:
    with caller(request) as c:
        resource = catalog.get_resource(session=c.session, actor=c.user, resource_id=resource_id)
        return [HistoryOut.of(h) for h in catalog.history(session=c.session, resource=resource)]


@router.get("/resources/{resource_id}/rows", summary="Preview rows of a version")
def get_rows(
    request: Request,
    resource_id: str,
    version: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    platform = get_platform(request)
    with caller(request) as c:
        return rows.preview(
            platform=platform,
            session=c.session,
            actor=c.user,
            resource_id=resource_id,
            version=version,
            limit=limit,
            offset=offset,
        )


@router.get("/stats", summary="Catalog counts for dashboards")
def stats(request: Request) -> dict[str, Any]:
    with caller(request) as c:
        return catalog.catalog_stats(session=c.session, actor=c.user)
