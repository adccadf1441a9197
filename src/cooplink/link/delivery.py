"""The delivery worker: sends what commands wrote into the outbox to the peers' inboxes, signed.

How it behaves, and why:

- At least once. A row becomes ``delivered`` only after a 2xx answer, in a transaction of its own after the
  request; a worker killed between the answer and that commit sends the message again when it restarts. The
  receiver drops the duplicate by activity id (DESIGN.md, "Wire format"), so the effect happens once.
- What is sent is the stored body, byte for byte, signed afresh on each attempt (RFC 9421, link.signatures) with
  the node's key, read again on every pass so a rotated key is used at once.
- Order per peer: only a peer's oldest pending message (its head) is ever sent; message n+1 waits while message
  n waits for a retry. A receiver survives messages out of order, but keeping order costs only head-of-line
  waiting for that one peer, never for the others. A dead letter is out of the line: the messages behind it go on
  (a dead letter revived later is the head again and is sent before newer ones). On PostgreSQL, two commands
  committing concurrently may commit out of seq order; their messages had no order to keep.
- Retries: exponential backoff with full jitter, wait = uniform(0, min(cap, base * 2**(attempts - 1))), so
  failing senders spread out instead of retrying in lockstep; a Retry-After the peer sends is honoured (up to
  the cap). Defaults: base 1 s, cap 10 min. 408, 425, 429, 5xx, other non-2xx answers that are not 4xx, and
  network errors are retried; 4xx answers are permanent (400/401/403/404/410/422 above all: resending the same
  bytes cannot succeed) and park the message as a dead letter at once, with the answer recorded.
- Giving up: after max_attempts (12) attempts, or when the message is older than max_age (3 days) and an attempt
  fails, it becomes a dead letter; ``cooplink outbox retry`` puts it back.
- Circuit breaker per peer: after breaker_failures (5) retryable failures in a row the peer is left alone for
  breaker_cooloff (60 s); then it is half-open: one message is tried; success closes it, failure opens it again.
  A 4xx answer does not count against the peer: it is up and answering. The breaker lives in the worker's
  memory (a restarted worker starts closed; the messages' own backoff still holds).
- Two workers on one node (``cooplink deliver`` beside ``cooplink serve``): a worker claims a row with a lease
  (see ledger.outbox): a conditional UPDATE of next_attempt_at, which works alike on SQLite and PostgreSQL and
  keeps no transaction open during the request. While a peer's head is leased, other workers skip that peer.
  Half a lease outlives the request (lease > 2 x request timeout); a crashed worker's lease just runs out.
- Runs: a worker claims a peer's head and the due messages right behind it (up to ``batch``) in one transaction.
  A run of several goes as one signed ActivityStreams OrderedCollection: the receiver applies its activities in
  order, in one transaction, each in a savepoint of its own, and answers each one's status; the worker records
  all the results in one transaction (a refused one becomes a dead letter, the others delivered). So a message
  costs a fraction of a request and of a commit on both nodes; a worker killed mid-run sends that run again, and
  the receiver drops what it already applied. If the peer refuses the collection whole (a 4xx), the run goes one by
  one, in seq order, each result recorded before the next is sent, renewing the lease of the rest once half of it
  is gone (ledger.outbox): a message the peer cannot take is then parked alone. A retryable failure of the
  collection is the head's (the rest is given back untried), as are a stop or a peer removed meanwhile.
- Waking up: a pass runs as soon as a command in this process commits a message (``on_commit``), and, while the
  worker is idle, as soon as another process commits a message (``CommitWatch``: on SQLite, ``PRAGMA
  data_version`` looked at every 10 ms, then the outbox's newest seq; on PostgreSQL a LISTEN on the channel that
  ``enqueue`` NOTIFYs in the command's own transaction), so a command run beside the server (the CLI) is sent at
  once, not at the next poll. The poll (``interval``) remains as the safety net, and for retries coming due.
- Key rotations: what is sent to a peer that has not taken this node's key rotation yet (the statement waits in
  the outbox: the peer was away) is signed with the key the peer still pins, the statement included; a run ends
  with the statement, and what follows it is signed with the new key (ledger.outbox). So a peer that was down when
  the key rotated keeps the link when it comes back.
- The worker's own writes (claims, leases, results) do not wait for the disk (``bookkeeping_engine``): a power cut
  can only make it send a message again, which the receiver drops as a duplicate. The commands' commits, and the
  receiver's, stay durable.
"""

