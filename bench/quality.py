"""Quality (质量): profiling a 1M × 10 and a 10M × 10 table, and twenty rules on 10M rows.

Contenders, each in a fresh child process, on the same Parquet file:

* `shuliu`      `quality.profile.profile_table` / `quality.rules.evaluate` on the engine (DuckDB
                through Ibis, 2 threads, 2 GB memory limit — shuliu's defaults).
* `duckdb`      DuckDB's own `SUMMARIZE` of the file (2 threads): the floor for a profile in SQL.
* `ydata`       ydata-profiling's minimal mode (`ProfileReport(df, minimal=True).to_json()`) on the
                pandas DataFrame read from the file (1M only; reading is timed separately).
* `gx`          Great Expectations 1.x on pandas: the same twenty rules as expectations, validated
                on the DataFrame read from the file.

ydata-profiling and Great Expectations run in bench/peers/.venv (their own lock: they need pandas
< 3 and numpy < 2.4); `python -m bench.quality <child> …` starts the shuliu children, and
bench/quality_peers.py the peers'. The rule counts of both sides are compared: they agree except
for `unique`, where GE counts every row of a repeated value and shuliu the repeats beyond the
first (both reported).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import common

HELP = (
    "quality: profile 1M and 10M rows (vs ydata-profiling, DuckDB SUMMARIZE), 20 rules on 10M (vs Great Expectations)"
)
TITLE = (
    "Quality: profiles of 1M and 10M rows, twenty rules on 10M (against ydata-profiling, DuckDB, Great Expectations)"
)
GENERATOR = 1
PEERS = common.BENCH / "peers"
PEERS_PY = PEERS / ".venv" / "bin" / "python"

RULES = """
format: shuliu-quality-rules/1
rules:
  - {id: id-filled, check: not_null, column: id}
  - {id: name-filled, check: not_null, column: 姓名}
  - {id: gender-filled, check: not_null, column: 性别}
  - {id: age-filled, check: not_null, column: 年龄}
  - {id: amount-filled, check: not_null, column: 金额}
  - {id: region-filled, check: not_null, column: 区划代码}
  - {id: phone-filled, check: not_null, column: 手机号码}
  - {id: email-filled, check: not_null, column: 邮箱}
  - {id: date-filled, check: not_null, column: 登记日期}
  - {id: category-filled, check: not_null, column: 类别}
  - {id: id-unique, check: unique, column: id}
  - {id: age-range, check: range, column: 年龄, min: 0, max: 120}
  - {id: amount-range, check: range, column: 金额, min: 0, max: 1000000}
  - {id: score-range, check: range, column: 评分, min: 0, max: 100}
  - {id: gender-enum, check: enum, column: 性别, values: [男, 女]}
  - {id: category-enum, check: enum, column: 类别, values: [A, B, C, D, E, F, G, H]}
  - {id: region-format, check: pattern, column: 区划代码, pattern: '^[0-9]{6}$'}
  - {id: phone-format, check: pattern, column: 手机号码, pattern: '^1[3-9][0-9]{9}$'}
  - {id: email-format, check: pattern, column: 邮箱, pattern: '^[a-z0-9.]+@[a-z0-9]+\\.[a-z]+$'}
  - {id: code-length, check: length, column: 编号, min: 8, max: 12}
"""


def generate(path: Path, rows: int) -> None:
    """A 10-column table (numbers, text, codes, dates, a few defects), written by DuckDB."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("CREATE MACRO h(x) AS (hash(x) % 2147483647)::BIGINT")
    con.execute(
        f"""
        COPY (
          SELECT
            i AS id,
            CASE WHEN i % 997 = 0 THEN NULL ELSE ['张','王','李','赵','刘','陈','杨','黄'][1 + h(i) % 8]
                 || ['伟','芳','娜','敏','静','强','磊','洋','艳','勇'][1 + h(i + 1) % 10] END AS 姓名,
            CASE WHEN i % 1009 = 0 THEN '未知' ELSE ['男','女'][1 + h(i + 2) % 2] END AS 性别,
            CASE WHEN i % 2003 = 0 THEN 130 ELSE (h(i + 3) % 100)::INTEGER END AS 年龄,
            round((h(i + 4) % 10000000) / 10.0, 2) AS 金额,
            CASE WHEN i % 3001 = 0 THEN '11010X' ELSE (110000 + h(i + 5) % 540000)::VARCHAR END AS 区划代码,
            CASE WHEN i % 4001 = 0 THEN '123' ELSE '1' || (3 + h(i + 6) % 7)::VARCHAR
                 || lpad((h(i + 7) % 1000000000)::VARCHAR, 9, '0') END AS 手机号码,
            'user' || (i % 100000)::VARCHAR || '@example.com' AS 邮箱,
            DATE '2020-01-01' + (h(i + 8) % 2000)::INTEGER AS 登记日期,
            ['A','B','C','D','E','F','G','H','Z'][1 + (h(i + 9) % 9)::INTEGER] AS 类别,
            (h(i + 10) % 10000) / 100.0 AS 评分,
            'NO' || lpad(i::VARCHAR, 8, '0') AS 编号
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
        """
    )
    con.close()


