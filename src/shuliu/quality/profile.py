"""Profiles (数据剖析) of a table, computed by the engine in two queries whatever the column count.

Query 1 is one aggregate over every column: row count, nulls, an approximate distinct count
(HyperLogLog), min and max, mean, sample standard deviation, exact quantiles (linear
interpolation, as pandas), zeros and negatives, text lengths.

Query 2 is a UNION ALL of a few small results over stacked per-column inputs (see `_branches`):
the value counts of each column whose approximate distinct count is under `exact_limit` give its
exact distinct count, top values and, for numbers and dates, the histogram; the other numeric and
temporal columns get a histogram from their rows (edges from query 1); text gets shapes (9 a
digit, A a Latin letter, 汉 a CJK character, ␣ white space), blanks and type conformance
(integers, numbers, dates) — computed on the distinct values weighted by their counts, so each
regular expression runs once per distinct value rather than once per row (a shape per row cost
1.4 s per million values).

A column beyond `exact_limit` distinct values keeps the HyperLogLog count and says so
(`distinct_exact`: false; DuckDB's was measured within 2 % at a million values and 8 % at five)
and gets no top values. Shapes, blanks and conformance of a text column with more than SAMPLE
distinct values come from a Bernoulli sample of about SAMPLE rows (`sampled`: the sample's size;
a ratio from 20,000 values is within ±0.7 % at 95 % confidence). The sample is not seeded —
DuckDB runs a seeded sample on one thread, at twice the time — so these figures can differ by
that much between two profiles of the same data; every other figure is exact or deterministic.
"""

from __future__ import annotations

import datetime as dtm
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from shuliu.engine.core import type_name
from shuliu.engine.values import json_value

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
EXACT_LIMIT = 100_000
SAMPLE = 20_000  # rows for the shapes and conformance of a text column with more distinct values than this
TOP = 10
PATTERNS = 5
BINS = 20
APPROX_ERROR = 0.08  # the stated bound of an approximate distinct count (relative)
_CJK = "[\u4e00-\u9fff]"
INTEGER_RE = r"^[+-]?[0-9]+$"
NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def kind_of(dtype: dt.DataType) -> str:
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_numeric():
        return "numeric"
    if dtype.is_date() or dtype.is_timestamp():
        return "temporal"
    if dtype.is_string():
        return "text"
    return "other"


@dataclass(frozen=True)
class _Col:
    name: str
    key: str  # a safe alias prefix (c0, c1, …): column names may be any text
    dtype: dt.DataType
    kind: str


def _seconds(x: Any) -> Any:
    """Seconds since 1970 of a date or timestamp, as a double (Ibis types `epoch_seconds` int32,
    which ends in 2038)."""
    return x.cast("timestamp").epoch_seconds().cast("float64")


def _aggregates(t: ir.Table, c: _Col) -> dict[str, Any]:
    x: Any = t[c.name]
    k = c.key
    out: dict[str, Any] = {f"{k}_nn": x.count(), f"{k}_ad": x.approx_nunique()}
    if c.kind in ("numeric", "text"):
        out[f"{k}_min"], out[f"{k}_max"] = x.min(), x.max()
    elif c.kind == "temporal":
        # as text (DuckDB's ISO form, as top values) and as epoch seconds for the histogram's bins:
        # DuckDB's dates run to the year 5,881,580 and Python's stop at 9999
        lo, hi = x.min(), x.max()
        out[f"{k}_min"], out[f"{k}_max"] = lo.cast("string"), hi.cast("string")
        out[f"{k}_emin"], out[f"{k}_emax"] = _seconds(lo), _seconds(hi)
    if c.kind == "numeric":
        f = x.cast("float64")
        out[f"{k}_mean"] = f.mean()
        out[f"{k}_std"] = f.std(how="sample")
        out[f"{k}_q"] = f.quantile(list(QUANTILES))
        out[f"{k}_zeros"] = (x == 0).sum()
        out[f"{k}_neg"] = (x < 0).sum()
    elif c.kind == "boolean":
        out[f"{k}_true"] = x.cast("int64").sum()
    elif c.kind == "text":
        n = x.length()
        out[f"{k}_lmin"], out[f"{k}_lmax"], out[f"{k}_lmean"] = n.min(), n.max(), n.cast("float64").mean()
    return out


