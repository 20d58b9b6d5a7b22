"""The catalogue of sensitive-data types and the vocabularies the detectors use (versioned data files)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
CONTENT_KINDS = ("strong", "pattern", "weak", "none")


@dataclass(frozen=True)
class SensitiveType:
    id: str
    zh: str
    en: str
    names: tuple[str, ...]  # Chinese words matched anywhere in a column name
    tokens: tuple[str, ...]  # English words / pinyin initials matched as whole tokens
    content: str  # strong | pattern | weak | none
    threshold: float  # share of non-empty values that must match, content alone
    alone: float | None  # weak types: the share that lets content decide without the name
    priority: int
    context: bool = False  # the table's context (resource name, other columns) may stand in for the name


@lru_cache(maxsize=1)
def types() -> dict[str, SensitiveType]:
    raw = yaml.safe_load((DATA / "types.yaml").read_text(encoding="utf-8"))
    out: dict[str, SensitiveType] = {}
    for tid, spec in raw["types"].items():
        if spec["content"] not in CONTENT_KINDS:
            raise ValueError(f"types.yaml: {tid}: content must be one of {CONTENT_KINDS}")
        out[tid] = SensitiveType(
            id=tid,
            zh=spec["zh"],
            en=spec["en"],
            names=tuple(spec.get("names", [])),
            tokens=tuple(t.lower() for t in spec.get("tokens", [])),
            content=spec["content"],
            threshold=float(spec["threshold"]),
            alone=spec.get("alone"),
            priority=int(spec["priority"]),
            context=bool(spec.get("context", False)),
        )
    return out


@lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    return yaml.safe_load((DATA / "vocab.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def divisions() -> dict[str, Any]:
    return json.loads((DATA / "admin_divisions.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def province_prefixes() -> tuple[str, ...]:
    """Two-digit province codes valid at the start of a resident ID, with 71 (Taiwan) and the
    81/82/83 of the residence permits for Hong Kong, Macao and Taiwan residents."""
    codes = {row[0][:2] for row in divisions()["divisions"] if row[2] == "province"}
    return tuple(sorted(codes | {"71", "81", "82", "83"}))


_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市", "盟")


@lru_cache(maxsize=1)
def place_names() -> tuple[str, ...]:
    """Province and city names as written and in short form (湖北省, 湖北, 武汉市, 武汉 …).

    County names are left out on purpose: with them the alternation grows to some 4,000 words, which
    pushes RE2 off its DFA and makes matching some 15 times slower."""
    names: set[str] = set()
    for _, name, level, _ in divisions()["divisions"]:
        if level == "county" or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        names.add(name)
        if level in ("province", "city"):
            for suffix in _SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.add(name[: -len(suffix)])
                    break
    names.update(("香港", "澳门", "台湾", "香港特别行政区", "澳门特别行政区"))
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regular-expression alternation of literal words (longest first)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_SHORT_SUFFIXES = ("自治县", "自治旗", "县", "区", "市", "旗")


@lru_cache(maxsize=4)
def lexicon_words(name: str) -> tuple[str, ...]:
    """The words of a lexicon the detectors look values up in (sorted, unique).

    "not_names": words that look like a personal name but are not one — jieba's dictionary words
    that start with a surname and are not tagged as names (data/not_names.txt, see
    tools/build_lexicon.py), and every division name, also without its 县/区/市 (长沙, 丰台)."""
    if name != "not_names":
        raise KeyError(f"no lexicon {name!r}")
    lines = (DATA / "not_names.txt").read_text(encoding="utf-8").splitlines()
    words = {line for line in lines if line and not line.startswith("#")}
    words.update(place_names())
    for _, place, _, _ in divisions()["divisions"]:
        words.add(place)
        for suffix in _SHORT_SUFFIXES:
            if place.endswith(suffix) and len(place) - len(suffix) >= 2:
                words.add(place[: -len(suffix)])
                break
    return tuple(sorted(words))


@lru_cache(maxsize=4)
def lexicon_table(name: str) -> Any:
    """The lexicon as an Arrow table with one column `word` (for joins in the engine)."""
    import pyarrow as pa

    return pa.table({"word": pa.array(lexicon_words(name), pa.string())})
