"""`shuliu ledger verify`: recompute the stored log from its entries and check it against its
signed checkpoints, naming the first index where anything disagrees.

One streaming pass over the entries in index order: each body is hashed again and compared with its
stored leaf hash; the tree is rebuilt (the frontier of perfect subtrees) and every stored subtree
hash is compared with the one recomputed; at each checkpoint's size the recomputed root must equal
the checkpoint's, whose signature must verify with a trusted key (keys/ in SHULIU_HOME, never the
database). Then the head row, and the audit events recorded in the ledger: their details must still
hash to the digest in their entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuliu.ledger import merkle
from shuliu.ledger.log import HEAD_ID
from shuliu.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode, LedgerState
from shuliu.ledger.note import Checkpoint, NoteError, Verifier, open_note
from shuliu.ledger.service import digest

CHUNK = 20_000


@dataclass
class Report:
    ok: bool = True
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: int = 0
    first_bad_index: int | None = None
    problems: list[str] = field(default_factory=list)

    def fail(self, index: int | None, message: str) -> None:
        self.ok = False
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index
        if len(self.problems) < 50:
            self.problems.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": self.root.hex(),
            "checkpoints": self.checkpoints,
            "first_bad_index": self.first_bad_index,
            "problems": self.problems,
        }


def verify_log(
    *, session: Session, trusted: list[Verifier], progress: Callable[[int, int], None] | None = None
) -> Report:
    report = Report()
    state = session.get(LedgerState, HEAD_ID)
    count = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    total = max(count, state.size if state else 0)
    cps = list(session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size, LedgerCheckpoint.id)))
    report.checkpoints = len(cps)
    for cp in cps:  # signatures first: a checkpoint nobody trusted signed is no evidence at all
        _check_signature(cp, trusted, report)
    due = 0  # next checkpoint to compare
    while due < len(cps) and cps[due].size == 0:
        _check_root(cps[due], merkle.EMPTY_ROOT, report)
        due += 1
    frontier: list[tuple[int, int, bytes]] = []
    bad_leaves: list[int] = []  # entries already reported: the subtree hashes above them differ too
    expected = 0
    last_seen = -1
    while True:
        rows = session.execute(
            select(LedgerEntry.idx, LedgerEntry.leaf_hash, LedgerEntry.body)
            .where(LedgerEntry.idx > last_seen)
            .order_by(LedgerEntry.idx)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        made: list[tuple[int, int, bytes]] = []  # (level, idx, hash) of every subtree this chunk completes
        for idx, stored_leaf, body in rows:
            if idx != expected:
                report.fail(expected, f"entry {expected} is missing (the next stored entry is {idx})")
                return _finish(session, report, state, frontier, expected, cps, due, total)
            leaf = merkle.leaf_hash(body.encode("utf-8"))
            if leaf != stored_leaf:
                report.fail(idx, f"entry {idx}: its body does not hash to its stored leaf hash")
                bad_leaves.append(idx)
            level, node_idx, h = 0, idx, leaf
            while frontier and frontier[-1][0] == level:
                _, left_idx, left = frontier.pop()
                level, node_idx, h = level + 1, left_idx >> 1, merkle.node_hash(left, h)
                made.append((level, node_idx, h))
            frontier.append((level, node_idx, h))
            expected = idx + 1
            while due < len(cps) and cps[due].size == expected:
                _check_root(cps[due], merkle.fold([x for _, _, x in frontier]), report)
                due += 1
        _check_nodes(session, made, report, bad_leaves)
        last_seen = rows[-1][0]
        if progress is not None:
            progress(expected, total)
    return _finish(session, report, state, frontier, expected, cps, due, total)


def _finish(
    session: Session,
    report: Report,
    state: LedgerState | None,
    frontier: list[tuple[int, int, bytes]],
    size: int,
    cps: list[LedgerCheckpoint],
    due: int,
    total: int,
) -> Report:
    root = merkle.fold([h for _, _, h in frontier]) if frontier else merkle.EMPTY_ROOT
    report.size, report.root = size, root
    for cp in cps[due:]:
        report.fail(size, f"checkpoint {cp.id} covers {cp.size} entries, but the log holds {size}")
    if state is not None and (state.size, state.root) != (size, root):
        report.fail(
            min(size, state.size),
            f"the log's head says {state.size} entries with root {state.root.hex()[:16]}…; "
            f"the entries give {size} with root {root.hex()[:16]}…",
        )
    extra = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.idx >= size))
    if extra:
        report.fail(size, f"{extra} entries beyond entry {size - 1} do not follow on")
    _check_audit(session, report)
    return report


def _check_signature(cp: LedgerCheckpoint, trusted: list[Verifier], report: Report) -> None:
    try:
        text, _ = open_note(cp.note, trusted)
        parsed = Checkpoint.parse(text)
    except NoteError as exc:
        report.fail(None, f"checkpoint {cp.id} (size {cp.size}): {exc}")
        return
    if (parsed.size, parsed.root) != (cp.size, cp.root):
        report.fail(cp.size - 1 if cp.size else 0, f"checkpoint {cp.id}: its signed text does not match its row")


def _check_root(cp: LedgerCheckpoint, root: bytes, report: Report) -> None:
    if root != cp.root:
        # The first bad index is somewhere below the checkpoint's size; the entry and node checks
        # name it when a stored hash was changed — here the tree itself differs from the signed one.
        report.fail(
            max(0, cp.size - 1),
            f"checkpoint {cp.id}: the log's first {cp.size} entries give root {root.hex()[:16]}…, "
            f"the signed checkpoint says {cp.root.hex()[:16]}…",
        )


def _check_nodes(session: Session, made: list[tuple[int, int, bytes]], report: Report, bad_leaves: list[int]) -> None:
    """Compare the subtree hashes a chunk completed (from the entries' bodies) with the stored
    ones, one read per level. A subtree over an entry already reported bad is expected to differ
    and is not reported again, so the first bad index stays the entry's own."""
    by_level: dict[int, dict[int, bytes]] = {}
    for level, idx, h in made:
        by_level.setdefault(level, {})[idx] = h
    for level, computed in sorted(by_level.items()):
        lo, hi = min(computed), max(computed)
        stored = dict(
            session.execute(
                select(LedgerNode.idx, LedgerNode.hash).where(
                    LedgerNode.level == level, LedgerNode.idx >= lo, LedgerNode.idx <= hi
                )
            ).all()
        )
        for idx, h in sorted(computed.items()):
            got = stored.get(idx)
            first, last = idx << level, ((idx + 1) << level) - 1
            if got == h or any(first <= b <= last for b in bad_leaves):
                continue
            if got is None:
                report.fail(first, f"the stored hash of entries {first}–{last} is missing")
            else:
                report.fail(first, f"the stored hash of entries {first}–{last} (level {level}) does not match")


def _check_audit(session: Session, report: Report) -> None:
    """Audit events recorded in the ledger: their details must hash to their entry's digest."""
    from shuliu.audit.models import AuditEvent

    rows = session.execute(
        select(AuditEvent.id, AuditEvent.ledger_index, AuditEvent.detail, LedgerEntry.body)
        .join(LedgerEntry, LedgerEntry.idx == AuditEvent.ledger_index)
        .where(AuditEvent.ledger_index.is_not(None))
        .order_by(AuditEvent.ledger_index)
    )
    for event_id, index, detail, body in rows:
        try:
            want = json.loads(body).get("digest")
        except ValueError:
            continue  # the entry check reports a broken body
        if digest(detail or {}) != want:
            report.fail(index, f"audit event {event_id}: its details no longer match ledger entry {index}")
