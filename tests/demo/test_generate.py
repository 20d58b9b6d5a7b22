"""Tests for the synthetic demo dataset generator."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from shuliu.demo.generate import DEMO_ORGS, DemoDataset, generate_demo_files

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# ---------------------------------------------------------------- independent validators


def id_number_valid(value: str) -> bool:
    """GB 11643-1999 ISO 7064 MOD 11-2 check."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def org_code_valid(code9: str) -> bool:
    """GB 11714 组织机构代码 check."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(code9[:8], weights, strict=True))
    check = 11 - total % 11
    expected = "X" if check == 10 else "0" if check == 11 else str(check)
    return code9[8] == expected


def uscc_valid(value: str) -> bool:
    """GB 32100-2015 统一社会信用代码 check (plus the embedded 组织机构代码 check)."""
    if len(value) != 18 or any(c not in USCC_CHARSET for c in value):
        return False
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(value[:17]))
    return USCC_CHARSET[(31 - total % 31) % 31] == value[17] and org_code_valid(value[8:17])


def test_validators_on_known_codes() -> None:
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    assert uscc_valid("914403001922038216")
    assert not uscc_valid("914403001922038217")


# ---------------------------------------------------------------- fixtures / helpers


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, DemoDataset]]:
    out = tmp_path_factory.mktemp("demo")
    datasets = generate_demo_files(out)
    return out, {d.name: d for d in datasets}


def read_titled_gbk_csv(path: Path, n_title: int, n_trailer: int) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a GBK CSV with title lines above and trailer notes below."""
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(r) == 1 for r in rows[:n_title] + rows[len(rows) - n_trailer :])
    assert rows[-2][0].startswith("注：")
    assert rows[-1][0].startswith("数据来源：")
    return rows[n_title], rows[n_title + 1 : len(rows) - n_trailer]


# ---------------------------------------------------------------- tests


def test_deterministic_bytes(tmp_path: Path) -> None:
    first = generate_demo_files(tmp_path / "a")
    second = generate_demo_files(tmp_path / "b")
    assert first == second
    for ds in first:
        assert (tmp_path / "a" / ds.filename).read_bytes() == (tmp_path / "b" / ds.filename).read_bytes()
    generate_demo_files(tmp_path / "c", seed=7)
    name = first[0].filename
    assert (tmp_path / "c" / name).read_bytes() != (tmp_path / "a" / name).read_bytes()


