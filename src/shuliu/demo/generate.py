"""Deterministic, synthetic Chinese government and enterprise tables for ``shuliu demo``.

Everything here is generated from ``random.Random`` seeded per dataset, so the same seed
always yields byte-identical files.  Only the standard library is used; the ``.xlsx`` file
is written as a minimal SpreadsheetML package with :mod:`zipfile`.

All people, enterprises, readings and figures are invented.  Administrative division
codes and names, the 市州 names, legal check-digit schemes (GB 11643-1999, GB 32100-2015,
GB 11714) and GB/T 4754-2017 industry names are real.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = ["DEMO_ORGS", "DemoDataset", "DemoOrg", "generate_demo_files"]


# --------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrg:
    """A data provider (资源提供方) with its 统一社会信用代码."""

    code: str
    name: str


@dataclass(frozen=True)
class DemoDataset:
    """Catalog metadata for one generated demo file."""

    filename: str
    name: str
    org_code: str
    summary: str
    tags: tuple[str, ...]
    category: str
    share_type: str
    share_basis: str | None
    open_type: str
    update_cycle: str
    rows: int
    columns: tuple[str, ...]
    messy: tuple[str, ...]


# --------------------------------------------------------------------------------------
# Check digits
# --------------------------------------------------------------------------------------

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_check_digit(body17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character for a 17-digit ID body."""
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _org_code_check(body8: str) -> str:
    """GB 11714 组织机构代码 check character for an 8-character body."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _uscc(dept: str, kind: str, region: str, org_body8: str) -> str:
    """Assemble a GB 32100-2015 统一社会信用代码 with valid inner and outer check characters."""
    body17 = dept + kind + region + org_body8 + _org_code_check(org_body8)
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return body17 + _USCC_CHARSET[(31 - total % 31) % 31]


def _gov_code(name: str, region: str) -> str:
    """Stable 机关 统一社会信用代码 (登记管理部门 1, 机构类别 1) derived from the agency name."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return _uscc("1", "1", region, f"{digest % 10**8:08d}")


# --------------------------------------------------------------------------------------
# Reference data (real administrative divisions)
# --------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """Split a space-separated word list."""
    return tuple(text.split())


@dataclass(frozen=True)
class _County:
    """A county-level division; ``city`` is empty for province-administered units."""

    code: str
    province: str
    city: str
    name: str

    @property
    def full(self) -> str:
        """省 + 市 + 区/县 prefix for addresses."""
        return self.province + self.city + self.name

    @property
    def city_short(self) -> str:
        """Short city name as used in enterprise names (武汉, 恩施, 神农架 …)."""
        base = self.city or self.name
        if base.startswith("恩施"):
            return "恩施"
        if base.endswith("林区"):
            return base[:-2]
        return base[:-1] if base.endswith(("市", "州")) else base


def _hb(code: str, city: str, name: str) -> _County:
    return _County(code, "湖北省", city, name)


def _hlj(code: str, city: str, name: str) -> _County:
    return _County(code, "黑龙江省", city, name)


_HUBEI_COUNTIES: tuple[_County, ...] = (
    _hb("420102", "武汉市", "江岸区"),
    _hb("420103", "武汉市", "江汉区"),
    _hb("420104", "武汉市", "硚口区"),
    _hb("420105", "武汉市", "汉阳区"),
    _hb("420106", "武汉市", "武昌区"),
    _hb("420107", "武汉市", "青山区"),
    _hb("420111", "武汉市", "洪山区"),
    _hb("420112", "武汉市", "东西湖区"),
    _hb("420113", "武汉市", "汉南区"),
    _hb("420114", "武汉市", "蔡甸区"),
    _hb("420115", "武汉市", "江夏区"),
    _hb("420116", "武汉市", "黄陂区"),
    _hb("420117", "武汉市", "新洲区"),
    _hb("420202", "黄石市", "黄石港区"),
    _hb("420203", "黄石市", "西塞山区"),
    _hb("420222", "黄石市", "阳新县"),
    _hb("420281", "黄石市", "大冶市"),
    _hb("420302", "十堰市", "茅箭区"),
    _hb("420303", "十堰市", "张湾区"),
    _hb("420381", "十堰市", "丹江口市"),
    _hb("420502", "宜昌市", "西陵区"),
    _hb("420503", "宜昌市", "伍家岗区"),
    _hb("420506", "宜昌市", "夷陵区"),
    _hb("420581", "宜昌市", "宜都市"),
    _hb("420602", "襄阳市", "襄城区"),
    _hb("420606", "襄阳市", "樊城区"),
    _hb("420607", "襄阳市", "襄州区"),
    _hb("420683", "襄阳市", "枣阳市"),
    _hb("420704", "鄂州市", "鄂城区"),
    _hb("420802", "荆门市", "东宝区"),
    _hb("420881", "荆门市", "钟祥市"),
    _hb("420902", "孝感市", "孝南区"),
    _hb("420984", "孝感市", "汉川市"),
    _hb("421002", "荆州市", "沙市区"),
    _hb("421003", "荆州市", "荆州区"),
    _hb("421102", "黄冈市", "黄州区"),
    _hb("421181", "黄冈市", "麻城市"),
    _hb("421202", "咸宁市", "咸安区"),
    _hb("421281", "咸宁市", "赤壁市"),
    _hb("421303", "随州市", "曾都区"),
    _hb("422801", "恩施土家族苗族自治州", "恩施市"),
    _hb("422802", "恩施土家族苗族自治州", "利川市"),
    _hb("429004", "", "仙桃市"),
    _hb("429005", "", "潜江市"),
    _hb("429006", "", "天门市"),
    _hb("429021", "", "神农架林区"),
)

_HEILONGJIANG_COUNTIES: tuple[_County, ...] = (
    _hlj("230102", "哈尔滨市", "道里区"),
    _hlj("230103", "哈尔滨市", "南岗区"),
    _hlj("230104", "哈尔滨市", "道外区"),
    _hlj("230108", "哈尔滨市", "平房区"),
    _hlj("230109", "哈尔滨市", "松北区"),
    _hlj("230110", "哈尔滨市", "香坊区"),
    _hlj("230112", "哈尔滨市", "阿城区"),
    _hlj("230202", "齐齐哈尔市", "龙沙区"),
    _hlj("230203", "齐齐哈尔市", "建华区"),
    _hlj("230204", "齐齐哈尔市", "铁锋区"),
    _hlj("230602", "大庆市", "萨尔图区"),
    _hlj("230603", "大庆市", "龙凤区"),
    _hlj("230604", "大庆市", "让胡路区"),
    _hlj("231002", "牡丹江市", "东安区"),
    _hlj("231004", "牡丹江市", "爱民区"),
    _hlj("230803", "佳木斯市", "向阳区"),
)

