"""Delimited text (CSV/TSV) → Parquet, streaming, in bounded memory.

The dialect comes from `shuliu.engine.sniff`. Files that DuckDB can read as they are (UTF-8,
no trailer) are read in place; the others are first copied once, transcoded to UTF-8 and cut to
the table between the title lines and the trailer notes. DuckDB then parses with explicit column
types and records rejected lines, which become clear errors (or a widened type and a retry).
"""

from __future__ import annotations

import codecs
import functools
import os
from pathlib import Path

from shuliu.engine import transcode
from shuliu.engine.core import DataEngine, quote_ident, quote_str
from shuliu.engine.infer import WIDER, infer_types
from shuliu.engine.ingest import ConvertResult, IngestOptions, Progress
from shuliu.engine.ingest.finish import finalize
from shuliu.engine.sniff import ENCODING_LABELS, sniff_text, split_fields, without_dropped
from shuliu.errors import IngestError, notice

CHUNK = 4 << 20


def _line_offsets(path: Path, skip_lines: int, trailer_lines: int) -> tuple[int, int]:
    """Byte offsets of the start of line `skip_lines` and of the first trailer line."""
    size = path.stat().st_size
    start = 0
    with path.open("rb") as fh:
        for _ in range(skip_lines):
            line = fh.readline()
            if not line:
                break
            start += len(line)
        end = size
        if trailer_lines:
            back = min(size, 1 << 20)
            fh.seek(size - back)
            tail = fh.read()
            body = tail[:-1] if tail.endswith(b"\n") else tail
            cut = len(body)
            for _ in range(trailer_lines):
                cut = body.rfind(b"\n", 0, cut)
                if cut < 0:
                    break
            end = size - back + cut + 1 if cut >= 0 else size - back
    return start, max(start, end)


def _copy_normalised(
    src: Path, dest: Path, encoding: str, start: int, end: int, progress: Progress, workers: int = 1
) -> None:
    """Copy bytes [start, end) of `src` to `dest` as UTF-8, checking the encoding as it goes."""
    total = max(1, end - start)
    if encoding in ("utf-8", "utf-8-sig"):
        with src.open("rb") as fin, dest.open("wb") as fout:
            fin.seek(start)
            if encoding == "utf-8-sig" and start == 0 and fin.read(3) != codecs.BOM_UTF8:
                fin.seek(start)
            done = fin.tell() - start
            while done < total:
                chunk = fin.read(min(CHUNK, total - done))
                if not chunk:
                    break
                fout.write(chunk)
                done += len(chunk)
                progress(0.4 * done / total, "transcode")
        return
    label = ENCODING_LABELS.get(encoding, encoding)
    if encoding.startswith("utf-16") or encoding.startswith("utf-32"):
        _copy_wide(src, dest, encoding, start, end, progress)
        return
    problem = transcode.transcode(
        src,
        dest,
        encoding,
        start,
        end,
        workers=workers,
        check_utf8=True,
        progress=lambda done: progress(0.4 * done / total, "transcode"),
    )
    if problem is None:
        return
    line = _count_lines(src, problem["offset"]) + 1
    if problem["kind"] == "utf8-line":
        raise IngestError(
            "{file}: line {line} is UTF-8 while the file is {encoding}; the file mixes encodings",
            file=src.name,
            line=line,
            encoding=label,
        )
    raise IngestError(
        "{file}: line {line} is not valid {encoding} (bytes {bytes_repr}); the file mixes encodings",
        file=src.name,
        line=line,
        encoding=label,
        bytes_repr=problem["bytes"],
    )


