"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519 keys.

A checkpoint is the text

    <origin>
    <tree size>
    <base64 root hash>

signed as a note: the text, a blank line, and one line per signature,
"— <key name> base64(key ID ‖ Ed25519 signature of the text)". The key ID is the first four bytes
of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key); a verifier key is written
"<name>+<key ID in hex>+base64(0x01 ‖ public key)", as Go's golang.org/x/mod/sumdb/note and the
transparency-dev tools read it, so that any of them can check shuliu's checkpoints.

Ed25519 itself comes from `cryptography` (never a home-made primitive); this module only does the
text formats of the two specifications.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014"
NAME = re.compile(r"^[^\s+]+$")


class NoteError(ValueError):
    """A note or a verifier key that cannot be read or does not verify; the message says why."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def encode(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    @classmethod
    def decode(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)  # the base64 key may hold "+" itself
        if len(parts) != 3 or not NAME.match(parts[0]):
            raise NoteError(f"not a verifier key (name+id+key): {text[:80]!r}")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError as exc:
            raise NoteError(f"verifier key {parts[0]}: the key is not base64") from exc
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError(f"verifier key {parts[0]}: not an Ed25519 key")
        v = cls(parts[0], raw[1:])
        if v.id.hex() != parts[1].lower():
            raise NoteError(f"verifier key {parts[0]}: its key ID {parts[1]} does not match the key")
        return v

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
            return True
        except InvalidSignature:
            return False


@dataclass(frozen=True)
class Signer:
    name: str
    private: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return Verifier(self.name, raw)

    def sign(self, text: str) -> str:
        """The signed note of `text` (which must end in a newline)."""
        check_text(text)
        signature = self.private.sign(text.encode("utf-8"))
        tag = base64.b64encode(self.verifier.id + signature).decode()
        return f"{text}\n{DASH} {self.name} {tag}\n"


def check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note holds no control characters but newlines")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash, each on its own line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin or not re.fullmatch(r"0|[1-9][0-9]*", size):
            raise NoteError(f"checkpoint: bad origin or size line {size!r}")
        try:
            digest = base64.b64decode(root, validate=True)
        except ValueError as exc:
            raise NoteError("checkpoint: the root hash is not base64") from exc
        if len(digest) != 32:
            raise NoteError(f"checkpoint: the root hash has {len(digest)} bytes, not 32")
        return cls(origin, int(size), digest, tuple(lines[3:-1]))


def open_note(note: str, trusted: list[Verifier]) -> tuple[str, list[Verifier]]:
    """The text of a signed note and the trusted keys whose signatures on it verify.

    Raises NoteError when the note is malformed, when a signature of a trusted key fails, or when
    no trusted key signed it (signatures of unknown keys are ignored, as the specification says)."""
    if not note.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a signed note has a blank line between the text and the signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    check_text(text)
    known = {(v.name, v.id): v for v in trusted}
    good: list[Verifier] = []
    for line in signatures.splitlines():
        m = re.fullmatch(rf"{DASH} (\S+) ([A-Za-z0-9+/=]+)", line)
        if not m:
            raise NoteError(f"not a signature line: {line[:80]!r}")
        raw = base64.b64decode(m.group(2))
        if len(raw) < 5:
            raise NoteError(f"signature of {m.group(1)} is too short")
        v = known.get((m.group(1), raw[:4]))
        if v is None:
            continue
        if not v.verify(text.encode("utf-8"), raw[4:]):
            raise NoteError(f"the signature of {v.name} ({v.id.hex()}) does not verify")
        good.append(v)
    if not good:
        raise NoteError("no trusted key signed this note")
    return text, good


# -- keys on disk -------------------------------------------------------------------------------------------
def create_signer(path: Path, name: str) -> Signer:
    """A new Ed25519 key written to `path` (PKCS#8 PEM, mode 0600, never overwriting a key)."""
    if not NAME.match(name):
        raise NoteError(f"a key name has no spaces and no '+': {name!r}")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return Signer(name, key)


def load_signer(path: Path, name: str) -> Signer:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise NoteError(f"{path} is not an Ed25519 private key")
    return Signer(name, key)
