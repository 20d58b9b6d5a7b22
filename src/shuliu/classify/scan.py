"""Scanning a table's columns for sensitive-data types: names and content, sampled or in full.

First a sample of a few thousand rows, spread over the table, is held in memory and every detector
runs on every column of it — in one query over the sample's columns stacked into one, so that each
detector appears once in the SQL however many columns there are. Then a full scan (or a larger
sample) counts, in a single pass, only the types the sample or the column name made plausible. A
column gets a type when the share of its non-empty values that match passes the type's threshold;
the result carries that ratio, a confidence, the rules that fired and a few masked examples.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from shuliu.classify import detectors
from shuliu.classify.catalogue import SensitiveType, lexicon_table, types

DEFAULT_SAMPLE = 5000
PLAUSIBLE = 0.05  # a type the sample hints at this much is checked in the full scan
NAME_THRESHOLD = 0.5  # with the column name agreeing, this share of values must fit the shape


@dataclass
class TypeEvidence:
    type: str
    strict: int
    loose: int
    name_hit: str | None
    context_hit: str | None = None


@dataclass
class ColumnScan:
    name: str
    dtype: str
    rows: int
    non_empty: int
    evidence: dict[str, TypeEvidence] = field(default_factory=dict)
    type: str | None = None
    match_ratio: float = 0.0
    confidence: float = 0.0
    rules: list[dict[str, Any]] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "confidence": round(self.confidence, 3),
            "match_ratio": round(self.match_ratio, 4),
            "non_empty": self.non_empty,
            "rows": self.rows,
            "rules": self.rules,
            "examples": self.examples,
        }


@dataclass
class TableScan:
    columns: list[ColumnScan]
    rows_total: int
    rows_scanned: int
    full: bool
    seconds: float


# -- column names ----------------------------------------------------------------------------------
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_tokens(column: str) -> set[str]:
    """The whole name and its tokens, lower case (split at _ - . space, camelCase and digits)."""
    spaced = _CAMEL.sub(" ", column)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    whole = re.sub(r"[^a-z0-9]", "", column.lower())
    return {*parts, whole, "_".join(parts)} - {""}


UNITS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")


def name_hits(column: str) -> dict[str, str]:
    """type id → the dictionary entry the column name matched.

    Units in brackets are not part of the name (振动（mm/s） is not a 密码 "mm"), and short tokens
    (pinyin initials such as xm, mm, dz) count only as the whole name: inside a longer name they are
    too often something else. Where the content cannot decide, a short token never suffices."""
    bare = UNITS.sub("", column).strip() or column
    tokens = name_tokens(bare)
    whole = re.sub(r"[^a-z0-9]", "", bare.lower())
    plain = re.sub(r"[\s：:、，,/\\-]", "", bare)
    lowered = plain.lower()
    hits: dict[str, str] = {}
    for t in types().values():
        # Dictionary words with Chinese in them match inside the name; ASCII ones (IP, IMEI) as tokens.
        hit = next((n for n in t.names if (n.lower() in lowered if not n.isascii() else n.lower() in tokens)), None)
        if hit is None:
            hit = next((tok for tok in t.tokens if (tok in tokens if len(tok) > 3 else tok == whole)), None)
        if hit is not None:
            hits[t.id] = hit
    if hits.get("cn_address") == "地址" and re.search(r"(?i)ip|mac|邮件|邮箱|网络|网址|物理", plain):
        del hits["cn_address"]  # IP地址, MAC地址, 邮件地址 are not postal addresses
    return hits


def context_hits(context: str) -> dict[str, str]:
    """type id → the Chinese dictionary word found in the table's context, for the types that
    allow it (types.yaml `context: true`): the resource's name, summary and tags, and the names of
    the other columns."""
    plain = re.sub(r"\s", "", context)
    out: dict[str, str] = {}
    for t in types().values():
        if t.context:
            hit = next((n for n in t.names if not n.isascii() and len(n) >= 2 and n in plain), None)
            if hit is not None:
                out[t.id] = hit
    return out


# -- masking ---------------------------------------------------------------------------------------
# Closed vocabularies: a value (男, 汉族, 已婚) identifies nobody, and masked it would show nothing.
SHOWN_AS_IS = ("gender", "cn_ethnicity", "marital_status", "religion")


def mask_example(type_id: str | None, value: str) -> str:
    """A value with most of it hidden, enough to see its shape (never the whole value), except
    for the values of closed vocabularies (SHOWN_AS_IS)."""
    v = str(value)
    n = len(v)
    if type_id in SHOWN_AS_IS:
        return v
    if type_id in ("cn_name",):
        return v[0] + "*" * (n - 1)
    if type_id in ("cn_address", "medical_record", "cn_org_name"):
        keep = min(6, max(1, n // 2))
        return v[:keep] + "*" * min(8, n - keep)
    if type_id == "email" and "@" in v:
        local, _, domain = v.partition("@")
        return local[:1] + "***@" + domain
    if type_id == "password":
        return "*" * min(8, n)
    if n <= 2:
        return "*" * n
    if n <= 6:
        return v[0] + "*" * (n - 2) + v[-1]
    head = 3 if n < 12 else 6
    tail = 2 if n < 12 else 4
    return v[:head] + "*" * (n - head - tail) + v[-tail:]


# -- detectors per column ----------------------------------------------------------------------------
def _prepared(col: ir.Value) -> ir.Value:
    """What the detectors read: numbers and times as they are, everything else as trimmed text."""
    dtype = col.type()
    if dtype.is_floating() or dtype.is_decimal() or dtype.is_temporal():
        return col
    if dtype.is_boolean() or dtype.is_nested() or dtype.is_binary():
        return ibis.null("string")
    text = col if dtype.is_string() else col.cast("string")
    return trimmed(text)


def _is_text(col: ir.Value) -> bool:
    return _prepared(col).type().is_string()


# Whitespace around a value: ASCII, the ideographic space of Chinese text, no-break space.
_EDGE_SPACE = "[\\s\u3000\u00a0]"
_SPACES = (" ", "\t", "\n", "\r", "\u3000", "\u00a0")


def trimmed(s: ir.StringValue) -> ir.StringValue:
    """`s` without surrounding whitespace. Ibis's strip() compiles to TRIM(s, chars), which DuckDB
    runs five times slower than a few prefix and suffix tests; most values have nothing to trim."""
    edge: Any = ibis.literal(False)
    for c in _SPACES:
        edge = edge | s.startswith(c) | s.endswith(c)
    return ibis.ifelse(edge, s.re_replace(f"^{_EDGE_SPACE}+|{_EDGE_SPACE}+$", ""), s)


def _detectors_for(
    value: ir.Value, today: date, col: detectors.Derive = detectors.inline
) -> dict[str, Callable[[], detectors.Detector]]:
    """The detectors that apply to a prepared column (see _prepared)."""
    dtype = value.type()
    if dtype.is_floating() or dtype.is_decimal():
        return detectors.numeric_detectors(value)
    if dtype.is_temporal():
        return detectors.temporal_detectors(value)
    return detectors.string_detectors(value, today, col)


class _Collect:
    """First pass over the detectors: note the intermediate values and lexicon lookups they ask for."""

    def __init__(self, n: int, derived: dict[str, ir.Value], lookups: dict[str, tuple[str, str]], column: str):
        self.n, self.derived, self.lookups, self.column = n, derived, lookups, column

    def __call__(self, key: str, expr: Any) -> Any:
        return self.derived.setdefault(f"_d{self.n}_{key}", expr)

    def member(self, lexicon: str, value: ir.StringValue) -> ir.BooleanValue:
        self.lookups[f"_m{self.n}_{lexicon}"] = (self.column, lexicon)
        return ibis.literal(False)


class _Resolve:
    """Second pass: the same names, now columns of the prepared table."""

    def __init__(self, n: int, table: ir.Table):
        self.n, self.table = n, table

    def __call__(self, key: str, expr: Any) -> Any:
        return self.table[f"_d{self.n}_{key}"]

    def member(self, lexicon: str, value: ir.StringValue) -> ir.BooleanValue:
        return self.table[f"_m{self.n}_{lexicon}"]


def _with_derived(
    table: ir.Table, plan: dict[str, list[str]], today: date
) -> tuple[ir.Table, dict[str, dict[str, detectors.Detector]]]:
    """`table` (whose columns in `plan` hold prepared values) with what the planned detectors read
    many times added as columns — intermediate values, and lexicon membership flags found by a
    left join on the lexicon's word table (see detectors.Derive) — and the detectors built over
    those columns. What they ask for is found by building them once over plain expressions.
    Without the projection the SQL inlines every expression at each use: megabytes of SQL, each
    use evaluated again."""
    derived: dict[str, ir.Value] = {}
    lookups: dict[str, tuple[str, str]] = {}
    for n, (name, type_ids) in enumerate(plan.items()):
        factories = _detectors_for(table[name], today, _Collect(n, derived, lookups, name))
        for tid in type_ids:
            if tid in factories:
                factories[tid]()
    out = table.mutate(**derived) if derived else table
    for flag, (column, lexicon) in lookups.items():
        words = ibis.memtable(lexicon_table(lexicon)).rename({f"{flag}_w": "word"})
        joined = out.left_join(words, out[column] == words[f"{flag}_w"])
        out = joined.mutate(**{flag: joined[f"{flag}_w"].notnull()}).drop(f"{flag}_w")
    dets: dict[str, dict[str, detectors.Detector]] = {}
    for n, (name, type_ids) in enumerate(plan.items()):
        factories = _detectors_for(out[name], today, _Resolve(n, out))
        dets[name] = {tid: factories[tid]() for tid in type_ids if tid in factories}
    return out, dets


def _non_empty(value: ir.Value) -> ir.BooleanValue:
    if value.type().is_string():
        return value.notnull() & (value != "")
    return value.notnull()


def _count(pred: ir.BooleanValue, present: ir.BooleanValue) -> ir.IntegerScalar:
    return (pred & present).sum().coalesce(0)


Run = Callable[[ir.Expr], Any]  # executes an expression on the engine's backend, returns Arrow


def _evaluate_sample(run: Run, sampled: ir.Table, today: date) -> tuple[int, dict[str, Any], ir.Table | None]:
    """Every detector on every column of an in-memory sample: rows, and per column i the non-empty
    count `n{i}` and the strict and shape counts `s{i}|type`, `l{i}|type`; and the stacked text.

    Text columns are stacked into one (col, v) table, so each detector is in the SQL once and the
    counts come out grouped by column: one small query, where one query per column (or one wide
    query) spent seconds compiling and evaluating thousands of expressions for a few thousand rows."""
    names = list(sampled.columns)
    rows = int(run(sampled.count()).as_py())
    out: dict[str, Any] = {f"n{i}": 0 for i in range(len(names))}
    text = [i for i, name in enumerate(names) if _is_text(sampled[name])]
    stacked = None
    if text:
        stacked = _stack(run, sampled, text)
        prepared, dets = _with_derived(stacked, {"v": list(detectors.string_detectors(stacked["v"], today))}, today)
        present = _non_empty(prepared["v"])
        metrics: dict[str, ir.Scalar] = {"n": present.sum().coalesce(0)}
        for tid, d in dets["v"].items():
            metrics[f"s|{tid}"] = _count(d.strict, present)
            metrics[f"l|{tid}"] = _count(d.loose, present)
        for row in run(prepared.group_by("col").aggregate(**metrics)).to_pylist():
            i = row.pop("col")
            out[f"n{i}"] = row.pop("n")
            out.update({f"{key[0]}{i}|{key[2:]}": value for key, value in row.items()})
    other = [i for i in range(len(names)) if i not in text]
    if other:
        plan = {names[i]: [(t, True) for t in _detectors_for(_prepared(sampled[names[i]]), today)] for i in other}
        _, counts = _evaluate_once(run, sampled.select(*plan), plan, today)
        for key, value in counts.items():  # keys are numbered within `other`: renumber
            head, sep, tid = key.partition("|")
            out[f"{head[0]}{other[int(head[1:])]}{sep}{tid}"] = value
    return rows, out, stacked


def _stack(run: Run, sampled: ir.Table, positions: list[int]) -> ir.Table:
    """The prepared values of the sample's columns at `positions`, stacked into one (col, v) table
    and held in memory (the detectors then read a plain table, not a union of expressions)."""
    names = list(sampled.columns)
    parts = [sampled.select(col=ibis.literal(i, "int32"), v=_prepared(sampled[names[i]])) for i in positions]
    return ibis.memtable(run(ibis.union(*parts) if len(parts) > 1 else parts[0]))


def _evaluate_once(
    run: Run, table: ir.Table, plan: dict[str, list[tuple[str, bool]]], today: date
) -> tuple[int, dict[str, Any]]:
    """Counts in a single pass over the data (for full scans, where reading dominates); the plan
    names, per column, the types and whether their shape (loose) count is needed too."""
    base = table.select(**{f"c{i}": _prepared(table[name]) for i, name in enumerate(plan)})
    wanted = {f"c{i}": [t for t, _ in items] for i, items in enumerate(plan.values())}
    prepared, dets = _with_derived(base, wanted, today)
    metrics: dict[str, ir.Scalar] = {"__rows": prepared.count()}
    for i, items in enumerate(plan.values()):
        present = _non_empty(prepared[f"c{i}"])
        metrics[f"n{i}"] = present.sum().coalesce(0)
        for tid, need_loose in items:
            if tid in dets[f"c{i}"]:
                d = dets[f"c{i}"][tid]
                metrics[f"s{i}|{tid}"] = _count(d.strict, present)
                if need_loose:
                    metrics[f"l{i}|{tid}"] = _count(d.loose, present)
    row = run(prepared.aggregate(**metrics)).to_pylist()[0]
    return int(row.pop("__rows")), row


def _examples(run: Run, sampled: ir.Table, stacked: ir.Table | None, scans: list[ColumnScan], today: date) -> None:
    """Two masked values per typed column, the least and the greatest match in the sample, in one
    query (each detector in it once per type found). Deterministic, unlike "any value"."""
    by_type: dict[str, list[int]] = {}
    for i, scan in enumerate(scans):
        if scan.type == "password":
            scan.examples = ["********"]
        elif scan.type is not None:
            by_type.setdefault(scan.type, []).append(i)
    names = list(sampled.columns)
    parts = []
    for tid, positions in by_type.items():
        text = [i for i in positions if _is_text(sampled[names[i]])]
        groups: list[tuple[ir.Table, list[int]]] = []
        if text and stacked is not None:
            groups.append((stacked.filter(stacked["col"].isin(text)), text))
        for i in positions:
            if i not in text:  # numbers and times, as they are
                groups.append((sampled.select(col=ibis.literal(i, "int32"), v=_prepared(sampled[names[i]])), [i]))
        for rows, chosen in groups:
            rows, dets = _with_derived(rows, {"v": [tid]}, today)
            pred = _non_empty(rows["v"])
            if tid in dets["v"]:
                d = dets["v"][tid]
                strict = [i for i in chosen if scans[i].evidence[tid].strict]
                pred = pred & (ibis.ifelse(rows["col"].isin(strict), d.strict, d.loose) if strict else d.loose)
            matches = rows.filter(pred)
            text_value = matches["v"].cast("string")
            parts.append(matches.group_by("col").aggregate(a=text_value.min(), b=text_value.max()))
    if not parts:
        return
    for row in run(ibis.union(*parts) if len(parts) > 1 else parts[0]).to_pylist():
        values = [v for v in dict.fromkeys((row["a"], row["b"])) if v is not None]
        scans[row["col"]].examples = [mask_example(scans[row["col"]].type, v) for v in values]


def _second_plan(scan: ColumnScan) -> list[tuple[str, bool]]:
    """What the full scan must count: types that could still win, given the sample."""
    catalogue = types()
    out: list[tuple[str, bool]] = []
    n = max(1, scan.non_empty)
    for tid, ev in scan.evidence.items():
        t = catalogue[tid]
        strict = ev.strict / n
        needed = t.alone if (t.content == "weak" and t.alone is not None) else t.threshold
        if ev.name_hit is None and strict < 0.5 * needed:
            continue  # far from its threshold in the sample: checking every row cannot change that
        out.append((tid, ev.name_hit is not None and strict < 0.9))
    return out


def _decide(col: ColumnScan) -> None:
    """Pick the column's type from its evidence, or none."""
    catalogue = types()
    best: tuple[float, str, float, float, list[dict[str, Any]]] | None = None
    n = col.non_empty
    for tid, ev in col.evidence.items():
        t: SensitiveType = catalogue[tid]
        strict = ev.strict / n if n else 0.0
        loose = ev.loose / n if n else 0.0
        rules: list[dict[str, Any]] = []
        if ev.name_hit:
            rules.append({"rule": f"name:{ev.name_hit}", "detail": "the column name matches the dictionary"})
        ok = False
        ratio = strict
        if t.content == "none":
            ok = ev.name_hit is not None
            ratio = 1.0 if ok else 0.0
            confidence = 0.75 if ok else 0.0
        elif ev.name_hit is not None and max(strict, loose) >= NAME_THRESHOLD:
            ok = True
            # The share that passes the content check where it has one or decides on its own;
            # otherwise the share of values with the type's shape.
            alone = t.alone if t.alone is not None else t.threshold
            ratio = strict if t.content in ("strong", "pattern") or strict >= alone else max(strict, loose)
            confidence = 0.65 + 0.2 * strict + 0.1 * loose
        elif t.content in ("strong", "pattern") and strict >= t.threshold:
            ok = True
            confidence = (0.7 if t.content == "strong" else 0.55) + 0.3 * strict
        elif t.content == "weak" and t.alone is not None and strict >= t.alone:
            ok = True
            confidence = 0.45 + 0.35 * strict
        elif ev.context_hit is not None and strict >= t.threshold:
            ok = True
            confidence = 0.45 + 0.3 * strict
            rules.append({"rule": f"context:{ev.context_hit}", "detail": "the table's context names the type"})
        else:
            confidence = 0.0
        if t.content != "none":
            rules.append({"rule": f"content:{tid}", "strict_ratio": round(strict, 4), "shape_ratio": round(loose, 4)})
        if not ok:
            continue
        confidence = min(0.99, confidence)
        key = (ratio + (0.25 if ev.name_hit else 0.0) + t.priority / 1000, tid, ratio, confidence, rules)
        if best is None or key[0] > best[0]:
            best = key
    if best is not None:
        _, col.type, col.match_ratio, col.confidence, col.rules = best


