"""Orders, receipts, payments and disputes between two linked nodes, in process: each node's commands write
activities into its outbox in the same transaction; ``exchange`` hands every pending one, signed by its sender, to
the other node's inbox (FastAPI TestClient) until neither has anything left to say. The customer (B) runs on the
backend under test."""

import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cooplink.api.app import create_app
from cooplink.ledger import federation
from cooplink.ledger import outbox as outbox_rows
from cooplink.link import peers
from cooplink.link.signatures import sign
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.vf.errors import VFError

A_URL = "http://127.0.0.1:8011"


class Linked:
    def __init__(self, a: Node, b: Node):
        self.a, self.b = a, b
        self.clients = {a.base_url: TestClient(create_app(a)), b.base_url: TestClient(create_app(b))}
        self.handed: set[str] = set()

    def pending(self, sender: Node) -> list[str]:
        with sender.reading() as ledger:
            return [r.body for r in outbox_rows.rows(ledger, "pending", None) if r.activity_id not in self.handed]

    def post(self, sender: Node, body: str):
        receiver = self.b if sender is self.a else self.a
        self.handed.add(json.loads(body)["id"])
        data = body.encode()
        signed = sign(peers.node_key(sender), "POST", f"{receiver.base_url}/inbox", data)
        return self.clients[receiver.base_url].post("/inbox", content=data, headers=signed)

    def exchange(self) -> list[str]:
        """Deliver everything both ways, in order, until both outboxes are done: the answers' statuses."""
        statuses = []
        while bodies := [(n, b) for n in (self.a, self.b) for b in self.pending(n)]:
            for sender, body in bodies:
                response = self.post(sender, body)
                assert response.status_code == 200, response.text
                statuses.append(response.json()["status"])
        return statuses


def inbox(node: Node) -> list[tuple[str, str]]:
    with node.reading() as ledger:
        return [(r.type, r.status) for r in federation.inbox_rows(ledger)]


@pytest.fixture
def linked(node: Node, tmp_path) -> Linked:
    a = Node.init(tmp_path / "a", "Coop A", A_URL)
    a.add_spec("widget", "Widget", unit="piece", classified_as=("https://example.org/cpc/42999",))
    a.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W-A", lot="LOT-7"))
    node.add_spec("component", "Component widget", unit="piece", classified_as=("https://example.org/cpc/42999",))
    node.add_spec("bolt", "Bolt", unit="piece")
    peers.add_peer(a, peers.read_actor(peers.actor_document(node), node.base_url))
    peers.add_peer(node, peers.read_actor(peers.actor_document(a), A_URL))
    return Linked(a, node)


def proposed(linked: Linked, quantity: str = "10 piece") -> str:
    """B proposes a purchase order; A maps B's spec (from the review queue) and accepts it."""
    order = linked.b.create_order("purchase", A_URL, [OrderLine("component", quantity, "2.35", "19")], "EUR")
    assert order.status == "proposed"
    assert linked.exchange() == ["waiting"]  # A has not mapped B's component yet
    [review] = linked.a.mapping_reviews()
    assert review.suggestion == linked.a.iri("specs", "widget")  # shared classification
    linked.a.approve_mapping(linked.b.base_url, review.their_spec)
    assert linked.a.order(order.id).agreement.status == "proposed"
    return order.id


# orders ---------------------------------------------------------------------------------------------------------
def test_a_customers_purchase_order_is_accepted_by_the_supplier_and_both_see_it(linked):
    order = proposed(linked)
    with pytest.raises(VFError, match="accept"):
        linked.a.ship(order, Ship(1, "4 piece", resource="W-A"))
    linked.a.accept_order(order)
    assert linked.exchange() == ["applied"]
    on_a, on_b = linked.a.order(order).agreement, linked.b.order(order).agreement
    assert (on_a.direction, on_a.status, on_a.counterparty) == ("sale", "accepted", linked.b.base_url)
    assert (on_b.direction, on_b.status) == ("purchase", "accepted")
    assert [c.id for c in on_a.commitments] == [c.id for c in on_b.commitments]
    assert on_a.lines[0].resource_conforms_to == linked.a.iri("specs", "widget")
    assert on_b.lines[0].resource_conforms_to == linked.b.iri("specs", "component")
    assert on_a.payment.amount == on_b.payment.amount == Decimal("27.97")


