"""The content detectors against the standards' own examples and against python-stdnum.

Each detector is an Ibis expression; these tests evaluate it on DuckDB over thousands of generated
values and compare every verdict with an independent implementation: python-stdnum where it is
right (GB 32100, Luhn), the standards' formulas written out in Python where it is not (stdnum's
resident-ID check also rejects valid numbers whose county code changed after the holder was born).
"""

from __future__ import annotations

import json
import random
import string
from datetime import date, timedelta
from typing import Any

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from shuliu.classify import detectors as D
from shuliu.classify.catalogue import lexicon_words, province_prefixes
from shuliu.classify.sample_data import _counties, _org_code, _uscc, _vin, _vin_value
from tests.conftest import SHARED_DATA

TODAY = date(2026, 12, 1)
EXAMPLES = json.loads((SHARED_DATA / "pii_standards" / "check_digit_examples.json").read_text(encoding="utf-8"))


def verdicts(values: list[str | None], detector: Any, kind: str = "strict") -> list[bool]:
    t = ibis.memtable({"v": pa_strings(values)})
    d = detector(t.v)
    return [bool(x) for x in t.select(x=getattr(d, kind)).to_pyarrow().column(0).to_pylist()]


def pa_strings(values: list[str | None]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def resident(v: Any) -> D.Detector:
    return D.resident_id(v, TODAY)


# -- the standards' worked examples -----------------------------------------------------------------
def test_the_gb_11643_examples_are_valid_including_the_obsolete_county_code() -> None:
    ids = [e["value"] for e in EXAMPLES["gb_11643_1999_citizen_id"]["examples"]]
    assert "440524188001010014" in ids  # 440524 no longer exists; the number is still valid
    assert verdicts(ids, resident) == [True, True]
    with pytest.raises(Exception, match="invalid"):  # what python-stdnum makes of it
        stdnum_ric.validate("440524188001010014")


def test_the_gb_32100_worked_example_is_rejected_and_its_correction_accepted() -> None:
    cases = EXAMPLES["gb_32100_2015_uscc"]["examples"]
    assert verdicts([c["value"] for c in cases], D.uscc) == [c["valid"] for c in cases]
    assert [stdnum_uscc.is_valid(c["value"]) for c in cases] == [c["valid"] for c in cases]


def test_resident_id_edge_cases() -> None:
    values = [
        "11010519491231002x",  # lower-case check character
        "110105194912310021",  # wrong check digit
        "110105194902300022",  # 30 February
        "110105202701010015",  # born in the future
        "990105194912310029",  # no such province
        "810000199001010012",  # 港澳居民居住证 prefix 81 — checked below with a right check digit
        "110105491231002",  # 15-digit legacy form
        "110105491331002",  # 15 digits, month 13
        "1101051949123100",  # 16 digits
        None,
        "",
    ]
    body = "81000019900101001"
    values[5] = body + _check(body)
    assert verdicts(values, resident) == [True, False, False, False, False, True, True, False, False, False, False]


def _check(body17: str) -> str:
    total = sum(int(c) * w for c, w in zip(body17, D.ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


# -- agreement with independent implementations, on generated values ----------------------------------
COUNTIES = [code for code, _ in _counties()]


@st.composite
def resident_ids(draw: Any) -> str:
    region = draw(st.sampled_from([*COUNTIES, "440524", "990101", "710000", "820000"]))
    born = draw(st.dates(min_value=date(1870, 1, 1), max_value=date(2030, 12, 31)))
    seq = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    check = draw(st.sampled_from([_check(body), *"0123456789X"]))
    return body + check


def _reference_resident(v: str) -> bool:
    """GB 11643 as written: province prefix, a real past date from 1880, the MOD 11-2 check."""
    if v[:2] not in province_prefixes():
        return False
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    if not date(1880, 1, 1) <= born <= TODAY:
        return False
    return stdnum_ric.calc_check_digit(v) == v[17].upper()  # it drops the last character itself


@settings(max_examples=30, deadline=None)
@given(st.lists(resident_ids(), min_size=50, max_size=200))
def test_resident_id_agrees_with_the_standard(ids: list[str]) -> None:
    assert verdicts(ids, resident) == [_reference_resident(v) for v in ids]


def test_uscc_agrees_with_python_stdnum() -> None:
    rng = random.Random(7)
    values = []
    for _ in range(3000):
        code = _uscc(rng, rng.choice(COUNTIES))
        values.append(code if rng.random() < 0.5 else code[:-1] + rng.choice(D.USCC_ALPHABET))
    values += ["91350100M000100Y43", "9135010OM000100Y43", "91350100M000100Y4"]  # valid, letter O, short
    assert verdicts(values, D.uscc) == [stdnum_uscc.is_valid(v) for v in values]


def test_bank_cards_agree_with_python_stdnum_luhn() -> None:
    rng = random.Random(8)
    values = []
    for _ in range(3000):
        n = rng.choice((16, 17, 18, 19))
        v = rng.choice("123456789") + "".join(rng.choice(string.digits) for _ in range(n - 1))
        values.append(v)
    values += ["9" * 19, "6222 0212 3456 7890 128"]  # 19 digits above int64; spaced
    expected = [stdnum_luhn.is_valid(v.replace(" ", "")) for v in values]
    assert sum(expected) > 200  # the sample holds valid numbers too
    assert verdicts(values, D.bank_card) == expected


def test_imei_org_code_and_vin_agree_with_the_formulas() -> None:
    rng = random.Random(9)
    imeis = ["".join(rng.choice(string.digits) for _ in range(15)) for _ in range(2000)]
    assert verdicts(imeis, D.imei) == [stdnum_luhn.is_valid(v) for v in imeis]

    def org_ok(v: str) -> bool:
        body = v.replace("-", "")
        c = 11 - sum(D.ALNUM36.index(ch) * w for ch, w in zip(body[:8], D.ORG_WEIGHTS, strict=True)) % 11
        return body[8] == ("X" if c == 10 else "0" if c == 11 else str(c))

    orgs = [_org_code(rng) for _ in range(1000)]
    orgs = [o if i % 2 else o[:-1] + rng.choice("0123456789X") for i, o in enumerate(orgs)]
    assert verdicts(orgs, D.org_code) == [org_ok(o) for o in orgs]

    def vin_ok(v: str) -> bool:
        r = sum(_vin_value(c) * w for c, w in zip(v, D.VIN_WEIGHTS, strict=True)) % 11
        return v[8] == ("X" if r == 10 else str(r))

    vins = [_vin(rng) for _ in range(1000)]
    vins = [v if i % 2 else v[:8] + rng.choice("0123456789X") + v[9:] for i, v in enumerate(vins)]
    assert verdicts(vins, D.vin) == [vin_ok(v) for v in vins]
    assert verdicts(["12345678901234567"], D.vin) == [False]  # digits only: not a VIN


# -- names: more than one signal ---------------------------------------------------------------------------
def test_names_need_more_than_the_surname_pattern() -> None:
    """张江 may well be a person; 王府井, 高新区 (which jieba tags as names), 高血压 and 长沙 are not.
    A column of place names is not typed 姓名 even so (test_scan)."""
    values = ["张伟", "欧阳娜娜", "王秀英", "阿卜杜·热合曼", "张江", "王府井", "高新区", "高血压", "长沙", "黄河路"]
    values.append("方案")
    got = verdicts(values, lambda v: D.person_name(v))
    assert got == [True, True, True, True, True, False, False, False, False, False, False]
    assert {"高血压", "长沙", "方案"} <= set(lexicon_words("not_names"))  # 王府井: by its ending 井


def test_addresses_need_a_place_and_a_road_or_number() -> None:
    values = ["湖北省武汉市洪山区珞喻路1037号", "武汉市江汉区解放大道688号", "北京", "日本东京", "长江", "人民路"]
    assert verdicts(values, D.address) == [True, True, False, False, False, False]


def test_ethnicities_are_the_56_of_gb_t_3304() -> None:
    from shuliu.classify.catalogue import vocab

    assert len(set(vocab()["ethnicities"])) == 56
    detector = lambda v: D.in_vocab(v, list(vocab()["ethnicities"]))  # noqa: E731
    assert verdicts(["汉族", "维吾尔族", "穿青人", "汉"], detector) == [True, True, False, False]


def test_dates_of_birth_in_the_future_are_not_ids() -> None:
    born = TODAY + timedelta(days=1)
    body = f"110105{born:%Y%m%d}001"
    assert verdicts([body + _check(body)], resident) == [False]
