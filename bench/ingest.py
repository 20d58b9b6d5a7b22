"""Ingest: a 1 GB government-style CSV → Parquet, shuliu against DuckDB's own `read_csv`.

Contenders, each in a fresh child process (so that peak memory is its own), repeated and interleaved:

* `duckdb`      DuckDB alone: `COPY (SELECT * FROM read_csv(file)) TO out.parquet (zstd)`, with the
                thread count and memory limit shuliu configures by default.
* `engine`      shuliu's conversion alone, `shuliu.engine.ingest.convert` (sniff, type inference,
                DuckDB COPY with explicit types and a rejects table, finish).
* `cli`         `shuliu ingest FILE --name bench --json` on a fresh SHULIU_HOME: start-up and the
                metadata migrations, the conversion, SHA-256 of the source, the store's hashing,
                fsync and atomic publish, and the registration in the SQLite catalog.

The input is generated with DuckDB from `range()` and hash expressions (deterministic, a few
seconds for 1 GB) and cached under bench/.data/. A GBK copy with the title lines and trailer of a
government export is read by shuliu only: DuckDB's read_csv needs its downloadable `encodings`
extension for GBK.

`python -m bench.ingest duckdb|engine …` is how the children are started; it is not for people.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common

HELP = "1 GB CSV → Parquet: shuliu ingest against DuckDB's read_csv (time and peak memory)"
TITLE = "Ingest: 1 GB CSV → Parquet"
SEED = 20240601
GENERATOR = 1  # bump when the generated table changes, so cached inputs are rebuilt

# -- the generated table -------------------------------------------------------------------------
REGIONS = [  # (行政区划代码, 所在地区, 企业名称 prefix)
    ("110105", "北京市朝阳区", "北京"),
    ("110108", "北京市海淀区", "北京"),
    ("310115", "上海市浦东新区", "上海"),
    ("310104", "上海市徐汇区", "上海"),
    ("440305", "广东省深圳市南山区", "深圳"),
    ("440106", "广东省广州市天河区", "广州"),
    ("441900", "广东省东莞市", "东莞"),
    ("330106", "浙江省杭州市西湖区", "杭州"),
    ("330212", "浙江省宁波市鄞州区", "宁波"),
    ("320505", "江苏省苏州市虎丘区", "苏州"),
    ("320104", "江苏省南京市秦淮区", "南京"),
    ("510107", "四川省成都市武侯区", "成都"),
    ("420106", "湖北省武汉市武昌区", "武汉"),
    ("610113", "陕西省西安市雁塔区", "西安"),
    ("370202", "山东省青岛市市南区", "青岛"),
    ("370102", "山东省济南市历下区", "济南"),
    ("350203", "福建省厦门市思明区", "厦门"),
    ("500112", "重庆市渝北区", "重庆"),
    ("120116", "天津市滨海新区", "天津"),
    ("430104", "湖南省长沙市岳麓区", "长沙"),
    ("410105", "河南省郑州市金水区", "郑州"),
    ("340104", "安徽省合肥市蜀山区", "合肥"),
    ("210202", "辽宁省大连市中山区", "大连"),
    ("530102", "云南省昆明市五华区", "昆明"),
    ("450103", "广西壮族自治区南宁市青秀区", "南宁"),
    ("650102", "新疆维吾尔自治区乌鲁木齐市天山区", "乌鲁木齐"),
    ("360102", "江西省南昌市东湖区", "南昌"),
    ("520102", "贵州省贵阳市南明区", "贵阳"),
    ("130102", "河北省石家庄市长安区", "石家庄"),
    ("140105", "山西省太原市小店区", "太原"),
    ("150102", "内蒙古自治区呼和浩特市新城区", "呼和浩特"),
    ("230103", "黑龙江省哈尔滨市南岗区", "哈尔滨"),
    ("460106", "海南省海口市龙华区", "海口"),
    ("620102", "甘肃省兰州市城关区", "兰州"),
    ("640104", "宁夏回族自治区银川市兴庆区", "银川"),
]
BRAND = list("华中新恒瑞鑫盛泰德明宏远博创金天海达信安嘉诚益通丰和源隆锦辰凯腾龙兴宇星祥佳东正")
TRADE = [
    "科技",
    "贸易",
    "建设工程",
    "物流",
    "餐饮管理",
    "信息技术",
    "电子商务",
    "新材料",
    "环保科技",
    "文化传媒",
    "医疗器械",
    "农业开发",
    "食品",
    "机械设备",
    "房地产开发",
    "咨询服务",
    "教育科技",
    "生物科技",
    "汽车销售",
    "物业管理",
]
FORM = ["有限公司"] * 6 + ["有限责任公司"] * 2 + ["股份有限公司", "合伙企业（有限合伙）"]
INDUSTRY = [  # GB/T 4754 门类, roughly weighted
    *["批发和零售业"] * 6,
    *["租赁和商务服务业"] * 3,
    *["科学研究和技术服务业"] * 2,
    *["信息传输、软件和信息技术服务业"] * 2,
    *["制造业"] * 2,
    *["建筑业"] * 2,
    "住宿和餐饮业",
    "交通运输、仓储和邮政业",
    "房地产业",
    "居民服务、修理和其他服务业",
    "文化、体育和娱乐业",
    "农、林、牧、渔业",
    "电力、热力、燃气及水生产和供应业",
    "金融业",
    "教育",
    "卫生和社会工作",
    "水利、环境和公共设施管理业",
    "采矿业",
]
STATUS = ["存续"] * 10 + ["在业"] * 6 + ["注销"] * 2 + ["吊销", "迁出"]
NOTE_A = [
    "已报送2023年度年报",
    "2022年度年报未按时报送",
    "已公示即时信息",
    "列入经营异常名录（通过登记的住所或者经营场所无法联系）",
    "已移出经营异常名录",
    "简易注销公告期满",
    "小微企业",
    "高新技术企业",
    "国家级专精特新“小巨人”企业",
    "外商投资企业",
]
NOTE_B = [
    "法定代表人变更",
    "注册资本变更",
    "住所变更, 迁入本区",
    "经营范围变更",
    "股东变更, 章程备案",
    '名称变更，曾用名"华信商贸有限公司"',
    "投资人（股权）变更",
    "董事备案",
]
NOTE_C = [
    "经营范围：技术开发、技术咨询、技术服务、技术转让；软件开发；信息系统集成服务",
    "经营范围：一般项目：货物进出口；技术进出口；食品销售（仅销售预包装食品）",
    "经营范围：房地产开发经营；物业管理；停车场服务",
    "经营范围：餐饮服务；食品经营；酒类经营",
    "经营范围：道路货物运输（不含危险货物）；国内货物运输代理；装卸搬运",
    "经营范围：建设工程施工；建筑劳务分包；住宅室内装饰装修",
]
CHECK_CHARS = list("0123456789ABCDEFGHJKLMNPQRTUWXY")  # the alphabet of GB 32100 check characters
TITLE_LINES = ["数据库：全国市场主体登记信息", "指标：企业基本情况", "时间：2024年"]
TRAILER_LINES = ["注：注册资本单位为万元；从业人员数为年报数据。", "数据来源：国家市场监督管理总局"]


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _table_sql(rows: int, seed: int = SEED) -> str:
    """A SELECT producing `rows` rows of a 市场主体 register; every value a hash of (row, seed, column)."""

    def h(k: int) -> str:
        return f"hash(i, {seed * 100 + k})"

    def pick(values: list[str], k: int) -> str:
        return f"{_list(values)}[({h(k)} % {len(values)})::BIGINT + 1]"

    codes, names, cities = (_list([r[j] for r in REGIONS]) for j in range(3))
    return f"""
    SELECT
      {cities}[r] || {pick(BRAND, 2)} || {pick(BRAND, 3)} || {pick(TRADE, 4)} || {pick(FORM, 5)} AS "企业名称",
      '9' || {pick(["1", "1", "1", "1", "2", "3"], 6)} || {codes}[r]
          || upper(substr(md5(i::VARCHAR || '-{seed}'), 1, 9)) || {pick(CHECK_CHARS, 7)} AS "统一社会信用代码",
      {names}[r] AS "所在地区",
      {pick(INDUSTRY, 8)} AS "行业",
      CASE WHEN {h(9)} % 25 = 0 THEN NULL
           WHEN {h(10)} % 3 = 0
                THEN [10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000][({h(11)} % 10)::BIGINT + 1]::DOUBLE
           ELSE round(pow(10, 0.5 + ({h(12)} % 1000000) / 1000000.0 * 4.5), 2) END AS "注册资本（万元）",
      DATE '1985-01-01' + ({h(13)} % 14600)::INTEGER AS "成立日期",
      CASE WHEN {h(14)} % 10 = 0 THEN NULL
           ELSE floor(pow(10, ({h(15)} % 10000) / 10000.0 * 3.7))::BIGINT END AS "从业人员数",
      {pick(STATUS, 16)} AS "经营状态",
      CASE WHEN {h(17)} % 20 = 0 THEN NULL
           ELSE '1' || {pick(["3", "5", "7", "8", "9"], 18)} || lpad(({h(19)} % 1000000000)::VARCHAR, 9, '0')
      END AS "联系电话",
      nullif(concat_ws('；',
          CASE WHEN {h(20)} % 3 = 0 THEN {pick(NOTE_A, 21)} END,
          CASE WHEN {h(22)} % 4 = 0 THEN {pick(NOTE_B, 23)} END,
          CASE WHEN {h(24)} % 3 = 0 THEN {pick(NOTE_C, 25)} END), '') AS "备注"
    FROM (SELECT i, ({h(1)} % {len(REGIONS)})::BIGINT + 1 AS r FROM range({rows}) t(i))
    ORDER BY i
    """


@dataclass
class Inputs:
    csv: Path
    gbk: Path | None
    rows: int
    columns: int


def _cached(path: Path, meta: dict[str, Any]) -> bool:
    """True when `path` was generated with these parameters and is complete."""
    sidecar = path.with_suffix(path.suffix + ".json")
    if not (path.exists() and sidecar.exists()):
        return False
    saved = json.loads(sidecar.read_text())
    return all(saved.get(k) == v for k, v in meta.items()) and saved.get("bytes") == path.stat().st_size


def _save_meta(path: Path, meta: dict[str, Any]) -> None:
    path.with_suffix(path.suffix + ".json").write_text(
        json.dumps({**meta, "bytes": path.stat().st_size}, ensure_ascii=False, indent=1)
    )


def generate_csv(size_mb: int, threads: int) -> tuple[Path, int]:
    """The UTF-8 CSV of about `size_mb` MiB (cached); returns its path and row count."""
    import duckdb

    common.DATA.mkdir(parents=True, exist_ok=True)
    path = common.DATA / f"enterprises_{size_mb}mb.csv"
    meta: dict[str, Any] = {"generator": GENERATOR, "seed": SEED, "size_mb": size_mb}
    if _cached(path, meta):
        return path, json.loads(path.with_suffix(".csv.json").read_text())["rows"]
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    probe = common.DATA / "probe.csv"
    sample = 200_000
    con.execute(f"COPY ({_table_sql(sample)}) TO '{probe}' (FORMAT csv, HEADER true)")
    per_row = probe.stat().st_size / sample
    probe.unlink()
    rows = max(1000, round(size_mb * common.MIB / per_row))
    partial = path.with_suffix(".partial")
    con.execute(f"COPY ({_table_sql(rows)}) TO '{partial}' (FORMAT csv, HEADER true)")
    con.close()
    partial.replace(path)
    _save_meta(path, {**meta, "rows": rows})
    print(
        f"generated {path.name}: {rows:,} rows, {path.stat().st_size / common.MIB:,.0f} MiB"
        f" in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return path, rows


def generate_gbk(csv: Path, rows: int) -> Path:
    """The same table as a GBK government export: title lines above the header, notes below."""
    path = csv.with_name(csv.stem + "_gbk.csv")
    meta = {"generator": GENERATOR, "seed": SEED, "from": csv.name, "from_bytes": csv.stat().st_size}
    if _cached(path, meta):
        return path
    import codecs

    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with csv.open("rb") as fin, partial.open("wb") as fout:
        fout.write("".join(f"{line}\n" for line in TITLE_LINES).encode("gbk"))
        while chunk := fin.read(16 * common.MIB):
            fout.write(decoder.decode(chunk).encode("gbk"))
        fout.write(decoder.decode(b"", final=True).encode("gbk"))
        fout.write("".join(f"{line}\n" for line in TRAILER_LINES).encode("gbk"))
    partial.replace(path)
    _save_meta(path, {**meta, "rows": rows})
    print(
        f"generated {path.name}: {path.stat().st_size / common.MIB:,.0f} MiB in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return path


# -- the contenders ------------------------------------------------------------------------------
DUCKDB_SQL = "COPY (SELECT * FROM read_csv('{src}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"
# Replays of shuliu's own COPY statement in bare DuckDB, each without one of its read_csv options.
LEAVE_OUT = {
    "store_rejects": r", store_rejects=true, rejects_table='[^']*', rejects_scan='[^']*', rejects_limit=\d+",
    "null_padding": r", null_padding=true",
}


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mib: float
    rows: int
    columns: list[tuple[str, str]]  # (name, type)
    out_bytes: int
    stages: dict[str, float] = field(default_factory=dict)  # seconds, as far as the contender tells
    rss: dict[str, float] = field(default_factory=dict)  # MiB high-water marks at points inside the child
    sql: list[str] = field(default_factory=list)  # the COPY statements shuliu ran


@dataclass
class Contender:
    key: str  # how it runs: duckdb, replay, engine, cli
    label: str
    input: str  # utf8 or gbk
    leave_out: str = ""  # replay only: the read_csv option taken out of shuliu's statement
    runs: list[Run] = field(default_factory=list)


@dataclass
class Context:
    threads: int
    memory: str
    shuliu_sql: str = ""  # shuliu's read_csv COPY on the UTF-8 file, captured from the engine run


def _settings_defaults() -> tuple[int, str]:
    """The engine limits a shuliu installation uses unless configured otherwise."""
    from shuliu.config import Settings

    fields = Settings.model_fields
    return int(fields["engine_threads"].default), str(fields["engine_memory_limit"].default)


def _parquet_facts(path: Path) -> tuple[int, list[tuple[str, str]], int]:
    """Rows, (name, type) columns and bytes of Parquet file(s), read in this (the parent) process."""
    import duckdb

    files = sorted(path.glob("**/*.parquet")) if path.is_dir() else [path]
    con = duckdb.connect()
    src = "read_parquet([" + ", ".join(f"'{f}'" for f in files) + "])"
    (rows,) = con.execute(f"SELECT count(*) FROM {src}").fetchall()[0]
    cols = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    con.close()
    return int(rows), cols, sum(f.stat().st_size for f in files)


def _last_json(m: common.Measurement) -> dict[str, Any]:
    return json.loads(m.stdout.strip().splitlines()[-1])


def _run_sql(sql: str, work: Path, out: Path, ctx: Context, what: str) -> Run:
    (work / "query.sql").write_text(sql)
    cmd = [common.python(), "-m", "bench.ingest", "sql", str(work / "query.sql"), str(ctx.threads), ctx.memory]
    m = common.check(common.measure(cmd, env=common.clean_env(), logs=work), what)
    report = _last_json(m)
    rows, cols, size = _parquet_facts(out)
    return Run(m.wall_s, m.cpu_s, m.peak_mib, rows, cols, size, report["stages"], report["rss"])


def _run_duckdb(c: Contender, src: Path, work: Path, ctx: Context) -> Run:
    out = work / "duckdb.parquet"
    return _run_sql(DUCKDB_SQL.format(src=src, out=out), work, out, ctx, "duckdb")


def _run_replay(c: Contender, src: Path, work: Path, ctx: Context) -> Run:
    out = work / "replay.parquet"
    sql = _retarget(ctx.shuliu_sql, out)
    if c.leave_out:
        sql = re.sub(LEAVE_OUT[c.leave_out], "", sql)
    return _run_sql(sql, work, out, ctx, f"replay {c.leave_out}")


def _retarget(sql: str, out: Path) -> str:
    return re.sub(r"\) TO '[^']*' \(FORMAT", f") TO '{out}' (FORMAT", sql)


def _run_engine(c: Contender, src: Path, work: Path, ctx: Context) -> Run:
    staging = work / "staging"
    staging.mkdir()
    cmd = [common.python(), "-m", "bench.ingest", "engine", str(src), str(staging), str(ctx.threads), ctx.memory]
    m = common.check(common.measure(cmd, env=common.clean_env(), logs=work), "shuliu engine")
    report = _last_json(m)
    rows, cols, size = _parquet_facts(staging)
    assert rows == report["rows"], (rows, report["rows"])
    return Run(m.wall_s, m.cpu_s, m.peak_mib, rows, cols, size, report["stages"], report["rss"], report["sql"])


def _run_cli(c: Contender, src: Path, work: Path, ctx: Context) -> Run:
    home = work / "home"
    env = common.clean_env(
        SHULIU_HOME=str(home), SHULIU_ENGINE_THREADS=str(ctx.threads), SHULIU_ENGINE_MEMORY_LIMIT=ctx.memory
    )
    stages_file = work / "stages.json"
    cmd = [common.python(), "-m", "bench.ingest", "cli", str(stages_file)]
    cmd += ["ingest", str(src), "--name", "bench", "--json"]
    m = common.check(common.measure(cmd, env=env, logs=work), "shuliu ingest")
    result = _last_json(m)
    if "error" in result:
        raise SystemExit(f"shuliu ingest failed: {result['error']}")
    rows, cols, size = _parquet_facts(home / "store" / "versions")
    assert rows == result["rows"], (rows, result["rows"])
    report = json.loads(stages_file.read_text())
    return Run(m.wall_s, m.cpu_s, m.peak_mib, rows, cols, size, report["stages"], report["rss"])


RUNNERS = {"duckdb": _run_duckdb, "replay": _run_replay, "engine": _run_engine, "cli": _run_cli}


# -- the children (python -m bench.ingest sql|engine …) ---------------------------------------------
def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_sql(query_file: str, threads: str, memory: str) -> None:
    """Bare DuckDB: the statement in `query_file`, the same limits as shuliu."""
    started = time.perf_counter()
    import duckdb

    imported = time.perf_counter()
    rss = {"after import": _rss_mib()}
    tmp = Path(query_file).parent / "duckdb-tmp"
    con = duckdb.connect(
        config={"threads": int(threads), "memory_limit": memory, "temp_directory": str(tmp)},
    )
    con.execute("SET enable_progress_bar_print = false")  # the Python client draws a bar on stdout otherwise
    con.execute(Path(query_file).read_text())
    con.close()
    done = time.perf_counter()
    print(json.dumps({"stages": {"import": imported - started, "COPY": done - imported}, "rss": rss}))


def _child_engine(src: str, staging: str, threads: str, memory: str) -> None:
    """shuliu's conversion alone, with the time of each stage (from its progress reports and SQL)."""
    t0 = time.perf_counter()
    from shuliu.engine.core import DataEngine
    from shuliu.engine.ingest import IngestOptions, convert
    from shuliu.engine.ingest import text as text_reader

    marks: dict[str, float] = {"import": time.perf_counter()}
    rss = {"after import": _rss_mib()}
    copies: list[tuple[str, float, float, str]] = []  # (what, start, end, statement) of each COPY
    spent: dict[str, float] = {}

    class TimedEngine(DataEngine):
        def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
            began = time.perf_counter()
            try:
                return super().sql(query, params)
            finally:
                if query.startswith("COPY"):
                    kind = "read_csv" if "read_csv(" in query else "rewrite"
                    copies.append((kind, began, time.perf_counter(), query))

    def timed(name: str, label: str) -> None:
        """Time a helper of the text reader, where the current code has it."""
        fn = getattr(text_reader, name, None)
        if fn is None:
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - began

        setattr(text_reader, name, wrapper)

    timed("_refuse_utf8_lines", "of which mixed-encoding check")

    def progress(_fraction: float, stage: str) -> None:
        if stage not in marks:
            marks[stage] = time.perf_counter()
            if stage == "convert" or stage == "infer types":
                rss[f"before {stage}"] = _rss_mib()

    temp = Path(staging).parent / "duckdb-tmp"
    with TimedEngine(threads=int(threads), memory_limit=memory, temp_dir=temp) as engine:
        result = convert(Path(src), Path(staging), IngestOptions(), engine=engine, progress=progress)
    end = time.perf_counter()
    reads = [(a, b) for what, a, b, _ in copies if what == "read_csv"]
    after_sniff = marks.get("transcode", marks["infer types"])
    stages = {
        "import": marks["import"] - t0,
        "engine setup": marks["sniff"] - marks["import"],
        "sniff": after_sniff - marks["sniff"],
    }
    if "transcode" in marks:
        stages["transcode"] = marks["infer types"] - after_sniff
        stages.update(spent)
    stages["infer types"] = reads[0][0] - marks["infer types"]
    stages["DuckDB COPY"] = sum(b - a for a, b in reads)
    stages["finish"] = end - reads[-1][1]
    rewrites = sum(b - a for what, a, b, _ in copies if what == "rewrite")
    if rewrites:
        stages["of which Parquet rewrite"] = rewrites
    if len(reads) > 1:
        stages["COPY attempts"] = len(reads)
    sql = [q for what, _, _, q in copies if what == "read_csv"]
    print(json.dumps({"rows": result.rows, "stages": stages, "rss": rss, "sql": sql}, ensure_ascii=False))