_WUHAN_DISTRICTS = tuple(c for c in _HUBEI_COUNTIES if c.city == "武汉市")

# 17 市州 of Hubei with a rough 2024 GDP level (亿元) used only to scale invented figures.
_HUBEI_PREFECTURES: tuple[tuple[str, float], ...] = (
    ("武汉市", 21100.0),
    ("黄石市", 2200.0),
    ("十堰市", 2450.0),
    ("宜昌市", 6000.0),
    ("襄阳市", 6100.0),
    ("鄂州市", 1330.0),
    ("荆门市", 2350.0),
    ("孝感市", 3000.0),
    ("荆州市", 3400.0),
    ("黄冈市", 3100.0),
    ("咸宁市", 2050.0),
    ("随州市", 1450.0),
    ("恩施土家族苗族自治州", 1550.0),
    ("仙桃市", 1050.0),
    ("潜江市", 960.0),
    ("天门市", 800.0),
    ("神农架林区", 45.0),
)

_ROADS = (
    "建设路",
    "人民路",
    "解放路",
    "中山路",
    "和平路",
    "新华路",
    "民主路",
    "胜利路",
    "友谊路",
    "光明路",
    "东风路",
    "青年路",
    "文化路",
    "工业路",
    "幸福路",
    "团结路",
    "长江路",
    "滨江路",
    "育才路",
    "振兴大道",
    "发展大道",
    "学府路",
)
_ESTATE_WORDS = _words("阳光 幸福 金色 锦绣 翠苑 东方 春华 江南 和谐 绿洲 书香 滨湖")
_ESTATE_SUFFIX = _words("花园 小区 家园 新村 公寓")


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _rng(seed: int, key: str) -> random.Random:
    """Independent, hash-randomization-free RNG per dataset."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    """Pick a label from (label, weight) pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _random_date(rng: random.Random, start: date, end: date) -> date:
    """Uniform date in [start, end]."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _csv_text(rows: Sequence[Sequence[object]], delimiter: str = ",", lineterminator: str = "\n") -> str:
    """Render rows as CSV text."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows(rows)
    return buf.getvalue()


_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_HALFWIDTH_PARENS = str.maketrans("（）", "()")


# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------

_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 72), ("张", 70), ("刘", 55), ("陈", 47), ("杨", 32), ("黄", 24),
    ("赵", 21), ("吴", 21), ("周", 20), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13),
    ("胡", 16), ("郭", 12), ("何", 12), ("高", 11), ("林", 11), ("罗", 11), ("郑", 10),
    ("梁", 9), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 7), ("彭", 8), ("曾", 6), ("肖", 7), ("田", 6), ("董", 6), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 7), ("杜", 5), ("叶", 5), ("程", 6), ("苏", 4),
    ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4),
    ("崔", 3), ("钟", 4), ("谭", 5), ("陆", 4), ("汪", 5), ("范", 4), ("熊", 7), ("万", 5),
    ("向", 4), ("夏", 4), ("涂", 3), ("喻", 3), ("付", 4), ("方", 4), ("雷", 4), ("严", 3),
    ("龚", 3), ("覃", 2), ("柯", 2), ("欧阳", 1), ("司马", 1), ("上官", 1), ("诸葛", 1),
)  # fmt: skip

_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋峰"  # keep on two lines
    "建国志文博成晨轩睿哲航家豪翔昊天嘉诚振海兵亮"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪慧莉萍红琳洁梅琴颖倩欣怡佳雨涵梓萱诗悦思晓月丹蕾薇璐瑶婧彤妍"
_OLD_MALE = _words("建国 建华 国强 志强 德明 卫东 红兵 立新 振华 国庆 卫国 建军 文华")
_OLD_FEMALE = _words("秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 秀珍 桂芳 玉梅 美华 丽华 红梅")
_YOUNG_MALE = _words("子轩 浩然 宇航 梓豪 俊杰 一鸣 皓轩 博文 思远 嘉豪")
_YOUNG_FEMALE = _words("欣怡 梓涵 雨萱 诗涵 一诺 思琪 可馨 语桐 佳怡 紫琪")


def _person_name(rng: random.Random, male: bool, birth_year: int) -> str:
    """Realistic name: weighted surname, 1–2 character given name with era flavour."""
    surname = _weighted(rng, _SURNAMES)
    chars = _MALE_CHARS if male else _FEMALE_CHARS
    roll = rng.random()
    if birth_year < 1970 and roll < 0.3:
        given = rng.choice(_OLD_MALE if male else _OLD_FEMALE)
    elif birth_year >= 1995 and roll < 0.2:
        given = rng.choice(_YOUNG_MALE if male else _YOUNG_FEMALE)
    elif roll > (0.65 if birth_year < 1970 else 0.8):
        given = rng.choice(chars)
    else:
        first, second = rng.sample(chars, 2)
        given = first + second
    return surname + given


_PHONE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in "01235789"),
    *(f"18{d}" for d in range(10)),
    *(f"19{d}" for d in "1356789"),
)


def _mobile(rng: random.Random) -> str:
    """Mainland mobile number with a real 13x/15x/18x/19x prefix."""
    return rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _street_address(rng: random.Random, county: _County) -> str:
    """省市区 + road + 号 + estate/building/room."""
    estate = rng.choice(_ESTATE_WORDS) + rng.choice(_ESTATE_SUFFIX)
    return (
        f"{county.full}{rng.choice(_ROADS)}{rng.randint(1, 399)}号{estate}"
        f"{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元{rng.randint(1, 28)}{rng.randint(1, 6):02d}室"
    )


# --------------------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------------------

_ORG_POLICE = DemoOrg(_gov_code("湖北省公安厅", "420000"), "湖北省公安厅")
_ORG_SAMR = DemoOrg(_gov_code("湖北省市场监督管理局", "420000"), "湖北省市场监督管理局")
_ORG_EIT = DemoOrg(_gov_code("湖北省经济和信息化厅", "420000"), "湖北省经济和信息化厅")
_ORG_GOVDATA = DemoOrg(_gov_code("湖北省政务服务和大数据管理局", "420000"), "湖北省政务服务和大数据管理局")
_ORG_STATS = DemoOrg(_gov_code("湖北省统计局", "420000"), "湖北省统计局")
_ORG_HLJ_MIIT = DemoOrg(_gov_code("黑龙江省工业和信息化厅", "230000"), "黑龙江省工业和信息化厅")

DEMO_ORGS: tuple[DemoOrg, ...] = (_ORG_POLICE, _ORG_SAMR, _ORG_EIT, _ORG_GOVDATA, _ORG_STATS, _ORG_HLJ_MIIT)


# --------------------------------------------------------------------------------------
# 1. 人口基础信息
# --------------------------------------------------------------------------------------

