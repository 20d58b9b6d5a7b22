"""Server-rendered pages through HTTP: language, search with facets, resource pages, forms with CSRF."""

from __future__ import annotations

import re
from typing import Any

from shuliu.platform import Platform
from tests.conftest import PASSWORD, SHARED_DATA, ingest_file

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"


def csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def sign_in(client: Any, username: str) -> str:
    token = csrf(client.get("/login").text)
    resp = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    return csrf(client.get("/").text)


def public_resource(platform: Platform) -> str:
    job = ingest_file(
        platform,
        GDP,
        name="各省地区生产总值",
        tags=["GDP"],
        open_type="无条件开放",
        category="主题",
        category_item="13",
    )
    return str(job.result["resource_id"])


def test_chinese_by_default_english_on_request(client: Any) -> None:
    home = client.get("/").text
    assert "资源目录" in home and 'lang="zh-CN"' in home
    client.get("/lang/en?next=/")
    assert ">Catalog<" in client.get("/").text
    client.get("/lang/zh_CN")
    assert "资源目录" in client.get("/catalog").text
    assert "Catalog" in client.get("/?lang=en").text


def test_catalog_search_and_htmx_partial(client: Any, platform: Platform) -> None:
    rid = public_resource(platform)
    page = client.get("/catalog", params={"q": "生产总值"}).text
    assert f'data-resource-id="{rid}"' in page and "找到 1 个资源" in page
    assert 'name="share_type" value="无条件共享"' in page  # a facet checkbox
    partial = client.get("/catalog", params={"q": "不存在"}, headers={"HX-Request": "true"}).text
    assert "<html" not in partial and 'data-count="0"' in partial and 'hx-swap-oob="true"' in partial
    bad = client.get("/catalog", params={"q": "x" * 300})
    assert bad.status_code == 400 and "检索条件有误" in bad.text


def test_resource_page_and_preview(client: Any, platform: Platform) -> None:
    rid = public_resource(platform)
    page = client.get(f"/resources/{rid}").text
    assert "各省地区生产总值" in page and "213000000/000001" in page and "信息项" in page
    assert "2024年" in page and "GBK/GB18030" in page
    preview = client.get(f"/resources/{rid}/preview").text
    assert "北京市" in preview and 'id="preview-table"' in preview
    missing = client.get("/resources/res_missing")
    assert missing.status_code == 404 and "未找到" in missing.text


def test_private_rows_are_not_previewed(client: Any, platform: Platform) -> None:
    job = ingest_file(
        platform, GDP, name="内部资源", share_type="有条件共享", share_basis="《统计法》", share_condition="审批"
    )
    rid = job.result["resource_id"]
    sign_in(client, "consumer")
    page = client.get(f"/resources/{rid}").text
    assert 'id="preview-denied"' in page
    assert client.get(f"/resources/{rid}/preview").status_code == 403


