"""Each source format, the options users correct, and bad input with messages naming the problem."""

from __future__ import annotations

import codecs
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shuliu.engine.core import DataEngine
from shuliu.engine.ingest import IngestOptions, convert, detect_format
from shuliu.engine.ingest.finish import PART
from shuliu.errors import IngestError, SourceUnavailable, ValidationFailed


def run(path: Path | None, tmp_path: Path, source_url: str | None = None, **options: Any):  # type: ignore[no-untyped-def]
    staging = tmp_path / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    with DataEngine() as engine:
        result = convert(
            path, staging, IngestOptions(**options), engine=engine, progress=lambda f, s: None, source_url=source_url
        )
        rows = engine.preview(engine.table([staging / PART]), limit=1_000_000).to_pylist()
    return result, rows


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


# -- text ------------------------------------------------------------------------------------------
def test_utf8_bom_semicolon(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", codecs.BOM_UTF8 + "姓名;年龄\n张三;30\n李四;41\n".encode())
    result, rows = run(path, tmp_path)
    assert [c.name for c in result.columns] == ["姓名", "年龄"]
    assert result.report["encoding"] == "UTF-8 (BOM)" and result.report["delimiter"] == "semicolon"
    assert rows == [{"姓名": "张三", "年龄": 30}, {"姓名": "李四", "年龄": 41}]


def test_gbk_tsv_and_utf16(tmp_path: Path) -> None:
    gbk = write(tmp_path, "g.tsv", "区划\t人口\n武汉市\t1377\n", "gbk")
    result, rows = run(gbk, tmp_path)
    assert result.report["encoding"] == "GBK/GB18030" and rows[0] == {"区划": "武汉市", "人口": 1377}
    utf16 = write(tmp_path, "u.csv", "名称,数量\n甲,1\n乙,2\n".encode("utf-16"))
    result, rows = run(utf16, tmp_path / "x")
    assert result.report["encoding"] == "UTF-16" and rows[1] == {"名称": "乙", "数量": 2}


def test_code_columns_stay_strings_and_dates_are_typed(tmp_path: Path) -> None:
    text = (
        "公民身份号码,邮编,人数,金额,日期,时间,标志,区划代码\n"
        "11010519491231002X,010000,3,1.5,2024-01-02,2024-01-02 08:00:00,true,420102\n"
        "440524188001010014,430000,4,2,2024-02-03,2024-02-03 09:30:00,false,420106\n"
    )
    result, rows = run(write(tmp_path, "t.csv", text), tmp_path)
    types = {c.name: c.type for c in result.columns}
    assert types == {
        "公民身份号码": "string",
        "邮编": "string",
        "人数": "int64",
        "金额": "float64",
        "日期": "date",
        "时间": "timestamp",
        "标志": "boolean",
        "区划代码": "string",
    }
    assert rows[0]["邮编"] == "010000"


def test_late_value_widens_type_instead_of_failing(tmp_path: Path) -> None:
    lines = ["编号,数值"] + [f"{i},{i}" for i in range(1, 200_001)] + ["200001,未知"]
    result, rows = run(write(tmp_path, "w.csv", "\n".join(lines) + "\n"), tmp_path)
    assert {c.name: c.type for c in result.columns}["数值"] == "string"
    assert result.rows == 200_001 and rows[-1]["数值"] == "未知"


def test_user_types_are_applied_and_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "代码,值\n001,1\n002,2\n")
    result, _rows = run(path, tmp_path, column_types={"值": "float64"})
    assert {c.name: c.type for c in result.columns}["值"] == "float64"
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path / "b", column_types={"代码": "date"})
    assert exc.value.details["column"] == "代码" and "line 2" in exc.value.message


def test_header_row_and_no_header_options(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "说明,,\n单位,元,\na,b,c\n1,2,3\n")
    result, _ = run(path, tmp_path, header_row=3)
    assert [c.name for c in result.columns] == ["a", "b", "c"] and result.rows == 1
    plain = write(tmp_path, "n.csv", "1,2\n3,4\n")
    result, rows = run(plain, tmp_path / "n")
    assert [c.name for c in result.columns] == ["列1", "列2"] and rows == [{"列1": 1, "列2": 2}, {"列1": 3, "列2": 4}]