def _child_cli(stages_file: str, *argv: str) -> None:
    """`shuliu …` through its entry point `shuliu.cli.main:main`, with timers around the steps of an ingest."""
    t0 = time.perf_counter()
    import shuliu.auth.service as auth
    import shuliu.catalog.ingest as ingest_job
    import shuliu.catalog.search as search
    import shuliu.catalog.service as catalog
    import shuliu.cli.main as cli
    import shuliu.platform as platform
    import shuliu.store.service as store

    spent: dict[str, float] = {"imports": time.perf_counter() - t0}
    rss = {"after import": _rss_mib()}

    def timed(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - began

        setattr(owner, name, wrapper)

    steps = [  # (owner, function, label) in the order an ingest meets them; "of which" = inside the one before
        (platform.Platform, "upgrade", "migrations"),
        (auth, "create_user", "local admin user (argon2)"),
        (ingest_job, "convert", "convert"),
        (ingest_job, "file_sha256", "of which SHA-256 of the source (a thread beside convert)"),
        (store.Store, "publish", "publish"),
        (catalog, "create_resource", "create resource"),
        (catalog, "add_version", "add version"),
        (search, "reindex", "of which search index (jieba)"),
    ]
    for owner, name, label in steps:
        timed(owner, name, label)
    sys.argv = ["shuliu", *argv]
    try:
        cli.main()
    finally:
        total = time.perf_counter() - t0
        order = ["imports"] + [label for _, _, label in steps]
        stages = {k: spent[k] for k in order if k in spent}
        counted = sum(v for k, v in stages.items() if not k.startswith("of which"))
        stages["other (start-up, job queue polling, exit)"] = total - counted
        Path(stages_file).write_text(json.dumps({"stages": stages, "rss": rss}))


# -- the benchmark -------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the generated CSV in MiB (default 1024)")
    parser.add_argument("--no-gbk", action="store_true", help="skip the GBK government-export variant")
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip the replays of shuliu's read_csv statement in bare DuckDB"
    )


