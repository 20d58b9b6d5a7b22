"""Error messages are templates with named params: English in `message`, Chinese through the catalog."""

from __future__ import annotations

import ast
import json
import string
from collections import Counter
from pathlib import Path

import pytest

from shuliu import i18n
from shuliu.errors import (
    RESERVED_PARAMS,
    IngestError,
    NotFound,
    ShuliuError,
    ValidationFailed,
    localize_error,
)
from tests.conftest import ROOT

PKG = ROOT / "src" / "shuliu"
ERROR_CLASSES = {
    "ShuliuError",
    "NotFound",
    "PermissionDenied",
    "AuthenticationFailed",
    "ValidationFailed",
    "Conflict",
    "PayloadTooLarge",
    "IngestError",
    "SourceUnavailable",
    "BadQuery",
}
# Helpers that build an error from a template and its params (quality/rules.py, clean.py, verify.py:
# `_bad(template, **params)` adds the field). Their calls are checked like constructors'; the one
# constructor call inside each helper forwards **params and is the only one allowed to.
ERROR_HELPERS = {"_bad"}
SAME_IN_CHINESE = {"{reason}", "JSON"}


def _sources() -> list[Path]:
    return [p for p in sorted(PKG.rglob("*.py")) if "migrations" not in p.parts]


def _calls(name_filter: set[str]) -> list[tuple[Path, ast.Call]]:
    out = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside_helpers = {
            id(n)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name in ERROR_HELPERS
            for n in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if id(node) in inside_helpers:
                continue
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in name_filter:
                    out.append((path, node))
    return out


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def placeholders(template: str) -> Counter[tuple[str, str | None, str]]:
    """The {name!conv:spec} fields of a str.format template."""
    return Counter(
        (name, conversion, spec or "")
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    )


def error_templates() -> dict[str, str]:
    """Every message template in src/shuliu: error constructors' first arguments and N_ phrases."""
    found: dict[str, str] = {}
    for path, call in _calls(ERROR_CLASSES | ERROR_HELPERS | {"N_"}):
        text = _string(call.args[0]) if call.args else None
        name = call.func.id if isinstance(call.func, ast.Name) else ""
        if text is not None and (name != "N_" or "web" not in path.relative_to(PKG).parts):  # web N_: UI labels
            found.setdefault(text, f"{path.relative_to(ROOT)}:{call.lineno}")
    return found


def test_error_constructors_take_a_template_not_an_f_string() -> None:
    calls = _calls(ERROR_CLASSES | ERROR_HELPERS)
    assert len(calls) > 140
    for path, call in calls:
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        assert call.args, where
        first = call.args[0]
        # A literal template, or a variable holding N_-marked literals (never an f-string or expression).
        assert _string(first) is not None or isinstance(first, ast.Name), where
        names = {k.arg for k in call.keywords}
        assert None not in names, f"{where}: no **kwargs, so the params can be checked"
        assert not names & RESERVED_PARAMS, f"{where}: reserved param names {names & RESERVED_PARAMS}"
        text = _string(first)
        if text is not None:
            missing = {name for name, _, _ in placeholders(text)} - names
            assert not missing, f"{where}: placeholders without a param: {missing}"


def test_every_error_template_has_a_chinese_translation_with_the_same_placeholders() -> None:
    zh = i18n.catalog("zh_CN")
    templates = error_templates()
    assert len(templates) > 120
    for template, where in templates.items():
        translated = zh.get(template)
        assert translated, f"{where}: no zh_CN translation of {template!r}"
        assert placeholders(translated) == placeholders(template), f"{where}: {template!r} → {translated!r}"
        assert translated != template or template in SAME_IN_CHINESE, f"{where}: untranslated {template!r}"


def test_localized_ingest_error() -> None:
    exc = IngestError(
        "{file}: line {line} has {fields} fields but the header has {width} (extra values: {extra})",
        file="ragged.csv",
        line=3,
        fields=3,
        width=2,
        extra="'3'",
    )
    assert exc.message == "ragged.csv: line 3 has 3 fields but the header has 2 (extra values: '3')"
    assert str(exc) == exc.message
    assert exc.localized("zh_CN") == "ragged.csv：第 3 行有 3 个字段，但表头只有 2 个（多出的值：'3'）"
    assert exc.localized("en") == exc.message
    assert exc.details == {"file": "ragged.csv", "line": 3, "fields": 3, "width": 2, "extra": "'3'"}
    stored = json.loads(json.dumps(exc.to_dict()))  # as a failed job keeps it
    assert stored["type"] == "ingest-failed" and stored["message"] == exc.message and stored["line"] == 3
    assert stored["template"] == exc.template and stored["params"]["fields"] == 3
    assert localize_error(stored, "zh_CN") == exc.localized("zh_CN")
    assert localize_error(stored, "en") == exc.message


def test_localized_validation_error_and_phrases() -> None:
    exc = ValidationFailed(
        "{share_type} needs a stated basis (依据): a law, regulation or policy",
        field="share_basis",
        share_type="有条件共享",
    )
    assert exc.message == "有条件共享 needs a stated basis (依据): a law, regulation or policy"
    assert exc.localized("zh_CN") == "有条件共享须注明依据：法律、法规或政策"
    assert exc.details["field"] == "share_basis"
    binary = IngestError(
        "{file}: the file holds binary data (NUL bytes), not {expected}",
        file="bad.csv",
        expected="delimited text (CSV/TSV)",
    )
    assert binary.message == "bad.csv: the file holds binary data (NUL bytes), not delimited text (CSV/TSV)"
    assert binary.localized("zh_CN") == "bad.csv：文件包含二进制数据（NUL 字节），不是 CSV/TSV 分隔符文本"


def test_fallbacks() -> None:
    # A plain string with no params, and one with a value JSON cannot hold.
    plain = NotFound("no such thing")
    assert plain.message == plain.localized("zh_CN") == "no such thing" and plain.details == {}
    odd = ShuliuError("{file}: the file is empty", file=Path("/tmp/x.csv"))
    assert odd.to_dict()["params"] == {"file": "/tmp/x.csv"}
    json.dumps(odd.to_dict())
    assert localize_error({"type": "internal-error", "message": "ValueError: boom"}, "zh_CN") == "ValueError: boom"
    assert localize_error({"type": "worker-lost", "message": "the worker stopped three times; giving up"}, "zh_CN") == (
        "工作进程已三次中断，任务放弃执行"
    )
    # A stored error whose params no longer fit the template shows the English message.
    broken = {"type": "ingest-failed", "message": "x: the file is empty", "template": "{file}: the file is empty"}
    assert localize_error(broken, "zh_CN") == "x: the file is empty"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_unknown_template_is_shown_as_is(lang: str) -> None:
    exc = ValidationFailed("{thing} is odd", thing="这")
    assert exc.localized(lang) == "这 is odd"


def test_catalog_translations_keep_brace_placeholders() -> None:
    from babel.messages.pofile import read_po

    with (PKG / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    checked = 0
    for message in catalog:
        if message.id and "python-brace-format" in message.flags:
            assert placeholders(str(message.string)) == placeholders(str(message.id)), message.id
            checked += 1
    assert checked > 50
