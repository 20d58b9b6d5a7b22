"""JSON, NDJSON and Parquet → Parquet through DuckDB's own readers (streaming)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from shuliu.engine.core import DataEngine, quote_str
from shuliu.engine.ingest import ConvertResult, IngestOptions, Progress
from shuliu.engine.ingest.finish import finalize
from shuliu.engine.ingest.text import _copy_normalised
from shuliu.engine.sniff import ENCODING_LABELS, check_not_binary, detect_encoding
from shuliu.errors import IngestError
from shuliu.i18n import N_


def _duck_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else repr(exc)
    return re.sub(r"^(Invalid Input|Conversion|Binder|IO|Parser) Error: ", "", first)


def convert_json(
    path: Path, staging: Path, options: IngestOptions, *, fmt: str, engine: DataEngine, progress: Progress
) -> ConvertResult:
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    check_not_binary(path, head, N_("JSON"))
    size = path.stat().st_size
    encoding = options.encoding or detect_encoding(path, head, truncated=size > len(head))
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = staging / "normalised.json"
        _copy_normalised(path, source, encoding, 0, size, progress, workers=engine.threads)
    elif head.startswith(codecs.BOM_UTF8):
        source = staging / "normalised.json"
        _copy_normalised(path, source, "utf-8-sig", 0, size, progress)
    json_format = "newline_delimited" if fmt == "ndjson" else "auto"
    raw = staging / "raw.parquet"
    read = (
        f"read_json({quote_str(str(source))}, format={quote_str(json_format)}, records='auto', "
        "sample_size=20480, maximum_object_size=67108864)"
    )
    progress(0.4, "convert")
    with engine.progress_watch(lambda f: progress(0.4 + 0.5 * f, "convert")):
        try:
            engine.sql(f"COPY (SELECT * FROM {read}) TO {quote_str(str(raw))} (FORMAT parquet, COMPRESSION zstd)")
        except Exception as exc:
            message = _duck_message(exc)
            line = re.search(r"line (\d+)", str(exc))
            raise IngestError(
                "{file}: not valid {format_name}: {reason}",
                file=path.name,
                line=int(line.group(1)) if line else None,
                format_name="NDJSON" if fmt == "ndjson" else "JSON",
                reason=message,
            ) from exc
    if source != path:
        source.unlink()
    rows, cols, _dropped = finalize(engine, staging, raw, file=path.name, casts=options.column_types)
    if not cols:
        raise IngestError("{file}: the JSON holds no records with fields", file=path.name)
    report = {"encoding": ENCODING_LABELS.get(encoding, encoding), "json_format": fmt, "warnings": []}
    return ConvertResult(rows=rows, columns=cols, report=report)


def convert_parquet(
    path: Path, staging: Path, options: IngestOptions, *, engine: DataEngine, progress: Progress
) -> ConvertResult:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"PAR1":
        raise IngestError("{file}: not a Parquet file (it does not start with PAR1)", file=path.name)
    raw = staging / "raw.parquet"
    progress(0.1, "convert")
    with engine.progress_watch(lambda f: progress(0.1 + 0.8 * f, "convert")):
        try:
            engine.sql(
                f"COPY (SELECT * FROM read_parquet({quote_str(str(path))})) TO {quote_str(str(raw))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        except Exception as exc:
            raise IngestError(
                "{file}: unreadable Parquet: {reason}", file=path.name, reason=_duck_message(exc)
            ) from exc
    rows, cols, _ = finalize(engine, staging, raw, file=path.name, casts=options.column_types)
    return ConvertResult(rows=rows, columns=cols, report={"warnings": []})