_ETHNIC_GENERAL = (
    ("汉族", 955), ("土家族", 15), ("回族", 6), ("苗族", 5), ("满族", 4), ("蒙古族", 3), ("侗族", 3),
    ("壮族", 3), ("彝族", 2), ("维吾尔族", 1), ("朝鲜族", 1), ("白族", 1), ("瑶族", 1),
)  # fmt: skip
_ETHNIC_ENSHI = (("土家族", 50), ("汉族", 38), ("苗族", 7), ("侗族", 3), ("白族", 1), ("回族", 1))

_EDUCATION_BY_ERA: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = (
    (1960, (("文盲或半文盲", 5), ("小学", 30), ("初中", 30), ("高中", 18), ("中等专科", 6),
            ("大学专科", 6), ("大学本科", 5))),
    (1980, (("小学", 7), ("初中", 35), ("高中", 22), ("中等专科", 10), ("大学专科", 12),
            ("大学本科", 12), ("研究生", 2))),
    (2000, (("小学", 1), ("初中", 18), ("高中", 18), ("中等专科", 8), ("大学专科", 22),
            ("大学本科", 27), ("研究生", 6))),
    (9999, (("初中", 10), ("高中", 35), ("中等专科", 10), ("大学专科", 20), ("大学本科", 25))),
)  # fmt: skip

POPULATION_COLUMNS = (
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "户籍地址",
    "联系电话",
    "文化程度",
    "婚姻状况",
)


def _education(rng: random.Random, birth_year: int) -> str:
    """文化程度 drawn from an era-specific distribution."""
    for upper, dist in _EDUCATION_BY_ERA:
        if birth_year < upper:
            return _weighted(rng, dist)
    raise AssertionError("unreachable")


def _marital(rng: random.Random, male: bool, birth_year: int) -> str:
    """婚姻状况 respecting the legal marriage age (22 male / 20 female)."""
    age = 2025 - birth_year
    if age < (22 if male else 20):
        return "未婚"
    if age < 30:
        return _weighted(rng, (("未婚", 55), ("已婚", 43), ("离婚", 2)))
    if age < 60:
        return _weighted(rng, (("未婚", 6), ("已婚", 84), ("离婚", 8), ("丧偶", 2)))
    return _weighted(rng, (("未婚", 2), ("已婚", 75), ("离婚", 3), ("丧偶", 20)))


def _write_population(out_dir: Path, rng: random.Random, n_rows: int = 3000) -> DemoDataset:
    """人口基础信息: UTF-8 CSV with valid 公民身份号码."""
    filename = "hubei_population_register.csv"
    county_weights = [6 if c.city == "武汉市" else 2 for c in _HUBEI_COUNTIES]
    seen_ids: set[str] = set()
    rows: list[list[str]] = []
    while len(rows) < n_rows:
        county = rng.choices(_HUBEI_COUNTIES, weights=county_weights)[0]
        male = rng.random() < 0.51
        year = int(rng.triangular(1945, 2008, 1985))
        birth = _random_date(rng, date(year, 1, 1), date(year, 12, 31))
        seq = rng.randrange(1000)
        if seq % 2 != int(male):
            seq ^= 1
        body = f"{county.code}{birth:%Y%m%d}{seq:03d}"
        id_number = body + _id_check_digit(body)
        if id_number in seen_ids:
            continue
        seen_ids.add(id_number)
        ethnic = _weighted(rng, _ETHNIC_ENSHI if county.code.startswith("4228") else _ETHNIC_GENERAL)
        rows.append(
            [
                _person_name(rng, male, year),
                "男" if male else "女",
                ethnic,
                id_number,
                birth.isoformat(),
                _street_address(rng, county),
                "" if rng.random() < 0.02 else _mobile(rng),
                _education(rng, year),
                _marital(rng, male, year),
            ]
        )
    (out_dir / filename).write_text(_csv_text([POPULATION_COLUMNS, *rows]), encoding="utf-8", newline="")
    return DemoDataset(
        filename=filename,
        name="人口基础信息",
        org_code=_ORG_POLICE.code,
        summary="湖北省户籍人口基础信息，含姓名、性别、民族、公民身份号码、出生日期、户籍地址等字段，"
        "用于跨部门身份核验（演示用模拟数据）。",
        tags=("人口", "户籍", "身份核验", "个人信息"),
        category="基础",
        share_type="有条件共享",
        share_basis="依据《中华人民共和国个人信息保护法》《中华人民共和国居民身份证法》及"
        "《湖北省政务数据资源应用与管理办法》，仅向依法履行职责的政务部门按需共享，用于身份核验。",
        open_type="不予开放",
        update_cycle="每日",
        rows=len(rows),
        columns=POPULATION_COLUMNS,
        messy=("missing-phone",),
    )


# --------------------------------------------------------------------------------------
# 2. 市场主体登记信息 (xlsx)
# --------------------------------------------------------------------------------------

_TRADE_NAMES = _words("光谷 楚天 江城 东湖 黄鹤 荆楚 晴川 珞珈 知音 长江 汉江 华中")
_HLJ_TRADE_NAMES = _words("龙江 冰城 北国 黑土 松江 兴安 鹤城 油城")
_TRADE_CHARS = "鑫华恒宏盛博瑞嘉泰德金天汇正新中安明永信万凯卓锦云智创远康福鼎润源达通丰兴利成"

# (行业用词, GB/T 4754-2017 门类, weight)
_INDUSTRIES: tuple[tuple[str, str, int], ...] = (
    ("科技", "科学研究和技术服务业", 10),
    ("生物科技", "科学研究和技术服务业", 3),
    ("信息技术", "信息传输、软件和信息技术服务业", 9),
    ("软件", "信息传输、软件和信息技术服务业", 5),
    ("网络科技", "信息传输、软件和信息技术服务业", 6),
    ("建筑工程", "建筑业", 8),
    ("装饰工程", "建筑业", 4),
    ("商贸", "批发和零售业", 10),
    ("贸易", "批发和零售业", 6),
    ("医药连锁", "批发和零售业", 2),
    ("物流", "交通运输、仓储和邮政业", 6),
    ("供应链管理", "租赁和商务服务业", 3),
    ("人力资源", "租赁和商务服务业", 3),
    ("广告", "租赁和商务服务业", 3),
    ("机械设备", "制造业", 6),
    ("电子", "制造业", 4),
    ("新材料", "制造业", 4),
    ("汽车零部件", "制造业", 4),
    ("光电", "制造业", 4),
    ("食品", "制造业", 3),
    ("餐饮管理", "住宿和餐饮业", 4),
    ("酒店管理", "住宿和餐饮业", 2),
    ("文化传媒", "文化、体育和娱乐业", 4),
    ("环保科技", "水利、环境和公共设施管理业", 3),
    ("物业服务", "房地产业", 3),
    ("房地产开发", "房地产业", 2),
    ("农业发展", "农、林、牧、渔业", 3),
    ("新能源", "电力、热力、燃气及水生产和供应业", 2),
    ("健康管理", "卫生和社会工作", 2),
    ("家政服务", "居民服务、修理和其他服务业", 2),
    ("汽车维修", "居民服务、修理和其他服务业", 2),
)

