"""The peer tools' children of bench/quality.py, run with bench/peers/.venv/bin/python (ydata-profiling
and Great Expectations in their own environment). Not for people: `quality_peers.py <child> …`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml  # noqa: F401  (present in the peers' environment through Great Expectations)


def _frame(path: str):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    df = pq.read_table(path).to_pandas()
    return df, time.perf_counter() - started


def ydata_profile(path: str, out: str) -> None:
    from ydata_profiling import ProfileReport

    df, read = _frame(path)
    started = time.perf_counter()
    report = ProfileReport(df, minimal=True, progress_bar=False)
    report.to_json()
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "read_seconds": read}))


def gx_rules(path: str, out: str) -> None:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    rules = yaml_rules()
    df, read = _frame(path)
    started = time.perf_counter()
    context = gx.get_context(mode="ephemeral")
    batch_def = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("table")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="twenty"))
    ids = []
    for r in rules:
        c = r.get("column")
        if r["check"] == "not_null":
            e = gxe.ExpectColumnValuesToNotBeNull(column=c)
        elif r["check"] == "unique":
            e = gxe.ExpectColumnValuesToBeUnique(column=c)
        elif r["check"] == "range":
            e = gxe.ExpectColumnValuesToBeBetween(column=c, min_value=r["min"], max_value=r["max"])
        elif r["check"] == "enum":
            e = gxe.ExpectColumnValuesToBeInSet(column=c, value_set=r["values"])
        elif r["check"] == "pattern":
            e = gxe.ExpectColumnValuesToMatchRegex(column=c, regex=r["pattern"])
        elif r["check"] == "length":
            e = gxe.ExpectColumnValueLengthsToBeBetween(column=c, min_value=r["min"], max_value=r["max"])
        else:
            raise SystemExit(f"no expectation for {r['check']}")
        suite.add_expectation(e)
        ids.append(r["id"])
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch_def, suite=suite))
    result = validation.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
    seconds = time.perf_counter() - started
    failed = {}
    by_column_and_type = {}
    for res in result.results:
        cfg = res.expectation_config
        by_column_and_type[(cfg.type, cfg.kwargs.get("column"))] = int(res.result.get("unexpected_count") or 0)
    for r, e in zip(rules, suite.expectations, strict=True):
        failed[r["id"]] = by_column_and_type[(e.expectation_type, r.get("column"))]
    Path(out).write_text(json.dumps({"seconds": seconds, "read_seconds": read, "failed": failed}))


def yaml_rules() -> list[dict]:  # type: ignore[type-arg]
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_quality_rules", Path(__file__).with_name("quality.py"))
    text = Path(spec.origin).read_text(encoding="utf-8")  # type: ignore[union-attr,arg-type]
    start = text.index('RULES = """') + len('RULES = """')
    body = text[start : text.index('"""', start)].replace("\\\\", "\\")
    import yaml as y

    return y.safe_load(body)["rules"]


CHILDREN = {"ydata-profile": ydata_profile, "gx-rules": gx_rules}

if __name__ == "__main__":
    CHILDREN[sys.argv[1]](*sys.argv[2:])
