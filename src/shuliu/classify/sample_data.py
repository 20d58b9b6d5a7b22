"""A labelled table for testing and benchmarking the classifier: every type of the spec, plus decoys.

Deterministic (seeded), realistic values that pass their standards' checks (ID numbers, credit
codes, VINs, card numbers), and decoy columns that look alike but are none of the types: random
18-digit numbers, free Chinese text, timestamps, amounts, product codes, region codes (six digits, like a postcode),
dates that are not dates of birth, sixteen-digit order numbers, a status and a quantity.
"""

from __future__ import annotations

import random
import string
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from shuliu.classify import detectors
from shuliu.classify.catalogue import divisions, vocab

# (column name, expected type or None, generator key)
COLUMNS: list[tuple[str, str | None, str]] = [
    ("姓名", "cn_name", "name"),
    ("公民身份号码", "cn_resident_id", "resident_id"),
    ("字段07", "cn_resident_id", "resident_id"),  # no name hint: content alone
    ("统一社会信用代码", "cn_uscc", "uscc"),
    ("组织机构代码", "cn_org_code", "org_code"),
    ("手机号码", "cn_mobile", "mobile"),
    ("办公电话", "cn_landline", "landline"),
    ("银行卡号", "bank_card", "bank_card"),
    ("护照号码", "cn_passport", "passport"),
    ("港澳通行证号码", "hk_macao_permit", "hk_permit"),
    ("台胞证号码", "taiwan_permit", "tw_permit"),
    ("车牌号码", "cn_plate", "plate"),
    ("车辆识别代号", "vin", "vin"),
    ("电子邮箱", "email", "email"),
    ("登录IP", "ipv4", "ipv4"),
    ("IPv6地址", "ipv6", "ipv6"),
    ("MAC地址", "mac", "mac"),
    ("设备IMEI", "imei", "imei"),
    ("户籍地址", "cn_address", "address"),
    ("民族", "cn_ethnicity", "ethnicity"),
    ("性别", "gender", "gender"),
    ("出生日期", "birth_date", "birth_date"),
    ("宗教信仰", "religion", "religion"),
    ("婚姻状况", "marital_status", "marital"),
    ("经度", "geo_coordinate", "longitude"),
    ("邮政编码", "postcode", "postcode"),
    ("诊断结果", "medical_record", "diagnosis"),
    ("登录密码", "password", "password"),
    ("工作单位", "cn_org_name", "org_name"),
    ("流水号", None, "random18"),
    ("情况说明", None, "free_text"),
    ("采集时间", None, "timestamp"),
    ("金额（元）", None, "amount"),
    ("产品编码", None, "product_code"),
    ("行政区划代码", None, "region_code"),  # six digits, like a postcode
    ("登记日期", None, "date"),  # dates, but not of birth
    ("订单编号", None, "random16"),  # sixteen digits, like a card number
    ("办理状态", None, "status"),
    ("数量", None, "quantity"),
]

GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕玉兰晓东红梅小红宇浩然子涵欣怡梓轩雨萱诗琪"
)
ROADS = ["人民路", "解放大道", "中山路", "建设大道", "珞喻路", "光谷大道", "友谊大道", "和平大道", "长江路", "黄河路"]
ESTATES = ["阳光花园", "锦绣小区", "城市广场", "金色家园", "幸福里", "翠湖苑"]
DIAGNOSES = [
    "高血压病",
    "2型糖尿病",
    "急性上呼吸道感染",
    "社区获得性肺炎",
    "腰椎间盘突出症",
    "慢性胃炎",
    "冠心病",
    "支气管哮喘",
    "缺铁性贫血",
    "右桡骨远端骨折",
    "甲状腺结节",
    "胆囊结石",
]
ORG_WORDS = ["武汉", "湖北", "长江", "光谷", "楚天", "华中", "东湖", "江汉", "荆楚", "汉江"]
ORG_KINDS = ["科技有限公司", "电力设计院", "第一中学", "人民医院", "建设集团有限公司", "农村商业银行", "大学", "研究所"]
TEXT = [
    "今年以来",
    "全省各地",
    "认真落实",
    "有关部门",
    "进一步加强",
    "数据共享",
    "工作机制",
    "取得明显成效",
    "群众满意度",
    "持续提升",
    "按照要求",
    "统筹推进",
    "重点项目",
    "稳步实施",
]


