"""The recall report finds exactly the customers who received any part of a lot, across two nodes on one machine.

Coop A mills flour lot F-1 and sells some to customer X and some to Coop B; another lot, F-2, goes to W. Coop B
records the same sale event on its own node, bakes bread lot BR-1 from A's flour and sells it to Y and Z (and some
of the flour itself to Y); bread BR-2, from another miller's flour, goes to U. Recalling F-1 must name X, B, Y and
Z: never W or U, and Y and Z only by following the goods onto B's node.
"""

import json
from types import SimpleNamespace

import pytest
from cooplink_food.recall import recall
from cooplink_food.store import recall_runs
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.node import Node, RecordEvent
from cooplink.vf.errors import VFError

A_URL, B_URL = "http://127.0.0.1:8001", "http://127.0.0.1:8002"
X, W = "http://x.example", "http://w.example"  # Coop A's customers, with no node of their own
Y, Z, U = (f"{B_URL}/agents/{name}" for name in ("y", "z", "u"))  # Coop B's customers


@pytest.fixture
def chain(food, tmp_path, peer_db_url) -> SimpleNamespace:
    coop_a = food
    for url, name in ((X, "Customer X"), (W, "Customer W"), (B_URL, "Coop B")):
        coop_a.add_agent(url, name)
    [f1, _] = coop_a.record(RecordEvent("produce", "100 kg", spec="flour", lot="F-1", tracking_identifier="F1"),
                             RecordEvent("produce", "50 kg", spec="flour", lot="F-2", tracking_identifier="F2"))
    [to_x, to_b, to_w] = coop_a.record(
        RecordEvent("transfer", "10 kg", resource="F1", receiver=X),
        RecordEvent("transfer", "30 kg", resource="F1", receiver=B_URL),
        RecordEvent("transfer", "20 kg", resource="F2", receiver=W))
    coop_b = Node.init(tmp_path / "node-b", "Coop B", B_URL, database=peer_db_url)
    coop_b.enable_module("food")
    received, to_y, to_z, to_u = _coop_b_bakes_and_sells(coop_b, coop_a, to_b)
    return SimpleNamespace(a=coop_a, b=coop_b, f1=f1.resource_inventoried_as, to_x=to_x.id, to_b=to_b.id,
                           to_w=to_w.id, received=received, to_y=to_y, to_z=to_z, to_u=to_u)


def _coop_b_bakes_and_sells(coop_b: Node, coop_a: Node, sale):
    coop_b.add_agent(A_URL, "Coop A")
    for ref, name in (("y", "Customer Y"), ("z", "Customer Z"), ("u", "Customer U")):
        coop_b.add_agent(ref, name)
    coop_b.add_spec("flour-in", "Flour (from Coop A)", unit="kilogram")
    coop_b.add_spec("bread", "Bread", unit="piece", attributes={"food.shelf_life_days": 5})
    expires = coop_a.resource("F1").lot.expiration_date.isoformat()
    [receipt, other] = coop_b.record(
        RecordEvent("transfer", "30 kg", id=sale.id, resource=sale.resource_inventoried_as, provider=A_URL,
                    receiver="self", new_to_resource=True, to_spec="flour-in", lot="F-1", lot_expiration=expires),
        RecordEvent("raise", "40 kg", spec="flour-in", lot="M-9", tracking_identifier="M9", note="another miller"))
    received = receipt.to_resource_inventoried_as
    _bake(coop_b, received, "BR-1", "40 piece")
    _bake(coop_b, other.resource_inventoried_as, "BR-2", "20 piece")
    to_y, _, to_z, to_u = coop_b.record(
        RecordEvent("transfer", "10 piece", resource="BR-1", receiver="y"),
        RecordEvent("transfer", "2 kg", resource=received, receiver="y"),
        RecordEvent("transfer", "15 piece", resource="BR-1", receiver="z"),
        RecordEvent("transfer", "5 piece", resource="BR-2", receiver="u"))
    return received, to_y.id, to_z.id, to_u.id


def _bake(coop_b: Node, flour: str, lot: str, loaves: str) -> None:
    run = coop_b.start_process(f"baking {lot}")
    coop_b.record(RecordEvent("consume", "10 kg", resource=flour, input_of=run.id),
                  RecordEvent("produce", loaves, spec="bread", output_of=run.id, lot=lot, tracking_identifier=lot))
    coop_b.finish_process(run.id)


