"""Sniffing delimited text as government exports write it.

Finds the encoding (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030), the delimiter (including the
NBS export's tab+comma pair), the header row below title lines such as `数据库：分省年度数据`, and
the trailer of `注：…` / `数据来源：…` notes — from a sample at the head and the tail of the file,
so that the cost does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shuliu.errors import IngestError, notice
from shuliu.i18n import N_

HEAD_BYTES = 1 << 20
TAIL_BYTES = 64 << 10
DELIMITERS = ("\t,", ",", "\t", ";", "|")
DELIMITER_NAMES = {"\t,": "tab+comma", ",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
TRAILER_PREFIXES = ("注：", "注:", "数据来源", "资料来源", "说明：", "说明:", "备注：", "备注:", "来源：", "来源:")
# What a file is, by its first bytes (msgids: shown inside an error message, translated with it).
MAGIC = {
    b"PK\x03\x04": N_("a ZIP archive (an .xlsx, .ods or .zip file?)"),
    b"\xd0\xcf\x11\xe0": N_("a legacy Office file (an .xls workbook?)"),
    b"%PDF": N_("a PDF document"),
    b"\x89PNG": N_("a PNG image"),
    b"\xff\xd8\xff": N_("a JPEG image"),
    b"PAR1": N_("a Parquet file"),
    b"\x1f\x8b": N_("a gzip archive"),
    b"SQLite format 3": N_("an SQLite database"),
}
# Shown to users: "GBK" is what they know; GB18030 is the superset we decode with.
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "gb18030": "GBK/GB18030",
    "utf-16": "UTF-16",
    "big5": "Big5",
}


@dataclass
class TextDialect:
    """What the sniffer found; every field can be overridden by the user."""

    encoding: str
    delimiter: str
    header_line: int | None  # 0-based physical line of the header; None = the file has no header
    first_data_line: int
    trailer_lines: int  # physical lines at the end that are notes, not rows
    header: list[str]
    raw_header: list[str]
    title_lines: list[str] = field(default_factory=list)
    trailer: list[str] = field(default_factory=list)
    sample_rows: list[list[str]] = field(default_factory=list)
    tail_rows: list[list[str]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def check_not_binary(path: Path, head: bytes, expected: str) -> None:
    """Refuse files whose first bytes say they are something else than `expected` (an N_ msgid)."""
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            raise IngestError("{file}: this is {what}, not {expected}", file=path.name, what=what, expected=expected)
    if b"\x00" in head[:8192] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(
            "{file}: the file holds binary data (NUL bytes), not {expected}", file=path.name, expected=expected
        )


def detect_encoding(path: Path, head: bytes, truncated: bool) -> str:
    """BOM first; then strict UTF-8; then GB18030 (a superset of GBK); then charset-normalizer."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(head, "utf-8", truncated):
        return "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = head[: exc.start]
        if any(b >= 0xC2 for b in prefix) and _decodes(prefix, "utf-8", True):
            # Chinese text in valid UTF-8, then bytes that are not: one file, two encodings.
            line = prefix.count(b"\n") + 1
            raise IngestError(
                "{file}: line {line} is not valid UTF-8 while the lines before it are; the file mixes encodings",
                file=path.name,
                line=line,
            ) from exc
    if _decodes(head, "gb18030", truncated):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is not None and best.encoding not in ("ascii",) and _decodes(head, best.encoding, truncated):
        return best.encoding
    raise IngestError(
        "{file}: cannot tell the text encoding (neither UTF-8 nor GBK/GB18030); "
        "convert it to UTF-8 or name the encoding",
        file=path.name,
    )


def _decodes(data: bytes, encoding: str, truncated: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(data, final=not truncated)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def split_fields(line: str, delimiter: str) -> list[str]:
    if len(delimiter) == 1:
        return next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])
    return line.split(delimiter)


def _clean(cell: str) -> str:
    return cell.strip().strip("\ufeff").strip()


