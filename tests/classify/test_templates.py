"""Grading templates: the built-in standards, resource levels (就高从严), combinations, uploads."""

from __future__ import annotations

import pytest

from shuliu.classify import templates as tpl
from shuliu.classify.catalogue import types
from shuliu.errors import ValidationFailed


def test_the_four_standards_are_built_in_and_cite_their_source() -> None:
    builtin = tpl.builtin()
    assert set(builtin) == {"gb-t-43697-2024", "industrial-2020", "gb-t-35273-2020", "jr-t-0197-2020"}
    for t in builtin.values():
        assert t.source and len(t.levels) >= 3
        assert set(t.mapping) <= set(types())


def test_gb_t_43697_grades_general_data_in_four_levels_under_important_and_core_data() -> None:
    t = tpl.builtin()["gb-t-43697-2024"]
    assert t.levels == ("一般数据1级", "一般数据2级", "一般数据3级", "一般数据4级", "重要数据", "核心数据")
    matrix = t.extra["matrix"]
    assert matrix["国家安全"]["特别严重危害"] == "核心数据" and matrix["个人权益"]["特别严重危害"] == "一般数据4级"
    assert t.label("cn_resident_id") == ("个人信息/个人身份信息", "一般数据4级")  # 个人权益 × 特别严重危害
    assert t.label("gender") == ("个人信息/个人基本资料", "一般数据2级")
    assert t.label(None) == (None, None)


def test_the_industrial_guide_ranks_three_highest_and_names_its_domains() -> None:
    t = tpl.builtin()["industrial-2020"]
    assert t.levels == ("一级", "二级", "三级")
    domains = {"研发数据域", "生产数据域", "运维数据域", "管理数据域", "外部数据域", "平台运营数据域", "企业管理数据域"}
    assert set(t.extra["domains"]) == domains
    assert t.rank("三级") > t.rank("一级")


def test_jr_t_0197_has_five_levels_and_gb_t_35273_tells_sensitive_personal_information() -> None:
    jr = tpl.builtin()["jr-t-0197-2020"]
    assert jr.levels == ("1级", "2级", "3级", "4级", "5级") and jr.label("password")[1] == "4级"
    pi = tpl.builtin()["gb-t-35273-2020"]
    assert pi.label("cn_resident_id")[1] == "个人敏感信息" and pi.label("cn_name")[1] == "个人信息"


def test_a_resource_takes_its_highest_column_level_and_combinations_raise_it() -> None:
    t = tpl.builtin()["gb-t-43697-2024"]
    assert t.resource_level([None, None], rows=10) == ("一般数据1级", [])
    assert t.resource_level(["gender", None], rows=10) == ("一般数据2级", [])
    assert t.resource_level(["gender", "cn_resident_id"], rows=10) == ("一般数据4级", [])
    level, fired = t.resource_level(["cn_name", "cn_mobile"], rows=10)  # each 3级; together 4级
    assert level == "一般数据4级" and fired == ["可直接联系到特定自然人 (姓名 + 手机号码)"]
    level, fired = t.resource_level(["cn_resident_id"], rows=12_000_000)
    assert level == "重要数据" and "大规模个人信息" in fired[0]


def test_an_uploaded_template_is_checked_field_by_field() -> None:
    good = """
id: city-2025
name: 某市公共数据分级
levels: [L1, L2, L3]
types:
  cn_resident_id: {category: 身份, level: L3}
  cn_mobile: {category: 联系, level: L2}
combinations:
  - {name: 身份+联系, types: [cn_resident_id, cn_mobile], level: L3}
"""
    t = tpl.load_text(good, origin="city.yaml")
    assert t.levels == ("L1", "L2", "L3") and t.default_level == "L1"
    assert tpl.parse(t.to_dict()).to_dict() == t.to_dict()  # what is stored reads back the same
    bad = {
        "levels: [L1]\nid: x\nname: x\ntypes: {}": "at least two distinct names",
        "id: x\nname: x\nlevels: [L1, L2]\ntypes: {cn_mobile: {level: L9}}": "not one of the levels",
        "id: x\nname: x\nlevels: [L1, L2]\ntypes: {phone_no: {level: L1}}": "unknown type 'phone_no'",
        "id: x\nname: x\nlevels: [L1, L2]": "has no 'types'",
        "[1, 2": "not valid YAML",
        "- a\n- b": "is a mapping",
    }
    for text, message in bad.items():
        with pytest.raises(ValidationFailed, match=message):
            tpl.load_text(text, origin="up.yaml")
