"""质量 in the browser: open the profile charts, add a rule, watch the score change; clean into a
new version and see its lineage (both metadata backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.conftest import ingest_file, run_jobs
from tests.quality.test_service import write_csv

from shuliu.config import Settings
from shuliu.platform import Platform

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"quality_on_ingest": True})


def test_profile_charts_add_a_rule_and_watch_the_score_change(
    platform: Platform, tmp_path: Path, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    job = ingest_file(platform, write_csv(tmp_path / "people.csv", 1000), name="人员信息")
    assert job.status == "succeeded", job.error
    rid = job.result["resource_id"]
    run_jobs(platform)  # the profile and check the ingest queued (unless the server's runner took it)
    sign_in("provider")
    page.goto(f"/resources/{rid}")
    page.click("#tab-profile-btn")
    cards = page.locator(".sl-profile-col")
    expect(cards).to_have_count(11, timeout=20_000)
    age = page.locator('.sl-profile-col[data-column="年龄"]')
    expect(age.locator(".sl-nulls")).to_have_text("0 (0.0%)")
    # ECharts drew the histogram (a canvas inside the chart element) once the tab was shown
    expect(age.locator(".sl-chart canvas")).to_have_count(1)
    shot("1-profile")

    page.click("#tab-quality-btn")
    score = page.locator("#quality-score")
    expect(score).to_be_visible(timeout=20_000)
    before = float(score.inner_text())
    expect(page.locator("#chart-dimensions canvas")).to_have_count(1)
    shot("2-quality")

    page.click("#add-rule summary")
    page.select_option("#rule-check", "range")
    page.select_option("#rule-column", "年龄")
    page.fill("#rule-min", "0")
    page.fill("#rule-max", "150")
    page.click("#add-rule-submit")
    row = page.locator('#rules-table tr[data-rule="range-"]')
    expect(page.locator("#quality-pending")).to_have_count(0, timeout=30_000)
    ranged = page.locator("#rules-table tr[data-rule]").filter(has_text="年龄").filter(has_text="[0, 150]")
    expect(ranged).to_have_count(1)
    expect(ranged.locator(".sl-failed")).to_have_text("9")  # the planted ages -1 and 151
    after = float(page.locator("#quality-score").inner_text())
    assert after != before
    del row
    ranged.get_by_role("button", name="不合格记录").click()
    expect(page.locator(".sl-failing table tbody tr")).to_have_count(9)
    shot("3-rule-added")
    assert not page_errors


def test_clean_into_a_new_version_and_see_the_lineage(
    platform: Platform, tmp_path: Path, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    job = ingest_file(platform, write_csv(tmp_path / "people.csv", 600), name="人员信息")
    rid = job.result["resource_id"]
    run_jobs(platform)
    sign_in("provider")
    page.goto(f"/resources/{rid}#tab-quality")
    page.click("#clean summary")
    page.fill("#clean-recipe", 'steps:\n  - trim: "*"\n  - fill: {column: 姓名, value: 未知}\n')
    page.click("#clean-submit")
    page.wait_for_url("**/jobs/**")
    expect(page.locator("#job")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    page.goto(f"/resources/{rid}")
    page.click("#tab-versions-btn")
    lineage = page.locator("#versions-table .sl-lineage").first
    expect(lineage).to_have_attribute("data-parent", "v1")
    expect(page.locator("#versions-table .sl-clean-steps").first).to_contain_text("fill(姓名)")
    shot("4-lineage")
    assert not page_errors


def test_multi_source_verification_and_the_authoritative_source(
    platform: Platform, tmp_path: Path, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    from tests.quality.test_verify import CHANGED, spec, two_resources

    a, b, counts = two_resources(platform, tmp_path)
    sign_in("provider")
    page.goto("/quality/verifications")
    page.fill("#verify-yaml", spec(a, b))
    page.click("#verify-submit")
    field = page.locator('.sl-verify-field[data-field="出生日期"]')
    expect(field).to_be_visible(timeout=30_000)
    expect(field.locator(".sl-conflicts")).to_have_text(str(CHANGED))
    expect(field.locator(".sl-compared")).to_have_text(f"{counts['shared']:,}")
    expect(field.locator(".sl-conflict-examples tbody tr")).to_have_count(10)
    shot("5-verification")
    form = field.locator(".sl-authority-form")
    form.locator("select").select_option(a)
    form.locator('input[name="reason"]').fill("户籍登记为准")
    form.locator("button").click()
    expect(page.locator('.sl-verify-field[data-field="出生日期"] .sl-authority')).to_have_text("公安人口信息")
    shot("6-authority")
    assert not page_errors