_ENTERPRISE_TYPES = (
    ("有限责任公司（自然人投资或控股）", 50),
    ("有限责任公司（自然人独资）", 25),
    ("其他有限责任公司", 8),
    ("有限责任公司（非自然人投资或控股的法人独资）", 6),
    ("股份有限公司（非上市、自然人投资或控股）", 4),
    ("有限责任公司（国有独资）", 2),
    ("有限责任公司（港澳台法人独资）", 1),
)
_CAPITALS = (
    (10, 6), (30, 6), (50, 10), (100, 18), (200, 12), (300, 8), (500, 12), (800, 3),
    (1000, 10), (2000, 5), (3000, 3), (5000, 4), (10000, 2), (20000, 1),
)  # fmt: skip

ENTERPRISE_COLUMNS = (
    "企业名称",
    "统一社会信用代码",
    "法定代表人",
    "注册资本（万元）",
    "成立日期",
    "企业类型",
    "所属行业",
    "住所",
    "经营状态",
)
ENTERPRISE_TITLE = "湖北省市场主体登记信息（截至2025年12月31日）"


def _org_body(rng: random.Random, established: date) -> str:
    """8-character 组织机构代码 body: digits before the 2015 reform, ``MA…`` afterwards."""
    if established < date(2015, 10, 1):
        return f"{rng.randrange(10**8):08d}"
    return "MA" + "".join(rng.choice(_USCC_CHARSET) for _ in range(6))


def _trade_name(rng: random.Random, places: Sequence[str] = _TRADE_NAMES) -> str:
    """字号: a place-flavoured word or two auspicious characters."""
    if rng.random() < 0.2:
        return rng.choice(places)
    a, b = rng.sample(_TRADE_CHARS, 2)
    return a + b


def _enterprise_rows(rng: random.Random, n_rows: int) -> list[list[str | int | float]]:
    """Data rows for the 市场主体 register."""
    weights = [30 if c.city == "武汉市" else 4 for c in _HUBEI_COUNTIES]
    year_weights = [1 + (y - 1998) ** 2 for y in range(1998, 2026)]
    seen: set[str] = set()
    rows: list[list[str | int | float]] = []
    while len(rows) < n_rows:
        county = rng.choices(_HUBEI_COUNTIES, weights=weights)[0]
        word, industry, _ = rng.choices(_INDUSTRIES, weights=[i[2] for i in _INDUSTRIES])[0]
        etype = _weighted(rng, _ENTERPRISE_TYPES)
        suffix = "股份有限公司" if etype.startswith("股份") else "有限公司"
        trade = _trade_name(rng)
        if rng.random() < 0.08:
            name = f"{trade}（{county.city_short}）{word}{suffix}"
        else:
            name = f"{county.city_short}{trade}{word}{suffix}"
        if name in seen:
            continue
        seen.add(name)
        year = rng.choices(range(1998, 2026), weights=year_weights)[0]
        established = _random_date(rng, date(year, 1, 1), date(year, 12, 31))
        capital: int | float = rng.choices([c for c, _ in _CAPITALS], weights=[w for _, w in _CAPITALS])[0]
        if etype.endswith("自然人独资）"):
            capital = min(capital, 500)
        elif etype.endswith("港澳台法人独资）"):
            capital = round(capital * rng.uniform(0.6, 1.4), 4)
        status = _weighted(rng, (("存续", 70), ("在业", 18), ("注销", 8), ("吊销", 4)))
        if year >= 2024 and status in ("注销", "吊销"):
            status = "存续"
        legal_rep_year = rng.randint(1955, 1998)
        address = (
            f"{county.full}{rng.choice(_ROADS)}{rng.randint(1, 599)}号"
            f"{rng.randint(1, 12)}栋{rng.randint(1, 30)}层{rng.randint(1, 20):02d}室"
        )
        rows.append(
            [
                name,
                _uscc("9", "1", county.code, _org_body(rng, established)),
                _person_name(rng, rng.random() < 0.7, legal_rep_year),
                capital,
                established.isoformat(),
                etype,
                industry,
                address,
                status,
            ]
        )
    return rows


def _xlsx_col(index: int) -> str:
    """0-based column index to Excel letters."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _write_xlsx(
    path: Path, sheet_name: str, rows: Sequence[Sequence[str | int | float]], merges: Sequence[str]
) -> None:
    """Write a single-sheet .xlsx using inline strings; empty rows are left out."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    header = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    width = max(len(r) for r in rows)
    parts = [f'{header}<worksheet xmlns="{ns}"><dimension ref="A1:{_xlsx_col(width - 1)}{len(rows)}"/><sheetData>']
    for r, row in enumerate(rows, start=1):
        if not row:
            continue
        parts.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{_xlsx_col(c)}{r}"
            if isinstance(value, bool):
                raise TypeError("booleans are not supported")
            if isinstance(value, int | float):
                parts.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif value != "":
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData>")
    if merges:
        parts.append(f'<mergeCells count="{len(merges)}">')
        parts.extend(f'<mergeCell ref="{m}"/>' for m in merges)
        parts.append("</mergeCells>")
    parts.append("</worksheet>")
    files = {
        "[Content_Types].xml": (
            f'{header}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{header}<Relationships xmlns="{pkg_rel_ns}">'
            f'<Relationship Id="rId1" Type="{rel_ns}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'{header}<workbook xmlns="{ns}" xmlns:r="{rel_ns}"><sheets>'
            f'<sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{header}<Relationships xmlns="{pkg_rel_ns}">'
            f'<Relationship Id="rId1" Type="{rel_ns}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": "".join(parts),
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))


def _write_enterprises(out_dir: Path, rng: random.Random, n_rows: int = 1200) -> DemoDataset:
    """市场主体登记信息: .xlsx with a merged title row, a blank row, then the table."""
    filename = "hubei_market_entities.xlsx"
    data = _enterprise_rows(rng, n_rows)
    last_col = _xlsx_col(len(ENTERPRISE_COLUMNS) - 1)
    _write_xlsx(
        out_dir / filename,
        "企业名录",
        [[ENTERPRISE_TITLE], [], list(ENTERPRISE_COLUMNS), *data],
        merges=[f"A1:{last_col}1"],
    )
    return DemoDataset(
        filename=filename,
        name="市场主体登记信息",
        org_code=_ORG_SAMR.code,
        summary="湖北省企业类市场主体登记信息，含企业名称、统一社会信用代码、法定代表人、注册资本、"
        "成立日期、所属行业和经营状态（演示用模拟数据）。",
        tags=("市场主体", "企业", "登记注册", "法人"),
        category="基础",
        share_type="无条件共享",
        share_basis=None,
        open_type="有条件开放",
        update_cycle="每日",
        rows=len(data),
        columns=ENTERPRISE_COLUMNS,
        messy=("title-row", "merged-title", "blank-row"),
    )


