"""RFC 9162 §2.1 Merkle trees: hashing, inclusion and consistency proofs, and their verifiers.

SHA-256 throughout: a leaf hash is SHA-256(0x00 ‖ data), an interior node SHA-256(0x01 ‖ left ‖
right), the empty tree SHA-256(""). For a tree of n > 1 leaves the split is at k, the largest
power of two smaller than n (MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))).

The proof algorithms are written once over `hash_range(start, end)`, the tree hash of the leaves
[start, end): the list functions below compute it from the leaf hashes, the ledger's log (log.py)
from the subtree hashes it stores, so that proofs at ten million entries read a few dozen stored
hashes instead of recomputing the tree. Every range the recursion asks for starts at a multiple of
a power of two at least as large as the range, so it is a right fold of the aligned perfect
subtrees that cover it (`perfect_subtrees`).

Written here rather than taken from a library: the Python Merkle-tree packages on PyPI either
are GPL (pymerkle, which the benchmark compares against) or implement other tree shapes (Bitcoin's
duplicated last node); this is about a hundred lines of the RFC's own pseudocode, checked against
the RFC 6962 reference vectors and transparency-dev's probes in the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
HashRange = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The aligned perfect subtrees covering [start, end), left to right, as (level, index): the
    subtree (level, index) holds the leaves [index·2^level, (index+1)·2^level)."""
    out = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else 64
        while (1 << level) > end - start:
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """The tree hash of adjacent aligned perfect subtrees, largest first: a right fold."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


# -- proofs over any source of range hashes --------------------------------------------------------------
def inclusion_path(index: int, size: int, hash_range: HashRange) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) for leaf `index` in a tree of `size` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(hash_range(start + k, end))
            end = start + k
        else:
            path.append(hash_range(start, start + k))
            start += k
    path.reverse()  # innermost sibling first
    return path


def consistency_path(size1: int, size2: int, hash_range: HashRange) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) between the trees of `size1` and `size2` leaves."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from {size1} to {size2} leaves")
    if size1 == 0 or size1 == size2:
        return []
    path: list[bytes] = []
    start, end, m, complete = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                path.append(hash_range(start, end))
            break
        k = _split(n)
        if m <= k:
            path.append(hash_range(start + k, end))
            end = start + k
        else:
            path.append(hash_range(start, start + k))
            start, m, complete = start + k, m - k, False
    path.reverse()
    return path


# -- the public list API --------------------------------------------------------------------------------
def _list_ranges(leaf_hashes: Sequence[bytes]) -> HashRange:
    @cache
    def perfect(level: int, index: int) -> bytes:
        if level == 0:
            return leaf_hashes[index]
        return node_hash(perfect(level - 1, 2 * index), perfect(level - 1, 2 * index + 1))

    def hash_range(start: int, end: int) -> bytes:
        if start == end:
            return EMPTY_ROOT
        return fold([perfect(level, index) for level, index in perfect_subtrees(start, end)])

    return hash_range


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the leaves (given as leaf hashes); SHA-256("") for none."""
    return _list_ranges(leaf_hashes)(0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree of the first `size` leaves."""
    if size > len(leaf_hashes):
        raise ValueError(f"a tree of {size} leaves needs {size} leaf hashes, got {len(leaf_hashes)}")
    return inclusion_path(index, size, _list_ranges(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """The consistency proof between the trees of the first `size1` and `size2` leaves."""
    if size2 > len(leaf_hashes):
        raise ValueError(f"a tree of {size2} leaves needs {size2} leaf hashes, got {len(leaf_hashes)}")
    return consistency_path(size1, size2, _list_ranges(leaf_hashes))


# -- verifiers (RFC 9162 §2.1.3.2, §2.1.4.2) -------------------------------------------------------------
def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or None when the proof cannot fit the tree."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf hash at `index` in the tree of `size` leaves with `root`
    (every hash SHA-256 sized: an empty leaf hash and an empty root do not "match")."""
    if any(len(h) != HASH_SIZE for h in (leaf_hash, root, *proof)):
        return False
    return root_from_inclusion(leaf_hash, index, size, proof) == root


def roots_from_consistency(size1: int, size2: int, root1: bytes, proof: Sequence[bytes]) -> tuple[bytes, bytes] | None:
    """The (first, second) roots a consistency proof leads to, or None when it cannot fit."""
    if not 0 < size1 < size2 or not proof:
        return None
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `size2` leaves with `root2` extends the one of `size1`
    leaves with `root1`. Equal sizes need an empty proof and equal roots; the empty tree proves
    nothing, so size1 = 0 is refused (as transparency-dev's probes expect)."""
    if size1 < 0 or size2 < size1 or size1 == 0:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if any(len(h) != HASH_SIZE for h in (root1, root2, *proof)):
        return False
    roots = roots_from_consistency(size1, size2, root1, proof)
    return roots is not None and roots == (root1, root2)
