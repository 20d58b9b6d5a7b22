"""gettext catalogs (zh_CN default, en) chosen per request through a context variable.

Catalogs are the `.po` files under `shuliu/locale`, read with Babel at start-up (no compiled
`.mo` files to build or forget). Message ids are English; the zh_CN catalog translates all of them.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"
current_language: ContextVar[str] = ContextVar("shuliu_language", default=DEFAULT)


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid → msgstr for one language (empty translations fall back to the msgid)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    out: dict[str, str] = {}
    for message in cat:
        if message.id and message.string and not message.fuzzy:
            key = message.id if isinstance(message.id, str) else message.id[0]
            value = message.string if isinstance(message.string, str) else message.string[0]
            out[key] = value
    return out


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here (it is translated where shown)."""
    return message


def gettext(message: str) -> str:
    return catalog(current_language.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def pick_language(requested: str | None, accept_language: str | None = None) -> str:
    """The language to use: an explicit choice, else Accept-Language, else zh_CN."""
    if requested in LANGUAGES:
        return requested
    if requested:
        short = requested.replace("-", "_").split("_")[0].lower()
        if short == "en":
            return "en"
        if short == "zh":
            return "zh_CN"
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag.startswith("zh"):
                return "zh_CN"
            if tag.startswith("en"):
                return "en"
    return DEFAULT


def translations(lang: str) -> Translations:
    """A Babel Translations object (for tools that want one)."""
    t = Translations()
    t._catalog = dict(catalog(lang))  # type: ignore[assignment]
    return t
