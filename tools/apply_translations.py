#!/usr/bin/env python3
"""Fill msgstr of the zh_CN catalog from a {msgid: translation} dict in a Python file (bulk edits)."""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).resolve().parent.parent / "src/shuliu/locale/zh_CN/LC_MESSAGES/messages.po"
table = runpy.run_path(sys.argv[1])["ZH"]
with path.open("rb") as fh:
    catalog = read_po(fh, locale="zh_CN")
n = 0
for message in catalog:
    if message.id in table:
        message.string = table[message.id]
        message.flags.discard("fuzzy")
        n += 1
with path.open("wb") as fh:
    write_po(fh, catalog, width=100, sort_output=True, include_lineno=False)
print(f"translated {n} messages")