def test_duplicate_and_empty_headers_are_named_and_reported(tmp_path: Path) -> None:
    result, _ = run(write(tmp_path, "d.csv", "名称,名称,,值\na,b,c,1\n"), tmp_path)
    assert [c.name for c in result.columns] == ["名称", "名称_2", "列3", "值"]
    warnings = " ".join(result.report["warnings"])
    assert "column 2 renamed 名称_2" in warnings and "column 3 has no header" in warnings


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"\x00\x01\x02\x03binary\x00", "binary data"),
        (b"PK\x03\x04rest-of-a-zip", "ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office file"),
    ],
)
def test_bad_files_name_the_file_and_problem(tmp_path: Path, data: bytes, message: str) -> None:
    path = write(tmp_path, "坏文件.csv", data)
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path)
    assert "坏文件.csv" in exc.value.message and message in exc.value.message


def test_ragged_row_with_extra_values_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9\n")
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path)
    assert exc.value.details["line"] == 3 and "4 fields but the header has 3" in exc.value.message


def test_short_rows_are_padded_and_empty_extra_fields_tolerated(tmp_path: Path) -> None:
    result, rows = run(write(tmp_path, "p.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,,\n"), tmp_path)
    assert [c.name for c in result.columns] == ["a", "b", "c"]
    assert rows[1] == {"a": 4, "b": 5, "c": None} and result.rows == 3


def test_mixed_encoding_names_the_line(tmp_path: Path) -> None:
    body = "名称,值\n".encode("gbk") + "武汉,1\n".encode("gbk") * 50 + "宜昌,2\n".encode()
    with pytest.raises(IngestError) as exc:
        run(write(tmp_path, "m.csv", body), tmp_path)
    assert exc.value.details["line"] == 52 and "mixes encodings" in exc.value.message
    utf8 = "名称,值\n".encode() + "武汉,1\n".encode() * 50 + "宜昌,2\n".encode("gbk")
    with pytest.raises(IngestError) as exc:
        run(write(tmp_path, "m2.csv", utf8), tmp_path / "b")
    assert "line 52" in exc.value.message


# -- spreadsheets -----------------------------------------------------------------------------------
def test_xlsx_merged_group_header_and_sheets(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append(["2025年各市州主要指标"])
    ws.merge_cells("A1:E1")
    ws.append(["地区", "2024年", None, "2025年", None])
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:E2")
    ws.merge_cells("A2:A3")
    ws.append([None, "上半年", "下半年", "上半年", "下半年"])
    ws.append(["武汉市", 1.5, 2.5, 3, 4])
    ws.append(["宜昌市", 0.5, 0.7, 0.8, 0.9])
    ws.append(["注：演示数据"])
    other = wb.create_sheet("明细")
    other.append(["数量", "名称"])
    other.append([1, "甲"])
    path = tmp_path / "m.xlsx"
    wb.save(path)
    result, rows = run(path, tmp_path)
    assert [c.name for c in result.columns] == [
        "地区",
        "2024年_上半年",
        "2024年_下半年",
        "2025年_上半年",
        "2025年_下半年",
    ]
    assert result.report["header_rows"] == 2 and result.report["trailer"] == ["注：演示数据"]
    assert rows[0] == {
        "地区": "武汉市",
        "2024年_上半年": 1.5,
        "2024年_下半年": 2.5,
        "2025年_上半年": 3.0,
        "2025年_下半年": 4.0,
    }
    result, rows = run(path, tmp_path / "s", sheet="明细")
    assert rows == [{"数量": 1, "名称": "甲"}] and result.report["sheets"] == ["汇总", "明细"]
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path / "t", sheet="不存在")
    assert "汇总, 明细" in exc.value.message


