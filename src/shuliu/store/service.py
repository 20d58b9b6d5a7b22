"""The dataset store: immutable Parquet file sets under SHULIU_HOME, addressed by content hash.

A version is written into a fresh temporary folder, hashed, then renamed into place in one
`os.rename`. Nothing ever edits a published folder; identical content lands in the same folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredFileSet:
    content_hash: str
    path: Path
    size_bytes: int
    files: tuple[str, ...]


class Store:
    """Owns `<home>/store`: `tmp/` for writes in progress, `versions/ab/abcdef…/` for published sets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_root = root / "tmp"
        self.versions_root = root / "versions"
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        self.versions_root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A private temporary folder that is removed afterwards unless it was published."""
        path = self.tmp_root / uuid.uuid4().hex
        path.mkdir()
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def path_for(self, content_hash: str) -> Path:
        return self.versions_root / content_hash[:2] / content_hash

    def publish(self, staged: Path) -> StoredFileSet:
        """Hash the Parquet files in `staged` and move them into their content-addressed place."""
        files = sorted(p.name for p in staged.iterdir() if p.is_file() and p.suffix == ".parquet")
        if not files:
            raise ValueError(f"nothing to publish in {staged}")
        digest = hashlib.sha256()
        size = 0
        for name in files:
            path = staged / name
            with path.open("rb") as fh:
                file_hash = hashlib.file_digest(fh, "sha256").hexdigest()
            digest.update(f"{name}\0{file_hash}\n".encode())
            size += path.stat().st_size
        content_hash = digest.hexdigest()
        target = self.path_for(content_hash)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            moving = staged.with_name(staged.name + ".publish")
            os.rename(staged, moving)
            staged.mkdir()  # keep the staging context's folder so its clean-up is harmless
            for name in os.listdir(moving):
                if name not in files:
                    os.unlink(moving / name)
            for name in files:
                _fsync(moving / name)
            try:
                os.rename(moving, target)
            except OSError:
                # Someone published identical content first: theirs stands, ours goes.
                shutil.rmtree(moving, ignore_errors=True)
                if not target.exists():
                    raise
            _fsync_dir(target.parent)
        return StoredFileSet(content_hash=content_hash, path=target, size_bytes=size, files=tuple(files))

    def sweep_tmp(self, max_age_s: float = 24 * 3600) -> int:
        """Remove staging folders left behind by a killed process (live ones are younger)."""
        import time

        removed = 0
        now = time.time()
        for entry in self.tmp_root.iterdir():
            try:
                if now - entry.stat().st_mtime > max_age_s:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def exists(self, content_hash: str) -> bool:
        return self.path_for(content_hash).is_dir()

    def files(self, content_hash: str) -> list[Path]:
        return sorted(self.path_for(content_hash).glob("*.parquet"))

    def remove_unreferenced(self, referenced: set[str]) -> list[str]:
        """Delete published sets no version refers to (used after a failed registration)."""
        removed = []
        for shard in self.versions_root.iterdir():
            for entry in shard.iterdir():
                if entry.name not in referenced:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry.name)
        return removed

    def discard(self, content_hash: str) -> None:
        shutil.rmtree(self.path_for(content_hash), ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with suppress(OSError):
        _fsync(path)
