"""Turning sources into Parquet: text, spreadsheets, JSON, Parquet and SQL tables.

Every reader writes into a staging folder that the store publishes afterwards; any error leaves
nothing behind but that folder, which the store removes. Errors name the file, line and column.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shuliu.engine.core import USER_TYPES, ColumnInfo
from shuliu.errors import IngestError, ValidationFailed

Progress = Callable[[float, str], None]

FORMATS = ("csv", "tsv", "xlsx", "xls", "ods", "json", "ndjson", "parquet", "sql")
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".json": "json",
    ".geojson": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass
class IngestOptions:
    """How to read a source; everything optional (sniffed) except what SQL needs."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based line (text) or row (sheet) of the header
    no_header: bool = False
    sheet: str | None = None  # sheet name or 1-based number
    column_types: dict[str, str] = field(default_factory=dict)
    sql_table: str | None = None
    sql_query: str | None = None

    def validate(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise ValidationFailed(
                "unknown format {format!r}; expected one of {choices}",
                field="format",
                format=self.format,
                choices=", ".join(FORMATS),
            )
        if self.header_row is not None and self.header_row < 1:
            raise ValidationFailed("header_row counts from 1", field="header_row")
        for name, typ in self.column_types.items():
            if typ not in USER_TYPES:
                raise ValidationFailed(
                    "column {column!r}: unknown type {column_type!r}; expected one of {choices}",
                    field="column_types",
                    column=name,
                    column_type=typ,
                    choices=", ".join(USER_TYPES),
                )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False, {}, "")}


@dataclass
class ConvertResult:
    rows: int
    columns: list[ColumnInfo]
    report: dict[str, Any]


def detect_format(path: Path, declared: str | None = None) -> str:
    """The source format from the option, the extension, or the first bytes."""
    if declared:
        return declared
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt:
        return fmt
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names:
                    return "xlsx"
        except zipfile.BadZipFile as exc:
            raise IngestError("{file}: a damaged ZIP/Office file", file=path.name) from exc
        raise IngestError("{file}: a ZIP archive that is not a spreadsheet", file=path.name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first_line = stripped.split(b"\n", 1)[0].strip()
        return "ndjson" if first_line.endswith(b"}") else "json"
    return "csv"


def convert(
    path: Path | None,
    staging: Path,
    options: IngestOptions,
    *,
    engine: Any,
    progress: Progress,
    source_url: str | None = None,
) -> ConvertResult:
    """Read `path` (or the SQL source) into `staging/part-0.parquet`."""
    options.validate()
    if source_url is not None:
        from shuliu.engine.ingest.sql import convert_sql

        return convert_sql(source_url, staging, options, engine=engine, progress=progress)
    assert path is not None
    if not path.exists():
        raise IngestError("{file}: no such file", file=str(path))
    if path.stat().st_size == 0:
        raise IngestError("{file}: the file is empty", file=path.name)
    fmt = detect_format(path, options.format)
    if fmt in ("csv", "tsv"):
        from shuliu.engine.ingest.text import convert_text

        if fmt == "tsv" and options.delimiter is None:
            options.delimiter = "\t"
        result = convert_text(path, staging, options, engine=engine, progress=progress)
    elif fmt in ("xlsx", "xls", "ods"):
        from shuliu.engine.ingest.sheets import convert_sheet

        result = convert_sheet(path, staging, options, fmt=fmt, engine=engine, progress=progress)
    elif fmt in ("json", "ndjson"):
        from shuliu.engine.ingest.structured import convert_json

        result = convert_json(path, staging, options, fmt=fmt, engine=engine, progress=progress)
    elif fmt == "parquet":
        from shuliu.engine.ingest.structured import convert_parquet

        result = convert_parquet(path, staging, options, engine=engine, progress=progress)
    else:
        raise IngestError("{file}: format {format!r} needs a SQL source URL", file=path.name, format=fmt)
    result.report.setdefault("format", fmt)
    return result
