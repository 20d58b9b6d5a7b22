"""RFC 9162 Merkle trees against the shared vectors (RFC 6962 reference values, transparency-dev's
probes) and hypothesis: every proof verifies, every altered proof, root, index or size fails."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuliu.ledger import merkle
from tests.conftest import SHARED_DATA

VECTORS = json.loads((SHARED_DATA / "merkle" / "rfc6962_reference_vectors.json").read_text())
PROBES = SHARED_DATA / "merkle" / "transparency-dev-testdata"
LEAVES = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaf_inputs_hex"]]


def b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def test_hashes_and_roots_of_the_reference_vectors() -> None:
    assert [h.hex() for h in LEAVES] == VECTORS["leaf_hashes_hex"]
    for size, want in VECTORS["root_hashes_by_tree_size_hex"].items():
        assert merkle.root(LEAVES[: int(size)]).hex() == want, size
    assert merkle.root([]) == merkle.EMPTY_ROOT
    for level, hashes in enumerate(VECTORS["node_hashes_by_level_hex"]):
        for index, want in enumerate(hashes):
            assert merkle.root(LEAVES[index << level : (index + 1) << level]).hex() == want
    for v in VECTORS["hasher_vectors"]:
        if "leaf_hash_hex" in v:
            assert merkle.leaf_hash(bytes.fromhex(v["leaf_input_hex"])).hex() == v["leaf_hash_hex"]
        elif "node_hash_hex" in v:
            assert (
                merkle.node_hash(bytes.fromhex(v["left_hex"]), bytes.fromhex(v["right_hex"])).hex()
                == (v["node_hash_hex"])
            )
        else:
            assert merkle.EMPTY_ROOT.hex() == v["root_hex"]


def test_proofs_equal_the_reference_proofs() -> None:
    for p in VECTORS["inclusion_proofs"]:
        proof = merkle.inclusion_proof(LEAVES, p["leaf_index"], p["tree_size"])
        assert [h.hex() for h in proof] == p["audit_path_hex"]
        assert merkle.verify_inclusion(
            bytes.fromhex(p["leaf_hash_hex"]), p["leaf_index"], p["tree_size"], proof, bytes.fromhex(p["root_hex"])
        )
    for p in VECTORS["consistency_proofs"]:
        proof = merkle.consistency_proof(LEAVES, p["first_size"], p["second_size"])
        assert [h.hex() for h in proof] == p["proof_hex"]
        first, second = bytes.fromhex(p["first_root_hex"]), bytes.fromhex(p["second_root_hex"])
        assert merkle.verify_consistency(p["first_size"], p["second_size"], first, second, proof)


def _probes(kind: str) -> list[Path]:
    files = sorted((PROBES / kind).rglob("*.json"))
    assert files, kind
    return files


@pytest.mark.parametrize("path", _probes("inclusion"), ids=lambda p: str(p.relative_to(PROBES)))
def test_transparency_dev_inclusion_probes(path: Path) -> None:
    p: dict[str, Any] = json.loads(path.read_text())
    ok = merkle.verify_inclusion(
        b64(p["leafHash"]), p["leafIdx"], p["treeSize"], [b64(x) for x in p["proof"] or []], b64(p["root"])
    )
    assert ok is not p["wantErr"], p["desc"]


@pytest.mark.parametrize("path", _probes("consistency"), ids=lambda p: str(p.relative_to(PROBES)))
def test_transparency_dev_consistency_probes(path: Path) -> None:
    p: dict[str, Any] = json.loads(path.read_text())
    ok = merkle.verify_consistency(
        p["size1"], p["size2"], b64(p["root1"]), b64(p["root2"]), [b64(x) for x in p["proof"] or []]
    )
    assert ok is not p["wantErr"], p["desc"]


# -- properties ------------------------------------------------------------------------------------------
def tree(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies_and_every_alteration_fails(data: Any) -> None:
    size = data.draw(st.integers(1, 300), label="size")
    leaves = tree(size)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = merkle.inclusion_proof(leaves, index, size)
    root = merkle.root(leaves)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    bit = data.draw(st.integers(0, 255), label="bit")
    assert not merkle.verify_inclusion(flip(leaves[index], bit), index, size, proof, root)
    assert not merkle.verify_inclusion(leaves[index], index, size, proof, flip(root, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        assert not merkle.verify_inclusion(
            leaves[index], index, size, [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]], root
        )
        assert not merkle.verify_inclusion(leaves[index], index, size, proof[:-1], root)
    assert not merkle.verify_inclusion(leaves[index], index, size, [*proof, root], root)
    other = data.draw(st.integers(0, size), label="other index")
    if other != index:
        assert not merkle.verify_inclusion(leaves[index], other, size, proof, root)
    # A size is bound to its root (the signed checkpoint says both): the proof for one size does
    # not verify against the root of the tree at another size.
    wrong_size = data.draw(st.integers(index + 1, 2 * size + 1), label="wrong size")
    if wrong_size != size:
        other_root = merkle.root(tree(wrong_size))
        assert not merkle.verify_inclusion(leaves[index], index, wrong_size, proof, other_root)
        assert not merkle.verify_inclusion(leaves[index], index, size, proof, other_root)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_consistency_proof_verifies_and_every_alteration_fails(data: Any) -> None:
    size2 = data.draw(st.integers(1, 300), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    leaves = tree(size2)
    root1, root2 = merkle.root(leaves[:size1]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, size1, size2)
    assert merkle.verify_consistency(size1, size2, root1, root2, proof)
    bit = data.draw(st.integers(0, 255), label="bit")
    assert not merkle.verify_consistency(size1, size2, flip(root1, bit), root2, proof)
    assert not merkle.verify_consistency(size1, size2, root1, flip(root2, bit), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        altered = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not merkle.verify_consistency(size1, size2, root1, root2, altered)
        assert not merkle.verify_consistency(size1, size2, root1, root2, proof[:-1])
    assert not merkle.verify_consistency(size1, size2, root1, root2, [*proof, root1])
    # Other sizes, with the true roots of the trees at those sizes, fail with this proof.
    bigger = tree(size2 + 2)
    for s1, s2 in ((size1 + 1, size2), (size1, size2 + 1), (size1 - 1, size2), (size1, size2 - 1)):
        if (s1, s2) != (size1, size2) and 0 < s1 <= s2:
            r1, r2 = merkle.root(bigger[:s1]), merkle.root(bigger[:s2])
            assert not merkle.verify_consistency(s1, s2, r1, r2, proof) or proof == merkle.consistency_proof(
                bigger, s1, s2
            )


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="outside"):
        merkle.inclusion_proof(tree(3), 3, 3)
    with pytest.raises(ValueError, match="needs 5 leaf hashes"):
        merkle.inclusion_proof(tree(3), 0, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_proof(tree(3), 3, 2)
    assert merkle.consistency_proof(tree(4), 4, 4) == []