def _choose_delimiter(lines: list[str]) -> str:
    """The delimiter that gives the longest run of lines with the same field count (≥ 2)."""
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [len(split_fields(line, delim)) for line in lines if line.strip()]
        multi = [c for c in counts if c >= 2]
        if not multi:
            continue
        mode, freq = Counter(multi).most_common(1)[0]
        score = freq + 0.001 * mode
        if delim == "\t,":
            # Only the NBS pair if every comma in the table follows a tab.
            table = [line for line in lines if len(split_fields(line, delim)) >= 2]
            if sum(line.count(",") for line in table) != sum(line.count("\t,") for line in table):
                continue
            score += 0.5  # prefer it over plain comma/tab, which also "fit"
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cell))


def find_header(rows: list[list[str]]) -> tuple[int | None, int]:
    """Return (header row index or None, table width) for rows already split into cells.

    Title rows carry one non-empty cell (`指标：…`); the header is the first row that fills at
    least half the table's width, where the width is the most common field count of wide rows.
    """
    nonempty = [sum(1 for c in row if _clean(c)) for row in rows]
    widths = [len(row) for row, n in zip(rows, nonempty, strict=True) if n >= 2]
    if not widths:
        first = next((i for i, n in enumerate(nonempty) if n), None)
        return first, 1
    width = Counter(widths).most_common(1)[0][0]
    need = max(2, math.ceil(width / 2))
    for i, row in enumerate(rows):
        if nonempty[i] >= need and len(row) >= width - 1:
            cells = [_clean(c) for c in row if _clean(c)]
            if all(_looks_numeric(c) for c in cells) and len(cells) == len(row):
                return None, width  # the first wide row is data: no header
            return i, width
    return None, width


NO_HEADER = N_("{file}: column {number} has no header; named it {name}")


def without_dropped(warnings: list[dict[str, Any]], dropped: list[str]) -> list[dict[str, Any]]:
    """Leave out "no header" warnings of columns that were dropped as empty afterwards."""
    return [w for w in warnings if not (w["template"] == NO_HEADER and w["params"].get("name") in dropped)]


