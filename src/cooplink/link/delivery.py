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
  A lease outlives the request (lease > request timeout); a crashed worker's lease just runs out.
"""

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from cooplink.ledger import outbox as rows
from cooplink.link import keys, signatures
from cooplink.node.outbox import on_commit

log = logging.getLogger("cooplink.delivery")

CONTENT_TYPE = "application/activity+json"
RETRYABLE_4XX = frozenset({408, 425, 429})  # the 4xx answers that say "later"; every other 4xx is permanent
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
    lease: float = 60.0  # seconds a claimed row is held; more than a request can take
    burst: int = 500  # messages to one peer per pass, so one busy peer cannot keep the others waiting


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
        self._own_client = self.client is None
        if self.client is None:
            self.client = httpx.Client(timeout=self.policy.timeout)

    def stop(self) -> None:
        """Stop after the message in hand (safe from a signal handler or another thread)."""
        self.stopped.set()
        self.wake.set()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def breaker(self, peer: str) -> Breaker:
        return self.breakers.setdefault(peer, Breaker())

    # one pass -------------------------------------------------------------------------------------------------
    def run_once(self) -> Tally:
        """Send every message that is due now, peer by peer, each peer's in seq order."""
        tally = Tally()
        self.key = keys.load_or_create(self.node.home, self.node.base_url)
        now = rows.stamp(self.clock())
        # Peers whose head is due; a head another worker holds is not (its lease is its next_attempt_at).
        with self.node.reading() as ledger:
            peers = [head.peer for head in rows.heads(ledger) if (head.next_attempt_at or "") <= now]
        for peer in peers:
            self._drain(peer, tally)
        return tally

    def _drain(self, peer: str, tally: Tally) -> None:
        breaker = self.breaker(peer)
        for _ in range(self.policy.burst):
            now = self.clock()
            if not breaker.allows(now, self.policy):
                tally.held += 1
                return
            claimed = self._claim(peer, now)
            if claimed is None:
                return
            row, lease, removed = claimed
            outcome = REMOVED if removed else self._send(row)
            self._record(row, lease, outcome, breaker, tally)
            if outcome.kind == "retry":
                return  # the head waits for its retry, and the messages behind it with it

    def _claim(self, peer: str, now: datetime):
        """(the peer's head, its lease, whether the peer was removed); None if the head is not due or another
        worker holds it."""
        lease = rows.stamp(now + timedelta(seconds=self.policy.lease))
        with self.node.writing() as ledger:
            head = rows.head_of(ledger, peer)
            if head is None or not rows.claim(ledger, head.seq, rows.stamp(now), lease):
                return None
            return head, lease, rows.peer_removed(ledger, peer)

    def _send(self, row) -> Outcome:
        body = row.body.encode("utf-8")
        headers = signatures.sign(self.key, "POST", row.target, body)  # wall time: the receiver checks it
        headers["Content-Type"] = CONTENT_TYPE
        try:
            response = self.client.post(row.target, content=body, headers=headers)
        except httpx.HTTPError as error:
            return classify(None, error)
        return classify(response)

    def _record(self, row, lease: str, outcome: Outcome, breaker: Breaker, tally: Tally) -> None:
        now = self.clock()
        retry_at = self._retry_at(row, outcome, now) if outcome.kind == "retry" else None
        with self.node.writing() as ledger:
            if outcome.kind == "delivered":
                kept = rows.delivered(ledger, row.seq, lease, rows.stamp(now))
            else:
                kept = rows.failed(ledger, row.seq, lease, outcome.error or "", retry_at)
        if outcome.kind == "retry":
            breaker.failed(now, self.policy)
        else:
            breaker.succeeded()  # 2xx or a 4xx: the peer is up and answering
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

    def _idle(self, interval: float) -> None:
        self.wake.wait(interval)
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
