"""A node's key rotates while a peer is away, and the link holds: the statement goes through the outbox, and what A
sends B before B has taken it (the statement included) is signed with the key B still pins; what follows it, with
the new key. B is a real `cooplink serve` (the backend under test), stopped and started again on its port; A's
commands and its delivery worker run here."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cooplink.ledger import outbox as rows
from cooplink.ledger.schema import peers as peer_table
from cooplink.link import keys, peer_reads, peers
from cooplink.link.delivery import Worker
from cooplink.link.signatures import sign
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.node.outbox import enqueue
from cooplink.processes import free_port, start_cooplink, stop_process, wait_until_up


class Away:
    """B behind `cooplink serve`, which the test stops and starts again."""

    def __init__(self, b: Node, log):
        self.b, self.log, self.process = b, log, None

    def start(self) -> None:
        port = self.b.base_url.rsplit(":", 1)[1]
        self.process = start_cooplink(self.b.home, self.log, "serve", "--port", port, "--log-level", "warning",
                                      "--no-deliver")
        wait_until_up(self.b.base_url, self.process, self.log)

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def linked(db_url, tmp_path):
    a = Node.init(tmp_path / "a", "Coop A", f"http://127.0.0.1:{free_port()}")
    b = Node.init(tmp_path / "b", "Coop B", f"http://127.0.0.1:{free_port()}", database=db_url)
    a.add_spec("widget", "Widget", unit="piece")
    a.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W-A"))
    b.add_spec("component", "Component", unit="piece")
    peers.add_peer(a, peers.read_actor(peers.actor_document(b), b.base_url))
    peers.add_peer(b, peers.read_actor(peers.actor_document(a), a.base_url))
    b.map_spec(a.base_url, f"{a.base_url}/specs/widget", "component")
    served = Away(b, tmp_path / "b.log")
    served.start()
    try:
        yield a, b, served
    finally:
        stop_process(served.process)


def deliver(a: Node, later: timedelta = timedelta(0)):
    """One pass of A's worker, ``later`` than now (so the retries of what failed while B was away are due)."""
    with httpx.Client(timeout=5) as client:
        return Worker(a, client=client, clock=lambda: datetime.now(UTC) + later).run_once()


def received(b: Node):
    return sum((r.onhand_quantity for r in b.inventory(spec="component")), 0)


def pinned(b: Node, a: Node) -> str:
    return peers.peer(b, a.base_url).key_id


def test_a_peer_away_while_the_key_rotates_twice_keeps_the_link(linked):
    a, b, served = linked
    order = a.create_order("sale", b.base_url, [OrderLine("widget", "10 piece", "2.00", "19")], "EUR").id
    a.ship(order, Ship(1, "4 piece", resource="W-A"))
    assert deliver(a).delivered == 2 and received(b) == 4
    first = peers.node_key(a)

    served.stop()
    a.ship(order, Ship(1, "2 piece", resource="W-A"))  # queued before the rotations: B must check it with `first`
    _, second, told = peers.rotate_key(a, timeout=1)
    assert told[b.base_url].startswith("not reached yet"), told
    _, third, told = peers.rotate_key(a, timeout=1)
    assert told[b.base_url].startswith("not reached yet"), told
    a.ship(order, Ship(1, "1 piece", resource="W-A"))  # queued after them: signed with the newest key
    assert peers.node_key(a).key_id == third.key_id and pinned(b, a) == first.key_id

    served.start()
    assert peers.key_for(a, b.base_url).key_id == first.key_id  # what B pins while the rotations wait
    peer_reads.reconcile(a, b.base_url)  # a read now is signed with it too: B answers (it would refuse the newest)
    tally = deliver(a, later=timedelta(minutes=5))
    assert (tally.delivered, tally.dead, tally.retried) == (4, 0, 0), a.outbox(status="dead")
    assert received(b) == 7 and pinned(b, a) == third.key_id
    assert peers.key_for(a, b.base_url).key_id == third.key_id
    assert [m.status for m in a.outbox()] == ["delivered"] * 6
    assert not peer_reads.reconcile(a, b.base_url).differences
    with httpx.Client() as client:  # B retired the keys it held before: a message signed with one is refused
        for old in (first, second):
            body = json.dumps({"type": "Create"}).encode()
            inbox = f"{b.base_url}/inbox"
            headers = {**sign(old, "POST", inbox, body), "Content-Type": "application/activity+json"}
            refused = client.post(inbox, content=body, headers=headers)
            assert refused.status_code == 403 and refused.json()["field"] == "Signature", refused.text


def test_the_rotation_tells_a_peer_that_is_there_at_once(linked):
    a, b, _ = linked
    _, new, told = peers.rotate_key(a)
    assert told == {b.base_url: "accepted"} and pinned(b, a) == new.key_id
    assert peers.key_for(a, b.base_url).key_id == new.key_id == peers.node_key(a).key_id
    with a.reading() as ledger:
        assert rows.pending_rotation(ledger, b.base_url) is None


def test_a_run_ends_with_a_rotation_and_each_peer_is_signed_for_with_the_key_it_pins(node: Node):
    base = node.base_url
    with node.writing() as ledger:
        for peer in ("http://b.example", "http://c.example"):
            ledger.connection.execute(peer_table.insert(), dict(id=peer, name=peer, inbox=f"{peer}/inbox",
                                                                 added_at="2026-11-26T00:00:00+00:00"))
        for i, old in enumerate((None, f"{base}/actor#main-key", f"{base}/actor#key-1", None)):
            statement = {"id": f"{base}{rows.ROTATIONS}{i}", "type": "KeyRotation", "oldKey": old} if old else \
                {"type": "Create"}
            enqueue(ledger, "http://b.example", "http://b.example/inbox", statement)
        enqueue(ledger, "http://c.example", "http://c.example/inbox", {"type": "Create"})
    lease = "2999-01-01T00:00:00.000000+00:00"
    runs = []
    with node.writing() as ledger:
        assert rows.pending_rotation(ledger, "http://b.example") == f"{base}/actor#main-key"
        assert rows.pending_rotation(ledger, "http://c.example") is None
        while run := rows.claim_run(ledger, "http://b.example", "2998-01-01", lease, 50):
            runs.append([json.loads(r.body)["type"] for r in run])
            rows.delivered_all(ledger, [r.seq for r in run], lease, "2026-11-26T00:00:00.000000+00:00")
        assert rows.pending_rotation(ledger, "http://b.example") is None
    assert runs == [["Create", "KeyRotation"], ["KeyRotation"], ["Create"]]


def test_only_a_key_this_node_retired_signs_for_a_peer_that_pins_it(node: Node):
    current = peers.node_key(node)
    assert not keys.ever_rotated(node.home)
    assert keys.signing_key(current, node.home, node.base_url, None) is current
    old, new = keys.rotate(node.home, node.base_url)
    assert keys.ever_rotated(node.home) and old.key_id == current.key_id
    now = peers.node_key(node)
    found = keys.signing_key(now, node.home, node.base_url, old.key_id)
    assert found.key_id == old.key_id and keys.raw_public(found.public) == keys.raw_public(old.public)
    for stranger in (f"{node.base_url}/actor#key-unknown", f"{node.base_url}/actor#../node-key",
                     f"http://elsewhere.example/actor#{old.key_id.rsplit('#', 1)[1]}"):
        assert keys.retired(node.home, node.base_url, stranger) is None
        assert keys.signing_key(now, node.home, node.base_url, stranger) is now
