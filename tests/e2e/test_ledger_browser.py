"""存证 and the audit trail in the browser: an entry with its proof, verified by the server and again by
the page itself (Web Crypto), and the auditor's viewer with filters and export (both backends)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.conftest import SHARED_DATA, ingest_file

from shuliu.platform import Platform

pytestmark = pytest.mark.browser

GDP = SHARED_DATA / "gov_tabular/nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv"


def test_an_entry_verifies_in_the_page_and_the_auditor_finds_it(
    platform: Platform, page: Any, sign_in: Any, shot: Any, page_errors: list[str]
) -> None:
    job = ingest_file(platform, GDP, name="各省地区生产总值")
    assert job.status == "succeeded", job.error
    rid = job.result["resource_id"]

    page.goto("/ledger")  # public: the head of the log and its checkpoints
    expect(page.locator("#ledger-size")).to_have_text("2")
    expect(page.locator("#entries-table")).to_have_count(0)
    sign_in("auditor", next_path="/ledger")
    page.click("#publish-checkpoint")
    expect(page.locator("#latest-checkpoint")).to_contain_text("shuliu.local/ledger\n2\n")
    shot("1-ledger")

    page.locator('#entries-table tr[data-index="0"] a').click()
    expect(page.locator("h1")).to_contain_text("resource.created")
    expect(page.locator("#server-check")).to_have_attribute("data-ok", "true")
    expect(page.locator("#browser-check")).to_have_attribute("data-ok", "true")  # recomputed with Web Crypto
    expect(page.locator("#entry-details")).to_contain_text("各省地区生产总值")  # the act's details, in Chinese
    shot("2-entry")

    page.goto("/audit")
    page.fill("#f-object", rid)
    page.select_option("#f-kind", "act")
    page.click("#audit-filters button[type=submit]")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("resource.new_version")
    expect(page.locator("#audit-count")).to_contain_text("2")
    with page.expect_download() as download:
        page.click("#export-csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert [r["action"] for r in csv.DictReader(io.StringIO(text))] == ["resource.created", "resource.new_version"]
    rows.first.locator("a", has_text="#1").click()  # from the trail to the ledger entry
    expect(page.locator("#browser-check")).to_have_attribute("data-ok", "true")
    shot("3-audit")
    assert page_errors == []
