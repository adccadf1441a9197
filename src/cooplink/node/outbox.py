"""The transactional outbox, service side: what a command must tell a peer is written in the command's own
transaction (``enqueue``), so the message exists if and only if the command's records do. Sending is
link.delivery's job; this layer never speaks HTTP. (The inbox's list, for people, is here too.)

A message is serialised once, here: the stored bytes are what is signed and sent, on every attempt.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cooplink.ledger import federation
from cooplink.ledger import outbox as rows
from cooplink.ledger.repository import Ledger
from cooplink.vf.errors import VFError


@dataclass(frozen=True)
class InboxMessage:
    activity_id: str
    peer: str
    type: str
    status: str  # applied | waiting | refused
    received_at: str
    note: str | None  # what a waiting one waits for, or why it was refused


INBOX_STATUSES = ("applied", "waiting", "refused")


@dataclass(frozen=True)
class OutboxMessage:
    seq: int
    activity_id: str
    peer: str
    target: str
    status: str  # pending | delivered | dead
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_error: str | None
    delivered_at: str | None
    type: str | None = None  # the activity's type, for people reading the list


# Who wants to know, in this process, that messages were committed: a delivery worker running beside the commands
# (inside `cooplink serve`) sends at once instead of at its next poll. Workers in other processes watch the
# database (link.delivery.CommitWatch): on PostgreSQL, for a NOTIFY on this channel, sent by the transaction that
# enqueued (PostgreSQL delivers it at commit, and drops it on rollback); on SQLite, for a commit that raised the
# outbox's newest seq.
_listeners: list[Callable[[], None]] = []
NOTIFY_CHANNEL = "cooplink_outbox"


def on_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` after each transaction that enqueued messages commits; returns what undoes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def _notify() -> None:
    listeners = tuple(_listeners)  # a copy: a listener may take itself off meanwhile
    for listener in listeners:
        listener()


def enqueue(ledger: Ledger, peer: str, target: str, activity: dict) -> str:
    """Write a message for ``peer`` (its actor IRI), to be POSTed to ``target`` (its inbox), inside the caller's
    transaction. The activity gets a fresh IRI under this node's base URL unless it has an id. Returns the id."""
    if not target.startswith(("http://", "https://")):
        raise VFError("target", f"a peer's inbox must be an http(s) URL, got {target!r}")
    activity_id = activity.get("id")
    if not activity_id:
        activity_id = f"{_base_url(ledger)}/activities/{secrets.token_hex(16)}"  # 128 random bits: never reused
        activity = {**activity, "id": activity_id}
    body = json.dumps(activity, ensure_ascii=False, separators=(",", ":"))
    rows.add(ledger, activity_id, peer, target, body, rows.stamp(datetime.now(UTC)))
    if _notify not in ledger.after_commit:  # the first message of this transaction
        ledger.after_commit.append(_notify)
        if ledger.connection.dialect.name == "postgresql":
            ledger.connection.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
    return activity_id


def _base_url(ledger: Ledger) -> str:
    base = ledger.setting("base_url")
    if base is None:
        raise VFError("node", "this database holds no node (run 'cooplink init')")
    return base


def _message(row) -> OutboxMessage:
    try:
        kind = json.loads(row.body).get("type")
    except (ValueError, AttributeError):
        kind = None
    return OutboxMessage(seq=row.seq, activity_id=row.activity_id, peer=row.peer, target=row.target,
                         status=row.status, attempts=row.attempts, created_at=row.created_at,
                         next_attempt_at=row.next_attempt_at, last_error=row.last_error,
                         delivered_at=row.delivered_at, type=kind if isinstance(kind, str) else None)


class OutboxCommands:
    """Mixed into Node: reading the outbox and reviving dead letters, each one transaction."""

    def outbox(self, status: str | None = None, limit: int | None = None) -> list[OutboxMessage]:
        if status is not None and status not in rows.STATUSES:
            raise VFError("status", f"must be one of {', '.join(rows.STATUSES)}, not {status!r}")
        with self.reading() as ledger:
            return [_message(r) for r in rows.rows(ledger, status, limit)]

    def inbox(self, status: str | None = None) -> list[InboxMessage]:
        """What peers sent, oldest first: applied, waiting (with what it waits for) or refused (with why)."""
        if status is not None and status not in INBOX_STATUSES:
            raise VFError("status", f"must be one of {', '.join(INBOX_STATUSES)}, not {status!r}")
        with self.reading() as ledger:
            return [InboxMessage(r.activity_id, r.peer, r.type, r.status, r.received_at, r.note)
                    for r in federation.inbox_rows(ledger) if status in (None, r.status)]

    def outbox_counts(self) -> dict[str, int]:
        with self.reading() as ledger:
            return rows.counts(ledger)

    def retry_dead(self, seq: int | None = None) -> list[OutboxMessage]:
        """Put a dead letter (or, with no seq, every dead letter) back to pending; the messages revived. Its
        attempts start again from zero; its age still counts from when it was written, so a letter older than
        the worker's max_age gets one attempt per retry."""
        with self.writing() as ledger:
            if seq is not None:
                found = rows.row(ledger, seq)
                if found is None:
                    raise VFError("id", f"no outbox message {seq}")
                if found.status != "dead":
                    raise VFError("id", f"outbox message {seq} is {found.status}, not dead")
            revived = rows.revive(ledger, None if seq is None else [seq])
            return [_message(rows.row(ledger, s)) for s in revived]
