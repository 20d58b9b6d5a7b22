"""End-to-end tests in a real browser: Debian's chromium driven by Playwright against a live server.

Every test runs on SQLite and PostgreSQL (the root `platform` fixture) and keeps full-page
screenshots under test-artifacts/screenshots/<test>-<backend>-<step>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from tests.conftest import SHARED_DATA, ingest_file

from shuliu.catalog.models import Resource
from shuliu.platform import Platform

pytestmark = pytest.mark.browser

GOV = SHARED_DATA / "gov_tabular"
GDP_CSV = GOV / "nbs_provincial_annual" / "gdp_by_province_2006_2024.gbk.csv"
UNIVERSITIES_XLS = GOV / "moe_university_list" / "moe_higher_education_institutions_2025-06-20.xls"
COVID_CSV = GOV / "covid19_daily_cn" / "2020-02-10.csv"
JOB_TIMEOUT_MS = 30_000
PUBLIC = {"share_type": "无条件共享", "open_type": "无条件开放"}


def resource_count(platform: Platform) -> int:
    with platform.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Resource)) or 0)


def ingest(platform: Platform, path: Path, name: str, **meta: Any) -> str:
    """Register a file through the ingest service (as the provider); returns the resource id."""
    job = ingest_file(platform, path, name=name, **meta)
    assert job.status == "succeeded", job.error
    return str(job.result["resource_id"])


def nav_catalog(page: Any) -> Any:
    return page.locator("#nav a.nav-link[href='/catalog']")


# -- 1. sign in ----------------------------------------------------------------------------------------
def test_login(page: Any, sign_in: Any, shot: Any, page_errors: list[str]) -> None:
    page.goto("/")
    expect(page.locator("#whoami")).to_have_count(0)
    expect(page.locator("#nav a.btn", has_text="登录")).to_be_visible()
    shot("1-anonymous")

    response = sign_in("admin", "not-the-password")
    assert response.status == 401
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    expect(page.locator("#username")).to_have_value("admin")  # kept, so only the password is retyped
    expect(page.locator("#whoami")).to_have_count(0)
    shot("2-wrong-password")

    response = sign_in("admin", next_path="/catalog")
    assert response.status == 303
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(page.locator("#whoami")).to_be_visible()
    expect(page.locator("#whoami")).to_contain_text("admin")
    expect(page.locator("#whoami")).to_contain_text("平台管理员")
    expect(page.locator("#nav a.nav-link", has_text="系统管理")).to_be_visible()
    expect(page.locator("#login-error")).to_have_count(0)
    shot("3-signed-in")

    page.goto("/")  # the session cookie carries the sign-in to other pages
    expect(page.locator("#whoami")).to_contain_text("admin")
    assert page_errors == []


# -- 2. upload a GBK CSV and follow the ingest job --------------------------------------------------------
def test_upload_flow(page: Any, sign_in: Any, shot: Any, page_errors: list[str]) -> None:
    name = "各省地区生产总值（测试）"
    sign_in("provider")
    page.click("#nav-upload")
    expect(page).to_have_url(re.compile(r"/upload$"))
    expect(page.locator("#inspect-card")).to_be_hidden()
    expect(page.locator("#meta-card")).to_be_hidden()
    shot("1-upload-page")

    page.set_input_files("#file", str(GDP_CSV))
    progress = page.locator("#upload-progress")
    expect(progress).to_have_text("100%")
    expect(progress).to_have_attribute("style", re.compile(r"width:\s*100%"))
    header = page.locator("#inspect-table thead tr").first.locator("th")
    expect(header.first).to_have_text("地区")
    expect(header.nth(1)).to_have_text("2024年")
    expect(header).to_have_count(20)
    expect(page.locator("#inspect-table tbody")).to_contain_text("北京市")
    summary = page.locator("#inspect-summary")  # format, encoding and the skipped title lines
    expect(summary).to_contain_text("CSV")
    expect(summary).to_contain_text("GBK")
    expect(summary).to_contain_text("数据库：分省年度数据")
    expect(summary).to_contain_text("指标：地区生产总值(亿元)")
    expect(page.locator("#upload-error")).to_be_hidden()
    expect(page.locator("#meta-card")).to_be_visible()
    shot("2-inspected")

    page.fill("#f-name", name)
    page.click("#start-ingest")
    page.wait_for_url(re.compile(r"/jobs/[^/]+$"))
    shot("3-job-page")
    expect(page.locator("#job")).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-progress")).to_have_text("100%")
    expect(page.locator("#job-result")).to_be_visible()
    shot("4-job-succeeded")

    page.click("#job-resource-link")
    page.wait_for_url(re.compile(r"/resources/[^/]+$"))
    expect(page.locator("#resource-name")).to_have_text(name)
    expect(page.locator("#tab-meta")).to_contain_text("湖北省统计局")
    shot("5-resource")

    page.click("#tab-columns-btn")
    columns = page.locator("#columns-table tbody tr")
    expect(columns).to_have_count(20)
    expect(columns.first).to_contain_text("地区")
    expect(page.locator("#tab-columns-btn")).to_contain_text("20")
    shot("6-columns")

    page.click("#tab-preview-btn")
    expect(page.locator("#preview-table")).to_be_visible()
    expect(page.locator("#preview-table")).to_contain_text("北京市")
    shot("7-preview")
    assert page_errors == []


# -- 3. search with facets ---------------------------------------------------------------------------------
def test_search(platform: Platform, page: Any, sign_in: Any, shot: Any, page_errors: list[str]) -> None:
    ingest(platform, GDP_CSV, "各省地区生产总值", tags=["经济", "统计"], **PUBLIC)
    universities = ingest(
        platform, UNIVERSITIES_XLS, "全国高等学校名单", summary="教育部公布的高等学校名单", tags=["教育"], **PUBLIC
    )
    ingest(platform, COVID_CSV, "新冠肺炎疫情每日数据", tags=["卫生健康", "统计"], **PUBLIC)

    sign_in("consumer")
    expect(page.locator("#whoami")).to_contain_text("数据使用方")
    nav_catalog(page).click()
    results = page.locator("#result-list")
    hits = page.locator("#result-list .sl-hit")
    expect(results).to_have_attribute("data-count", "3")
    expect(hits).to_have_count(3)
    page.evaluate("window.__sameDocument = true")  # gone if the page is reloaded
    shot("1-catalog")

    # A facet narrows the results in place (htmx), and the facet list is swapped out-of-band.
    facet = page.locator("#facets input[name=tags][value='统计']")
    expect(facet.locator("xpath=..")).to_contain_text("2")
    facet.check()
    expect(results).to_have_attribute("data-count", "2")
    expect(page.locator("#result-count")).to_contain_text("找到 2 个资源")
    expect(hits).to_have_count(2)
    expect(page.locator(f".sl-hit[data-resource-id='{universities}']")).to_have_count(0)
    expect(page.locator("#facets input[name=tags][value='统计']")).to_be_checked()
    expect(page).to_have_url(re.compile(r"tags=%E7%BB%9F%E8%AE%A1"))
    assert page.evaluate("window.__sameDocument") is True, "the facet reloaded the whole page"
    shot("2-facet")

    page.locator("#facets input[name=tags][value='统计']").uncheck()
    expect(results).to_have_attribute("data-count", "3")
    expect(page).not_to_have_url(re.compile(r"tags="))

    page.fill("#q", "高等学校")
    page.click("#search-button")
    expect(results).to_have_attribute("data-count", "1")
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("data-resource-id", universities)
    expect(hits.first.locator(".card-title")).to_have_text("全国高等学校名单")
    expect(page.locator("#result-count")).to_contain_text("高等学校")
    expect(page).to_have_url(re.compile(r"q=%E9%AB%98%E7%AD%89%E5%AD%A6%E6%A0%A1"))
    assert page.evaluate("window.__sameDocument") is True, "the search reloaded the whole page"
    shot("3-searched")

    hits.first.locator(".card-title a").click()
    page.wait_for_url(re.compile(rf"/resources/{universities}$"))
    expect(page.locator("#resource-name")).to_have_text("全国高等学校名单")
    expect(page.locator("#tab-meta")).to_contain_text("教育部公布的高等学校名单")
    page.click("#tab-preview-btn")
    expect(page.locator("#preview-table tbody tr").first).to_be_visible()
    shot("4-resource")
    assert page_errors == []


# -- 4. language switch --------------------------------------------------------------------------------
def test_language_switch(page: Any, shot: Any, page_errors: list[str]) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(nav_catalog(page)).to_have_text("资源目录")
    shot("1-chinese")

    page.click("a[data-lang=en]")
    expect(nav_catalog(page)).to_have_text("Catalog")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))  # back on the page it was switched from
    shot("2-english")

    nav_catalog(page).click()
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(nav_catalog(page)).to_have_text("Catalog")
    expect(page.locator("#search-button")).to_contain_text("Search")
    shot("3-english-persists")

    page.click("a[data-lang=zh_CN]")
    expect(page).to_have_url(re.compile(r"/catalog$"))
    expect(nav_catalog(page)).to_have_text("资源目录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.goto("/login")
    expect(nav_catalog(page)).to_have_text("资源目录")
    expect(page.locator("h1")).to_have_text("登录")
    shot("4-chinese-again")
    assert page_errors == []


# -- 5. a file that is not a table ----------------------------------------------------------------------
def test_bad_upload(
    platform: Platform, tmp_path: Path, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    ingest(platform, COVID_CSV, "新冠肺炎疫情每日数据", **PUBLIC)
    before = resource_count(platform)
    assert before == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)) * 16 + b"\x00\x00\xff\xfe\x89PNG\r\n\x1a\n" * 64)

    sign_in("provider")
    page.goto("/upload")
    page.set_input_files("#file", str(bad))
    expect(page.locator("#upload-progress")).to_have_text("100%")
    error = page.locator("#upload-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("bad.csv")
    expect(error).to_contain_text("二进制数据")  # the API's problem detail, in the page's language
    expect(page.locator("#meta-card")).to_be_hidden()  # nothing to submit
    shot("1-error")

    assert resource_count(platform) == before
    listed = page.request.get("/api/v1/resources")
    assert listed.ok
    assert listed.json()["count"] == before
    page.goto("/")
    expect(page.locator("[data-stat=resources]")).to_have_text(str(before))
    shot("2-catalog-unchanged")
    assert page_errors == []


# -- 6. edit metadata --------------------------------------------------------------------------------------
SUMMARY = "2020年2月10日各国家和地区疫情数据"
BASIS = "《政务信息资源共享管理暂行办法》第九条"
CONDITION = "仅限卫生健康部门用于疫情防控"
COMMENT = "补充共享依据和条件"


def open_edit_form(platform: Platform, page: Any, sign_in: Any) -> str:
    rid = ingest(platform, COVID_CSV, "新冠肺炎疫情每日数据", summary="原摘要", **PUBLIC)
    sign_in("provider")
    page.goto(f"/resources/{rid}")
    expect(page.locator(".badge", has_text="无条件共享")).to_be_visible()
    page.click("#edit-link")
    page.wait_for_url(re.compile(rf"/resources/{rid}/edit$"))
    expect(page.locator("#f-summary")).to_have_value("原摘要")
    expect(page.locator("#f-share")).to_have_value("无条件共享")
    expect(page.locator("#f-share-basis")).to_have_value("")
    return rid


def save_with_basis_and_check_history(page: Any, rid: str, shot: Any, step: int) -> None:
    page.fill("#f-share-basis", BASIS)
    page.fill("#f-share-condition", CONDITION)
    page.select_option("#f-open", "不予开放")  # 有条件共享 data cannot stay 无条件开放
    page.fill("#f-comment", COMMENT)
    page.click("#save")
    page.wait_for_url(re.compile(rf"/resources/{rid}$"))
    expect(page.locator("#form-error")).to_have_count(0)
    meta = page.locator("#tab-meta")
    expect(meta).to_contain_text(SUMMARY)
    expect(meta).to_contain_text(BASIS)
    expect(meta).to_contain_text(CONDITION)
    expect(page.locator(".badge", has_text="有条件共享")).to_be_visible()
    shot(f"{step}-saved")

    page.click("#tab-history-btn")
    rows = page.locator("#history-table tbody tr")
    expect(rows).to_have_count(3)  # registered, first version, this change
    change = rows.filter(has_text="元数据变更")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("provider")
    expect(change).to_contain_text(COMMENT)
    expect(change).to_contain_text("共享类型")
    expect(change).to_contain_text("无条件共享")
    expect(change).to_contain_text("有条件共享")
    expect(change).to_contain_text("原摘要")
    expect(change).to_contain_text(SUMMARY)
    expect(change).to_contain_text(BASIS)
    expect(rows.filter(has_text="登记")).to_have_count(1)
    expect(rows.first).to_contain_text(COMMENT)  # newest first
    shot(f"{step + 1}-history")


def test_metadata_edit(platform: Platform, page: Any, sign_in: Any, shot: Any, page_errors: list[str]) -> None:
    rid = open_edit_form(platform, page, sign_in)
    before = page.request.get(f"/api/v1/resources/{rid}").json()
    history_before = page.request.get(f"/api/v1/resources/{rid}/history").json()
    shot("1-edit-form")

    page.fill("#f-summary", SUMMARY)
    page.select_option("#f-share", "有条件共享")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/edit")) as posted:
        page.click("#save")
    shot("2-needs-basis")
    assert posted.value.status == 422, f"the invalid form answered HTTP {posted.value.status}"
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator("#form-error")).to_contain_text("依据")
    expect(page.locator("#f-share-basis")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#f-summary")).to_have_value(SUMMARY)  # what the user typed is kept
    expect(page.locator("#f-share")).to_have_value("有条件共享")

    after_error = page.request.get(f"/api/v1/resources/{rid}").json()
    assert after_error["summary"] == "原摘要"
    assert after_error["share_type"] == "无条件共享"
    assert after_error["revision"] == before["revision"]
    assert page.request.get(f"/api/v1/resources/{rid}/history").json() == history_before

    save_with_basis_and_check_history(page, rid, shot, 3)
    assert page_errors == []


def test_metadata_edit_with_basis(
    platform: Platform, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    """The valid half of the edit flow on its own: summary and 有条件共享 with its basis and condition."""
    rid = open_edit_form(platform, page, sign_in)
    shot("1-edit-form")
    page.fill("#f-summary", SUMMARY)
    page.select_option("#f-share", "有条件共享")
    save_with_basis_and_check_history(page, rid, shot, 2)
    history = page.request.get(f"/api/v1/resources/{rid}/history").json()
    assert [h["action"] for h in history].count("updated") == 1
    assert page_errors == []


# -- error pages ------------------------------------------------------------------------------------------
def test_missing_resource_signed_in(page: Any, sign_in: Any, shot: Any) -> None:
    sign_in("consumer")
    response = page.goto("/resources/res_does_not_exist")
    shot("1-not-found")
    assert response is not None
    assert response.status == 404, f"a missing resource answered HTTP {response.status}"
    expect(page.locator("#error-box")).to_have_attribute("data-type", "not-found")
    expect(page.locator("#whoami")).to_contain_text("consumer")
