"""Quality rules (质量规则): the documented YAML format, its checks compiled to Ibis, scores.

A rule set is a YAML document:

    format: shuliu-quality-rules/1
    rules:
      - id: sfzh-not-null          # optional; made from the check and columns when absent
        check: not_null            # see CHECKS below
        column: 身份证号
        dimension: 完整性          # optional; each check has its GB/T 36344-2018 dimension
        weight: 1                  # optional, > 0: the rule's weight in its dimension
        name: 身份证号必填          # optional: what people read

Every check counts `checked` rows (those it applies to) and `failed` rows, in one aggregate over
the table; the pass ratio is (checked − failed) / checked (1 when nothing was checked). The
score of a dimension is the weighted mean of its rules' pass ratios × 100, and the score of a
resource the mean of its dimensions' scores.

Checks and their parameters:

    not_null      column                    完整性  null or blank values fail
    unique        column | columns          准确性  each repeat of a value (or key) already seen fails
    pattern       column, pattern           规范性  values not matching the regular expression (RE2)
    type          column, type              规范性  values that are not an integer, number, date,
                                                    resident_id, uscc, mobile, email, region_code
    range         column, min?, max?        准确性  values outside [min, max]
    length        column, min?, max?        规范性  text lengths outside [min, max]
    enum          column, values            规范性  values not in the list
    reference     column, vocabulary        规范性  codes not in a vocabulary (admin_divisions: the
                                                    6-digit 行政区划代码)
    reference     column, resource, ref_column  一致性  values absent from another resource's column
    id_birth      column, id_column         一致性  a birth date that differs from the resident ID's
    id_gender     column, id_column         一致性  a gender that differs from the ID's 17th digit
    compare       left, op, right           一致性  rows where `left op right` is false (op: < <= = != >= >)
    freshness     column?, max_age_days?    时效性  with a column: values older than max_age_days; without:
                                                    the version against the resource's 更新周期
    accessible    —                         可访问性 the version's files are present and readable

Values in rules are data, never SQL: a column is looked up in the table's schema, patterns are
checked by the engine before they run, and nothing of a rule is pasted into a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import yaml

from shuliu.errors import ValidationFailed

FORMAT = "shuliu-quality-rules/1"
DIMENSIONS = ("规范性", "完整性", "准确性", "一致性", "时效性", "可访问性")
DIMENSION_EN = {
    "规范性": "conformity",
    "完整性": "completeness",
    "准确性": "accuracy",
    "一致性": "consistency",
    "时效性": "timeliness",
    "可访问性": "accessibility",
}
CHECKS: dict[str, str] = {
    "not_null": "完整性",
    "unique": "准确性",
    "pattern": "规范性",
    "type": "规范性",
    "range": "准确性",
    "length": "规范性",
    "enum": "规范性",
    "reference": "规范性",
    "id_birth": "一致性",
    "id_gender": "一致性",
    "compare": "一致性",
    "freshness": "时效性",
    "accessible": "可访问性",
}
TYPES = ("integer", "number", "date", "resident_id", "uscc", "mobile", "email", "region_code")
OPS = {"<": "lt", "<=": "le", "=": "eq", "==": "eq", "!=": "ne", ">=": "ge", ">": "gt"}
# 更新周期 (the catalog's vocabulary) → the age after which a version is stale (a cycle plus grace).
CYCLES = {
    "实时": timedelta(days=1),
    "每日": timedelta(days=2),
    "每周": timedelta(days=8),
    "每月": timedelta(days=32),
    "每季度": timedelta(days=93),
    "每半年": timedelta(days=184),
    "每年": timedelta(days=366),
}
MALE = ("男", "男性", "M", "m", "male", "Male", "MALE", "1")
FEMALE = ("女", "女性", "F", "f", "female", "Female", "FEMALE", "2", "0")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")
MAX_RULES = 500


@dataclass
class Rule:
    id: str
    check: str
    dimension: str
    params: dict[str, Any]
    weight: float = 1.0
    name: str = ""

    @property
    def columns(self) -> list[str]:
        p = self.params
        cols = [p[k] for k in ("column", "id_column", "left", "right") if isinstance(p.get(k), str)]
        return cols + list(p.get("columns") or [])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "check": self.check, **self.params}
        default = "一致性" if self.check == "reference" and "resource" in self.params else CHECKS[self.check]
        if self.dimension != default:
            out["dimension"] = self.dimension
        if self.weight != 1.0:
            out["weight"] = self.weight
        if self.name:
            out["name"] = self.name
        return out


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)

    def to_yaml(self) -> str:
        doc = {"format": FORMAT, "rules": [r.to_dict() for r in self.rules]}
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _bad(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, field="rules", **details)


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "rule"


def parse(text: str) -> RuleSet:
    """Read a rule set from YAML (or JSON) text; every problem is named with the rule's place."""
    if len(text) > 1_000_000:
        raise _bad("the rule file is larger than 1 MB")
    try:
        doc = yaml.safe_load(text) if text.strip() else {"rules": []}
    except yaml.YAMLError as exc:
        raise _bad("the rule file is not valid YAML: {problem}", problem=str(exc).splitlines()[0]) from exc
    if isinstance(doc, list):
        doc = {"rules": doc}
    if not isinstance(doc, dict):
        raise _bad("a rule file is a mapping with `format` and `rules`")
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise _bad("unknown rule format {format}; this version reads {expected}", format=str(fmt), expected=FORMAT)
    items = doc.get("rules") or []
    if not isinstance(items, list):
        raise _bad("`rules` is a list")
    if len(items) > MAX_RULES:
        raise _bad("at most {max} rules in a set", max=MAX_RULES)
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        rule = parse_rule(item, place=f"rule {i}")
        if rule.id in seen:
            base, n = rule.id, 2
            while f"{base}-{n}" in seen:
                n += 1
            if "id" in item:
                raise _bad("rule {place}: the id {id} is used twice", place=i, id=rule.id)
            rule.id = f"{base}-{n}"
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(rules)


