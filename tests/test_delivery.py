"""The delivery worker against receivers in this process (httpx's MockTransport: the worker's own HTTP client,
answered by a function that verifies every signature). Time is a clock the tests move, so nothing waits."""

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cooplink.ledger import outbox as rows
from cooplink.ledger.schema import outbox, peers
from cooplink.link import keys
from cooplink.link.delivery import Background, Breaker, Policy, Worker, backoff, classify
from cooplink.link.signatures import verify
from cooplink.node import Node
from cooplink.node.outbox import enqueue

X, Y = "http://127.0.0.1:8002", "http://127.0.0.1:8003"


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Receiver:
    """Peers' inboxes: checks each request's signature against the sender's key, then answers what the test
    scripted for that peer (a status, or an exception to raise), 200 once the script runs out."""

    def __init__(self, node: Node, script: dict[str, list] | None = None, runs: bool = False):
        self.runs = runs  # takes a run of messages as one collection; else refuses it (415), as an old node would
        self.key = keys.load_or_create(node.home, node.base_url)
        self.script = {peer: list(answers) for peer, answers in (script or {}).items()}
        self.received: list[tuple[str, str]] = []  # (peer base URL, activity id), in arrival order
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        signer = verify(request.method, str(request.url), dict(request.headers), body,
                        {self.key.key_id: self.key.public}.get)
        assert signer == self.key.key_id
        assert request.headers["content-type"] == "application/activity+json"
        peer = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        document = json.loads(body)
        if document["type"] == "OrderedCollection" and not self.runs:
            return httpx.Response(415, text="one activity per request")
        with self.lock:
            self.bodies.append(body)
            answers = self.script.setdefault(peer, [])
            if document["type"] != "OrderedCollection" or _fails_whole(answers[0] if answers else 200):
                self.received.append((peer, (document.get("orderedItems") or [document])[0]["id"]))
                answer = answers.pop(0) if answers else 200
            else:  # a run: each message gets its own scripted answer, in one 200
                return httpx.Response(200, json={"id": document["id"], "items": [
                    self._item(peer, item, answers.pop(0) if answers else 200) for item in document["orderedItems"]]})
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, text="" if answer < 300 else f"scripted {answer}")

    def _item(self, peer: str, item: dict, answer: int) -> dict:
        self.received.append((peer, item["id"]))
        if answer < 300:
            return {"id": item["id"], "status": "applied"}
        return {"id": item["id"], "status": answer, "field": "scripted", "reason": f"scripted {answer}"}

    def ids(self, peer: str) -> list[str]:
        return [activity for who, activity in self.received if who == peer]


def _fails_whole(answer) -> bool:
    """An answer a receiver gives to the whole request, not to one message of a run: down, busy, or not now."""
    return isinstance(answer, Exception) or answer >= 500 or answer in (408, 425, 429)


def worker(node: Node, receiver, clock: Clock, **policy) -> Worker:
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    return Worker(node, Policy(**policy), client=client, clock=clock, rng=random.Random(7))


def send(node: Node, peer: str, count: int = 1) -> list[str]:
    with node.writing() as ledger:
        return [enqueue(ledger, f"{peer}/actor", f"{peer}/inbox", {"type": "Create", "n": n}) for n in range(count)]


def status(node: Node) -> list[str]:
    return [m.status for m in node.outbox()]


def test_a_message_is_delivered_once_signed_with_the_stored_bytes(node: Node):
    [activity] = send(node, X)
    receiver, clock = Receiver(node), Clock()
    with node.reading() as ledger:
        stored = rows.rows(ledger)[0].body
    courier = worker(node, receiver, clock)
    assert courier.run_once().delivered == 1
    assert courier.run_once().delivered == 0
    assert receiver.received == [(X, activity)]
    assert receiver.bodies == [stored.encode()]
    [message] = node.outbox()
    assert (message.status, message.attempts, message.last_error) == ("delivered", 1, None)
    assert message.delivered_at is not None


