"""A node's Ed25519 key pair: kept in its data folder, published in its actor document, pinned by its peers."""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "node-key.pem"
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
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
    else:
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
    return NodeKey(key_id=f"{base_url}/actor#main-key", private=private)


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
