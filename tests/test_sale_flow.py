"""The sale flow between two nodes, in process: the supplier's commands write activities into its outbox in the
same transaction; those rows, signed with the supplier's key as the delivery worker signs them, reach the customer's
inbox through FastAPI's TestClient. The customer runs on the backend under test."""

import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cooplink.api.app import create_app
from cooplink.ledger import commerce as commerce_rows
from cooplink.ledger import federation
from cooplink.ledger import outbox as outbox_rows
from cooplink.link import peers
from cooplink.link.signatures import sign
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship

SUPPLIER_URL = "http://127.0.0.1:8009"


class Pair:
    def __init__(self, supplier: Node, customer: Node):
        self.supplier, self.customer = supplier, customer
        self.client = TestClient(create_app(customer))
        self.handed: set[str] = set()

    def pending(self) -> list:
        """The supplier's outbox bodies not yet handed over, oldest first: (activity id, body)."""
        with self.supplier.reading() as ledger:
            return [(r.activity_id, r.body) for r in outbox_rows.rows(ledger, "pending", None)
                    if r.activity_id not in self.handed]

    def deliver(self, body: str) -> dict:
        data = body.encode("utf-8")
        self.handed.add(json.loads(body)["id"])
        signed = sign(peers.node_key(self.supplier), "POST", f"{self.customer.base_url}/inbox", data)
        response = self.client.post("/inbox", content=data, headers=signed)
        assert response.status_code == 200, response.text
        return response.json()

    def flush(self) -> list[str]:
        return [self.deliver(body)["status"] for _, body in self.pending()]

    def order(self, quantity: str = "10 piece") -> str:
        """A sale order to the customer, its Create delivered already."""
        order = self.supplier.create_order("sale", self.customer.base_url,
                                           [OrderLine("widget", quantity, "2.35", "19")], "EUR").id
        assert self.flush() == ["applied"]
        return order


@pytest.fixture
def pair(node: Node, tmp_path) -> Pair:
    supplier = Node.init(tmp_path / "supplier", "Coop S", SUPPLIER_URL)
    supplier.add_spec("widget", "Widget", unit="piece")
    supplier.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W-S", lot="LOT-7"))
    node.add_spec("widget", "Widget (component)", unit="piece")
    peers.add_peer(supplier, peers.read_actor(peers.actor_document(node), node.base_url))
    peers.add_peer(node, peers.read_actor(peers.actor_document(supplier), SUPPLIER_URL))
    node.map_spec(SUPPLIER_URL, f"{SUPPLIER_URL}/specs/widget", "widget")
    return Pair(supplier, node)


def stock(node: Node) -> Decimal:
    return sum((r.onhand_quantity for r in node.inventory(spec="widget")), Decimal(0))


def inbox_statuses(node: Node) -> list[str]:
    with node.reading() as ledger:
        return sorted(r.status for r in federation.inbox_rows(ledger))


def end_state(node: Node) -> tuple:
    [bill] = node.bills()
    return (stock(node), bill.claim.id, bill.claim.number, bill.totals, bill.claim.triggered_by,
            bill.claim.due_on, [(line.resource_quantity, line.unit_price, line.tax_rate, line.net)
                                for line in bill.claim.lines], inbox_statuses(node))


def test_a_shipment_raises_the_customers_stock_by_exactly_what_was_shipped(pair):
    order = pair.order()
    shipment = pair.supplier.ship(order, Ship(1, "4 piece", resource="W-S"))
    [(_, body)] = pair.pending()
    activity = json.loads(body)
    assert activity["object"]["fulfills"] == shipment.fulfillments[0].commitment
    assert activity["object"]["realizationOf"] == pair.supplier.iri("agreements", order)
    assert pair.deliver(body)["status"] == "applied"
    assert stock(pair.customer) == Decimal(4)
    [received] = pair.customer.inventory(spec="widget")
    assert received.lot.batch_lot_code == "LOT-7" and received.tracking_identifier == "W-S"
    assert pair.customer.event(shipment.events[0].id) is not None
    assert pair.customer.verify().ok


def test_no_message_for_a_customer_that_is_not_a_peer(pair):
    pair.supplier.add_agent("walkin", "Walk-in customer")
    order = pair.supplier.create_order("sale", "walkin", [OrderLine("widget", "2 piece", "1.00")], "EUR").id
    pair.supplier.ship(order, Ship(1, "2 piece", resource="W-S"))
    pair.supplier.create_invoice(order)
    assert pair.pending() == []


