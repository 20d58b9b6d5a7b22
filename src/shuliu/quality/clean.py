"""Cleaning recipes (数据清洗): steps compiled to one Ibis expression, run by the engine.

A recipe is YAML (or JSON):

    format: shuliu-cleaning-recipe/1
    steps:
      - trim: "*"                         # text columns: leading/trailing white space (incl. 全角空格)
      - fullwidth: [学校名称]             # full-width → half-width letters, digits, punctuation, space
      - date: [出生日期]                  # 1990-1-2, 1990/01/02, 1990年1月2日, 19900102 → a DATE column
      - phone: [联系电话]                 # spaces, dashes, brackets and +86/0086 removed
      - resident_id: [身份证号]           # upper-case X, 15-digit IDs raised to 18 digits (GB 11643)
      - map: {column: 性别, values: {"1": 男, "2": 女}}   # code mapping; other values stay
      - fill: {column: 备注, value: 公办}                 # missing (null or blank) → a value
      - flag_missing: [电话]              # adds a boolean column 电话_缺失
      - dedupe: {columns: [身份证号], action: drop}       # drop: keep the first row of each key;
                                                          # flag: add a boolean column 重复标记

`"*"` means every text column. Steps run in order, each on the result of the one before; the
engine writes the result as a new version, and the old version stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from shuliu.errors import ValidationFailed

FORMAT = "shuliu-cleaning-recipe/1"
STEPS = ("trim", "fullwidth", "date", "phone", "resident_id", "map", "fill", "flag_missing", "dedupe")
ROW = "__shuliu_row"  # the stored order (file, row number) while deduplicating
ROW_FILE = "__shuliu_file"
DUP_FLAG = "重复标记"
MISSING_SUFFIX = "_缺失"
FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class Step:
    kind: str
    columns: list[str]
    params: dict[str, Any]

    def describe(self) -> str:
        cols = ", ".join(self.columns) if self.columns != ["*"] else "*"
        return f"{self.kind}({cols})"


def _bad(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, field="recipe", **details)


def _names(value: Any, place: str) -> list[str]:
    if value == "*":
        return ["*"]
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise _bad('{place}: give a column, a list of columns or "*"', place=place)


def parse(text: str) -> list[Step]:
    if len(text) > 1_000_000:
        raise _bad("the recipe is larger than 1 MB")
    try:
        doc = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise _bad("the recipe is not valid YAML: {problem}", problem=str(exc).splitlines()[0]) from exc
    if isinstance(doc, list):
        doc = {"steps": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list) or not doc["steps"]:
        raise _bad("a recipe is a mapping with a non-empty list of `steps`")
    if doc.get("format", FORMAT) != FORMAT:
        raise _bad(
            "unknown recipe format {format}; this version reads {expected}",
            format=str(doc.get("format")),
            expected=FORMAT,
        )
    if len(doc["steps"]) > 200:
        raise _bad("at most 200 steps in a recipe")
    steps = []
    for i, item in enumerate(doc["steps"], 1):
        place = f"step {i}"
        if not isinstance(item, dict) or len(item) != 1:
            raise _bad("{place}: a step is one of {steps} with its columns", place=place, steps=", ".join(STEPS))
        kind, arg = next(iter(item.items()))
        if kind not in STEPS:
            raise _bad(
                "{place}: unknown step {kind}; the steps are {steps}",
                place=place,
                kind=str(kind),
                steps=", ".join(STEPS),
            )
        params: dict[str, Any] = {}
        if kind == "map":
            if not isinstance(arg, dict) or not isinstance(arg.get("values"), dict) or not arg["values"]:
                raise _bad("{place}: map takes a column and a mapping of `values`", place=place)
            cols = _names(arg.get("column"), place)
            params["values"] = {str(k): str(v) for k, v in arg["values"].items()}
        elif kind == "fill":
            if not isinstance(arg, dict) or arg.get("value") is None:
                raise _bad("{place}: fill takes a column and a `value`", place=place)
            cols = _names(arg.get("column") or arg.get("columns"), place)
            params["value"] = arg["value"]
        elif kind == "dedupe":
            if not isinstance(arg, dict):
                raise _bad("{place}: dedupe takes `columns` and an `action` (drop or flag)", place=place)
            cols = _names(arg.get("columns") or arg.get("column"), place)
            action = arg.get("action", "drop")
            if action not in ("drop", "flag"):
                raise _bad("{place}: the dedupe action is drop or flag", place=place)
            params["action"] = action
        else:
            cols = _names(arg, place)
        steps.append(Step(kind, cols, params))
    return steps


def _targets(t: ir.Table, step: Step, place: str) -> list[str]:
    if step.columns == ["*"]:
        if step.kind == "dedupe":
            return [n for n in t.columns if n not in (ROW, ROW_FILE)]
        return [n for n, d in t.schema().items() if d.is_string() and n not in (ROW, ROW_FILE)]
    for c in step.columns:
        if c not in t.columns:
            raise _bad("{place}: the table has no column {column}", place=place, column=c)
    return step.columns


def _text(x: Any) -> Any:
    return x if x.type().is_string() else x.cast("string")


def as_date(x: Any) -> Any:
    if x.type().is_date():
        return x
    if x.type().is_timestamp():
        return x.date()
    s = _text(x).strip()
    y = s.re_extract(r"^([0-9]{4})(?:\D|$)", 1)
    m = s.re_extract(r"^[0-9]{4}\D([0-9]{1,2})", 1).lpad(2, "0")
    d = s.re_extract(r"^[0-9]{4}\D[0-9]{1,2}\D([0-9]{1,2})", 1).lpad(2, "0")
    separated = s.re_search(r"^[0-9]{4}\D[0-9]{1,2}\D[0-9]{1,2}\D?$")
    compact = s.re_search(r"^[0-9]{8}$")
    iso = ibis.cases(
        (separated, y + "-" + m + "-" + d),
        (compact, s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2)),
        else_=ibis.null("string"),
    )
    return iso.try_cast("date")


def _phone(x: Any) -> Any:
    s = _text(x).strip().re_replace(r"[\s\-()（）]", "")
    return s.re_replace(r"^(\+86|0086|86)(1[3-9][0-9]{9})$", r"\2")


def _resident_id(x: Any) -> Any:
    s = _text(x).strip().upper()
    is15 = s.re_search(r"^[0-9]{15}$")
    body = s.substr(0, 6) + "19" + s.substr(6, 9)
    total: Any = ibis.literal(0)
    for i, w in enumerate(WEIGHTS):
        total = total + body.substr(i, 1).cast("int64") * w
    check = ibis.literal("10X98765432").substr((total % 11).cast("int32"), 1)
    return ibis.ifelse(is15, body + check, s)


def _blank(x: Any) -> Any:
    return x.isnull() | (x.strip() == "") if x.type().is_string() else x.isnull()


def apply(t: ir.Table, steps: list[Step]) -> tuple[ir.Table, ir.Table]:
    """The cleaned table, and a table of (step, changed): per step the cells it changed (rows for
    dedupe), one aggregate per step over that step's input, run together as one query."""
    counts: list[ir.Table] = []
    for i, step in enumerate(steps, 1):
        place = f"step {i}"
        cols = _targets(t, step, place)
        if step.kind == "dedupe":
            if ROW not in t.columns:
                raise _bad("{place}: dedupe needs the stored row order", place=place)
            first = ibis.row_number().over(group_by=[t[c] for c in cols], order_by=[t[ROW_FILE], t[ROW]])
            marked = t.mutate(__shuliu_dup=first > 0)
            counts.append(marked.aggregate(step=ibis.literal(i), changed=marked.__shuliu_dup.cast("int64").sum()))
            if step.params["action"] == "drop":
                t = marked.filter(~marked.__shuliu_dup).drop("__shuliu_dup")
            else:
                t = marked.mutate(**{DUP_FLAG: marked.__shuliu_dup}).drop("__shuliu_dup")
            continue
        new: dict[str, Any] = {}
        changed: Any = ibis.literal(0, "int64")
        for c in cols:
            x: Any = t[c]
            if step.kind == "flag_missing":
                new[f"{c}{MISSING_SUFFIX}"] = _blank(x)
                changed = changed + _blank(x).cast("int64").sum()
                continue
            y = _step(step, x)
            before, after = _text(x), _text(y)
            diff = (before.isnull() != after.isnull()) | (before != after).fill_null(False)
            changed = changed + diff.cast("int64").sum()
            new[c] = y
        counts.append(t.aggregate(step=ibis.literal(i), changed=changed))
        t = t.mutate(**new)
    return t, ibis.union(*counts)


def _step(step: Step, x: Any) -> Any:
    if step.kind == "trim":
        return x.re_replace("^[\u3000\\s]+|[\u3000\\s]+$", "") if x.type().is_string() else x
    if step.kind == "fullwidth":
        return x.translate(FULL, HALF) if x.type().is_string() else x
    if step.kind == "date":
        return as_date(x)
    if step.kind == "phone":
        return _phone(x)
    if step.kind == "resident_id":
        return _resident_id(x)
    if step.kind == "map":
        return _text(x).substitute(step.params["values"], else_=_text(x))
    if step.kind == "fill":
        value = step.params["value"]
        if x.type().is_string():
            return ibis.ifelse(_blank(x), ibis.literal(str(value)), x)
        try:
            lit = ibis.literal(value).cast(x.type())
        except Exception as exc:
            raise _bad("the fill value {value} does not fit the column's type", value=str(value)) from exc
        return ibis.ifelse(_blank(x), lit, x)
    raise AssertionError(step.kind)