def _text(item: dict[str, Any], key: str, place: str, *, required: bool = True) -> str | None:
    v = item.get(key)
    if v is None:
        if required:
            raise _bad("{place}: `{key}` is required for the {check} check", place=place, key=key, check=item["check"])
        return None
    if not isinstance(v, str) or not v.strip() or len(v) > 500:
        raise _bad("{place}: `{key}` is a non-empty text of at most 500 characters", place=place, key=key)
    return v


def _number(item: dict[str, Any], key: str, place: str) -> float | int | str | None:
    v = item.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float | str | date):
        raise _bad("{place}: `{key}` is a number or a date", place=place, key=key)
    if isinstance(v, date):
        return v.isoformat()
    return v


def parse_rule(item: Any, *, place: str = "the rule") -> Rule:
    if not isinstance(item, dict):
        raise _bad("{place} is not a mapping", place=place)
    check = item.get("check")
    if check not in CHECKS:
        raise _bad(
            "{place}: unknown check {check}; the checks are {checks}",
            place=place,
            check=str(check),
            checks=", ".join(CHECKS),
        )
    p: dict[str, Any] = {}
    if check in ("not_null", "pattern", "type", "range", "length", "enum", "reference", "id_birth", "id_gender"):
        p["column"] = _text(item, "column", place)
    if check == "unique":
        cols = item.get("columns") or ([item["column"]] if item.get("column") else None)
        if not cols or not isinstance(cols, list) or not all(isinstance(c, str) and c for c in cols):
            raise _bad("{place}: `column` or `columns` is required for the unique check", place=place)
        p["columns"] = list(cols)
    elif check == "pattern":
        pattern = _text(item, "pattern", place)
        assert pattern is not None
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _bad(
                "{place}: the pattern is not a regular expression: {problem}", place=place, problem=str(exc)
            ) from exc
        p["pattern"] = pattern
    elif check == "type":
        kind = item.get("type")
        if kind not in TYPES:
            raise _bad("{place}: `type` is one of {types}", place=place, types=", ".join(TYPES))
        p["type"] = kind
    elif check in ("range", "length"):
        lo, hi = _number(item, "min", place), _number(item, "max", place)
        if lo is None and hi is None:
            raise _bad("{place}: give `min`, `max` or both", place=place)
        if lo is not None:
            p["min"] = lo
        if hi is not None:
            p["max"] = hi
    elif check == "enum":
        values = item.get("values")
        if not isinstance(values, list) or not values or len(values) > 10_000:
            raise _bad("{place}: `values` is a list of 1 to 10,000 values", place=place)
        p["values"] = [v if isinstance(v, int | float | bool) else str(v) for v in values]
    elif check == "reference":
        if item.get("vocabulary") is not None:
            if item["vocabulary"] not in VOCABULARIES:
                raise _bad("{place}: unknown vocabulary; known: {known}", place=place, known=", ".join(VOCABULARIES))
            p["vocabulary"] = item["vocabulary"]
        else:
            p["resource"] = _text(item, "resource", place)
            p["ref_column"] = _text(item, "ref_column", place)
    elif check in ("id_birth", "id_gender"):
        p["id_column"] = _text(item, "id_column", place)
    elif check == "compare":
        p["left"] = _text(item, "left", place)
        op = item.get("op")
        if op not in OPS:
            raise _bad("{place}: `op` is one of {ops}", place=place, ops=" ".join(OPS))
        p["op"] = op
        p["right"] = _text(item, "right", place)
    elif check == "freshness":
        col = _text(item, "column", place, required=False)
        if col is not None:
            p["column"] = col
            age = item.get("max_age_days")
            if not isinstance(age, int | float) or isinstance(age, bool) or age <= 0:
                raise _bad("{place}: `max_age_days` is a positive number with a column", place=place)
            p["max_age_days"] = age
    default = "一致性" if check == "reference" and "resource" in p else CHECKS[check]  # across resources
    dimension = item.get("dimension") or default
    if dimension not in DIMENSIONS:
        raise _bad("{place}: the dimension is one of {dims}", place=place, dims="、".join(DIMENSIONS))
    weight = item.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 100:
        raise _bad("{place}: `weight` is a number above 0 and up to 100", place=place)
    rid = item.get("id")
    if rid is None:
        cols = [str(v) for v in (p.get("column"), p.get("left"), p.get("id_column"), *(p.get("columns") or [])) if v]
        words = "-".join(cols)
        ascii_words = _slug(words) if words and words.isascii() else ""
        # Chinese column names: a short stable number keeps the id readable and distinct
        tail = ascii_words or (f"{hash_text(words) % 10**6:06d}" if cols else "")
        rid = "-".join(x for x in (check.replace("_", "-"), tail) if x)[:80]
    if not isinstance(rid, str) or not ID_RE.match(rid):
        raise _bad("{place}: the id is 1–80 characters of a–z, 0–9, '.', '_' and '-'", place=place)
    name = item.get("name") or ""
    if not isinstance(name, str) or len(name) > 200:
        raise _bad("{place}: `name` is a text of at most 200 characters", place=place)
    return Rule(id=rid, check=check, dimension=dimension, params=p, weight=float(weight), name=name)


