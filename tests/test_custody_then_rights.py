"""Shipping in two steps, between two linked nodes in process (the customer on the backend under test): the supplier
hands over custody (`order ship --custody`: transferCustody), and later the rights (`order rights`: one
transferAllRights per such delivery, named {delivery}/rights). In between, the goods are on the customer's shelf but
still the supplier's: on hand moved, accounting did not. Afterwards both quantities have moved on both nodes, the
invoice is the customer's bill, reconcile finds no difference and both ledgers verify."""

import json
from decimal import Decimal

import pytest
from test_sale_flow import pair  # noqa: F401 - the fixture

from cooplink.link import peers
from cooplink.link.signatures import sign
from cooplink.node import Node
from cooplink.node.commerce import RIGHTS, Ship, rights_iri
from cooplink.node.reconcile import compare, records
from cooplink.vf.errors import VFError


def quantities(node: Node, spec: str = "widget") -> tuple[Decimal, Decimal]:
    """(accounting, on hand) of the node's resources of the spec, summed."""
    found = node.inventory(spec=spec, include_empty=True)
    return sum((r.accounting_quantity for r in found), Decimal(0)), sum((r.onhand_quantity for r in found), Decimal(0))


def in_custody(pair, quantity: str = "4 piece"):  # noqa: F811 - the fixture
    order = pair.order()
    shipment = pair.supplier.ship(order, Ship(1, quantity, resource="W-S", custody=True))
    return order, shipment.events[0]


def test_custody_moves_the_goods_and_the_rights_follow_later(pair):  # noqa: F811
    order, delivery = in_custody(pair)
    assert delivery.action == "transferCustody"
    assert pair.flush() == ["applied"]
    assert quantities(pair.supplier) == (Decimal(100), Decimal(96))  # A still owns the 4 it no longer holds
    assert quantities(pair.customer) == (Decimal(0), Decimal(4))  # B holds 4 it does not own yet
    assert pair.supplier.order(order).lines[0].shipped.value == Decimal(4)  # custody delivers the line

    [rights] = pair.supplier.transfer_rights(order)
    assert (rights.action, rights.id) == (RIGHTS, rights_iri(delivery.id))
    [(_, body)] = pair.pending()
    assert json.loads(body)["object"]["action"] == RIGHTS
    assert pair.flush() == ["applied"]
    assert quantities(pair.supplier) == (Decimal(96), Decimal(96))
    assert quantities(pair.customer) == (Decimal(4), Decimal(4))
    [held] = pair.customer.inventory(spec="widget")
    assert held.lot.batch_lot_code == "LOT-7" and held.primary_accountable == pair.customer.agent_id
    assert pair.customer.event(rights.id).to_resource_inventoried_as == held.id

    pair.supplier.create_invoice(order)  # triggered by the custody delivery
    assert pair.flush() == ["applied"]
    [bill] = pair.customer.bills()
    assert bill.claim.triggered_by == (delivery.id,)
    assert compare(records(pair.supplier, pair.customer.base_url), records(pair.customer, pair.supplier.agent_id)) \
        == []
    assert pair.supplier.verify().ok and pair.customer.verify().ok


def test_the_rights_to_a_delivery_go_once(pair):  # noqa: F811
    order, delivery = in_custody(pair)
    pair.supplier.ship(order, Ship(1, "2 piece", resource="W-S"))  # a plain transfer: nothing to follow
    with pytest.raises(VFError) as nothing:
        pair.supplier.transfer_rights(order, [delivery.id.rsplit("/", 1)[1] + "x"])
    assert nothing.value.field == "delivery"
    pair.supplier.transfer_rights(order, [delivery.id.rsplit("/", 1)[1]])
    before = quantities(pair.supplier)
    with pytest.raises(VFError) as again:
        pair.supplier.transfer_rights(order)
    assert again.value.field == "delivery" and "waits for its rights" in again.value.reason
    assert quantities(pair.supplier) == before


def test_rights_that_come_before_their_delivery_wait_for_it(pair):  # noqa: F811
    order, delivery = in_custody(pair)
    pair.supplier.transfer_rights(order)
    [(_, custody), (_, rights)] = pair.pending()
    assert pair.deliver(rights)["status"] == "waiting"
    assert quantities(pair.customer) == (Decimal(0), Decimal(0))
    assert pair.deliver(custody)["status"] == "applied"  # and what waited for it with it
    assert quantities(pair.customer) == (Decimal(4), Decimal(4))
    assert pair.customer.verify().ok


def test_rights_that_do_not_match_their_delivery_are_refused(pair):  # noqa: F811
    order, delivery = in_custody(pair)
    assert pair.flush() == ["applied"]
    pair.supplier.transfer_rights(order)
    [(_, body)] = pair.pending()
    activity = json.loads(body)
    for field, value in (("resourceQuantity", {"hasNumericalValue": "5", "hasUnit": "piece"}),
                         ("id", f"{delivery.id}/more-rights")):
        bad = json.loads(body)
        bad["id"] = f"{activity['id']}-{field}"
        bad["object"][field] = value
        data = json.dumps(bad).encode()
        signed = sign(peers.node_key(pair.supplier), "POST", f"{pair.customer.base_url}/inbox", data)
        answer = pair.client.post("/inbox", content=data, headers=signed)
        assert answer.status_code == 422 and answer.json()["field"].startswith("object."), answer.text
    assert quantities(pair.customer) == (Decimal(0), Decimal(4))
    assert pair.deliver(body)["status"] == "applied"
    assert quantities(pair.customer) == (Decimal(4), Decimal(4))


def test_goods_in_custody_only_are_not_lowered_by_a_dispute(pair):  # noqa: F811
    _, delivery = in_custody(pair)
    assert pair.flush() == ["applied"]
    with pytest.raises(VFError) as refused:
        pair.customer.open_dispute(delivery.id, "1 broken", "4 piece", "3 piece")
    assert refused.value.field == "subject" and "--keep-stock" in refused.value.reason
    assert pair.customer.disputes() == [] and quantities(pair.customer) == (Decimal(0), Decimal(4))
    pair.customer.open_dispute(delivery.id, "1 broken", "4 piece", "3 piece", adjust_stock=False)
    assert len(pair.customer.disputes()) == 1


def test_the_command_line_ships_custody_then_the_rights(pair):  # noqa: F811
    from typer.testing import CliRunner

    from cooplink.cli.main import app

    order = pair.order()
    run = CliRunner()
    cli = ["--node", str(pair.supplier.home), "order"]
    shipped = run.invoke(app, [*cli, "ship", order.rsplit("/", 1)[-1], "--line", "1:3 piece", "--from", "W-S",
                               "--custody"])
    assert shipped.exit_code == 0 and "custody only" in shipped.stdout, shipped.output
    moved = run.invoke(app, [*cli, "rights", order.rsplit("/", 1)[-1], "--json"])
    assert moved.exit_code == 0, moved.output
    [event] = json.loads(moved.stdout)
    assert event["action"] == RIGHTS and event["resource_quantity"]["value"] == "3"
    again = run.invoke(app, [*cli, "rights", order.rsplit("/", 1)[-1]])
    assert again.exit_code == 1 and again.stderr.startswith("error: delivery: "), again.output
    assert pair.flush() == ["applied", "applied"] and quantities(pair.customer) == (Decimal(3), Decimal(3))
