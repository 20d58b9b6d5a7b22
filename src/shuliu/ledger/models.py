"""The ledger's tables: entries (the leaves), stored subtree hashes, the head, checkpoints, keys.

Append-only by construction: the product has no code path that updates or deletes these rows, and
`shuliu ledger verify` recomputes everything from the entries' bodies, so a change made behind the
product's back (in the database itself) is found and named.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shuliu.db.base import Base, UTCDateTime, utcnow


class LedgerEntry(Base):
    """One leaf: the canonical JSON of an event and SHA-256(0x00 ‖ body)."""

    __tablename__ = "ledger_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerNode(Base):
    """The hash of the perfect subtree over leaves [idx·2^level, (idx+1)·2^level), level ≥ 1."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerState(Base):
    """The head of the log (one row, id 1): its size and root. Appends lock this row, so two
    writers never take the same index (and never fork the log)."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note) of the log at some size."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LedgerKey(Base):
    """A checkpoint-signing public key (the private key stays in $SHULIU_HOME/keys)."""

    __tablename__ = "ledger_keys"

    key_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    verifier: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
