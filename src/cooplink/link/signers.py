"""Who signed a request: a live peer, by the key this node pinned for it. The one check every route peers use
(the inbox's POSTs and the signed reads) goes through, before anything of the request is read as data."""

from dataclasses import dataclass

from cooplink.ledger import federation as rows
from cooplink.link import keys
from cooplink.link.signatures import verify


@dataclass(frozen=True)
class Signer:
    peer: str  # the actor IRI of the peer that signed
    key_id: str  # the key it signed with


def signer(node, method: str, url: str, headers: dict[str, str], body: bytes, now=None) -> Signer:
    """The peer whose pinned key signed the request (RFC 9421, signatures.verify); SignatureRefused otherwise:
    401 unsigned, tampered or expired, 403 a key that is not the current one of a peer that is not removed."""
    owners: dict[str, str] = {}
    key_id = verify(method, url, headers, body, lambda k: pinned_key(node, k, owners), now=now)
    return Signer(owners[key_id], key_id)


def pinned_key(node, key_id: str, owners: dict[str, str]):
    """The public key pinned under this id for a peer that is not removed; None otherwise (403). Notes the peer in
    ``owners``."""
    with node.reading() as ledger:
        found = rows.live_key(ledger, key_id)
    if found is None:
        return None
    owners[key_id] = found.peer
    return keys.from_multibase(found.public_key)