def _contenders(gbk: bool, breakdown: bool) -> list[Contender]:
    cs = [
        Contender("duckdb", "DuckDB `read_csv` → Parquet", "utf8"),
        Contender("engine", "shuliu engine `convert` only", "utf8"),
    ]
    if breakdown:
        cs.append(Contender("replay", "shuliu's COPY statement in bare DuckDB", "utf8"))
        cs += [Contender("replay", f"… without `{o}`", "utf8", leave_out=o) for o in LEAVE_OUT]
    cs.append(Contender("cli", "shuliu `ingest` (CLI, end to end)", "utf8"))
    if gbk:
        cs += [
            Contender("engine", "shuliu engine `convert` only", "gbk"),
            Contender("cli", "shuliu `ingest` (CLI, end to end)", "gbk"),
        ]
    return cs


def _warm_up(ctx: Context) -> None:
    """One unmeasured run of each kind on a tiny file: compiles and caches the bytecode."""
    import duckdb

    work = common.OUT / "ingest" / "warm-up"
    common.remove(work)
    work.mkdir(parents=True)
    tiny = work / "tiny.csv"
    con = duckdb.connect()
    con.execute(f"COPY ({_table_sql(1000)}) TO '{tiny}' (FORMAT csv, HEADER true)")
    con.close()
    for key in ("duckdb", "engine", "cli"):
        sub = work / key
        sub.mkdir()
        RUNNERS[key](Contender(key, key, "utf8"), tiny, sub, ctx)
    common.remove(work)


