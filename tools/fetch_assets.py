#!/usr/bin/env python3
"""Fetch the web UI's front-end assets from the npm registry, pinned by web/package-lock.json.

Needs only Python (no Node): each tarball's URL follows the registry's layout, its sha512 is
checked against the lock file's `integrity`, and only the files the UI serves are extracted into
src/shuliu/web/static/vendor/ (not committed). Re-running is a no-op when the lock is unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "web" / "package-lock.json"
OUT = ROOT / "src" / "shuliu" / "web" / "static" / "vendor"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shuliu-npm"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")

# package → {path inside the tarball (under package/): destination under vendor/}
FILES = {
    "bootstrap": {
        "dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
        "dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    },
    "bootstrap-icons": {
        "font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
        "font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
        "font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    },
    "echarts": {"dist/echarts.min.js": "echarts/echarts.min.js"},
    "htmx.org": {"dist/htmx.min.js": "htmx/htmx.min.js"},
}


def tarball_url(name: str, version: str) -> str:
    base = name.split("/")[-1]
    return f"{REGISTRY}/{name}/-/{base}-{version}.tgz"


def fetch(name: str, version: str, integrity: str) -> bytes:
    algo, _, expected = integrity.partition("-")
    cached = CACHE / f"{name.replace('/', '__')}-{version}.tgz"
    if cached.exists():
        data = cached.read_bytes()
    else:
        url = tarball_url(name, version)
        print(f"fetch {url}", file=sys.stderr)
        with urllib.request.urlopen(url, timeout=120) as resp:
            data = resp.read()
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{name}@{version}: integrity mismatch ({algo} {actual} != {expected})")
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def main() -> int:
    lock_bytes = LOCK.read_bytes()
    stamp = hashlib.sha256(lock_bytes + json.dumps(FILES, sort_keys=True).encode()).hexdigest()
    stamp_file = OUT / ".stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return 0
    packages = json.loads(lock_bytes)["packages"]
    tmp = OUT.with_name("vendor.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, files in FILES.items():
        entry = packages.get(f"node_modules/{name}")
        if entry is None:
            raise SystemExit(f"{name} is not in {LOCK}")
        data = fetch(name, entry["version"], entry["integrity"])
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for src, dest in files.items():
                member = tar.extractfile(f"package/{src}")
                if member is None:
                    raise SystemExit(f"{name}@{entry['version']} has no {src}")
                target = tmp / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(member.read())
    (tmp / ".stamp").write_text(stamp)
    shutil.rmtree(OUT, ignore_errors=True)
    tmp.rename(OUT)
    print(f"web assets ready in {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
