"""Scanning tables: every type of the spec, decoys, content alone, samples and full scans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from bench import ner

from shuliu.classify.catalogue import types
from shuliu.classify.sample_data import COLUMNS, labelled_table
from shuliu.classify.scan import TableScan, scan_table
from shuliu.engine.core import DataEngine

SPEC_TYPES = {
    "cn_resident_id", "cn_uscc", "cn_org_code", "cn_mobile", "cn_landline", "bank_card", "cn_passport",
    "hk_macao_permit", "taiwan_permit", "cn_plate", "vin", "email", "ipv4", "ipv6", "mac", "imei", "cn_name",
    "cn_address", "cn_ethnicity", "gender", "birth_date", "religion", "marital_status", "geo_coordinate",
    "postcode", "medical_record", "password",
}  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> Iterator[DataEngine]:
    with DataEngine(threads=2, memory_limit="1GB") as e:
        yield e


def scan(engine: DataEngine, table: pa.Table, **kw: Any) -> TableScan:
    name = engine.unique_name("t")
    return scan_table(engine.backend.create_table(name, table), **kw)


def test_the_labelled_table_covers_every_type_of_the_spec() -> None:
    assert {expected for _, expected, _ in COLUMNS} >= SPEC_TYPES
    assert set(types()) >= SPEC_TYPES


def test_every_type_is_found_and_no_decoy_is_flagged(engine: DataEngine) -> None:
    table, expected = labelled_table(3000, seed=11)
    result = scan(engine, table, full=True)
    got = {c.name: c.type for c in result.columns}
    assert got == expected
    assert result.full and result.rows_scanned == 3000
    for c in result.columns:
        if c.type is not None:
            assert 0.5 <= c.match_ratio <= 1.0 and 0.5 <= c.confidence < 1.0, c
            assert c.rules and c.examples, c


def test_content_alone_decides_where_the_standard_allows(engine: DataEngine) -> None:
    """Without telling column names, types the content proves are found; types whose values
    could be anything else (a passport number is any letter and eight digits) are not guessed."""
    table, expected = labelled_table(3000, seed=12)
    anonymous = table.rename_columns([f"col_{i:02d}" for i in range(table.num_columns)])
    result = scan(engine, anonymous, full=True)
    catalogue = types()
    for c, (name, want) in zip(result.columns, expected.items(), strict=True):
        decidable = want is not None and (
            catalogue[want].content in ("strong", "pattern") or catalogue[want].alone is not None
        )
        assert c.type == (want if decidable else None), (name, c.type, c.match_ratio)


def test_examples_are_masked(engine: DataEngine) -> None:
    table, _ = labelled_table(500, seed=13)
    result = scan(engine, table)
    by_name = {c.name: c for c in result.columns}
    raw = set(table.column("公民身份号码").to_pylist()) | set(table.column("登录密码").to_pylist())
    for column in ("公民身份号码", "手机号码", "登录密码", "姓名"):
        examples = by_name[column].examples
        assert examples and all("*" in e for e in examples), column
        assert not raw & set(examples)
    assert by_name["登录密码"].examples == ["********"]


def test_a_sample_is_spread_over_the_table_and_a_full_scan_counts_every_row(engine: DataEngine) -> None:
    """60,000 IDs of which the last 18,000 are corrupted: a sample sees about 70 % valid, a full
    scan exactly 70 %, and both keep the type (over the threshold of 0.6 with the column name)."""
    good, _ = labelled_table(60_000, seed=14, columns=[("身份证号", "cn_resident_id", "resident_id")])
    values = [v for v in good.column(0).to_pylist()]
    values = [v if i < 42_000 or v is None else v[:-1] + ("0" if v[-1] != "0" else "1") for i, v in enumerate(values)]
    table = pa.table({"身份证号": values})
    non_empty = sum(1 for v in values if v)
    valid = sum(1 for i, v in enumerate(values) if v and i < 42_000)
    sampled = scan(engine, table, sample=5000)
    assert 4700 < sampled.rows_scanned < 5300 and not sampled.full
    assert 0.6 < sampled.columns[0].match_ratio < 0.8  # spread over the table, not its head
    full = scan(engine, table, full=True)
    assert full.full and full.rows_scanned == 60_000
    assert full.columns[0].non_empty == non_empty
    assert full.columns[0].type == "cn_resident_id"
    assert full.columns[0].match_ratio == pytest.approx(valid / non_empty, abs=1e-4)


def test_numbers_stored_as_integers_are_read_as_text(engine: DataEngine) -> None:
    table = pa.table(
        {
            "联系电话": pa.array([13800138000 + i * 7919 for i in range(200)], pa.int64()),
            "col": pa.array([13912345678 + i * 104729 for i in range(200)], pa.int64()),
        }
    )
    result = scan(engine, table)
    assert [c.type for c in result.columns] == ["cn_mobile", "cn_mobile"]


def test_place_names_are_not_people(engine: DataEngine) -> None:
    places = ["张江", "王府井", "高新区", "陆家嘴", "黄浦江", "长沙", "丰台", "马尾", "石景山", "金水", "白云", "江汉"]
    table = pa.table({"地点": places * 20, "col_2": places * 20})
    assert [c.type for c in scan(engine, table).columns] == [None, None]


def test_a_column_name_alone_does_not_make_a_type_when_the_data_disagrees(engine: DataEngine) -> None:
    table = pa.table({"身份证号": ["已核验", "未核验", "待核验"] * 50, "手机号码": pa.array([None] * 150, pa.string())})
    result = scan(engine, table)
    assert [c.type for c in result.columns] == [None, None]
    assert result.columns[1].non_empty == 0


def test_password_columns_are_found_by_name_and_never_shown(engine: DataEngine) -> None:
    table = pa.table({"user_pwd": ["s3cret!", "hunter2", "Pa55word"] * 10})
    (c,) = scan(engine, table).columns
    assert c.type == "password" and c.examples == ["********"]


def test_units_in_brackets_are_not_part_of_the_name(engine: DataEngine) -> None:
    table = pa.table({"振动（mm/s）": [1.25, 2.5, 0.75] * 30, "mm": ["a1", "b2", "c3"] * 30})
    assert [c.type for c in scan(engine, table).columns] == [None, "password"]


# -- the labelled NER corpora of ../shared/data/ner ----------------------------------------------------
@pytest.fixture(scope="module")
def ner_columns() -> list[ner.Column]:
    return ner.columns()


def _ner_table(columns: list[ner.Column], headers: bool) -> pa.Table:
    longest = max(len(c.values) for c in columns)
    return pa.table(
        {
            (f"{c.header}_{i:03d}" if headers else f"字段{i:03d}"): list(c.values) + [None] * (longest - len(c.values))
            for i, c in enumerate(columns)
        }
    )


def test_ner_columns_with_their_headers(engine: DataEngine, ner_columns: list[ner.Column]) -> None:
    result = scan(engine, _ner_table(ner_columns, headers=True), full=True)
    wrong = [(c.corpus, c.label, c.expected, r.type) for c, r in zip(ner_columns, result.columns, strict=True)]
    assert [w for w in wrong if w[2] != w[3]] == []


def test_ner_columns_by_content_alone(engine: DataEngine, ner_columns: list[ner.Column]) -> None:
    """Without headers: no decoy column (books, positions, place names, …) gets a type, and most
    name columns are found; news place names (CLUENER "address") are not postal addresses."""
    result = scan(engine, _ner_table(ner_columns, headers=False), full=True)
    pairs = list(zip(ner_columns, result.columns, strict=True))
    assert [(c.corpus, c.label, r.type) for c, r in pairs if c.expected is None and r.type] == []
    assert all(r.type in (None, c.expected) for c, r in pairs)
    names = [r.type == "cn_name" for c, r in pairs if c.expected == "cn_name"]
    assert sum(names) / len(names) >= 0.85
    formal = [r.type for c, r in pairs if c.expected == "cn_name" and c.corpus in ("msra", "resume", "cluener")]
    assert formal == ["cn_name"] * len(formal)  # only Weibo nicknames (宇哥, 刘掌门) are missed


def test_the_table_context_stands_in_for_a_column_name_where_the_spec_allows(engine: DataEngine) -> None:
    """Passport numbers (E + eight digits) could be anything; in a table about 护照 they are passports."""
    numbers = [f"E{n:08d}" for n in range(10_000_000, 10_000_300)]
    table = pa.table({"证件号": numbers, "签发机关": ["公安部出入境管理局"] * 300})
    assert scan(engine, table).columns[0].type is None
    result = scan(engine, table, context="因私护照签发记录")
    assert result.columns[0].type == "cn_passport"
    assert {"rule": "context:护照", "detail": "the table's context names the type"} in result.columns[0].rules
    # The other columns' names are context too.
    with_sibling = pa.table({"号码": numbers, "护照类型": ["普通护照"] * 300})
    assert scan(engine, with_sibling).columns[0].type == "cn_passport"
