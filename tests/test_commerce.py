"""Orders, shipments, invoices, payments, bills and disputes on one node: the domain half of the sale flow.

The expected figures are worked out by hand in the comments (EN 16931: line nets rounded half-up to the cent, VAT
per rate on the sum of the line nets)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cooplink.ledger import commerce as commerce_rows
from cooplink.ledger import schema
from cooplink.node import Node
from cooplink.node.commerce import OrderLine, Ship
from cooplink.node.service import RecordEvent
from cooplink.vf import agreements as money
from cooplink.vf.errors import VFError
from cooplink.vf.model import ClaimLine
from cooplink.vf.units import Measure

D = Decimal
MARCH = date(2026, 3, 1)


@pytest.fixture
def shop(widgets: Node) -> Node:
    """Coop A with a customer B, 100 widgets (W) and 50 kg of flour (F) in stock."""
    widgets.add_agent("b", "Coop B")
    widgets.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W"),
                   RecordEvent("raise", "50 kg", spec="flour", tracking_identifier="F"))
    return widgets


def _order(node: Node, direction: str = "sale"):
    # line 1: 10 widgets at 2.35 EUR, VAT 19 %; line 2: 8 kg flour at 3.15 EUR, VAT 7 %
    return node.create_order(direction, "b", [OrderLine("widget", "10 piece", "2.35", "19"),
                                              OrderLine("flour", "8 kg", "3.15", "7")], "EUR")


def _counts(node: Node) -> dict[str, int]:
    with node.reading() as ledger:
        return {t.name: ledger.connection.execute(select(func.count()).select_from(t)).scalar_one()
                for t in schema.metadata.sorted_tables}


def _refused(node: Node, field: str, call, *args, **kwargs) -> str:
    """The call is refused naming ``field``, and nothing at all is written."""
    before = _counts(node)
    with pytest.raises(VFError) as error:
        call(*args, **kwargs)
    assert error.value.field == field, error.value
    assert _counts(node) == before
    return error.value.reason


def _backorder(node: Node, order_id: str) -> list[tuple[Decimal, Decimal]]:
    return [(s.shipped.value, s.backordered.value) for s in node.order(order_id).lines]


def test_an_order_shipped_in_two_parts_invoiced_per_shipment_and_paid_in_two(shop):
    order = _order(shop)
    # nets 23.50 + 25.20 = 48.70; VAT 4.465 -> 4.47 and 1.764 -> 1.76; gross 48.70 + 6.23 = 54.93
    assert order.payment.amount == D("54.93")
    assert order.payment.provider.endswith("/agents/b") and order.payment.receiver == shop.agent_id
    assert _backorder(shop, order.id) == [(0, 10), (0, 8)]

    first = shop.ship(order.id, Ship(1, "6 piece", resource="W"), Ship(2, "2500 g", resource="F"))
    assert [f.quantity for f in first.fulfillments] == [Measure.of("6", "piece"), Measure.of("2.5", "kilogram")]
    assert _backorder(shop, order.id) == [(6, 4), (D("2.5"), D("5.5"))]
    assert shop.resource("W").accounting_quantity == 94 and shop.resource("F").accounting_quantity == D("47.5")
    assert not shop.order(order.id).complete

    one = shop.create_invoice(order.id, issued_on=MARCH)
    # 6 x 2.35 = 14.10; 2.5 x 3.15 = 7.875 -> 7.88; VAT 19 % of 14.10 = 2.679 -> 2.68, 7 % of 7.88 = 0.5516 -> 0.55
    assert one.claim.number == "INV-2026-0001"
    assert [line.net for line in one.claim.lines] == [D("14.10"), D("7.88")]
    assert one.totals.tax_by_rate == ((D(7), D("7.88"), D("0.55")), (D(19), D("14.10"), D("2.68")))
    assert (one.totals.net, one.totals.tax, one.totals.gross) == (D("21.98"), D("3.23"), D("25.21"))
    assert one.claim.due_on == date(2026, 3, 31)
    assert set(one.claim.triggered_by) == {e.id for e in first.events}
    assert one.status == "open" and one.outstanding == D("25.21")

    second = shop.ship(order.id, Ship(1, "4 piece", resource="W"), Ship(2, "5.5 kg", resource="F"))
    assert _backorder(shop, order.id) == [(10, 0), (8, 0)] and shop.order(order.id).complete
    two = shop.create_invoice(order.id, deliveries=[second.events[0].id, second.events[1].id], issued_on=MARCH)
    # 4 x 2.35 = 9.40; 5.5 x 3.15 = 17.325 -> 17.33; VAT 1.786 -> 1.79 and 1.2131 -> 1.21
    assert two.claim.number == "INV-2026-0002"
    assert (two.totals.net, two.totals.tax, two.totals.gross) == (D("26.73"), D("3.00"), D("29.73"))

    shop.pay("INV-2026-0001", "10.00", "EUR")
    assert (shop.invoice("INV-2026-0001").status, shop.invoice("INV-2026-0001").outstanding) == \
        ("partially paid", D("15.21"))
    shop.pay(one.claim.id, D("15.21"), "eur")
    paid = shop.invoice("INV-2026-0001")
    assert (paid.status, paid.paid, paid.outstanding) == ("paid", D("25.21"), 0)
    assert "outstanding" in _refused(shop, "amount", shop.pay, "INV-2026-0001", "0.01", "EUR")
    assert [v.status for v in shop.invoices()] == ["paid", "open"]


def test_shipping_more_than_is_backordered_or_the_wrong_item_is_refused(shop):
    order = _order(shop)
    shop.ship(order.id, Ship(1, "8 piece", resource="W"))
    assert "2 piece left" in _refused(shop, "resourceQuantity", shop.ship, order.id, Ship(1, "3 piece", resource="W"))
    _refused(shop, "resourceQuantity", shop.ship, order.id, Ship(1, "1 piece", resource="W"),
             Ship(1, "2 piece", resource="W"))  # together over what is left
    _refused(shop, "resourceInventoriedAs", shop.ship, order.id, Ship(2, "1 kg", resource="W"))
    _refused(shop, "resourceQuantity", shop.ship, order.id, Ship(2, "1 piece", resource="F"))
    _refused(shop, "fulfills", shop.ship, order.id, Ship(3, "1 kg", resource="F"))
    _refused(shop, "order", shop.ship, "nope", Ship(1, "1 piece", resource="W"))


def test_invoice_numbers_stay_gap_free_when_an_invoice_fails(shop, monkeypatch):
    order = _order(shop)
    first = shop.ship(order.id, Ship(1, "2 piece", resource="W"))
    assert shop.create_invoice(order.id, issued_on=MARCH).claim.number == "INV-2026-0001"
    assert "invoiced already" in _refused(shop, "delivery", shop.create_invoice, order.id,
                                          deliveries=[first.events[0].id], issued_on=MARCH)
    assert "not invoiced yet" in _refused(shop, "delivery", shop.create_invoice, order.id, issued_on=MARCH)
    shop.ship(order.id, Ship(1, "3 piece", resource="W"))

    def broken(ledger, claim):  # the number is allocated, then writing the invoice fails
        raise VFError("claim", "disk full")

    monkeypatch.setattr(commerce_rows, "add_claim", broken)
    _refused(shop, "claim", shop.create_invoice, order.id, issued_on=MARCH)
    monkeypatch.undo()
    assert shop.create_invoice(order.id, issued_on=MARCH).claim.number == "INV-2026-0002"
    assert [v.claim.number for v in shop.invoices()] == ["INV-2026-0001", "INV-2026-0002"]


def test_each_year_numbers_from_one(shop):
    order = _order(shop)
    shop.ship(order.id, Ship(1, "1 piece", resource="W"))
    shop.create_invoice(order.id, issued_on=MARCH)
    shop.ship(order.id, Ship(1, "1 piece", resource="W"))
    assert shop.create_invoice(order.id, issued_on=date(2027, 1, 4)).claim.number == "INV-2027-0001"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=8))
def test_partial_payments_never_overpay_and_sum_exactly(shop, cents):
    order = _order(shop)
    shop.ship(order.id, Ship(1, "1 piece", resource="W"), Ship(2, "1 kg", resource="F"))
    claim = shop.create_invoice(order.id).claim  # 2.35 + 3.15 = 5.50 net; 0.45 + 0.22 VAT; 6.17 gross
    accepted = D(0)
    for amount in (D(c).scaleb(-2) for c in cents):
        outstanding = shop.invoice(claim.id).outstanding
        if amount > outstanding:
            _refused(shop, "amount", shop.pay, claim.id, amount, "EUR")
        else:
            shop.pay(claim.id, amount, "EUR")
            accepted += amount
        view = shop.invoice(claim.id)
        assert view.outstanding >= 0
        assert view.paid == accepted and view.paid + view.outstanding == D("6.17")
        assert view.status == ("paid" if view.outstanding == 0 else "partially paid" if accepted else "open")


def test_a_short_delivery_disputed_and_resolved_by_a_credit_note(shop):
    order = _order(shop)
    shipped = shop.ship(order.id, Ship(1, "10 piece", resource="W"))
    invoice = shop.create_invoice(order.id, issued_on=MARCH)  # 23.50 + 4.47 VAT = 27.97
    dispute = shop.open_dispute(shipped.events[0].id, "two widgets missing", "10 piece", "8 piece")
    assert (dispute.subject_kind, dispute.expected, dispute.actual, dispute.measure) == ("delivery", 10, 8, "piece")
    assert [d.id for d in shop.disputes()] == [dispute.id]

    resolved = shop.resolve_dispute(dispute.id, credit={1: "2 piece"})
    note = shop.invoice(resolved.resolved_by)
    # -2 x 2.35 = -4.70; VAT 19 % = -0.893 -> -0.89; -5.59
    assert note.claim.credits == invoice.claim.id and note.claim.number.startswith("CN-")
    assert (note.totals.net, note.totals.tax, note.totals.gross) == (D("-4.70"), D("-0.89"), D("-5.59"))
    assert note.status == "credit note"
    after = shop.invoice(invoice.claim.id)
    assert (after.credited, after.outstanding) == (D("5.59"), D("22.38"))
    assert shop.disputes() == [] and shop.disputes(open_only=False)[0].resolved_by == note.claim.id
    _refused(shop, "dispute", shop.resolve_dispute, dispute.id, credit={1: "1 piece"})
    _refused(shop, "settles", shop.pay, note.claim.id, "1", "EUR")
    shop.pay(invoice.claim.number, "22.38", "EUR")
    assert shop.invoice(invoice.claim.id).status == "paid"


def test_an_invoice_disputed_and_resolved_by_a_corrected_delivery(shop):
    order = _order(shop)
    shipped = shop.ship(order.id, Ship(2, "4 kg", resource="F"))
    invoice = shop.create_invoice(order.id)
    dispute = shop.open_dispute(invoice.claim.number, "billed more than agreed", "12.00", "13.48")
    assert (dispute.subject, dispute.subject_kind, dispute.measure) == (invoice.claim.id, "claim", "EUR")
    _refused(shop, "resolvedBy", shop.resolve_dispute, dispute.id)
    _refused(shop, "resolvedBy", shop.resolve_dispute, dispute.id, corrected_by="no-such-event")
    [fix] = shop.record(RecordEvent("transfer", "0.5 kg", resource="F", receiver="b", note="the rest"))
    assert shop.resolve_dispute(dispute.id, corrected_by=fix.id).resolved_by == fix.id
    assert shop.disputes() == []
    assert shipped.events[0].id in invoice.claim.triggered_by


def test_disputes_refuse_bad_input(shop):
    order = _order(shop)
    shipped = shop.ship(order.id, Ship(1, "3 piece", resource="W"))
    event = shipped.events[0].id
    _refused(shop, "subject", shop.open_dispute, "nothing", "why", "1", "2")
    _refused(shop, "reason", shop.open_dispute, event, " ", "3 piece", "2 piece")
    _refused(shop, "actual", shop.open_dispute, event, "same", "3 piece", "3 piece")
    _refused(shop, "actual", shop.open_dispute, event, "kinds", "3 piece", "2 kg")
    _refused(shop, "actual", shop.open_dispute, event, "negative", "3 piece", "-1 piece")
    dispute = shop.open_dispute(event, "short", "3 piece", "2 piece")
    assert "not invoiced" in _refused(shop, "invoice", shop.resolve_dispute, dispute.id, credit={1: "1 piece"})
    shop.create_invoice(order.id)
    _refused(shop, "resourceQuantity", shop.resolve_dispute, dispute.id, credit={1: "4 piece"})
    _refused(shop, "lines", shop.resolve_dispute, dispute.id, credit={2: "1 piece"})


def test_orders_refuse_bad_input_and_write_nothing(shop):
    good = [OrderLine("widget", "1 piece", "2", "19")]
    _refused(shop, "counterparty", shop.create_order, "sale", "nobody", good, "EUR")
    _refused(shop, "counterparty", shop.create_order, "sale", "self", good, "EUR")
    _refused(shop, "currency", shop.create_order, "sale", "b", good, "EURO")
    _refused(shop, "currency", shop.create_order, "sale", "b", good, "XYZ")
    _refused(shop, "direction", shop.create_order, "gift", "b", good, "EUR")
    _refused(shop, "commitments", shop.create_order, "sale", "b", [], "EUR")
    _refused(shop, "paymentTerms", shop.create_order, "sale", "b", good, "EUR", -1)
    for line, field in [(OrderLine("gadget", "1 piece", "2"), "resourceConformsTo"),
                        (OrderLine("widget", "0 piece", "2"), "resourceQuantity"),
                        (OrderLine("widget", "-1 piece", "2"), "resourceQuantity"),
                        (OrderLine("widget", "1 kg", "2"), "resourceQuantity"),
                        (OrderLine("widget", "1 piece", "0"), "unitPrice"),
                        (OrderLine("widget", "1 piece", "-2"), "unitPrice"),
                        (OrderLine("widget", "1 piece", 2.5), "unitPrice"),
                        (OrderLine("widget", "1 piece", "2", "101"), "taxRate")]:
        _refused(shop, f"commitments[2].{field}", shop.create_order, "sale", "b", [*good, line], "EUR")
    _refused(shop, "order", shop.order, "nope")
    assert shop.orders() == []


def test_payments_refuse_bad_input_and_write_nothing(shop):
    order = _order(shop)
    shop.ship(order.id, Ship(1, "1 piece", resource="W"))
    number = shop.create_invoice(order.id).claim.number  # 2.35 + 0.45 VAT = 2.80
    _refused(shop, "amount", shop.pay, number, "0", "EUR")
    _refused(shop, "amount", shop.pay, number, "-1", "EUR")
    _refused(shop, "amount", shop.pay, number, "1.005", "EUR")
    _refused(shop, "amount", shop.pay, number, "2.81", "EUR")
    _refused(shop, "amount", shop.pay, number, 1.5, "EUR")
    _refused(shop, "currency", shop.pay, number, "1", "USD")
    _refused(shop, "currency", shop.pay, number, "1", "EURO")
    _refused(shop, "claim", shop.pay, "INV-1999-0001", "1", "EUR")
    _refused(shop, "order", shop.create_invoice, "nope")
    _refused(shop, "delivery", shop.create_invoice, order.id, deliveries=["not-a-delivery"])
    shop.ship(order.id, Ship(1, "1 piece", resource="W"))
    _refused(shop, "number", shop.create_invoice, order.id, number="MINE-1")
    assert shop.invoice(number).status == "open"


def test_a_purchase_received_and_billed_on_the_buyer_side(shop):
    order = _order(shop, "purchase")
    assert (order.direction, order.payment.provider) == ("purchase", shop.agent_id)
    supplier_stock = "http://127.0.0.1:8002/resources/abc"
    received = shop.ship(order.id, Ship(1, "6 piece", resource=supplier_stock, new_to_resource=True,
                                        id="http://127.0.0.1:8002/events/e1"))
    [event] = received.events
    assert (event.id, event.provider.endswith("/agents/b"), event.receiver) == \
        ("http://127.0.0.1:8002/events/e1", True, shop.agent_id)
    assert shop.resource(event.to_resource_inventoried_as).accounting_quantity == 6
    _refused(shop, "number", shop.record_bill, order.id, " ")
    _refused(shop, "order", shop.record_bill, _order(shop).id, "B-77")
    bill = shop.record_bill(order.id, "B-2026-17", issued_on=MARCH)
    # 6 x 2.35 = 14.10; VAT 2.679 -> 2.68; 16.78
    assert (bill.claim.number, bill.claim.direction, bill.totals.gross) == ("B-2026-17", "purchase", D("16.78"))
    assert bill.claim.provider.endswith("/agents/b") and bill.claim.receiver == shop.agent_id
    assert [v.claim.number for v in shop.bills()] == ["B-2026-17"] and shop.invoices() == []
    payment = shop.pay("B-2026-17", "16.78", "EUR")
    assert payment.provider == shop.agent_id and shop.invoice("B-2026-17").status == "paid"


def test_tax_is_computed_per_rate_on_the_sum_of_rounded_line_nets():
    lines = [ClaimLine(i, "spec", Measure.of("1", "one"), D("0.05"), D(rate), D(net))
             for i, (rate, net) in enumerate([("19", "0.05"), ("19.0", "0.05"), ("7", "0.05")], 1)]
    totals = money.totals(lines, "EUR")
    # 19 %: 0.10 x 0.19 = 0.019 -> 0.02 (per line it would be 0.01 + 0.01); 7 %: 0.0035 -> 0.00
    assert totals.tax_by_rate == ((D(7), D("0.05"), D("0.00")), (D(19), D("0.10"), D("0.02")))
    assert (totals.net, totals.tax, totals.gross) == (D("0.15"), D("0.02"), D("0.17"))
    assert money.line_net(D("2.5"), D("0.333"), "EUR") == D("0.83")  # 0.8325 half-up
    assert money.line_net(D("1"), D("0.125"), "EUR") == D("0.13")  # a half rounds up
    assert money.round_money(D("1.5"), "JPY") == D(2) and money.round_money(D("1.0005"), "KWD") == D("1.001")
    assert money.status(D("5"), D(0)) == "open" and money.status(D("5"), D("5")) == "paid"


def test_the_command_line_sells_ships_invoices_and_pays(shop, tmp_path):
    from typer.testing import CliRunner

    from cooplink.cli.main import app

    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, ["--node", str(shop.home), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    out = run("order", "create", "--with", "b", "--line", "widget:10 piece@2.35:19", "--line",
              "flour:8 kg@3.15:7", "--currency", "EUR")
    assert "total 54.93 EUR" in out
    [order] = shop.orders()
    run("order", "ship", order.agreement.id, "--line", "1:6 piece", "--line", "2:2500 g@F", "--from", "W")
    assert "4 piece" in run("order", "show", order.agreement.id)
    out = run("invoice", "create", "--order", order.agreement.id)
    assert "gross 25.21" in out and "open" in out
    assert "partially paid" in run("invoice", "pay", shop.invoices()[0].claim.number, "--amount", "5",
                                   "--currency", "EUR")
    refused = runner.invoke(app, ["--node", str(shop.home), "invoice", "pay", shop.invoices()[0].claim.number,
                                  "--amount", "500", "--currency", "EUR"])
    assert refused.exit_code == 1 and "error: amount:" in refused.output
    assert "B-" not in run("bill", "list")
    assert "no" in run("order", "list")
