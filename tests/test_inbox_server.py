"""Two real `cooplink serve` processes on 127.0.0.1: A (SQLite) and B (the backend under test). B pins A with
`cooplink peer add`, A's signed transfer raises B's stock once however often it is sent, bad requests are refused
with the right status and leave B as it was, and A's key rotates without losing the link."""

import datetime
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from test_inbox import encoded, received_stock, shipped, snapshot
from test_serve import wait_until_up

from cooplink.link import keys, peers
from cooplink.link.signatures import LIFETIME, sign
from cooplink.node import Node
from cooplink.testing import COOPLINK, free_port
from cooplink.testing import stop_process as stop


class Pair:
    def __init__(self, a: Node, b: Node):
        self.a, self.b = a, b
        self.http = httpx.Client(timeout=10)

    def cli(self, node: Node, *args: str, answer: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(COOPLINK), "--node", str(node.home), *args], input=answer, capture_output=True,
                              text=True, timeout=60, check=False)

    def post(self, body: bytes, key: keys.NodeKey | None = None, target: str | None = None, now=None,
             url: str | None = None) -> httpx.Response:
        """Signed as A's delivery worker signs (for ``target``, default B's inbox), sent to ``url``."""
        inbox = f"{self.b.base_url}/inbox"
        headers = sign(key or peers.node_key(self.a), "POST", target or inbox, body, now=now)
        return self.http.post(url or inbox, content=body, headers=headers)


def _serve(node: Node, port: int, log):
    return subprocess.Popen([str(COOPLINK), "--node", str(node.home), "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


@pytest.fixture
def pair(db_url, tmp_path):
    ports = free_port(), free_port()
    a = Node.init(tmp_path / "a", "Coop A", f"http://127.0.0.1:{ports[0]}")
    b = Node.init(tmp_path / "b", "Coop B", f"http://127.0.0.1:{ports[1]}", database=db_url)
    b.add_spec("widget", "Widget (component from A)", unit="piece")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = []
    try:
        for node, port, log in zip((a, b), ports, logs):
            with log.open("w") as output:
                processes.append(_serve(node, port, output))
        for node, process, log in zip((a, b), processes, logs):
            wait_until_up(node.base_url, process, log)
        together = Pair(a, b)
        yield together
        together.http.close()
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)


@pytest.fixture
def linked(pair: Pair) -> Pair:
    """B pinned A's key from A's running server, and mapped A's widget to its own (the CLI's `map add`)."""
    added = pair.cli(pair.b, "peer", "add", pair.a.base_url, "--yes", "--json")
    assert added.returncode == 0, added.stderr
    mapped = pair.cli(pair.b, "map", "add", pair.a.base_url, f"{pair.a.base_url}/specs/widget", "widget")
    assert mapped.returncode == 0, mapped.stderr
    return pair


def test_peer_add_shows_and_pins_the_fingerprint_of_the_key_the_peer_serves(pair):
    expected = keys.fingerprint(peers.node_key(pair.a).public)
    declined = pair.cli(pair.b, "peer", "add", pair.a.base_url, answer="n\n")
    assert declined.returncode == 1 and expected in declined.stderr
    assert peers.peers(pair.b) == []
    added = pair.cli(pair.b, "peer", "add", pair.a.base_url, answer="y\n")
    assert added.returncode == 0, added.stderr
    assert expected in added.stderr and expected in added.stdout
    [peer] = peers.peers(pair.b)
    assert (peer.id, peer.fingerprint, peer.inbox) == (pair.a.base_url, expected, f"{pair.a.base_url}/inbox")
    again = pair.cli(pair.b, "peer", "add", pair.a.base_url, "--yes", "--json")
    assert again.returncode == 1 and again.stderr.startswith("error: peer: ")


def test_a_signed_sale_from_a_reaches_b_and_ten_deliveries_have_one_effect(linked):
    sale, activity = shipped(linked.a, linked.b.base_url, quantity="7 piece", lot="LOT-7")
    assert linked.a.resource("W-A").onhand_quantity == Decimal(93)
    body = encoded(activity)
    answers = [linked.post(body) for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 10, answers[0].text
    assert [a.json()["status"] for a in answers].count("applied") == 1
    assert received_stock(linked.b) == Decimal(7)
    [received] = linked.b.inventory(spec="widget")
    assert received.lot.batch_lot_code == "LOT-7" and received.tracking_identifier == "W-A"
    assert linked.b.event(sale.id).resource_quantity.value == Decimal(7)
    assert linked.b.verify().ok


def test_ten_copies_sent_at_once_have_one_effect(linked):
    """Concurrent deliveries of one activity meet on its inbox row: one applies, the others answer duplicate."""
    _, activity = shipped(linked.a, linked.b.base_url, quantity="5 piece")
    body = encoded(activity)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: linked.post(body), range(10)))
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    assert sorted(a.json()["status"] for a in answers) == ["applied"] + ["duplicate"] * 9
    assert received_stock(linked.b) == Decimal(5)