import json
import logging
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import create_engine, event

from cooplink.ledger import outbox as rows
from cooplink.ledger.unit_of_work import UnitOfWork
from cooplink.link import keys, signatures
from cooplink.node.activities import AS_CONTEXT
from cooplink.node.outbox import NOTIFY_CHANNEL, on_commit

log = logging.getLogger("cooplink.delivery")

CONTENT_TYPE = "application/activity+json"
RETRYABLE_4XX = frozenset({408, 425, 429})  # the 4xx answers that say "later"; every other 4xx is permanent
WATCH_TICK = 0.01  # seconds between looks at the database while idle (SQLite), or the longest wait on LISTEN
SQLITE_LOCK_STEP_MS = 1  # the worker's wait for SQLite's write lock: tries a millisecond apart...
SQLITE_LOCK_WAIT = 60.0  # ...for at most this many seconds (the node's own busy timeout)
WATCH_RETRY = 60.0  # seconds before a watch that failed (the database was away) is opened again
_COUNTED = {"delivered": "delivered", "retry": "retried", "dead": "dead"}


@dataclass(frozen=True)
class Policy:
    base: float = 1.0  # seconds: the first retry waits up to this
    cap: float = 600.0  # seconds: no wait is longer
    max_attempts: int = 12
    max_age: timedelta = timedelta(days=3)
    breaker_failures: int = 5  # retryable failures in a row that open a peer's circuit
    breaker_cooloff: float = 60.0  # seconds a peer is left alone before one trial message
    timeout: float = 10.0  # seconds, per connect/read/write of one request
    lease: float = 60.0  # seconds a claimed row is held; half of it is more than a request can take
    burst: int = 500  # messages to one peer per pass, so one busy peer cannot keep the others waiting
    batch: int = 50  # messages of one peer claimed in one transaction and sent as one collection, in order


@dataclass(frozen=True)
class Outcome:
    kind: str  # delivered | retry | dead
    error: str | None = None
    retry_after: float | None = None  # seconds, from the peer's Retry-After


@dataclass
class Tally:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0  # peers skipped because their circuit is open
    lost: int = 0  # results not recorded: the lease ran out and another worker took the row

    def add(self, name: str, count: int = 1) -> None:
        setattr(self, name, getattr(self, name) + count)

    @property
    def busy(self) -> bool:
        return bool(self.delivered or self.retried or self.dead)


def backoff(attempts: int, policy: Policy, rng: random.Random) -> float:
    """Full jitter: a uniform wait in [0, min(cap, base * 2^(attempts-1))] seconds after the attempts made."""
    ceiling = min(policy.cap, policy.base * 2 ** min(attempts - 1, 62))
    return rng.uniform(0, ceiling)


def classify(response: httpx.Response | None, error: Exception | None = None) -> Outcome:
    if response is None:
        return Outcome("retry", f"{type(error).__name__}: {error}".strip())
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("delivered")
    answer = f"HTTP {status}: {' '.join(response.text[:500].split())}".strip()
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Outcome("dead", answer)
    return Outcome("retry", answer, _retry_after(response))


