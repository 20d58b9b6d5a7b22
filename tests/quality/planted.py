"""A people table with defects planted on every GB/T 36344 dimension, and their exact counts."""

from __future__ import annotations

import datetime as dtm
import random

import pyarrow as pa

from shuliu.classify import catalogue

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
NOW = dtm.datetime(2026, 6, 1, tzinfo=dtm.UTC)

RULES = """
format: shuliu-quality-rules/1
rules:
  - {id: name-filled, check: not_null, column: 姓名}
  - {id: id-unique, check: unique, column: 身份证号}
  - {id: id-valid, check: type, column: 身份证号, type: resident_id}
  - {id: age-range, check: range, column: 年龄, min: 0, max: 150}
  - {id: zip-format, check: pattern, column: 邮编, pattern: '^[0-9]{6}$'}
  - {id: edu-enum, check: enum, column: 学历, values: [小学, 初中, 高中, 大专, 本科, 研究生]}
  - {id: region-ref, check: reference, column: 区划代码, vocabulary: admin_divisions}
  - {id: birth-matches-id, check: id_birth, column: 出生日期, id_column: 身份证号}
  - {id: gender-matches-id, check: id_gender, column: 性别, id_column: 身份证号}
  - {id: start-before-end, check: compare, left: 开始日期, op: "<=", right: 结束日期}
  - {id: fresh-record, check: freshness, column: 更新时间, max_age_days: 365}
  - {id: readable, check: accessible}
"""
PLANTED = {
    "name-filled": 37,
    "id-unique": 12,
    "id-valid": 11,
    "age-range": 9,
    "zip-format": 14,
    "edu-enum": 8,
    "region-ref": 13,
    "birth-matches-id": 16,
    "gender-matches-id": 10,
    "start-before-end": 7,
    "fresh-record": 6,
    "readable": 0,
}
DIMENSION = {
    "name-filled": "完整性",
    "id-unique": "准确性",
    "id-valid": "规范性",
    "age-range": "准确性",
    "zip-format": "规范性",
    "edu-enum": "规范性",
    "region-ref": "规范性",
    "birth-matches-id": "一致性",
    "gender-matches-id": "一致性",
    "start-before-end": "一致性",
    "fresh-record": "时效性",
    "readable": "可访问性",
}


def check_digit(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def people(n: int = 5000, seed: int = 3) -> pa.Table:
    rng = random.Random(seed)
    counties = [c for c, _, level, _ in catalogue.divisions()["divisions"] if level == "county"]
    edu = ["小学", "初中", "高中", "大专", "本科", "研究生"]
    rows: list[dict[str, object]] = []
    used: set[str] = set()
    for _ in range(n):
        county = rng.choice(counties)
        birth = dtm.date(1940, 1, 1) + dtm.timedelta(days=rng.randrange(0, 30000))
        while True:
            seq = f"{rng.randrange(0, 1000):03d}"
            body = county + birth.strftime("%Y%m%d") + seq
            ident = body + check_digit(body)
            if ident not in used:
                used.add(ident)
                break
        start = dtm.date(2020, 1, 1) + dtm.timedelta(days=rng.randrange(0, 1000))
        rows.append(
            {
                "姓名": rng.choice("张王李赵刘陈杨黄") + rng.choice(["伟", "芳", "娜", "敏", "静", "强", "磊"]),
                "身份证号": ident,
                "性别": "男" if int(seq[2]) % 2 else "女",
                "出生日期": birth.isoformat(),
                "年龄": 2026 - birth.year,
                "邮编": f"{rng.randrange(100000, 999999)}",
                "学历": rng.choice(edu),
                "区划代码": county,
                "开始日期": start,
                "结束日期": start + dtm.timedelta(days=rng.randrange(0, 400)),
                "更新时间": NOW.replace(tzinfo=None) - dtm.timedelta(days=rng.randrange(0, 300)),
            }
        )
    # Each defect goes to rows of its own (a sample without replacement), so counts stay exact.
    order = list(range(n))
    rng.shuffle(order)
    picks = iter(order)

    def take(k: int) -> list[int]:
        return [next(picks) for _ in range(k)]

    for i in take(PLANTED["name-filled"]):
        rows[i]["姓名"] = None if i % 2 else "  "
    for i in take(PLANTED["id-unique"]):
        j = next(picks)  # copy another (untouched) person entirely: a duplicate record
        rows[i] = dict(rows[j])
    for i in take(PLANTED["id-valid"]):
        ident = str(rows[i]["身份证号"])
        wrong = "0123456789X".replace(ident[-1], "")[i % 10]
        rows[i]["身份证号"] = ident[:-1] + wrong
    for i in take(PLANTED["age-range"]):
        rows[i]["年龄"] = -1 if i % 2 else 151
    for i in take(PLANTED["zip-format"]):
        rows[i]["邮编"] = ["10000", "1000001", "10000A", "１００００１"][i % 4]
    for i in take(PLANTED["edu-enum"]):
        rows[i]["学历"] = ["博士后", "本 科", "unknown"][i % 3]
    for i in take(PLANTED["region-ref"]):
        rows[i]["区划代码"] = ["999999", "110199", "000000"][i % 3]
    for i in take(PLANTED["birth-matches-id"]):
        d = dtm.date.fromisoformat(str(rows[i]["出生日期"]))
        rows[i]["出生日期"] = (d + dtm.timedelta(days=1)).isoformat()
    for i in take(PLANTED["gender-matches-id"]):
        rows[i]["性别"] = "女" if rows[i]["性别"] == "男" else "男"
    for i in take(PLANTED["start-before-end"]):
        rows[i]["开始日期"], rows[i]["结束日期"] = rows[i]["结束日期"], rows[i]["开始日期"] - dtm.timedelta(days=1)
    for i in take(PLANTED["fresh-record"]):
        rows[i]["更新时间"] = NOW.replace(tzinfo=None) - dtm.timedelta(days=400 + i % 50)
    return pa.Table.from_pylist(rows)
