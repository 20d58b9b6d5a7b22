"""Ledger (存证): appends per second on SQLite and PostgreSQL, inclusion and consistency proofs at 1M
and 10M entries, verification speed — shuliu's log side by side with pymerkle on the same leaves.

Contenders, each in a fresh child process:

* `shuliu`    `shuliu.ledger.log` in the metadata database (SQLite file, or a PostgreSQL database
              created for the run): entries, stored subtree hashes, the head row locked per append.
* `pymerkle`  pymerkle 7's `SqliteTree` (RFC 9162 hashing, leaves in SQLite, proofs computed from
              the leaves with its own caches). pymerkle is GPL-3.0: it is used here only, in the
              optional `bench` dependency group, never by the product.

Leaves are canonical-JSON bodies like the product's entries (~190 bytes). The big logs (1M and 10M
entries) are built once with batched appends and cached under bench/.data/; both sides are checked
to have the same root.

`python -m bench.ledger <child> …` is how the children are started; it is not for people.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import common

HELP = "ledger: appends/s (SQLite, PostgreSQL), proofs at 1M and 10M entries, verification — against pymerkle"
TITLE = "Ledger: appends, proofs at 1M and 10M entries, verification (against pymerkle)"
GENERATOR = 1
PG_ADMIN = os.environ.get("SHULIU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def body(i: int) -> str:
    from shuliu.ledger.service import canonical

    return canonical(
        {
            "actor": f"user{i % 97}",
            "digest": "sha256:" + f"{i:064x}",
            "object": f"resource:res_{i:016x}",
            "time": f"2026-12-01T08:{(i // 60) % 60:02d}:{i % 60:02d}.000000Z",
            "type": ("resource.created", "resource.new_version", "label.confirm")[i % 3],
        }
    )


# -- children ------------------------------------------------------------------------------------------------
def _db(url: str) -> Any:
    from shuliu.db import migrate
    from shuliu.db.session import Database

    db = Database(url)
    migrate.upgrade(db.engine)
    return db


def _child_shuliu_append(url: str, n: str, batch: str, out: str) -> None:
    from shuliu.ledger import log

    db = _db(url)
    total, per = int(n), int(batch)
    bodies = [body(i) for i in range(total)]
    started = time.perf_counter()
    for start in range(0, total, per):
        with db.session() as s:
            log.append(session=s, bodies=bodies[start : start + per])
    seconds = time.perf_counter() - started
    with db.session() as s:
        root = log.head(session=s).root.hex()
    Path(out).write_text(json.dumps({"seconds": seconds, "entries": total, "root": root}))


def _child_pymerkle_append(path: str, n: str, batch: str, out: str) -> None:
    from pymerkle import SqliteTree

    tree = SqliteTree(path)
    total, per = int(n), int(batch)
    data = [body(i).encode() for i in range(total)]
    started = time.perf_counter()
    if per == 1:
        for d in data:
            tree.append_entry(d)
    else:
        for start in range(0, total, per):
            tree.append_entries(data[start : start + per])
    seconds = time.perf_counter() - started
    root = tree.get_state().hex()
    tree.close()
    Path(out).write_text(json.dumps({"seconds": seconds, "entries": total, "root": root}))


def _child_shuliu_proofs(url: str, samples: str, out: str) -> None:
    from shuliu.ledger import log, merkle

    db = _db(url)
    rng = random.Random(7)
    with db.session() as s:
        size = log.head(session=s).size
        root = log.head(session=s).root
        picks = [rng.randrange(size) for _ in range(int(samples))]
        log.inclusion_proof(session=s, index=0)  # warm: statements prepared, pages cached
        times, verify_times = [], []
        for i in picks:
            t = time.perf_counter()
            _, path = log.inclusion_proof(session=s, index=i)
            times.append(time.perf_counter() - t)
            leaf = log.entry(session=s, index=i).leaf_hash
            t = time.perf_counter()
            ok = merkle.verify_inclusion(leaf, i, size, path, root)
            verify_times.append(time.perf_counter() - t)
            assert ok, i
        cons = []
        for _ in range(int(samples) // 4):
            first = rng.randrange(1, size)
            t = time.perf_counter()
            log.consistency_proof(session=s, first=first, second=size)
            cons.append(time.perf_counter() - t)
    Path(out).write_text(
        json.dumps({"size": size, "inclusion": times, "verify": verify_times, "consistency": cons, "root": root.hex()})
    )


def _child_pymerkle_proofs(path: str, samples: str, out: str) -> None:
    from pymerkle import SqliteTree, verify_inclusion

    tree = SqliteTree(path)
    size = tree.get_size()
    root = tree.get_state()
    rng = random.Random(7)
    picks = [rng.randrange(size) for _ in range(int(samples))]
    tree.prove_inclusion(1)
    times, verify_times = [], []
    for i in picks:
        t = time.perf_counter()
        proof = tree.prove_inclusion(i + 1)  # pymerkle counts leaves from one
        times.append(time.perf_counter() - t)
        leaf = tree.get_leaf(i + 1)
        t = time.perf_counter()
        verify_inclusion(leaf, root, proof)
        verify_times.append(time.perf_counter() - t)
    cons = []
    for _ in range(int(samples) // 4):
        first = rng.randrange(1, size)
        t = time.perf_counter()
        tree.prove_consistency(first, size)
        cons.append(time.perf_counter() - t)
    Path(out).write_text(
        json.dumps({"size": size, "inclusion": times, "verify": verify_times, "consistency": cons, "root": root.hex()})
    )


def _child_shuliu_verify(url: str, out: str) -> None:
    from shuliu.ledger import verify

    db = _db(url)
    started = time.perf_counter()
    with db.session() as s:
        report = verify.verify_log(session=s, trusted=[])
    seconds = time.perf_counter() - started
    Path(out).write_text(json.dumps({"seconds": seconds, "size": report.size, "root": report.root.hex()}))


CHILDREN = {
    "shuliu-append": _child_shuliu_append,
    "pymerkle-append": _child_pymerkle_append,
    "shuliu-proofs": _child_shuliu_proofs,
    "pymerkle-proofs": _child_pymerkle_proofs,
    "shuliu-verify": _child_shuliu_verify,
}


# -- the benchmark -------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000000,10000000", help="log sizes for the proofs (default 1M,10M)")
    parser.add_argument("--pg-sizes", default="1000000", help="log sizes on PostgreSQL (default 1M)")
    parser.add_argument("--appends", type=int, default=100_000, help="entries per batched-append run")
    parser.add_argument("--singles", type=int, default=3_000, help="entries appended one per transaction")
    parser.add_argument("--samples", type=int, default=400, help="proofs timed per log")


def _child(name: str, *args: str, work: Path) -> tuple[dict[str, Any], common.Measurement]:
    out = work / f"{name}.json"
    m = common.check(
        common.measure(
            [common.python(), "-m", "bench.ledger", name, *args, str(out)], env=common.clean_env(), logs=work
        ),
        name,
    )
    return json.loads(out.read_text()), m


def _pg_url(name: str) -> str | None:
    """A fresh PostgreSQL database for the run (None when no server answers)."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # reported in the results
        print(f"PostgreSQL not available: {exc}", file=sys.stderr)
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _pg_cached(name: str, size: int) -> str | None:
    """A PostgreSQL database holding a log of `size` entries, kept between runs."""
    from sqlalchemy import create_engine, text

    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            have = conn.execute(text("SELECT size FROM ledger_state WHERE id = 1")).scalar()
        engine.dispose()
        if have == size:
            return url
    except Exception:
        pass
    return None


def run(args: argparse.Namespace) -> None:
    work = common.OUT / "ledger"
    common.remove(work)
    work.mkdir(parents=True)
    common.DATA.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"append": [], "proofs": [], "verify": []}

    # 1. appends, batched (1,000 per transaction) and one per transaction
    pg = _pg_url("shuliu_bench_append")
    for backend, url_for in (("SQLite", lambda tag: f"sqlite:///{work / f'{tag}.db'}"), ("PostgreSQL", None)):
        for mode, n, batch in (("batched", args.appends, 1000), ("one per transaction", args.singles, 1)):
            if backend == "SQLite":
                url = url_for(f"append-{batch}")
            else:
                if pg is None:
                    continue
                url = _pg_url(f"shuliu_bench_append_{batch}") or ""
            got, m = _child("shuliu-append", url, str(n), str(batch), work=work)
            results["append"].append(("shuliu", backend, mode, n, got["seconds"], m.peak_mib, got["root"]))
            print(f"append shuliu {backend} {mode}: {n / got['seconds']:,.0f}/s", file=sys.stderr)
        if backend == "SQLite":
            for mode, n, batch in (("batched", args.appends, 1000), ("one per transaction", args.singles, 1)):
                got, m = _child("pymerkle-append", str(work / f"pymerkle-{batch}.db"), str(n), str(batch), work=work)
                results["append"].append(("pymerkle", backend, mode, n, got["seconds"], m.peak_mib, got["root"]))
                print(f"append pymerkle {backend} {mode}: {n / got['seconds']:,.0f}/s", file=sys.stderr)

    # 2. proofs and verification at each size (logs built once, cached)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    pg_sizes = [int(x) for x in args.pg_sizes.split(",") if x]
    for size in sizes:
        ours = common.DATA / f"ledger_{size}.db"
        theirs = common.DATA / f"pymerkle_{size}.db"
        meta = common.DATA / f"ledger_{size}.json"
        if not (ours.exists() and theirs.exists() and meta.exists() and json.loads(meta.read_text()) == GENERATOR):
            for p in (ours, theirs):
                p.unlink(missing_ok=True)
            started = time.perf_counter()
            a, _ = _child("shuliu-append", f"sqlite:///{ours}", str(size), "10000", work=work)
            b, _ = _child("pymerkle-append", str(theirs), str(size), "100000", work=work)
            assert a["root"] == b["root"], "shuliu and pymerkle disagree on the root"
            meta.write_text(json.dumps(GENERATOR))
            print(f"built {size:,} entries in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        for who, target in (("shuliu", f"sqlite:///{ours}"), ("pymerkle", str(theirs))):
            common.warm_page_cache(ours if who == "shuliu" else theirs)  # both start with their file cached
            got, m = _child(f"{who}-proofs", target, str(args.samples), work=work)
            results["proofs"].append((who, "SQLite", size, got, m.peak_mib))
            print(f"proofs {who} {size:,}: {statistics.median(got['inclusion']) * 1000:.2f} ms", file=sys.stderr)
        got, m = _child("shuliu-verify", f"sqlite:///{ours}", work=work)
        results["verify"].append(("SQLite", size, got["seconds"], m.peak_mib))
    for size in pg_sizes:
        name = f"shuliu_bench_ledger_{size}"
        url = _pg_cached(name, size)
        if url is None:
            url = _pg_url(name)
            if url is None:
                break
            _child("shuliu-append", url, str(size), "10000", work=work)
        got, m = _child("shuliu-proofs", url, str(args.samples), work=work)
        results["proofs"].append(("shuliu", "PostgreSQL", size, got, m.peak_mib))
        got, m = _child("shuliu-verify", url, work=work)
        results["verify"].append(("PostgreSQL", size, got["seconds"], m.peak_mib))
    if not args.keep:
        common.remove(work)
    body_text = _report(results, args)
    print(f"## {TITLE}\n\n{body_text}")
    if not args.no_readme:
        common.update_readme("Machine", common.machine_section(common.machine()))
        common.update_readme(TITLE, body_text)
        print(f"updated {common.README}", file=sys.stderr)


def _ms(values: list[float], q: float = 0.5) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.2f}"


def _report(results: dict[str, Any], args: argparse.Namespace) -> str:
    appends = []
    for who, backend, mode, n, seconds, peak, _ in results["append"]:
        base = next((r for r in results["append"] if r[0] == "pymerkle" and r[1] == backend and r[2] == mode), None)
        ratio = f"{(n / seconds) / (base[3] / base[4]):.2f}×" if base and who == "shuliu" else ""
        appends.append([who, backend, mode, f"{n:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}", f"{peak:,.0f}", ratio])
    proofs = []
    for who, backend, size, got, peak in results["proofs"]:
        proofs.append(
            [
                who,
                backend,
                f"{size:,}",
                _ms(got["inclusion"]),
                _ms(got["inclusion"], 0.99),
                _ms(got["consistency"]),
                f"{statistics.median(got['verify']) * 1e6:.0f}",
                f"{peak:,.0f}",
            ]
        )
    verifies = [
        [backend, f"{size:,}", f"{seconds:.1f}", f"{size / seconds:,.0f}", f"{peak:,.0f}"]
        for backend, size, seconds, peak in results["verify"]
    ]
    return "\n\n".join(
        [
            'Appends: each run a fresh database and process; "batched" is 1,000 entries per transaction, '
            '"one per transaction" commits every entry (SQLite in WAL mode with synchronous=NORMAL, as shuliu '
            "runs it; PostgreSQL 15 on this machine, default settings). shuliu ÷ pymerkle compares entries per "
            "second on the same leaves (pymerkle's roots equal shuliu's: checked).",
            common.fmt_table(
                ["contender", "database", "mode", "entries", "seconds", "entries/s", "peak RSS (MiB)", "÷ pymerkle"],
                appends,
                "llllrrrr",
            ),
            f"Proofs: {args.samples} inclusion proofs of random entries against the log's current size, "
            f"{args.samples // 4} consistency proofs from a random size, in one process after one warm-up proof, "
            "with the database file read once before (warm page cache, as for every contender); "
            "times in milliseconds (median and 99th percentile), verification of an inclusion proof in "
            "microseconds (pure Python, both).",
            common.fmt_table(
                [
                    "contender",
                    "database",
                    "entries",
                    "inclusion (ms)",
                    "p99 (ms)",
                    "consistency (ms)",
                    "verify (µs)",
                    "peak RSS (MiB)",
                ],
                proofs,
                "llrrrrrr",
            ),
            "Full verification (`shuliu ledger verify`'s pass: every body hashed again, the tree rebuilt, every "
            "stored subtree hash compared):",
            common.fmt_table(["database", "entries", "seconds", "entries/s", "peak RSS (MiB)"], verifies, "lrrrr"),
        ]
    )


if __name__ == "__main__":
    CHILDREN[sys.argv[1]](*sys.argv[2:])