# --------------------------------------------------------------------------------------
# 3. 工业设备运行监测数据 (NDJSON)
# --------------------------------------------------------------------------------------

# (type code, 设备名称, baseline 温度, 振动, 电流, 转速)
_DEVICE_TYPES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("CNC", "立式加工中心", 38.0, 1.8, 28.0, 8000.0),
    ("IMM", "注塑机", 48.0, 2.2, 45.0, 1450.0),
    ("CMP", "螺杆空压机", 78.0, 2.8, 65.0, 2980.0),
    ("PRS", "数控冲床", 45.0, 3.5, 55.0, 960.0),
    ("MTR", "主驱动电机", 62.0, 1.6, 110.0, 1485.0),
    ("RBT", "焊接机器人", 40.0, 0.9, 18.0, 2200.0),
)
_DEVICE_COMPANIES = (
    ("WHGT", "武汉光谷数控装备有限公司"),
    ("XYLZ", "襄阳隆中汽车零部件有限公司"),
    ("HSCH", "黄石磁湖模具制造有限公司"),
    ("YCXL", "宜昌西陵新材料有限公司"),
)
TELEMETRY_COLUMNS = (
    "设备编号",
    "设备名称",
    "所属企业",
    "采集时间",
    "温度（℃）",
    "振动（mm/s）",
    "电流（A）",
    "转速（rpm）",
    "运行状态",
)
_AMBIENT = 22.0


@dataclass
class _Device:
    """Mutable simulation state of one device."""

    code: str
    name: str
    company: str
    temp0: float
    vib0: float
    cur0: float
    rpm0: float
    downtime: tuple[tuple[int, int], ...]
    wear_start: int | None
    temp: float = 0.0
    drift: float = 0.0