def test_metadata(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    assert len(datasets) == 6
    org_codes = {o.code for o in DEMO_ORGS}
    assert len(DEMO_ORGS) == 6 and len(org_codes) == 6
    assert all(uscc_valid(o.code) for o in DEMO_ORGS)
    for ds in datasets.values():
        assert (out / ds.filename).is_file()
        assert ds.org_code in org_codes
        assert ds.category in ("基础", "主题", "部门")
        assert ds.share_type in ("无条件共享", "有条件共享", "不予共享")
        assert ds.open_type in ("无条件开放", "有条件开放", "不予开放")
        assert ds.update_cycle in ("实时", "每日", "每周", "每月", "每季度", "每年", "不定期")
        assert (ds.share_basis is None) == (ds.share_type == "无条件共享")
        assert ds.summary and ds.tags and ds.columns and ds.rows > 0


def test_population(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["人口基础信息"]
    with (out / ds.filename).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    assert tuple(header) == ds.columns
    assert len(rows) == ds.rows == 3000
    ids = [r["公民身份号码"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert any(i.endswith("X") for i in ids)
    for r in rows:
        number = r["公民身份号码"]
        assert id_number_valid(number), number
        assert number[:2] == "42"
        assert f"{number[6:10]}-{number[10:12]}-{number[12:14]}" == r["出生日期"]
        assert r["性别"] == ("男" if int(number[16]) % 2 else "女")
        assert r["户籍地址"].startswith("湖北省")
        phone = r["联系电话"]
        assert phone == "" or (len(phone) == 11 and phone.isdigit() and phone[:2] in ("13", "15", "18", "19"))
    assert {r["民族"] for r in rows} >= {"汉族", "土家族"}


def test_enterprises_xlsx(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["市场主体登记信息"]
    sheet = CalamineWorkbook.from_path(out / ds.filename).get_sheet_by_index(0)
    assert sheet.name == "企业名录"
    width = len(ds.columns)
    assert ((0, 0), (0, width - 1)) in sheet.merged_cell_ranges
    data = sheet.to_python()
    assert data[0][0] == "湖北省市场主体登记信息（截至2025年12月31日）"
    assert all(v == "" for v in data[1])
    assert tuple(data[2]) == ds.columns
    body = data[3:]
    assert len(body) == ds.rows == 1200
    capital_col = ds.columns.index("注册资本（万元）")
    code_col = ds.columns.index("统一社会信用代码")
    codes = [r[code_col] for r in body]
    assert len(set(codes)) == len(codes)
    for r in body:
        assert uscc_valid(r[code_col]), r[code_col]
        assert r[code_col][2:4] == "42"
        assert isinstance(r[capital_col], float) and r[capital_col] > 0
        assert r[ds.columns.index("经营状态")] in ("存续", "在业", "注销", "吊销")
        datetime.strptime(r[ds.columns.index("成立日期")], "%Y-%m-%d")


def test_telemetry(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["工业设备运行监测数据"]
    lines = (out / ds.filename).read_text(encoding="utf-8").splitlines()
    assert len(lines) == ds.rows
    assert 19000 <= ds.rows <= 22000
    records = [json.loads(line) for line in lines]
    assert all(tuple(r) == ds.columns for r in records)
    assert {r["运行状态"] for r in records} == {"正常", "告警", "停机"}
    times = [datetime.strptime(r["采集时间"], "%Y-%m-%d %H:%M:%S") for r in records]
    assert min(times) == datetime(2025, 11, 1)
    assert all(t.minute % 5 == 0 and t.second == 0 for t in times)
    stopped = [r for r in records if r["运行状态"] == "停机"]
    assert all(r["转速（rpm）"] in (0, None) for r in stopped)


def test_service_items_gbk(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["政务服务事项清单"]
    header, rows = read_titled_gbk_csv(out / ds.filename, n_title=3, n_trailer=2)
    assert tuple(header) == ds.columns
    assert len(rows) == ds.rows == 400
    text = "\n".join(",".join(r) for r in rows)
    assert any(ch in text for ch in "０１２３４５６７８９")
    assert "(" in text and "（" in text
    assert any(cell.endswith(" ") for r in rows for cell in r)
    assert any(cell == "" for r in rows for cell in r)
    types = {r[ds.columns.index("事项类型")] for r in rows}
    assert types == {"行政许可", "行政给付", "行政确认", "公共服务", "其他行政权力"}
    phones = [r[ds.columns.index("咨询电话")] for r in rows]
    assert all(p == "" or (p.startswith("027-8") and len(p) == 12) for p in phones)


def test_gdp_gbk(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["湖北省各市州地区生产总值"]
    header, rows = read_titled_gbk_csv(out / ds.filename, n_title=3, n_trailer=2)
    assert tuple(header) == ds.columns
    assert header[:3] == ["地区", "2025年", "2024年"] and header[-1] == "2016年"
    assert len(rows) == ds.rows == 17
    by_region = {r[0]: r for r in rows}
    assert "恩施土家族苗族自治州" in by_region and "神农架林区" in by_region
    assert all(r[1] == "" for r in rows)
    assert 15000 < float(by_region["武汉市"][2]) < 30000
    assert 20 < float(by_region["神农架林区"][2]) < 80


def test_heilongjiang_tsv(generated: tuple[Path, dict[str, DemoDataset]]) -> None:
    out, datasets = generated
    ds = datasets["黑龙江省规模以上工业企业名录"]
    raw = (out / ds.filename).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter="\t"))
    assert tuple(rows[0]) == ds.columns
    body = rows[1:]
    assert len(body) == ds.rows == 300
    code_col = ds.columns.index("统一社会信用代码")
    for r in body:
        assert uscc_valid(r[code_col]), r[code_col]
        assert r[code_col][2:4] == "23"
        assert r[ds.columns.index("DCMM等级")] in ("", "一级", "二级", "三级", "四级", "五级")
        assert float(r[ds.columns.index("营业收入（万元）")].replace(",", "")) >= 2000
