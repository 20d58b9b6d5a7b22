"""Classification and grading templates: type → category → level, and a resource's level.

Built-in templates are versioned data files citing their standards (data/templates/*.yaml). Users
copy and edit them, or upload their own (YAML or JSON in the same shape); `parse` validates both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from shuliu.classify.catalogue import types
from shuliu.errors import ValidationFailed

TEMPLATE_DIR = Path(__file__).parent / "data" / "templates"
DEFAULT_TEMPLATE = "gb-t-43697-2024"


@dataclass(frozen=True)
class Combination:
    name: str
    types: tuple[str, ...]
    level: str
    min_rows: int = 0


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    version: str
    source: str
    levels: tuple[str, ...]  # lowest first
    default_category: str | None
    default_level: str
    mapping: dict[str, tuple[str | None, str]]  # type → (category, level)
    combinations: tuple[Combination, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def rank(self, level: str | None) -> int:
        return self.levels.index(level) if level in self.levels else -1

    def label(self, type_id: str | None) -> tuple[str | None, str | None]:
        """(category, level) of a type; (None, None) for a column without a type."""
        if type_id is None:
            return None, None
        return self.mapping.get(type_id, (self.default_category, self.default_level))

    def resource_level(self, column_types: list[str | None], rows: int) -> tuple[str, list[str]]:
        """The highest level among the columns (就高从严), raised by the combinations that apply;
        returns the level and the names of the combinations that raised it."""
        level = self.default_level
        for t in column_types:
            _, lvl = self.label(t)
            if lvl is not None and self.rank(lvl) > self.rank(level):
                level = lvl
        present = {t for t in column_types if t}
        fired: list[str] = []
        for combo in self.combinations:
            if set(combo.types) <= present and rows >= combo.min_rows:
                fired.append(combo.name)
                if self.rank(combo.level) > self.rank(level):
                    level = combo.level
        return level, fired

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "levels": list(self.levels),
            "default": {"category": self.default_category, "level": self.default_level},
            "types": {t: {"category": c, "level": lvl} for t, (c, lvl) in self.mapping.items()},
            "combinations": [
                {"name": c.name, "types": list(c.types), "level": c.level, "min_rows": c.min_rows}
                for c in self.combinations
            ],
            **self.extra,
        }


def parse(doc: Any, *, origin: str = "template") -> Template:
    """Validate a template document (dict from YAML/JSON) and build it; errors name the field."""
    if not isinstance(doc, dict):
        raise ValidationFailed(
            "{origin}: a template is a mapping with id, name, levels and types", origin=origin, field="template"
        )
    for key in ("id", "name", "levels", "types"):
        if key not in doc:
            raise ValidationFailed("{origin}: the template has no {key!r}", origin=origin, key=key, field=key)
    levels = doc["levels"]
    if not isinstance(levels, list) or len(levels) < 2 or len(set(map(str, levels))) != len(levels):
        raise ValidationFailed(
            "{origin}: levels must list at least two distinct names, lowest first", origin=origin, field="levels"
        )
    levels = [str(x) for x in levels]
    default = doc.get("default") or {}
    default_level = str(default.get("level") or levels[0])
    if default_level not in levels:
        raise ValidationFailed(
            "{origin}: default level {level!r} is not one of the levels",
            origin=origin,
            level=default_level,
            field="default",
        )
    matrix = doc.get("matrix") or {}
    known = types()
    mapping: dict[str, tuple[str | None, str]] = {}
    for type_id, spec in (doc.get("types") or {}).items():
        if type_id not in known:
            raise ValidationFailed("{origin}: unknown type {type_id!r}", origin=origin, type_id=type_id, field="types")
        if not isinstance(spec, dict):
            raise ValidationFailed(
                "{origin}: type {type_id!r} needs a category and a level", origin=origin, type_id=type_id, field="types"
            )
        level = spec.get("level")
        if level is None and "impact" in spec:
            impact_object, degree = spec["impact"]
            level = (matrix.get(impact_object) or {}).get(degree)
        if level not in levels:
            raise ValidationFailed(
                "{origin}: type {type_id!r} has level {level!r}, which is not one of the levels",
                origin=origin,
                type_id=type_id,
                level=level,
                field="types",
            )
        category = spec.get("category")
        mapping[type_id] = (str(category) if category is not None else None, str(level))
    combos = []
    for i, c in enumerate(doc.get("combinations") or []):
        ctypes = tuple(c.get("types") or ())
        if not ctypes or any(t not in known for t in ctypes) or c.get("level") not in levels:
            raise ValidationFailed(
                "{origin}: combination {number} needs known types and one of the levels",
                origin=origin,
                number=i + 1,
                field="combinations",
            )
        combos.append(
            Combination(
                name=str(c.get("name") or "+".join(ctypes)),
                types=ctypes,
                level=str(c["level"]),
                min_rows=int(c.get("min_rows") or 0),
            )
        )
    extra = {k: doc[k] for k in ("matrix", "impact_objects", "impact_degrees", "domains") if k in doc}
    return Template(
        id=str(doc["id"]),
        name=str(doc["name"]),
        version=str(doc.get("version", "1")),
        source=str(doc.get("source", "")),
        levels=tuple(levels),
        default_category=default.get("category"),
        default_level=default_level,
        mapping=mapping,
        combinations=tuple(combos),
        extra=extra,
    )


@lru_cache(maxsize=1)
def builtin() -> dict[str, Template]:
    out = {}
    for path in sorted(TEMPLATE_DIR.glob("*.yaml")):
        t = parse(yaml.safe_load(path.read_text(encoding="utf-8")), origin=path.name)
        out[t.id] = t
    return out


def load_text(text: str, *, origin: str) -> Template:
    """A template from uploaded YAML or JSON text."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(
            "{origin}: not valid YAML or JSON ({reason})",
            origin=origin,
            reason=str(exc).splitlines()[0],
            field="template",
        ) from exc
    return parse(doc, origin=origin)