def test_503_twice_then_200_is_delivered_after_backoff(node: Node):
    send(node, X)
    receiver, clock = Receiver(node, {X: [503, 503]}), Clock()
    courier = worker(node, receiver, clock, base=2.0)
    assert courier.run_once().retried == 1
    [first] = node.outbox()
    wait = datetime.fromisoformat(first.next_attempt_at) - clock.now
    assert timedelta(0) <= wait <= timedelta(seconds=2) and first.last_error == "HTTP 503: scripted 503"
    assert courier.run_once().retried == 0 and len(receiver.received) == 1  # not due yet: nothing sent
    slept = []

    def sleep(seconds):  # the run loop's idle wait, on the test's clock
        slept.append(seconds)
        clock.advance(seconds)

    total = courier.run(interval=1.0, passes=20, sleep=sleep)
    assert status(node) == ["delivered"] and len(receiver.received) == 3
    assert (total.retried, total.delivered) == (1, 1) and node.outbox()[0].attempts == 3
    assert slept and all(s == 1.0 for s in slept)  # it slept only when idle, on the test's clock


def test_backoff_is_full_jitter_below_an_exponential_cap():
    policy, rng = Policy(base=1.0, cap=30.0), random.Random(1)
    for attempts in range(1, 12):
        ceiling = min(30.0, 2.0 ** (attempts - 1))
        waits = [backoff(attempts, policy, rng) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8 and min(waits) < ceiling * 0.2  # spread over the whole range
    assert backoff(10_000, policy, rng) <= 30.0


@pytest.mark.parametrize("answer, kind", [
    (200, "delivered"), (202, "delivered"), (204, "delivered"),
    (400, "dead"), (401, "dead"), (403, "dead"), (404, "dead"), (410, "dead"), (422, "dead"), (409, "dead"),
    (408, "retry"), (425, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"),
    (504, "retry"), (302, "retry")])
def test_answers_are_classified(answer, kind):
    outcome = classify(httpx.Response(answer, text="why"))
    assert outcome.kind == kind
    assert (outcome.error is None) == (kind == "delivered")


def test_network_errors_are_retried_and_retry_after_is_read():
    assert classify(None, httpx.ConnectError("refused")).kind == "retry"
    assert classify(httpx.Response(429, headers={"Retry-After": "120"})).retry_after == 120


def test_403_is_a_dead_letter_at_once_and_is_not_retried(node: Node):
    send(node, X, 2)
    receiver, clock = Receiver(node, {X: [403]}), Clock()
    courier = worker(node, receiver, clock)
    tally = courier.run_once()
    assert (tally.dead, tally.delivered) == (1, 1)  # the dead letter leaves the line; the next one goes on
    clock.advance(3600)
    courier.run_once()
    assert len(receiver.received) == 2
    dead, delivered = node.outbox()
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 1, "HTTP 403: scripted 403")
    assert delivered.status == "delivered"


def test_retry_after_holds_the_message_back(node: Node):
    send(node, X)
    clock = Clock()
    courier = worker(node, lambda r: httpx.Response(429, headers={"Retry-After": "300"}), clock, base=0.01)
    assert courier.run_once().retried == 1
    wait = datetime.fromisoformat(node.outbox()[0].next_attempt_at) - clock.now
    assert timedelta(seconds=299) < wait <= timedelta(seconds=300)


def test_the_circuit_opens_after_n_failures_and_half_opens_after_the_cool_off(node: Node):
    send(node, X, 3)
    receiver, clock = Receiver(node, {X: [503] * 4}), Clock()
    courier = worker(node, receiver, clock, base=0.001, breaker_failures=3, breaker_cooloff=60, max_attempts=50)
    for _ in range(3):
        courier.run_once()
        clock.advance(1)  # past the message's own backoff (at most a few ms here)
    assert len(receiver.received) == 3 and courier.breaker(f"{X}/actor").state == "open"
    assert courier.run_once().held == 1  # due by its backoff, but the circuit is open: nothing sent
    clock.advance(30)
    courier.run_once()
    assert len(receiver.received) == 3
    clock.advance(31)  # cool-off over: half-open, one trial, which fails (the fourth 503): open again
    tally = courier.run_once()
    assert (tally.retried, len(receiver.received), courier.breaker(f"{X}/actor").state) == (1, 4, "open")
    clock.advance(59)
    courier.run_once()
    assert len(receiver.received) == 4
    clock.advance(2)  # half-open again; the peer answers 200 now: closed, and everything goes
    assert courier.run_once().delivered == 3
    assert courier.breaker(f"{X}/actor").state == "closed" and status(node) == ["delivered"] * 3


def test_a_4xx_does_not_count_against_the_peer():
    policy, breaker, now = Policy(breaker_failures=2), Breaker(), datetime.now(UTC)
    breaker.failed(now, policy)
    breaker.succeeded()  # a 403 or a 2xx: the peer answered
    breaker.failed(now, policy)
    assert breaker.state == "closed" and breaker.allows(now, policy)


def test_a_message_gives_up_after_its_attempts(node: Node):
    send(node, X)
    receiver, clock = Receiver(node, {X: [500] * 10}), Clock()
    courier = worker(node, receiver, clock, base=0.001, max_attempts=3, breaker_failures=100)
    for _ in range(6):
        courier.run_once()
        clock.advance(1)
    [message] = node.outbox()
    assert (message.status, message.attempts, len(receiver.received)) == ("dead", 3, 3)
    assert message.last_error == "HTTP 500: scripted 500"


def test_a_message_gives_up_when_too_old(node: Node):
    send(node, X)
    receiver, clock = Receiver(node, {X: [502] * 10}), Clock()
    courier = worker(node, receiver, clock, base=0.001, max_age=timedelta(hours=1), breaker_failures=100)
    courier.run_once()
    assert status(node) == ["pending"]
    clock.advance(3601)
    courier.run_once()
    assert status(node) == ["dead"] and len(receiver.received) == 2


def test_per_peer_order_is_kept_and_one_peer_does_not_hold_up_another(node: Node):
    first_x = send(node, X, 2)
    ys = send(node, Y, 3)
    later_x = send(node, X, 3)
    receiver, clock = Receiver(node, {X: [200, 503]}), Clock()  # X's second message fails once
    courier = worker(node, receiver, clock, base=5.0)
    courier.run_once()
    assert receiver.ids(X) == first_x  # the second was tried once; nothing behind it was sent
    assert receiver.ids(Y) == ys  # Y went on regardless
    clock.advance(6)
    courier.run_once()
    assert receiver.ids(X) == first_x + [first_x[1]] + later_x  # the retried one, then the rest, in order
    assert status(node) == ["delivered"] * 8


def test_dead_letters_retried_are_delivered_before_newer_messages(node: Node):
    old = send(node, X)
    receiver, clock = Receiver(node, {X: [422]}), Clock()
    courier = worker(node, receiver, clock)
    courier.run_once()
    new = send(node, X)
    assert [m.seq for m in node.retry_dead()] == [1]
    courier.run_once()
    assert receiver.ids(X) == old + old + new


def test_messages_to_a_removed_peer_become_dead_letters_unsent(node: Node):
    send(node, X)
    with node.writing() as ledger:
        ledger.connection.execute(peers.insert().values(id=f"{X}/actor", name="X", inbox=f"{X}/inbox",
                                                        added_at="2026-01-01", removed_at="2026-02-01"))
    receiver = Receiver(node)
    assert worker(node, receiver, Clock()).run_once().dead == 1
    assert receiver.received == [] and node.outbox()[0].last_error == "the peer was removed from this node"


def test_a_lease_that_ran_out_cannot_record_over_a_newer_claim(node: Node):
    send(node, X)
    early, later = "2026-01-01T00:00:00.000000+00:00", "2026-01-01T00:01:00.000000+00:00"
    with node.writing() as ledger:
        assert rows.claim(ledger, 1, early, later)
        assert not rows.claim(ledger, 1, early, "2026-01-01T00:02:00.000000+00:00")  # held by the first
        assert rows.claim(ledger, 1, later, "2026-01-01T00:03:00.000000+00:00")  # its lease ran out
        assert not rows.delivered(ledger, 1, later, later)  # the first worker's result is not kept
        assert rows.delivered(ledger, 1, "2026-01-01T00:03:00.000000+00:00", later)
        assert not rows.delivered(ledger, 1, "2026-01-01T00:03:00.000000+00:00", later)  # marked once


def test_two_workers_never_send_the_same_message_at_once(node: Node):
    sent = {peer: send(node, peer, 20) for peer in (X, Y, "http://127.0.0.1:8004")}
    receiver = Receiver(node)
    couriers = [Worker(node, client=httpx.Client(transport=httpx.MockTransport(receiver))) for _ in range(2)]
    errors = []

    def work(courier):
        try:
            for _ in range(50):
                if all(s == "delivered" for s in status(node)):
                    return
                courier.run_once()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(c,)) for c in couriers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    assert status(node) == ["delivered"] * 60
    assert sorted(a for _, a in receiver.received) == sorted(a for ids in sent.values() for a in ids)
    for peer, ids in sent.items():
        assert receiver.ids(peer) == ids  # each exactly once, in order
    assert all(m.attempts == 1 for m in node.outbox())


