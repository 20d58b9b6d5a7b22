"""Shared fixtures: a real platform per test on SQLite or PostgreSQL, users, an HTTP client.

Every fixture that touches the metadata database is parametrised over both backends. PostgreSQL
tests create a database per test from a migrated template (fast) and drop it afterwards. Under
CI (CI=true) nothing may be skipped: a skip is turned into a failure.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from shuliu.config import Settings
from shuliu.platform import Platform

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
PG_ADMIN_URL = os.environ.get("SHULIU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "test-pass-123"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (CI=true), which is not allowed: {report.longrepr}"


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # the reason is shown in the skip message
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head, used as the template of every test database."""
    reason = _pg_available()
    if reason:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {reason}")
    name = f"shuliu_tmpl_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    from shuliu.db import migrate
    from shuliu.db.session import Database

    db = Database(url)
    migrate.upgrade(db.engine)
    db.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_pg_database(template: str) -> tuple[str, str]:
    name = f"shuliu_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (production keeps argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    from shuliu.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite metadata database migrated to head once; tests copy it."""
    from shuliu.db import migrate
    from shuliu.db.session import Database

    path = tmp_path_factory.mktemp("tmpl") / "shuliu.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    if backend == "sqlite":
        import shutil

        (tmp_path / "home").mkdir(exist_ok=True)
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "home" / "shuliu.db")
        yield None
        return
    template = request.getfixturevalue("pg_template")
    name, url = make_pg_database(template)
    yield url
    drop_pg_database(name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test-secret",
        engine_memory_limit="1GB",
        max_upload_bytes=5 * 1024 * 1024,
        # Classification after every ingest is tested where it matters (tests/classify, the worker
        # and browser tests); elsewhere it would only add a job to every ingest.
        classify_on_ingest=False,
        quality_on_ingest=False,
    )


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    plat = Platform(settings)
    yield plat
    plat.close()


@pytest.fixture
def users(platform: Platform) -> dict[str, Any]:
    """Two organizations and one user per role (plus a provider of the second organization)."""
    from shuliu.auth import service as auth

    with platform.db.session() as s:
        stats = auth.create_org(session=s, code="11420000MB1234567X", name="湖北省统计局")
        police = auth.create_org(session=s, code="11420000MB7654321Y", name="湖北省公安厅")
        made = {
            "admin": auth.create_user(session=s, username="admin", password=PASSWORD, role="admin"),
            "provider": auth.create_user(
                session=s, username="provider", password=PASSWORD, role="provider", org=stats.code
            ),
            "police": auth.create_user(
                session=s, username="police", password=PASSWORD, role="provider", org=police.code
            ),
            "consumer": auth.create_user(session=s, username="consumer", password=PASSWORD, role="consumer"),
            "auditor": auth.create_user(session=s, username="auditor", password=PASSWORD, role="auditor"),
        }
        return {k: v.id for k, v in made.items()} | {"org_stats": stats.code, "org_police": police.code}


def user(platform: Platform, name: str) -> Any:
    from shuliu.auth import service as auth

    with platform.db.session() as s:
        return auth.get_user(session=s, ref=name)


def run_jobs(platform: Platform) -> None:
    from shuliu.jobs.service import Runner

    Runner(platform).run_pending()


def ingest_file(
    platform: Platform,
    path: Path,
    *,
    actor: str = "provider",
    name: str | None = None,
    resource_id: str | None = None,
    options: Any = None,
    **meta: Any,
) -> Any:
    """Queue and run an ingest; returns the finished job (check .status / .result / .error)."""
    from shuliu.catalog import ingest
    from shuliu.catalog.schemas import ResourceCreate
    from shuliu.jobs import service as jobs

    with platform.db.session() as s:
        from shuliu.auth import service as auth

        who = auth.get_user(session=s, ref=actor)
        resource = None if resource_id else ResourceCreate(name=name or path.stem, **meta)
        job = ingest.submit(
            platform=platform,
            session=s,
            actor=who,
            source_path=path,
            resource=resource,
            resource_id=resource_id,
            options=options,
            local=True,
        )
        job_id = job.id
    if jobs.claim(platform, job_id, "test"):
        return jobs.execute(platform, job_id)
    # A running app's background runner (the `client` fixture) took the job first: wait for it.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with platform.db.session() as s:
            found = jobs.get(session=s, job_id=job_id)
            if found.status in ("succeeded", "failed", "cancelled"):
                return found
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def wait_job(client: Any, job_id: str, headers: dict[str, str] | None = None, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


@pytest.fixture
def app(platform: Platform) -> Any:
    from shuliu.api.app import create_app

    return create_app(platform)


@pytest.fixture
def client(app: Any, users: dict[str, Any]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a `shuliu` subprocess: bytecode cached across runs (some sandboxes set
    PYTHONDONTWRITEBYTECODE, which makes every CLI call recompile its imports)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SHULIU_DATABASE_URL")}
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / ".pytest_cache" / "pycache")
    env.setdefault("SHULIU_CLASSIFY_ON_INGEST", "false")
    env.setdefault("SHULIU_QUALITY_ON_INGEST", "false")
    return {**env, **extra}


def token_for(client: Any, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 201, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}
