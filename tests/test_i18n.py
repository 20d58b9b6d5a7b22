"""The UI speaks Chinese first: every message has a zh_CN translation; English is the fallback."""

from __future__ import annotations

import subprocess
import sys

from shuliu import i18n
from tests.conftest import ROOT


def test_every_ui_message_is_translated_to_chinese() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "i18n.py"), "check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_language_choice() -> None:
    assert i18n.pick_language(None) == "zh_CN"
    assert i18n.pick_language("en") == "en" and i18n.pick_language("en-US") == "en"
    assert i18n.pick_language("zh") == "zh_CN" and i18n.pick_language("fr") == "zh_CN"
    token = i18n.current_language.set("zh_CN")
    try:
        assert i18n.gettext("Catalog") == "资源目录"
        i18n.current_language.set("en")
        assert i18n.gettext("Catalog") == "Catalog"
        assert i18n.gettext("never translated") == "never translated"
    finally:
        i18n.current_language.reset(token)
