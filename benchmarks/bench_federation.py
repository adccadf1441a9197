"""Federation: two real `cooplink serve` processes on loopback, supplier A and customer B (SQLite, each in a temp
folder, peers pinned both ways). A's commands run in this process against A's database, as `cooplink invoice ...`
run beside a server would; A's server holds the delivery worker, which signs and POSTs to B's server.

1. Throughput, end to end: A holds N orders already shipped and delivered to B; from the first of N invoice
   commands (Node.create_invoice, each one transaction that enqueues a signed Create of the Claim) to the moment
   B has applied all N bills (polled in B's database). Baseline in the same run: the same N bodies POSTed unsigned
   to the same B server's /inbox, one after another from one httpx client (as the worker sends: one client, one
   peer's messages in order). /inbox refuses an unsigned request with 401 at once, before the body is parsed, so
   the baseline is what HTTP, uvicorn and the route cost for those bytes on that server, and nothing else: the
   figure's gap to it is signing, verifying, both databases and the worker's bookkeeping.
2. Latency at a steady rate: a ship command on A (one more piece of one of those orders) every 1/RATE s for
   SECONDS s; each message's latency is from the commit of its command (time taken here right after the command
   returns) to its inbox row at B (received_at, the same machine clock). received_at is stamped at the start of
   B's transaction, so B's own apply and commit (a few ms) is not in it. Baseline in the same run: the round trip
   of an unsigned POST of a shipment's body to B's /inbox at the same rate.

Aims (issue 3): >= 300 invoices/s end to end and ratio >= 0.3; p99 < 100 ms at 50 messages/s.

    .venv/bin/python benchmarks/bench_federation.py [N] [SECONDS]
"""

import bisect
import math
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
from common import report, scratch_folder
from sqlalchemy import func, select

from cooplink.ledger.schema import claims, inbox, outbox
from cooplink.link import peers
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.processes import free_port, start_cooplink, stop_process

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
RATE = 50  # commands per second in the latency run
TIMEOUT = 120  # seconds: give up waiting for B


def pair(folder: Path) -> tuple[Node, Node]:
    a = Node.init(folder / "a", "Coop A", f"http://127.0.0.1:{free_port()}")
    b = Node.init(folder / "b", "Coop B", f"http://127.0.0.1:{free_port()}")
    a.add_spec("widget", "Widget", unit="piece")
    a.record(RecordEvent("raise", f"{10 * (N + RATE * SECONDS)} piece", spec="widget", tracking_identifier="W-S"))
    b.add_spec("widget", "Widget (component from A)", unit="piece")
    peers.add_peer(a, peers.read_actor(peers.actor_document(b), b.base_url))
    peers.add_peer(b, peers.read_actor(peers.actor_document(a), a.base_url))
    b.map_spec(a.base_url, f"{a.base_url}/specs/widget", "widget")  # B takes A's widgets as its own
    return a, b


def serve(node: Node, log: Path):
    port = node.base_url.rsplit(":", 1)[1]
    process = start_cooplink(node.home, log, "serve", "--host", "127.0.0.1", "--port", port, "--log-level", "warning")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"cooplink serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{node.base_url}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    sys.exit(f"cooplink serve did not come up:\n{log.read_text()}")


def count(node: Node, query) -> int:
    with node.reading() as ledger:
        return ledger.connection.execute(query).scalar_one()


def bills_applied(b: Node) -> int:
    return count(b, select(func.count()).select_from(claims).where(claims.c.direction == "purchase"))


def inbox_applied(b: Node) -> int:
    return count(b, select(func.count()).select_from(inbox).where(inbox.c.status == "applied"))