def test_an_invoice_becomes_the_customers_bill_with_the_same_number_and_totals(pair):
    order = pair.order()
    pair.supplier.ship(order, Ship(1, "4 piece", resource="W-S"))
    pair.supplier.ship(order, Ship(1, "6 piece", resource="W-S"))
    invoice = pair.supplier.create_invoice(order)
    for _, body in pair.pending():
        assert pair.deliver(body)["status"] == "applied"
    [bill] = pair.customer.bills()
    assert bill.claim.number == invoice.claim.number and bill.claim.id == invoice.claim.id
    assert bill.totals == invoice.totals and bill.totals.gross == Decimal("27.97")
    assert bill.claim.direction == "purchase" and bill.claim.due_on == invoice.claim.due_on
    assert set(bill.claim.triggered_by) == set(invoice.claim.triggered_by)
    assert all(pair.customer.event(e) is not None for e in bill.claim.triggered_by)
    assert bill.claim.lines[0].resource_conforms_to == f"{pair.customer.base_url}/specs/widget"
    with pair.customer.reading() as ledger:
        held = commerce_rows.agreement(ledger, bill.claim.agreement)
    assert bill.claim.agreement == pair.supplier.iri("agreements", order)
    assert (held.direction, held.counterparty, held.payment_terms_days) == ("purchase", SUPPLIER_URL, 30)
    assert stock(pair.customer) == Decimal(10)


def test_an_invoice_before_its_delivery_waits_and_ends_in_the_same_state(pair, tmp_path):
    order = pair.order()
    pair.supplier.ship(order, Ship(1, "10 piece", resource="W-S"))
    pair.supplier.create_invoice(order)
    [(_, shipped), (_, invoiced)] = pair.pending()
    assert pair.deliver(invoiced)["status"] == "waiting"
    assert pair.customer.bills() == [] and inbox_statuses(pair.customer) == ["applied", "waiting"]
    assert pair.deliver(shipped)["status"] == "applied"
    out_of_order = end_state(pair.customer)
    assert out_of_order[-1] == ["applied", "applied", "applied"]

    in_order = Node.init(tmp_path / "in-order", "Coop B2", pair.customer.base_url)
    in_order.add_spec("widget", "Widget (component)", unit="piece")
    peers.add_peer(in_order, peers.read_actor(peers.actor_document(pair.supplier), SUPPLIER_URL))
    in_order.map_spec(SUPPLIER_URL, f"{SUPPLIER_URL}/specs/widget", "widget")
    again = Pair(pair.supplier, in_order)
    with pair.supplier.reading() as ledger:
        [created] = [r.body for r in outbox_rows.rows(ledger, "pending", None) if '"Agreement"' in r.body]
    again.deliver(created)
    again.deliver(shipped)
    again.deliver(invoiced)
    assert end_state(in_order) == out_of_order


@pytest.mark.parametrize("invoice_first", [False, True])
def test_the_same_activity_delivered_twice_has_one_effect(pair, invoice_first):
    order = pair.order()
    pair.supplier.ship(order, Ship(1, "10 piece", resource="W-S"))
    pair.supplier.create_invoice(order)
    bodies = [body for _, body in pair.pending()]
    if invoice_first:
        bodies.reverse()
    answers = [pair.deliver(body)["status"] for body in bodies for _ in range(2)]
    assert answers.count("duplicate") == 2
    assert stock(pair.customer) == Decimal(10)
    assert len(pair.customer.bills()) == 1
    assert inbox_statuses(pair.customer) == ["applied", "applied", "applied"]
    assert pair.customer.verify().ok


def test_a_waiting_invoice_whose_totals_do_not_add_up_is_refused_when_its_delivery_arrives(pair):
    order = pair.order()
    pair.supplier.ship(order, Ship(1, "10 piece", resource="W-S"))
    pair.supplier.create_invoice(order)
    [(_, shipped), (_, invoiced)] = pair.pending()
    tampered = json.loads(invoiced)
    tampered["id"] += "-tampered"
    tampered["object"]["totals"]["gross"] = "1.00"
    assert pair.deliver(json.dumps(tampered))["status"] == "waiting"
    assert pair.deliver(shipped)["status"] == "applied"
    assert pair.customer.bills() == [] and stock(pair.customer) == Decimal(10)
    assert inbox_statuses(pair.customer) == ["applied", "applied", "refused"]