def _sha256_seconds(path: Path) -> float:
    import hashlib

    started = time.perf_counter()
    with path.open("rb") as fh:
        hashlib.file_digest(fh, "sha256")
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> None:
    import os

    threads, memory = _settings_defaults()
    ctx = Context(threads, memory)
    csv, rows = generate_csv(args.size_mb, threads)
    gbk = None if args.no_gbk else generate_gbk(csv, rows)
    files = {"utf8": csv, "gbk": gbk}
    contenders = _contenders(gbk is not None, not args.no_breakdown)
    out_root = common.OUT / "ingest"
    common.remove(out_root)
    _warm_up(ctx)
    for path in {p for p in files.values() if p is not None}:
        common.warm_page_cache(path)
    load_before = os.getloadavg()
    for rep in range(args.repeat):
        for i, c in enumerate(contenders):
            work = out_root / f"{rep + 1}-{i + 1}-{c.key}-{c.input}{'-' + c.leave_out if c.leave_out else ''}"
            work.mkdir(parents=True)
            src = files[c.input]
            assert src is not None
            r = RUNNERS[c.key](c, src, work, ctx)
            c.runs.append(r)
            if c.key == "engine" and c.input == "utf8" and not ctx.shuliu_sql:
                ctx.shuliu_sql = r.sql[0]
                if str(csv) not in ctx.shuliu_sql:
                    raise SystemExit("shuliu did not read the UTF-8 file in place; cannot replay its statement")
            print(
                f"run {rep + 1}/{args.repeat} {c.key:<6} {c.input:<4} {c.leave_out:<13} {r.wall_s:7.2f} s"
                f" (cpu {r.cpu_s:6.2f} s) {r.peak_mib:7.0f} MiB  {r.rows:,} rows × {len(r.columns)}",
                file=sys.stderr,
            )
            if not args.keep:
                common.remove(work)
    load_after = os.getloadavg()
    if not args.keep:
        common.remove(out_root)
        if common.OUT.is_dir() and not any(common.OUT.iterdir()):
            common.OUT.rmdir()
    _check_agreement(contenders, rows)
    sha = {k: _sha256_seconds(p) for k, p in files.items() if p is not None}
    body = _report(contenders, files, rows, ctx, args.repeat, sha, (load_before[0], load_after[0]))
    print(f"## {TITLE}\n\n{body}")
    if not args.no_readme:
        common.update_readme("Machine", common.machine_section(common.machine()))
        common.update_readme(TITLE, body)
        print(f"updated {common.README}", file=sys.stderr)