def wait_for(condition, what: str, poll: float = 0.01) -> float:
    """Polls until condition() holds; the moment it was first seen (perf_counter)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"not within {TIMEOUT} s: {what}")
        time.sleep(poll)
    return time.perf_counter()


def last_seq(a: Node) -> int:
    with a.reading() as ledger:
        return ledger.connection.execute(select(func.coalesce(func.max(outbox.c.seq), 0))).scalar_one()


def outbox_since(a: Node, seq: int) -> list:
    with a.reading() as ledger:
        return list(ledger.connection.execute(select(outbox).where(outbox.c.seq > seq).order_by(outbox.c.seq)))


def drained(a: Node) -> bool:
    return a.outbox_counts()["pending"] == 0


def shipped_orders(a: Node, b: Node, count_: int, more: int) -> list[str]:
    """count_ orders from A to B of 4 + ``more`` pieces, 4 of them shipped in one part, all of it applied at B before
    the figures start (the pieces left are for the latency run)."""
    orders = []
    for _ in range(count_):
        order = a.create_order("sale", b.base_url, [OrderLine("widget", f"{4 + more} piece", "2.35", "19")], "EUR").id
        a.ship(order, Ship(1, "4 piece", resource="W-S"))
        orders.append(order)
    wait_for(lambda: drained(a), "the shipments delivered", poll=0.1)
    return orders


def invoices_per_second(a: Node, b: Node, orders: list[str]) -> float:
    before = bills_applied(b)
    start = time.perf_counter()
    for order in orders:
        a.create_invoice(order)
    end = wait_for(lambda: bills_applied(b) - before >= len(orders), "B applied every bill")
    return len(orders) / (end - start)


def plain_posts_per_second(url: str, bodies: list[bytes]) -> float:
    with httpx.Client(timeout=10) as client:  # the worker's own set-up: one client, keep-alive
        client.post(url, content=bodies[0])  # the connection is open before the clock starts, as the worker's is
        start = time.perf_counter()
        for body in bodies:
            if client.post(url, content=body, headers={"Content-Type": "application/activity+json"}).status_code \
                    != 401:
                sys.exit("an unsigned POST to /inbox was not refused with 401")
        return len(bodies) / (time.perf_counter() - start)


def paced(seconds: float, action) -> None:
    """action(i) every 1/RATE s, on a fixed schedule (a late step does not shift the ones after it)."""
    start = time.perf_counter()
    for i in range(int(seconds * RATE)):
        delay = start + i / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        action(i)


def delivery_latencies(a: Node, b: Node, orders: list[str], seconds: float) -> tuple[list[float], list]:
    """Seconds from each command's commit to its message's inbox row at B, for every message the run wrote; and
    those messages (A's outbox rows). Each command ships one piece of one of the orders, in turn: one or two
    fulfilments an order, as in life (one order shipped a thousand times costs more per shipment on both sides)."""
    mark = last_seq(a)
    windows: list[tuple[float, float]] = []  # (just before the command, just after its commit), wall clock

    def command(i):
        began = time.time()
        a.ship(orders[i % len(orders)], Ship(1, "1 piece", resource="W-S"))
        windows.append((began, time.time()))

    paced(seconds, command)
    wait_for(lambda: drained(a), "the outbox drained", poll=0.1)
    sent = outbox_since(a, mark)
    received = {}
    wait_for(lambda: received.update(_received_at(b)) or all(r.activity_id in received for r in sent),
             "B received every message", poll=0.1)
    starts = [began for began, _ in windows]
    latencies = []
    for row in sent:  # a message belongs to the command whose transaction stamped its created_at
        committed = windows[bisect.bisect_right(starts, _epoch(row.created_at)) - 1][1]
        latencies.append(received[row.activity_id] - committed)
    return latencies, sent


def _received_at(b: Node) -> dict[str, float]:
    with b.reading() as ledger:
        found = ledger.connection.execute(select(inbox.c.activity_id, inbox.c.received_at)).all()
    return {activity: _epoch(at) for activity, at in found}


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def plain_round_trips(url: str, body: bytes, seconds: float) -> list[float]:
    times = []
    with httpx.Client(timeout=10) as client:
        client.post(url, content=body)

        def post(_):
            began = time.perf_counter()
            client.post(url, content=body, headers={"Content-Type": "application/activity+json"})
            times.append(time.perf_counter() - began)

        paced(seconds, post)
    return times


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def main() -> None:
    with scratch_folder("cooplink-bench-federation-") as folder:
        a, b = pair(folder)
        servers = [serve(b, folder / "b.log"), serve(a, folder / "a.log")]
        try:
            orders = shipped_orders(a, b, N, math.ceil(RATE * SECONDS / N))
            mark = last_seq(a)
            invoices = invoices_per_second(a, b, orders)
            wait_for(lambda: drained(a), "the invoices marked delivered")
            measured = outbox_since(a, mark)
            plain = plain_posts_per_second(f"{b.base_url}/inbox", [r.body.encode("utf-8") for r in measured])

            latencies, sent = delivery_latencies(a, b, orders, SECONDS)
            measured += sent
            round_trips = plain_round_trips(f"{b.base_url}/inbox", sent[-1].body.encode("utf-8"), SECONDS)
        finally:
            for process in servers:
                stop_process(process)
        assert a.verify().ok and b.verify().ok
        assert bills_applied(b) == N
        dead = a.outbox("dead")  # refused by B; none may be a message the figures count
        assert not {m.activity_id for m in dead} & {r.activity_id for r in measured}, [m.last_error for m in dead]
        assert inbox_applied(b) == len(a.outbox()) - len(dead)

    print(f"federation, two `cooplink serve` on 127.0.0.1 (SQLite, synchronous=FULL): {N:,} invoices end to end; "
          f"{len(latencies):,} shipments at {RATE}/s")
    report("invoices, A's command to B's bill", invoices, "/s", "unsigned POST to B's /inbox (401)", plain,
           "aim >= 300/s and ratio >= 0.3")
    ms = [x * 1000 for x in latencies]
    base = [x * 1000 for x in round_trips]
    for p in (50, 99):
        report(f"delivery latency at {RATE}/s, p{p}", percentile(ms, p), "ms", "unsigned POST round trip",
               percentile(base, p), "aim p99 < 100 ms" if p == 99 else "")
    print(f"{'latency max':<44} {max(ms):>12,.1f} ms")
    if dead:
        print(f"({len(dead)} other message(s) refused by B, not counted: {dead[0].type}: {dead[0].last_error})")


if __name__ == "__main__":
    main()