# -- children ------------------------------------------------------------------------------------------------
def _imports() -> None:
    """What a running shuliu process has imported already (Ibis converts results through pandas'
    modules on its first query: ~1–2 s of imports, not of profiling). The peers' children import
    ydata-profiling and Great Expectations before their clocks start too."""
    import ibis.backends.duckdb.converter  # noqa: F401


def _child_shuliu_profile(path: str, out: str) -> None:
    from shuliu.engine.core import DataEngine
    from shuliu.quality.profile import profile_table

    _imports()
    started = time.perf_counter()
    with DataEngine(threads=2, memory_limit="2GB", temp_dir=Path(out).parent / "duck-tmp") as engine:
        prof = profile_table(engine.table([Path(path)]))
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "rows": prof["rows"], "queries": prof["queries"]}))


def _child_duckdb_summarize(path: str, out: str) -> None:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB"})
    rows = con.execute(f"SUMMARIZE SELECT * FROM read_parquet('{path}')").fetchall()
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "columns": len(rows)}))


def _child_shuliu_rules(path: str, out: str) -> None:
    from shuliu.engine.core import DataEngine
    from shuliu.quality import rules as R

    _imports()
    started = time.perf_counter()
    with DataEngine(threads=2, memory_limit="2GB", temp_dir=Path(out).parent / "duck-tmp") as engine:
        results = R.evaluate(engine.table([Path(path)]), R.parse(RULES).rules, R.Context())
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "failed": {r["id"]: r["failed"] for r in results}}))


CHILDREN = {
    "shuliu-profile": _child_shuliu_profile,
    "duckdb-summarize": _child_duckdb_summarize,
    "shuliu-rules": _child_shuliu_rules,
}


# -- the benchmark -------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000000,10000000", help="table sizes to profile (default 1M,10M)")
    parser.add_argument("--ydata-max", type=int, default=1_000_000, help="largest table given to ydata-profiling")
    parser.add_argument("--rules-rows", type=int, default=10_000_000, help="rows of the rules table (default 10M)")


def _peers() -> None:
    """Create bench/peers/.venv from its lock (once)."""
    if PEERS_PY.exists():
        return
    uv = common.ROOT / ".tools" / "bin" / "uv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(PEERS / ".venv")}
    subprocess.run([str(uv), "sync", "--frozen", "--project", str(PEERS)], check=True, env=env)


def _run(kind: str, name: str, *args: str, work: Path) -> tuple[dict[str, Any], common.Measurement]:
    out = work / f"{name}-{len(list(work.glob(name + '*')))}.json"
    if kind == "peer":
        cmd = [str(PEERS_PY), "-W", "ignore", str(common.BENCH / "quality_peers.py"), name, *args, str(out)]
    else:
        cmd = [common.python(), "-m", "bench.quality", name, *args, str(out)]
    m = common.check(common.measure(cmd, env=common.clean_env(), logs=work), name)
    return json.loads(out.read_text()), m