def _id_check(body17: str) -> str:
    total = sum(int(c) * w for c, w in zip(body17, detectors.ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def _luhn_complete(body: str) -> str:
    digits = [int(c) for c in body + "0"][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)


def _uscc(rng: random.Random, region: str) -> str:
    alphabet = detectors.USCC_ALPHABET
    org = _org_code(rng).replace("-", "")
    body = rng.choice("159") + rng.choice("123") + region + org
    total = sum(alphabet.index(c) * w for c, w in zip(body, detectors.USCC_WEIGHTS, strict=True))
    return body + alphabet[(31 - total % 31) % 31]


def _org_code(rng: random.Random) -> str:
    chars = string.digits + "ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(chars) for _ in range(8))
    total = sum(detectors.ALNUM36.index(c) * w for c, w in zip(body, detectors.ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return body + "-" + ("X" if c == 10 else "0" if c == 11 else str(c))


def _vin_value(c: str) -> int:
    return int(c) if c.isdigit() else int(detectors.VIN_LETTER_VALUES[detectors.VIN_LETTERS.index(c)])


def _vin(rng: random.Random) -> str:
    chars = detectors.VIN_LETTERS + string.digits
    v = ["L"] + [rng.choice(chars) for _ in range(16)]
    r = sum(_vin_value(c) * w for c, w in zip(v, detectors.VIN_WEIGHTS, strict=True)) % 11
    v[8] = "X" if r == 10 else str(r)
    return "".join(v)


def _counties() -> list[tuple[str, str]]:
    rows = divisions()["divisions"]
    names = {r[0]: r[1] for r in rows}
    out = []
    for code, name, level, parent in rows:
        if level == "county" and code[:2] in ("42", "23", "11", "31", "44"):
            city = names.get(parent, "")
            province = names.get(code[:2] + "0000", "")
            out.append((code, province + (city if city not in ("市辖区", "县") else "") + name))
    return out


def make_value(kind: str, rng: random.Random, counties: list[tuple[str, str]], i: int) -> Any:
    v = vocab()
    if kind == "name":
        surname = rng.choice(v["compound_surnames"]) if rng.random() < 0.02 else rng.choice(v["surnames"][:120])
        return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    if kind == "resident_id":
        code = rng.choice(counties)[0]
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        body = code + born.strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
        return body + _id_check(body)
    if kind == "uscc":
        return _uscc(rng, rng.choice(counties)[0])
    if kind == "org_code":
        return _org_code(rng)
    if kind == "mobile":
        return rng.choice(["13", "15", "17", "18", "19"]) + str(rng.randrange(0, 10)) + f"{rng.randrange(0, 10**8):08d}"
    if kind == "landline":
        return (
            rng.choice(["027-", "010-", "0451-", "021-"]) + str(rng.randrange(2, 9)) + f"{rng.randrange(0, 10**7):07d}"
        )
    if kind == "bank_card":
        return _luhn_complete("62" + "".join(rng.choice(string.digits) for _ in range(rng.choice((14, 16)))))
    if kind == "passport":
        return "E" + f"{rng.randrange(0, 10**8):08d}"
    if kind == "hk_permit":
        return "C" + f"{rng.randrange(0, 10**8):08d}"
    if kind == "tw_permit":
        return f"{rng.randrange(0, 10**8):08d}"
    if kind == "plate":
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        tail = "".join(rng.choice(letters + string.digits) for _ in range(5))
        return rng.choice("鄂京沪粤黑") + rng.choice(letters[:10]) + tail
    if kind == "vin":
        return _vin(rng)
    if kind == "email":
        return (
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randrange(4, 9)))
            + str(rng.randrange(1, 99))
            + "@"
            + rng.choice(["163.com", "qq.com", "hubei.gov.cn", "example.org"])
        )
    if kind == "ipv4":
        return ".".join(str(rng.randrange(1, 255)) for _ in range(4))
    if kind == "ipv6":
        groups = [f"{rng.randrange(0, 65536):x}" for _ in range(6)]
        if rng.random() < 0.5:
            return "2001:db8:" + ":".join(groups)
        return "2001:db8::" + ":".join(groups[: rng.randrange(1, 4)])
    if kind == "mac":
        return ":".join(f"{rng.randrange(0, 256):02X}" for _ in range(6))
    if kind == "imei":
        return _luhn_complete("35" + "".join(rng.choice(string.digits) for _ in range(12)))
    if kind == "address":
        return (
            rng.choice(counties)[1]
            + rng.choice(ROADS)
            + f"{rng.randrange(1, 999)}号"
            + rng.choice(ESTATES)
            + f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(101, 2802)}室"
        )
    if kind == "ethnicity":
        return "汉族" if rng.random() < 0.85 else rng.choice(v["ethnicities"])
    if kind == "gender":
        return rng.choice(("男", "女"))
    if kind == "birth_date":
        return (date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80))).isoformat()
    if kind == "religion":
        return rng.choice(v["religions"][:8])
    if kind == "marital":
        return rng.choice(("未婚", "已婚", "离婚", "丧偶"))
    if kind == "longitude":
        return round(rng.uniform(108.3, 116.1), 6)
    if kind == "postcode":
        return f"{rng.randrange(1, 9)}{rng.randrange(0, 10**5):05d}"
    if kind == "diagnosis":
        return rng.choice(DIAGNOSES) + ("，建议复查" if rng.random() < 0.3 else "")
    if kind == "password":
        return "".join(rng.choice(string.ascii_letters + string.digits + "!@#$") for _ in range(rng.randrange(8, 16)))
    if kind == "org_name":
        return rng.choice(ORG_WORDS) + rng.choice(ORG_WORDS) + rng.choice(ORG_KINDS)
    if kind == "random18":
        return str(rng.randrange(10**17, 10**18))
    if kind == "free_text":
        return "，".join(rng.choice(TEXT) for _ in range(rng.randrange(3, 7))) + "。"
    if kind == "timestamp":
        return datetime(2025, 1, 1) + timedelta(seconds=rng.randrange(0, 365 * 86400))
    if kind == "amount":
        return round(rng.uniform(10, 500000), 2)
    if kind == "product_code":
        return (
            f"SKU-{rng.randrange(2019, 2026)}-{rng.randrange(0, 10**5):05d}-" + rng.choice(string.ascii_uppercase) * 2
        )
    if kind == "region_code":
        return rng.choice(counties)[0]
    if kind == "date":
        return (date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3650))).isoformat()
    if kind == "random16":
        return str(rng.randrange(10**15, 10**16))
    if kind == "status":
        return rng.choice(("已受理", "办理中", "已办结", "已退回"))
    if kind == "quantity":
        return rng.randrange(0, 5000)
    raise ValueError(kind)


def labelled_table(
    rows: int = 2000, seed: int = 20261122, columns: list[tuple[str, str | None, str]] | None = None
) -> tuple[pa.Table, dict[str, str | None]]:
    """(table, column → expected type) with about 3 % empty cells in every column."""
    spec = columns or COLUMNS
    rng = random.Random(seed)
    counties = _counties()
    data: dict[str, list[Any]] = {}
    for name, _, kind in spec:
        col_rng = random.Random(f"{seed}:{name}")
        data[name] = [None if col_rng.random() < 0.03 else make_value(kind, col_rng, counties, i) for i in range(rows)]
    del rng
    return pa.table(data), {name: expected for name, expected, _ in spec}
