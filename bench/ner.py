"""Columns made of the labelled mentions of ../shared/data/ner/, for column-level accuracy.

Four corpora (CLUENER2020 dev, MSRA test, Resume test, Weibo 2nd), each mention class mapped to
the sensitive type a column of such values should get, or to None for classes that are not
personal data (books, games, positions, place names, …). A column holds up to COLUMN mentions of
one class, as they occur (repeats included), in a seeded shuffle. Each column comes with a
realistic header and with an anonymous one (字段07), so that the name and the content can be
judged apart. Used by bench/classify.py and tests/classify.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ner"
COLUMN = 100  # mentions per column
MIN_COLUMN = 30  # a class with fewer mentions gives no column

# (corpus, class) → (expected type, realistic header)
CLASSES: dict[tuple[str, str], tuple[str | None, str]] = {
    ("cluener", "name"): ("cn_name", "姓名"),
    ("msra", "PER"): ("cn_name", "姓名"),
    ("resume", "NAME"): ("cn_name", "姓名"),
    ("weibo", "PER.NAM"): ("cn_name", "联系人"),
    ("cluener", "address"): ("cn_address", "地址"),
    ("cluener", "company"): ("cn_org_name", "单位名称"),
    ("cluener", "organization"): ("cn_org_name", "机构名称"),
    ("cluener", "government"): ("cn_org_name", "单位名称"),
    ("msra", "ORG"): ("cn_org_name", "单位名称"),
    ("resume", "ORG"): ("cn_org_name", "工作单位"),
    ("weibo", "ORG.NAM"): ("cn_org_name", "机构名称"),
    ("resume", "RACE"): ("cn_ethnicity", "民族"),
    ("cluener", "book"): (None, "书名"),
    ("cluener", "game"): (None, "游戏名称"),
    ("cluener", "movie"): (None, "影片名称"),
    ("cluener", "position"): (None, "职务"),
    ("cluener", "scene"): (None, "景点"),
    ("msra", "LOC"): (None, "地点"),
    ("resume", "TITLE"): (None, "职务"),
    ("resume", "EDU"): (None, "学历"),
    ("resume", "PRO"): (None, "专业"),
    ("resume", "CONT"): (None, "国籍"),
    ("weibo", "GPE.NAM"): (None, "地区"),
    ("weibo", "LOC.NAM"): (None, "地点"),
    ("weibo", "PER.NOM"): (None, "称谓"),
    ("weibo", "ORG.NOM"): (None, "类别"),
}


@dataclass(frozen=True)
class Column:
    corpus: str
    label: str
    expected: str | None
    header: str
    values: tuple[str, ...]


def _bio(path: Path, *, sep: str | None = None, strip_digit: bool = False) -> dict[str, list[str]]:
    """Mentions of a character-per-line file tagged BIO or BMES (label after the last separator)."""
    out: dict[str, list[str]] = defaultdict(list)
    label: str | None = None
    chars: list[str] = []

    def flush() -> None:
        nonlocal label, chars
        if label and chars:
            out[label].append("".join(chars))
        label, chars = None, []

    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(sep) if sep else line.split()
        if len(parts) < 2:
            flush()
            continue
        char, tag = parts[0], parts[-1]
        if strip_digit and len(char) > 1 and char[-1].isdigit():
            char = char[:-1]  # Weibo: the character, then a word-segmentation digit
        if tag == "O":
            flush()
            continue
        kind, _, name = tag.partition("-")
        if kind in ("B", "S") or name != label:
            flush()
            label = name
        chars.append(char)
        if kind in ("E", "S"):
            flush()
    flush()
    return out


def mentions(root: Path = SHARED) -> dict[tuple[str, str], list[str]]:
    """Every mention of every class, per (corpus, class), in corpus order."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for line in (root / "cluener2020" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for label, spans in record["label"].items():
            for mention, positions in spans.items():
                out[("cluener", label)] += [mention] * len(positions)
    for label, values in _bio(root / "msra" / "msra_test_bio.txt", sep="\t").items():
        out[("msra", label)] += values
    for label, values in _bio(root / "resume" / "test.char.bmes").items():
        out[("resume", label)] += values
    for part in ("train", "dev", "test"):
        for label, values in _bio(root / "weibo" / f"weiboNER_2nd_conll.{part}", strip_digit=True).items():
            out[("weibo", label)] += values
    return out


def columns(root: Path = SHARED, seed: int = 20261201) -> list[Column]:
    """The benchmark's columns: each mapped class cut into shuffled columns of COLUMN mentions."""
    out: list[Column] = []
    for key, values in sorted(mentions(root).items()):
        if key not in CLASSES:
            continue
        expected, header = CLASSES[key]
        shuffled = list(values)
        random.Random(f"{seed}:{key}").shuffle(shuffled)
        for start in range(0, len(shuffled), COLUMN):
            chunk = shuffled[start : start + COLUMN]
            if len(chunk) >= MIN_COLUMN:
                out.append(Column(key[0], key[1], expected, header, tuple(chunk)))
    return out