def _item_outcomes(response: httpx.Response, run: list) -> list[Outcome] | None:
    """Each message's outcome from the peer's answer to a collection: its status (applied, duplicate, waiting:
    delivered), or the 4xx it refused that one with (dead); None if the answer does not account for the run."""
    try:
        items = response.json()["items"]
        outcomes = []
        for row, item in zip(run, items, strict=True):
            if item["id"] != json.loads(row.body)["id"]:
                return None
            status = item["status"]
            if isinstance(status, str):
                outcomes.append(Outcome("delivered"))
            elif isinstance(status, int) and 400 <= status < 500 and status not in RETRYABLE_4XX:
                outcomes.append(Outcome("dead", f"HTTP {status}: {item.get('field')}: {item.get('reason')}"))
            else:
                return None
        return outcomes
    except (ValueError, KeyError, TypeError):
        return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


REMOVED = Outcome("dead", "the peer was removed from this node")


@dataclass
class Breaker:
    """One peer's circuit: closed (send), open (leave alone until the cool-off ends), half-open (one trial)."""

    failures: int = 0
    opened_at: datetime | None = None

    def allows(self, now: datetime, policy: Policy) -> bool:
        return self.opened_at is None or now - self.opened_at >= timedelta(seconds=policy.breaker_cooloff)

    @property
    def state(self) -> str:
        return "closed" if self.opened_at is None else "open"

    def succeeded(self) -> None:
        self.failures, self.opened_at = 0, None

    def failed(self, now: datetime, policy: Policy) -> None:
        self.failures += 1
        half_open = self.opened_at is not None  # the trial failed: open again for a full cool-off
        if half_open or self.failures >= policy.breaker_failures:
            self.opened_at = now


def bookkeeping_engine(engine):
    """The worker's own way into the node's database, for its bookkeeping (claims, leases, results).

    It commits without waiting for the disk: SQLite synchronous=NORMAL (in WAL mode a commit survives a crash of
    the process; a power cut may take the last few), PostgreSQL synchronous_commit=off (likewise). What a power
    cut can take is a claim or a result: the message is sent again and the receiver drops the duplicate by its id,
    so delivery stays at least once with one effect. The commands' own commits (events, and the messages they
    enqueue) keep the node's durable setting; a later durable commit makes the earlier ones durable too (the log
    is written in order).

    On SQLite it also waits for the write lock in steps of a millisecond (SQLite's own busy handler sleeps 1, 2,
    5, 10, 15, 20... ms between tries, so a worker that finds a command holding the lock for 10 ms waits 18):
    the worker takes the lock once per message, beside commands that take it too."""
    if engine.dialect.name == "sqlite":
        own = create_engine(engine.url)

        @event.listens_for(own, "connect")
        def _settings(dbapi_connection, _record):  # the node's (ledger.database), but for synchronous
            dbapi_connection.isolation_level = None  # BEGIN is issued below
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=60000", "foreign_keys=ON"):
                dbapi_connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(own, "begin")
        def _begin(connection):
            raw = connection.connection.dbapi_connection
            if not connection.get_execution_options().get("cooplink_write", False):
                raw.execute("BEGIN")  # a reader in WAL mode does not wait for the writer
                return
            deadline = time.monotonic() + SQLITE_LOCK_WAIT
            raw.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_STEP_MS}")
            try:
                while True:
                    try:
                        raw.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as error:
                        if "locked" not in str(error) or time.monotonic() > deadline:
                            raise
            finally:
                raw.execute("PRAGMA busy_timeout=60000")

        return own
    if engine.dialect.name == "postgresql":
        own = engine.execution_options()  # the node's pool, with events of its own

        @event.listens_for(own, "begin")
        def _lazy_commit(connection):
            if connection.get_execution_options().get("cooplink_write", False):
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")

        return own
    return engine


def key_pinned_by(node, ledger, peer: str, current: keys.NodeKey) -> keys.NodeKey:
    """The key of this node's that ``peer`` pins: the current one, or the retired one named by a key rotation still
    on its way to the peer (see the module's docstring)."""
    if not keys.ever_rotated(node.home):  # then no peer pins an older key, and nothing need be read
        return current
    return keys.signing_key(current, node.home, node.base_url, rows.pending_rotation(ledger, peer))


