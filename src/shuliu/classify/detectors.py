"""Content detectors as Ibis expressions: patterns, check digits and vocabularies, vectorised.

Each detector turns a trimmed string column into boolean expressions: `strict` (the pattern and,
where the standard has one, its check digit or vocabulary) and `loose` (the shape alone, for when
the column name already says what the column holds). No Python runs per value: DuckDB evaluates the
expressions today, and the same expressions compile for Spark. Regular expressions avoid look-around
and back-references so RE2 (DuckDB) and Java (Spark) read them alike.

Why the checks are written here and not taken from python-stdnum: stdnum validates one value at a
time in Python, which is what the engine must not do (a full scan of 1M rows × 10 columns would go
from seconds to minutes). Its USCC (GB 32100) and Luhn checks are sound, and the tests use them as
the oracle for ours over thousands of generated values. Its resident-ID check is not: it also
looks the county code up in a list of current codes and so rejects valid IDs whose county code
changed after the holder was born (GB 11643's own example 440524188001010014 is one). We check the
province prefix, the birth date and the MOD 11-2 check digit, which is what the number guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from shuliu.classify.catalogue import alternation, lexicon_words, place_names, province_prefixes, vocab

CJK = "\u4e00-\u9fff"  # literal characters in the class: RE2 (DuckDB) and Java (Spark) read them alike
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# ISO 3779 transliteration of A..Z (I, O, Q never occur in a VIN).
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


@dataclass(frozen=True)
class Detector:
    strict: ir.BooleanValue
    loose: ir.BooleanValue


class Derive(Protocol):
    """How a detector gets what it reads many times, and vocabulary lookups of its column.

    `col(key, expr)` names an intermediate value (the integer of an ID's first 17 digits, say):
    the scan projects it once per row and hands the detector a column reference instead; without
    that the SQL repeats the expression at every use and DuckDB evaluates it each time — 20 to 700
    times slower here. `col.member(lexicon, s)` is whether the detector's input column `s` is a
    word of a lexicon (catalogue.lexicon): the scan answers it with a join on a lexicon table,
    vectorised in every engine, rather than a list of tens of thousands of literals in the SQL."""

    def __call__(self, key: str, expr: Any) -> Any: ...

    def member(self, lexicon: str, value: ir.StringValue) -> ir.BooleanValue: ...


class _Inline:
    """The Derive that projects nothing: every use evaluates its expression (fine on small data)."""

    def __call__(self, key: str, expr: Any) -> Any:
        return expr

    def member(self, lexicon: str, value: ir.StringValue) -> ir.BooleanValue:
        return value.isin(lexicon_words(lexicon))


inline: Derive = _Inline()


class _Scoped:
    """Another Derive's names with a prefix (each type's keys are its own)."""

    def __init__(self, inner: Derive, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix

    def __call__(self, key: str, expr: Any) -> Any:
        return self.inner(f"{self.prefix}__{key}", expr)

    def member(self, lexicon: str, value: ir.StringValue) -> ir.BooleanValue:
        return self.inner.member(lexicon, value)


def _digits_mod(n: ir.IntegerValue, weights: tuple[int, ...], m: int) -> ir.IntegerValue:
    """(Σ weights[i] × digit i of n) mod m, for an n of len(weights) decimal digits (digit 0 leftmost).

    Integer arithmetic only, and exact for any int64: n % 10^(k+1) − n % 10^k is digit k times 10^k,
    and since m is coprime with 10, multiplying that by the inverse of 10^k mod m gives the digit mod
    m — no division, no substring per digit. (Substrings cost four times as much, and an Ibis
    substring at a computed offset repeats the whole offset expression three times in the SQL.)"""
    total: Any = ibis.literal(0)
    size = len(weights)
    for i, w in enumerate(weights):
        k = size - 1 - i
        factor = (w * pow(10, -k, m)) % m
        if factor == 0:
            continue
        term = n % 10 if k == 0 else (n % 10 ** (k + 1)) - (n % 10**k)
        total = total + (term % m) * factor
    return total % m


def _digit(n: ir.IntegerValue, k: int) -> ir.IntegerValue:
    """Digit k (0 = last) of an n below 10^15; floor division goes through a double, exact there."""
    return n % 10 if k == 0 else (n // 10**k) % 10


def _leap(y: ir.IntegerValue) -> ir.BooleanValue:
    return ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)


def _valid_yyyymmdd(ymd: ir.IntegerValue, today: date) -> ir.BooleanValue:
    """An 8-digit yyyymmdd integer is a real calendar day from 1880 up to today."""
    y, m, d = ymd // 10000, (ymd // 100) % 100, ymd % 100
    month_days = ibis.cases(
        (m.isin([4, 6, 9, 11]), 30),
        (m == 2, ibis.ifelse(_leap(y), 29, 28)),
        else_=31,
    )
    today_n = today.year * 10000 + today.month * 100 + today.day
    return (ymd >= 18800101) & (ymd <= today_n) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days)


def _when(shape: ir.BooleanValue, check: ir.BooleanValue) -> ir.BooleanValue:
    """`shape and check`, with the check computed only where the shape holds. DuckDB evaluates
    both sides of an AND in a projection; a CASE evaluates its branch for the matching rows only,
    which makes a check-digit detector on a column of something else nearly free."""
    return ibis.ifelse(shape, check, False)


def _only(shape: ir.BooleanValue, expr: Any, dtype: str = "int64") -> Any:
    """`expr` where the shape holds, else NULL (so a derived value costs nothing elsewhere)."""
    return ibis.ifelse(shape, expr, ibis.null(dtype))


def resident_id(s: ir.StringValue, today: date, col: Derive = inline) -> Detector:
    """GB 11643-1999: 18 characters with the ISO 7064 MOD 11-2 check, or the 15-digit legacy form;
    both with a real, past birth date and a province prefix (incl. 71 and the 81/82/83 of the
    residence permits for Hong Kong, Macao and Taiwan residents)."""
    provinces = "|".join(province_prefixes())
    shape18 = col(
        "shape18", s.re_search(rf"^({provinces})[0-9]{{4}}(18|19|20)[0-9]{{2}}[01][0-9][0-3][0-9]{{4}}[0-9Xx]$")
    )
    body = col("id17", _only(shape18, s.substr(0, 17).try_cast("int64")))
    last = s.substr(17, 1)
    check = ibis.ifelse(last.upper() == "X", 10, last.try_cast("int64"))
    # Σ W_i·a_i + check ≡ 1 (mod 11) is the standard's own condition for a valid number.
    checksum = (_digits_mod(body, ID_WEIGHTS, 11) + check) % 11 == 1
    valid18 = checksum & _valid_yyyymmdd(col("ymd", (body % 10**11) // 1000), today)
    shape15 = col(
        "shape15",
        ibis.ifelse(
            s.length() == 15, s.re_search(rf"^({provinces})[0-9]{{4}}[0-9]{{2}}[01][0-9][0-3][0-9][0-9]{{3}}$"), False
        ),
    )
    n15 = col("ymd15", _only(shape15, 19000000 + (s.try_cast("int64") % 10**9) // 1000))
    valid15 = _when(shape15, _valid_yyyymmdd(n15, today))
    loose = s.re_search(r"^[1-9][0-9]{16}[0-9Xx]$|^[1-9][0-9]{14}$")
    # The 15-digit form is looked at only where the 18-digit one does not fit.
    return Detector(strict=ibis.ifelse(shape18, valid18, valid15), loose=loose)


def _alphabet_sum(s: ir.StringValue, alphabet: str, weights: dict[int, int]) -> ir.IntegerValue:
    """Σ weight × (index of the character at that position in `alphabet`), for the given positions.
    (One STRPOS per position; DuckDB's TRANSLATE, the other way to map characters, is slower.)"""
    total: Any = ibis.literal(0)
    for i, w in weights.items():
        total = total + ibis.literal(alphabet).find(s.substr(i, 1)) * w
    return total


def uscc(s: ir.StringValue, col: Derive = inline) -> Detector:
    """GB 32100-2015: registration authority, type, region, organization code, MOD 31 check."""
    shape = col("shape", s.re_search(r"^[1-9ANY][1-9][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"))
    # Characters 3–8 are the region code, digits only: read as one integer.
    region = col("region", _only(shape, s.substr(2, 6).try_cast("int64")))
    others = {i: w for i, w in enumerate(USCC_WEIGHTS) if not 2 <= i <= 7}
    total = _alphabet_sum(s, USCC_ALPHABET, others) + _digits_mod(region, USCC_WEIGHTS[2:8], 31)
    check = ibis.literal(USCC_ALPHABET).find(s.substr(17, 1))
    # C18 = 31 − (Σ C_i·W_i mod 31), 31 → 0: the same as Σ + C18 ≡ 0 (mod 31).
    return Detector(strict=_when(shape, (total + check) % 31 == 0), loose=shape)


def org_code(s: ir.StringValue, col: Derive = inline) -> Detector:
    """GB 11714-1997: eight characters and a MOD 11 check character, with or without a hyphen."""
    shape = col("shape", s.re_search(r"^[0-9A-Z]{8}-?[0-9X]$"))
    last = s.right(1)
    check = ibis.ifelse(last == "X", 10, last.try_cast("int64"))
    # C9 = 11 − (Σ C_i·W_i mod 11), 10 → X, 11 → 0: the same as Σ + C9 ≡ 0 (mod 11).
    total = _alphabet_sum(s, ALNUM36, dict(enumerate(ORG_WEIGHTS)))
    return Detector(strict=_when(shape, (total + check) % 11 == 0), loose=shape)


def card_digits(s: ir.StringValue) -> ir.StringValue:
    """The digits of a card-like value (spaces and hyphens removed)."""
    return s.re_replace(r"[ -]", "")


def luhn(digits: ir.StringValue, shape: ir.BooleanValue, col: Derive = inline) -> ir.BooleanValue:
    """ISO/IEC 7812 Luhn check of a string of 11 to 20 digits, where `shape` holds. The number is
    read as two integers of at most ten digits (exact in every engine), the digits come from
    integer arithmetic."""
    low = col("low", _only(shape, digits.right(10).try_cast("int64")))
    high = col("high", _only(shape, digits.substr(0, digits.length() - 10).try_cast("int64").coalesce(0)))
    total: Any = ibis.literal(0)
    for p in range(20):  # position from the right; odd positions are doubled
        d = _digit(low, p) if p < 10 else _digit(high, p - 10)
        total = total + (d * 2 - ibis.ifelse(d >= 5, 9, 0) if p % 2 == 1 else d)
    return _when(shape, total % 10 == 0)


def bank_card(s: ir.StringValue, col: Derive = inline) -> Detector:
    shape = col("shape", s.re_search(r"^[1-9][0-9]{15,18}$|^[1-9][0-9]{3}([ -][0-9]{4}){3}([ -]?[0-9]{1,3})?$"))
    return Detector(strict=luhn(card_digits(s), shape, col), loose=shape)


def imei(s: ir.StringValue, col: Derive = inline) -> Detector:
    shape = col("shape", s.re_search(r"^[0-9]{15}$"))
    return Detector(strict=luhn(s, shape, col), loose=shape)


# ISO 3779 transliteration of the letters a VIN may hold (I, O and Q never occur).
VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
VIN_LETTER_VALUES = "12345678123457923456789"


def vin(s: ir.StringValue, col: Derive = inline) -> Detector:
    """ISO 3779 / GB 16735: 17 characters without I, O, Q; position 9 is the check digit."""
    up = s.upper()
    # A VIN has letters; a 17-digit number is something else.
    shape = col("shape", up.re_search(r"^[A-HJ-NPR-Z0-9]{17}$") & up.re_search(r"[A-Z]"))
    values = col("vin", _only(shape, up.translate(VIN_LETTERS, VIN_LETTER_VALUES).try_cast("int64")))
    r = _digits_mod(values, VIN_WEIGHTS, 11)  # the check digit itself has weight 0
    check = ibis.ifelse(r == 10, "X", r.cast("string"))
    return Detector(strict=_when(shape, up.substr(8, 1) == check), loose=up.re_search(r"^[A-HJ-NPR-Z0-9]{17}$"))


def regex(s: ir.StringValue, pattern: str, loose: str | None = None) -> Detector:
    strict = s.re_search(pattern)
    return Detector(strict=strict, loose=s.re_search(loose) if loose else strict)


def in_vocab(s: ir.StringValue, words: list[str], loose_words: list[str] | None = None) -> Detector:
    strict = s.isin(words)
    return Detector(strict=strict, loose=s.isin(words + (loose_words or [])))


@lru_cache(maxsize=1)
def _name_patterns() -> tuple[str, str, str]:
    v = vocab()
    single = "".join(sorted(set(v["surnames"])))
    compound = alternation(v["compound_surnames"])
    person = rf"^(({compound})[{CJK}]{{1,2}}|[{single}][{CJK}]{{1,3}})$"
    minority = rf"^[{CJK}]{{1,6}}·[{CJK}]{{1,10}}$"
    not_name = rf"({alternation(v['not_name_suffixes'])})$"
    return person, minority, not_name


def person_name(s: ir.StringValue, col: Derive = inline) -> Detector:
    """A Chinese personal name needs three signals: a common surname followed by one to three
    characters (or the 名·姓 form of minority and foreign names); no ending of a place or an
    organization (…区, …路, …公司); and not a dictionary word or a place name (王府井, 高血压,
    长沙 — catalogue.lexicon "not_names"). jieba's person tag alone takes 王府井 and 高新区 for
    people; the column name, where it says 姓名, is the fourth signal (scan._decide)."""
    person, minority, not_name = _name_patterns()
    shaped = s.re_search(person) & ~s.re_search(not_name)
    strict = ibis.ifelse(shaped, ~col.member("not_names", s), s.re_search(minority))
    loose = s.re_search(rf"^[{CJK}]{{2,4}}$") | s.re_search(minority)
    return Detector(strict=strict, loose=loose)


@lru_cache(maxsize=1)
def _address_patterns() -> tuple[str, str]:
    return alternation(list(place_names())), alternation(vocab()["address_markers"])


def address(s: ir.StringValue) -> Detector:
    places, markers = _address_patterns()
    has_place = s.re_search(places)
    has_marker = s.re_search(rf"[0-9一二三四五六七八九十百]+({markers})|({markers})")
    return Detector(strict=has_place & has_marker & (s.length() >= 6), loose=has_place | has_marker)


def org_name(s: ir.StringValue) -> Detector:
    """An organization's name ends like one (…有限公司, …局, …委员会); the shape alone, a short
    text of letters and characters, counts only where the column name says so."""
    suffixes = alternation(vocab()["org_suffixes"])
    strict = s.re_search(rf"^[{CJK}A-Za-z0-9（）()·&]{{1,48}}({suffixes})$") & (s.length() >= 3)
    loose = s.re_search(rf"^[{CJK}A-Za-z0-9（）()·&., -]{{2,60}}$") & s.re_search(rf"[{CJK}A-Za-z]")
    return Detector(strict=strict, loose=loose)


def medical(s: ir.StringValue) -> Detector:
    terms = alternation(vocab()["medical_terms"])
    found = s.re_search(terms)
    return Detector(strict=found, loose=found)


def _date_like(s: ir.StringValue) -> ir.BooleanValue:
    return s.re_search(
        r"^(19|20)[0-9]{2}([-/.年])(0?[1-9]|1[0-2])([-/.月])(0?[1-9]|[12][0-9]|3[01])日?"
        r"([ T][0-9:.]+)?$|^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$"
    )


def string_detectors(s: ir.StringValue, today: date, col: Derive = inline) -> dict[str, Callable[[], Detector]]:
    """Lazily built detectors of every type with content evidence, for a trimmed string column.
    `col` is how a detector gets the values it reads many times (see Derive); each type's
    detector's names are scoped by its type id here."""

    def scoped(type_id: str) -> Derive:
        return _Scoped(col, type_id)

    v = vocab()
    ethnic_short = [e.removesuffix("族") for e in v["ethnicities"] if len(e) > 2 or e == "汉族"]
    return {
        "cn_resident_id": lambda: resident_id(s, today, scoped("cn_resident_id")),
        "cn_uscc": lambda: uscc(s, scoped("cn_uscc")),
        "cn_org_code": lambda: org_code(s, scoped("cn_org_code")),
        "cn_mobile": lambda: regex(s, r"^(\+?86[- ]?)?1[3-9][0-9]([- ]?[0-9]{4}){2}$"),
        "cn_landline": lambda: regex(
            s,
            r"^(\(?0[1-9][0-9]{1,2}\)?[- ]?)[2-9][0-9]{6,7}(([-转]|ext)[0-9]{1,5})?$"
            r"|^[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}$",
            r"^(\(?0[1-9][0-9]{1,2}\)?[- ]?)?[2-9][0-9]{6,7}$|^[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}$",
        ),
        "bank_card": lambda: bank_card(s, scoped("bank_card")),
        "cn_passport": lambda: regex(s, r"^(E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|[GDSPH][0-9]{8})$"),
        "hk_macao_permit": lambda: regex(s, r"^([CW][0-9]{8}|C[A-HJ-NP-Z][0-9]{7}|[HM][0-9]{8}([0-9]{2})?)$"),
        "taiwan_permit": lambda: regex(s, r"^([0-9]{8}|[0-9]{10}|T[0-9]{8})$"),
        "cn_plate": lambda: regex(
            s,
            rf"^[{PLATE_PROVINCES}][A-HJ-NP-Z]([A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9][0-9]{{4}}"
            rf"|[0-9]{{5}}[DF])$|^[0-9]{{3}}[使领][0-9]{{3}}$",
        ),
        "vin": lambda: vin(s, scoped("vin")),
        "email": lambda: regex(s, r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"),
        "ipv4": lambda: regex(
            s,
            r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
            r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$",
        ),
        "ipv6": lambda: Detector(
            # Eight groups, or fewer with one "::" (RFC 4291 §2.2); six pairs are a MAC address.
            strict=(s.re_search(r"^([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}$") | s.re_search(r"::"))
            & s.re_search(r"^([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}$")
            & s.re_search(r"[0-9A-Fa-f]")
            & ~s.re_search(r":::")
            & ~s.re_search(r"::.*::"),
            loose=s.re_search(r"^[0-9A-Fa-f:.]+$") & s.re_search(r":.*:"),
        ),
        "mac": lambda: regex(
            s, r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$"
        ),
        "imei": lambda: imei(s, scoped("imei")),
        "cn_name": lambda: person_name(s, col),
        "cn_address": lambda: address(s),
        "cn_org_name": lambda: org_name(s),
        "cn_ethnicity": lambda: in_vocab(s, list(v["ethnicities"]), ethnic_short),
        "gender": lambda: in_vocab(s, list(v["gender_words"]), list(v["gender_codes"])),
        "birth_date": lambda: Detector(strict=_date_like(s), loose=_date_like(s)),
        "religion": lambda: in_vocab(s, list(v["religions"])),
        "marital_status": lambda: in_vocab(s, list(v["marital_words"]), list(v["marital_codes"])),
        "geo_coordinate": lambda: regex(
            s,
            r"^-?1?[0-9]{1,2}\.[0-9]{3,}\s*[,，]\s*-?[0-9]{1,2}\.[0-9]{3,}$",
            r"^-?1?[0-9]{1,2}(\.[0-9]+)?$|^-?1?[0-9]{1,2}\.[0-9]{3,}\s*[,，]\s*-?[0-9]{1,2}\.[0-9]{3,}$",
        ),
        "postcode": lambda: regex(s, r"^[1-8][0-9]{5}$"),
        "medical_record": lambda: medical(s),
    }


def numeric_detectors(x: ir.NumericValue) -> dict[str, Callable[[], Detector]]:
    """Numbers in range for coordinates (the column name must still say so)."""
    in_range = (x >= -180) & (x <= 180) & (x != x.round(0))
    return {"geo_coordinate": lambda: Detector(strict=in_range, loose=in_range)}


def temporal_detectors(x: ir.Value) -> dict[str, Callable[[], Detector]]:
    ok = x.notnull()
    return {"birth_date": lambda: Detector(strict=ok, loose=ok)}
