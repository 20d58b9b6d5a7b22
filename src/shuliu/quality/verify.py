"""Multi-source verification (多源核验): several resources describe the same entities; where do
their copies of a field agree, where do they conflict, and which source is authoritative (一数一源).

A verification is YAML (or JSON):

    format: shuliu-verification/1
    name: 人口出生日期核验
    fields: [出生日期, 性别]              # the fields compared, by the names used below
    match: {by: key}                      # or {by: fuzzy, using: [姓名, 地址], threshold: 0.9}
    sources:
      - resource: res_…                   # a resource id or 资源代码
        key: 身份证号                     # its key column (by: key)
        columns: {出生日期: 出生日期, 性别: 性别, 姓名: 姓名, 地址: 住址}
      - resource: res_…
        key: sfzh
        columns: {出生日期: csrq, 性别: xb, 姓名: xm, 地址: dz}

By key, the key values are compared after trimming and upper-casing. Fuzzy matching links the
sources' records with Splink (Fellegi–Sunter, on DuckDB) on the `on` fields and clusters the
links above `threshold`; the cluster is the entity. Values are compared after normalisation:
trimmed, full-width characters made half-width, dates as ISO dates. An entity present in one
source only is counted, not compared.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from shuliu.errors import ValidationFailed
from shuliu.quality.clean import ROW

FORMAT = "shuliu-verification/1"
NAME_RE = re.compile(r"^.{1,200}$")
EXAMPLES = 10


@dataclass
class Source:
    resource: str
    key: str | None
    columns: dict[str, str]


@dataclass
class Spec:
    name: str
    fields: list[str]
    by: str
    sources: list[Source]
    on: list[str] = field(default_factory=list)
    threshold: float = 0.9

    def to_dict(self) -> dict[str, Any]:
        match: dict[str, Any] = {"by": self.by}
        if self.by == "fuzzy":
            match.update(using=self.on, threshold=self.threshold)
        return {
            "format": FORMAT,
            "name": self.name,
            "fields": self.fields,
            "match": match,
            "sources": [
                {k: v for k, v in {"resource": s.resource, "key": s.key, "columns": s.columns}.items() if v is not None}
                for s in self.sources
            ],
        }


def _bad(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, field="verification", **details)


def parse(text: str | dict[str, Any]) -> Spec:
    if isinstance(text, str):
        if len(text) > 1_000_000:
            raise _bad("the verification is larger than 1 MB")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise _bad("the verification is not valid YAML: {problem}", problem=str(exc).splitlines()[0]) from exc
    else:
        doc = text
    if not isinstance(doc, dict):
        raise _bad("a verification is a mapping with `name`, `fields`, `match` and `sources`")
    if doc.get("format", FORMAT) != FORMAT:
        raise _bad(
            "unknown verification format {format}; this version reads {expected}",
            format=str(doc.get("format")),
            expected=FORMAT,
        )
    name = doc.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name.strip()):
        raise _bad("`name` is a text of 1 to 200 characters")
    fields = doc.get("fields")
    if (
        not isinstance(fields, list)
        or not fields
        or not all(isinstance(f, str) and f for f in fields)
        or len(fields) > 50
    ):
        raise _bad("`fields` is a list of 1 to 50 field names")
    match = doc.get("match") or {"by": "key"}
    if not isinstance(match, dict) or match.get("by") not in ("key", "fuzzy"):
        raise _bad("`match.by` is key or fuzzy")
    on: list[str] = []
    threshold = 0.9
    if match["by"] == "fuzzy":
        on = match.get("using") or []
        if not isinstance(on, list) or not on or not all(isinstance(f, str) and f for f in on):
            raise _bad("fuzzy matching needs `match.using`: the fields records are matched on")
        threshold = match.get("threshold", 0.9)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0.5 <= threshold < 1:
            raise _bad("`match.threshold` is a match probability from 0.5 to below 1")
    items = doc.get("sources")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise _bad("`sources` lists 2 to 10 resources")
    sources = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("resource"), str) or not item["resource"]:
            raise _bad("source {i}: `resource` is required", i=i)
        columns = item.get("columns") or {}
        if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
        ):
            raise _bad("source {i}: `columns` maps field names to its column names", i=i)
        key = item.get("key")
        if match["by"] == "key" and (not isinstance(key, str) or not key):
            raise _bad("source {i}: `key` (its key column) is required when matching by key", i=i)
        needed = [f for f in [*fields, *on] if f not in columns]
        # a field whose column has the field's own name may be left out of `columns`
        columns = {**{f: f for f in needed}, **columns}
        sources.append(Source(resource=item["resource"], key=key, columns=columns))
    return Spec(
        name=name.strip(), fields=list(fields), by=match["by"], sources=sources, on=on, threshold=float(threshold)
    )


# -- the engine side -------------------------------------------------------------------------------------------
def normalised(x: Any) -> Any:
    """A value as compared: text trimmed and half-width, dates and times as ISO dates, numbers as text."""
    from shuliu.quality.clean import FULL, HALF, as_date

    if x.type().is_date() or x.type().is_timestamp():
        return as_date(x).cast("string")
    s = (x if x.type().is_string() else x.cast("string")).strip().translate(FULL, HALF)
    parsed = as_date(s)  # null unless the text is a date in one of the forms it reads
    return ibis.ifelse(s == "", ibis.null("string"), ibis.coalesce(parsed.cast("string"), s))


def check_columns(spec: Spec, tables: list[ir.Table]) -> None:
    for i, (src, t) in enumerate(zip(spec.sources, tables, strict=True), 1):
        for name in [src.key, *src.columns.values()]:
            if name is not None and name not in t.columns:
                raise _bad("source {i} ({resource}) has no column {column}", i=i, resource=src.resource, column=name)


def keyed(spec: Spec, tables: list[ir.Table], keys: list[ir.Table] | None = None) -> ir.Table:
    """One row per (entity, source) with the normalised fields: by key, or by fuzzy clusters given
    as (source index, row number, entity) tables in `keys`."""
    parts = []
    for i, (src, t) in enumerate(zip(spec.sources, tables, strict=True)):
        values = {f"f{j}": normalised(t[src.columns[f]]) for j, f in enumerate(spec.fields)}
        if keys is not None:
            t = t.mutate(**values)
            values = {c: t[c] for c in values}
        if keys is None:
            assert src.key is not None
            k = t[src.key]
            entity = (k if k.type().is_string() else k.cast("string")).strip().upper()
            part = t.select(entity=entity, src=ibis.literal(i), **values).filter(
                ibis._.entity.notnull() & (ibis._.entity != "")
            )
        else:  # fuzzy: the cluster of each row (rows by their place in the stored file)
            k = keys[i]
            joined = t.join(k, t[ROW] == k._row)
            part = joined.select("entity", src=ibis.literal(i), **{c: joined[c] for c in values})
        parts.append(part)
    return ibis.union(*parts)


def compare(spec: Spec, stacked: ir.Table) -> tuple[ir.Table, ir.Table]:
    """(per-entity table, summary row): per entity and source the first value of each field (a
    source with the key twice keeps one), and the counts of agreements and conflicts."""
    n = len(spec.sources)
    per_source = stacked.group_by(["entity", "src"]).aggregate(
        dup=ibis._.count(), **{f"f{j}": stacked[f"f{j}"].min() for j in range(len(spec.fields))}
    )
    wide_cols: dict[str, Any] = {"present": per_source.src.nunique(), "dups": (per_source.dup - 1).sum()}
    for j in range(len(spec.fields)):
        for i in range(n):
            wide_cols[f"f{j}_s{i}"] = ibis.ifelse(per_source.src == i, per_source[f"f{j}"], ibis.null("string")).max()
    wide = per_source.group_by("entity").aggregate(**wide_cols)
    agg: dict[str, Any] = {
        "entities": wide.count(),
        "shared": (wide.present >= 2).cast("int64").sum(),
        "duplicate_keys": wide.dups.sum(),
    }
    for j in range(len(spec.fields)):
        vals = [wide[f"f{j}_s{i}"] for i in range(n)]
        present = sum((v.notnull().cast("int64") for v in vals), ibis.literal(0))
        distinct = _distinct(vals)
        agg[f"f{j}_compared"] = (present >= 2).cast("int64").sum()
        agg[f"f{j}_conflicts"] = ((present >= 2) & (distinct > 1)).cast("int64").sum()
        for a in range(n):
            for b in range(a + 1, n):
                both = vals[a].notnull() & vals[b].notnull()
                agg[f"f{j}_p{a}_{b}_compared"] = both.cast("int64").sum()
                agg[f"f{j}_p{a}_{b}_agree"] = (both & (vals[a] == vals[b])).cast("int64").sum()
    return wide, wide.aggregate(**agg)


def _distinct(vals: list[Any]) -> Any:
    """How many different non-null values a row holds among `vals` (a handful of columns)."""
    total: Any = ibis.literal(0)
    for i, v in enumerate(vals):
        earlier = [vals[k] for k in range(i)]
        new = v.notnull()
        for e in earlier:
            new = new & ~(e.notnull() & (e == v)).fill_null(False)
        total = total + new.cast("int64")
    return total


def conflicts(spec: Spec, wide: ir.Table, j: int, limit: int = EXAMPLES) -> ir.Table:
    n = len(spec.sources)
    vals = [wide[f"f{j}_s{i}"] for i in range(n)]
    present = sum((v.notnull().cast("int64") for v in vals), ibis.literal(0))
    rows = wide.filter((present >= 2) & (_distinct(vals) > 1))
    return rows.select("entity", *[f"f{j}_s{i}" for i in range(n)]).order_by("entity").limit(limit)


def counts_in(spec: Spec, stacked: ir.Table) -> ir.Table:
    return stacked.group_by("src").aggregate(entities=stacked.entity.nunique(), rows=stacked.count())


# -- fuzzy matching with Splink ----------------------------------------------------------------------------------
def fuzzy_keys(spec: Spec, tables: list[ir.Table], engine: Any) -> list[ir.Table]:
    """Link the sources with Splink on DuckDB and cluster the links: per source a table of
    (_row, entity). Splink gets ASCII column names (it cannot quote Chinese ones), the engine's
    own DuckDB connection, and its model is trained unsupervised on these data (u by random
    sampling, m by expectation maximisation blocked on each field in turn)."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)  # its training notes are not for our users
    names = {f: f"m{i}" for i, f in enumerate(spec.on)}
    api = DuckDBAPI(connection=engine.raw)
    frames, display = [], []
    for i, (src, t) in enumerate(zip(spec.sources, tables, strict=True)):
        cols = {names[f]: normalised(t[src.columns[f]]) for f in spec.on}
        arrow = t.select(unique_id=t[ROW], **cols).to_pyarrow()
        display.append(f"s{i}")
        frames.append(api.register(arrow, dataset_display_name=f"s{i}", table_name=engine.unique_name("splink_src")))
    comparisons: list[Any] = [cl.JaroWinklerAtThresholds(names[f], [0.92, 0.8]) for f in spec.on]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(names[f]) for f in spec.on],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on(*[names[f] for f in spec.on])], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=7)
    for f in spec.on:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(names[f]), fix_u_probabilities=True
            )
        except Exception:  # too few pairs under this blocking rule to train on: the others still train
            continue
    predictions = linker.inference.predict(threshold_match_probability=spec.threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, spec.threshold)
    arrow = clusters.as_duckdbpyrelation().to_arrow_table()
    mem = ibis.memtable(arrow.select(["cluster_id", "source_dataset", "unique_id"]))
    out = []
    for i in range(len(spec.sources)):
        part = mem.filter(mem.source_dataset == display[i])
        out.append(part.select(_row=part.unique_id.cast("int64"), entity=part.cluster_id.cast("string")))
    return out
