"""Production mode: web processes only queue jobs (SHULIU_JOBS_MODE=worker); `shuliu worker` runs them."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from fastapi.testclient import TestClient

from shuliu.api.app import create_app
from shuliu.config import Settings
from shuliu.platform import Platform
from tests.conftest import SHARED_DATA, subprocess_env, token_for

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"


def test_queued_by_the_web_run_by_the_worker(settings: Settings, users: dict[str, Any]) -> None:
    web = Platform(settings.model_copy(update={"jobs_mode": "worker", "classify_on_ingest": True}))
    with TestClient(create_app(web)) as client:
        headers = token_for(client, "provider")
        up = client.put("/api/v1/uploads", params={"filename": GDP.name}, content=GDP.read_bytes(), headers=headers)
        job = client.post(
            "/api/v1/resources",
            headers=headers,
            json={"upload_id": up.json()["upload_id"], "metadata": {"name": "各省地区生产总值"}},
        ).json()
        assert web.runner is None  # this web process runs no jobs
        assert client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()["status"] == "queued"
        env = subprocess_env(
            SHULIU_HOME=str(settings.home), SHULIU_SECRET_KEY="cli-test", SHULIU_CLASSIFY_ON_INGEST="true"
        )
        if settings.database_url:
            env["SHULIU_DATABASE_URL"] = settings.database_url
        proc = subprocess.run(
            [sys.executable, "-m", "shuliu.cli.main", "worker", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert "ran 2 job(s)" in proc.stderr  # the ingest, then the classification it queued
        done = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
        assert done["status"] == "succeeded" and done["result"]["rows"] == 31
        resource_id = done["result"]["resource_id"]
        assert client.get(f"/api/v1/resources/{resource_id}", headers=headers).status_code == 200
        (follow,) = done["result"]["followups"]
        graded = client.get(f"/api/v1/jobs/{follow['job_id']}", headers=headers).json()
        assert graded["status"] == "succeeded", graded["error"]
        labels = client.get(f"/api/v1/resources/{resource_id}/labels", headers=headers).json()
        assert labels["level"] == "一般数据1级" and len(labels["labels"]) == 20  # statistics: nothing personal
    web.close()
