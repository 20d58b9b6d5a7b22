"""Classification (分类分级): a full scan of a 1M × 10 Chinese table, shuliu against Presidio, and
column-level accuracy on a generated labelled table and on the NER corpora of ../shared/data/ner.

Speed contenders, each in a fresh child process, repeated and interleaved:

* `shuliu`        the engine's full scan, `shuliu.classify.scan.scan_table(full=True)`, over the
                  table's Parquet file: a 5,000-row sample through every detector, then one pass
                  over every row counting the plausible types (check digits, vocabularies, the
                  name lexicon join), all as Ibis expressions on DuckDB.
* `shuliu-cli`    `shuliu classify FILE --full --json`: start-up, reading the file into a scratch
                  Parquet with the ingest readers, the scan, the JSON document.
* `presidio`      Presidio's `PatternRecognizer`, given the same Chinese patterns and validators
                  (GB 11643, GB 32100, Luhn, the name lexicon), run on every cell with every
                  recognizer — what finding the types of unknown columns takes. It runs on the
                  first `--presidio-rows` rows: its cost per cell is constant, and the full table
                  would take a quarter of an hour per run.
* `presidio-one`  the same with only the right recognizer per column (the best case: it presumes
                  the answer).

Presidio is used only here (an optional dependency group `bench`), never by the product.
`python -m bench.classify shuliu|presidio …` is how the children are started; it is not for people.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common

HELP = "sensitive-data scan of 1M × 10: shuliu against Presidio (cells/s), and column-level accuracy"
TITLE = "Classification: full scan of 1M × 10 against Presidio, and accuracy"
GENERATOR = 2  # bump when the generated table changes, so cached inputs are rebuilt
SEED = 20261201
# (column name, expected type, generator kind) — a 人员信息登记 table with two decoys.
TABLE = [
    ("姓名", "cn_name", "name"),
    ("身份证号", "cn_resident_id", "resident_id"),
    ("手机号码", "cn_mobile", "mobile"),
    ("家庭住址", "cn_address", "address"),
    ("电子邮箱", "email", "email"),
    ("银行卡号", "bank_card", "bank_card"),
    ("统一社会信用代码", "cn_uscc", "uscc"),
    ("车牌号码", "cn_plate", "plate"),
    ("流水号", None, "random18"),
    ("情况说明", None, "free_text"),
]


# -- inputs ------------------------------------------------------------------------------------------------
def generate(rows: int) -> Path:
    """The table as Parquet (cached under bench/.data)."""
    import pyarrow.parquet as pq

    from shuliu.classify.sample_data import labelled_table

    common.DATA.mkdir(parents=True, exist_ok=True)
    path = common.DATA / f"classify_{rows}.parquet"
    meta = {"generator": GENERATOR, "seed": SEED, "rows": rows}
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists() and json.loads(sidecar.read_text()) == meta:
        return path
    started = time.perf_counter()
    table, _ = labelled_table(rows, seed=SEED, columns=TABLE)
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial, compression="zstd", row_group_size=122_880)
    partial.replace(path)
    sidecar.write_text(json.dumps(meta))
    print(f"generated {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


# -- the children ------------------------------------------------------------------------------------------
def _child_shuliu(path: str, out: str) -> None:
    t0 = time.perf_counter()
    from shuliu.classify import scan
    from shuliu.config import Settings
    from shuliu.engine.core import DataEngine

    settings = Settings(home=Path(out).parent / "home")
    imported = time.perf_counter()
    stages: dict[str, float] = {}

    def timed(name: str, label: str) -> None:
        fn = getattr(scan, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[label] = stages.get(label, 0.0) + time.perf_counter() - began

        setattr(scan, name, wrapper)

    timed("_evaluate_sample", "sample: every detector on 5,000 rows")
    timed("_evaluate_once", "full pass: the plausible types on every row")
    timed("_examples", "masked examples")
    with DataEngine(threads=settings.engine_threads, memory_limit=settings.engine_memory_limit) as engine:
        result = scan.scan_table(engine.table([Path(path)]), full=True)
    done = time.perf_counter()
    stages = {"import": imported - t0, **stages, "total scan": result.seconds}
    Path(out).write_text(
        json.dumps(
            {
                "types": {c.name: c.type for c in result.columns},
                "rows": result.rows_scanned,
                "seconds": result.seconds,
                "stages": {**stages, "engine set-up and close": done - imported - result.seconds},
            },
            ensure_ascii=False,
        )
    )


def _presidio_recognizers() -> dict[str, Any]:
    """Presidio PatternRecognizers with shuliu's patterns and Python validators of the same checks."""
    from presidio_analyzer import Pattern, PatternRecognizer

    from shuliu.classify import detectors as D
    from shuliu.classify.catalogue import lexicon_words, province_prefixes

    person, minority, not_name = D._name_patterns()
    places, markers = D._address_patterns()
    provinces = "|".join(province_prefixes())
    not_names = set(lexicon_words("not_names"))
    import regex

    not_name_re = regex.compile(not_name)
    marker_re = regex.compile(rf"[0-9一二三四五六七八九十百]+({markers})|({markers})")

    def id_ok(v: str) -> bool:
        from datetime import date

        try:
            born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            return False
        total = sum(int(c) * w for c, w in zip(v[:17], D.ID_WEIGHTS, strict=True))
        return born <= date.today() and "10X98765432"[total % 11] == v[17].upper()

    def uscc_ok(v: str) -> bool:
        total = sum(D.USCC_ALPHABET.index(c) * w for c, w in zip(v[:17], D.USCC_WEIGHTS, strict=True))
        return D.USCC_ALPHABET[(31 - total % 31) % 31] == v[17]

    def luhn_ok(v: str) -> bool:
        digits = [int(c) for c in v if c.isdigit()][::-1]
        return sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)) % 10 == 0

    class Checked(PatternRecognizer):
        def __init__(self, check: Any, **kw: Any) -> None:
            super().__init__(**kw)
            self._check = check

        def validate_result(self, pattern_text: str) -> bool | None:
            return bool(self._check(pattern_text))

    def make(entity: str, pattern: str, check: Any = None) -> Any:
        kw = {"supported_entity": entity, "patterns": [Pattern(entity, pattern, 0.5)], "supported_language": "zh"}
        return Checked(check, **kw) if check else PatternRecognizer(**kw)

    plate = D.PLATE_PROVINCES
    return {
        "cn_name": make(
            "cn_name",
            f"{person}|{minority}",
            lambda v: "·" in v or (v not in not_names and not not_name_re.search(v)),
        ),
        "cn_resident_id": make(
            "cn_resident_id",
            rf"^({provinces})[0-9]{{4}}(18|19|20)[0-9]{{2}}[01][0-9][0-3][0-9]{{4}}[0-9Xx]$",
            id_ok,
        ),
        "cn_mobile": make("cn_mobile", r"^(\+?86[- ]?)?1[3-9][0-9]([- ]?[0-9]{4}){2}$"),
        "cn_address": make("cn_address", f"^.*({places}).*$", lambda v: len(v) >= 6 and bool(marker_re.search(v))),
        "email": make("email", r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"),
        "bank_card": make(
            "bank_card", r"^[1-9][0-9]{15,18}$|^[1-9][0-9]{3}([ -][0-9]{4}){3}([ -]?[0-9]{1,3})?$", luhn_ok
        ),
        "cn_uscc": make("cn_uscc", r"^[1-9ANY][1-9][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", uscc_ok),
        "cn_plate": make(
            "cn_plate",
            rf"^[{plate}][A-HJ-NP-Z]([A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9][0-9]{{4}}"
            rf"|[0-9]{{5}}[DF])$",
        ),
    }


def _child_presidio(path: str, rows: str, mode: str, out: str) -> None:
    t0 = time.perf_counter()
    import pyarrow.parquet as pq

    recognizers = _presidio_recognizers()
    imported = time.perf_counter()
    table = pq.read_table(path).slice(0, int(rows))
    expected = {name: want for name, want, _ in TABLE}
    read = time.perf_counter()
    types: dict[str, str | None] = {}
    for name in table.column_names:
        values = [v for v in table.column(name).to_pylist() if v not in (None, "")]  # empty cells: no work
        chosen = recognizers if mode == "all" else {k: r for k, r in recognizers.items() if k == expected[name]}
        hits: Counter[str] = Counter()
        for v in values:
            text = str(v)
            for tid, rec in chosen.items():
                if any(r.score >= 0.5 for r in rec.analyze(text, [tid], None)):
                    hits[tid] += 1
        best = hits.most_common(1)
        types[name] = best[0][0] if best and best[0][1] >= 0.8 * max(1, len(values)) else None
    done = time.perf_counter()
    Path(out).write_text(
        json.dumps(
            {
                "types": types,
                "rows": table.num_rows,
                "cells": table.num_rows * table.num_columns,
                "recognizers": len(recognizers) if mode == "all" else 1,
                "seconds": done - read,
                "stages": {"import": imported - t0, "read": read - imported, "analyze": done - read},
            },
            ensure_ascii=False,
        )
    )


# -- the benchmark -----------------------------------------------------------------------------------------
@dataclass
class Contender:
    key: str
    label: str
    runs: list[dict[str, Any]] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated table (default 1,000,000)")
    parser.add_argument(
        "--presidio-rows", type=int, default=20_000, help="rows Presidio analyses (default 20,000; cost per cell)"
    )
    parser.add_argument("--no-accuracy", action="store_true", help="skip the accuracy part")


def _run(c: Contender, path: Path, rows: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    out = work / "result.json"
    env = common.clean_env()
    if c.key == "shuliu":
        cmd = [common.python(), "-m", "bench.classify", "shuliu", str(path), str(out)]
    elif c.key == "shuliu-cli":
        home = work / "home"
        env = common.clean_env(SHULIU_HOME=str(home))
        cmd = [str(Path(common.python()).parent / "shuliu"), "classify", str(path), "--full", "--json"]
    else:
        mode = "all" if c.key == "presidio" else "one"
        cmd = [common.python(), "-m", "bench.classify", "presidio", str(path), str(args.presidio_rows), mode, str(out)]
    m = common.check(common.measure(cmd, env=env, logs=work), c.label)
    if c.key == "shuliu-cli":
        doc = json.loads(m.stdout.strip().splitlines()[-1])
        report = {
            "types": {col["name"]: col["type"] for col in doc["columns"]},
            "rows": doc["rows_scanned"],
            "seconds": m.wall_s,
            "stages": {"scan (its own clock)": doc["seconds"]},
        }
    else:
        report = json.loads(out.read_text())
    cells = report.get("cells") or report["rows"] * len(TABLE)
    return {**report, "cells": cells, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "peak_mib": m.peak_mib}


def run(args: argparse.Namespace) -> None:
    path = generate(args.rows)
    common.warm_page_cache(path)
    contenders = [
        Contender("shuliu", "shuliu engine, full scan"),
        Contender("shuliu-cli", "shuliu `classify --full` (CLI, end to end)"),
        Contender("presidio", "Presidio PatternRecognizer, every recognizer"),
        Contender("presidio-one", "Presidio PatternRecognizer, the right one only"),
    ]
    out_root = common.OUT / "classify"
    common.remove(out_root)
    load_before = os.getloadavg()
    for rep in range(args.repeat):
        for c in contenders:
            work = out_root / f"{rep + 1}-{c.key}"
            work.mkdir(parents=True)
            r = _run(c, path, args.rows, args, work)
            c.runs.append(r)
            print(
                f"run {rep + 1}/{args.repeat} {c.key:<13} {r['wall_s']:7.2f} s (cpu {r['cpu_s']:6.2f} s)"
                f" {r['peak_mib']:6.0f} MiB  {r['cells'] / r['seconds']:>12,.0f} cells/s",
                file=sys.stderr,
            )
            if not args.keep:
                common.remove(work)
    load_after = os.getloadavg()
    if not args.keep:
        common.remove(out_root)
    expected = {name: want for name, want, _ in TABLE}
    for c in contenders:
        for r in c.runs:
            if r["types"] != expected:
                raise SystemExit(f"{c.label} typed the columns {r['types']}, expected {expected}")
    parts = [_speed_report(contenders, args, (load_before[0], load_after[0]))]
    if not args.no_accuracy:
        parts.append(_accuracy_report())
    body = "\n\n".join(parts)
    print(f"## {TITLE}\n\n{body}")
    if not args.no_readme:
        common.update_readme("Machine", common.machine_section(common.machine()))
        common.update_readme(TITLE, body)
        print(f"updated {common.README}", file=sys.stderr)


def _med(c: Contender, key: str) -> float:
    return common.median([r[key] for r in c.runs])


def _speed_report(contenders: list[Contender], args: argparse.Namespace, load: tuple[float, float]) -> str:
    rate = {c.key: common.median([r["cells"] / r["seconds"] for r in c.runs]) for c in contenders}
    per_cpu = {c.key: common.median([r["cells"] / r["cpu_s"] for r in c.runs]) for c in contenders}
    rows = []
    for c in contenders:
        r0 = c.runs[0]
        rows.append(
            [
                c.label,
                f"{r0['rows']:,}",
                f"{r0['cells']:,}",
                f"{_med(c, 'seconds'):.2f}",
                f"{_med(c, 'wall_s'):.2f}",
                f"{_med(c, 'cpu_s'):.1f}",
                f"{_med(c, 'peak_mib'):,.0f}",
                f"{rate[c.key]:,.0f}",
                f"**{rate['shuliu'] / rate[c.key]:,.1f}×**",
                f"{per_cpu['shuliu'] / per_cpu[c.key]:,.1f}×",
            ]
        )
    header = [
        "contender",
        "rows",
        "cells",
        "scan (s)",
        "process (s)",
        "CPU (s)",
        "peak RSS (MiB)",
        "cells/s",
        "shuliu engine ÷ this (cells/s)",
        "… per CPU second",
    ]

    def stage(c: Contender, k: str) -> float:
        return common.median([r["stages"].get(k, 0.0) for r in c.runs])

    stages = "\n".join(
        f"* {c.label}: " + "; ".join(f"{k} {stage(c, k):.2f}" for k in c.runs[0]["stages"]) for c in contenders
    )
    return "\n\n".join(
        [
            f"A generated 人员信息 table of {contenders[0].runs[0]['rows']:,} rows × {len(TABLE)} columns "
            f"({', '.join(n for n, _, _ in TABLE)}; about 3 % empty cells; the last two are decoys). "
            f"Medians over {args.repeat} interleaved runs, each a fresh process; every contender typed every column "
            "right (checked). Cells are the table's cells, empty ones included, for every contender; "
            '"scan" is the contender\'s own clock around the work (shuliu: scan_table; Presidio: the analyze '
            'loop), "process" the child\'s wall time from start to exit.',
            common.fmt_table(header, rows, "lrrrrrrrrr"),
            "Where the time goes (seconds, medians):\n\n" + stages,
            f"Setup: DuckDB with shuliu's defaults (2 threads, 2 GB); Presidio {_presidio_version()} single-threaded, "
            f"as it runs; Presidio analyses the first {args.presidio_rows:,} rows (its cost per cell does not depend "
            "on the table's size). The per-CPU-second ratio compares work per core: shuliu's engine uses both cores. "
            f"1-minute load average {load[0]:.1f} before and {load[1]:.1f} after.",
        ]
    )


def _presidio_version() -> str:
    try:
        from importlib.metadata import version

        return version("presidio-analyzer")
    except Exception:  # the optional group is not installed
        return "?"


# -- accuracy ------------------------------------------------------------------------------------------------
def _scan_columns(named: dict[str, list[Any]]) -> dict[str, str | None]:
    import pyarrow as pa

    from shuliu.classify.scan import scan_table
    from shuliu.engine.core import DataEngine

    longest = max(len(v) for v in named.values())
    table = pa.table({k: pa.array(v + [None] * (longest - len(v)), pa.string()) for k, v in named.items()})
    with DataEngine() as engine:
        result = scan_table(engine.backend.create_table("acc", table), full=True)
    return {c.name: c.type for c in result.columns}


def _scores(pairs: list[tuple[str | None, str | None]]) -> tuple[dict[str, tuple[int, int, int]], int, int]:
    """Per type (tp, fp, fn); decoy columns flagged; decoy columns."""
    per: dict[str, list[int]] = {}
    for want, got in pairs:
        for t in {want, got} - {None}:
            per.setdefault(str(t), [0, 0, 0])
        if want is not None and got == want:
            per[want][0] += 1
        else:
            if got is not None:
                per[got][1] += 1
            if want is not None:
                per[want][2] += 1
    decoys = [g for w, g in pairs if w is None]
    return {k: (v[0], v[1], v[2]) for k, v in per.items()}, sum(1 for g in decoys if g), len(decoys)


def _fmt_scores(title: str, pairs: list[tuple[str | None, str | None]]) -> tuple[list[list[str]], str]:
    per, flagged, decoys = _scores(pairs)
    rows = []
    tp_all = fp_all = fn_all = 0
    for t, (tp, fp, fn) in sorted(per.items()):
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        rows.append([title, f"`{t}`", str(tp + fn), f"{p:.2f}", f"{r:.2f}"])
    p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 1.0
    r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 1.0
    summary = (
        f"{title}: precision {p:.3f}, recall {r:.3f} over {tp_all + fn_all} typed columns; "
        f"{flagged} of {decoys} decoy columns flagged"
    )
    return rows, summary


def _accuracy_report() -> str:
    from bench import ner
    from shuliu.classify.catalogue import types
    from shuliu.classify.sample_data import labelled_table

    catalogue = types()
    header_pairs: list[tuple[str | None, str | None]] = []
    content_pairs: list[tuple[str | None, str | None]] = []
    for seed in range(5):
        table, expected = labelled_table(2000, seed=100 + seed)
        named = {name: [None if v is None else str(v) for v in table.column(name).to_pylist()] for name in expected}
        got = _scan_columns(named)
        header_pairs += [(expected[n], got[n]) for n in expected]
        anonymous = {f"col_{i:02d}": values for i, values in enumerate(named.values())}
        got = _scan_columns(anonymous)
        for want, col in zip(expected.values(), anonymous, strict=True):
            decidable = want is not None and (catalogue[want].content in ("strong", "pattern") or catalogue[want].alone)
            content_pairs.append((want if decidable else None, got[col]))
    columns = ner.columns()
    ner_named = {f"{c.header}_{i:03d}": list(c.values) for i, c in enumerate(columns)}
    got = _scan_columns(ner_named)
    ner_header = [(c.expected, got[k]) for c, k in zip(columns, ner_named, strict=True)]
    ner_anon = {f"字段{i:03d}": list(c.values) for i, c in enumerate(columns)}
    got = _scan_columns(ner_anon)
    ner_content = [(c.expected, got[k]) for c, k in zip(columns, ner_anon, strict=True)]
    misses = Counter((c.corpus, c.label, c.expected) for c, (w, g) in zip(columns, ner_content, strict=True) if w != g)
    sections = []
    table_rows: list[list[str]] = []
    for title, pairs in [
        ("generated, with column names", header_pairs),
        ("generated, content alone", content_pairs),
        ("NER, with column names", ner_header),
        ("NER, content alone", ner_content),
    ]:
        rows, summary = _fmt_scores(title, pairs)
        table_rows += rows
        sections.append(f"* {summary}")
    miss_text = ", ".join(f"{corpus} {label} ({n})" for (corpus, label, _), n in misses.most_common())
    return "\n\n".join(
        [
            "### Accuracy (column level)",
            "Two benchmarks, each scanned with its column names and again with anonymous names (`col_07`), "
            "full scans:\n\n"
            "* **generated**: the labelled table of `shuliu.classify.sample_data` — every type of "
            "`../shared/spec/sensitive-types.md` plus cn_org_name, and decoys (random 18- and 16-digit numbers, "
            "free Chinese text, timestamps, amounts, product codes, region codes, registration dates, a status, a "
            "quantity) — five seeds × 2,000 rows. Without names, a type is expected only where the content can "
            "prove it (check digits, patterns, closed vocabularies); passport numbers, postcodes, dates of birth, "
            "religions, coordinates, diagnoses and passwords need their column name, as the spec says, and are "
            "expected null;\n"
            f"* **NER**: {len(columns)} columns of up to {ner.COLUMN} labelled mentions from CLUENER2020, MSRA, "
            "Resume and Weibo (`bench/ner.py`): person names → cn_name, addresses → cn_address, companies, "
            "organizations and government bodies → cn_org_name, and as decoys books, games, films, positions, "
            "scenic spots, place names, titles, degrees, majors, nominal mentions.",
            "\n".join(sections),
            common.fmt_table(["benchmark", "type", "columns", "precision", "recall"], table_rows, "llrrr"),
            f'Missed by content alone in the NER columns: {miss_text or "none"}. CLUENER\'s "address" mentions are '
            "mostly bare place names (北京, 日本, 香山), which shuliu does not call a postal address without a "
            "column name that says 地址; Weibo's person mentions include nicknames (宇哥, 刘掌门); CLUENER and Weibo "
            "organizations include clubs and brands without an organizational ending (曼联, 网易).",
        ]
    )


CHILDREN = {"shuliu": _child_shuliu, "presidio": _child_presidio}

if __name__ == "__main__":
    CHILDREN[sys.argv[1]](*sys.argv[2:])