def test_a_rejected_order_is_rejected_on_both_nodes_and_never_shipped(linked):
    order = proposed(linked)
    linked.a.reject_order(order, "out of stock until March")
    linked.exchange()
    assert linked.a.order(order).agreement.status == linked.b.order(order).agreement.status == "rejected"
    with pytest.raises(VFError, match="rejected"):
        linked.a.ship(order, Ship(1, "4 piece", resource="W-A"))


def test_an_order_names_the_suppliers_spec_once_the_customer_has_mapped_it(linked):
    linked.b.map_spec(A_URL, f"{A_URL}/specs/widget", "component")
    order = linked.b.create_order("purchase", A_URL, [OrderLine("component", "5 piece", "2.35")], "EUR")
    assert linked.exchange() == ["applied"]  # no review on A: B named A's own widget
    assert linked.a.mapping_reviews() == []
    assert linked.a.order(order.id).agreement.lines[0].resource_conforms_to == linked.a.iri("specs", "widget")


def test_a_supplier_made_order_is_the_customers_purchase_order_at_once(linked):
    linked.b.map_spec(A_URL, f"{A_URL}/specs/widget", "component")
    order = linked.a.create_order("sale", linked.b.base_url, [OrderLine("widget", "3 piece", "2.00")], "EUR")
    assert order.status == "accepted" and linked.exchange() == ["applied"]
    assert linked.b.order(order.id).agreement.status == "accepted"


# deliveries -----------------------------------------------------------------------------------------------------
def accepted(linked: Linked, quantity: str = "10 piece") -> str:
    order = proposed(linked, quantity)
    linked.a.accept_order(order)
    linked.b.map_spec(A_URL, f"{A_URL}/specs/widget", "component")
    linked.exchange()
    return order


def test_partial_shipments_fulfil_the_customers_order_line_and_leave_a_backorder(linked):
    order = accepted(linked)
    linked.a.ship(order, Ship(1, "4 piece", resource="W-A"))
    assert linked.exchange() == ["applied"]
    [line] = linked.b.order(order).lines
    assert (line.shipped.value, line.backordered.value) == (4, 6)
    linked.a.ship(order, Ship(1, "6 piece", resource="W-A"))
    linked.exchange()
    assert linked.b.order(order).complete and linked.a.order(order).complete
    assert sum(r.onhand_quantity for r in linked.b.inventory(spec="component")) == 10
    with pytest.raises(VFError, match="arrive by themselves"):
        linked.b.ship(order, Ship(1, "1 piece", id=f"{A_URL}/events/by-hand"))


def test_a_delivery_beyond_the_customers_order_line_is_refused_and_changes_nothing(linked):
    order = accepted(linked, "5 piece")
    linked.a.ship(order, Ship(1, "5 piece", resource="W-A"))
    [body] = linked.pending(linked.a)
    more = json.loads(body)
    more["id"] += "-again"
    more["object"]["id"] += "-again"
    linked.exchange()
    response = linked.post(linked.a, json.dumps(more))
    assert response.status_code == 422 and response.json()["field"] == "object.resourceQuantity"
    assert sum(r.onhand_quantity for r in linked.b.inventory(spec="component")) == 5


# payments -------------------------------------------------------------------------------------------------------
def invoiced(linked: Linked) -> str:
    order = accepted(linked)
    linked.a.ship(order, Ship(1, "10 piece", resource="W-A"))
    invoice = linked.a.create_invoice(order)
    linked.exchange()
    return invoice.claim.number


