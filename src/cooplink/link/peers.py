"""Peers: the nodes this one talks to, each pinned to the key its actor document published when it was added.

Functions over a Node (link calls node, never the other way round). Each change is one transaction.
A peer is never deleted: removed, its messages are refused (403); its pinned keys stay for the record.
Key rotation: the rotating node sends each peer a KeyRotation statement through the outbox, signed with its OLD
key (and so is everything before it: the peer pins that key until it has taken the statement); the peer checks it
against the key it pinned, pins the new key and retires the old (see docs/federation.md). A peer that is away
when the key rotates gets the statement when it is back, and keeps the link.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cooplink.ledger import federation as rows
from cooplink.ledger import outbox as outbox_rows
from cooplink.ledger import shared
from cooplink.link import keys
from cooplink.link.delivery import Policy, Worker, key_pinned_by
from cooplink.link.keys import NodeKey
from cooplink.node.outbox import enqueue
from cooplink.vf.errors import VFError

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ACTIVITY_JSON = "application/activity+json"
FETCH_SECONDS = 5.0
SCOPES = ("trace", "track")  # what a peer may be granted to read beyond what it was sent (docs/federation.md)


@dataclass(frozen=True)
class ActorInfo:
    """What a peer's actor document says about it (read, checked, not yet pinned)."""

    id: str
    name: str
    inbox: str
    key_id: str
    public_key: str  # publicKeyMultibase

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(keys.from_multibase(self.public_key))