def test_bad_requests_are_refused_with_the_right_status_and_leave_b_as_it_was(linked, tmp_path):
    _, activity = shipped(linked.a, linked.b.base_url)
    body = encoded(activity)
    stranger = Node.init(tmp_path / "x", "Coop X", f"http://127.0.0.1:{free_port()}")
    not_owned = json.loads(body)
    not_owned["object"]["resourceInventoriedAs"]["id"] = f"{stranger.base_url}/resources/abc"
    inbox = f"{linked.b.base_url}/inbox"
    before = snapshot(linked.b)
    cases = {
        "unsigned": (lambda: linked.http.post(inbox, content=body), 401),
        "tampered body": (lambda: linked.http.post(inbox, content=body.replace(b'"7"', b'"9"'),
                                                   headers=sign(peers.node_key(linked.a), "POST", inbox, body)), 401),
        "tampered target": (lambda: linked.post(body, target=inbox.replace("/inbox", "/inboy")), 401),
        "expired": (lambda: linked.post(body, now=datetime.datetime.now(datetime.UTC) - LIFETIME * 2), 401),
        "unknown peer": (lambda: linked.post(body, key=peers.node_key(stranger)), 403),
        "not its own resource": (lambda: linked.post(encoded(not_owned)), 403),
        "malformed": (lambda: linked.post(body[:-5]), 400),
    }
    for name, (send, status) in cases.items():
        response = send()
        assert response.status_code == status, (name, response.text)
        assert snapshot(linked.b) == before, name
    removed = linked.cli(linked.b, "peer", "remove", linked.a.base_url)
    assert removed.returncode == 0, removed.stderr
    before = snapshot(linked.b)
    assert linked.post(body).status_code == 403  # removed: refused, and still nothing recorded
    assert snapshot(linked.b) == before and received_stock(linked.b) == 0


def test_key_rotation_keeps_the_link_and_only_the_pinned_key_may_rotate(linked, tmp_path):
    (tmp_path / "f").mkdir()
    forger = keys.load_or_create(tmp_path / "f", linked.a.base_url)  # A's key id, another key
    stranger = keys.NodeKey(f"{linked.a.base_url}/actor#key-stranger", forger.private)  # a key id B never pinned
    before = snapshot(linked.b)
    assert linked.post(encoded(peers.rotation_statement(linked.a, forger, forger)), key=forger).status_code == 401
    assert linked.post(encoded(peers.rotation_statement(linked.a, stranger, stranger)), key=stranger).status_code \
        == 403
    assert snapshot(linked.b) == before
    added = linked.cli(linked.a, "peer", "add", linked.b.base_url, "--yes")  # A tells its peers
    assert added.returncode == 0, added.stderr
    old = peers.node_key(linked.a)
    rotated = linked.cli(linked.a, "key", "rotate", "--json")
    assert rotated.returncode == 0, rotated.stderr
    shown = json.loads(rotated.stdout)
    assert shown["old_key"] == old.key_id and shown["peers"] == {linked.b.base_url: "accepted"}
    new = peers.node_key(linked.a)
    [peer] = peers.peers(linked.b)
    assert (peer.key_id, peer.fingerprint) == (new.key_id, shown["fingerprint"]) and peer.removed_at is None
    assert httpx.get(f"{linked.a.base_url}/actor").json()["assertionMethod"][0]["id"] == new.key_id
    _, activity = shipped(linked.a, linked.b.base_url, quantity="4 piece")
    before = snapshot(linked.b)
    assert linked.post(encoded(activity), key=old).status_code == 403  # the old key is retired
    assert snapshot(linked.b) == before
    assert linked.post(encoded(activity), key=new).status_code == 200
    assert received_stock(linked.b) == Decimal(4)