def _make_devices(rng: random.Random, per_company: int, n_slots: int) -> list[_Device]:
    """Four companies × ``per_company`` devices with downtime windows and optional wear."""
    devices: list[_Device] = []
    for prefix, company in _DEVICE_COMPANIES:
        numbers = sorted(rng.sample(range(1, 100), per_company))
        for number in numbers:
            code, name, t0, v0, c0, r0 = rng.choice(_DEVICE_TYPES)
            windows = []
            for _ in range(rng.choice((0, 1, 1, 2))):
                start = rng.randrange(n_slots - 40)
                windows.append((start, start + rng.randint(6, 36)))
            wear = rng.randrange(n_slots // 3, n_slots * 2 // 3) if rng.random() < 0.12 else None
            devices.append(
                _Device(
                    code=f"{prefix}-{code}-{number:04d}",
                    name=name,
                    company=company,
                    temp0=t0 * rng.uniform(0.92, 1.08),
                    vib0=v0 * rng.uniform(0.85, 1.15),
                    cur0=c0 * rng.uniform(0.9, 1.1),
                    rpm0=r0,
                    downtime=tuple(windows),
                    wear_start=wear,
                    temp=t0,
                )
            )
    return sorted(devices, key=lambda d: d.code)


def _reading(rng: random.Random, dev: _Device, slot: int, when: datetime) -> dict[str, object]:
    """Advance one device by one 5-minute step and return its record."""
    stopped = any(a <= slot < b for a, b in dev.downtime)
    hour = when.hour + when.minute / 60
    load = 0.78 + 0.22 * (0.5 - 0.5 * math.cos((hour - 2) / 24 * 2 * math.pi))
    dev.drift = dev.drift * 0.995 + rng.gauss(0, 0.08)
    wear = 0.0 if dev.wear_start is None or slot < dev.wear_start else (slot - dev.wear_start) / 288
    if stopped:
        dev.temp = _AMBIENT + (dev.temp - _AMBIENT) * 0.85
        temperature = dev.temp
        vib = rng.uniform(0.02, 0.15)
        current = rng.uniform(0.0, 0.8)
        rpm = 0.0
        status = "停机"
    else:
        target = dev.temp0 * (0.85 + 0.15 * load) + dev.drift + 6 * wear
        dev.temp = target + (dev.temp - target) * 0.6 + rng.gauss(0, 0.3)
        temperature = dev.temp
        vib = dev.vib0 * (1 + 0.8 * wear) * rng.uniform(0.9, 1.1)
        current = dev.cur0 * load * rng.uniform(0.95, 1.05)
        rpm = dev.rpm0 * (0.92 + 0.08 * load) * rng.uniform(0.995, 1.005)
        if rng.random() < 0.002:  # transient over-temperature spike
            temperature += rng.uniform(12, 20)
        if rng.random() < 0.002:  # transient vibration spike
            vib *= rng.uniform(2.5, 4.0)
        alarm = temperature > dev.temp0 + 12 or vib > dev.vib0 * 2
        status = "告警" if alarm else "正常"
    values: list[object] = [round(temperature, 1), round(vib, 2), round(current, 1), round(rpm)]
    for i in range(len(values)):
        if rng.random() < 0.001:
            values[i] = None
    return dict(
        zip(
            TELEMETRY_COLUMNS,
            [dev.code, dev.name, dev.company, when.strftime("%Y-%m-%d %H:%M:%S"), *values, status],
            strict=True,
        )
    )


def _write_telemetry(out_dir: Path, rng: random.Random, days: int = 3, per_company: int = 6) -> DemoDataset:
    """工业设备运行监测数据: NDJSON, one reading per device every 5 minutes."""
    filename = "hubei_equipment_telemetry.ndjson"
    n_slots = days * 288
    devices = _make_devices(rng, per_company, n_slots)
    start = datetime(2025, 11, 1, 0, 0, 0)
    lines: list[str] = []
    for slot in range(n_slots):
        when = start + timedelta(minutes=5 * slot)
        for dev in devices:
            record = _reading(rng, dev, slot, when)
            if rng.random() < 0.002:  # dropped message: a gap in the series
                continue
            lines.append(json.dumps(record, ensure_ascii=False))
    (out_dir / filename).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return DemoDataset(
        filename=filename,
        name="工业设备运行监测数据",
        org_code=_ORG_EIT.code,
        summary="省内重点工业企业关键设备的温度、振动、电流、转速等运行监测数据，每5分钟采集一次，"
        "用于设备健康评估和产业运行监测（演示用模拟数据）。",
        tags=("工业互联网", "设备监测", "物联网", "时序数据"),
        category="部门",
        share_type="有条件共享",
        share_basis="数据涉及企业生产经营信息，依据《中华人民共和国数据安全法》和"
        "《工业和信息化领域数据安全管理办法（试行）》，经数据来源企业授权后向行业主管部门共享。",
        open_type="不予开放",
        update_cycle="实时",
        rows=len(lines),
        columns=TELEMETRY_COLUMNS,
        messy=("series-gaps", "null-readings", "anomalies"),
    )


# --------------------------------------------------------------------------------------
# 4. 政务服务事项清单 (GBK CSV)
# --------------------------------------------------------------------------------------

_ITEM_TYPE_CODES = {
    "行政许可": "01",
    "行政给付": "05",
    "行政确认": "07",
    "其他行政权力": "10",
    "公共服务": "20",
}

# (事项名称, 事项类型, 法定办结时限, 是否收费, 实施主体类别)
_SERVICE_ITEMS: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    ("企业设立登记", "行政许可", 3, "否", ("scjg", "spj")),
    ("企业变更登记", "行政许可", 3, "否", ("scjg", "spj")),
    ("企业注销登记", "行政许可", 3, "否", ("scjg", "spj")),
    ("食品经营许可（新办）", "行政许可", 20, "否", ("scjg", "spj")),
    ("食品经营许可（变更）", "行政许可", 20, "否", ("scjg", "spj")),
    ("食品经营许可（延续）", "行政许可", 20, "否", ("scjg", "spj")),
    ("食品生产许可", "行政许可", 20, "否", ("scjg",)),
    ("药品零售企业经营许可", "行政许可", 20, "否", ("scjg", "spj")),
    ("建设工程规划许可证核发", "行政许可", 20, "否", ("zrzy", "spj")),
    ("建设用地规划许可证核发", "行政许可", 20, "否", ("zrzy", "spj")),
    ("建筑工程施工许可证核发", "行政许可", 7, "否", ("zjj", "spj")),
    ("商品房预售许可", "行政许可", 20, "否", ("zjj", "spj")),
    ("燃气经营许可证核发", "行政许可", 20, "否", ("zjj",)),
    ("城市建筑垃圾处置核准", "行政许可", 20, "否", ("spj",)),
    ("户外广告设施设置审批", "行政许可", 20, "否", ("spj",)),
    ("道路货物运输经营许可", "行政许可", 20, "否", ("jt", "spj")),
    ("道路旅客运输经营许可", "行政许可", 20, "否", ("jt",)),
    ("排污许可证核发", "行政许可", 20, "否", ("sthj",)),
    ("建设项目环境影响报告书审批", "行政许可", 60, "否", ("sthj",)),
    ("建设项目环境影响报告表审批", "行政许可", 30, "否", ("sthj", "spj")),
    ("取水许可", "行政许可", 45, "否", ("spj",)),
    ("医疗机构执业登记（诊所）", "行政许可", 20, "否", ("wj", "spj")),
    ("公共场所卫生许可", "行政许可", 20, "否", ("wj", "spj")),
    ("人力资源服务许可", "行政许可", 20, "否", ("rs", "spj")),
    ("民办学校设立审批", "行政许可", 30, "否", ("jy",)),
    ("旅行社业务经营许可", "行政许可", 20, "否", ("wl",)),
    ("娱乐场所经营许可", "行政许可", 20, "否", ("wl", "spj")),
    ("危险化学品经营许可证核发", "行政许可", 30, "否", ("spj",)),
    ("公章刻制业特种行业许可证核发", "行政许可", 20, "否", ("ga",)),
    ("失业保险金申领", "行政给付", 20, "否", ("rs",)),
    ("城乡居民最低生活保障金给付", "行政给付", 30, "否", ("mz",)),
    ("特困人员救助供养金给付", "行政给付", 30, "否", ("mz",)),
    ("高龄津贴发放", "行政给付", 20, "否", ("mz",)),
    ("困难残疾人生活补贴和重度残疾人护理补贴发放", "行政给付", 20, "否", ("mz",)),
    ("工伤保险待遇支付", "行政给付", 20, "否", ("rs",)),
    ("工伤认定", "行政确认", 60, "否", ("rs",)),
    ("结婚登记", "行政确认", 1, "否", ("mz",)),
    ("出生登记（户口登记）", "行政确认", 5, "否", ("ga",)),
    ("居民身份证核发", "行政确认", 60, "是", ("ga",)),
    ("不动产首次登记", "行政确认", 30, "是", ("zrzy",)),
    ("不动产转移登记", "行政确认", 30, "是", ("zrzy",)),
    ("不动产抵押权登记", "行政确认", 30, "是", ("zrzy",)),
    ("社会保障卡申领", "公共服务", 10, "否", ("rs",)),
    ("个人权益记录查询打印", "公共服务", 1, "否", ("rs",)),
    ("职工基本养老保险关系转移接续", "公共服务", 15, "否", ("rs",)),
    ("就业创业证申领", "公共服务", 5, "否", ("rs",)),
    ("异地就医备案", "公共服务", 1, "否", ("yb",)),
    ("城乡居民基本医疗保险参保登记", "公共服务", 1, "否", ("yb",)),
    ("住房公积金缴存证明开具", "公共服务", 1, "否", ("gjj",)),
    ("住房公积金提取", "公共服务", 5, "否", ("gjj",)),
    ("无犯罪记录证明开具", "公共服务", 3, "否", ("ga",)),
    ("学籍证明开具", "公共服务", 5, "否", ("jy",)),
    ("房屋建筑和市政基础设施工程竣工验收备案", "其他行政权力", 5, "否", ("zjj", "spj")),
    ("企业投资项目备案", "其他行政权力", 3, "否", ("spj",)),
    ("第二类医疗器械经营备案", "其他行政权力", 5, "否", ("scjg", "spj")),
    ("人力资源服务机构设立分支机构备案", "其他行政权力", 5, "否", ("rs",)),
)