def test_the_customers_payments_mark_the_suppliers_invoice_partly_then_fully_paid(linked):
    number = invoiced(linked)
    linked.b.pay(number, "10.00", "EUR")
    assert linked.exchange() == ["applied"]
    assert linked.a.invoice(number).status == "partially paid" and linked.a.invoice(number).outstanding == Decimal(
        "17.97")
    linked.b.pay(number, "17.97", "EUR")
    linked.exchange()
    on_a, on_b = linked.a.invoice(number), linked.b.invoice(number)
    assert on_a.status == on_b.status == "paid" and on_a.outstanding == on_b.outstanding == 0
    assert [p.id for p in on_a.payments] == [p.id for p in on_b.payments]


@pytest.mark.parametrize("change", ["amount", "currency", "settles"])
def test_a_payment_that_does_not_fit_the_invoice_is_refused_and_records_nothing(linked, change):
    number = invoiced(linked)
    linked.b.pay(number, "5.00", "EUR")
    [body] = linked.pending(linked.b)
    payment = json.loads(body)
    if change == "amount":
        payment["object"]["resourceQuantity"]["hasNumericalValue"] = "99.00"
    elif change == "currency":
        payment["object"]["resourceQuantity"]["hasUnit"] = "USD"
    else:
        payment["object"]["settles"] = f"{A_URL}/claims/none"
    response = linked.post(linked.b, json.dumps(payment))
    assert response.status_code in (400, 422), response.text
    assert linked.a.invoice(number).paid == 0 and ("Create", "applied") not in inbox(linked.a)[-1:]


# disputes -------------------------------------------------------------------------------------------------------
def test_a_short_delivery_disputed_by_the_customer_is_resolved_by_the_suppliers_credit_note(linked):
    number = invoiced(linked)
    [delivery] = linked.b.invoice(number).claim.triggered_by
    dispute = linked.b.open_dispute(delivery, "2 broken in transport", "10 piece", "8 piece")
    assert sum(r.onhand_quantity for r in linked.b.inventory(spec="component")) == 8  # what is on the shelf
    assert linked.b.verify().ok
    assert linked.exchange() == ["applied"]
    [on_a] = linked.a.disputes()
    assert (on_a.id, on_a.opened_by, on_a.subject) == (dispute.id, linked.b.base_url, delivery)
    linked.a.resolve_dispute(dispute.id, credit={1: "2 piece"})
    assert linked.exchange() == ["applied", "applied"]  # the credit note, then the resolution
    assert linked.a.disputes() == linked.b.disputes() == []
    [resolved_a] = linked.a.disputes(open_only=False)
    [resolved_b] = linked.b.disputes(open_only=False)
    assert resolved_a.resolved_by == resolved_b.resolved_by
    credit_note = linked.b.invoice(resolved_b.resolved_by)
    assert credit_note.status == "credit note" and credit_note.claim.credits == linked.b.invoice(number).claim.id
    assert linked.a.invoice(number).outstanding == linked.b.invoice(number).outstanding == Decimal("22.38")


def test_a_dispute_about_what_is_not_between_the_two_nodes_is_refused(linked):
    number = invoiced(linked)
    linked.b.open_dispute(number, "price is not what we agreed", "20.00", "27.97")
    [body] = linked.pending(linked.b)
    lie = json.loads(body)
    lie["id"] += "-lie"
    lie["object"]["id"] += "-lie"
    lie["object"]["subject"] = f"{A_URL}/claims/someone-elses"
    response = linked.post(linked.b, json.dumps(lie))
    assert response.status_code == 422 and response.json()["field"] == "object.subject"
    assert linked.a.disputes() == []


# bad input ------------------------------------------------------------------------------------------------------
def test_an_accept_for_an_order_that_is_not_ours_with_that_peer_is_refused(linked):
    accept = {"@context": ["https://www.w3.org/ns/activitystreams"], "id": f"{A_URL}/activities/x", "type": "Accept",
              "actor": A_URL, "object": f"{linked.b.base_url}/agreements/none"}
    response = linked.post(linked.a, json.dumps(accept))
    assert response.status_code == 422 and inbox(linked.b) == []


