#!/usr/bin/env python3
"""Build src/shuliu/classify/data/not_names.txt: words that look like a Chinese personal name but
are not one.

A value such as 王府井, 高血压 or 方案 starts with a common surname and is two to four characters
long, so the name pattern alone takes it for a person. This list holds every such word of jieba's
dictionary (dict.txt of the jieba package, MIT licence) that jieba does not tag as a person name
(nr, nrfg, nrt). jieba's own tag is not trusted the other way round: it tags 王府井 and 高新区 as
person names, which is why place names from the division list and the name pattern's suffix rule
are further signals (see classify/detectors.person_name).

    .venv/bin/python tools/build_lexicon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import jieba
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/shuliu/classify/data/not_names.txt"
VOCAB = ROOT / "src/shuliu/classify/data/vocab.yaml"
PERSON_TAGS = {"nr", "nrfg", "nrt"}


def main() -> None:
    vocab = yaml.safe_load(VOCAB.read_text(encoding="utf-8"))
    single = set(vocab["surnames"])
    compound = set(vocab["compound_surnames"])
    source = Path(jieba.__file__).parent / "dict.txt"
    words: set[str] = set()
    for line in source.read_text(encoding="utf-8").splitlines():
        word, _freq, tag = line.split(" ")
        if 2 <= len(word) <= 4 and (word[0] in single or word[:2] in compound) and tag not in PERSON_TAGS:
            words.add(word)
    header = (
        "# Words that look like a Chinese personal name (a common surname and one to three more characters)\n"
        "# but are not one: the entries of jieba's dict.txt (jieba "
        f"{getattr(jieba, '__version__', '?')}, MIT licence) not tagged nr/nrfg/nrt.\n"
        "# Built by tools/build_lexicon.py; one word per line.\n"
    )
    OUT.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(words):,} words", file=sys.stderr)


if __name__ == "__main__":
    main()
