"""The REST API: tokens and sessions, upload → inspect → ingest → resource, problem+json errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shuliu.catalog.models import Resource
from shuliu.platform import Platform
from tests.conftest import PASSWORD, SHARED_DATA, token_for, wait_job

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"
MOE = SHARED_DATA / "gov_tabular/moe_university_list/moe_higher_education_institutions_2025-06-20.xls"
PROBLEM = "application/problem+json"


def upload(client: Any, headers: dict[str, str], path: Path, name: str | None = None) -> dict[str, Any]:
    resp = client.put(
        "/api/v1/uploads", params={"filename": name or path.name}, content=path.read_bytes(), headers=headers
    )
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def register(client: Any, headers: dict[str, str], path: Path, **metadata: Any) -> dict[str, Any]:
    up = upload(client, headers, path)
    resp = client.post(
        "/api/v1/resources",
        headers=headers,
        json={"upload_id": up["upload_id"], "metadata": {"name": path.stem, **metadata}},
    )
    assert resp.status_code == 202, resp.text
    return wait_job(client, resp.json()["id"], headers)


def test_openapi_and_index(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/resources" in spec["paths"] and "/api/v1/uploads" in spec["paths"]
    assert client.get("/api/v1").json()["name"] == "shuliu"
    assert client.get("/api/v1/health").json()["ok"] is True


def test_token_login_and_bad_tokens(client: Any) -> None:
    headers = token_for(client, "provider")
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "provider"
    bad = client.post("/api/v1/auth/token", json={"username": "provider", "password": "wrong-password1"})
    assert bad.status_code == 401 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["type"] == "/problems/authentication-failed"
    for value in ("Bearer sl_nonsense", "Bearer not-a-token", "Basic abc", "Bearer " + "x" * 5000):
        resp = client.get("/api/v1/me", headers={"Authorization": value})
        assert resp.status_code == 401 and resp.headers["content-type"] == PROBLEM, value
    anon = client.get("/api/v1/me")
    assert anon.status_code == 401 and "sign in" in anon.json()["detail"]


def test_revoked_and_expired_tokens(client: Any) -> None:
    headers = token_for(client, "consumer")
    made = client.post("/api/v1/tokens", headers=headers, json={"name": "short", "expires_at": "2000-01-01T00:00:00Z"})
    expired = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/api/v1/me", headers=expired).json()["detail"] == "the API token has expired"
    tokens = client.get("/api/v1/tokens", headers=headers).json()
    assert all("token" not in t or t["token"] is None for t in tokens)  # secrets are never listed
    mine = tokens[-1]["id"]
    assert client.delete(f"/api/v1/tokens/{mine}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_upload_inspect_ingest_search_preview(client: Any, platform: Platform) -> None:
    headers = token_for(client, "provider")
    up = upload(client, headers, GDP)
    assert up["size"] == GDP.stat().st_size and len(up["sha256"]) == 64
    seen = client.post(f"/api/v1/uploads/{up['upload_id']}/inspect", headers=headers, json={}).json()
    assert seen["format"] == "csv" and seen["report"]["encoding"] == "GBK/GB18030"
    assert [c["name"] for c in seen["columns"]][:2] == ["地区", "2024年"] and seen["preview"][0][0] == "北京市"
    job = client.post(
        "/api/v1/resources",
        headers=headers,
        json={
            "upload_id": up["upload_id"],
            "metadata": {
                "name": "各省地区生产总值",
                "summary": "国家统计局分省年度数据",
                "tags": ["GDP"],
                "category": "主题",
                "category_item": "13",
                "open_type": "无条件开放",
            },
        },
    ).json()
    assert job["status"] in ("queued", "running", "succeeded")
    done = wait_job(client, job["id"], headers)
    assert done["status"] == "succeeded", done
    rid = done["result"]["resource_id"]
    resource = client.get(f"/api/v1/resources/{rid}").json()  # anonymous: it is 无条件开放
    assert resource["code"] == "213000000/000001" and resource["rows"] == 31
    assert resource["current_version"] == "v1" and resource["columns"][0]["name"] == "地区"
    found = client.get("/api/v1/resources", params={"q": "生产总值"}).json()
    assert found["count"] == 1 and found["results"][0]["resource_id"] == rid
    rows = client.get(f"/api/v1/resources/{rid}/rows", params={"limit": 2}).json()
    assert rows["rows"][0][0] == "北京市" and rows["total_rows"] == 31
    by_code = client.get(f"/api/v1/resources/{resource['code'].replace('/', '-')}").json()
    assert by_code["id"] == rid
    assert not (platform.settings.uploads_dir / up["upload_id"]).exists()  # the upload was consumed


def test_excel_sheet_option_and_new_version(client: Any) -> None:
    headers = token_for(client, "provider")
    first = register(client, headers, MOE, tags=["教育"])
    assert first["status"] == "succeeded" and first["result"]["rows"] == 2919
    rid = first["result"]["resource_id"]
    up = upload(client, headers, GDP)
    resp = client.post(
        f"/api/v1/resources/{rid}/versions",
        headers=headers,
        json={"upload_id": up["upload_id"], "note": "换成另一份数据"},
    )
    second = wait_job(client, resp.json()["id"], headers)
    assert second["result"]["version"] == "v2"
    versions = client.get(f"/api/v1/resources/{rid}/versions", headers=headers).json()
    assert [v["version"] for v in versions] == ["v2", "v1"] and versions[0]["note"] == "换成另一份数据"
    history = client.get(f"/api/v1/resources/{rid}/history", headers=headers).json()
    assert history[0]["action"] == "new_version"


def test_metadata_patch_rules_and_history(client: Any) -> None:
    headers = token_for(client, "provider")
    rid = register(client, headers, GDP)["result"]["resource_id"]
    bad = client.patch(f"/api/v1/resources/{rid}", headers=headers, json={"share_type": "有条件共享"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["field"] == "share_basis" and "依据" in bad.json()["detail"]
    unknown = client.patch(f"/api/v1/resources/{rid}", headers=headers, json={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "colour"
    ok = client.patch(
        f"/api/v1/resources/{rid}",
        headers=headers,
        json={
            "share_type": "有条件共享",
            "share_basis": "《统计法》",
            "share_condition": "仅用于统计分析",
            "comment": "调整共享类型",
        },
    )
    assert ok.status_code == 200 and ok.json()["share_type"] == "有条件共享"
    cols = client.put(
        f"/api/v1/resources/{rid}/columns", headers=headers, json={"descriptions": {"地区": "省级行政区"}}
    )
    assert cols.json()["columns"][0]["description"] == "省级行政区"
    history = client.get(f"/api/v1/resources/{rid}/history", headers=headers).json()
    assert history[1]["changes"]["share_type"] == ["无条件共享", "有条件共享"]
    assert history[1]["comment"] == "调整共享类型"
    other = token_for(client, "police")
    denied = client.patch(f"/api/v1/resources/{rid}", headers=other, json={"summary": "x"})
    assert denied.status_code == 403 and denied.headers["content-type"] == PROBLEM


def test_problem_detail_is_english_unless_chinese_is_asked_for(client: Any) -> None:
    headers = token_for(client, "provider")
    rid = register(client, headers, GDP)["result"]["resource_id"]
    url = f"/api/v1/resources/{rid}"
    body = {"share_type": "有条件共享"}
    english = client.patch(url, headers=headers, json=body)
    assert english.status_code == 422 and english.headers["content-type"] == PROBLEM
    assert english.json()["detail"] == "有条件共享 needs a stated basis (依据): a law, regulation or policy"
    chinese = client.patch(url, headers={**headers, "Accept-Language": "zh-CN,zh;q=0.9"}, json=body)
    assert chinese.status_code == 422
    problem = chinese.json()
    assert problem["detail"] == "有条件共享须注明依据：法律、法规或政策"
    # Only the detail changes: same members, same structured fields.
    assert problem.keys() == english.json().keys() and problem["field"] == "share_basis"
    assert (
        client.patch(url, params={"lang": "zh_CN"}, headers=headers, json=body)
        .json()["detail"]
        .startswith("有条件共享须注明依据")
    )
    assert (
        "needs a stated basis"
        in client.patch(url, headers={**headers, "Accept-Language": "en-US,en;q=0.9"}, json=body).json()["detail"]
    )
    # Not found, anonymous: English by default, Chinese on request.
    assert client.get("/api/v1/resources/nope").json()["detail"] == "no resource nope"
    assert client.get("/api/v1/resources/nope", headers={"Accept-Language": "zh"}).json()["detail"] == (
        "资源 nope 不存在"
    )


def test_problem_detail_follows_the_web_session_language(client: Any) -> None:
    client.get("/lang/en")  # an anonymous session that chose English
    assert client.get("/api/v1/resources/nope", headers={"Accept-Language": "zh"}).json()["detail"] == (
        "no resource nope"
    )
    client.get("/lang/zh_CN")
    assert client.get("/api/v1/resources/nope").json()["detail"] == "资源 nope 不存在"
    client.cookies.clear()
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        data={"username": "provider", "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    # A signed-in web session reads the pages in Chinese unless switched, so its API errors are too.
    assert client.get("/api/v1/resources/nope").json()["detail"] == "资源 nope 不存在"
    client.get("/lang/en")
    assert client.get("/api/v1/resources/nope").json()["detail"] == "no resource nope"


def test_bad_upload_fails_the_job_with_a_named_line_and_stores_nothing(
    client: Any, platform: Platform, tmp_path: Path
) -> None:
    headers = token_for(client, "provider")
    bad = tmp_path / "ragged.csv"
    bad.write_text("名称,数量\n甲,1\n乙,2,3\n", encoding="utf-8")
    done = register(client, headers, bad)
    assert done["status"] == "failed"
    assert done["error"]["type"] == "ingest-failed" and done["error"]["line"] == 3
    assert "ragged.csv" in done["error"]["message"]
    inspect = client.post(f"/api/v1/uploads/{upload(client, headers, bad)['upload_id']}/inspect", headers=headers)
    assert inspect.status_code == 422 and inspect.json()["line"] == 3
    with platform.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Resource)) == 0
    assert list(platform.store.versions_root.iterdir()) == []


def test_upload_limit_and_empty_upload(client: Any, platform: Platform) -> None:
    headers = token_for(client, "provider")
    limit = platform.settings.max_upload_bytes
    big = client.put("/api/v1/uploads", params={"filename": "big.csv"}, content=b"x" * (limit + 1), headers=headers)
    assert big.status_code == 413 and big.headers["content-type"] == PROBLEM and "big.csv" in big.json()["detail"]

    def stream() -> Any:
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536

    chunked = client.put("/api/v1/uploads", params={"filename": "chunked.csv"}, content=stream(), headers=headers)
    assert chunked.status_code == 413
    empty = client.put("/api/v1/uploads", params={"filename": "empty.csv"}, content=b"", headers=headers)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert list(platform.settings.uploads_dir.iterdir()) == []


def test_uploads_are_private_and_roles_are_enforced(client: Any) -> None:
    provider = token_for(client, "provider")
    up = upload(client, provider, GDP)
    police = token_for(client, "police")
    resp = client.post(
        "/api/v1/resources", headers=police, json={"upload_id": up["upload_id"], "metadata": {"name": "偷来的"}}
    )
    assert resp.status_code == 404
    consumer = token_for(client, "consumer")
    resp = client.put("/api/v1/uploads", params={"filename": "a.csv"}, content=b"a\n1\n", headers=consumer)
    assert resp.status_code == 403
    assert client.get("/api/v1/users", headers=consumer).status_code == 403
    traversal = client.put(
        "/api/v1/uploads", params={"filename": "../../etc/passwd"}, content=b"a\n1\n", headers=provider
    )
    assert traversal.status_code == 201 and traversal.json()["filename"] == "passwd"


def test_sql_source_errors_and_guard(client: Any, platform: Platform) -> None:
    admin = token_for(client, "admin")
    resp = client.post(
        "/api/v1/resources",
        headers=admin,
        json={
            "source_url": "postgresql+psycopg://u:pw@127.0.0.1:1/x",
            "sql_table": "t",
            "metadata": {"name": "外部库", "org": "湖北省统计局"},
        },
    )
    done = wait_job(client, resp.json()["id"], admin)
    assert done["status"] == "failed" and done["error"]["type"] == "source-unavailable"
    assert "pw" not in done["error"]["message"]
    own_url = platform.settings.db_url
    home = str(platform.settings.home)
    disguises = [
        own_url,
        own_url.replace("127.0.0.1", "localhost"),
        own_url.replace(home, home + "/./"),
        own_url.replace("@127.0.0.1:5432/", "@127.0.0.1/"),
        f"sqlite:///{home}/store/../shuliu.db",
    ]
    for url in disguises:
        own = client.post(
            "/api/v1/resources",
            headers=admin,
            json={"source_url": url, "sql_table": "users", "metadata": {"name": "x", "org": "湖北省统计局"}},
        )
        assert own.status_code == 403, url
    provider = token_for(client, "provider")
    local = client.post(
        "/api/v1/resources",
        headers=provider,
        json={"source_url": "sqlite:////etc/passwd.db", "sql_table": "t", "metadata": {"name": "x"}},
    )
    assert local.status_code == 403


def test_session_cookie_needs_csrf_for_writes(client: Any) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        data={"username": "provider", "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert client.get("/api/v1/me").json()["username"] == "provider"  # the cookie works for reads
    denied = client.post("/api/v1/tokens", json={"name": "x"})
    assert denied.status_code == 403 and "CSRF" in denied.json()["detail"]
    csrf = client.get("/").text.split('name="csrf-token" content="')[1].split('"')[0]
    allowed = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 201


def test_validation_errors_are_problems(client: Any) -> None:
    headers = token_for(client, "provider")
    resp = client.get("/api/v1/resources", params={"per_page": 1000})
    assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM
    resp = client.get("/api/v1/resources", params={"q": "a" * 500})
    assert resp.status_code == 400 and resp.json()["type"] == "/problems/bad-query"
    resp = client.post("/api/v1/resources", headers=headers, json={"metadata": {"name": "x"}})
    assert resp.status_code == 422 and resp.json()["field"] == "upload_id"
    assert client.get("/api/v1/resources/res_doesnotexist").status_code == 404
    assert client.get("/api/v1/jobs/job_nope", headers=headers).status_code == 404


@pytest.mark.parametrize("role,visible", [("consumer", 1), ("auditor", 2), ("admin", 2)])
def test_search_respects_roles(client: Any, role: str, visible: int) -> None:
    provider = token_for(client, "provider")
    register(client, provider, GDP, name="共享的")
    register(client, provider, GDP, name="不共享的", share_type="不予共享", share_basis="内部资料")
    found = client.get("/api/v1/resources", headers=token_for(client, role)).json()
    assert found["count"] == visible


def test_change_own_password_and_admin_user_updates(client: Any) -> None:
    headers = token_for(client, "consumer")
    wrong = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "nope-nope-1", "new_password": "brand-new-pass-9"},
    )
    assert wrong.status_code == 401 and wrong.json()["field"] == "current_password"
    weak = client.post(
        "/api/v1/me/password", headers=headers, json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert weak.status_code == 422
    ok = client.post(
        "/api/v1/me/password", headers=headers, json={"current_password": PASSWORD, "new_password": "brand-new-pass-9"}
    )
    assert ok.status_code == 204
    assert client.post("/api/v1/auth/token", json={"username": "consumer", "password": PASSWORD}).status_code == 401
    assert (
        client.post("/api/v1/auth/token", json={"username": "consumer", "password": "brand-new-pass-9"}).status_code
        == 201
    )
    admin = token_for(client, "admin")
    moved = client.patch("/api/v1/users/police", headers=admin, json={"org": "湖北省统计局"})
    assert moved.json()["org"] == "湖北省统计局"  # the answer shows the new organization
    naive = client.post("/api/v1/tokens", headers=admin, json={"name": "x", "expires_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "expires_at"


def test_failed_ingest_keeps_the_upload_for_a_retry(client: Any, platform: Platform, tmp_path: Path) -> None:
    headers = token_for(client, "provider")
    path = tmp_path / "nums.csv"
    path.write_text("名称,值\n甲,1\n乙,1.5\n", encoding="utf-8")
    up = upload(client, headers, path)
    first = client.post(
        "/api/v1/resources",
        headers=headers,
        json={"upload_id": up["upload_id"], "options": {"column_types": {"值": "int64"}}, "metadata": {"name": "数值"}},
    )
    failed = wait_job(client, first.json()["id"], headers)
    assert failed["status"] == "failed" and failed["error"]["column"] == "值" and failed["error"]["line"] == 3
    retry = client.post(
        "/api/v1/resources", headers=headers, json={"upload_id": up["upload_id"], "metadata": {"name": "数值"}}
    )
    done = wait_job(client, retry.json()["id"], headers)
    assert done["status"] == "succeeded"
    assert not (platform.settings.uploads_dir / up["upload_id"]).exists()