def received(report, agent: str) -> set[str]:
    return {r.event for r in report.customer(agent).received}


def test_the_recall_finds_exactly_the_customers_of_the_lot_across_both_nodes(chain):
    report = recall(chain.a, "F-1", peers={B_URL: chain.b})
    assert [c.agent for c in report.customers] == [X, B_URL, Y, Z]  # never W (other lot), never U (other flour)
    assert {c.agent: c.name for c in report.customers} == {X: "Customer X", B_URL: "Coop B", Y: "Customer Y",
                                                           Z: "Customer Z"}
    assert received(report, X) == {chain.to_x}
    assert received(report, B_URL) == {chain.to_b}
    assert received(report, Z) == {chain.to_z}
    assert len(report.customer(Y).received) == 2  # bread of BR-1, and 2 kg of the flour itself


def test_what_each_customer_received_and_by_which_way(chain):
    report = recall(chain.a, "F-1", peers={B_URL: chain.b})
    [to_x] = report.customer(X).received
    assert (to_x.quantity, to_x.lot, to_x.given_by) == ("10 kilogram", "F-1", A_URL)
    [to_z] = report.customer(Z).received
    assert (to_z.action, to_z.quantity, to_z.lot, to_z.given_by) == ("transfer", "15 piece", "BR-1", B_URL)
    # From A's lot, through the sale to B, onto B's node: the flour B received, the baking, the bread, the sale.
    assert [(hop.node, hop.kind) for hop in to_z.path] == [
        ("Coop A", "resource"), ("Coop A", "event"), ("Coop B", "resource"), ("Coop B", "event"),
        ("Coop B", "process"), ("Coop B", "event"), ("Coop B", "resource"), ("Coop B", "event")]
    assert to_z.path[1].id == chain.to_b and to_z.path[2].id == chain.received
    assert to_z.path[1].label == "transfer 30 kilogram to Coop B"
    assert to_z.path[-1].label == "transfer 15 piece to Customer Z"
    assert {r.lot for r in report.customer(Y).received} == {"BR-1", "F-1"}


def test_without_the_customers_node_the_recall_stops_at_the_customer_and_says_so(chain):
    report = recall(chain.a, "F-1")
    assert [c.agent for c in report.customers] == [X, B_URL]
    assert not report.customer(B_URL).followed
    assert "--peer" in report.customer(B_URL).note
    assert report.customer(B_URL).received[0].event == chain.to_b


def test_a_peer_that_has_not_recorded_the_receipt_is_not_followed(chain, tmp_path):
    stranger = Node.init(tmp_path / "node-c", "Coop B (a fresh node)", B_URL)
    report = recall(chain.a, "F-1", peers={B_URL: stranger})
    assert [c.agent for c in report.customers] == [X, B_URL]
    assert "has not recorded receiving event" in report.customer(B_URL).note


@pytest.mark.parametrize("ref", ["F-1", "F1", "resource"])
def test_a_lot_is_named_by_its_lot_code_tracking_id_or_resource(chain, ref):
    report = recall(chain.a, chain.f1 if ref == "resource" else ref, peers={B_URL: chain.b})
    assert report.resources == [chain.f1]
    assert {c.agent for c in report.customers} == {X, B_URL, Y, Z}


def test_a_recall_on_the_bakers_node_names_only_its_lots_customers(chain):
    report = recall(chain.b, "BR-2")
    assert [c.agent for c in report.customers] == [U]


def test_an_unknown_lot_is_refused(chain):
    with pytest.raises(VFError) as refused:
        recall(chain.a, "F-404")
    assert refused.value.field == "lot"


def test_the_recall_command_follows_peers_and_keeps_each_run(chain):
    runner = CliRunner()
    result = runner.invoke(app, ["--node", str(chain.a.home), "food", "recall", "F-1",
                                 "--peer", str(chain.b.home), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [c["agent"] for c in report["customers"]] == [X, B_URL, Y, Z]
    [run] = recall_runs(chain.a)
    assert run["id"] == report["run"] and run["lot"] == "F-1"
    assert [c["agent"] for c in run["customers"]] == [X, B_URL, Y, Z]
    people = runner.invoke(app, ["--node", str(chain.a.home), "food", "recall", "F-1"])
    assert people.exit_code == 0, people.output
    assert "Customer X" in people.stdout and "not followed further" in people.stdout
    assert len(recall_runs(chain.a)) == 2
