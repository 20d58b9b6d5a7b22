"""Uploaded files waiting to be ingested: streamed to disk with a size limit and a SHA-256."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from shuliu.errors import NotFound, PayloadTooLarge, ValidationFailed

UPLOAD_ID = re.compile(r"^up_[0-9a-f]{24}$")
MAX_AGE_S = 24 * 3600


@dataclass
class Upload:
    id: str
    path: Path
    filename: str
    size: int
    sha256: str
    owner_id: int


def safe_filename(name: str) -> str:
    """A file name with no path parts or control characters (Chinese kept)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if not name:
        raise ValidationFailed("the upload needs a file name", field="filename")
    return name[:200]


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


async def receive(
    root: Path,
    *,
    filename: str,
    owner_id: int,
    chunks: AsyncIterator[bytes],
    max_bytes: int,
    declared_size: int | None = None,
) -> Upload:
    """Stream an upload to `root/<id>/<filename>`; refuse it past `max_bytes`, leaving nothing behind."""
    name = safe_filename(filename)
    if declared_size is not None and declared_size > max_bytes:
        raise PayloadTooLarge(
            "{file}: {size} is over the upload limit of {max_size}",
            file=name,
            limit=max_bytes,
            size=human_size(declared_size),
            max_size=human_size(max_bytes),
        )
    upload_id = "up_" + secrets.token_hex(12)
    folder = root / upload_id
    folder.mkdir(parents=True)
    path = folder / name
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as fh:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        "{file}: the upload passed the limit of {max_size}",
                        file=name,
                        limit=max_bytes,
                        max_size=human_size(max_bytes),
                    )
                digest.update(chunk)
                fh.write(chunk)
        if size == 0:
            raise ValidationFailed("{file}: the file is empty", field="file", file=name)
        meta = {
            "filename": name,
            "size": size,
            "sha256": digest.hexdigest(),
            "owner_id": owner_id,
            "created": time.time(),
        }
        (folder / ".meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Upload(id=upload_id, path=path, filename=name, size=size, sha256=digest.hexdigest(), owner_id=owner_id)


def get(root: Path, upload_id: str, *, owner_id: int) -> Upload:
    """A finished upload of this owner; NotFound for anything else (including other people's)."""
    if not UPLOAD_ID.match(upload_id or ""):
        raise NotFound("no upload {upload_id!r}", field="upload_id", upload_id=upload_id)
    meta_path = root / upload_id / ".meta.json"
    if not meta_path.exists():
        raise NotFound(
            "no upload {upload_id!r} (it may have been ingested or expired)", field="upload_id", upload_id=upload_id
        )
    meta = json.loads(meta_path.read_text())
    if meta["owner_id"] != owner_id:
        raise NotFound("no upload {upload_id!r}", field="upload_id", upload_id=upload_id)
    return Upload(
        id=upload_id,
        path=root / upload_id / meta["filename"],
        filename=meta["filename"],
        size=meta["size"],
        sha256=meta["sha256"],
        owner_id=owner_id,
    )


def sweep(root: Path, max_age_s: float = MAX_AGE_S) -> int:
    """Remove uploads nobody ingested within a day."""
    removed = 0
    now = time.time()
    if not root.exists():
        return 0
    for folder in root.iterdir():
        if folder.is_dir() and now - folder.stat().st_mtime > max_age_s:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
