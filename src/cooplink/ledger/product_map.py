"""Product maps (a peer's specification → this node's own) and the review queue of those not mapped yet, read and
written inside the caller's transaction."""

import json

from sqlalchemy import bindparam, select

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import mapping_reviews, product_maps

# Read for every line of every message in and out: built once (see ledger.commerce).
_OURS = select(product_maps.c.our_spec).where(product_maps.c.peer == bindparam("peer"),
                                              product_maps.c.their_spec == bindparam("theirs"))
_THEIRS = select(product_maps.c.their_spec).where(product_maps.c.peer == bindparam("peer"),
                                                  product_maps.c.our_spec == bindparam("ours"))


def mapped(ledger: Ledger, peer: str, their_spec: str) -> str | None:
    return ledger.connection.execute(_OURS, {"peer": peer, "theirs": their_spec}).scalar()


def mapped_from(ledger: Ledger, peer: str, our_spec: str) -> list[str]:
    """The peer's specifications mapped to this one of ours."""
    return list(ledger.connection.execute(_THEIRS, {"peer": peer, "ours": our_spec}).scalars())


def learn(ledger: Ledger, peer: str, their_spec: str, our_spec: str, now: str) -> None:
    """Map (or map again) the peer's specification to ours."""
    where = (product_maps.c.peer == peer) & (product_maps.c.their_spec == their_spec)
    changed = ledger.connection.execute(product_maps.update().where(where).values(our_spec=our_spec, learned_at=now))
    if changed.rowcount == 0:
        ledger.connection.execute(product_maps.insert(), dict(peer=peer, their_spec=their_spec, our_spec=our_spec,
                                                               learned_at=now))


def forget(ledger: Ledger, peer: str, their_spec: str) -> bool:
    gone = ledger.connection.execute(product_maps.delete().where(
        product_maps.c.peer == peer, product_maps.c.their_spec == their_spec))
    return gone.rowcount == 1


def maps(ledger: Ledger, peer: str | None = None) -> list:
    query = select(product_maps).order_by(product_maps.c.peer, product_maps.c.their_spec)
    if peer:
        query = query.where(product_maps.c.peer == peer)
    return list(ledger.connection.execute(query))


def review(ledger: Ledger, peer: str, their_spec: str):
    return ledger.connection.execute(select(mapping_reviews).where(
        mapping_reviews.c.peer == peer, mapping_reviews.c.their_spec == their_spec)).first()


def reviews(ledger: Ledger, open_only: bool = True) -> list:
    query = select(mapping_reviews).order_by(mapping_reviews.c.first_seen_at, mapping_reviews.c.their_spec)
    if open_only:
        query = query.where(mapping_reviews.c.decision.is_(None))
    return list(ledger.connection.execute(query))


def ask(ledger: Ledger, peer: str, their_spec: str, name: str | None, classified_as: list[str], unit: str | None,
        suggestion: str | None, now: str) -> None:
    """Queue the peer's specification for review, once: a later message naming it finds the row there."""
    if review(ledger, peer, their_spec) is None:
        ledger.connection.execute(mapping_reviews.insert(), dict(
            peer=peer, their_spec=their_spec, name=name, classified_as=json.dumps(classified_as), unit=unit,
            suggestion=suggestion, first_seen_at=now))


def decide(ledger: Ledger, peer: str, their_spec: str, decision: str, now: str) -> None:
    ledger.connection.execute(mapping_reviews.update().where(
        mapping_reviews.c.peer == peer, mapping_reviews.c.their_spec == their_spec).values(
        decision=decision, decided_at=now))
