"""Every profile figure against pandas, computed on the same generated data."""

from __future__ import annotations

import datetime as dtm
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shuliu.engine.core import DataEngine
from shuliu.quality import profile as prof


@pytest.fixture
def engine() -> Iterator[DataEngine]:
    with DataEngine(threads=2, memory_limit="1GB") as e:
        yield e


def generated(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ages = rng.integers(-5, 120, n).astype("float64")
    ages[rng.random(n) < 0.1] = np.nan
    amounts = np.round(rng.normal(5000, 1500, n), 2)
    words = np.array(["男", "女", "未知", "", "  "], dtype=object)
    gender = rng.choice(words, n).astype(object)
    gender[rng.random(n) < 0.05] = None
    codes = np.array([f"{rng.integers(110000, 659999)}" for _ in range(n)], dtype=object)
    start = dtm.date(2000, 1, 1)
    days = [start + dtm.timedelta(days=int(d)) for d in rng.integers(0, 9000, n)]
    mixed = rng.choice(np.array(["12", "3.5", "2024-01-02", "abc", "A1-9"], dtype=object), n)
    return pd.DataFrame(
        {
            "年龄": ages,
            "金额": amounts,
            "性别": gender,
            "区划代码": codes,
            "日期": pd.Series(days, dtype="object"),
            "计数": rng.integers(0, 3, n),
            "混合": mixed,
            "标志": rng.random(n) < 0.3,
            "序号": np.arange(n),
        }
    )


def run(engine: DataEngine, df: pd.DataFrame, **kw: Any) -> dict[str, Any]:
    engine.raw.register("df_view", pa.Table.from_pandas(df, preserve_index=False))
    return prof.profile_table(engine.backend.table("df_view"), **kw)


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_every_figure_equals_pandas(engine: DataEngine) -> None:
    df = generated(20_000)
    got = run(engine, df)
    assert got["rows"] == len(df) and got["queries"] == 2
    cols = {c["name"]: c for c in got["columns"]}
    assert list(cols) == list(df.columns)
    for name in df.columns:
        s, c = df[name], cols[name]
        present = s.dropna()
        assert c["nulls"] == int(s.isna().sum()), name
        assert c["distinct"] == present.nunique() and c["distinct_exact"], name
        # top values: counts, most frequent first, ties by value
        counts = present.astype(str).value_counts() if c["kind"] != "boolean" else None
        if counts is not None and c["kind"] == "text":
            expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: prof.TOP]
            assert [(t["value"], t["count"]) for t in c["top"]] == expected, name
        if c["kind"] == "numeric":
            assert c["min"] == present.min() and c["max"] == present.max(), name
            assert close(c["mean"], float(present.mean())), name
            assert close(c["stddev"], float(present.std(ddof=1))), name
            for q in prof.QUANTILES:
                assert close(c["quantiles"][f"p{int(q * 100):02d}"], float(present.quantile(q))), (name, q)
            assert c["zeros"] == int((present == 0).sum()) and c["negatives"] == int((present < 0).sum())
            hist = c["histogram"]
            assert sum(hist["counts"]) == len(present)
            edges = hist["edges"]
            expected_hist = np.histogram(present.astype(float), bins=np.array(edges))[0].tolist()
            assert hist["counts"] == expected_hist, name
    text = cols["性别"]
    g = df["性别"].dropna()
    assert text["min"] == min(g) and text["max"] == max(g)
    assert text["empty"] == int((g.str.strip() == "").sum())
    assert text["lengths"] == {
        "min": int(g.str.len().min()),
        "max": int(g.str.len().max()),
        "mean": pytest.approx(float(g.str.len().mean())),
    }
    mixed = cols["混合"]["conformance"]
    m = df["混合"]
    assert mixed["integer"] == pytest.approx((m == "12").mean(), abs=1e-6)
    assert mixed["number"] == pytest.approx(m.isin(["12", "3.5"]).mean(), abs=1e-6)
    assert mixed["date"] == pytest.approx((m == "2024-01-02").mean(), abs=1e-6)
    patterns = {p["pattern"]: p["count"] for p in cols["混合"]["patterns"]}
    assert patterns["99"] == int((m == "12").sum()) and patterns["A9-9"] == int((m == "A1-9").sum())
    assert patterns["9999-99-99"] == int((m == "2024-01-02").sum())
    dates = cols["日期"]
    assert dates["kind"] == "temporal" and dates["min"] == min(df["日期"]).isoformat()
    day0 = min(df["日期"])
    days = np.array([(d - day0).days for d in df["日期"]])
    width = math.ceil(days.max() / prof.BINS)  # whole days
    bins = min(prof.BINS, days.max() // width + 1)
    assert dates["histogram"]["counts"] == np.bincount(np.minimum(days // width, bins - 1), minlength=bins).tolist()
    assert dates["histogram"]["edges"] == [
        (day0 + dtm.timedelta(days=int(i * width))).isoformat() for i in range(bins + 1)
    ]
    assert cols["标志"]["true"] == int(df["标志"].sum())
    assert cols["序号"]["unique"] is True and cols["计数"]["unique"] is False


def test_distinct_counts_beyond_the_limit_are_approximate_and_say_so(engine: DataEngine) -> None:
    df = pd.DataFrame({"id": np.arange(300_000), "few": np.arange(300_000) % 7})
    got = {c["name"]: c for c in run(engine, df, exact_limit=100_000)["columns"]}
    ident, few = got["id"], got["few"]
    assert ident["distinct_exact"] is False and ident["distinct_error"] == prof.APPROX_ERROR
    assert abs(ident["distinct"] - 300_000) <= prof.APPROX_ERROR * 300_000
    assert ident["top"] == []  # no value counts for a column of (nearly) unique values
    assert few["distinct_exact"] is True and few["distinct"] == 7


def test_text_with_many_distinct_values_is_shaped_from_a_sample_and_says_so(engine: DataEngine) -> None:
    n = 60_000
    serial = [str(i) if i % 10 == 0 else f"NO{i:06d}" for i in range(n)]
    few = ["甲", "乙 ", "12"] * (n // 3)
    got = {c["name"]: c for c in run(engine, pd.DataFrame({"编号": serial, "类别": few}))["columns"]}
    c = got["编号"]
    assert c["distinct"] == n and c["distinct_exact"]  # value counts stay exact
    assert 0.8 * prof.SAMPLE < c["sampled"] < 1.2 * prof.SAMPLE
    assert c["conformance"]["integer"] == pytest.approx(0.1, abs=0.02)
    assert c["conformance"]["number"] == c["conformance"]["integer"]
    assert c["patterns"][0]["pattern"] == "AA999999"
    assert c["patterns"][0]["count"] == pytest.approx(0.9 * c["sampled"], rel=0.05)
    cat = got["类别"]  # few distinct values: every figure exact, no sample
    assert cat["sampled"] is None and cat["conformance"]["integer"] == pytest.approx(1 / 3, abs=1e-6)
    assert {p["pattern"]: p["count"] for p in cat["patterns"]} == {"汉": n // 3, "汉␣": n // 3, "99": n // 3}


def test_histograms_of_a_week_of_dates_and_of_timestamps(engine: DataEngine) -> None:
    start = dtm.date(2024, 3, 1)
    week = [start + dtm.timedelta(days=i % 7) for i in range(700)]
    stamps = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(700) * 3600, unit="s"))
    got = {c["name"]: c for c in run(engine, pd.DataFrame({"d": week, "ts": stamps}))["columns"]}
    d = got["d"]["histogram"]
    assert d["counts"] == [100] * 7 and d["edges"][0] == "2024-03-01" and d["edges"][-1] == "2024-03-08"
    ts = got["ts"]["histogram"]
    expected = np.histogram(np.arange(700) * 3600.0, bins=prof.BINS)[0].tolist()
    assert ts["counts"] == expected and ts["edges"][0].startswith("2024-01-01T00:00:00")


def test_dates_at_the_ends_of_the_calendar(engine: DataEngine) -> None:
    """9999-12-31 is a common "no expiry" value in government tables: the bins' last edge must not
    leave the calendar."""
    df = pd.DataFrame(
        {
            "有效期至": [dtm.date(2020, 1, 1), dtm.date(9999, 12, 31), dtm.date(2021, 5, 5)] * 5,
            "ts": [dtm.datetime(1, 1, 1), dtm.datetime(9999, 12, 31, 23, 59, 59), dtm.datetime(2020, 1, 1)] * 5,
        }
    ).astype(object)
    got = {c["name"]: c for c in run(engine, df)["columns"]}
    d, ts = got["有效期至"]["histogram"], got["ts"]["histogram"]
    assert sum(d["counts"]) == 15 and d["counts"][0] == 10 and d["counts"][-1] == 5
    assert d["edges"][0] == "2020-01-01" and d["edges"][-1] == "9999-12-31"
    assert ts["counts"][0] == 5 and ts["counts"][-1] == 5 and ts["edges"][0].startswith("0001-01-01")


def test_empty_and_all_null_tables(engine: DataEngine) -> None:
    empty = run(engine, pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="object")}))
    assert empty["rows"] == 0 and all(c["nulls"] == 0 and c["distinct"] == 0 for c in empty["columns"])
    nulls = run(engine, pd.DataFrame({"a": [None, None, None]}, dtype="float64"))
    c = nulls["columns"][0]
    assert c["nulls"] == 3 and c["distinct"] == 0 and c["mean"] is None and c["min"] is None


def test_compare_names_what_moved() -> None:
    a = {
        "rows": 10,
        "columns": [
            {"name": "x", "type": "int64", "null_ratio": 0.0, "distinct": 10, "mean": 4.5},
            {"name": "gone", "type": "string"},
        ],
    }
    b = {
        "rows": 12,
        "columns": [
            {"name": "x", "type": "int64", "null_ratio": 0.1, "distinct": 10, "mean": 5.0},
            {"name": "new", "type": "string"},
        ],
    }
    diff = prof.compare(a, b)
    assert diff["rows"] == [10, 12]
    by = {c["name"]: c for c in diff["columns"]}
    assert by["x"]["status"] == "changed" and by["x"]["changes"] == {"null_ratio": [0.0, 0.1], "mean": [4.5, 5.0]}
    assert by["gone"]["status"] == "removed" and by["new"]["status"] == "added"