# 实施主体 by category: (province, Wuhan city, per-district pattern or None)
_AGENCY_KINDS: dict[str, tuple[str | None, str | None, str | None]] = {
    "scjg": ("湖北省市场监督管理局", "武汉市市场监督管理局", "武汉市{d}市场监督管理局"),
    "spj": (None, None, "武汉市{d}行政审批局"),
    "zrzy": ("湖北省自然资源厅", "武汉市自然资源和规划局", None),
    "zjj": ("湖北省住房和城乡建设厅", "武汉市城乡建设局", None),
    "jt": ("湖北省交通运输厅", "武汉市交通运输局", None),
    "sthj": ("湖北省生态环境厅", "武汉市生态环境局", None),
    "wj": ("湖北省卫生健康委员会", "武汉市卫生健康委员会", "武汉市{d}卫生健康局"),
    "rs": ("湖北省人力资源和社会保障厅", "武汉市人力资源和社会保障局", "武汉市{d}人力资源局"),
    "mz": ("湖北省民政厅", "武汉市民政局", "武汉市{d}民政局"),
    "ga": ("湖北省公安厅", "武汉市公安局", "武汉市公安局{d}分局"),
    "yb": ("湖北省医疗保障局", "武汉市医疗保障局", "武汉市{d}医疗保障局"),
    "jy": ("湖北省教育厅", "武汉市教育局", "武汉市{d}教育局"),
    "wl": ("湖北省文化和旅游厅", "武汉市文化和旅游局", None),
    "gjj": (None, "武汉住房公积金管理中心", None),
}

SERVICE_COLUMNS = (
    "事项编码",
    "事项名称",
    "事项类型",
    "实施主体",
    "法定办结时限（工作日）",
    "承诺办结时限（工作日）",
    "是否收费",
    "办理地点",
    "咨询电话",
)
SERVICE_TITLE = ("数据库：湖北省政务服务事项目录", "指标：依申请政务服务事项", "时间：2025年")
SERVICE_TRAILER = (
    "注：办结时限均以工作日计，不含法定节假日；承诺办结时限以受理窗口公示为准。",
    "数据来源：湖北省政务服务网",
)


@dataclass(frozen=True)
class _Agency:
    """An implementing agency (实施主体) with its code, hall and hotline."""

    name: str
    code: str
    hall: str
    phone: str


def _agencies_for(kind: str) -> list[tuple[str, str, str]]:
    """(agency name, region code, hall name) for one agency category, province → city → districts."""
    province, city, district = _AGENCY_KINDS[kind]
    out: list[tuple[str, str, str]] = []
    if province:
        out.append((province, "420000", "湖北省政务服务中心"))
    if city:
        out.append((city, "420100", "武汉市民之家"))
    if district:
        for d in _WUHAN_DISTRICTS:
            out.append((district.format(d=d.name), d.code, f"武汉市{d.name}政务服务中心"))
    return out


def _service_rows(rng: random.Random, n_rows: int) -> list[list[str]]:
    """Clean (item, agency) rows, sampled so that every item appears at least once."""
    agencies: dict[str, _Agency] = {}
    pairs: list[tuple[int, str]] = []
    for idx, (_, _, _, _, kinds) in enumerate(_SERVICE_ITEMS):
        for kind in kinds:
            for name, region, hall in _agencies_for(kind):
                if name not in agencies:
                    agencies[name] = _Agency(name, _gov_code(name, region), hall, f"027-8{rng.randrange(10**7):07d}")
                pairs.append((idx, name))
    first_per_item: dict[int, tuple[int, str]] = {}
    for pair in pairs:
        first_per_item.setdefault(pair[0], pair)
    chosen = list(first_per_item.values())
    rest = [p for p in pairs if p not in chosen]
    chosen += rng.sample(rest, n_rows - len(chosen))
    agency_order = {name: i for i, name in enumerate(agencies)}
    chosen.sort(key=lambda p: (agency_order[p[1]], p[0]))
    rows: list[list[str]] = []
    for idx, agency_name in chosen:
        item, item_type, legal, fee, _ = _SERVICE_ITEMS[idx]
        agency = agencies[agency_name]
        promised = legal if legal <= 1 else max(1, round(legal * rng.choice((0.1, 0.2, 0.25, 0.3, 0.5))))
        rows.append(
            [
                f"{agency.code}{_ITEM_TYPE_CODES[item_type]}{idx + 1:04d}000",
                item,
                item_type,
                agency.name,
                str(legal),
                str(promised),
                fee,
                f"{agency.hall}{rng.randint(1, 4)}楼{rng.choice('ABCD')}区{rng.randint(1, 40)}号窗口",
                agency.phone,
            ]
        )
    return rows


def _mess_up_service_rows(rng: random.Random, rows: list[list[str]]) -> None:
    """Inject export messiness: full-width digits, half-width parens, trailing spaces, blanks."""
    for row in rows:
        if "（" in row[1] and rng.random() < 0.35:
            row[1] = row[1].translate(_HALFWIDTH_PARENS)
        for col in (4, 5):
            if rng.random() < 0.03:
                row[col] = row[col].translate(_FULLWIDTH_DIGITS)
        if rng.random() < 0.05:
            row[3] += " " * rng.randint(1, 3)
        if rng.random() < 0.03:
            row[1] += " "
        if rng.random() < 0.02:
            row[8] = ""
        if rng.random() < 0.01:
            row[7] = ""
        if rng.random() < 0.01:
            row[5] = ""


def _write_service_items(out_dir: Path, rng: random.Random, n_rows: int = 400) -> DemoDataset:
    """政务服务事项清单: GBK CSV with CRLF, title lines, trailer notes and dirty cells."""
    filename = "hubei_gov_service_items.csv"
    rows = _service_rows(rng, n_rows)
    _mess_up_service_rows(rng, rows)
    lines = [[t] for t in SERVICE_TITLE] + [list(SERVICE_COLUMNS), *rows] + [[t] for t in SERVICE_TRAILER]
    (out_dir / filename).write_bytes(_csv_text(lines, lineterminator="\r\n").encode("gbk"))
    return DemoDataset(
        filename=filename,
        name="政务服务事项清单",
        org_code=_ORG_GOVDATA.code,
        summary="湖北省省、市、区三级依申请政务服务事项实施清单，含事项编码、事项类型、实施主体、"
        "办结时限、收费情况和办理地点（演示用模拟数据）。",
        tags=("政务服务", "事项清单", "一网通办"),
        category="主题",
        share_type="无条件共享",
        share_basis=None,
        open_type="无条件开放",
        update_cycle="每月",
        rows=len(rows),
        columns=SERVICE_COLUMNS,
        messy=(
            "gbk",
            "crlf",
            "title-rows",
            "trailer-notes",
            "fullwidth-digits",
            "mixed-width-parens",
            "trailing-spaces",
            "empty-cells",
        ),
    )


# --------------------------------------------------------------------------------------
# 5. 湖北省各市州地区生产总值 (GBK wide CSV)
# --------------------------------------------------------------------------------------

GDP_YEARS = tuple(range(2025, 2015, -1))
GDP_COLUMNS = ("地区", *(f"{y}年" for y in GDP_YEARS))
GDP_TITLE = ("数据库：湖北省统计年鉴", "指标：地区生产总值(亿元)", "时间：2016-2025")
GDP_TRAILER = (
    "注：地区生产总值按当年价格计算；2025年数据尚未发布。本表为演示用模拟数据。",
    "数据来源：湖北省统计局",
)
# Nominal growth of year y over y-1, province-wide shape (2020 contraction, 2021 rebound).
_GDP_GROWTH = {
    2017: 0.095,
    2018: 0.10,
    2019: 0.085,
    2020: -0.05,
    2021: 0.16,
    2022: 0.065,
    2023: 0.05,
    2024: 0.055,
}