def test_a_worker_beside_the_commands_is_woken_by_their_commit_and_stops_at_once(node: Node):
    receiver = Receiver(node)
    courier = Worker(node, client=httpx.Client(transport=httpx.MockTransport(receiver)))
    background = Background(courier, interval=60).start()  # it would poll only once a minute
    try:
        time.sleep(0.2)  # let it reach its idle wait
        started = time.monotonic()
        [activity] = send(node, X)
        deadline = started + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.received == [(X, activity)]
        assert time.monotonic() - started < 5  # woken by the commit, not by its minute-long poll
    finally:
        stopping = time.monotonic()
        background.stop(timeout=10)
    assert not background.thread.is_alive() and time.monotonic() - stopping < 5


def one_at_a_time(handler):
    """A receiver that takes one activity per request (a run's collection is refused, so it goes one by one)."""
    def receive(request: httpx.Request) -> httpx.Response:
        if json.loads(request.read())["type"] == "OrderedCollection":
            return httpx.Response(415)
        return handler(request)
    return receive


def test_a_run_is_claimed_at_once_and_one_by_one_each_message_is_recorded_before_the_next(node: Node):
    sent = send(node, X, 5)
    clock, seen = Clock(), []

    @one_at_a_time
    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append([(m.status, m.next_attempt_at is not None) for m in node.outbox()])
        return httpx.Response(200)

    assert worker(node, receiver, clock, batch=3).run_once().delivered == 5
    leased, delivered = ("pending", True), ("delivered", False)
    assert seen == [[leased, leased, leased, ("pending", False), ("pending", False)],  # the first run of three
                    [delivered, leased, leased, ("pending", False), ("pending", False)],
                    [delivered, delivered, leased, ("pending", False), ("pending", False)],
                    [delivered] * 3 + [leased, leased],  # the second run: the two left
                    [delivered] * 4 + [leased]]
    assert [m.activity_id for m in node.outbox()] == sent and all(m.attempts == 1 for m in node.outbox())


