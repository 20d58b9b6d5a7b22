"""存证: the ledger as the other domains use it — record an act, sign checkpoints, prove entries.

`record()` is the one call every security-relevant act makes (through `audit.service.record`),
in the transaction of the act itself, so the act and its entry are stored together or not at all.
An entry's body is the canonical JSON of {type, actor, object, time, digest}, the digest being
SHA-256 of the canonical JSON of the act's details (kept in the audit trail): the log proves the
details without holding them.

Keys: the checkpoint-signing Ed25519 key is created with the installation in
$SHULIU_HOME/keys/ledger-ed25519.pem (mode 0600). `rotate_key()` replaces it: the old public key
is kept as a trusted verifier in keys/ledger-retired/<key id>.vkey, its private key is deleted, and
a checkpoint signed by both keys hands the log over to the new one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuliu.config import Settings
from shuliu.db.base import utcnow
from shuliu.errors import NotFound, ValidationFailed
from shuliu.ledger import log, merkle
from shuliu.ledger.models import LedgerCheckpoint, LedgerKey
from shuliu.ledger.note import Checkpoint, NoteError, Signer, Verifier, create_signer, load_signer, open_note

KEY_FILE = "ledger-ed25519.pem"
RETIRED_DIR = "ledger-retired"
BUNDLE_FORMAT = "shuliu-ledger-proof/1"


# -- canonical JSON ------------------------------------------------------------------------------------------
def canonical(value: Any) -> str:
    """Canonical JSON (RFC 8785 for what the product writes: sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_body(*, type: str, actor: str, object: str, at: datetime, payload: Any) -> str:
    return canonical({"type": type, "actor": actor, "object": object, "time": timestamp(at), "digest": digest(payload)})


def record(*, session: Session, type: str, actor: str, object: str, payload: Any, at: datetime | None = None) -> int:
    """Append one act to the log in the caller's transaction; returns the entry's index."""
    return log.append(
        session=session, bodies=[entry_body(type=type, actor=actor, object=object, at=at or utcnow(), payload=payload)]
    )[0]


# -- keys ----------------------------------------------------------------------------------------------------
def key_path(settings: Settings) -> Path:
    return settings.keys_dir / KEY_FILE


def signer(settings: Settings) -> Signer:
    """The installation's signing key, created on first use (two processes racing both end up
    with the one that was written first)."""
    path = key_path(settings)
    if not path.exists():
        try:
            return create_signer(path, settings.ledger_origin)
        except FileExistsError:
            pass
    return load_signer(path, settings.ledger_origin)


def trusted(settings: Settings) -> list[Verifier]:
    """The keys whose checkpoints this installation trusts: the current one and the retired ones,
    read from $SHULIU_HOME/keys — never from the database, which the verifier must not trust."""
    out = [signer(settings).verifier]
    retired = settings.keys_dir / RETIRED_DIR
    if retired.is_dir():
        for path in sorted(retired.glob("*.vkey")):
            out.append(Verifier.decode(path.read_text()))
    return out


def register_key(*, session: Session, verifier: Verifier) -> None:
    """Publish a verifier key in the database (for the API and pages) if it is not there yet."""
    if session.get(LedgerKey, verifier.id.hex()) is None:
        session.add(
            LedgerKey(
                key_id=verifier.id.hex(), name=verifier.name, public_key=verifier.public, verifier=verifier.encode()
            )
        )
        session.flush()


def rotate_key(*, settings: Settings, session: Session) -> tuple[Verifier, Verifier, LedgerCheckpoint]:
    """Replace the signing key; returns (old, new, the hand-over checkpoint signed by both)."""
    old = signer(settings)
    retired = settings.keys_dir / RETIRED_DIR
    retired.mkdir(parents=True, exist_ok=True)
    (retired / f"{old.verifier.id.hex()}.vkey").write_text(old.verifier.encode() + "\n")
    path = key_path(settings)
    staged = path.with_suffix(".new")
    staged.unlink(missing_ok=True)
    new = create_signer(staged, settings.ledger_origin)
    os.replace(staged, path)  # the old private key is gone from here on
    register_key(session=session, verifier=new.verifier)
    row = session.get(LedgerKey, old.verifier.id.hex())
    if row is not None:
        row.retired_at = utcnow()
    checkpoint = _sign(settings=settings, session=session, signers=[new, old])
    return old.verifier, new.verifier, checkpoint


# -- checkpoints ---------------------------------------------------------------------------------------------
def _sign(*, settings: Settings, session: Session, signers: list[Signer]) -> LedgerCheckpoint:
    current = log.head(session=session, lock=True)
    body = Checkpoint(settings.ledger_origin, current.size, current.root).text()
    note = body
    for i, s in enumerate(signers):
        signed = s.sign(body)
        note = signed if i == 0 else note + signed[len(body) + 1 :]
    for s in signers:
        register_key(session=session, verifier=s.verifier)
    row = LedgerCheckpoint(size=current.size, root=current.root, note=note, key_id=signers[0].verifier.id.hex())
    session.add(row)
    session.flush()
    return row


def publish(*, settings: Settings, session: Session, force: bool = True) -> LedgerCheckpoint | None:
    """Sign a checkpoint of the log as it is now. Without force (the schedule), only when the log
    has grown since the latest checkpoint."""
    if not force:
        latest = latest_checkpoint(session=session)
        if latest is not None and latest.size == log.head(session=session, lock=True).size:
            return None
    return _sign(settings=settings, session=session, signers=[signer(settings)])


def publish_if_due(*, settings: Settings, session: Session) -> LedgerCheckpoint | None:
    """The schedule (called by every job runner about once a minute): a checkpoint when the log
    has grown and the latest is older than SHULIU_LEDGER_CHECKPOINT_INTERVAL."""
    if settings.ledger_checkpoint_interval <= 0:
        return None
    latest = latest_checkpoint(session=session)
    if latest is not None and (utcnow() - latest.created_at).total_seconds() < settings.ledger_checkpoint_interval:
        return None
    return publish(settings=settings, session=session, force=False)


def latest_checkpoint(*, session: Session) -> LedgerCheckpoint | None:
    return session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)).first()


