#!/usr/bin/env python3
"""Extract UI messages into the gettext catalogs and check that zh_CN translates all of them.

python tools/i18n.py update   # refresh src/shuliu/locale/*/LC_MESSAGES/messages.po
python tools/i18n.py check    # exit 1 if a message has no zh_CN translation
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "shuliu"
LOCALES = ("zh_CN", "en")
METHOD_MAP = [("db/migrations/**", "ignore"), ("web/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
# The first argument of every error constructor is a message template (msgid) with {name} placeholders.
ERROR_CLASSES = (
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
)
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "notice": None,
    "_bad": None,  # quality/rules.py and clean.py: ValidationFailed with field="rules" | "recipe"
    **dict.fromkeys(ERROR_CLASSES, None),
}


def extract() -> Catalog:
    template = Catalog(project="shuliu", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        PKG, METHOD_MAP, OPTIONS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    return PKG / "locale" / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="shuliu", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def update() -> None:
    template = extract()
    for lang in LOCALES:
        catalog = load(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


def missing(lang: str = "zh_CN") -> list[str]:
    template = extract()
    catalog = load(lang)
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string or found.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        gaps = missing()
        for m in gaps:
            print(f"untranslated (zh_CN): {m}")
        return 1 if gaps else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
