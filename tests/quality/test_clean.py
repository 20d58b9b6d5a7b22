"""Cleaning recipes: every step on the engine, a new version with lineage, the old one kept, and a
messy government export (教育部 高等学校名单) cleaned to a higher score."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shuliu.catalog import service as catalog
from shuliu.config import Settings
from shuliu.engine.core import DataEngine
from shuliu.errors import ValidationFailed
from shuliu.platform import Platform
from shuliu.quality import clean
from shuliu.quality import service as quality
from tests.cli.test_cli import doc, shuliu
from tests.conftest import ingest_file
from tests.quality.test_service import do, run

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
MOE = SHARED / "gov_tabular" / "moe_university_list" / "moe_higher_education_institutions_2025-06-20.xls"


@pytest.fixture
def engine() -> Iterator[DataEngine]:
    with DataEngine(threads=2, memory_limit="1GB") as e:
        yield e


def cleaned(
    engine: DataEngine, tmp_path: Path, table: pa.Table, recipe: str
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    pq.write_table(table, tmp_path / "t.parquet")
    t = engine.table_in_order([tmp_path / "t.parquet"], file_col=clean.ROW_FILE, row_col=clean.ROW)
    out, counts = clean.apply(t, clean.parse(recipe))
    rows = out.order_by([out[clean.ROW_FILE], out[clean.ROW]]).drop(clean.ROW_FILE, clean.ROW).to_pyarrow().to_pylist()
    return rows, {int(r["step"]): int(r["changed"]) for r in counts.to_pyarrow().to_pylist()}


def test_every_step(engine: DataEngine, tmp_path: Path) -> None:
    table = pa.table(
        {
            "名称": ["  北京大学（医学部） ", "\u3000清华大学", "ＡＢＣ１２３", None],
            "出生日期": ["1990-1-2", "1990/01/02", "1990年1月2日", "19900102"],
            "电话": ["138-0013-8000", "+86 13800138000", "(010) 1234-5678", ""],
            "身份证号": ["110105491231002", "11010519491231002x", "110105194912310021", None],
            "性别": ["1", "2", "男", "9"],
            "备注": ["民办", None, " ", "公办"],
            "编号": [1, 2, 1, 3],
        }
    )
    recipe = """
format: shuliu-cleaning-recipe/1
steps:
  - trim: "*"
  - fullwidth: [名称]
  - date: [出生日期]
  - phone: [电话]
  - resident_id: [身份证号]
  - map: {column: 性别, values: {"1": 男, "2": 女}}
  - flag_missing: [备注]
  - fill: {column: 备注, value: 公办}
  - dedupe: {columns: [编号], action: flag}
"""
    rows, changed = cleaned(engine, tmp_path, table, recipe)
    assert [r["名称"] for r in rows] == ["北京大学(医学部)", "清华大学", "ABC123", None]
    import datetime as dtm

    assert [r["出生日期"] for r in rows] == [dtm.date(1990, 1, 2)] * 4
    assert [r["电话"] for r in rows] == ["13800138000", "13800138000", "01012345678", ""]
    # 15 → 18 digits with the GB 11643 check digit; x upper-cased; a wrong check digit is left alone
    assert [r["身份证号"] for r in rows] == ["11010519491231002X", "11010519491231002X", "110105194912310021", None]
    assert [r["性别"] for r in rows] == ["男", "女", "男", "9"]
    assert [r["备注_缺失"] for r in rows] == [False, True, True, False]
    assert [r["备注"] for r in rows] == ["民办", "公办", "公办", "公办"]
    assert [r["重复标记"] for r in rows] == [False, False, True, False]
    assert changed[1] == 2 + 1  # two names and one blank 备注 trimmed
    assert changed[2] == 2 and changed[5] == 2 and changed[6] == 2 and changed[7] == 2 and changed[9] == 1


def test_dedupe_drop_keeps_the_first_row_in_stored_order(engine: DataEngine, tmp_path: Path) -> None:
    table = pa.table({"k": [3, 1, 3, 2, 1, 3], "v": ["a", "b", "c", "d", "e", "f"]})
    rows, changed = cleaned(engine, tmp_path, table, "steps: [{dedupe: {columns: [k], action: drop}}]")
    assert [(r["k"], r["v"]) for r in rows] == [(3, "a"), (1, "b"), (2, "d")]
    assert changed == {1: 3}


@pytest.mark.parametrize(
    ("recipe", "needle"),
    [
        ("steps: []", "non-empty list"),
        ("steps: [{scrub: [a]}]", "unknown step"),
        ("steps: [{map: {column: a}}]", "mapping of `values`"),
        ("steps: [{dedupe: {columns: [a], action: burn}}]", "drop or flag"),
        ("steps: [{trim: 5}]", "a list of columns"),
        ("steps: [", "not valid YAML"),
    ],
)
def test_bad_recipes_are_named(recipe: str, needle: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        clean.parse(recipe)
    assert needle in err.value.message


MOE_RULES = """
format: shuliu-quality-rules/1
rules:
  - {id: code-format, check: pattern, column: 学校标识码, pattern: '^[0-9]{10}$'}
  - {id: level-enum, check: enum, column: 办学层次, values: [本科, 专科]}
  - {id: note-filled, check: not_null, column: 备注}
  - {id: name-filled, check: not_null, column: 学校名称}
  - {id: name-halfwidth, check: pattern, column: 学校名称, pattern: '^[^（）]*$'}
