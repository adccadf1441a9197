"""The main job: `cooplink demo` tells the two-co-op story with two real servers, and what it prints is what the two
ledgers hold afterwards, read here from their databases."""

import re
import time
from decimal import Decimal

import httpx
import pytest
from typer.testing import CliRunner

from cooplink import demo
from cooplink.cli.main import app
from cooplink.link import peers
from cooplink.node import Node
from cooplink.node.reconcile import compare, records

SECONDS = 40  # a few seconds on a quiet machine (most of it the two servers starting); generous for a busy CI


def run_demo(folder) -> str:
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < SECONDS
    return result.stdout


def counts(folder) -> list[tuple[int, int]]:
    """Events and outbox messages of each node."""
    nodes = [Node.open(folder / name) for name in ("coop-a", "coop-b")]
    return [(n.verify().events, len(n.outbox())) for n in nodes]


@pytest.fixture(scope="module")
def told(tmp_path_factory):
    """The demo, run twice into one folder for the module's tests: (the second run's output, Coop A's node, Coop B's
    node, what the first run left)."""
    folder = tmp_path_factory.mktemp("demo")
    run_demo(folder)
    first = counts(folder)
    out = run_demo(folder)  # the folders are recreated, not added to
    return out, Node.open(folder / "coop-a"), Node.open(folder / "coop-b"), first


def test_both_servers_are_stopped_and_nothing_is_left_in_flight(told):
    _, a, b, _ = told
    for node in (a, b):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{node.base_url}/actor", timeout=2)
        assert node.outbox_counts().get("pending", 0) == node.outbox_counts().get("dead", 0) == 0
        assert node.outbox() and all(m.status == "delivered" for m in node.outbox())
    for node, other in ((a, b), (b, a)):
        assert records(node, other.base_url)["in_flight"]["inbox"] == {"waiting": 0, "refused": 0}
        [peer] = peers.peers(node)
        assert peer.id == other.base_url and peer.fingerprint in told[0]


def test_b_stock_rises_by_exactly_what_a_shipped_with_a_lot_kept(told):
    _, a, b, _ = told
    [widgets] = a.inventory(spec="widget")
    assert widgets.onhand_quantity == widgets.accounting_quantity == demo.MADE - demo.ORDERED
    shipped = [e for e in a.history(widgets.id) if e.action == "transfer"]
    assert [e.resource_quantity.value for e in shipped] == [demo.FIRST, demo.ORDERED - demo.FIRST]
    received = [b.resource(b.event(e.id).to_resource_inventoried_as) for e in shipped]  # same event ids on B
    assert sum(r.accounting_quantity for r in received) + demo.USED + demo.BROKEN == demo.ORDERED  # 2 arrived broken
    assert {r.lot.batch_lot_code for r in received} == {demo.WIDGET_LOT}
    assert {r.tracking_identifier for r in received} == {demo.WIDGET_TRACKING}
    [order] = b.orders("purchase")
    assert order.agreement.status == "accepted" and order.complete
    [line] = order.lines
    assert (line.shipped.value, line.backordered.value) == (demo.ORDERED, 0)
    assert a.order(order.agreement.id).agreement.status == "accepted"


def test_the_review_and_the_map_ahead_are_both_learned(told):
    _, a, b, _ = told
    [review] = a.mapping_reviews(open_only=False)
    assert review.decision == "approved" and review.their_spec == f"{b.base_url}/specs/widget-component"
    assert [(m.their_spec, m.our_spec) for m in a.product_maps()] == [(review.their_spec, f"{a.base_url}/specs/widget")]
    assert [(m.their_spec, m.our_spec) for m in b.product_maps()] == \
        [(f"{a.base_url}/specs/widget", f"{b.base_url}/specs/widget-component")]


def test_the_bill_matches_the_invoice_and_is_paid_after_the_credit_note(told):
    _, a, b, _ = told
    invoice, credit = sorted(a.invoices(), key=lambda v: v.claim.credits is not None)
    bill, credit_bill = sorted(b.bills(), key=lambda v: v.claim.credits is not None)
    for ours, theirs in ((invoice, bill), (credit, credit_bill)):
        assert (theirs.claim.id, theirs.claim.number) == (ours.claim.id, ours.claim.number)
        assert theirs.totals == ours.totals
    assert invoice.totals.gross == Decimal("111.86") and credit.totals.gross == Decimal("-5.59")
    assert credit.claim.credits == invoice.claim.id and credit_bill.status == "credit note"
    assert invoice.status == bill.status == "paid" and invoice.outstanding == bill.outstanding == 0
    assert [p.amount for p in invoice.payments] == [p.amount for p in bill.payments] == \
        [demo.FIRST_PAYMENT, invoice.totals.gross + credit.totals.gross - demo.FIRST_PAYMENT]


def test_the_dispute_is_resolved_on_both_sides_by_the_credit_note(told):
    _, a, b, _ = told
    [on_a], [on_b] = a.disputes(open_only=False), b.disputes(open_only=False)
    assert on_a.id == on_b.id and on_a.opened_by == b.base_url
    assert on_a.resolved_by == on_b.resolved_by == next(v.claim.id for v in a.invoices() if v.claim.credits)
    assert (on_b.expected, on_b.actual, on_b.measure) == (Decimal(10), Decimal(8), "piece")
    assert a.event(on_a.subject).resource_quantity.value == demo.ORDERED - demo.FIRST


def test_the_trace_of_c_leaves_b_and_reaches_a_lot_and_process_on_a(told):
    out, a, b, _ = told
    steps = b.trace(demo.PRODUCT_TRACKING)
    [elsewhere] = [s.id for s in steps if s.kind == "elsewhere"]
    assert elsewhere == a.inventory(spec="widget")[0].id
    assert peers.peer(a, b.base_url).grants == ("trace",)
    on_a = [line for line in out.splitlines() if "[Coop A]" in line]
    assert any(f"lot {demo.WIDGET_LOT}" in line for line in on_a)
    assert any("process Widget run, November" in line for line in on_a)
    assert f"Product C's widgets come from Coop A's lot {demo.WIDGET_LOT}, made in process 'Widget run, November'" \
        in out
    [product] = b.inventory(spec="product-c")
    assert (product.lot.batch_lot_code, product.onhand_quantity) == (demo.PRODUCT_LOT, demo.PRODUCT_MADE)


def test_the_two_nodes_reconcile_and_both_ledgers_verify(told):
    out, a, b, _ = told
    assert compare(records(a, b.base_url), records(b, a.base_url)) == []
    assert compare(records(b, a.base_url), records(a, b.base_url)) == []
    assert out.count("no differences") == 2
    assert re.findall(r"(Coop [AB]): replayed \d+ events, checked \d+ resources: every balance equals", out) == \
        ["Coop A", "Coop B"]
    assert a.verify().ok and b.verify().ok


def test_a_second_run_starts_afresh(told):
    _, a, _, first = told
    assert counts(a.home.parent) == first  # and the first test saw one peer on each side, not two


def test_the_servers_stop_when_the_story_is_interrupted(tmp_path, monkeypatch):
    started, start = [], demo.start_server

    def recorded(*args):
        started.append(start(*args))
        return started[-1]

    monkeypatch.setattr(demo, "start_server", recorded)

    def interrupted(story):
        raise KeyboardInterrupt  # as Ctrl-C does, once both servers answer

    monkeypatch.setattr(demo, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        demo.run(tmp_path)
    assert len(started) == 2 and all(p.poll() is not None for p in started)