def _check_agreement(contenders: list[Contender], rows: int) -> None:
    width = len(contenders[0].runs[0].columns)
    for c in contenders:
        for r in c.runs:
            if r.rows != rows:
                raise SystemExit(f"{c.label} ({c.input}) read {r.rows:,} rows, the generator wrote {rows:,}")
            if len(r.columns) != width:
                raise SystemExit(f"{c.label} ({c.input}) made {len(r.columns)} columns, DuckDB {width}: {r.columns}")


# -- the report ----------------------------------------------------------------------------------
def _med(c: Contender, attr: str) -> float:
    return common.median([getattr(r, attr) for r in c.runs])


def _stage(c: Contender, name: str) -> float:
    return common.median([r.stages.get(name, 0.0) for r in c.runs])


def _report(
    contenders: list[Contender],
    files: dict[str, Path | None],
    rows: int,
    ctx: Context,
    repeat: int,
    sha: dict[str, float],
    load: tuple[float, float],
) -> str:
    base = contenders[0]
    base_t, base_c, base_m = _med(base, "wall_s"), _med(base, "cpu_s"), _med(base, "peak_mib")
    labels = {"utf8": "UTF-8", "gbk": "GBK + title/trailer"}
    size = {k: p.stat().st_size / common.MIB for k, p in files.items() if p is not None}
    table = []
    for c in contenders:
        t = [r.wall_s for r in c.runs]
        m = [r.peak_mib for r in c.runs]
        table.append(
            [
                c.label,
                labels[c.input],
                f"{size[c.input]:,.0f}",
                f"{common.median(t):.2f} (min {min(t):.2f})",
                f"{size[c.input] / common.median(t):,.0f}",
                f"{_med(c, 'cpu_s'):.1f}",
                f"{common.median(m):,.0f} (max {max(m):,.0f})",
                f"{c.runs[0].out_bytes / common.MIB:,.0f}",
                "**1.00**" if c is base else f"**{common.median(t) / base_t:.2f}**",
                "1.00" if c is base else f"{_med(c, 'cpu_s') / base_c:.2f}",
                "**1.00**" if c is base else f"**{common.median(m) / base_m:.2f}**",
            ]
        )
    header = [
        "contender",
        "input",
        "file (MiB)",
        "time (s)",
        "MiB/s",
        "CPU (s)",
        "peak RSS (MiB)",
        "Parquet (MiB)",
        "time ÷ DuckDB",
        "CPU ÷ DuckDB",
        "memory ÷ DuckDB",
    ]
    parts = [
        f"{rows:,} rows × {len(base.runs[0].columns)} columns of a generated 市场主体 register "
        "(企业名称, 统一社会信用代码, 所在地区, 行业, 注册资本（万元）, 成立日期, 从业人员数, 经营状态, 联系电话, "
        "备注; some empty cells, some quoted fields). Times and memory are medians over "
        f"{_plural(repeat, 'run')} (min time, max memory in brackets); the ratios compare medians with the first row.",
        common.fmt_table(header, table, "llrrrrrrrrr"),
        _setup_text(ctx, repeat, load),
        _contenders_text(),
        "Where the time goes (seconds, medians; from the contenders' own reports):\n\n" + _stage_table(contenders),
        _overhead_text(contenders, sha, size),
        "Column types each side chose (DuckDB's sniffer against shuliu's inference):\n\n" + _types_table(contenders),
    ]
    return "\n\n".join(parts)


