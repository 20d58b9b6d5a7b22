"""Transcoding ASCII-compatible Chinese encodings (GBK/GB18030, Big5) to UTF-8, on several cores.

Python's codecs hold the GIL, and GBK decoding runs at a few hundred MB/s on one core; DuckDB reads
UTF-8 faster than that. In these encodings the byte 0x0A never occurs inside a character, so the
file splits at newlines into pieces that worker processes decode independently; the parent writes
the pieces back in order. Each piece is also checked for lines that are UTF-8 (a GBK export with a
UTF-8 line pasted in): GB18030 would decode such bytes without error, as the wrong characters.

This module imports only the standard library, so spawned workers start quickly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

PIECE = 16 << 20
PARALLEL_MIN = 48 << 20  # below this, one process is quicker than starting workers
LINE_SAFE = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp936", "cp950"}
# A line that decodes as UTF-8 without replacement characters and holds Chinese text.
UTF8_CJK_LINE = re.compile(r"^[^\ufffd\n]*[\u4e00-\u9fff][^\ufffd\n]*$", re.MULTILINE)

Problem = dict[str, Any]


def transcode_piece(path: str, start: int, end: int, encoding: str, check_utf8: bool) -> tuple[bytes, Problem | None]:
    """UTF-8 bytes of [start, end), or a problem: {"kind", "offset" (absolute byte offset), …}."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    if check_utf8:
        found = UTF8_CJK_LINE.search(data.decode("utf-8", errors="replace"))
        if found is not None:
            line_index = found.string.count("\n", 0, found.start())
            offset = 0
            for _ in range(line_index):
                offset = data.index(b"\n", offset) + 1
            return b"", {"kind": "utf8-line", "offset": start + offset}
    try:
        text = data.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        return b"", {"kind": "invalid", "offset": start + exc.start, "bytes": repr(data[exc.start : exc.end])}
    return text.encode("utf-8"), None


def piece_bounds(path: Path, start: int, end: int, piece: int = PIECE) -> list[tuple[int, int]]:
    """[start, end) cut into pieces that end just after a newline."""
    bounds: list[tuple[int, int]] = []
    with path.open("rb") as fh:
        a = start
        while a < end:
            b = min(end, a + piece)
            if b < end:
                fh.seek(b)
                while True:
                    window = fh.read(1 << 16)
                    if not window:
                        b = end
                        break
                    nl = window.find(b"\n")
                    if nl >= 0:
                        b = min(end, b + nl + 1)
                        break
                    b += len(window)
            bounds.append((a, b))
            a = b
    return bounds


def _line_start_after(path: Path, pos: int, end: int) -> int:
    """The offset just after the first newline at or after `pos` (or `end`)."""
    with path.open("rb") as fh:
        fh.seek(pos)
        while pos < end:
            window = fh.read(1 << 16)
            if not window:
                return end
            nl = window.find(b"\n")
            if nl >= 0:
                return min(end, pos + nl + 1)
            pos += len(window)
    return end


def transcode_range(
    src: Path,
    dest: Path,
    encoding: str,
    start: int,
    end: int,
    check_utf8: bool,
    progress: Callable[[int], None] = lambda done: None,
) -> Problem | None:
    """One process: [start, end) of `src` → `dest` (UTF-8), piece by piece."""
    with dest.open("wb") as out:
        for a, b in piece_bounds(src, start, end):
            data, problem = transcode_piece(str(src), a, b, encoding, check_utf8)
            if problem:
                return problem
            out.write(data)
            progress(b - start)
    return None


def transcode(
    src: Path,
    dest: Path,
    encoding: str,
    start: int,
    end: int,
    *,
    workers: int,
    check_utf8: bool,
    progress: Callable[[int], None],
) -> Problem | None:
    """Write [start, end) of `src` to `dest` as UTF-8; returns the first problem found, or None.

    With several workers the range is split at newlines into one part per worker, each done by a
    `python -m shuliu.engine.transcode` process (not multiprocessing, which would re-import the
    caller's __main__); the parts are then joined in the kernel with copy_file_range.
    """
    if workers <= 1 or end - start < PARALLEL_MIN or encoding not in LINE_SAFE:
        return transcode_range(src, dest, encoding, start, end, check_utf8, progress)
    step = (end - start) // workers
    cuts = sorted({start, *(_line_start_after(src, start + i * step, end) for i in range(1, workers))})
    cuts = [c for c in cuts if c < end] + [end]
    parts = [dest.with_name(f"{dest.name}.part{i}") for i in range(len(cuts) - 1)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shuliu.engine.transcode",
                str(src),
                str(part),
                encoding,
                str(a),
                str(b),
                "1" if check_utf8 else "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for part, a, b in zip(parts, cuts, cuts[1:], strict=False)
    ]
    try:
        expected = max(1, end - start)
        while any(p.poll() is None for p in procs):
            time.sleep(0.2)
            written = sum(part.stat().st_size for part in parts if part.exists())
            progress(min(expected - 1, int(written / 1.35)))  # UTF-8 is about a third longer than GBK
        problems = []
        for proc in procs:
            out, err = proc.communicate()
            if proc.returncode == 3:
                problems.append(json.loads(out))
            elif proc.returncode != 0:
                raise RuntimeError(f"transcoding worker failed: {err.strip()[-500:]}")
        if problems:
            return min(problems, key=lambda p: int(p["offset"]))
        with dest.open("wb") as out_fh:
            for part in parts:
                with part.open("rb") as in_fh:
                    _append(in_fh, out_fh, part.stat().st_size)
        progress(end - start)
        return None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        for part in parts:
            part.unlink(missing_ok=True)


def _append(src: BinaryIO, dst: BinaryIO, size: int) -> None:
    """Append a file's bytes in the kernel where possible."""
    try:
        remaining = size
        while remaining > 0:
            n = os.copy_file_range(src.fileno(), dst.fileno(), remaining)
            if n == 0:
                break
            remaining -= n
    except OSError:
        shutil.copyfileobj(src, dst, 4 << 20)


def main(argv: list[str]) -> int:
    src, dest, encoding, a, b, check = argv
    problem = transcode_range(Path(src), Path(dest), encoding, int(a), int(b), check == "1")
    if problem:
        sys.stdout.write(json.dumps(problem))
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