def scan_table(
    table: ir.Table,
    *,
    sample: int | None = DEFAULT_SAMPLE,
    full: bool = False,
    today: date | None = None,
    progress: Callable[[float, str], None] | None = None,
    seed: int = 20261122,
    context: str = "",
) -> TableScan:
    """Scan every column of `table`: a sample of `sample` rows spread over it, or all rows.
    `context` is what the table is about (a resource's name, summary and tags; a file's name).

    Every query runs on the backend `table` belongs to (the engine's DuckDB connection, with its
    threads and memory limit), the in-memory sample included."""
    started = time.monotonic()
    backend = ibis.get_backend(table)
    run: Run = backend.to_pyarrow
    today = today or date.today()
    report = progress or (lambda f, s: None)
    total = int(run(table.count()).as_py())
    columns = list(table.columns)
    first_n = min(total, sample or DEFAULT_SAMPLE, DEFAULT_SAMPLE)
    # The first sample is small: held in memory, it is read once instead of once per query.
    sampled = ibis.memtable(run(_sample(table, total, first_n, seed)))
    hits = {name: name_hits(name) for name in columns}
    around = {name: context_hits(" ".join([context, *(c for c in columns if c != name)])) for name in columns}
    report(0.1, "sample")
    rows_scanned, first, stacked = _evaluate_sample(run, sampled, today)
    scans: list[ColumnScan] = []
    for i, name in enumerate(columns):
        scan = ColumnScan(name=name, dtype=str(table[name].type()), rows=rows_scanned, non_empty=int(first[f"n{i}"]))
        for tid in types():
            strict, loose = first.get(f"s{i}|{tid}"), first.get(f"l{i}|{tid}")
            if strict is None and tid not in hits[name]:
                continue
            ev = TypeEvidence(tid, int(strict or 0), int(loose or 0), hits[name].get(tid), around[name].get(tid))
            if ev.name_hit or (scan.non_empty and ev.loose / scan.non_empty >= PLAUSIBLE):
                scan.evidence[tid] = ev
        scans.append(scan)
    wanted = total if full else min(total, sample or DEFAULT_SAMPLE)
    if wanted > first_n or (full and rows_scanned < total):
        report(0.3, "full scan" if full else "sample")
        second_table = table if full else _sample(table, total, wanted, seed)
        second_plan = {s.name: _second_plan(s) for s in scans}
        rows_scanned, second = _evaluate_once(run, second_table, second_plan, today)
        for i, scan in enumerate(scans):
            first_non_empty = scan.non_empty
            scan.rows = rows_scanned
            scan.non_empty = int(second[f"n{i}"])
            kept = dict(second_plan[scan.name])
            scan.evidence = {tid: ev for tid, ev in scan.evidence.items() if tid in kept}
            for tid, ev in scan.evidence.items():
                ev.strict = int(second.get(f"s{i}|{tid}") or 0)
                # Without a name the shape count never decides; keep the sample's share for the record.
                ev.loose = (
                    int(second[f"l{i}|{tid}"])
                    if kept[tid]
                    else round(ev.loose * scan.non_empty / max(1, first_non_empty))
                )
    report(0.85, "decide")
    for scan in scans:
        _decide(scan)
    _examples(run, sampled, stacked, scans, today)
    return TableScan(
        columns=scans,
        rows_total=total,
        rows_scanned=rows_scanned,
        full=rows_scanned == total,  # every row was looked at (a small table is sampled whole)
        seconds=round(time.monotonic() - started, 3),
    )


def _sample(table: ir.Table, total: int, n: int, seed: int) -> ir.Table:
    """About n rows (n ± 2√n) spread over the whole table, the same ones for the same seed; all of
    it when small. (No LIMIT: cutting a larger sample to n would keep its first rows, the head of
    the table, and miss what changes towards its end.)"""
    if n >= total:
        return table
    return table.sample(n / total, method="row", seed=seed)


__all__ = ["DEFAULT_SAMPLE", "ColumnScan", "TableScan", "mask_example", "name_hits", "scan_table", "trimmed"]
