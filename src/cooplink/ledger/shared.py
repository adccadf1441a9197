"""What this node shares with one peer, as one transaction sees it: the rows reconcile describes (orders, transfers,
claims between the two), the peer's messages still in flight, and the grants that let the peer read more."""

from sqlalchemy import and_, func, or_, select

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import agreements, claims, events, inbox, outbox, peer_grants

TRANSFERS = ("transfer", "transferAllRights", "transferCustody")


# records ------------------------------------------------------------------------------------------------------------
def agreement_ids_with(ledger: Ledger, peer: str) -> list[str]:
    query = select(agreements.c.id).where(agreements.c.counterparty == peer).order_by(agreements.c.id)
    return list(ledger.connection.execute(query).scalars())


def transfer_ids_between(ledger: Ledger, one: str, other: str) -> list[str]:
    """The transfer events from either agent to the other, in ledger order."""
    pair = or_(and_(events.c.provider == one, events.c.receiver == other),
               and_(events.c.provider == other, events.c.receiver == one))
    query = select(events.c.id).where(events.c.action.in_(TRANSFERS), pair).order_by(events.c.seq)
    return list(ledger.connection.execute(query).scalars())


def claim_ids_between(ledger: Ledger, one: str, other: str) -> list[str]:
    pair = or_(and_(claims.c.provider == one, claims.c.receiver == other),
               and_(claims.c.provider == other, claims.c.receiver == one))
    return list(ledger.connection.execute(select(claims.c.id).where(pair).order_by(claims.c.id)).scalars())


def last_transfer_of(ledger: Ledger, resource: str, provider: str, receiver: str) -> int | None:
    """The seq of the latest transfer of ``resource`` from provider to receiver; None if there is none."""
    query = select(func.max(events.c.seq)).where(
        events.c.action.in_(TRANSFERS), events.c.resource_inventoried_as == resource,
        events.c.provider == provider, events.c.receiver == receiver)
    return ledger.connection.execute(query).scalar()


# in flight ----------------------------------------------------------------------------------------------------------
def outbox_counts(ledger: Ledger, peer: str) -> dict[str, int]:
    """Messages to the peer not delivered yet: pending (still being tried) and dead (given up on)."""
    query = select(outbox.c.status, func.count()).where(outbox.c.peer == peer, outbox.c.status.in_(
        ("pending", "dead"))).group_by(outbox.c.status)
    found = dict(ledger.connection.execute(query).all())
    return {status: found.get(status, 0) for status in ("pending", "dead")}


def inbox_counts(ledger: Ledger, peer: str) -> dict[str, int]:
    """The peer's messages kept here without their effect: waiting (for what they name) and refused."""
    query = select(inbox.c.status, func.count()).where(inbox.c.peer == peer, inbox.c.status.in_(
        ("waiting", "refused"))).group_by(inbox.c.status)
    found = dict(ledger.connection.execute(query).all())
    return {status: found.get(status, 0) for status in ("waiting", "refused")}


# grants -------------------------------------------------------------------------------------------------------------
def grants(ledger: Ledger, peer: str) -> list[str]:
    query = select(peer_grants.c.scope).where(peer_grants.c.peer == peer).order_by(peer_grants.c.scope)
    return list(ledger.connection.execute(query).scalars())


def has_grant(ledger: Ledger, peer: str, scope: str) -> bool:
    return scope in grants(ledger, peer)


def add_grant(ledger: Ledger, peer: str, scope: str, granted_at: str) -> bool:
    """False when the peer holds it already."""
    if has_grant(ledger, peer, scope):
        return False
    ledger.connection.execute(peer_grants.insert(), dict(peer=peer, scope=scope, granted_at=granted_at))
    return True


def drop_grant(ledger: Ledger, peer: str, scope: str) -> bool:
    gone = ledger.connection.execute(peer_grants.delete().where(peer_grants.c.peer == peer,
                                                                peer_grants.c.scope == scope))
    return gone.rowcount == 1