def test_a_lease_half_gone_is_renewed_for_the_rest_of_the_run(node: Node):
    send(node, X, 4)
    clock, ahead = Clock(), []

    @one_at_a_time
    def slow(request: httpx.Request) -> httpx.Response:  # each request takes 20 s of a 60 s lease
        ahead.append(datetime.fromisoformat(_message(node, json.loads(request.read())["id"]).next_attempt_at)
                     - clock.now)
        clock.advance(20)
        return httpx.Response(200)

    assert worker(node, slow, clock, lease=60).run_once().delivered == 4
    assert [round(a.total_seconds()) for a in ahead] == [60, 40, 60, 40]  # renewed once 30 s were gone
    assert all(a >= timedelta(seconds=30) for a in ahead)


def _message(node: Node, activity: str):
    return next(m for m in node.outbox() if m.activity_id == activity)


def test_a_stop_mid_run_gives_the_rest_back_untried(node: Node):
    send(node, X, 5)
    courier, calls = None, []

    @one_at_a_time
    def receiver(request: httpx.Request) -> httpx.Response:
        if len(calls) == 1:
            courier.stop()  # asked while the second message is in hand
        calls.append(request)
        return httpx.Response(200)

    courier = worker(node, receiver, Clock())
    assert courier.run_once().delivered == 2
    assert [(m.status, m.next_attempt_at, m.attempts) for m in node.outbox()] == \
        [("delivered", None, 1)] * 2 + [("pending", None, 0)] * 3  # the rest is due again, for any worker


