"""Rules: the planted defects of every dimension counted exactly, the YAML format's errors, scores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import pytest

from shuliu.engine.core import DataEngine
from shuliu.errors import ValidationFailed
from shuliu.quality import rules as R
from tests.quality import planted


@pytest.fixture
def engine() -> Iterator[DataEngine]:
    with DataEngine(threads=2, memory_limit="1GB") as e:
        yield e


def table(engine: DataEngine, arrow: Any) -> ibis.Table:
    engine.raw.register("people", arrow)
    return engine.backend.table("people")


def test_planted_failures_on_every_dimension_are_counted_exactly(engine: DataEngine) -> None:
    t = table(engine, planted.people())
    rs = R.parse(planted.RULES)
    results = R.evaluate(t, rs.rules, R.Context(now=planted.NOW))
    got = {r["id"]: r for r in results}
    assert {k: v["failed"] for k, v in got.items()} == planted.PLANTED
    assert {k: v["dimension"] for k, v in got.items()} == planted.DIMENSION
    assert got["name-filled"]["checked"] == 5000
    assert got["id-unique"]["checked"] == 5000 and got["readable"]["checked"] == 1
    assert got["age-range"]["pass_ratio"] == pytest.approx((5000 - 9) / 5000)
    score, dims = R.scores(results)
    assert set(dims) == set(R.DIMENSIONS)
    assert dims["可访问性"] == 100.0 and dims["完整性"] == pytest.approx(100 * (5000 - 37) / 5000, abs=0.01)
    assert score == pytest.approx(sum(dims.values()) / 6, abs=0.01)


def test_failing_rows_are_exactly_the_planted_ones(engine: DataEngine) -> None:
    t = table(engine, planted.people())
    rs = {r.id: r for r in R.parse(planted.RULES).rules}
    ctx = R.Context(now=planted.NOW)
    ages = R.failing_rows(t, rs["age-range"], ctx, limit=50)
    assert ages is not None
    rows = ages.to_pyarrow().column("年龄").to_pylist()
    assert len(rows) == 9 and all(a in (-1, 151) for a in rows)
    dupes = R.failing_rows(t, rs["id-unique"], ctx, limit=50)
    assert dupes is not None and dupes.to_pyarrow().num_rows == 12
    assert R.failing_rows(t, rs["readable"], ctx) is None
    limited = R.failing_rows(t, rs["name-filled"], ctx, limit=5)
    assert limited is not None and limited.to_pyarrow().num_rows == 5


def test_table_level_checks(engine: DataEngine) -> None:
    import datetime as dtm

    t = table(engine, planted.people(500))
    rules = R.parse("rules: [{check: accessible}, {check: freshness}]").rules
    made = dtm.datetime(2026, 1, 1, tzinfo=dtm.UTC)
    fresh = R.evaluate(
        t, rules, R.Context(now=made + dtm.timedelta(days=20), version_created=made, update_cycle="每月")
    )
    stale = R.evaluate(
        t,
        rules,
        R.Context(now=made + dtm.timedelta(days=40), version_created=made, update_cycle="每月", accessible=False),
    )
    never = R.evaluate(t, rules, R.Context(now=made, version_created=made, update_cycle="不定期"))
    assert [(r["checked"], r["failed"]) for r in fresh] == [(1, 0), (1, 0)]
    assert [(r["checked"], r["failed"]) for r in stale] == [(1, 1), (1, 1)]
    assert never[1]["checked"] == 0 and never[1]["pass_ratio"] == 1.0
    assert R.scores(never)[1] == {"可访问性": 100.0}  # a rule that checked nothing does not count


def test_multi_column_unique_and_compare_and_length(engine: DataEngine) -> None:
    import pyarrow as pa

    t = table(engine, pa.table({"a": [1, 1, 1, 2, None], "b": ["x", "x", "y", "x", "x"], "n": [1, 2, 3, 4, 5]}))
    rules = R.parse(
        """
rules:
  - {check: unique, columns: [a, b]}
  - {check: compare, left: a, op: "<", right: n}
  - {check: length, column: b, min: 2}
  - {check: enum, column: a, values: [1]}
"""
    ).rules
    got = {r["check"]: (r["checked"], r["failed"]) for r in R.evaluate(t, rules, R.Context())}
    assert got == {"unique": (4, 1), "compare": (4, 1), "length": (5, 5), "enum": (4, 1)}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("rules: [{check: nope}]", "unknown check"),
        ("rules: [{check: not_null}]", "`column` is required"),
        ("rules: [{check: pattern, column: a, pattern: '('}]", "not a regular expression"),
        ("rules: [{check: range, column: a}]", "min"),
        ("rules: [{check: type, column: a, type: money}]", "`type` is one of"),
        ("rules: [{check: not_null, column: a, dimension: 好看性}]", "dimension"),
        ("rules: [{check: not_null, column: a, weight: -1}]", "weight"),
        ("rules: [{id: x, check: accessible}, {id: x, check: accessible}]", "used twice"),
        ("format: other/9\nrules: []", "unknown rule format"),
        ("rules: [unclosed", "not valid YAML"),
        ("rules: [{check: compare, left: a, op: '=~', right: b}]", "`op`"),
        ("rules: [{check: reference, column: a, vocabulary: planets}]", "unknown vocabulary"),
        ("rules: [{check: not_null, column: a, id: 'DROP TABLE x;'}]", "the id"),
    ],
)
def test_bad_rule_files_are_named(text: str, needle: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        R.parse(text)
    assert needle in err.value.message


def test_a_rule_on_a_missing_column_and_hostile_values_stay_data(engine: DataEngine) -> None:
    import pyarrow as pa

    t = table(engine, pa.table({"a": ["x'); DROP TABLE people; --", "ok"]}))
    with pytest.raises(ValidationFailed, match="no column"):
        R.evaluate(t, R.parse("rules: [{check: not_null, column: nope}]").rules, R.Context())
    rules = R.parse("""rules: [{check: enum, column: a, values: ["x'); DROP TABLE people; --"]}]""").rules
    assert R.evaluate(t, rules, R.Context())[0]["failed"] == 1
    assert engine.raw.execute("select count(*) from people").fetchone() == (2,)


def test_round_trip_and_generated_ids() -> None:
    rs = R.parse(planted.RULES)
    again = R.parse(rs.to_yaml())
    assert [r.to_dict() for r in again.rules] == [r.to_dict() for r in rs.rules]
    made = R.parse(
        "rules: [{check: not_null, column: 姓名}, {check: not_null, column: 姓名}, {check: unique, column: id}]"
    )
    ids = [r.id for r in made.rules]
    assert len(set(ids)) == 3 and ids[2] == "unique-id" and ids[0].startswith("not-null-")


def test_suggestions_from_a_profile_are_valid_rules(engine: DataEngine) -> None:
    from shuliu.quality.profile import profile_table

    t = table(engine, planted.people(2000))
    prof = profile_table(t)
    found = R.suggest(prof, {"身份证号": "cn_resident_id", "出生日期": "birth_date", "性别": "gender"})
    checks = {(s["rule"]["check"], s["rule"].get("column")) for s in found}
    assert ("type", "身份证号") in checks and ("id_birth", "出生日期") in checks and ("id_gender", "性别") in checks
    assert ("enum", "学历") in checks and ("range", "年龄") in checks
    # every suggestion parses, and the clean columns pass their suggestions on the data they came from
    rules = [R.parse_rule(s["rule"]) for s in found]
    assert all(r.dimension in R.DIMENSIONS for r in rules)
