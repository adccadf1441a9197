"""The outbox table: messages a command wrote for a peer, and what the delivery worker made of them.

Times are stored as fixed-width UTC ISO strings with microseconds ("2026-11-26T12:00:00.000000+00:00"), so
comparing the strings compares the times, on SQLite and PostgreSQL alike.

Claiming a row: ``next_attempt_at`` doubles as the lease. A worker claims the row it is about to send with a
conditional UPDATE (status still pending, next_attempt_at still due) that moves next_attempt_at to the end of its
lease; only one of two racing workers sees rowcount 1 (SQLite: one writer at a time; PostgreSQL: the second
UPDATE waits on the row lock, then re-checks the WHERE clause against the committed row). The lease value is the
claim's token: the result is recorded only if next_attempt_at still holds it, so a worker whose lease ran out
cannot mark a row that another worker has claimed since. No transaction stays open while a request is in flight.

A worker may claim a run of a peer's messages at once (``claim_run``: the head and the due messages right behind
it), to send them one by one in seq order. It records each result as it comes and, in the same transaction, renews
the lease of the rest (``renew``) once half of it has gone by; when it stops early (a retry, a removed peer, a
stop) it gives the rest back (``release_all``).

Key rotations: a node's statement that a new key replaces the old one goes through the outbox like any message
(its id lies under ``ROTATIONS``). Until a peer has taken it, the peer still pins the old key, so what is sent to it
is signed with that key (``pending_rotation`` names it), and a run ends with the statement: what follows is
signed with the new key.
"""

import json
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import outbox, peers

STATUSES = ("pending", "delivered", "dead")
ROTATIONS = "/key-rotations/"  # the path of a key rotation statement's id, under the node's base URL

_PENDING_ROTATION = (select(outbox.c.body).where(outbox.c.peer == bindparam("peer"), outbox.c.status == "pending",
                                                 outbox.c.activity_id.contains(ROTATIONS, autoescape=True))
                     .order_by(outbox.c.seq).limit(1))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def add(ledger: Ledger, activity_id: str, peer: str, target: str, body: str, created_at: str) -> int:
    """A new pending message; its seq (the order messages to a peer are sent in)."""
    result = ledger.connection.execute(outbox.insert(), dict(
        activity_id=activity_id, peer=peer, target=target, body=body, created_at=created_at, status="pending",
        attempts=0))
    return result.inserted_primary_key[0]


def rows(ledger: Ledger, status: str | None = None, limit: int | None = None) -> list:
    query = select(outbox).order_by(outbox.c.seq)
    if status:
        query = query.where(outbox.c.status == status)
    if limit:
        query = query.limit(limit)
    return list(ledger.connection.execute(query))


def row(ledger: Ledger, seq: int):
    return ledger.connection.execute(select(outbox).where(outbox.c.seq == seq)).first()


def by_activity(ledger: Ledger, activity_id: str):
    return ledger.connection.execute(select(outbox).where(outbox.c.activity_id == activity_id)).first()


def heads(ledger: Ledger) -> list:
    """Each peer's oldest pending message: the only one of that peer's that may be sent now (order per peer)."""
    first = (select(func.min(outbox.c.seq).label("seq")).where(outbox.c.status == "pending")
             .group_by(outbox.c.peer).subquery())
    return list(ledger.connection.execute(select(outbox).join(first, outbox.c.seq == first.c.seq)
                                          .order_by(outbox.c.seq)))


def head_of(ledger: Ledger, peer: str):
    return ledger.connection.execute(select(outbox).where(outbox.c.peer == peer, outbox.c.status == "pending")
                                     .order_by(outbox.c.seq).limit(1)).first()


def peer_removed(ledger: Ledger, peer: str) -> bool:
    """True when the peer was removed from this node (a peer the table does not know is not 'removed')."""
    found = ledger.connection.execute(select(peers.c.removed_at).where(peers.c.id == peer)).first()
    return found is not None and found.removed_at is not None


def claim(ledger: Ledger, seq: int, now: str, lease_until: str) -> bool:
    """Take the row for sending until lease_until, if it is still pending and due (see the module's docstring)."""
    due = (outbox.c.next_attempt_at.is_(None)) | (outbox.c.next_attempt_at <= now)
    updated = ledger.connection.execute(outbox.update().where(
        outbox.c.seq == seq, outbox.c.status == "pending", due).values(next_attempt_at=lease_until))
    return updated.rowcount == 1


