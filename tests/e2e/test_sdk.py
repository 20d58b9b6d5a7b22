"""The Python SDK against a live server (real HTTP): register a file, classify it, review a label."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.conftest import PASSWORD

from shuliu.classify.sample_data import labelled_table
from shuliu.sdk.client import ApiError, Client

COLUMNS = [("姓名", "cn_name", "name"), ("手机号码", "cn_mobile", "mobile"), ("办理状态", None, "status")]


def test_sdk_ingest_classify_review(live_server: str, tmp_path: Path) -> None:
    table, _ = labelled_table(200, seed=41, columns=COLUMNS)
    path = tmp_path / "联系人.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.column_names)
        for row in zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True):
            w.writerow(["" if v is None else v for v in row])
    with Client.login(live_server, "provider", PASSWORD) as api:
        done = api.ingest(path, name="联系人名录")
        rid = done["result"]["resource_id"]
        graded = api.classify(rid, full=True)
        assert graded["result"]["level"] == "一般数据4级"  # 姓名 + 手机号码
        labels = {x["column"]: x for x in api.labels(rid)["labels"]}
        assert labels["手机号码"]["type"] == "cn_mobile"
        assert api.review(rid, "手机号码", "confirm", reason="已核对")["status"] == "confirmed"
        assert api.review(rid, "办理状态", "correct", type=None, reason="非个人信息")["status"] == "rejected"
        assert {t["id"] for t in api.templates()} >= {"gb-t-43697-2024"}
        with pytest.raises(ApiError) as err:
            api.review(rid, "姓名", "reject")
        assert err.value.status == 422