def _copy_wide(src: Path, dest: Path, encoding: str, start: int, end: int, progress: Progress) -> None:
    """UTF-16/32 → UTF-8 with an incremental decoder (newlines are not single bytes there)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    total = max(1, end - start)
    done = 0
    with src.open("rb") as fin, dest.open("wb") as fout:
        fin.seek(start)
        while done < total:
            chunk = fin.read(min(CHUNK, total - done))
            if not chunk:
                break
            try:
                fout.write(decoder.decode(chunk, final=done + len(chunk) >= total).encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise IngestError(
                    "{file}: the text is not valid {encoding} near byte {offset}",
                    file=src.name,
                    encoding=ENCODING_LABELS.get(encoding, encoding),
                    offset=start + done + exc.start,
                ) from exc
            done += len(chunk)
            progress(0.4 * done / total, "transcode")


def _count_lines(path: Path, upto: int) -> int:
    count = 0
    with path.open("rb") as fh:
        remaining = upto
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count


def convert_text(
    path: Path, staging: Path, options: IngestOptions, *, engine: DataEngine, progress: Progress
) -> ConvertResult:
    progress(0.01, "sniff")
    dialect = sniff_text(
        path,
        encoding=options.encoding,
        delimiter=options.delimiter,
        header_line=options.header_row - 1 if options.header_row else None,
        no_header=options.no_header,
    )
    names = dialect.header
    width = len(names)
    skip = dialect.header_line if dialect.header_line is not None else dialect.first_data_line
    needs_copy = dialect.encoding not in ("utf-8", "utf-8-sig") or dialect.trailer_lines > 0
    if needs_copy:
        start, end = _line_offsets(path, skip, dialect.trailer_lines)
        source = staging / "normalised.csv"
        _copy_normalised(path, source, dialect.encoding, start, end, progress, workers=engine.threads)
        line_offset = skip  # DuckDB's line 1 is our line skip+1
        duck_skip = 0
    else:
        source, line_offset, duck_skip = path, 0, skip
    unknown = [n for n in options.column_types if n not in names]
    if unknown:
        raise IngestError("{file}: no column named {column!r} to set a type on", file=path.name, column=unknown[0])
    progress(0.42, "infer types")
    types = infer_types(engine, names, dialect.sample_rows + dialect.tail_rows)
    # Columns with a user-chosen type are read as text and cast at the end, where a value that
    # would change (1.5 → 2) is refused: DuckDB's CSV reader would round it silently.
    fixed: set[str] = set()
    for i, n in enumerate(names):
        if n in options.column_types:
            types[i] = "VARCHAR"
    raw = staging / "raw.parquet"
    extra = 0
    for attempt in range(8):
        all_names = names + [f"列{width + j + 1}" for j in range(extra)]
        all_types = types + ["VARCHAR"] * extra
        rejects = engine.unique_name("rejects")
        columns = (
            "{" + ", ".join(f"{quote_str(n)}: {quote_str(t)}" for n, t in zip(all_names, all_types, strict=True)) + "}"
        )
        read = (
            f"read_csv({quote_str(str(source))}, auto_detect=false, delim={quote_str(dialect.delimiter)}, "
            f"quote='\"', escape='\"', header={'true' if dialect.header_line is not None else 'false'}, "
            f"skip={duck_skip}, null_padding=true, columns={columns}, "
            f"store_rejects=true, rejects_table={quote_str(rejects)}, "
            f"rejects_scan={quote_str(rejects + '_scan')}, rejects_limit=1000)"
        )
        base = 0.45 + 0.45 * attempt / 8
        with engine.progress_watch(functools.partial(_scaled, progress, base, 0.45, "convert")):
            try:
                engine.sql(f"COPY (SELECT * FROM {read}) TO {quote_str(str(raw))} (FORMAT parquet, COMPRESSION zstd)")
            except Exception as exc:  # DuckDB raises its own error types
                raise IngestError("{file}: {reason}", file=path.name, reason=_first_line(str(exc))) from exc
        errors = engine.sql(
            f"SELECT line, column_idx, column_name, error_type, csv_line, error_message "
            f"FROM {quote_ident(rejects)} ORDER BY line LIMIT 1000"
        )
        if not errors:
            break
        widened = False
        grow = 0
        for line, _col_idx, col_name, kind, csv_line, message in errors:
            real_line = int(line) + line_offset
            if kind == "CAST":
                if col_name in fixed:
                    raise IngestError(
                        "{file}: line {line}, column {column!r}: {reason}",
                        file=path.name,
                        line=real_line,
                        column=col_name,
                        reason=_cast_reason(message),
                    )
                i = all_names.index(col_name)
                if i < width and types[i] != WIDER[types[i]]:
                    types[i] = WIDER[types[i]]
                    widened = True
            elif kind == "TOO MANY COLUMNS":
                cells = split_fields(csv_line, dialect.delimiter)
                if all(not c.strip() for c in cells[width + extra :]):
                    grow = max(grow, len(cells) - width - extra)
                else:
                    raise IngestError(
                        "{file}: line {line} has {fields} fields but the header has {width} (extra values: {extra})",
                        file=path.name,
                        line=real_line,
                        fields=len(cells),
                        width=width,
                        extra=", ".join(repr(c) for c in cells[width:][:3]),
                    )
            elif kind == "INVALID UNICODE":
                raise IngestError(
                    "{file}: line {line} is not valid {encoding}; the file mixes encodings",
                    file=path.name,
                    line=real_line,
                    encoding=dialect.encoding_label,
                )
            else:
                raise IngestError(
                    "{file}: line {line}: {reason}", file=path.name, line=real_line, reason=_first_line(message)
                )
        if grow:
            extra += grow
        elif not widened:
            line, _, col_name, kind, _, message = errors[0]
            raise IngestError(
                "{file}: line {line}: {reason}",
                file=path.name,
                line=int(line) + line_offset,
                reason=_first_line(message),
            )
    else:
        raise IngestError("{file}: could not settle the column types", file=path.name)
    if source != path:
        os.unlink(source)
    extra_names = [f"列{width + j + 1}" for j in range(extra)]
    unnamed = [n for n, raw_name in zip(names, dialect.raw_header, strict=False) if not raw_name] + extra_names
    progress(0.92, "finish")
    rows, cols, dropped = finalize(
        engine,
        staging,
        raw,
        file=path.name,
        unnamed=unnamed,
        casts=options.column_types,
        line_offset=dialect.first_data_line,
    )
    kept_extra = [n for n in extra_names if n not in dropped]
    # A column named 列N for lack of a header and then dropped as empty needs no warning.
    warnings = without_dropped(dialect.warnings, dropped)
    if kept_extra:  # only reachable when extra fields were empty in the lines DuckDB reported
        warnings.append(
            notice(
                "{file}: some lines have more fields than the header; extra columns {columns} were added",
                file=path.name,
                columns=", ".join(kept_extra),
            )
        )
    report = {
        "encoding": dialect.encoding_label,
        "delimiter": dialect.delimiter_label,
        "header_line": dialect.header_line + 1 if dialect.header_line is not None else None,
        "title_lines": dialect.title_lines,
        "trailer": dialect.trailer,
        "dropped_empty_columns": dropped,
        "warnings": [w["message"] for w in warnings],
        "notices": warnings,
    }
    return ConvertResult(rows=rows, columns=cols, report=report)


def _scaled(progress: Progress, base: float, span: float, stage: str, fraction: float) -> None:
    progress(base + span * fraction, stage)


def _first_line(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        if line and not line.startswith(("Invalid Input Error: CSV Error", "Original Line")):
            return line.removeprefix("Invalid Input Error: ").removeprefix("Conversion Error: ")
    return message.strip()


def _cast_reason(message: str) -> str:
    return message.split(". ", 1)[-1] if ". " in message else message