def _write_gdp(out_dir: Path, rng: random.Random) -> DemoDataset:
    """湖北省各市州地区生产总值: wide GBK CSV like an NBS export, latest year empty."""
    filename = "hubei_gdp_by_prefecture.csv"
    rows: list[list[str]] = []
    for region, level_2024 in _HUBEI_PREFECTURES:
        values = {2024: level_2024 * rng.uniform(0.97, 1.03)}
        for year in range(2024, 2016, -1):
            growth = _GDP_GROWTH[year] + rng.gauss(0, 0.012)
            values[year - 1] = values[year] / (1 + growth)
        rows.append([region, "", *(f"{values[y]:.2f}" for y in GDP_YEARS[1:])])
    lines = [[t] for t in GDP_TITLE] + [list(GDP_COLUMNS), *rows] + [[t] for t in GDP_TRAILER]
    (out_dir / filename).write_bytes(_csv_text(lines, lineterminator="\r\n").encode("gbk"))
    return DemoDataset(
        filename=filename,
        name="湖北省各市州地区生产总值",
        org_code=_ORG_STATS.code,
        summary="湖北省17个市州2016年以来的地区生产总值（亿元），按年份横向排列（演示用模拟数据）。",
        tags=("宏观经济", "地区生产总值", "统计年鉴", "市州"),
        category="主题",
        share_type="无条件共享",
        share_basis=None,
        open_type="无条件开放",
        update_cycle="每年",
        rows=len(rows),
        columns=GDP_COLUMNS,
        messy=("gbk", "crlf", "title-rows", "trailer-notes", "wide-years", "empty-latest-year"),
    )


# --------------------------------------------------------------------------------------
# 6. 黑龙江省规模以上工业企业名录 (UTF-8 BOM TSV)
# --------------------------------------------------------------------------------------

# (GB/T 4754-2017 大类, name words used in enterprise names)
_HLJ_INDUSTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("农副食品加工业", ("粮油", "米业", "农产品加工")),
    ("食品制造业", ("乳业", "食品")),
    ("酒、饮料和精制茶制造业", ("酒业", "饮品")),
    ("木材加工和木、竹、藤、棕、草制品业", ("木业",)),
    ("石油、煤炭及其他燃料加工业", ("石化",)),
    ("化学原料和化学制品制造业", ("化工",)),
    ("医药制造业", ("药业", "制药")),
    ("橡胶和塑料制品业", ("塑业", "橡塑制品")),
    ("非金属矿物制品业", ("建材",)),
    ("金属制品业", ("金属制品",)),
    ("通用设备制造业", ("机械", "泵业")),
    ("专用设备制造业", ("农业机械", "装备制造")),
    ("汽车制造业", ("汽车零部件",)),
    ("电气机械和器材制造业", ("电气", "电机")),
    ("计算机、通信和其他电子设备制造业", ("电子",)),
    ("电力、热力生产和供应业", ("热电",)),
)
HLJ_COLUMNS = (
    "企业名称",
    "统一社会信用代码",
    "所在地区",
    "行业类别",
    "从业人员数",
    "营业收入（万元）",
    "DCMM等级",
)


def _write_hlj_enterprises(out_dir: Path, rng: random.Random, n_rows: int = 300) -> DemoDataset:
    """黑龙江省规模以上工业企业名录: UTF-8-with-BOM TSV."""
    filename = "heilongjiang_industrial_enterprises.tsv"
    weights = [3 if c.city == "哈尔滨市" else 2 for c in _HEILONGJIANG_COUNTIES]
    seen: set[str] = set()
    rows: list[list[str]] = []
    while len(rows) < n_rows:
        county = rng.choices(_HEILONGJIANG_COUNTIES, weights=weights)[0]
        industry, words = rng.choice(_HLJ_INDUSTRIES)
        suffix = "股份有限公司" if rng.random() < 0.08 else "有限公司"
        name = f"{county.city_short}{_trade_name(rng, _HLJ_TRADE_NAMES)}{rng.choice(words)}{suffix}"
        if name in seen:
            continue
        seen.add(name)
        established = _random_date(rng, date(1995, 1, 1), date(2024, 12, 31))
        employees = max(20, round(math.exp(rng.gauss(5.2, 0.9))))
        revenue = max(2000.0, employees * math.exp(rng.gauss(4.6, 0.5)))
        revenue_text = f"{revenue:.1f}"
        if rng.random() < 0.06:
            revenue_text = f"{revenue:,.1f}"
        dcmm = _weighted(rng, (("", 170), ("一级", 4), ("二级", 12), ("三级", 10), ("四级", 3), ("五级", 1)))
        rows.append(
            [
                name,
                _uscc("9", "1", county.code, _org_body(rng, established)),
                county.city + county.name,
                industry,
                str(employees),
                revenue_text,
                dcmm,
            ]
        )
    text = _csv_text([HLJ_COLUMNS, *rows], delimiter="\t")
    (out_dir / filename).write_text(text, encoding="utf-8-sig", newline="")
    return DemoDataset(
        filename=filename,
        name="黑龙江省规模以上工业企业名录",
        org_code=_ORG_HLJ_MIIT.code,
        summary="黑龙江省规模以上工业企业名录，含所在地区、行业类别、从业人员数、营业收入及数据管理能力成熟度"
        "（DCMM）等级（演示用模拟数据）。",
        tags=("工业", "规上企业", "DCMM", "黑龙江"),
        category="部门",
        share_type="有条件共享",
        share_basis="依据《中华人民共和国统计法》，涉及单个企业的营业收入等统计资料仅用于统计分析和行业管理，"
        "不得用于其他目的。",
        open_type="有条件开放",
        update_cycle="每年",
        rows=len(rows),
        columns=HLJ_COLUMNS,
        messy=("utf-8-bom", "tab-separated", "thousands-separators", "blank-dcmm"),
    )


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def generate_demo_files(out_dir: Path, seed: int = 20261122) -> list[DemoDataset]:
    """Write the six demo files into ``out_dir`` and return their catalog metadata."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        _write_population(out_dir, _rng(seed, "population")),
        _write_enterprises(out_dir, _rng(seed, "enterprises")),
        _write_telemetry(out_dir, _rng(seed, "telemetry")),
        _write_service_items(out_dir, _rng(seed, "service-items")),
        _write_gdp(out_dir, _rng(seed, "gdp")),
        _write_hlj_enterprises(out_dir, _rng(seed, "hlj-enterprises")),
    ]