"""
MOE_RECIPE = """
format: shuliu-cleaning-recipe/1
steps:
  - trim: "*"
  - fullwidth: [学校名称]
  - fill: {column: 备注, value: 公办}
"""


def test_cleaning_a_government_export_gives_a_new_version_with_lineage_and_a_higher_score(
    platform: Platform, users: dict[str, Any], tmp_path: Path
) -> None:
    job = ingest_file(platform, MOE, name="全国普通高等学校名单")
    assert job.status == "succeeded", job.error
    rid = job.result["resource_id"]
    do(platform, quality.save_rules, resource_id=rid, text=MOE_RULES)
    before = run(platform, do(platform, quality.submit_check, platform=platform, resource_id=rid))
    with pytest.raises(ValidationFailed, match="no 信息项"):
        do(platform, quality.submit_clean, platform=platform, resource_id=rid, recipe="steps: [{trim: [没有]}]")
    out = run(platform, do(platform, quality.submit_clean, platform=platform, resource_id=rid, recipe=MOE_RECIPE))
    assert out["version"] == "v2" and out["from"] == "v1" and out["rows"] == before["rows"] == 2919
    steps = {s["step"]: s["changed"] for s in out["steps"]}
    assert steps["fill(备注)"] == 2074 and steps["fullwidth(学校名称)"] > 0
    after = run(platform, do(platform, quality.submit_check, platform=platform, resource_id=rid))
    assert after["version"] == "v2" and after["score"] > before["score"]
    failed = {r["id"]: r["failed"] for r in after["rules"]}
    assert failed["note-filled"] == 0 and failed["name-halfwidth"] == 0
    with platform.db.session() as s:
        from shuliu.auth.models import User

        me = s.get(User, users["provider"])
        resource = catalog.get_resource(session=s, actor=me, resource_id=rid)
        v1, v2 = sorted(catalog.versions(session=s, resource=resource), key=lambda v: v.number)
        assert v2.parent_version_id == v1.id and v2.ingest_report["cleaned_from"] == "v1"
        assert platform.store.files(v1.content_hash)  # the old version stays
        assert v1.row_count == 2919 and v1.content_hash != v2.content_hash


def test_cleaning_from_the_cli(settings: Settings, tmp_path: Path) -> None:
    made = doc(shuliu(settings, "ingest", str(MOE), "--name", "高校名单", "--json"))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(MOE_RECIPE, encoding="utf-8")
    out = doc(shuliu(settings, "quality", "clean", made["resource_id"], "--recipe", str(recipe), "--json"))
    assert out["version"] == "v2" and out["from"] == "v1"
    shown = doc(shuliu(settings, "resources", "show", made["resource_id"], "--json"))
    assert shown["current_version"] == "v2"