class CommitWatch:
    """Tells an idle worker that another process committed to the node's database (see the module's docstring).
    ``mark()`` at the start of each pass; ``wait(timeout, wake)`` is True as soon as a message was committed since,
    or ``wake`` was set."""

    @staticmethod
    def open(engine) -> "CommitWatch | None":
        """The watch for this database, or None when it cannot be watched (then the worker polls)."""
        try:
            if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
                return _SqliteWatch(engine.url.database)
            if engine.dialect.name == "postgresql":
                return _PostgresWatch(engine.url)
        except Exception:  # noqa: BLE001 - a watch is an optimisation: polling still delivers everything
            log.warning("cannot watch the database for commits; polling only", exc_info=True)
        return None

    def mark(self) -> None:
        raise NotImplementedError

    def wait(self, timeout: float, wake: threading.Event) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        self.connection.close()


class _SqliteWatch(CommitWatch):
    """PRAGMA data_version, on a connection of its own, changes whenever another connection commits; then the
    outbox's newest seq says whether that commit wrote a message (a node that receives much, and so commits much,
    does not run a pass for each activity it applies)."""

    def __init__(self, path: str):
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.version, self.newest = self._version(), self._newest()

    def _version(self) -> int:
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def _newest(self) -> int:
        return self.connection.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]

    def mark(self) -> None:
        self.version, self.newest = self._version(), self._newest()

    def wait(self, timeout: float, wake: threading.Event) -> bool:
        if wake.wait(timeout):
            return True
        version = self._version()
        if version == self.version:
            return False
        self.version = version
        return self._newest() != self.newest