def name_columns(raw: list[str], path_name: str, warnings: list[dict[str, Any]]) -> list[str]:
    """Header names as written, trimmed; empty → 列N, duplicates → name_2 (each with a warning)."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i, cell in enumerate(raw):
        name = re.sub(r"\s+", " ", _clean(str(cell))) if cell is not None else ""
        if not name:
            name = f"列{i + 1}"
            warnings.append(notice(NO_HEADER, file=path_name, number=i + 1, name=name))
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name}_{seen[name]}"
            while new in seen:
                seen[name] += 1
                new = f"{name}_{seen[name]}"
            warnings.append(
                notice(
                    "{file}: header {name!r} appears more than once; column {number} renamed {new}",
                    file=path_name,
                    name=name,
                    number=i + 1,
                    new=new,
                )
            )
            seen[new] += 1
            name = new
        names.append(name)
    return names


def _is_trailer(cells: list[str], width: int) -> bool:
    """Notes after the table: blank, starting with 注/数据来源…, or far narrower than the table."""
    filled = [c for c in (_clean(x) for x in cells) if c]
    if not filled:
        return True
    if filled[0].startswith(TRAILER_PREFIXES) and len(filled) <= 2:
        return True
    return width >= 2 and len(cells) <= max(1, width // 2)


def sniff_text(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_line: int | None = None,
    no_header: bool = False,
) -> TextDialect:
    """Sniff a delimited text file from its head and tail; raise IngestError on unusable input."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError("{file}: the file is empty", file=path.name)
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        truncated = size > len(head)
        if size > HEAD_BYTES + TAIL_BYTES:
            fh.seek(size - TAIL_BYTES)
            tail = fh.read()
        else:
            tail = b""
    check_not_binary(path, head, N_("delimited text (CSV/TSV)"))
    enc = _normalise_encoding(encoding) if encoding else detect_encoding(path, head, truncated)
    try:
        text = head.decode(enc, errors="strict") if not truncated else _decode_prefix(head, enc)
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise IngestError(
            "{file}: line {line} is not valid {encoding}",
            file=path.name,
            line=line,
            encoding=ENCODING_LABELS.get(enc, enc),
        ) from exc
    lines = _physical_lines(text)
    if truncated and lines:
        lines = lines[:-1]  # the last line of the sample may be cut
    if not any(line.strip() for line in lines):
        raise IngestError("{file}: the file has no rows, only blank lines", file=path.name)
    delim = delimiter or _choose_delimiter(lines[:2000])
    rows = [split_fields(line, delim) for line in lines]
    warnings: list[dict[str, Any]] = []
    if no_header:
        hdr: int | None = None
        _, width = find_header(rows[:2000])
        first = next(i for i, r in enumerate(rows) if any(_clean(c) for c in r))
    elif header_line is not None:
        if header_line >= len(rows):
            raise IngestError(
                "{file}: header line {line} is past the sampled lines",
                file=path.name,
                line=header_line + 1,
            )
        hdr, width, first = header_line, len(rows[header_line]), header_line + 1
    else:
        hdr, width = find_header(rows[:2000])
        first = next(i for i, r in enumerate(rows) if len(r) >= 2 or width == 1) if hdr is None else hdr + 1
    raw_header = [c for c in rows[hdr]] if hdr is not None else [f"列{i + 1}" for i in range(width)]
    # Trailing empty header cells beyond the table width are dropped later if their column is empty.
    header = name_columns(raw_header, path.name, warnings) if hdr is not None else raw_header
    title = [line.strip() for line in lines[: hdr if hdr is not None else first] if line.strip()]

    tail_lines = _tail_lines(tail, enc) if tail else lines[first:]
    trailer: list[str] = []
    for tail_line in reversed(tail_lines):
        if _is_trailer(split_fields(tail_line, delim), width):
            trailer.append(tail_line)
        else:
            break
    trailer.reverse()
    sample = [r for r in rows[first:] if any(_clean(c) for c in r)]
    if not tail:
        sample = sample[: max(0, len(sample) - sum(1 for t in trailer if t.strip()))]
        tail_rows: list[list[str]] = []
    else:
        body_tail = tail_lines[: len(tail_lines) - len(trailer)]
        tail_rows = [split_fields(line, delim) for line in body_tail if line.strip()]
    return TextDialect(
        encoding=enc,
        delimiter=delim,
        header_line=hdr,
        first_data_line=first,
        trailer_lines=len(trailer),
        header=header,
        raw_header=[_clean(c) for c in raw_header],
        title_lines=title,
        trailer=[t.strip() for t in trailer if t.strip()],
        sample_rows=sample[:5000],
        tail_rows=tail_rows[-2000:],
        warnings=warnings,
    )


def _normalise_encoding(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    if key in ("gbk", "gb2312", "gb-2312", "cp936", "gb18030"):
        return "gb18030"
    if key in ("utf8", "utf-8"):
        return "utf-8"
    if key in ("utf-8-sig", "utf8-sig", "utf-8-bom"):
        return "utf-8-sig"
    try:
        return codecs.lookup(key).name
    except LookupError as exc:
        raise IngestError("unknown encoding {encoding!r}", field="encoding", encoding=name) from exc


def _decode_prefix(data: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=False)


def _tail_lines(tail: bytes, encoding: str) -> list[str]:
    if encoding.startswith("utf-16"):
        return []
    # Start after the first newline so we never decode from the middle of a character.
    cut = tail.find(b"\n")
    return _physical_lines(tail[cut + 1 :].decode(encoding, errors="replace"))


def _physical_lines(text: str) -> list[str]:
    """Lines split on LF only (as the byte-level cutting does), CR stripped, no final empty line."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines
