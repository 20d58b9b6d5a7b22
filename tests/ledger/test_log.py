"""The ledger's log in the metadata database (SQLite and PostgreSQL): stored-hash proofs equal the
RFC's, appends are atomic with the acts, writers never fork the log, verification finds tampering."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shuliu.config import Settings
from shuliu.errors import ValidationFailed
from shuliu.ledger import log, merkle, verify
from shuliu.ledger import service as ledger
from shuliu.ledger.note import Checkpoint, Signer, Verifier, open_note
from shuliu.platform import Platform
from tests.conftest import subprocess_env


def bodies(n: int, start: int = 0) -> list[str]:
    return [ledger.canonical({"type": "test", "n": i}) for i in range(start, start + n)]


def fill(platform: Platform, n: int, batch: int = 7) -> list[bytes]:
    """Append n entries in batches of `batch`; returns their leaf hashes."""
    made = bodies(n)
    for start in range(0, n, batch):
        with platform.db.session() as s:
            log.append(session=s, bodies=made[start : start + batch])
    return [merkle.leaf_hash(b.encode()) for b in made]


def test_stored_roots_and_proofs_equal_the_rfc_computation(platform: Platform) -> None:
    leaves = fill(platform, 45)
    with platform.db.session() as s:
        assert log.head(session=s) == log.Head(45, merkle.root(leaves))
        for size in range(1, 46):
            assert log.root_at(session=s, size=size) == merkle.root(leaves[:size])
            for index in range(size):
                _, path = log.inclusion_proof(session=s, index=index, size=size)
                assert path == merkle.inclusion_proof(leaves, index, size), (index, size)
            for first in range(1, size + 1):
                assert log.consistency_proof(session=s, first=first, second=size) == merkle.consistency_proof(
                    leaves, first, size
                )
        with pytest.raises(ValidationFailed, match="not in a log"):
            log.inclusion_proof(session=s, index=45)
        with pytest.raises(ValidationFailed, match="no consistency proof"):
            log.consistency_proof(session=s, first=0, second=3)


def test_one_entry_per_transaction_equals_batches(platform: Platform, tmp_path: Path) -> None:
    batched = fill(platform, 33, batch=33)
    with platform.db.session() as s:
        root_batched = log.head(session=s).root
    other = Platform(platform.settings.model_copy(update={"home": tmp_path / "b", "database_url": None}))
    try:
        fill(other, 33, batch=1)
        with other.db.session() as s:
            assert log.head(session=s).root == root_batched == merkle.root(batched)
    finally:
        other.close()


def test_an_act_and_its_entry_are_stored_together_or_not_at_all(platform: Platform) -> None:
    fill(platform, 3)
    with pytest.raises(RuntimeError), platform.db.session() as s:
        ledger.record(session=s, type="resource.created", actor="x", object="resource:r", payload={"a": 1})
        raise RuntimeError("the act fails after its entry was appended")
    with platform.db.session() as s:
        assert log.head(session=s).size == 3
        assert len(log.entries(session=s, limit=10)) == 3


def test_concurrent_writers_never_fork_the_log(platform: Platform) -> None:
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                with platform.db.session() as s:
                    log.append(session=s, bodies=[ledger.canonical({"writer": k, "i": i})])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with platform.db.session() as s:
        assert log.head(session=s).size == 60
        report = verify.verify_log(session=s, trusted=ledger.trusted(platform.settings))
    assert report.ok and report.size == 60, report.problems


def test_checkpoints_are_c2sp_signed_notes(platform: Platform) -> None:
    fill(platform, 5)
    with platform.db.session() as s:
        cp = ledger.publish(settings=platform.settings, session=s)
        assert cp is not None
        assert ledger.publish(settings=platform.settings, session=s, force=False) is None  # nothing new
    trusted = ledger.trusted(platform.settings)
    body, good = open_note(cp.note, trusted)
    parsed = Checkpoint.parse(body)
    assert parsed.origin == "shuliu.local/ledger" and parsed.size == 5 and parsed.root == cp.root
    assert body == f"shuliu.local/ledger\n5\n{base64.b64encode(cp.root).decode()}\n"
    assert cp.note.startswith(body + "\n\u2014 shuliu.local/ledger ")
    key_file = platform.settings.keys_dir / ledger.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert good == trusted[:1]


def test_notes_interoperate_with_go_sumdb_note() -> None:
    """The example of golang.org/x/mod/sumdb/note: its key decodes, its note verifies, and the
    same private key signs the same text to the same bytes."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    text_ = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    note = (
        text_ + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
        "KE6RyyBwJnAM=\n"
    )
    verifier = Verifier.decode(vkey)
    assert verifier.id.hex() == "c74f20a3" and verifier.encode() == vkey
    assert open_note(note, [verifier])[0] == text_
    seed = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
    assert Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed)).sign(text_) == note
    tampered = note.replace("problem is", "problem was")
    with pytest.raises(ValueError, match="does not verify"):
        open_note(tampered, [verifier])
    with pytest.raises(ValueError, match="no trusted key"):
        open_note(note, [])