def test_xls_legacy_workbook(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("数据")
    for r, row in enumerate([["单位名称", "人数"], ["武汉大学", 1000], ["华中科技大学", 2000.0]]):
        for c, v in enumerate(row):
            sheet.write(r, c, v)
    path = tmp_path / "x.xls"
    book.save(str(path))
    result, rows = run(path, tmp_path)
    assert rows == [{"单位名称": "武汉大学", "人数": 1000}, {"单位名称": "华中科技大学", "人数": 2000}]
    assert {c.name: c.type for c in result.columns}["人数"] == "int64"


def test_ods_sheet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("odf")
    path = tmp_path / "o.ods"
    with pd.ExcelWriter(path, engine="odf") as w:
        pd.DataFrame({"城市": ["武汉", "襄阳"], "GDP": [20011.65, 5842.91]}).to_excel(w, sheet_name="经济", index=False)
    result, rows = run(path, tmp_path)
    assert result.report["sheet"] == "经济"
    assert rows == [{"城市": "武汉", "GDP": 20011.65}, {"城市": "襄阳", "GDP": 5842.91}]


def test_corrupt_workbook(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 this is not a real workbook")
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path)
    assert "broken.xlsx" in exc.value.message


# -- JSON, Parquet --------------------------------------------------------------------------------------
def test_json_array_and_ndjson(tmp_path: Path) -> None:
    records = [
        {"设备": "A-1", "温度": 21.5, "时间": "2025-11-01 00:00:00"},
        {"设备": "A-2", "温度": 22.0, "时间": "2025-11-01 00:05:00"},
    ]
    path = write(tmp_path, "a.json", json.dumps(records, ensure_ascii=False))
    result, rows = run(path, tmp_path)
    assert result.rows == 2 and rows[0]["设备"] == "A-1"
    nd = write(tmp_path, "b.ndjson", "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    result, rows = run(nd, tmp_path / "n")
    assert [c.name for c in result.columns] == ["设备", "温度", "时间"] and rows[1]["温度"] == 22.0
    gbk = write(tmp_path, "c.json", json.dumps(records, ensure_ascii=False), "gbk")
    result, _ = run(gbk, tmp_path / "g")
    assert result.report["encoding"] == "GBK/GB18030"


def test_broken_json_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as exc:
        run(write(tmp_path, "bad.ndjson", '{"a": 1}\n{"a": \n'), tmp_path)
    assert "bad.ndjson" in exc.value.message and "NDJSON" in exc.value.message


def test_parquet_roundtrip_and_fake_parquet(tmp_path: Path) -> None:
    table = pa.table({"名称": ["甲", "乙"], "数量": pa.array([1, 2], pa.int32())})
    pq.write_table(table, tmp_path / "in.parquet")
    _result, rows = run(tmp_path / "in.parquet", tmp_path)
    assert rows == [{"名称": "甲", "数量": 1}, {"名称": "乙", "数量": 2}]
    with pytest.raises(IngestError, match="not a Parquet file"):
        run(write(tmp_path, "fake.parquet", b"hello"), tmp_path / "f")


def test_format_detection_without_extension(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": [1]}), tmp_path / "noext")
    assert detect_format(tmp_path / "noext") == "parquet"
    assert detect_format(write(tmp_path, "j", '[{"a":1}]')) == "json"
    assert detect_format(write(tmp_path, "k", '{"a":1}\n{"a":2}\n')) == "ndjson"
    assert detect_format(write(tmp_path, "c", "a,b\n1,2\n")) == "csv"


# -- SQL databases ----------------------------------------------------------------------------------------
def test_sqlite_table_and_query(tmp_path: Path) -> None:
    db = tmp_path / "src.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE 企业 (名称 TEXT, 资本 REAL, 成立 DATE, 人数 INTEGER)")
    con.executemany(
        "INSERT INTO 企业 VALUES (?,?,?,?)", [("甲公司", 100.5, "2020-01-01", 10), ("乙公司", None, "2021-06-30", None)]
    )
    con.commit()
    con.close()
    result, rows = run(None, tmp_path, source_url=f"sqlite:///{db}", sql_table="企业")
    assert [c.name for c in result.columns] == ["名称", "资本", "成立", "人数"]
    assert result.rows == 2 and rows[1]["资本"] is None
    result, rows = run(
        None, tmp_path / "q", source_url=f"sqlite:///{db}", sql_query="SELECT 名称 FROM 企业 WHERE 人数 > 5"
    )
    assert rows == [{"名称": "甲公司"}]


def test_failing_sql_sources_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable) as exc:
        run(None, tmp_path, source_url="postgresql+psycopg://nobody:secret@127.0.0.1:1/nodb", sql_table="t")
    assert "secret" not in exc.value.message and "***" in exc.value.message
    db = tmp_path / "e.db"
    sqlite3.connect(db).close()
    with pytest.raises(SourceUnavailable, match="no table 'missing'"):
        run(None, tmp_path / "b", source_url=f"sqlite:///{db}", sql_table="missing")
    with pytest.raises(SourceUnavailable):
        run(None, tmp_path / "c", source_url=f"sqlite:///{db}", sql_query="SELEC nonsense")
    with pytest.raises(SourceUnavailable, match="not a usable"):
        run(None, tmp_path / "d", source_url="nosuchdialect://x/y", sql_table="t")
    with pytest.raises(ValidationFailed):
        run(None, tmp_path / "e", source_url=f"sqlite:///{db}")


def test_postgres_table(tmp_path: Path, pg_template: str) -> None:
    from sqlalchemy import create_engine, text

    from tests.conftest import drop_pg_database, make_pg_database

    name, url = make_pg_database(pg_template)
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE src (id integer, 名称 text, 金额 numeric(12,2), 日期 date)"))
            conn.execute(text("INSERT INTO src VALUES (1, '甲', 12.34, '2024-01-01'), (2, '乙', NULL, NULL)"))
        engine.dispose()
        result, rows = run(None, tmp_path, source_url=url, sql_table="src")
        types = {c.name: c.type for c in result.columns}
        assert types["金额"] == "decimal(12,2)" and types["日期"] == "date"
        assert str(rows[0]["金额"]) == "12.34"
    finally:
        drop_pg_database(name)


def test_overlong_line_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", "a,b\n1,2\n3," + "x" * (3 << 20) + "\n5,6\n")
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path)
    assert exc.value.details["line"] == 3 and "long.csv" in exc.value.message