class _PostgresWatch(CommitWatch):
    """LISTEN on the channel node.outbox.enqueue NOTIFYs in the command's transaction (PostgreSQL sends it at
    commit, and never for a transaction that rolled back)."""

    def __init__(self, url):
        import psycopg

        self.connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                          autocommit=True)
        self.connection.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def mark(self) -> None:
        for _ in self.connection.notifies(timeout=0):  # what came before this pass: the pass will see it
            pass

    def wait(self, timeout: float, wake: threading.Event) -> bool:
        if wake.is_set():
            return True
        for _ in self.connection.notifies(timeout=timeout, stop_after=1):
            return True
        return wake.is_set()


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Worker:
    """Delivers a node's outbox. ``clock`` and ``rng`` are there for tests (a clock they move, a seeded rng)."""

    node: object  # cooplink.node.Node
    policy: Policy = field(default_factory=Policy)
    client: httpx.Client | None = None
    clock: Callable[[], datetime] = _utcnow
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self):
        self.breakers: dict[str, Breaker] = {}
        self.wake = threading.Event()  # set: messages were committed (or stop was asked); skip the idle wait
        self.stopped = threading.Event()
        self.watch: CommitWatch | None = None  # opened by run(): commits of other processes end the idle wait
        self._watch_failed_at: float | None = None
        self._own_client = self.client is None
        if self.client is None:
            self.client = httpx.Client(timeout=self.policy.timeout)
        self.engine = bookkeeping_engine(self.node.engine)

    def stop(self) -> None:
        """Stop after the message in hand (safe from a signal handler or another thread)."""
        self.stopped.set()
        self.wake.set()

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        self._drop_watch()
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()  # its own pool (on PostgreSQL it shares the node's)

    def breaker(self, peer: str) -> Breaker:
        return self.breakers.setdefault(peer, Breaker())

    # one pass -------------------------------------------------------------------------------------------------
    def run_once(self) -> Tally:
        """Send every message that is due now, peer by peer, each peer's in seq order."""
        tally = Tally()
        self.key = keys.load_or_create(self.node.home, self.node.base_url)
        now = rows.stamp(self.clock())
        # Peers whose head is due; a head another worker holds is not (its lease is its next_attempt_at).
        with UnitOfWork(self.engine, write=False) as ledger:
            peers = [head.peer for head in rows.heads(ledger) if (head.next_attempt_at or "") <= now]
        for peer in peers:
            self._drain(peer, tally)
        return tally

    def _drain(self, peer: str, tally: Tally) -> None:
        breaker = self.breaker(peer)
        budget = self.policy.burst
        while budget > 0 and not self.stopped.is_set():
            now = self.clock()
            if not breaker.allows(now, self.policy):
                tally.held += 1
                return
            limit = min(budget, self.policy.batch)
            claimed = self._claim(peer, now, limit)
            if claimed is None:
                return
            run, lease, removed, key = claimed
            budget -= len(run)
            if not self._send_run(peer, run, lease, removed, breaker, tally, key):
                return  # a retry (the head waits, and the messages behind it with it), or the run was cut short
            if len(run) < limit and not rows.ends_with_rotation(run):
                return  # that was all that was due; what was committed since wakes the next pass

    def _claim(self, peer: str, now: datetime, limit: int):
        """(the peer's head and the due messages right behind it, their lease, whether the peer was removed, the key
        to sign them with); None if the head is not due or another worker holds it."""
        lease = rows.stamp(now + timedelta(seconds=self.policy.lease))
        with UnitOfWork(self.engine) as ledger:
            run = rows.claim_run(ledger, peer, rows.stamp(now), lease, limit)
            if not run:
                return None
            return run, lease, rows.peer_removed(ledger, peer), key_pinned_by(self.node, ledger, peer, self.key)

    def _send_run(self, peer: str, run: list, lease: str, removed: bool, breaker: Breaker, tally: Tally,
                  key: keys.NodeKey) -> bool:
        """Send a claimed run in seq order: as one signed collection when it holds several messages (the peer applies
        them in one transaction, in order), else, or when the peer will not take the collection, one by one,
        recording each result as it comes; True if all of it went."""
        if not removed and len(run) > 1 and not self.stopped.is_set():
            sent = self._send_batch(peer, run, lease, breaker, tally, key)
            if sent is not None:
                return sent
        for i, row in enumerate(run):
            rest = [later.seq for later in run[i + 1:]]
            if self.stopped.is_set():
                self._give_back([row.seq, *rest], lease)
                return False
            outcome = REMOVED if removed else self._send(row, key)
            lease = self._record(peer, row, lease, outcome, breaker, tally, rest)
            if lease is None:
                return False
        return True

    def _send_batch(self, peer: str, run: list, lease: str, breaker: Breaker, tally: Tally,
                    key: keys.NodeKey) -> bool | None:
        """The run as one OrderedCollection; None when the peer refused it whole (then it goes one by one, so a
        message it cannot take is found and parked alone)."""
        if any(row.target != run[0].target for row in run):
            return None
        collection = {"@context": AS_CONTEXT, "type": "OrderedCollection", "totalItems": len(run),
                      "id": f"{self.node.base_url}/batches/{secrets.token_hex(16)}", "actor": self.node.base_url,
                      "orderedItems": [json.loads(row.body) for row in run]}
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {**signatures.sign(key, "POST", run[0].target, body), "Content-Type": CONTENT_TYPE}
        try:
            response = self.client.post(run[0].target, content=body, headers=headers)
        except httpx.HTTPError as error:
            response, failure = None, error
        else:
            failure = None
        whole = classify(response, failure)
        if whole.kind == "retry":  # the peer is away or busy: the head waits for its retry, the rest behind it
            self._record(peer, run[0], lease, whole, breaker, tally, [row.seq for row in run[1:]])
            return False
        outcomes = _item_outcomes(response, run) if response.status_code == 200 else None
        if outcomes is None:
            return None
        return self._record_batch(run, lease, outcomes, breaker, tally)

    def _record_batch(self, run: list, lease: str, outcomes: list[Outcome], breaker: Breaker, tally: Tally) -> bool:
        """Every message's result in one transaction (each was applied, or refused for good, by the peer)."""
        went = [row.seq for row, outcome in zip(run, outcomes) if outcome.kind == "delivered"]
        with UnitOfWork(self.engine) as ledger:
            kept = rows.delivered_all(ledger, went, lease, rows.stamp(self.clock())) if went else 0
            for row, outcome in zip(run, outcomes):
                if outcome.kind != "delivered":
                    self._count(row, outcome, None, rows.failed(ledger, row.seq, lease, outcome.error or "", None),
                                tally)
        tally.add("delivered", kept)
        if kept < len(went):  # the lease ran out and another worker took some of the run
            tally.lost += len(went) - kept
            log.warning("outbox: %s results not recorded, their lease ran out", len(went) - kept)
        breaker.succeeded()
        return True

    def _give_back(self, seqs: list[int], lease: str) -> None:
        with UnitOfWork(self.engine) as ledger:
            rows.release_all(ledger, seqs, lease)

    def _send(self, row, key: keys.NodeKey) -> Outcome:
        body = row.body.encode("utf-8")
        headers = signatures.sign(key, "POST", row.target, body)  # wall time: the receiver checks it
        headers["Content-Type"] = CONTENT_TYPE
        try:
            response = self.client.post(row.target, content=body, headers=headers)
        except httpx.HTTPError as error:
            return classify(None, error)
        return classify(response)

    def _record(self, peer: str, row, lease: str, outcome: Outcome, breaker: Breaker, tally: Tally,
                rest: list[int]) -> str | None:
        """Record one message's outcome and, in the same transaction, renew the lease of the run behind it (or give
        the run back: after a retry, or when the peer was removed meanwhile). The run's new lease; None when the run
        stops here."""
        now = self.clock()
        retry_at = self._retry_at(row, outcome, now) if outcome.kind == "retry" else None
        renewed = lease
        if rest and datetime.fromisoformat(lease) - now < timedelta(seconds=self.policy.lease / 2):
            renewed = rows.stamp(now + timedelta(seconds=self.policy.lease))  # (an UPDATE rewrites whole rows:
            # renewing only when half the lease is gone keeps it rare, and every message is still sent with at
            # least half a lease ahead, more than a request can take)
        with UnitOfWork(self.engine) as ledger:
            if outcome.kind == "delivered":
                kept = rows.delivered(ledger, row.seq, lease, rows.stamp(now))
            else:
                kept = rows.failed(ledger, row.seq, lease, outcome.error or "", retry_at)
            go_on = outcome.kind != "retry"
            if go_on and rest and outcome is not REMOVED and rows.peer_removed(ledger, peer):
                go_on = False  # removed meanwhile: the next claim makes the rest dead letters, unsent
            if go_on and renewed != lease and not rows.renew(ledger, rest, lease, renewed):
                rows.release_all(ledger, rest, renewed)  # some of it is not ours any more: the lease ran out and
                go_on = False  # another worker took it
            elif not go_on:
                rows.release_all(ledger, rest, lease)
        if outcome.kind == "retry":
            breaker.failed(now, self.policy)
        else:
            breaker.succeeded()  # 2xx or a 4xx: the peer is up and answering
        self._count(row, outcome, retry_at, kept, tally)
        return renewed if go_on else None

    def _count(self, row, outcome: Outcome, retry_at: str | None, kept: bool, tally: Tally) -> None:
        if not kept:
            tally.lost += 1
            log.warning("outbox %s: lease ran out before the result was recorded", row.seq)
            return
        kind = "dead" if outcome.kind == "retry" and retry_at is None else outcome.kind
        tally.add(_COUNTED[kind])
        if kind != "delivered":
            log.info("outbox %s to %s: %s (%s)", row.seq, row.target, kind, outcome.error)

    def _retry_at(self, row, outcome: Outcome, now: datetime) -> str | None:
        """When to try again; None when the message has had its attempts or its time and becomes a dead letter."""
        attempts = row.attempts + 1
        age = now - datetime.fromisoformat(row.created_at)
        if attempts >= self.policy.max_attempts or age >= self.policy.max_age:
            return None
        wait = backoff(attempts, self.policy, self.rng)
        if outcome.retry_after is not None:
            wait = max(wait, min(outcome.retry_after, self.policy.cap))
        return rows.stamp(now + timedelta(seconds=wait))

    # running --------------------------------------------------------------------------------------------------
    def run(self, interval: float = 1.0, passes: int | None = None,
            sleep: Callable[[float], None] | None = None) -> Tally:
        """Pass after pass until stop() (or ``passes`` passes): straight on while there was work, else after
        ``interval`` seconds or as soon as a command in this process commits a message. A pass that fails (the
        database is away) is logged and tried again."""
        sleep = sleep or self._idle
        total, done = Tally(), 0
        while not self.stopped.is_set() and (passes is None or done < passes):
            done += 1
            self._mark()
            try:
                tally = self.run_once()
            except Exception:  # a worker beside a server must outlive a bad moment
                log.exception("delivery pass failed; trying again in %s s", interval)
                tally = Tally()
            for name in ("delivered", "retried", "dead", "held", "lost"):
                total.add(name, getattr(tally, name))
            if not tally.busy:
                sleep(interval)
        return total

    def _mark(self) -> None:
        """Open the watch if need be, and note where the database stands before the pass reads it."""
        if self.watch is None and (self._watch_failed_at is None
                                   or time.monotonic() - self._watch_failed_at >= WATCH_RETRY):
            self.watch = CommitWatch.open(self.node.engine)
            self._watch_failed_at = None if self.watch else time.monotonic()
        if self.watch is not None:
            try:
                self.watch.mark()
            except Exception:  # noqa: BLE001 - the database went away: poll until it is back
                log.warning("the commit watch failed; polling only for now", exc_info=True)
                self._drop_watch(failed=True)

    def _drop_watch(self, failed: bool = False) -> None:
        if self.watch is not None:
            try:
                self.watch.close()
            except Exception:  # noqa: BLE001 - closing what already broke
                pass
            self.watch = None
        if failed:
            self._watch_failed_at = time.monotonic()

    def _idle(self, interval: float) -> None:
        """Wait ``interval`` seconds, or less: until woken, or until another process commits (the watch)."""
        deadline = time.monotonic() + interval
        while not self.wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if self.watch is None:
                self.wake.wait(left)
                continue
            try:
                if self.watch.wait(min(left, WATCH_TICK), self.wake):
                    break
            except Exception:  # noqa: BLE001 - the database went away: poll until it is back
                log.warning("the commit watch failed; polling only for now", exc_info=True)
                self._drop_watch(failed=True)
        self.wake.clear()


class Background:
    """The worker on a thread of its own beside the HTTP server (``cooplink serve``), woken by the commits of
    the commands the server runs."""

    def __init__(self, worker: Worker, interval: float = 1.0):
        self.worker = worker
        self.interval = interval
        self.thread = threading.Thread(target=self._run, name="cooplink-delivery", daemon=True)
        self._unlisten = None

    def _run(self) -> None:
        log.info("delivery worker started")
        try:
            tally = self.worker.run(self.interval)
            log.info("delivery worker stopped: %s delivered, %s retried, %s dead", tally.delivered, tally.retried,
                     tally.dead)
        finally:
            self.worker.close()

    def start(self) -> "Background":
        self._unlisten = on_commit(self.worker.wake.set)
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the message in hand; wait for that at most ``timeout`` seconds (default: as long as one
        request may take)."""
        if self._unlisten:
            self._unlisten()
        self.worker.stop()
        self.thread.join(self.worker.policy.timeout * 4 if timeout is None else timeout)