def test_edit_form_checks_csrf_and_rules(client: Any, platform: Platform) -> None:
    rid = public_resource(platform)
    anonymous = client.get(f"/resources/{rid}/edit", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    token = sign_in(client, "provider")
    form = {
        "name": "各省地区生产总值",
        "summary": "新的摘要",
        "category": "主题",
        "category_item": "13",
        "share_type": "有条件共享",
        "open_type": "不予开放",
        "update_cycle": "每年",
        "status": "published",
        "revision": "2",
        "desc:地区": "省级行政区",
    }
    no_csrf = client.post(f"/resources/{rid}/edit", data=form)
    assert no_csrf.status_code == 403
    invalid = client.post(f"/resources/{rid}/edit", data={**form, "csrf_token": token})
    assert invalid.status_code == 422 and 'id="form-error"' in invalid.text and "依据" in invalid.text
    ok = client.post(
        f"/resources/{rid}/edit",
        data={
            **form,
            "csrf_token": token,
            "share_basis": "《统计法》",
            "share_condition": "用于统计分析",
            "comment": "收紧共享",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get(f"/resources/{rid}").text
    assert "新的摘要" in page and "收紧共享" in page and "省级行政区" in page
    police = sign_in(client, "police")
    denied = client.get(f"/resources/{rid}/edit")
    assert denied.status_code == 404 and police


def test_failed_job_page_shows_the_error_in_the_page_language(client: Any, platform: Platform, tmp_path: Any) -> None:
    bad = tmp_path / "ragged.csv"
    bad.write_text("名称,数量\n甲,1\n乙,2,3\n", encoding="utf-8")
    job = ingest_file(platform, bad)
    assert job.status == "failed" and job.error["line"] == 3
    assert job.error["message"] == "ragged.csv: line 3 has 3 fields but the header has 2 (extra values: '3')"
    sign_in(client, "provider")
    page = client.get(f"/jobs/{job.id}").text
    assert 'id="job-error"' in page
    assert "ragged.csv：第 3 行有 3 个字段，但表头只有 2 个（多出的值：&#39;3&#39;）" in page
    assert "line 3 has" not in page
    english = client.get(f"/jobs/{job.id}", params={"lang": "en"}).text
    assert "ragged.csv: line 3 has 3 fields but the header has 2" in english


def test_error_pages_and_forms_speak_the_page_language(client: Any, platform: Platform) -> None:
    missing = client.get("/resources/nope")
    assert missing.status_code == 404 and "资源 nope 不存在" in missing.text
    assert "no resource nope" in client.get("/resources/nope", params={"lang": "en"}).text
    token = sign_in(client, "admin")
    weak = client.post(
        "/admin/users", data={"username": "weak", "password": "1", "role": "consumer", "csrf_token": token}
    )
    assert weak.status_code == 422 and "密码至少需要 8 个字符" in weak.text


def test_upload_page_roles_and_login_errors(client: Any) -> None:
    assert client.get("/upload", follow_redirects=False).status_code == 303
    bad = client.post("/login", data={"username": "provider", "password": "nope-nope-1", "next": "/"})
    assert bad.status_code == 401 and 'id="login-error"' in bad.text
    sign_in(client, "consumer")
    assert client.get("/upload").status_code == 404
    sign_in(client, "provider")
    page = client.get("/upload").text
    assert 'id="file"' in page and "开始导入" in page


def test_tokens_and_admin_pages(client: Any) -> None:
    token = sign_in(client, "admin")
    made = client.post("/me/tokens", data={"name": "脚本", "csrf_token": token})
    secret = re.search(r'id="new-token">(sl_[^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"] == "admin"
    admin = client.get("/admin/users").text
    assert "湖北省统计局" in admin and "provider" in admin
    created = client.post(
        "/admin/users",
        data={"username": "newbie", "password": "newbie-pass-1", "role": "consumer", "csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code == 303
    weak = client.post(
        "/admin/users", data={"username": "weak", "password": "1", "role": "consumer", "csrf_token": token}
    )
    assert weak.status_code == 422 and 'id="admin-error"' in weak.text
    sign_in(client, "consumer")
    assert client.get("/admin/users").status_code == 403


def test_logout_voids_the_session(client: Any) -> None:
    token = sign_in(client, "provider")
    assert client.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/api/v1/me").status_code == 401


def test_account_password_and_admin_user_forms(client: Any) -> None:
    token = sign_in(client, "consumer")
    bad = client.post(
        "/me/password", data={"current_password": "wrong-pass-1", "new_password": "another-pass-2", "csrf_token": token}
    )
    assert bad.status_code == 401 and 'id="password-error"' in bad.text and "当前密码不正确" in bad.text
    ok = client.post(
        "/me/password",
        data={"current_password": PASSWORD, "new_password": "another-pass-2", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/api/v1/me").status_code == 200  # this session stays signed in
    admin_token = sign_in(client, "admin")
    changed = client.post(
        "/admin/users/provider",
        data={"role": "consumer", "org": "", "is_active": "on", "csrf_token": admin_token},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert 'value="consumer" selected' in client.get("/admin/users").text.split('data-user="provider"')[1][:2000]
    self_demote = client.post(
        "/admin/users/admin", data={"role": "consumer", "is_active": "on", "csrf_token": admin_token}
    )
    assert self_demote.status_code == 422 and 'id="admin-error"' in self_demote.text
    no_org = client.post(
        "/admin/users/police", data={"role": "provider", "org": "", "is_active": "on", "csrf_token": admin_token}
    )
    assert no_org.status_code == 422
