"""A node's Ed25519 key pair: kept in its data folder, published in its actor document, pinned by its peers."""

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "node-key.pem"
KEY_NAME_FILE = "node-key.id"  # the current key's fragment once the key was rotated (before: main-key)
FIRST_KEY = "main-key"
_ED25519_MULTICODEC = b"\xed\x01"  # multicodec prefix of an Ed25519 public key (as FEP-521a publishes it)


@dataclass(frozen=True)
class NodeKey:
    key_id: str  # {base}/actor#main-key
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def load_or_create(folder: Path, base_url: str) -> NodeKey:
    """The node's key, made on first use; the file is readable by its owner only."""
    path = folder / KEY_FILE
    if path.exists():
        private = _read(path)
    else:
        private = Ed25519PrivateKey.generate()
        _write(path, private)
    return NodeKey(key_id=f"{base_url}/actor#{_fragment(folder)}", private=private)


def rotate(folder: Path, base_url: str) -> tuple[NodeKey, NodeKey]:
    """A new key replaces the current one, under a new key id; the old one is kept beside it (it signs the
    statement that announces the new key). Returns (old, new)."""
    old = load_or_create(folder, base_url)
    kept = folder / f"node-key.{old.key_id.rsplit('#', 1)[1]}.retired.pem"
    if not kept.exists():
        _write(kept, old.private)
    private = Ed25519PrivateKey.generate()
    fragment = "key-" + fingerprint(private.public_key()).replace(":", "")[:12]
    staged = folder / (KEY_FILE + ".new")
    staged.unlink(missing_ok=True)
    _write(staged, private)
    os.replace(staged, folder / KEY_FILE)  # the new key file appears whole or not at all
    (folder / KEY_NAME_FILE).write_text(fragment + "\n")
    return old, NodeKey(key_id=f"{base_url}/actor#{fragment}", private=private)


def retired(folder: Path, base_url: str, key_id: str) -> NodeKey | None:
    """A key of this node's that a rotation replaced (kept by ``rotate``), by its key id; None if it is not one."""
    prefix = f"{base_url}/actor#"
    fragment = key_id[len(prefix):] if key_id.startswith(prefix) else ""
    path = folder / f"node-key.{fragment}.retired.pem"
    if not re.fullmatch(r"[A-Za-z0-9-]+", fragment) or not path.exists():
        return None
    return NodeKey(key_id=key_id, private=_read(path))


def signing_key(current: NodeKey, folder: Path, base_url: str, pinned: str | None) -> NodeKey:
    """The key to sign with for a peer that pins ``pinned`` (None: the current key): the current one, or the
    retired one it names. A retired key that is gone gives the current one: the peer then refuses, saying why."""
    if pinned is None or pinned == current.key_id:
        return current
    return retired(folder, base_url, pinned) or current


def ever_rotated(folder: Path) -> bool:
    return (folder / KEY_NAME_FILE).exists()


def _fragment(folder: Path) -> str:
    named = folder / KEY_NAME_FILE
    return named.read_text().strip() if named.exists() else FIRST_KEY


def _read(path: Path) -> Ed25519PrivateKey:
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return private


def _write(path: Path, private: Ed25519PrivateKey) -> None:
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """What a person compares when pinning a peer: SHA-256 of the raw key, in groups of four hex digits."""
    digest = hashlib.sha256(raw_public(key)).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def to_multibase(key: Ed25519PublicKey) -> str:
    """The key as publicKeyMultibase: 'z' + base58btc(multicodec prefix + raw key)."""
    return "z" + base58.b58encode(_ED25519_MULTICODEC + raw_public(key)).decode("ascii")


def from_multibase(text: str) -> Ed25519PublicKey:
    if not text.startswith("z"):
        raise ValueError("a publicKeyMultibase in base58btc starts with 'z'")
    data = base58.b58decode(text[1:])
    if len(data) != 34 or not data.startswith(_ED25519_MULTICODEC):
        raise ValueError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(data[2:])