def _setup_text(ctx: Context, repeat: int, load: tuple[float, float]) -> str:
    return (
        f"Setup: each run is a fresh process (the contenders interleaved, {_plural(repeat, 'round')}), the inputs in "
        "the page cache, Python bytecode cached (one unmeasured warm-up run of each kind on a tiny file first). "
        f"DuckDB gets shuliu's default limits, threads={ctx.threads} and memory_limit={ctx.memory} (`engine_threads`, "
        "`engine_memory_limit` in `shuliu.config`). Peak RSS is the child's `ru_maxrss` from `wait4` (via a small "
        "wrapper process, see `bench/common.py`) and includes the interpreter and the imported libraries; CPU is "
        f"user + system time. 1-minute load average {load[0]:.1f} before and {load[1]:.1f} after the runs: on a "
        "busy machine wall times scatter, CPU times and ratios of interleaved runs much less."
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _contenders_text() -> str:
    return """\
What each contender does:

* **DuckDB `read_csv` → Parquet**: `COPY (SELECT * FROM read_csv('file.csv')) TO 'out.parquet' (FORMAT parquet, \
COMPRESSION zstd)` in a bare `duckdb` Python process; DuckDB's own sniffer picks dialect and types.
* **shuliu engine `convert` only**: `shuliu.engine.ingest.convert` in a process of its own (`DataEngine` = Ibis over \
DuckDB): sniffs encoding, delimiter, header, title lines and trailer from the head and tail of the file (Python), \
infers the column types from ~5,000 sample rows (one DuckDB aggregate), then one DuckDB `COPY … read_csv(…, \
auto_detect=false, columns={…}, null_padding=true, store_rejects=true …)` to Parquet, \
checks the rejects table, and finishes (drops empty unnamed columns; reads back the schema and row count). \
Text that is not UTF-8, or has a trailer, is first copied once into UTF-8 without the title and trailer lines \
— that copy is the "transcode" stage; for GBK it runs in one worker process per engine thread \
(`shuliu.engine.transcode`), each decoding its share of the file and checking it for pasted-in UTF-8 lines.
* **shuliu's COPY statement in bare DuckDB**: the exact `COPY … read_csv(…)` statement shuliu ran on the UTF-8 \
file (captured from the engine run), replayed in a bare `duckdb` process — the cost of shuliu's reader options \
without any of its Python. The "… without `option`" rows replay it with one option taken out.
* **shuliu `ingest` (CLI, end to end)**: `shuliu ingest file.csv --name bench --json` on a fresh `SHULIU_HOME`: \
start-up, the metadata migrations on a new SQLite database, the job queue, the conversion above, SHA-256 of the \
source file, the store's publish (SHA-256 of the Parquet, fsync, atomic rename) and the registration of the \
resource and its version in the catalog.
* The **GBK** file is the same table as a government export: GBK-encoded, with `数据库：…`, `指标：…`, `时间：…` \
title lines above the header and `注：…` / `数据来源：…` lines below the table. DuckDB is not run on it: its \
`read_csv` reads UTF-8, UTF-16 and Latin-1 only, unless its `encodings` extension is downloaded and loaded, and \
it would not skip the title and trailer lines on its own."""


def _stage_table(contenders: list[Contender]) -> str:
    rows = []
    for c in contenders:
        if c.key == "replay" and c.leave_out:
            continue
        keys = list(dict.fromkeys(k for r in c.runs for k in r.stages))
        cells = "; ".join(f"{k} {_stage(c, k):.2f}" for k in keys)
        rows.append([c.label, c.input, cells])
    return common.fmt_table(["contender", "input", "stages"], rows, "lll")


def _overhead_text(contenders: list[Contender], sha: dict[str, float], size: dict[str, float]) -> str:
    by = {(c.key, c.input, c.leave_out): c for c in contenders}
    duck = by[("duckdb", "utf8", "")]
    engine = by.get(("engine", "utf8", ""))
    cli = by.get(("cli", "utf8", ""))
    replay = by.get(("replay", "utf8", ""))
    lines = ["Where shuliu's overhead comes from (medians of this run):", ""]

    def cost(c: Contender, stage: str = "COPY") -> str:
        return f"{_stage(c, stage):.2f} s ({_med(c, 'cpu_s'):.1f} s CPU, {_med(c, 'peak_mib'):,.0f} MiB peak)"

    if engine is not None:
        fixed = sum(_stage(engine, k) for k in ("import", "engine setup", "sniff", "infer types"))
        lines.append(
            f"* **Fixed costs before DuckDB reads the file: {fixed:.2f} s** — importing shuliu's engine (Ibis, "
            f"PyArrow, pandas) {_stage(engine, 'import'):.2f} s, the Ibis DuckDB connection "
            f"{_stage(engine, 'engine setup'):.2f} s, sniffing {_stage(engine, 'sniff'):.2f} s, type inference "
            f"{_stage(engine, 'infer types'):.2f} s (bare DuckDB imports in {_stage(duck, 'import'):.2f} s). After "
            f"its imports the engine process holds {_rss(engine, 'after import'):,.0f} MiB, the DuckDB one "
            f"{_rss(duck, 'after import'):,.0f} MiB."
        )
        lines.append(
            f"* **The conversion itself**: shuliu's COPY statement {_stage(engine, 'DuckDB COPY'):.2f} s against "
            f"{_stage(duck, 'COPY'):.2f} s for DuckDB's default `read_csv` (which sniffs the dialect and types "
            "from a sample first)."
        )
    if replay is not None:
        leave = [by[("replay", "utf8", o)] for o in LEAVE_OUT if ("replay", "utf8", o) in by]
        effects = "; ".join(f"without `{c.leave_out}` {cost(c)}" for c in leave)
        lines.append(
            f"* **shuliu's `read_csv` options**, replayed in bare DuckDB: {cost(replay)}, against {cost(duck)} for "
            f"DuckDB's defaults; {effects}. `store_rejects` has DuckDB record rejected lines as it goes, which "
            "shuliu turns into errors naming the line (or a wider type and a retry). shuliu keeps DuckDB's "
            "default line size: an earlier version allowed 16 MiB lines, which sized DuckDB's read buffers and "
            "doubled the peak memory on every file."
        )
    if cli is not None:
        st = {k: _stage(cli, k) for k in dict.fromkeys(k for r in cli.runs for k in r.stages)}
        convert = st.get("convert", 0.0)
        around = _med(cli, "wall_s") - convert
        lines.append(
            f"* **The CLI around the conversion: {around:.2f} s** of wall time — "
            + ", ".join(f"{k} {v:.2f} s" for k, v in st.items() if k != "convert" and not k.startswith("other"))
            + f"; the conversion in it took {convert:.2f} s. The SHA-256 of the source (recorded as the version's "
            f"`source_sha256`; {sha['utf8']:.2f} s alone here, {size['utf8'] / sha['utf8']:,.0f} MiB/s) and the "
            "loading of jieba's dictionary run on threads beside the conversion, so their times overlap it rather "
            "than add to it; on two cores they still compete with DuckDB for CPU, which is the CPU ratio above. "
            "Publishing hashes the Parquet once more and fsyncs it. "
            f"The CLI process holds {_rss(cli, 'after import'):,.0f} MiB after its imports."
        )
    gbk_engine = by.get(("engine", "gbk", ""))
    if gbk_engine is not None:
        tc = _stage(gbk_engine, "transcode")
        check = _stage(gbk_engine, "of which mixed-encoding check")
        extra = f", of which {check:.2f} s is the scan for UTF-8 lines in the GBK file"
        lines.append(
            f"* **GBK**: the copy to UTF-8 (Python's GB18030 decoder in worker processes, cutting off the title and "
            "trailer) takes "
            f"{tc:.2f} s ({size['gbk'] / tc:,.0f} MiB/s){extra if check else ''}; DuckDB then reads the UTF-8 copy "
            f"in {_stage(gbk_engine, 'DuckDB COPY'):.2f} s."
        )
    duck_types = dict(duck.runs[0].columns)
    ours = next((c for c in contenders if c.key in ("cli", "engine")), None)
    if ours is not None:
        differ = [(n, duck_types.get(n), t) for n, t in ours.runs[0].columns if duck_types.get(n) != t]
        if differ:
            lines.append(
                "* **Types**: the two sides differ on "
                + ", ".join(f"{n} (DuckDB {d}, shuliu {t})" for n, d, t in differ)
                + "; shuliu keeps columns whose names say they are codes (代码, 电话 …) as strings, so a leading 0 "
                "survives. The Parquet sizes differ accordingly."
            )
    return "\n".join(lines)


def _rss(c: Contender, point: str) -> float:
    return common.median([r.rss.get(point, 0.0) for r in c.runs])


def _types_table(contenders: list[Contender]) -> str:
    duck = contenders[0].runs[0].columns
    ours = next(c for c in contenders if c.key == "cli").runs[0].columns
    rows = [[n, t, o] for (n, t), (_, o) in zip(duck, ours, strict=True)]
    return common.fmt_table(["column", "DuckDB", "shuliu"], rows, "lll")


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    {"sql": _child_sql, "engine": _child_engine, "cli": _child_cli}[kind](*rest)