@pytest.mark.parametrize("change", ["total", "seller", "position", "price"])
def test_an_offer_that_does_not_add_up_is_refused_and_records_nothing(linked, change):
    linked.a.map_spec(linked.b.base_url, linked.b.iri("specs", "component"), "widget")
    linked.b.create_order("purchase", A_URL, [OrderLine("component", "10 piece", "2.35", "19")], "EUR")
    [body] = linked.pending(linked.b)
    offer = json.loads(body)
    thing = offer["object"]
    if change == "total":
        thing["stipulatesReciprocal"][0]["resourceQuantity"]["hasNumericalValue"] = "1.00"
    elif change == "seller":
        thing["provider"] = linked.b.base_url
    elif change == "position":
        thing["stipulates"][0]["position"] = 2
    else:
        thing["stipulates"][0]["unitPrice"] = "two euros"
    response = linked.post(linked.b, json.dumps(offer))
    assert response.status_code in (400, 403, 422), response.text
    assert linked.a.orders() == [] and inbox(linked.a) == []


# the CLI and the API ----------------------------------------------------------------------------------------------
def test_reviews_are_listed_and_approved_from_the_cli_and_the_api(linked):
    from typer.testing import CliRunner

    from cooplink.cli.main import app

    linked.b.create_order("purchase", A_URL, [OrderLine("component", "1 piece", "2.35")], "EUR")
    linked.b.create_order("purchase", A_URL, [OrderLine("bolt", "1 piece", "0.10")], "EUR")
    assert linked.exchange() == ["waiting", "waiting"]
    cli = CliRunner()
    listed = cli.invoke(app, ["--node", str(linked.a.home), "map", "review", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {r["name"] for r in json.loads(listed.output)} == {"Component widget", "Bolt"}
    component = linked.b.iri("specs", "component")
    approved = cli.invoke(app, ["--node", str(linked.a.home), "map", "approve", linked.b.base_url, component])
    assert approved.exit_code == 0, approved.output
    assert len(linked.a.orders()) == 1
    _, token = linked.a.create_token("member", "clerk")
    client = linked.clients[A_URL]
    answer = client.post("/mappings/reviews/reject", json={"peer": linked.b.base_url,
                                                           "their_spec": linked.b.iri("specs", "bolt")},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["decision"] == "rejected"
    assert len(linked.a.orders()) == 1 and [s for _, s in inbox(linked.a)] == ["applied", "refused"]
    maps = client.get("/mappings", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(m["their_spec"], m["our_spec"]) for m in maps] == [(component, linked.a.iri("specs", "widget"))]


def test_the_customer_cannot_write_the_suppliers_credit_note_for_it(linked):
    number = invoiced(linked)
    dispute = linked.b.open_dispute(number, "price is not what we agreed", "20.00", "27.97")
    with pytest.raises(VFError, match="issues the credit note"):
        linked.b.resolve_dispute(dispute.id, credit={1: "1 piece"})


def test_a_short_delivery_may_be_disputed_without_lowering_the_stock(linked):
    number = invoiced(linked)
    [delivery] = linked.b.invoice(number).claim.triggered_by
    linked.b.open_dispute(delivery, "the delivery note says 12", "12 piece", "10 piece", adjust_stock=False)
    assert sum(r.onhand_quantity for r in linked.b.inventory(spec="component")) == 10


def test_the_inbox_lists_what_waits_and_for_what(linked):
    from typer.testing import CliRunner

    from cooplink.cli.main import app

    linked.b.create_order("purchase", A_URL, [OrderLine("component", "1 piece", "2.35")], "EUR")
    linked.exchange()
    [waiting] = linked.a.inbox("waiting")
    assert waiting.type == "Offer" and "not mapped yet" in waiting.note and linked.b.base_url in waiting.peer
    listed = CliRunner().invoke(app, ["--node", str(linked.a.home), "inbox", "--status", "waiting", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output)[0]["activity_id"] == waiting.activity_id
    linked.a.approve_mapping(linked.b.base_url, linked.b.iri("specs", "component"))
    assert [m.status for m in linked.a.inbox()] == ["applied"] and linked.a.inbox("waiting") == []
    with pytest.raises(VFError, match="status"):
        linked.a.inbox("lost")
