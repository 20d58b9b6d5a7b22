"""数据分类分级 in the browser: review a proposal, confirm it, see the level on the resource page,
in the search facets and on the dashboard (both metadata backends)."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.conftest import ingest_file, run_jobs

from shuliu.classify.sample_data import labelled_table
from shuliu.config import Settings
from shuliu.jobs import service as jobs
from shuliu.platform import Platform

pytestmark = pytest.mark.browser

COLUMNS = [
    ("姓名", "cn_name", "name"),
    ("公民身份号码", "cn_resident_id", "resident_id"),
    ("手机号码", "cn_mobile", "mobile"),
    ("性别", "gender", "gender"),
    ("办理状态", None, "status"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"classify_on_ingest": True})


def people_resource(platform: Platform, tmp_path: Path) -> str:
    table, _ = labelled_table(300, seed=31, columns=COLUMNS)
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
            w.writerow(["" if v is None else v for v in row])
    job = ingest_file(platform, path, name="居民信息登记表")
    assert job.status == "succeeded", job.error
    run_jobs(platform)  # the classification the ingest queued (unless the server's runner took it)
    (follow,) = job.result["followups"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with platform.db.session() as s:
            if jobs.get(session=s, job_id=follow["job_id"]).status == "succeeded":
                return str(job.result["resource_id"])
        time.sleep(0.1)
    raise AssertionError("the classification job did not finish")


def test_review_a_proposal_and_see_the_level(
    platform: Platform, tmp_path: Path, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    rid = people_resource(platform, tmp_path)
    sign_in("provider")
    page.goto(f"/resources/{rid}")
    expect(page.locator("#resource-level-badge")).to_have_text("一般数据4级")
    page.click("#tab-labels-btn")
    table = page.locator("#labels-table")
    expect(table).to_be_visible()
    ident = table.locator('tr[data-column="公民身份号码"]')
    expect(ident).to_have_attribute("data-status", "proposed")
    expect(ident).to_contain_text("居民身份证号")
    expect(ident).to_contain_text("一般数据4级")
    ident.locator("summary", has_text="详情").click()  # the evidence: rules, ratios, masked examples
    expect(ident).to_contain_text("name:公民身份号码")
    expect(ident.locator("code", has_text=re.compile(r"\*{4,}")).first).to_be_visible()
    shot("1-proposed")

    ident.locator('button[data-action="confirm"]').click()
    expect(table.locator('tr[data-column="公民身份号码"]')).to_have_attribute("data-status", "confirmed")
    expect(table.locator('tr[data-column="公民身份号码"]')).to_contain_text("provider")

    gender = table.locator('tr[data-column="性别"]')
    gender.locator('button[data-action="reject"]').click()  # no reason given: refused, and said why
    expect(page.locator("#review-error")).to_contain_text("原因")
    expect(gender).to_have_attribute("data-status", "proposed")
    gender.locator('input[name="reason"]').first.fill("此列为业务分类代码")
    gender.locator('button[data-action="reject"]').click()
    expect(table.locator('tr[data-column="性别"]')).to_have_attribute("data-status", "rejected")
    shot("2-reviewed")

    page.reload()  # decisions are stored, not only shown
    page.click("#tab-labels-btn")
    expect(page.locator('#labels-table tr[data-column="公民身份号码"]')).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#resource-level-badge")).to_have_text("一般数据4级")

    page.goto("/catalog")
    facet = page.locator("#facets")
    expect(facet).to_contain_text("一般数据4级")
    expect(facet).to_contain_text("居民身份证号")
    level_box = facet.locator('input[name="level"][value="一般数据4级"]')
    level_box.check()
    expect(page.locator("#results")).to_contain_text("居民信息登记表")
    expect(page.locator('#results [data-level="一般数据4级"]').first).to_be_visible()
    shot("3-facets")

    page.goto("/classification")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    pending = page.locator(f'#pending-table tr[data-resource="{rid}"]')
    expect(pending).to_contain_text("居民信息登记表")  # 姓名, 手机号码 are still proposed
    expect(page.locator("#templates-table")).to_contain_text("GB/T 43697-2024")
    shot("4-dashboard")
    pending.locator("a").click()  # straight to the labels tab of the resource
    expect(page.locator("#labels-table")).to_be_visible()
    assert page_errors == []