def test_a_retry_in_the_middle_of_a_run_gives_back_the_messages_behind_it(node: Node):
    send(node, X, 4)
    receiver, clock = Receiver(node, {X: [200, 503]}), Clock()
    assert worker(node, receiver, clock, base=5.0).run_once().delivered == 1
    first, second, *rest = node.outbox()
    assert (first.status, second.status, second.attempts) == ("delivered", "pending", 1)
    assert datetime.fromisoformat(second.next_attempt_at) > clock.now  # waiting for its retry
    assert [(m.next_attempt_at, m.attempts) for m in rest] == [(None, 0)] * 2  # given back, never tried
    with node.writing() as ledger:  # and no worker takes them while the one before them waits
        assert rows.claim_run(ledger, f"{X}/actor", rows.stamp(clock.now), rows.stamp(clock.now), 10) == []


def test_a_claimed_run_starts_at_the_head_and_stops_before_a_message_not_due(node: Node):
    send(node, X, 4)
    now, later = "2026-01-01T00:00:00.000000+00:00", "2026-01-01T00:01:00.000000+00:00"
    with node.writing() as ledger:
        ledger.connection.execute(outbox.update().where(outbox.c.seq == 3).values(next_attempt_at=later))
        assert [r.seq for r in rows.claim_run(ledger, f"{X}/actor", now, later, 10)] == [1, 2]
        assert rows.claim_run(ledger, f"{X}/actor", now, later, 10) == []  # held: the head is not due
        assert rows.renew(ledger, [2], later, "2026-01-01T00:02:00.000000+00:00")
        assert not rows.renew(ledger, [2], later, "2026-01-01T00:03:00.000000+00:00")  # not held by that lease
        rows.release_all(ledger, [1, 2], later)  # only 1 is still held by that lease
        assert [r.next_attempt_at for r in rows.rows(ledger)][:3] == [None, "2026-01-01T00:02:00.000000+00:00", later]


# runs as one collection ------------------------------------------------------------------------------------------
def test_a_run_goes_as_one_signed_collection_and_every_result_is_recorded_at_once(node: Node):
    sent = send(node, X, 5)
    receiver = Receiver(node, {X: [200, 422, 200, 200, 200]}, runs=True)
    tally = worker(node, receiver, Clock()).run_once()
    assert (tally.delivered, tally.dead) == (4, 1)
    assert len(receiver.bodies) == 1 and receiver.ids(X) == sent  # one request, in seq order
    assert status(node) == ["delivered", "dead", "delivered", "delivered", "delivered"]
    assert "HTTP 422: scripted" in node.outbox()[1].last_error


def test_a_run_that_fails_whole_retries_its_head_and_gives_the_rest_back(node: Node):
    send(node, X, 3)
    receiver, clock = Receiver(node, {X: [503]}, runs=True), Clock()
    assert worker(node, receiver, clock, base=5.0).run_once().retried == 1
    head, *rest = node.outbox()
    assert (head.status, head.attempts) == ("pending", 1) and datetime.fromisoformat(head.next_attempt_at) > clock.now
    assert [(m.next_attempt_at, m.attempts) for m in rest] == [(None, 0)] * 2
    clock.advance(3600)
    assert worker(node, receiver, clock).run_once().delivered == 3


def test_an_answer_that_does_not_account_for_the_run_sends_it_one_by_one(node: Node):
    send(node, X, 3)
    answers = []

    def receiver(request: httpx.Request) -> httpx.Response:
        answers.append(json.loads(request.read())["type"])
        return httpx.Response(200, json={"items": []})  # a 200 that says nothing of the messages

    assert worker(node, receiver, Clock()).run_once().delivered == 3
    assert answers == ["OrderedCollection", "Create", "Create", "Create"]