def hash_text(text: str) -> int:
    """A stable small hash (Python's hash() changes between processes)."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))


# -- vocabularies --------------------------------------------------------------------------------------------
def _region_codes() -> list[str]:
    from shuliu.classify import catalogue

    return sorted({row[0] for row in catalogue.divisions()["divisions"]})


VOCABULARIES = {"admin_divisions": _region_codes}


def _vocabulary(name: str) -> ir.Table:
    """A vocabulary as an in-memory code table (a semi-join, not thousands of literals in the SQL)."""
    return ibis.memtable({"code": VOCABULARIES[name]()})


# -- compiling rules to the engine ---------------------------------------------------------------------------
@dataclass
class Context:
    """What a rule may need besides its table: other resources' tables, the version's time and
    the resource's 更新周期, the files' accessibility (checked by the caller), and 'now'."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    version_created: datetime | None = None
    update_cycle: str = ""
    accessible: bool = True
    tables: dict[str, ir.Table] = field(default_factory=dict)  # resource id → its current version


@dataclass(frozen=True)
class Compiled:
    checked: Any  # boolean row expression, or an int for table-level checks
    failed: Any  # boolean row expression (failing rows), or an int
    aggregate: Any = None  # for unique: (checked count, failed count) aggregates


def _column(t: ir.Table, name: str, rule: Rule) -> Any:
    if name not in t.columns:
        raise ValidationFailed(
            "rule {rule}: the table has no column {column}", rule=rule.id, column=name, field="rules"
        )
    return t[name]


