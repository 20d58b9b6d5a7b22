"""Every real government file in shared/data/gov_tabular ingests with the right header and columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuliu.engine.core import DataEngine
from shuliu.engine.ingest import IngestOptions, convert
from shuliu.engine.ingest.finish import PART
from tests.conftest import SHARED_DATA

GOV = SHARED_DATA / "gov_tabular"
YEARS_2025 = [f"{y}年" for y in range(2025, 2005, -1)]
YEARS_2024 = [f"{y}年" for y in range(2024, 2005, -1)]

# file → (rows, header, encoding label, title lines count)
EXPECTED = {
    "nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv": (31, ["地区", *YEARS_2024], "GBK/GB18030", 3),
    "nbs_provincial_annual/population_sample_survey_by_province.gbk.csv": (31, ["地区", *YEARS_2025], "GBK/GB18030", 3),
    "nbs_provincial_annual/urban_unit_employment_by_province.gbk.csv": (31, ["地区", *YEARS_2025], "GBK/GB18030", 3),
    "nbs_provincial_annual/fixed_asset_funds_growth_pct_by_province.gbk.csv": (
        31,
        ["地区", *YEARS_2025],
        "GBK/GB18030",
        3,
    ),
    "nbs_provincial_annual/local_fiscal_expenditure_one_province.utf8bom_tabcomma.csv": (
        None,
        ["指标", *[f"{y}年" for y in range(2024, 2015, -1)]],
        "UTF-8 (BOM)",
        2,
    ),
    "covid19_daily_cn/2020-01-24.csv": (238, None, "UTF-8", 0),
    "covid19_daily_cn/2020-02-10.csv": (543, None, "UTF-8", 0),
    "covid19_daily_cn/2020-12-08.csv": (755, None, "UTF-8", 0),
}
COVID_HEADER = [
    "date",
    "country",
    "countryCode",
    "province",
    "provinceCode",
    "city",
    "cityCode",
    "confirmed",
    "suspected",
    "cured",
    "dead",
]
MOE_HEADER = ["序号", "学校名称", "学校标识码", "主管部门", "所在地", "办学层次", "备注"]


def _convert(path: Path, tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    staging = tmp_path / "staging"
    staging.mkdir(exist_ok=True)
    with DataEngine() as engine:
        result = convert(path, staging, IngestOptions(**options), engine=engine, progress=lambda f, s: None)  # type: ignore[arg-type]
        rows = engine.preview(engine.table([staging / PART]), limit=100000).to_pylist()
    return result, rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_text_exports(name: str, tmp_path: Path) -> None:
    rows, header, encoding, titles = EXPECTED[name]
    result, data = _convert(GOV / name, tmp_path)
    names = [c.name for c in result.columns]
    assert names == (header or COVID_HEADER)
    assert result.report["encoding"] == encoding
    assert len(result.report["title_lines"]) == titles
    if rows is not None:
        assert result.rows == rows
    assert not any(str(r[names[0]]).startswith(("注", "数据来源")) for r in data), "trailer notes became rows"


def test_nbs_values_are_numbers_and_trailer_is_reported(tmp_path: Path) -> None:
    result, data = _convert(GOV / "nbs_provincial_annual/gdp_by_province_2006_2024.gbk.csv", tmp_path)
    types = {c.name: c.type for c in result.columns}
    assert types["地区"] == "string" and types["2024年"] == "float64"
    beijing = next(r for r in data if r["地区"] == "北京市")
    assert beijing["2024年"] == pytest.approx(49670.2)
    assert result.report["title_lines"][1] == "指标：地区生产总值(亿元)"
    assert result.report["trailer"][-1] == "数据来源：国家统计局"


def test_population_notes_spanning_lines_are_trailer(tmp_path: Path) -> None:
    result, data = _convert(GOV / "nbs_provincial_annual/population_sample_survey_by_province.gbk.csv", tmp_path)
    assert [r["地区"] for r in data][-1] == "新疆维吾尔自治区"
    assert len(result.report["trailer"]) == 3  # 注：1… / 2… / 数据来源


def test_mixed_tab_comma_separator_and_empty_trailing_column(tmp_path: Path) -> None:
    result, data = _convert(
        GOV / "nbs_provincial_annual/local_fiscal_expenditure_one_province.utf8bom_tabcomma.csv", tmp_path
    )
    assert result.report["delimiter"] == "tab+comma"
    assert result.report["dropped_empty_columns"] == ["列11"]
    first = data[0]
    assert first["指标"].startswith("地方财政一般公共预算支出")
    assert first["2024年"] == pytest.approx(8396.49)
    assert all(c.type == "float64" for c in result.columns[1:])


@pytest.mark.parametrize(
    "name,rows",
    [
        ("moe_university_list/moe_higher_education_institutions_2025-06-20.xls", 2919),
        ("moe_university_list/moe_regular_higher_education_institutions_older.xls", 2631),
    ],
)
def test_moe_university_lists(name: str, rows: int, tmp_path: Path) -> None:
    result, data = _convert(GOV / name, tmp_path)
    assert [c.name for c in result.columns] == MOE_HEADER
    assert result.rows == rows
    assert result.report["header_row"] == 3
    assert len(result.report["removed_section_rows"]) == 31
    assert result.report["removed_section_rows"][0] == "北京市（92所）"
    assert {c.name: c.type for c in result.columns}["学校标识码"] == "string"
    pku = next(r for r in data if r["学校名称"] == "北京大学")
    assert pku["学校标识码"] == "4111010001"  # a float cell, kept as the code it is
    assert all(not r["学校标识码"].endswith(".0") for r in data)
    assert not any(str(r["序号"]).endswith("所）") for r in data)


def test_compiled_budget_workbook(tmp_path: Path) -> None:
    result, data = _convert(GOV / "nbs_provincial_annual/general_budget_expenditure_compiled.xls", tmp_path)
    names = [c.name for c in result.columns]
    assert names[:4] == ["列1", "列2", "列3", "列4"]  # the header row leaves these cells empty
    assert names[4:] == [str(y) for y in range(2005, 2025)]
    assert result.report["sheets"] == ["Sheet1", "Sheet2", "Sheet3"]
    assert result.rows == 62
    assert any("列1" in w for w in result.report["warnings"])
    beijing = next(r for r in data if r["列4"] == "北京")
    assert beijing["2024"] == pytest.approx(8396.49)


def test_area_codes_file(tmp_path: Path) -> None:
    result, _ = _convert(GOV / "covid19_daily_cn/ChinaAreaCode.csv", tmp_path)
    assert [(c.name, c.type) for c in result.columns] == [("code", "string"), ("name", "string")]
    assert result.rows > 3000
