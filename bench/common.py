"""What every benchmark shares: child processes measured one by one, the machine, the README.

Each contender runs in a fresh child process so that its peak memory is its own. The child is
started by a tiny wrapper process and reaped there with `os.wait4`, whose resource usage covers
that child alone (`ru_maxrss`, KiB on Linux). The wrapper matters: on exec, Linux carries the
high-water RSS of the forking process into the new program's `ru_maxrss`, so a child spawned
straight from this (large) benchmark process would report at least this process's peak.
Only the standard library is imported here, so that importing a benchmark stays cheap.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / ".data"  # generated inputs, cached between runs (gitignored)
OUT = BENCH / "out"  # outputs of the runs, removed unless --keep (gitignored)
README = BENCH / "README.md"
MIB = 1 << 20

INTRO = """\
# shuliu benchmarks

Benchmarks compare shuliu with the tools it builds on, side by side in one run on one machine, and
report ratios. They are never part of the test suite.

```sh
make bench                                   # all benchmarks, default sizes
.venv/bin/python -m bench.run                # the same
.venv/bin/python -m bench.run ingest --size-mb 64 --repeat 1 --no-readme   # a quick look
```

Each benchmark replaces its own section below with the numbers of its last run. Inputs are
generated deterministically and cached under `bench/.data/`; outputs go to `bench/out/` and are
removed afterwards unless `--keep` is given.
"""


@dataclass
class Measurement:
    """One child process: wall and CPU time, peak resident memory, exit code and captured output."""

    wall_s: float
    cpu_s: float  # user + system time of the child (and of any children it waited for)
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def peak_mib(self) -> float:
        return self.maxrss_kib / 1024


# Runs argv[2:], then writes {"wall_s", "cpu_s", "maxrss_kib", "returncode"} to argv[1]. Standard library only,
# started with -S -I so that its own (inherited-by-the-child) high-water RSS stays a few MiB.
_WRAPPER = """
import json, os, sys, time
t = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as fh:
    json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
               "returncode": os.waitstatus_to_exitcode(status)}, fh)
"""


def measure(
    cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = ROOT, logs: Path | None = None
) -> Measurement:
    """Run `cmd` to completion; wall time from spawn to exit, peak RSS of that child alone."""
    logs = logs or OUT
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path, usage_path = logs / "child.stdout", logs / "child.stderr", logs / "child.usage.json"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        subprocess.run(
            [sys.executable, "-S", "-I", "-c", _WRAPPER, str(usage_path), *cmd],
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            check=True,
        )
    usage = json.loads(usage_path.read_text())
    return Measurement(
        wall_s=usage["wall_s"],
        cpu_s=usage["cpu_s"],
        maxrss_kib=usage["maxrss_kib"],
        returncode=usage["returncode"],
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def check(m: Measurement, what: str) -> Measurement:
    if m.returncode != 0:
        raise SystemExit(f"{what} failed (exit {m.returncode}):\n{m.stdout[-4000:]}\n{m.stderr[-4000:]}")
    return m


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def warm_page_cache(path: Path) -> None:
    """Read a file once so that every contender starts with it in the page cache."""
    with path.open("rb") as fh:
        while fh.read(16 * MIB):
            pass


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a child: no SHULIU_* settings of the caller's shell leak in, and
    compiled bytecode is cached (under bench/.data/pycache, outside the source and the venv) as it
    is in any installed deployment, even where PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHULIU_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    env.update(overrides)
    return env


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _run(cmd: Sequence[str]) -> str:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, check=False, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import duckdb

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = _run(["free", "-g"])
    total = next((line.split()[1] for line in mem.splitlines() if line.startswith("Mem:")), "?")
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": _run(["nproc"]) or str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "?",
        "memory_gib": total,
        "free_g": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "?",
        "dirty": "yes" if _run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"]) else "no",
    }


def machine_section(m: Mapping[str, str]) -> str:
    return (
        f"Last run {m['date']} on {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, {m['os']}; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, shuliu at commit {m['commit']}"
        f"{' (with uncommitted changes in src/)' if m['dirty'] == 'yes' else ''}.\n\n"
        f"```\n$ nproc\n{m['cpus']}\n$ free -g\n{m['free_g']}\n```\n"
    )


def update_readme(title: str, body: str, *, path: Path = README) -> None:
    """Replace (or append) the section `## {title}` of the benchmarks README; create it if missing."""
    text = path.read_text() if path.exists() else INTRO
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def fmt_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A Markdown table; `align` holds one of l/r per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":--" if a == "l" else "--:" for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def python() -> str:
    return sys.executable
