"""A quick look at a source before ingesting it: format, dialect, header, sheets, types, first rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shuliu.engine.core import DataEngine
from shuliu.engine.ingest import IngestOptions, convert, detect_format
from shuliu.engine.ingest.finish import PART
from shuliu.engine.values import json_value

SAMPLE_BYTES = 2 << 20


def inspect_source(
    path: Path, options: IngestOptions, *, engine: DataEngine, staging: Path, rows: int = 20
) -> dict[str, Any]:
    """Run the real reader on (a head sample of) the file and return what it found."""
    fmt = detect_format(path, options.format)
    source = path
    sampled = False
    if fmt in ("csv", "tsv", "ndjson") and path.stat().st_size > SAMPLE_BYTES:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
        head = head[: head.rfind(b"\n") + 1] or head
        source = staging / ("sample" + path.suffix)
        source.write_bytes(head)
        sampled = True
    work = staging / "work"
    work.mkdir()
    result = convert(source, work, options, engine=engine, progress=lambda f, s: None)
    table = engine.table([work / PART])
    preview = engine.preview(table, limit=rows)
    names = preview.column_names
    report = dict(result.report)
    report.setdefault("format", fmt)
    return {
        "format": fmt,
        "sampled": sampled,
        "rows": None if sampled else result.rows,
        "sample_rows": result.rows if sampled else None,
        "columns": [c.to_dict() for c in result.columns],
        "report": report,
        "preview": [[json_value(r[n]) for n in names] for r in preview.to_pylist()],
    }
