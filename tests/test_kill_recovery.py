"""Two real `cooplink serve` processes on 127.0.0.1, supplier A and customer B, pinned to each other. Commands on A
(orders, shipments, invoices, run here against A's database as the command line runs beside a server) fill A's
outbox while A's server delivers it to B's server; in the middle of the run one server is killed with SIGKILL and
started again on the same folder and port:

- the receiver (B): what A sent while B was down is retried until B is back;
- the sender (A, whose server holds the delivery worker): the messages it had claimed wait out their lease (short
  here: `serve --lease`), then the restarted worker sends them.

Either way, once A's outbox is all delivered (none dead), B holds exactly one effect per message: its stock is the
sum shipped, one bill per invoice, one applied inbox row per outbox row of A; `cooplink verify` is clean on both
and `cooplink reconcile` finds no difference from either side. The node that is killed runs on the backend under
test; the other on SQLite.
"""

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from cooplink.ledger import federation
from cooplink.link import peers
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.testing import COOPLINK, free_port, start_cooplink, stop_process

ORDERS = 15
PARTS = ("1 piece", "3 piece")  # each order of 4 pieces ships in two parts, then is invoiced
PACE = 0.02  # seconds between commands on A
KILL_AFTER = 8  # activities applied at B before the kill
LEASE = "3"  # seconds: the killed worker's claims are free again this soon
WAIT_SECONDS = 90


class Link:
    """A and B, each with its `cooplink serve` (restartable on the same folder and port)."""

    def __init__(self, a: Node, b: Node, folder: Path):
        self.a, self.b, self.folder = a, b, folder
        self.servers: dict[str, subprocess.Popen] = {}
        self.at_kill = 0  # activities applied at B when the server was killed
        self.shipments: list = []
        self.invoices: list = []

    def log(self, node: Node) -> Path:
        return self.folder / f"{node.home.name}.log"

    def serve(self, node: Node) -> None:
        port = node.base_url.rsplit(":", 1)[1]
        process = start_cooplink(node.home, self.log(node), "serve", "--host", "127.0.0.1", "--port", port,
                                 "--log-level", "warning", "--lease", LEASE)
        self.servers[node.base_url] = process
        self.wait_for(lambda: _up(node.base_url), f"{node.name} answers /health", node)

    def kill(self, node: Node) -> None:
        process = self.servers[node.base_url]
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        for process in self.servers.values():
            stop_process(process)

    def wait_for(self, condition, what: str, watched: Node | None = None) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            for node in (self.a, self.b):
                process = self.servers.get(node.base_url)
                if process is not None and process.poll() is not None and process.returncode != -signal.SIGKILL:
                    pytest.fail(f"{node.name}'s server exited with {process.returncode} before {what}:\n"
                                f"{self.log(node).read_text()}")
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {n.name}\n{self.log(n).read_text()}" for n in (self.a, self.b)
                                 if self.log(n).exists())
                pytest.fail(f"not within {WAIT_SECONDS} s: {what}; A's outbox {self.a.outbox_counts()}\n{logs}")
            time.sleep(0.02)

    def commands(self) -> tuple[list, list]:
        """The run of commands on A, paced: (every shipment, every invoice)."""
        shipments, invoices = [], []
        for _ in range(ORDERS):
            order = self.a.create_order("sale", self.b.base_url, [OrderLine("widget", "4 piece", "2.35", "19")],
                                        "EUR").id
            for part in PARTS:
                time.sleep(PACE)
                shipments.append(self.a.ship(order, Ship(1, part, resource="W-A")))
            time.sleep(PACE)
            invoices.append(self.a.create_invoice(order))
            time.sleep(PACE)
        return shipments, invoices


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def applied(node: Node) -> int:
    with node.reading() as ledger:
        return sum(1 for row in federation.inbox_rows(ledger) if row.status == "applied")