def _from_epoch(seconds: float) -> dtm.datetime:
    """The UTC time of an epoch; beyond the calendar (the last edge of bins ending on 9999-12-31,
    a common "no expiry" value) its first or last instant."""
    try:
        return dtm.datetime(1970, 1, 1, tzinfo=dtm.UTC) + dtm.timedelta(seconds=seconds)
    except OverflowError:
        return (dtm.datetime.max if seconds > 0 else dtm.datetime.min).replace(tzinfo=dtm.UTC)


def _bins(c: _Col, first: dict[str, Any]) -> tuple[float, float, int]:
    """The low edge, width and number of a column's histogram bins, from query 1's min and max:
    20 equal bins of numbers and timestamps (seconds), the last one closed; dates in bins of whole
    days, as many as the range needs up to 20 (a week of dates is seven bins of a day)."""
    if c.kind == "numeric":
        lo, hi = float(first[f"{c.key}_min"]), float(first[f"{c.key}_max"])
    else:  # seconds since 1970 (the engine runs in UTC)
        lo, hi = float(first[f"{c.key}_emin"]), float(first[f"{c.key}_emax"])
    if c.kind == "temporal" and c.dtype.is_date():
        days = round((hi - lo) / 86_400)
        width_days = max(1, math.ceil(days / BINS))
        return lo, width_days * 86_400.0, min(BINS, days // width_days + 1)
    return lo, ((hi - lo) / BINS if hi > lo else 1.0), BINS


def _branches(t: ir.Table, cols: list[_Col], first: dict[str, Any], exact_limit: int) -> list[ir.Table]:
    """The second query's parts, each giving rows (col, kind, v, n), written once over stacked
    per-column inputs rather than once per column: Ibis compiles an expression in time
    proportional to its nodes, and per-column branches cost 5 ms each to build and compile — at a
    million rows more than the queries they stand for.

    * value counts of each column under `exact_limit` distinct values, stacked (col, v, n) → the
      top values (a window per column) and the exact distinct count;
    * text values with their counts, from the value counts when a column has at most SAMPLE
      distinct values, else from a Bernoulli sample of about SAMPLE rows (one sample serves every
      column with the same number of values) → shapes: digits first, then a group by, then the
      rest (a global regular-expression replacement costs per match, about 0.1 µs; digits are what
      makes most values distinct, and their shapes are few — 100,000 e-mail addresses have 5);
      a date cast per distinct value; blank, integer and number read off the shapes (a handful of
      rows: `␣*[+-]?9+␣*` is exactly an integer once white space is trimmed) and packed in one
      row per column ("3,0,12,7" in `v`, the values looked at in `n`);
    * numeric values (from the value counts where there are some: thousands of rows instead of
      millions), dates and timestamps → histograms with edges from query 1 (see `_bins`).
    """
    lit = ibis.literal
    counts: list[ir.Table] = []
    texts: list[ir.Table] = []
    numbers: list[ir.Table] = []
    to_sample: dict[float, list[_Col]] = {}  # sampling fraction → the text columns sampled at it
    for c in cols:
        x: Any = t[c.name]
        approx = int(first[f"{c.key}_ad"] or 0)
        nn = int(first[f"{c.key}_nn"] or 0)
        g: ir.Table | None = None
        if c.kind != "other" and approx <= exact_limit:
            g = t.filter(x.notnull()).group_by(v=x).aggregate(n=ibis._.count())
            counts.append(g.select(col=lit(c.key), v=g.v.cast("string"), n=g.n.cast("int64")))
        if c.kind == "text":
            if g is not None and approx <= SAMPLE:
                texts.append(g.select(col=lit(c.key), v=g.v, n=g.n.cast("int64")))
            else:
                to_sample.setdefault(SAMPLE / nn if nn > SAMPLE else 1.0, []).append(c)
        if c.kind in ("numeric", "temporal") and first.get(f"{c.key}_min") is not None:
            lo, width, bins = _bins(c, first)
            src = g if g is not None else t.filter(x.notnull()).select(v=x, n=lit(1, "int64"))
            value = src.v.cast("float64") if c.kind == "numeric" else _seconds(src.v)
            bucket = ((value - lo) / width).floor().cast("int64").clip(0, bins - 1)
            numbers.append(src.select(col=lit(c.key), b=bucket, n=src.n.cast("int64")))

    for fraction, sampled in to_sample.items():
        # One sample for the columns with the same number of values, taken of a projection made
        # for it: Ibis 12 compiles a sample of a bare table by marking the table node itself, so
        # every other reference to the table in the query would be sampled too. Unseeded: DuckDB
        # runs a seeded sample on one thread, at twice the time.
        rows = t.select(*(c.name for c in sampled))
        rows = rows.sample(fraction) if fraction < 1.0 else rows
        for c in sampled:
            present = rows.filter(rows[c.name].notnull())
            g_text = present.group_by(v=present[c.name]).aggregate(n=ibis._.count())
            texts.append(g_text.select(col=lit(c.key), v=g_text.v, n=g_text.n.cast("int64")))

    parts: list[ir.Table] = []

    def top(rel: ir.Table, kind: str, keep: int) -> None:
        ranked = rel.mutate(rk=ibis.row_number().over(group_by=rel.col, order_by=[ibis.desc(rel.n), rel.v]))
        ranked = ranked.filter(ranked.rk < keep)
        v = ranked.v.substr(0, 40) if kind == "pattern" else ranked.v
        parts.append(ranked.select("col", kind=lit(kind), v=v, n="n"))

    if counts:
        vc = ibis.union(*counts)
        top(vc, "top", TOP)
        d = vc.group_by("col").aggregate(n=vc.count())
        parts.append(d.select("col", kind=lit("distinct"), v=ibis.null("string"), n="n"))
    if texts:
        tx = ibis.union(*texts)
        is_date = tx.v.strip().try_cast("date").notnull()
        per = tx.mutate(s=tx.v.re_replace("[0-9]", "9"), d=ibis.ifelse(is_date, tx.n, 0))
        digits = per.group_by(["col", "s"]).aggregate(n=per.n.sum(), d=per.d.sum())
        rest = digits.s.re_replace("[A-Za-z]", "A").re_replace(_CJK, "汉").re_replace(r"\s", "␣")
        shapes = digits.group_by(["col", rest.name("v")]).aggregate(
            n=digits.n.sum().cast("int64"), d=digits.d.sum().cast("int64")
        )
        top(shapes, "pattern", PATTERNS)
        sh = shapes.v
        packed: Any = None
        for flag in (
            ibis.ifelse(sh.re_search("^␣*$"), shapes.n, 0),
            ibis.ifelse(sh.re_search("^␣*[+-]?9+␣*$"), shapes.n, 0),
            ibis.ifelse(sh.re_search(r"^␣*[+-]?(9+(\.9*)?|\.9+)␣*$"), shapes.n, 0),
            shapes.d,
        ):
            part = flag.sum().cast("int64").cast("string")
            packed = part if packed is None else packed + "," + part
        conf = shapes.group_by("col").aggregate(v=packed, n=shapes.n.sum().cast("int64"))
        parts.append(conf.select("col", kind=lit("conf"), v="v", n="n"))
    if numbers:
        nums = ibis.union(*numbers)
        h = nums.group_by(["col", "b"]).aggregate(n=nums.n.sum().cast("int64"))
        parts.append(h.select("col", kind=lit("hist"), v=h.b.cast("string"), n="n"))
    return parts


def profile_table(
    t: ir.Table,
    *,
    exact_limit: int = EXACT_LIMIT,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """The profile of a table as JSON-ready data (see the module's docstring)."""
    started = time.perf_counter()
    report = progress or (lambda f, s: None)
    cols = [_Col(name, f"c{i}", dtype, kind_of(dtype)) for i, (name, dtype) in enumerate(t.schema().items())]
    exprs: dict[str, Any] = {"rows": t.count()}
    for c in cols:
        exprs.update(_aggregates(t, c))
    report(0.05, "aggregate")
    first = t.aggregate(**exprs).to_pyarrow().to_pylist()[0]
    rows = int(first["rows"])
    report(0.5, "values")
    groups: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    distinct: dict[str, int] = {}  # exact distinct counts
    branches = _branches(t, cols, first, exact_limit) if rows else []
    if branches:
        for r in ibis.union(*branches).to_pyarrow().to_pylist():
            if r["kind"] == "distinct":
                distinct[r["col"]] = int(r["n"])
            else:
                groups.setdefault((r["col"], r["kind"]), []).append((r["v"], int(r["n"])))
    columns = [_column(c, first, groups, distinct.get(c.key), rows) for c in cols]
    return {
        "rows": rows,
        "columns": columns,
        "queries": 1 + (1 if branches else 0),
        "exact_limit": exact_limit,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _ratio(n: int, d: int) -> float:
    return round(n / d, 6) if d else 0.0


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _column(
    c: _Col,
    first: dict[str, Any],
    groups: dict[tuple[str, str], list[tuple[str | None, int]]],
    counted: int | None,
    rows: int,
) -> dict[str, Any]:
    k = c.key
    nn = int(first[f"{k}_nn"] or 0)
    top = sorted(groups.get((k, "top"), []), key=lambda g: (-g[1], g[0] or ""))
    exact = counted is not None or nn == 0
    distinct = counted if counted is not None else (0 if nn == 0 else int(first[f"{k}_ad"] or 0))
    out: dict[str, Any] = {
        "name": c.name,
        "type": type_name(c.dtype),
        "kind": c.kind,
        "nulls": rows - nn,
        "null_ratio": _ratio(rows - nn, rows),
        "distinct": distinct,
        "distinct_exact": exact,
        "distinct_error": 0.0 if exact else APPROX_ERROR,
        "unique": exact and distinct == nn and nn > 0,
        "min": json_value(first.get(f"{k}_min")),
        "max": json_value(first.get(f"{k}_max")),
        "mean": _num(first.get(f"{k}_mean")),
        "stddev": _num(first.get(f"{k}_std")),
        "top": [{"value": v, "count": n} for v, n in top],
    }
    hist = groups.get((k, "hist"))
    if hist is not None and out["min"] is not None:
        lo, width, bins = _bins(c, first)
        counts = [0] * bins
        for v, n in hist:
            counts[int(v or 0)] = n
        edges: list[Any] = [lo + i * width for i in range(bins + 1)]
        if c.kind == "temporal":  # ISO dates or timestamps (UTC)
            as_time = [_from_epoch(e) for e in edges]
            edges = [e.date().isoformat() if c.dtype.is_date() else e.isoformat() for e in as_time]
        out["histogram"] = {"edges": edges, "counts": counts}
    if c.kind == "numeric":
        qs = first.get(f"{k}_q") or [None] * len(QUANTILES)
        out["quantiles"] = {f"p{int(q * 100):02d}": _num(v) for q, v in zip(QUANTILES, qs, strict=True)}
        out["zeros"] = int(first[f"{k}_zeros"] or 0)
        out["negatives"] = int(first[f"{k}_neg"] or 0)
    elif c.kind == "boolean":
        out["true"] = int(first[f"{k}_true"] or 0)
    elif c.kind == "text":
        out["lengths"] = {
            "min": first[f"{k}_lmin"],
            "max": first[f"{k}_lmax"],
            "mean": _num(first[f"{k}_lmean"]),
        }
        packed, checked = groups.get((k, "conf"), [("0,0,0,0", nn)])[0]
        empty, integer, number, date_ = (int(v) for v in (packed or "0,0,0,0").split(","))
        sampled = checked < nn
        out["empty"] = empty if not sampled else (round(empty * nn / checked) if checked else 0)
        out["conformance"] = {
            "integer": _ratio(integer, checked),
            "number": _ratio(number, checked),
            "date": _ratio(date_, checked),
        }
        out["patterns"] = [
            {"pattern": v, "count": n}
            for v, n in sorted(groups.get((k, "pattern"), []), key=lambda g: (-g[1], g[0] or ""))
        ]
        out["sampled"] = checked if sampled else None  # shapes, blanks and conformance from this many values
    return out


# -- comparing two versions' profiles ----------------------------------------------------------------------
def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two profiles: rows, columns added or removed, and per column the
    figures that moved (null ratio, distinct count, mean, min, max, type)."""
    before = {c["name"]: c for c in old["columns"]}
    after = {c["name"]: c for c in new["columns"]}
    columns = []
    for name in [*after, *(n for n in before if n not in after)]:
        a, b = before.get(name), after.get(name)
        if a is None or b is None:
            columns.append({"name": name, "status": "added" if a is None else "removed", "changes": {}})
            continue
        changes = {}
        for field in ("type", "null_ratio", "distinct", "mean", "stddev", "min", "max"):
            if a.get(field) != b.get(field):
                changes[field] = [a.get(field), b.get(field)]
        columns.append({"name": name, "status": "changed" if changes else "same", "changes": changes})
    return {"rows": [old["rows"], new["rows"]], "columns": columns}
