"""The controlled vocabularies of the catalog, loaded from the versioned data file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).parent / "data" / "resource_classification.yaml"


@dataclass(frozen=True)
class Vocabulary:
    source: str
    classes: tuple[dict[str, Any], ...]
    share_types: tuple[str, ...]
    open_types: tuple[str, ...]
    update_cycles: tuple[str, ...]
    share_methods: tuple[str, ...]

    def class_by_name(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.classes if name in (c["name"], c["label"], c["code"])), None)

    def item(self, category: str, item: str) -> dict[str, Any] | None:
        cls = self.class_by_name(category)
        if cls is None:
            return None
        return next((i for i in cls["items"] if item in (i["code"], i["name"])), None)

    def item_name(self, category: str, item: str) -> str:
        found = self.item(category, item) if item else None
        return found["name"] if found else ""


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    path = Path(os.environ.get("SHULIU_CLASSIFICATION") or DATA_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Vocabulary(
        source=data["source"],
        classes=tuple(data["classes"]),
        share_types=tuple(data["share_types"]),
        open_types=tuple(data["open_types"]),
        update_cycles=tuple(data["update_cycles"]),
        share_methods=tuple(data["share_methods"]),
    )