@dataclass(frozen=True)
class Peer:
    id: str
    name: str
    inbox: str
    added_at: str
    removed_at: str | None
    key_id: str | None  # the current pinned key
    public_key: str | None
    grants: tuple[str, ...] = ()  # the scopes it may read (SCOPES)

    @property
    def fingerprint(self) -> str | None:
        return keys.fingerprint(keys.from_multibase(self.public_key)) if self.public_key else None

    def shown(self) -> dict:
        return {"id": self.id, "name": self.name, "inbox": self.inbox, "key_id": self.key_id,
                "fingerprint": self.fingerprint, "added_at": self.added_at, "removed_at": self.removed_at,
                "grants": list(self.grants)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# this node's own identity -----------------------------------------------------------------------------------------
def node_key(node) -> NodeKey:
    """The node's current key, made on first use in its data folder (read afresh: `key rotate` may have run)."""
    return keys.load_or_create(node.home, node.base_url)


def key_for(node, peer_id: str) -> NodeKey:
    """The key to sign a request to the peer with: the one it pins, older than the current one while this node's
    key rotation has not reached it yet (see rotate_key)."""
    with node.reading() as ledger:
        return key_pinned_by(node, ledger, peer_id, node_key(node))


def multikey(key: NodeKey, controller: str) -> dict:
    return {"id": key.key_id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": keys.to_multibase(key.public)}


def actor_document(node) -> dict:
    """The ActivityStreams actor (FEP-521a shape): the node's agent IRI, its inbox, and its Ed25519 key."""
    key = node_key(node)
    pem = key.public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return {"@context": [AS_CONTEXT, MULTIKEY_CONTEXT], "type": "Organization", "id": node.base_url,
            "name": node.name, "url": node.base_url, "inbox": f"{node.base_url}/inbox",
            "publicKey": {"id": key.key_id, "owner": node.base_url, "publicKeyPem": pem},
            "assertionMethod": [multikey(key, node.base_url)]}


# reading a peer's actor document ------------------------------------------------------------------------------------
def fetch_actor(url: str, timeout: float = FETCH_SECONDS) -> ActorInfo:
    """GET {url}/actor and check it names itself, an inbox and a key under that same URL."""
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise VFError("url", f"a peer is an http(s) URL, not {url!r}")
    try:
        response = httpx.get(f"{base}/actor", headers={"Accept": ACTIVITY_JSON}, timeout=timeout)
    except httpx.HTTPError as error:
        raise VFError("url", f"cannot fetch {base}/actor: {error}") from None
    if response.status_code != 200:
        raise VFError("url", f"{base}/actor answered {response.status_code}")
    try:
        return read_actor(response.json(), base)
    except ValueError as error:
        raise VFError("actor", f"{base}/actor: {error}") from None


def read_actor(document, base: str) -> ActorInfo:
    """The actor, its inbox and its current key; ValueError says what is wrong."""
    if not isinstance(document, dict) or document.get("id") != base:
        raise ValueError(f"the document does not name itself {base!r}")
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or not inbox.startswith(base + "/"):
        raise ValueError("its inbox is not under its own URL")
    key = _assertion_key(document.get("assertionMethod"), base)
    keys.from_multibase(key["publicKeyMultibase"])  # raises ValueError unless an Ed25519 key
    return ActorInfo(id=base, name=str(document.get("name") or base), inbox=inbox, key_id=key["id"],
                     public_key=key["publicKeyMultibase"])


def _assertion_key(methods, base: str) -> dict:
    methods = methods if isinstance(methods, list) else [methods]
    found = [m for m in methods if isinstance(m, dict) and m.get("type") == "Multikey"
             and m.get("controller") == base and isinstance(m.get("id"), str)
             and m["id"].startswith(base + "/") and isinstance(m.get("publicKeyMultibase"), str)]
    if len(found) != 1:
        raise ValueError("it publishes no single Multikey of its own in assertionMethod")
    return found[0]


# pinning ----------------------------------------------------------------------------------------------------------
def add_peer(node, actor: ActorInfo) -> Peer:
    """Pin the actor's key. A removed peer comes back with the key shown now (a different one retires the old)."""
    if actor.id == node.base_url:
        raise VFError("url", "a node cannot be its own peer")
    with node.writing() as ledger:
        found = rows.peer(ledger, actor.id)
        if found is not None and found.removed_at is None:
            raise VFError("peer", f"{actor.id} is a peer already (remove it first to pin another key)")
        pinned = rows.key(ledger, actor.key_id)
        if pinned is not None and (pinned.peer != actor.id or pinned.public_key != actor.public_key):
            raise VFError("key", f"key id {actor.key_id} was pinned before with another key or for another peer")
        if pinned is not None and pinned.retired_at is not None:
            raise VFError("key", f"key {actor.key_id} was retired by a rotation; it cannot be pinned again")
        now = _now()
        if found is None:
            rows.add_peer(ledger, actor.id, actor.name, actor.inbox, now)
        else:
            rows.readd_peer(ledger, actor.id, actor.name, actor.inbox)
        rows.retire_keys(ledger, actor.id, now, keep=actor.key_id)  # a peer signs with one key at a time
        if pinned is None:
            rows.pin_key(ledger, actor.key_id, actor.id, actor.public_key, now)
        return _peer(ledger, rows.peer(ledger, actor.id))


def peers(node) -> list[Peer]:
    with node.reading() as ledger:
        return [_peer(ledger, row) for row in rows.all_peers(ledger)]


def peer(node, ref: str) -> Peer:
    with node.reading() as ledger:
        return _peer(ledger, _row(ledger, ref))


def remove_peer(node, ref: str) -> Peer:
    """Mark the peer removed: its messages are refused from now on; what it sent before stays."""
    with node.writing() as ledger:
        row = _row(ledger, ref)
        if not rows.remove_peer(ledger, row.id, _now()):
            raise VFError("peer", f"{row.id} was removed already")
        return _peer(ledger, rows.peer(ledger, row.id))


def _row(ledger, ref: str):
    row = rows.peer(ledger, ref.rstrip("/"))
    if row is None:
        raise VFError("peer", f"no peer {ref!r} (see 'cooplink peer list')")
    return row


def _peer(ledger, row) -> Peer:
    current = rows.current_keys(ledger, row.id)
    key = current[0] if current else None
    return Peer(id=row.id, name=row.name, inbox=row.inbox, added_at=row.added_at, removed_at=row.removed_at,
                key_id=key and key.key_id, public_key=key and key.public_key,
                grants=tuple(shared.grants(ledger, row.id)))


# grants -------------------------------------------------------------------------------------------------------------
def grant(node, ref: str, scope: str) -> Peer:
    """Let the peer read more of this node (``trace``: where goods this node sent it came from; ``track``: where
    goods it sent this node went, for a recall)."""
    _check_scope(scope)
    with node.writing() as ledger:
        row = _row(ledger, ref)
        if not shared.add_grant(ledger, row.id, scope, _now()):
            raise VFError("scope", f"{row.id} holds the {scope!r} grant already")
        return _peer(ledger, row)


def revoke(node, ref: str, scope: str) -> Peer:
    """Take a grant back: the peer's next read of that scope is refused (403)."""
    _check_scope(scope)
    with node.writing() as ledger:
        row = _row(ledger, ref)
        if not shared.drop_grant(ledger, row.id, scope):
            raise VFError("scope", f"{row.id} does not hold the {scope!r} grant")
        return _peer(ledger, row)


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise VFError("scope", f"one of {', '.join(SCOPES)}, not {scope!r}")


# rotating this node's key -------------------------------------------------------------------------------------------
def rotation_statement(node, old: NodeKey, new: NodeKey) -> dict:
    """'new key X replaces old key Y': sent signed by the OLD key, which is what the peers pinned."""
    return {"@context": [AS_CONTEXT, MULTIKEY_CONTEXT], "type": "KeyRotation",
            "id": f"{node.base_url}{outbox_rows.ROTATIONS}{secrets.token_hex(16)}", "actor": node.base_url,
            "oldKey": old.key_id, "newKey": multikey(new, node.base_url),
            "created": _now()}


def rotate_key(node, timeout: float = FETCH_SECONDS) -> tuple[NodeKey, NodeKey, dict[str, str]]:
    """Make a new key and queue the statement for each live peer (one transaction), then make one delivery pass
    at once: (old, new, {peer: outcome}). What did not go now, the delivery worker sends when the peer is back."""
    old, new = keys.rotate(node.home, node.base_url)
    with node.writing() as ledger:
        queued = {row.id: enqueue(ledger, row.id, row.inbox, rotation_statement(node, old, new))
                  for row in rows.all_peers(ledger) if row.removed_at is None}
    worker = Worker(node, policy=Policy(timeout=timeout))
    try:
        worker.run_once()
    finally:
        worker.close()
    with node.reading() as ledger:
        return old, new, {peer: _told(outbox_rows.by_activity(ledger, activity)) for peer, activity in queued.items()}


def _told(row) -> str:
    if row.status == "delivered":
        return "accepted"
    if row.status == "dead":
        return f"refused: {row.last_error}"
    return (f"not reached yet ({row.last_error or 'behind earlier messages'}): the delivery worker sends it when "
            f"the peer is back, signed with the old key")