def checkpoints(*, session: Session, limit: int = 50) -> list[LedgerCheckpoint]:
    return list(session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(limit)))


def checkpoint_dict(row: LedgerCheckpoint) -> dict[str, Any]:
    return {
        "size": row.size,
        "root": row.root.hex(),
        "root_base64": base64.b64encode(row.root).decode(),
        "key_id": row.key_id,
        "created_at": row.created_at.isoformat(),
        "note": row.note,
    }


# -- entries and proofs --------------------------------------------------------------------------------------
def entry_dict(row: Any) -> dict[str, Any]:
    body = json.loads(row.body)
    return {
        "index": row.idx,
        "leaf_hash": row.leaf_hash.hex(),
        "body": row.body,
        "type": body.get("type"),
        "actor": body.get("actor"),
        "object": body.get("object"),
        "time": body.get("time"),
        "digest": body.get("digest"),
    }


def prove(*, session: Session, settings: Settings, index: int, size: int | None = None) -> dict[str, Any]:
    """A self-contained proof bundle for entry `index`: the entry, its inclusion proof in the tree
    of the latest checkpoint (or of the checkpoint at `size`), that checkpoint and its verifier
    keys. `check_bundle` — or any RFC 9162 verifier with an Ed25519 note verifier — checks it with
    no database."""
    if size is None:
        checkpoint = latest_checkpoint(session=session)
        if checkpoint is None or checkpoint.size <= index:
            checkpoint = publish(settings=settings, session=session)
    else:
        checkpoint = session.scalars(
            select(LedgerCheckpoint).where(LedgerCheckpoint.size == size).order_by(LedgerCheckpoint.id.desc())
        ).first()
        if checkpoint is None:
            raise NotFound("no checkpoint of {size} entries", size=size, field="size")
    assert checkpoint is not None
    row = log.entry(session=session, index=index)
    tree_size, path = log.inclusion_proof(session=session, index=index, size=checkpoint.size)
    keys = [k.verifier for k in session.scalars(select(LedgerKey).where(LedgerKey.key_id == checkpoint.key_id))]
    return {
        "format": BUNDLE_FORMAT,
        "entry": {"index": row.idx, "body": row.body},
        "leaf_hash": row.leaf_hash.hex(),
        "tree_size": tree_size,
        "inclusion_proof": [h.hex() for h in path],
        "root": checkpoint.root.hex(),
        "checkpoint": checkpoint.note,
        "verifier_keys": keys,
        "hashing": "RFC 9162 §2.1: SHA-256, leaf = H(0x00 ‖ body as UTF-8), node = H(0x01 ‖ left ‖ right)",
    }


@dataclass
class BundleCheck:
    ok: bool
    index: int | None
    tree_size: int | None
    root: str | None
    key: str | None
    problems: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "index": self.index,
            "tree_size": self.tree_size,
            "root": self.root,
            "signed_by": self.key,
            "problems": self.problems,
        }


def check_bundle(bundle: Any, keys: list[Verifier] | None = None) -> BundleCheck:
    """Verify a proof bundle offline: the leaf hash of the body, the inclusion proof up to the
    checkpoint's root, and the checkpoint's signature — by `keys` if given (keys you trust), else
    by the keys in the bundle (which then proves only that the bundle is consistent in itself)."""
    problems: list[str] = []
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        return BundleCheck(False, None, None, None, None, [f"not a {BUNDLE_FORMAT} bundle"])
    try:
        index = int(bundle["entry"]["index"])
        body = str(bundle["entry"]["body"])
        size = int(bundle["tree_size"])
        proof = [bytes.fromhex(h) for h in bundle["inclusion_proof"]]
        note = str(bundle["checkpoint"])
    except (KeyError, TypeError, ValueError) as exc:
        return BundleCheck(False, None, None, None, None, [f"the bundle is incomplete or malformed: {exc}"])
    try:
        trusted_keys = keys if keys is not None else [Verifier.decode(k) for k in bundle.get("verifier_keys") or []]
    except NoteError as exc:
        return BundleCheck(False, index, size, None, None, [str(exc)])
    leaf = merkle.leaf_hash(body.encode("utf-8"))
    if bundle.get("leaf_hash") and bundle["leaf_hash"] != leaf.hex():
        problems.append("the leaf hash in the bundle is not the hash of the entry's body")
    signer_name = None
    root = None
    try:
        text, good = open_note(note, trusted_keys)
        cp = Checkpoint.parse(text)
        signer_name = ", ".join(f"{v.name} ({v.id.hex()})" for v in good)
        root = cp.root
        if cp.size != size:
            problems.append(f"the checkpoint is of {cp.size} entries, the proof of {size}")
    except NoteError as exc:
        problems.append(f"checkpoint: {exc}")
    if root is not None and not merkle.verify_inclusion(leaf, index, size, proof, root):
        problems.append(f"the inclusion proof does not lead from entry {index} to the checkpoint's root")
    return BundleCheck(not problems, index, size, root.hex() if root else None, signer_name, problems)


def parse_size(value: Any, field: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("{field} is a number of entries", field=field) from exc
    if n < 0:
        raise ValidationFailed("{field} is a number of entries", field=field)
    return n