def _text_of(x: Any) -> Any:
    return x if x.type().is_string() else x.cast("string")


def _blank(x: Any) -> Any:
    return x.isnull() | (x.strip() == "") if x.type().is_string() else x.isnull()


def _type_ok(x: Any, kind: str) -> Any:
    from shuliu.classify import detectors

    s = _text_of(x).strip()
    from shuliu.quality.profile import INTEGER_RE, NUMBER_RE

    if kind == "integer":
        return x.notnull() if x.type().is_integer() else s.re_search(INTEGER_RE)
    if kind == "number":
        return x.notnull() if x.type().is_numeric() else s.re_search(NUMBER_RE)
    if kind == "date":
        return x.notnull() if (x.type().is_date() or x.type().is_timestamp()) else s.try_cast("date").notnull()
    if kind == "resident_id":
        return detectors.resident_id(s, date.today()).strict
    if kind == "uscc":
        return detectors.uscc(s).strict
    if kind == "mobile":
        return s.re_search(r"^(\+?86)?1[3-9][0-9]{9}$")
    if kind == "email":
        return s.re_search(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
    if kind == "region_code":
        return s.isin(_vocabulary("admin_divisions").code)
    raise AssertionError(kind)


def _literal_like(x: Any, v: Any) -> Any:
    """A rule's bound as a literal of the column's kind (dates compare as dates)."""
    if x.type().is_date():
        return ibis.literal(date.fromisoformat(str(v)))
    if x.type().is_timestamp():
        return ibis.literal(datetime.fromisoformat(str(v)))
    if x.type().is_numeric():
        if isinstance(v, str):
            try:
                v = float(v)
            except ValueError as exc:
                raise ValidationFailed("the bound {value} is not a number", value=v, field="rules") from exc
        return ibis.literal(v)
    return ibis.literal(str(v))


def _id_parts(s: Any) -> tuple[Any, Any, Any]:
    """(birth yyyymmdd text, gender digit, applies) of a resident ID in either form."""
    s = s.strip()
    is18 = s.re_search(r"^[0-9]{17}[0-9Xx]$")
    is15 = s.re_search(r"^[0-9]{15}$")
    birth = ibis.cases((is18, s.substr(6, 8)), (is15, ibis.literal("19") + s.substr(6, 6)), else_=ibis.null("string"))
    sex = ibis.cases((is18, s.substr(16, 1)), (is15, s.substr(14, 1)), else_=ibis.null("string")).try_cast("int64")
    return birth, sex, is18 | is15


def _birth_text(x: Any) -> Any:
    """A birth date as yyyymmdd text, whatever its form (the cleaning step's date reader)."""
    from shuliu.quality.clean import as_date

    return as_date(x).strftime("%Y%m%d")


def compile_rule(t: ir.Table, rule: Rule, ctx: Context) -> Compiled:
    p, c = rule.params, rule.check
    if c == "accessible":
        return Compiled(1, 0 if ctx.accessible else 1)
    if c == "freshness" and "column" not in p:
        if ctx.version_created is None:
            return Compiled(0, 0)
        limit = CYCLES.get(ctx.update_cycle)
        if limit is None:  # 不定期 or unknown: nothing to hold it against
            return Compiled(0, 0)
        return Compiled(1, 1 if ctx.now - ctx.version_created > limit else 0)
    if c == "unique":
        cols = [_column(t, n, rule) for n in p["columns"]]
        present = ibis.and_(*[x.notnull() for x in cols])
        key = cols[0] if len(cols) == 1 else ibis.struct({f"k{i}": x for i, x in enumerate(cols)})
        checked = present.cast("int64").sum()
        distinct = ibis.ifelse(present, key, ibis.null(key.type())).nunique()
        return Compiled(present, None, aggregate=(checked, checked - distinct))
    if c == "compare":
        a, b = _column(t, p["left"], rule), _column(t, p["right"], rule)
        ok = getattr(a, f"__{OPS[p['op']]}__")(b)
        return Compiled(a.notnull() & b.notnull(), ~ok)
    x = _column(t, p["column"], rule)
    present = ~_blank(x)
    if c == "not_null":
        return Compiled(ibis.literal(True), _blank(x))
    if c == "pattern":
        return Compiled(present, ~_text_of(x).re_search(p["pattern"]))
    if c == "type":
        return Compiled(present, ~_type_ok(x, p["type"]).fill_null(False))
    if c in ("range", "length"):
        v = _text_of(x).length() if c == "length" else x

        def bound(value: Any) -> Any:
            return ibis.literal(value) if c == "length" else _literal_like(x, value)

        bad = ibis.literal(False)
        if "min" in p:
            bad = bad | (v < bound(p["min"]))
        if "max" in p:
            bad = bad | (v > bound(p["max"]))
        return Compiled(x.notnull(), bad)
    if c == "enum":
        values = p["values"]
        target = x if not x.type().is_string() else x.strip()
        if not x.type().is_string():
            target = _text_of(x)
            values = [str(v) for v in values]
        return Compiled(present, ~target.isin(values))
    if c == "reference":
        if "vocabulary" in p:
            return Compiled(present, ~_text_of(x).strip().isin(_vocabulary(p["vocabulary"]).code))
        other = ctx.tables.get(p["resource"])
        if other is None:
            raise ValidationFailed(
                "rule {rule}: the resource {resource} has no version to check against",
                rule=rule.id,
                resource=p["resource"],
                field="rules",
            )
        if p["ref_column"] not in other.columns:
            raise ValidationFailed(
                "rule {rule}: {resource} has no column {column}",
                rule=rule.id,
                resource=p["resource"],
                column=p["ref_column"],
                field="rules",
            )
        ref = other[p["ref_column"]]
        return Compiled(present, ~_text_of(x).isin(_text_of(ref).name("ref").as_table().ref))
    if c == "id_birth":
        birth, _, applies = _id_parts(_text_of(_column(t, p["id_column"], rule)))
        mine = _birth_text(x)
        return Compiled(present & applies, (mine != birth).fill_null(True))
    if c == "id_gender":
        _, sex, applies = _id_parts(_text_of(_column(t, p["id_column"], rule)))
        s = _text_of(x).strip()
        is_male = ibis.cases((s.isin(list(MALE)), True), (s.isin(list(FEMALE)), False), else_=ibis.null("boolean"))
        return Compiled(present & applies & is_male.notnull(), (is_male != (sex % 2 == 1)).fill_null(True))
    if c == "freshness":
        if not (x.type().is_date() or x.type().is_timestamp()):
            x = _text_of(x).strip().try_cast("timestamp")
        cutoff = ctx.now - timedelta(days=float(p["max_age_days"]))
        bound = ibis.literal(cutoff.date() if x.type().is_date() else cutoff.replace(tzinfo=None))
        return Compiled(x.notnull(), x < bound)
    raise AssertionError(c)


def _as_int(v: Any) -> Any:
    return v if isinstance(v, int) else v.cast("int64").sum()


def evaluate(t: ir.Table, rules: list[Rule], ctx: Context) -> list[dict[str, Any]]:
    """Every rule's checked and failed counts, in one aggregate over the table."""
    compiled = [(r, compile_rule(t, r, ctx)) for r in rules]
    exprs: dict[str, Any] = {}
    fixed: dict[str, tuple[int, int]] = {}
    for i, (r, comp) in enumerate(compiled):
        if comp.aggregate is not None:
            exprs[f"r{i}_c"], exprs[f"r{i}_f"] = comp.aggregate
        elif isinstance(comp.checked, int):
            fixed[r.id] = (comp.checked, comp.failed)
        else:
            applies = comp.checked
            exprs[f"r{i}_c"] = t.count() if isinstance(applies, ir.Scalar) else applies.cast("int64").sum()
            exprs[f"r{i}_f"] = (applies & comp.failed.fill_null(False)).cast("int64").sum()
    got = t.aggregate(**exprs).to_pyarrow().to_pylist()[0] if exprs else {}
    out = []
    for i, (r, _) in enumerate(compiled):
        checked, failed = fixed.get(r.id) or (int(got[f"r{i}_c"] or 0), int(got[f"r{i}_f"] or 0))
        out.append(
            {
                "id": r.id,
                "name": r.name,
                "check": r.check,
                "dimension": r.dimension,
                "columns": r.columns,
                "weight": r.weight,
                "checked": checked,
                "failed": failed,
                "pass_ratio": round((checked - failed) / checked, 6) if checked else 1.0,
            }
        )
    return out


def failing_rows(t: ir.Table, rule: Rule, ctx: Context, *, limit: int = 20) -> ir.Table | None:
    """The rows a rule fails, in stored order (None for table-level checks)."""
    comp = compile_rule(t, rule, ctx)
    if isinstance(comp.checked, int):
        return None
    if rule.check == "unique":
        cols = rule.params["columns"]
        base = t.filter(comp.checked)
        counted = base.mutate(_n=ibis._.count().over(group_by=cols), _k=ibis.row_number().over(group_by=cols))
        return counted.filter((counted._k >= 1) & (counted._n > 1)).drop("_n", "_k").limit(limit)
    return t.filter(comp.checked & comp.failed.fill_null(False)).limit(limit)


def scores(results: list[dict[str, Any]]) -> tuple[float, dict[str, float]]:
    """(resource score, {dimension: score}), 0–100, from rule results (rules that checked nothing
    do not count)."""
    sums: dict[str, tuple[float, float]] = {}
    for r in results:
        if not r["checked"]:
            continue
        total, weight = sums.get(r["dimension"], (0.0, 0.0))
        sums[r["dimension"]] = (total + r["pass_ratio"] * r["weight"], weight + r["weight"])
    dims = {d: round(100 * total / weight, 2) for d in DIMENSIONS if d in sums for total, weight in [sums[d]]}
    score = round(sum(dims.values()) / len(dims), 2) if dims else 100.0
    return score, dims


# -- baseline and suggestions --------------------------------------------------------------------------------
def baseline(columns: list[str]) -> RuleSet:
    """The rules a resource is checked with before anyone writes its own: its files are readable,
    it is as fresh as its 更新周期 says, and every 信息项 is filled in (数据元素完整性)."""
    items: list[dict[str, Any]] = [
        {"id": "accessible", "check": "accessible"},
        {"id": "freshness", "check": "freshness"},
    ]
    items += [{"check": "not_null", "column": name} for name in columns]
    return parse_items(items)


def parse_items(items: list[dict[str, Any]]) -> RuleSet:
    """Rules from already-loaded items (ids made unique as `parse` does)."""
    return parse(yaml.safe_dump({"format": FORMAT, "rules": items}, allow_unicode=True))


def same_rule(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two rules check the same thing (whatever their ids, names and weights)."""
    ignore = ("id", "name", "weight", "dimension")
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}


def suggest(profile: dict[str, Any], labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rules the profile (and classification labels, column → sensitive type) suggest, each with
    the reason, for a person to accept."""
    labels = labels or {}
    rows = profile["rows"]
    out: list[dict[str, Any]] = []

    def add(rule: dict[str, Any], why: str) -> None:
        parsed = parse_rule(rule)
        out.append({"rule": parsed.to_dict(), "dimension": parsed.dimension, "reason": why})

    for c in profile["columns"]:
        name, nn = c["name"], rows - c["nulls"]
        if not rows or not nn:
            continue
        if c["nulls"] == 0 and not c.get("empty"):
            add({"check": "not_null", "column": name}, "没有空值 (no empty values)")
        if c.get("unique") and rows >= 20:
            add({"check": "unique", "column": name}, "每个值只出现一次 (every value occurs once)")
        kind = c["kind"]
        label = labels.get(name)
        if label == "cn_resident_id":
            add({"check": "type", "column": name, "type": "resident_id"}, "分类分级: 身份证号 (labelled a resident ID)")
            for other, t in labels.items():
                if t == "birth_date":
                    add({"check": "id_birth", "column": other, "id_column": name}, "出生日期应与身份证号一致")
                if t == "gender":
                    add({"check": "id_gender", "column": other, "id_column": name}, "性别应与身份证号第17位一致")
        elif label == "cn_uscc":
            add({"check": "type", "column": name, "type": "uscc"}, "分类分级: 统一社会信用代码")
        elif label == "cn_mobile":
            add({"check": "type", "column": name, "type": "mobile"}, "分类分级: 手机号码")
        elif label == "email":
            add({"check": "type", "column": name, "type": "email"}, "分类分级: 电子邮件")
        elif label == "cn_region_code" or (
            (kind == "text" and c["lengths"]["min"] == c["lengths"]["max"] == 6 and c["conformance"]["integer"] == 1.0)
            and re.search(r"区划|地区|行政|region|xzqh", name, re.I)
        ):
            add({"check": "reference", "column": name, "vocabulary": "admin_divisions"}, "行政区划代码应在区划表中")
        if kind == "text" and c["distinct_exact"] and 1 < c["distinct"] <= 20 and nn >= 5 * c["distinct"]:
            values = [t["value"] for t in c["top"]]
            if len(values) == c["distinct"]:
                add({"check": "enum", "column": name, "values": values}, f"只有 {c['distinct']} 个取值 (a closed set)")
        if kind == "numeric" and c["min"] is not None and c["min"] != c["max"]:
            add(
                {"check": "range", "column": name, "min": c["min"], "max": c["max"]},
                "当前取值范围 (the observed range)",
            )
        if kind == "text" and c.get("patterns") and label is None:
            top = c["patterns"][0]
            looked = c.get("sampled") or nn  # shapes of a column with many distinct values are from a sample
            if top["count"] == looked and len(c["patterns"]) == 1 and c["distinct"] > 20 and c["lengths"]["max"] <= 40:
                where = f"抽样的 {looked:,} 个值" if c.get("sampled") else "所有值"
                add(
                    {"check": "pattern", "column": name, "pattern": _pattern_regex(top["pattern"])},
                    f"{where}的形如 {top['pattern']}",
                )
        if kind == "text" and c["conformance"]["date"] >= 0.95 and label is None:
            add({"check": "type", "column": name, "type": "date"}, "几乎都是日期 (nearly all dates)")
    return out


def _pattern_regex(shape: str) -> str:
    out = []
    for ch, n in _runs(shape):
        cls = {"9": "[0-9]", "A": "[A-Za-z]", "汉": "[\u4e00-\u9fff]", "␣": r"\s"}.get(ch, re.escape(ch))
        out.append(cls if n == 1 else f"{cls}{{{n}}}")
    return "^" + "".join(out) + "$"


def _runs(s: str) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for ch in s:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return runs