def test_large_gbk_file_is_transcoded_in_parallel_and_checked(tmp_path: Path) -> None:
    from shuliu.engine import transcode

    row = "武汉市江岸区,测试企业有限公司,123.5\n".encode("gbk")
    n = transcode.PARALLEL_MIN // len(row) + 1000
    body = "地区,名称,金额\n".encode("gbk") + row * n
    path = write(tmp_path, "big.csv", body)
    with DataEngine() as engine:
        staging = tmp_path / "s"
        staging.mkdir()
        result = convert(path, staging, IngestOptions(), engine=engine, progress=lambda f, s: None)
    assert result.rows == n and result.report["encoding"] == "GBK/GB18030"
    planted = write(tmp_path, "planted.csv", body + "宜昌市,另一家公司,1\n".encode() + row * 10)
    with pytest.raises(IngestError) as exc:
        run(planted, tmp_path / "p")
    assert exc.value.details["line"] == n + 2 and "mixes encodings" in exc.value.message


@pytest.mark.parametrize(
    "values,typ,bad_row",
    [
        (["1", "2", "21445.98"], "int64", 3),
        (["1", "1.5"], "int64", 2),
        (["2024-01-01", "2024-01-02 10:30:00"], "date", 2),
        (["true", "2"], "boolean", 2),
    ],
)
def test_type_corrections_never_change_values(tmp_path: Path, values: list[str], typ: str, bad_row: int) -> None:
    path = write(tmp_path, "v.csv", "名称,值\n" + "".join(f"x,{v}\n" for v in values))
    with pytest.raises(IngestError) as exc:
        run(path, tmp_path, column_types={"值": typ})
    assert exc.value.details["column"] == "值" and exc.value.details["line"] == bad_row + 1


def test_lossless_type_corrections_pass(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", "名称,值,日\nx,2.0,2024-01-01 00:00:00\ny,3,2024-01-02\n")
    _result, rows = run(path, tmp_path, column_types={"值": "int64", "日": "date"})
    assert rows[0]["值"] == 2 and str(rows[1]["日"]) == "2024-01-02"