def _table(rows: int) -> Path:
    common.DATA.mkdir(parents=True, exist_ok=True)
    path = common.DATA / f"quality_{rows}.parquet"
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists() and json.loads(meta.read_text()) == GENERATOR):
        started = time.perf_counter()
        generate(path, rows)
        meta.write_text(json.dumps(GENERATOR))
        print(f"generated {rows:,} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def run(args: argparse.Namespace) -> None:
    work = common.OUT / "quality"
    common.remove(work)
    work.mkdir(parents=True)
    _peers()
    profiles: list[list[Any]] = []
    for rows in [int(x) for x in args.sizes.split(",") if x]:
        path = _table(rows)
        common.warm_page_cache(path)
        runs: dict[str, list[tuple[float, float]]] = {}
        contenders = [("shuliu", "own", "shuliu-profile"), ("DuckDB SUMMARIZE", "own", "duckdb-summarize")]
        if rows <= args.ydata_max:
            contenders.append(("ydata-profiling (minimal)", "peer", "ydata-profile"))
        for _ in range(args.repeat if rows <= 1_000_000 else 1):
            for label, kind, child in contenders:
                got, m = _run(kind, child, str(path), work=work)
                runs.setdefault(label, []).append((got["seconds"], m.peak_mib))
                extra = f" (read {got['read_seconds']:.1f} s)" if "read_seconds" in got else ""
                print(
                    f"profile {rows:,} {label}: {got['seconds']:.2f} s{extra}, {m.peak_mib:,.0f} MiB", file=sys.stderr
                )
        base = common.median([s for s, _ in runs["shuliu"]])
        duck = common.median([s for s, _ in runs["DuckDB SUMMARIZE"]])
        for label, values in runs.items():
            secs = common.median([s for s, _ in values])
            peak = max(p for _, p in values)
            profiles.append(
                [
                    f"{rows:,}",
                    label,
                    f"{secs:.2f}",
                    f"{min(s for s, _ in values):.2f}",
                    f"{peak:,.0f}",
                    f"{secs / base:.1f}×" if label != "shuliu" else "1×",
                    f"{secs / duck:.2f}×",
                ]
            )
    # twenty rules on the big table
    path = _table(args.rules_rows)
    common.warm_page_cache(path)
    ours, m_ours = _run("own", "shuliu-rules", str(path), work=work)
    theirs, m_theirs = _run("peer", "gx-rules", str(path), work=work)
    print(
        f"rules shuliu: {ours['seconds']:.1f} s; gx: {theirs['seconds']:.1f} s (+ read {theirs['read_seconds']:.1f} s)",
        file=sys.stderr,
    )
    agree = [k for k in ours["failed"] if ours["failed"][k] == theirs["failed"].get(k)]
    differ = {k: (ours["failed"][k], theirs["failed"].get(k)) for k in ours["failed"] if k not in agree}
    body = _report(profiles, args, ours, m_ours, theirs, m_theirs, agree, differ)
    if not args.keep:
        common.remove(work)
    print(f"## {TITLE}\n\n{body}")
    if not args.no_readme:
        common.update_readme("Machine", common.machine_section(common.machine()))
        common.update_readme(TITLE, body)
        print(f"updated {common.README}", file=sys.stderr)


def _report(
    profiles: list[list[Any]],
    args: argparse.Namespace,
    ours: dict[str, Any],
    m_ours: Any,
    theirs: dict[str, Any],
    m_theirs: Any,
    agree: list[str],
    differ: dict[str, tuple[Any, Any]],
) -> str:
    rows = args.rules_rows
    differ_text = "; ".join(f"`{k}`: shuliu {a:,}, GE {b:,}" for k, (a, b) in differ.items()) or "none"
    return "\n\n".join(
        [
            "Profile: the whole profile of a 10-column table (ids, names, codes, phone numbers, amounts, "
            "dates, categories; Parquet, zstd) in a fresh process; the page cache is warm. shuliu computes "
            "per column nulls, distinct counts (exact under 100,000 distinct values), min, max, mean, "
            "standard deviation, "
            "five quantiles, top values, histograms, lengths, shapes and type conformance in two queries; "
            "DuckDB's SUMMARIZE computes approximate distinct counts, min, max, mean, standard deviation, "
            "three approximate quantiles and null percentages. ydata-profiling's time includes no file "
            f"reading (its DataFrame is read first, untimed). Median of {args.repeat} runs at 1M, one at 10M. "
            "Goals: at least 25× faster than ydata-profiling, at most 1.5× DuckDB's time, memory bounded at 10M.",
            common.fmt_table(
                ["rows", "contender", "seconds (median)", "min", "peak RSS (MiB)", "÷ shuliu", "÷ DuckDB"],
                profiles,
                "llrrrrr",
            ),
            f"Twenty rules on {rows:,} rows (ten not-null, one unique, three ranges, two enumerations, three "
            "patterns, one length; the same as Great Expectations expectations): shuliu evaluates all of "
            "them in one aggregate over the Parquet file; GE validates them on the pandas DataFrame "
            "(reading the file into pandas timed separately).",
            common.fmt_table(
                ["contender", "seconds", "+ reading into pandas", "peak RSS (MiB)", "÷ shuliu"],
                [
                    ["shuliu", f"{ours['seconds']:.1f}", "—", f"{m_ours.peak_mib:,.0f}", "1×"],
                    [
                        "Great Expectations 1.x (pandas)",
                        f"{theirs['seconds']:.1f}",
                        f"{theirs['read_seconds']:.1f}",
                        f"{m_theirs.peak_mib:,.0f}",
                        f"{theirs['seconds'] / ours['seconds']:.1f}×",
                    ],
                ],
                "lrrrr",
            ),
            f"Failed counts: {len(agree)} of 20 rules agree exactly; differ: {differ_text} (GE counts every "
            "row of a repeated value as unexpected, shuliu each repeat after the first).",
        ]
    )


if __name__ == "__main__":
    CHILDREN[sys.argv[1]](*sys.argv[2:])