def claim_run(ledger: Ledger, peer: str, now: str, lease_until: str, limit: int) -> list:
    """Claim the peer's head and the pending messages right behind it, as long as each is due, up to ``limit``
    (see the module's docstring). Only a run that starts at the head is taken, and it ends before the first
    message not due (one waiting for its retry, or held by another worker). Empty when the head is not due."""
    candidates = ledger.connection.execute(select(outbox).where(outbox.c.peer == peer, outbox.c.status == "pending")
                                           .order_by(outbox.c.seq).limit(limit))
    run = []
    for row in candidates:
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            break
        run.append(row)
        if ROTATIONS in row.activity_id:
            break  # what follows a key rotation is signed with the new key: another run
    if not run:
        return []
    due = (outbox.c.next_attempt_at.is_(None)) | (outbox.c.next_attempt_at <= now)
    taken = set(ledger.connection.execute(outbox.update().where(
        outbox.c.seq.in_([row.seq for row in run]), outbox.c.status == "pending", due)
        .values(next_attempt_at=lease_until).returning(outbox.c.seq)).scalars())
    # PostgreSQL: another worker may have taken some of them since they were read; keep the run up to the first
    # one it took (a message is never sent while one before it is someone else's) and give back what is behind
    kept = []
    for row in run:
        if row.seq not in taken:
            break
        kept.append(row)
    behind = [row.seq for row in run[len(kept):] if row.seq in taken]
    if behind:
        release_all(ledger, behind, lease_until)
    return kept


def ends_with_rotation(run: list) -> bool:
    """A run cut short by a key rotation statement (claim_run): what follows it may be due too."""
    return ROTATIONS in run[-1].activity_id


def pending_rotation(ledger: Ledger, peer: str) -> str | None:
    """The key the peer still pins while this node's key rotation waits to reach it: the oldest pending statement's
    oldKey (None when none waits)."""
    body = ledger.connection.execute(_PENDING_ROTATION, {"peer": peer}).scalar()
    if body is None:
        return None
    old = json.loads(body).get("oldKey")
    return old if isinstance(old, str) else None


def renew(ledger: Ledger, seqs: list[int], lease: str, lease_until: str) -> bool:
    """Extend the lease of claimed messages not sent yet; False (and nothing renewed that was not ours) unless every
    one of them was still held by ``lease``."""
    if not seqs:
        return True
    updated = ledger.connection.execute(outbox.update().where(
        outbox.c.seq.in_(seqs), outbox.c.status == "pending", outbox.c.next_attempt_at == lease)
        .values(next_attempt_at=lease_until))
    return updated.rowcount == len(seqs)


def release_all(ledger: Ledger, seqs: list[int], lease: str) -> None:
    """Give claimed messages back untried (those still held by ``lease``)."""
    if seqs:
        ledger.connection.execute(outbox.update().where(
            outbox.c.seq.in_(seqs), outbox.c.status == "pending", outbox.c.next_attempt_at == lease)
            .values(next_attempt_at=None))


def _held(seq: int, lease: str):
    return (outbox.c.seq == seq, outbox.c.status == "pending", outbox.c.next_attempt_at == lease)


def delivered(ledger: Ledger, seq: int, lease: str, at: str) -> bool:
    updated = ledger.connection.execute(outbox.update().where(*_held(seq, lease)).values(
        status="delivered", delivered_at=at, attempts=outbox.c.attempts + 1, next_attempt_at=None,
        last_error=None))
    return updated.rowcount == 1


def delivered_all(ledger: Ledger, seqs: list[int], lease: str, at: str) -> int:
    """Mark a run delivered in one statement; how many were still held by the lease."""
    updated = ledger.connection.execute(outbox.update().where(
        outbox.c.seq.in_(seqs), outbox.c.status == "pending", outbox.c.next_attempt_at == lease).values(
        status="delivered", delivered_at=at, attempts=outbox.c.attempts + 1, next_attempt_at=None, last_error=None))
    return updated.rowcount


def failed(ledger: Ledger, seq: int, lease: str, error: str, retry_at: str | None) -> bool:
    """An attempt that failed: try again at retry_at, or (None) park the message as a dead letter."""
    values = {"attempts": outbox.c.attempts + 1, "last_error": error[:2000], "next_attempt_at": retry_at}
    if retry_at is None:
        values["status"] = "dead"
    updated = ledger.connection.execute(outbox.update().where(*_held(seq, lease)).values(**values))
    return updated.rowcount == 1


def release(ledger: Ledger, seq: int, lease: str) -> None:
    """Give a claimed row back untried (the worker is stopping, or the peer's circuit is open)."""
    ledger.connection.execute(outbox.update().where(*_held(seq, lease)).values(next_attempt_at=None))


def revive(ledger: Ledger, seqs: list[int] | None) -> list[int]:
    """Dead letters back to pending with a fresh count of attempts: the given ones, or (None) all of them."""
    query = select(outbox.c.seq).where(outbox.c.status == "dead")
    if seqs is not None:
        query = query.where(outbox.c.seq.in_(seqs))
    found = list(ledger.connection.execute(query.order_by(outbox.c.seq)).scalars())
    if found:
        ledger.connection.execute(outbox.update().where(outbox.c.seq.in_(found)).values(
            status="pending", attempts=0, next_attempt_at=None))
    return found


def counts(ledger: Ledger) -> dict[str, int]:
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    found = dict(ledger.connection.execute(query).all())
    return {status: found.get(status, 0) for status in STATUSES}