def test_a_proof_bundle_checks_offline_and_any_change_fails(platform: Platform) -> None:
    fill(platform, 12)
    with platform.db.session() as s:
        bundle = ledger.prove(session=s, settings=platform.settings, index=5)
    trusted = ledger.trusted(platform.settings)
    assert ledger.check_bundle(bundle, trusted).ok
    assert ledger.check_bundle(bundle).ok  # with the key it carries
    changed_body = {**bundle, "entry": {**bundle["entry"], "body": bundle["entry"]["body"].replace("5", "6")}}
    assert not ledger.check_bundle(changed_body, trusted).ok
    changed_proof = {**bundle, "inclusion_proof": [bundle["inclusion_proof"][0][::-1], *bundle["inclusion_proof"][1:]]}
    assert not ledger.check_bundle(changed_proof, trusted).ok
    changed_index = {**bundle, "entry": {**bundle["entry"], "index": 4}}
    assert not ledger.check_bundle(changed_index, trusted).ok
    forged = {**bundle, "checkpoint": bundle["checkpoint"].replace("\n12\n", "\n13\n")}
    result = ledger.check_bundle(forged, trusted)
    assert not result.ok and any("does not verify" in p for p in result.problems)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Signer("shuliu.local/ledger", Ed25519PrivateKey.generate())
    assert not ledger.check_bundle(bundle, [stranger.verifier]).ok


def test_key_rotation_keeps_old_checkpoints_verifiable(platform: Platform) -> None:
    fill(platform, 4)
    with platform.db.session() as s:
        ledger.publish(settings=platform.settings, session=s)
    with platform.db.session() as s:
        old, new, handover = ledger.rotate_key(settings=platform.settings, session=s)
    assert old.id != new.id
    _, good = open_note(handover.note, [old, new])
    assert {v.id for v in good} == {old.id, new.id}  # the hand-over is signed by both keys
    fill(platform, 3)
    with platform.db.session() as s:
        ledger.publish(settings=platform.settings, session=s)
        report = verify.verify_log(session=s, trusted=ledger.trusted(platform.settings))
    assert report.ok and report.checkpoints == 3, report.problems
    assert {v.id for v in ledger.trusted(platform.settings)} == {old.id, new.id}


# -- tampering, found by `shuliu ledger verify` ---------------------------------------------------------
def shuliu_ledger(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(SHULIU_HOME=str(settings.home), SHULIU_SECRET_KEY="cli-test")
    if settings.database_url:
        env["SHULIU_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "shuliu.cli.main", "ledger", *args], capture_output=True, text=True, env=env, timeout=300
    )


def tamper(platform: Platform, sql: str, **params: Any) -> None:
    """Change the database behind the product's back (its append-only triggers dropped first)."""
    with platform.db.engine.begin() as conn:
        for table in ("ledger_entries", "ledger_nodes", "ledger_checkpoints", "audit_events"):
            if platform.db.dialect == "postgresql":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        conn.execute(text(sql), params)


@pytest.mark.parametrize(
    ("what", "sql", "first_bad"),
    [
        ("an entry's body", "UPDATE ledger_entries SET body = :body WHERE idx = 41", 41),
        ("a leaf hash", "UPDATE ledger_entries SET leaf_hash = :h WHERE idx = 17", 17),
        ("a subtree hash", "UPDATE ledger_nodes SET hash = :h WHERE level = 3 AND idx = 2", 16),
        ("the last entries", "DELETE FROM ledger_entries WHERE idx >= 60", 60),
    ],
)
def test_tampering_is_found_and_the_first_bad_index_named(
    platform: Platform, what: str, sql: str, first_bad: int
) -> None:
    fill(platform, 64)
    with platform.db.session() as s:
        ledger.publish(settings=platform.settings, session=s)
    ok = shuliu_ledger(platform.settings, "verify", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert '"ok": true' in ok.stdout and '"size": 64' in ok.stdout
    tamper(platform, sql, h=b"\x00" * 32, body=ledger.canonical({"type": "test", "n": 99}))
    bad = shuliu_ledger(platform.settings, "verify", "--json")
    assert bad.returncode == 1, what
    import json

    report = json.loads(bad.stdout)
    assert report["ok"] is False and report["first_bad_index"] == first_bad, (what, report)
    assert report["problems"]
    human = shuliu_ledger(platform.settings, "verify")
    assert human.returncode == 1 and f"first bad index {first_bad}" in human.stdout


def test_the_database_refuses_to_edit_the_log(platform: Platform) -> None:
    from sqlalchemy.exc import DatabaseError

    fill(platform, 2)
    for sql in ("UPDATE ledger_entries SET body = 'x' WHERE idx = 0", "DELETE FROM ledger_nodes"):
        with pytest.raises(DatabaseError, match="append-only"), platform.db.engine.begin() as conn:
            conn.execute(text(sql))


CRASH_WRITER = """
import sys, time
from shuliu.config import Settings
from shuliu.platform import Platform
from shuliu.ledger import log, service as ledger
platform = Platform(Settings())
n = 0
while True:
    with platform.db.session() as s:
        log.append(session=s, bodies=[ledger.canonical({"crash": n + i}) for i in range(50)])
    n += 50
    print(n, flush=True)  # acknowledged: committed
"""


def test_a_writer_killed_mid_batch_loses_no_acknowledged_entry(platform: Platform) -> None:
    env = subprocess_env(SHULIU_HOME=str(platform.settings.home), SHULIU_SECRET_KEY="cli-test")
    if platform.settings.database_url:
        env["SHULIU_DATABASE_URL"] = platform.settings.database_url
    proc = subprocess.Popen([sys.executable, "-c", CRASH_WRITER], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    acked = 0
    for line in proc.stdout:
        acked = int(line)
        if acked >= 2000:
            break
    proc.kill()  # SIGKILL, in the middle of a batch
    proc.wait()
    restarted = Platform(platform.settings)
    try:
        with restarted.db.session() as s:
            size = log.head(session=s).size
            assert size >= acked and size % 50 == 0
            report = verify.verify_log(session=s, trusted=ledger.trusted(restarted.settings))
        assert report.ok and report.size == size, report.problems
    finally:
        restarted.close()
