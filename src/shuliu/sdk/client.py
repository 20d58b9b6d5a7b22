"""The Python SDK: a thin, typed client over the REST API (httpx).

from shuliu.sdk import Client
with Client("http://127.0.0.1:8000", token="sl_…") as sl:
    job = sl.ingest("gdp.csv", name="各省地区生产总值", tags=["GDP"])
    print(sl.search("生产总值")["count"])
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

CHUNK = 1 << 20


class ApiError(Exception):
    """An RFC 9457 problem returned by the server."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.type = str(problem.get("type", "")).rsplit("/", 1)[-1]
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


class JobFailed(Exception):
    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        error = job.get("error") or {}
        super().__init__(f"job {job['id']} failed ({error.get('type')}): {error.get('message')}")


class Client:
    """One server, one token. Every method returns the API's JSON as dicts."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    @classmethod
    def login(cls, base_url: str, username: str, password: str, **kwargs: Any) -> Client:
        """A client holding a new token for this user."""
        anon = cls(base_url, **kwargs)
        token = anon._call("POST", "/api/v1/auth/token", json={"username": username, "password": password})["token"]
        anon.close()
        return cls(base_url, token, **kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.http.request(method, path, **kwargs)
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"title": resp.reason_phrase, "detail": resp.text[:500]}
            raise ApiError(resp.status_code, problem)
        return resp.json() if resp.content else None

    # -- identity -------------------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/me")

    # -- catalog --------------------------------------------------------------------------------
    def search(
        self, q: str = "", *, sort: str = "relevance", page: int = 1, per_page: int = 20, **filters: str | list[str]
    ) -> dict[str, Any]:
        """Full-text search with facet filters (provider, category, share_type, open_type, format, tags…)."""
        params: list[tuple[str, str | int]] = [("q", q), ("sort", sort), ("page", page), ("per_page", per_page)]
        for key, value in filters.items():
            for v in [value] if isinstance(value, str) else value:
                params.append((key, v))
        return self._call("GET", "/api/v1/resources", params=params)

    def resource(self, resource_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/resources/{resource_id}")

    def update(self, resource_id: str, *, comment: str = "", **fields: Any) -> dict[str, Any]:
        body = {**fields, "comment": comment}
        return self._call("PATCH", f"/api/v1/resources/{resource_id}", json=body)

    def versions(self, resource_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/resources/{resource_id}/versions")

    def history(self, resource_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/resources/{resource_id}/history")

    def rows(self, resource_id: str, *, version: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if version:
            params["version"] = version
        return self._call("GET", f"/api/v1/resources/{resource_id}/rows", params=params)

    # -- ingest ---------------------------------------------------------------------------------
    def upload(self, path: str | Path) -> dict[str, Any]:
        """Stream a file to the server; returns {upload_id, size, sha256}."""
        path = Path(path)

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while block := fh.read(CHUNK):
                    yield block

        return self._call(
            "PUT",
            "/api/v1/uploads",
            params={"filename": path.name},
            content=chunks(),
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(path.stat().st_size)},
        )

    def inspect(self, upload_id: str, **options: Any) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/uploads/{upload_id}/inspect", json=options)

    def ingest(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        resource_id: str | None = None,
        options: dict[str, Any] | None = None,
        wait: bool = True,
        note: str = "",
        **metadata: Any,
    ) -> dict[str, Any]:
        """Upload a file and register it as a new resource (or a new version of `resource_id`)."""
        up = self.upload(path)
        body: dict[str, Any] = {"upload_id": up["upload_id"], "options": options or {}}
        if resource_id:
            job = self._call("POST", f"/api/v1/resources/{resource_id}/versions", json={**body, "note": note})
        else:
            body["metadata"] = {"name": name or Path(path).stem, **metadata}
            job = self._call("POST", "/api/v1/resources", json=body)
        return self.wait(job["id"]) if wait else job

    def ingest_sql(
        self,
        source_url: str,
        *,
        name: str,
        table: str | None = None,
        query: str | None = None,
        wait: bool = True,
        **metadata: Any,
    ) -> dict[str, Any]:
        """Register a table or query of a database (SQLAlchemy URL) as a resource."""
        body = {
            "source_url": source_url,
            "sql_table": table,
            "sql_query": query,
            "metadata": {"name": name, **metadata},
        }
        job = self._call("POST", "/api/v1/resources", json=body)
        return self.wait(job["id"]) if wait else job

    # -- 数据分类分级 -------------------------------------------------------------------------------
    def classify(
        self,
        resource_id: str,
        *,
        template: str | None = None,
        sample: int | None = None,
        full: bool = False,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Scan and grade the current version; the finished job's result holds level and columns."""
        body = {"template": template, "sample": sample, "full": full}
        job = self._call("POST", f"/api/v1/resources/{resource_id}/classify", json=body)
        return self.wait(job["id"]) if wait else job

    def labels(self, resource_id: str, *, version: str | None = None) -> dict[str, Any]:
        """Column labels with evidence and review status, and the resource's level."""
        params = {"version": version} if version else None
        return self._call("GET", f"/api/v1/resources/{resource_id}/labels", params=params)

    def review(
        self, resource_id: str, column: str, action: str, *, type: str | None = None, reason: str = ""
    ) -> dict[str, Any]:
        """confirm, reject (with a reason), correct (to `type`, None = not sensitive) or reopen a label."""
        body = {"action": action, "type": type, "reason": reason}
        return self._call("POST", f"/api/v1/resources/{resource_id}/labels/{column}", json=body)

    def templates(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/classification/templates")

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/jobs/{job_id}")

    def wait(self, job_id: str, *, timeout: float = 3600, interval: float = 0.5) -> dict[str, Any]:
        """Poll a job until it ends; raise JobFailed if it failed."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] == "succeeded":
                return job
            if job["status"] in ("failed", "cancelled"):
                raise JobFailed(job)
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout}s")
            time.sleep(interval)
