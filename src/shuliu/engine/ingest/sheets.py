"""Spreadsheets (.xlsx, .xls, .ods) → Parquet through python-calamine (one library, three formats).

Government workbooks carry title rows, merged header cells, section rows such as `北京市（92所）`
merged across the table, notes at the bottom, and code columns stored as floats in some cells and
text in others. We keep the header as written, fill merged cells, drop section and note rows (and
say so), and infer one type per column from the cell values.
"""

from __future__ import annotations

import datetime as dtm
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from shuliu.engine.core import USER_TYPES, DataEngine, quote_ident, quote_str
from shuliu.engine.infer import CODE_NAME, infer_types
from shuliu.engine.ingest import ConvertResult, IngestOptions, Progress
from shuliu.engine.ingest.finish import finalize
from shuliu.engine.sniff import TRAILER_PREFIXES, find_header, name_columns, without_dropped
from shuliu.errors import IngestError, notice

Merge = tuple[tuple[int, int], tuple[int, int]]


def list_sheets(path: Path) -> list[str]:
    return _open(path).sheet_names


def _open(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except CalamineError as exc:
        message = str(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise IngestError("{file}: the workbook is password-protected", file=path.name) from exc
        raise IngestError("{file}: not a readable spreadsheet ({reason})", file=path.name, reason=message) from exc
    except Exception as exc:  # calamine raises plain errors for truncated or foreign files
        raise IngestError("{file}: not a readable spreadsheet ({reason})", file=path.name, reason=str(exc)) from exc


def cell_text(value: Any) -> str:
    """How a cell reads as text: integral floats without `.0`, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, dtm.datetime | dtm.date | dtm.time):
        return value.isoformat(sep=" ") if isinstance(value, dtm.datetime) else value.isoformat()
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _pick_sheet(wb: CalamineWorkbook, path: Path, wanted: str | None) -> str:
    names = wb.sheet_names
    if wanted:
        if wanted in names:
            return wanted
        if wanted.isdigit() and 1 <= int(wanted) <= len(names):
            return names[int(wanted) - 1]
        raise IngestError(
            "{file}: no sheet {sheet!r}; the sheets are {sheets}", file=path.name, sheet=wanted, sheets=", ".join(names)
        )
    for name in names:
        sheet = wb.get_sheet_by_name(name)
        if sheet.height > 0 and sheet.width > 0:
            return name
    raise IngestError("{file}: every sheet is empty", file=path.name)


def convert_sheet(
    path: Path, staging: Path, options: IngestOptions, *, fmt: str, engine: DataEngine, progress: Progress
) -> ConvertResult:
    progress(0.02, "open workbook")
    wb = _open(path)
    sheet_name = _pick_sheet(wb, path, options.sheet)
    sheet = wb.get_sheet_by_name(sheet_name)
    rows: list[list[Any]] = [list(r) for r in sheet.to_python(skip_empty_area=False)]
    merges: list[Merge] = list(sheet.merged_cell_ranges or [])
    progress(0.3, "read sheet")
    where = f"{path.name} [{sheet_name}]"
    if not rows or all(all(_empty(v) for v in r) for r in rows):
        raise IngestError("{file} [{sheet}]: the sheet is empty", file=path.name, sheet=sheet_name)
    width = max(len(r) for r in rows)
    for r in rows:
        r.extend([""] * (width - len(r)))

    # Header on the raw cells: a title merged across the sheet still has one filled cell here.
    text_rows = [[cell_text(v) for v in r] for r in rows]
    if options.header_row:
        if options.header_row > len(rows):
            raise IngestError(
                "{file} [{sheet}]: header row {row} is past the last row ({rows})",
                file=path.name,
                sheet=sheet_name,
                row=options.header_row,
                rows=len(rows),
            )
        header_at: int | None = options.header_row - 1
    elif options.no_header:
        header_at = None
    else:
        header_at, _ = find_header(text_rows[:2000])
    section_rows: set[int] = set()
    for (r0, c0), (r1, c1) in merges:
        value = rows[r0][c0] if r0 < len(rows) and c0 < width else ""
        # A row merged across (nearly) the whole table holding one value is a title or section row.
        single = r0 < len(rows) and sum(1 for v in rows[r0] if not _empty(v)) == 1
        if r0 == r1 and single and c1 - c0 + 1 >= max(2, math.ceil(0.8 * width)):
            section_rows.add(r0)
        for ri in range(r0, min(r1, len(rows) - 1) + 1):
            for ci in range(c0, min(c1, width - 1) + 1):
                if (ri, ci) != (r0, c0) and _empty(rows[ri][ci]):
                    rows[ri][ci] = value

    header_rows = 0
    names: list[str]
    warnings: list[dict[str, Any]] = []
    if header_at is None:
        first = next(i for i, r in enumerate(text_rows) if sum(1 for c in r if c.strip()) >= 2)
        names = [f"列{i + 1}" for i in range(width)]
        raw_header = ["" for _ in range(width)]
    else:
        header_rows = 1
        top = [cell_text(v).strip() for v in rows[header_at]]
        # A merged group cell over several columns means the row below names the sub-columns.
        grouped = any(r0 == header_at and c1 > c0 and r0 not in section_rows for (r0, c0), (r1, c1) in merges)
        if grouped and header_at + 1 < len(rows):
            sub = [cell_text(v).strip() for v in rows[header_at + 1]]
            raw_header = [t if (not s or s == t) else (f"{t}_{s}" if t else s) for t, s in zip(top, sub, strict=True)]
            header_rows = 2
        else:
            raw_header = top
        names = name_columns(raw_header, where, warnings)
        first = header_at + header_rows
    title = [
        " ".join(c for c in r if c.strip()).replace("\n", " ")
        for r in text_rows[: header_at or 0]
        if any(c.strip() for c in r)
    ]

    body = [(i, rows[i]) for i in range(first, len(rows))]
    removed_sections = [
        text_rows[i][0] or next((c for c in text_rows[i] if c), "") for i, _ in body if i in section_rows
    ]
    body = [(i, r) for i, r in body if i not in section_rows and not all(_empty(v) for v in r)]
    trailer: list[str] = []
    while body:
        _i, r = body[-1]
        filled = [cell_text(v).strip() for v in r if not _empty(v)]
        if len(filled) == 1 and filled[0].startswith(TRAILER_PREFIXES):
            trailer.insert(0, filled[0])
            body.pop()
        else:
            break
    if not body:
        raise IngestError("{file} [{sheet}]: no data rows below the header", file=path.name, sheet=sheet_name)
    if removed_sections:
        shown = "、".join(removed_sections[:3])
        warnings.append(
            notice(
                "{file}: removed {count} section rows merged across the table (e.g. {examples})",
                file=where,
                count=len(removed_sections),
                examples=shown,
            )
        )
    # Columns past the header with no values at all are layout, not data.
    keep = [c for c in range(width) if raw_header[c] or any(not _empty(r[c]) for _, r in body)]
    progress(0.5, "infer types")
    arrays = {}
    text_columns: list[str] = []
    for c in keep:
        values = [r[c] for _, r in body]
        arrays[names[c]] = _column_array(names[c], values)
        if any(not _empty(v) for v in values) and all(isinstance(v, str) for v in values if not _empty(v)):
            text_columns.append(names[c])
    # Numbers, dates and times typed into text cells get the same inference as CSV text.
    casts: dict[str, str] = {}
    if text_columns:
        inferred = infer_types(
            engine, text_columns, [[str(arrays[n][i].as_py() or "") for n in text_columns] for i in range(len(body))]
        )
        duck_to_user = {v: k for k, v in USER_TYPES.items()}
        casts = {n: duck_to_user[t] for n, t in zip(text_columns, inferred, strict=True) if t != "VARCHAR"}
    casts.update(options.column_types)
    table = pa.table(arrays)
    view = engine.unique_name("sheet")
    engine.raw.register(view, table)
    raw = staging / "raw.parquet"
    try:
        engine.sql(
            f"COPY (SELECT * FROM {quote_ident(view)}) TO {quote_str(str(raw))} (FORMAT parquet, COMPRESSION zstd)"
        )
    finally:
        engine.raw.unregister(view)
    progress(0.85, "finish")
    unnamed = [names[c] for c in keep if not raw_header[c]]
    rows_out, cols, dropped = finalize(engine, staging, raw, file=where, unnamed=unnamed, casts=casts)
    warnings = without_dropped(warnings, dropped)
    report = {
        "sheet": sheet_name,
        "sheets": wb.sheet_names,
        "header_row": header_at + 1 if header_at is not None else None,
        "header_rows": header_rows,
        "title_lines": title,
        "trailer": trailer,
        "removed_section_rows": removed_sections,
        "dropped_empty_columns": dropped,
        "warnings": [w["message"] for w in warnings],
        "notices": warnings,
    }
    return ConvertResult(rows=rows_out, columns=cols, report=report)


def _column_array(name: str, values: list[Any]) -> pa.Array:
    """One Arrow array per column, typed by what its cells hold."""
    present = [v for v in values if not _empty(v)]
    clean = [None if _empty(v) else v for v in values]
    if not present:
        return pa.array([None] * len(values), type=pa.string())
    if all(isinstance(v, bool) for v in present):
        return pa.array(clean, type=pa.bool_())
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if numeric and not CODE_NAME.search(name):
        finite = all(math.isfinite(float(v)) for v in present)
        if finite and all(float(v).is_integer() and abs(v) < 1e15 for v in present):
            return pa.array([None if v is None else int(v) for v in clean], type=pa.int64())
        return pa.array([None if v is None else float(v) for v in clean], type=pa.float64())
    if all(isinstance(v, dtm.datetime) for v in present):
        return pa.array(clean, type=pa.timestamp("us"))
    if all(isinstance(v, dtm.date) and not isinstance(v, dtm.datetime) for v in present):
        return pa.array(clean, type=pa.date32())
    return pa.array([None if v is None else cell_text(v) for v in clean], type=pa.string())