@pytest.fixture
def linked(db_url: str, tmp_path) -> Iterator[Callable[[str], Link]]:
    """linked("receiver" or "sender"): A and B pinned both ways, B mapping A's widgets to its own, the node to be
    killed on the backend under test and the other on SQLite, both served."""
    made: list[Link] = []

    def make(killed: str) -> Link:
        urls = {"receiver": (None, db_url), "sender": (db_url, None)}[killed]
        a = Node.init(tmp_path / "a", "Coop A", f"http://127.0.0.1:{free_port()}", database=urls[0])
        b = Node.init(tmp_path / "b", "Coop B", f"http://127.0.0.1:{free_port()}", database=urls[1])
        a.add_spec("widget", "Widget", unit="piece")
        a.record(RecordEvent("raise", "1000 piece", spec="widget", tracking_identifier="W-A", lot="LOT-1"))
        b.add_spec("widget", "Widget (component from A)", unit="piece")
        peers.add_peer(a, peers.read_actor(peers.actor_document(b), b.base_url))
        peers.add_peer(b, peers.read_actor(peers.actor_document(a), a.base_url))
        b.map_spec(a.base_url, f"{a.base_url}/specs/widget", "widget")
        made.append(Link(a, b, tmp_path))
        made[-1].serve(b)
        made[-1].serve(a)
        return made[-1]

    try:
        yield make
    finally:
        for link in made:
            link.stop()


def test_the_receiver_killed_mid_run_gets_everything_once_after_its_restart(linked):
    link = linked("receiver")
    killed_in_the_middle(link, link.b)
    holds_one_effect_per_message(link)
    assert any(m.attempts > 1 for m in link.a.outbox())  # A's worker met B down, and tried again


def test_the_sender_killed_mid_run_delivers_everything_once_after_its_restart(linked):
    link = linked("sender")
    killed_in_the_middle(link, link.a)
    holds_one_effect_per_message(link)


def killed_in_the_middle(link: Link, victim: Node) -> None:
    """The run of commands on A; ``victim``'s server SIGKILLed once B has applied some of it, started again."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        run = pool.submit(link.commands)
        link.wait_for(lambda: applied(link.b) >= KILL_AFTER or run.done(), f"{KILL_AFTER} activities applied at B")
        link.kill(victim)
        link.at_kill = applied(link.b)
        assert KILL_AFTER <= link.at_kill and not run.done(), "the kill came after the run, not in the middle of it"
        time.sleep(0.5)  # A's commands go on meanwhile; if B is down, A's worker meets a closed port
        link.serve(victim)
        link.shipments, link.invoices = run.result(timeout=WAIT_SECONDS)


def holds_one_effect_per_message(link: Link) -> None:
    a, b = link.a, link.b
    link.wait_for(lambda: a.outbox_counts()["pending"] == 0, "A's outbox all delivered")
    sent = a.outbox()
    assert {m.status for m in sent} == {"delivered"}, [(m.seq, m.status, m.last_error) for m in sent]
    assert link.at_kill < len(sent)  # the kill left some of the run to deliver
    # no outbox row lost or duplicated: one per message, each the one inbox row B applied
    ids = [m.activity_id for m in sent]
    assert len(set(ids)) == len(ids)
    with b.reading() as ledger:
        received = federation.inbox_rows(ledger, a.base_url)
    assert sorted(r.activity_id for r in received) == sorted(ids)
    assert {r.status for r in received} == {"applied"}, [(r.type, r.status, r.note) for r in received]
    # one effect per message: every shipment once in B's stock, every invoice once a bill
    events = [e.id for shipment in link.shipments for e in shipment.events]
    assert len(events) == ORDERS * len(PARTS) and all(b.event(e) is not None for e in events)
    assert sum((r.onhand_quantity for r in b.inventory(spec="widget")), Decimal(0)) == Decimal(4 * ORDERS)
    assert a.resource("W-A").onhand_quantity == Decimal(1000 - 4 * ORDERS)
    bills = {bill.claim.id: bill for bill in b.bills()}
    assert sorted(bills) == sorted(i.claim.id for i in link.invoices)
    for invoice in link.invoices:
        bill = bills[invoice.claim.id]
        assert (bill.claim.number, bill.totals) == (invoice.claim.number, invoice.totals)
    for node in (a, b):
        verified = _cli(node, "verify", "--json")
        assert verified.returncode == 0 and json.loads(verified.stdout)["ok"], verified.stdout + verified.stderr
    for node, other in ((a, b), (b, a)):  # and each side holds what the other does about what they share
        reconciled = _cli(node, "reconcile", other.base_url, "--json")
        assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
        assert json.loads(reconciled.stdout)["differences"] == []


def _cli(node: Node, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(COOPLINK), "--node", str(node.home), *args], capture_output=True, text=True,
                          timeout=60, check=False)

