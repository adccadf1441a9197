"""The federation tables as one transaction sees them: peers, the keys pinned for them, and the inbox."""

from sqlalchemy import bindparam, select

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import inbox, peer_keys, peers

# Every message in and out reads these: built once (see ledger.commerce).
_PEER = select(peers).where(peers.c.id == bindparam("id"))
_LIVE_KEY = select(peer_keys.c.peer, peer_keys.c.public_key).join(peers, peers.c.id == peer_keys.c.peer).where(
    peer_keys.c.key_id == bindparam("key_id"), peer_keys.c.retired_at.is_(None), peers.c.removed_at.is_(None))
_RECEIVED = select(inbox).where(inbox.c.activity_id == bindparam("id"))


# peers ----------------------------------------------------------------------------------------------------------------
def peer(ledger: Ledger, peer_id: str):
    return ledger.connection.execute(_PEER, {"id": peer_id}).first()


def all_peers(ledger: Ledger) -> list:
    return list(ledger.connection.execute(select(peers).order_by(peers.c.added_at, peers.c.id)))


def add_peer(ledger: Ledger, peer_id: str, name: str, inbox_url: str, added_at: str) -> None:
    ledger.connection.execute(peers.insert(), dict(id=peer_id, name=name, inbox=inbox_url, added_at=added_at))


def readd_peer(ledger: Ledger, peer_id: str, name: str, inbox_url: str) -> None:
    """A removed peer added again: the same row, live once more."""
    ledger.connection.execute(peers.update().where(peers.c.id == peer_id).values(
        name=name, inbox=inbox_url, removed_at=None))


def remove_peer(ledger: Ledger, peer_id: str, removed_at: str) -> bool:
    updated = ledger.connection.execute(peers.update().where(
        peers.c.id == peer_id, peers.c.removed_at.is_(None)).values(removed_at=removed_at))
    return updated.rowcount == 1


# keys -----------------------------------------------------------------------------------------------------------------
def pin_key(ledger: Ledger, key_id: str, peer_id: str, multibase: str, pinned_at: str) -> None:
    ledger.connection.execute(peer_keys.insert(), dict(key_id=key_id, peer=peer_id, public_key=multibase,
                                                        pinned_at=pinned_at))


def key(ledger: Ledger, key_id: str):
    return ledger.connection.execute(select(peer_keys).where(peer_keys.c.key_id == key_id)).first()


def current_keys(ledger: Ledger, peer_id: str) -> list:
    return list(ledger.connection.execute(select(peer_keys).where(
        peer_keys.c.peer == peer_id, peer_keys.c.retired_at.is_(None))))


def retire_keys(ledger: Ledger, peer_id: str, retired_at: str, keep: str | None = None) -> None:
    """Retire the peer's current keys, all but ``keep``."""
    query = peer_keys.update().where(peer_keys.c.peer == peer_id, peer_keys.c.retired_at.is_(None))
    if keep is not None:
        query = query.where(peer_keys.c.key_id != keep)
    ledger.connection.execute(query.values(retired_at=retired_at))


def live_key(ledger: Ledger, key_id: str):
    """(peer id, publicKeyMultibase) of a key that may sign now: not retired, of a peer not removed; else None."""
    return ledger.connection.execute(_LIVE_KEY, {"key_id": key_id}).first()


# inbox ----------------------------------------------------------------------------------------------------------------
def received(ledger: Ledger, activity_id: str):
    return ledger.connection.execute(_RECEIVED, {"id": activity_id}).first()


def record_received(ledger: Ledger, activity_id: str, peer_id: str, kind: str, body: str, received_at: str,
                    status: str, note: str | None = None) -> None:
    """Written at once, not at commit: on PostgreSQL a second copy arriving concurrently waits on this row and
    then fails on its primary key, so it never applies the effect twice."""
    ledger.connection.execute(inbox.insert(), dict(activity_id=activity_id, peer=peer_id, type=kind, body=body,
                                                    received_at=received_at, status=status, note=note))


def inbox_rows(ledger: Ledger, peer_id: str | None = None) -> list:
    query = select(inbox).order_by(inbox.c.received_at, inbox.c.activity_id)
    if peer_id is not None:
        query = query.where(inbox.c.peer == peer_id)
    return list(ledger.connection.execute(query))


def set_status(ledger: Ledger, activity_id: str, status: str, note: str | None = None) -> None:
    ledger.connection.execute(inbox.update().where(inbox.c.activity_id == activity_id).values(
        status=status, note=note))


def waiting(ledger: Ledger) -> list:
    """Activities kept until what they name arrives (an invoice before its delivery), oldest first."""
    query = select(inbox).where(inbox.c.status == "waiting").order_by(inbox.c.received_at, inbox.c.activity_id)
    return list(ledger.connection.execute(query))
