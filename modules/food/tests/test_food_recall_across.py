"""The recall report over the network: Coop A (the backend under test) mills flour lot F-1, sells 10 kg to customer X
(no node of its own) and 30 kg to Coop B over the link; B runs its own `cooplink serve` (SQLite), bakes bread lot
BR-1 from it and sells it to Y and Z (and 2 kg of the flour itself to Y). `cooplink food recall F-1 --across` on A
asks B's node where the flour went (GET /peer/track, signed), only while B grants A `track`: then it names X, B, Y
and Z, with the same paths as when B's data folder is read on the same machine."""

import json

import httpx
import pytest
from cooplink_food.recall import recall
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.link import peers
from cooplink.link.delivery import Worker
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.processes import free_port, start_cooplink, stop_process, wait_until_up

X = "http://x.example"


@pytest.fixture
def linked(food, tmp_path):
    a = food
    a.add_agent(X, "Customer X")
    a.record(RecordEvent("produce", "100 kg", spec="flour", lot="F-1", tracking_identifier="F1"))
    a.record(RecordEvent("transfer", "10 kg", resource="F1", receiver=X))
    b = Node.init(tmp_path / "node-b", "Coop B", f"http://127.0.0.1:{free_port()}")
    b.enable_module("food")
    b.add_spec("flour-in", "Flour (from Coop A)", unit="kilogram")
    b.add_spec("bread", "Bread", unit="piece", attributes={"food.shelf_life_days": 5})
    peers.add_peer(a, peers.read_actor(peers.actor_document(b), b.base_url))
    peers.add_peer(b, peers.read_actor(peers.actor_document(a), a.base_url))
    b.map_spec(a.base_url, f"{a.base_url}/specs/flour", "flour-in")
    log = tmp_path / "b.log"
    server = start_cooplink(b.home, log, "serve", "--port", b.base_url.rsplit(":", 1)[1], "--log-level", "warning",
                            "--no-deliver")
    try:
        wait_until_up(b.base_url, server, log)
        order = a.create_order("sale", b.base_url, [OrderLine("flour", "30 kg", "0.80", "7")], "EUR").id
        a.ship(order, Ship(1, "30 kg", resource="F1"))
        with httpx.Client(timeout=5) as client:
            assert Worker(a, client=client).run_once().delivered == 2
        [flour] = b.inventory(spec="flour-in")
        bake_and_sell(b, flour.id)
        yield a, b
    finally:
        stop_process(server)


def bake_and_sell(b: Node, flour: str) -> None:
    for ref, name in (("y", "Customer Y"), ("z", "Customer Z")):
        b.add_agent(ref, name)
    run = b.start_process("baking BR-1")
    b.record(RecordEvent("consume", "10 kg", resource=flour, input_of=run.id),
             RecordEvent("produce", "40 piece", spec="bread", output_of=run.id, lot="BR-1", tracking_identifier="BR-1"))
    b.finish_process(run.id)
    b.record(RecordEvent("transfer", "10 piece", resource="BR-1", receiver="y"),
             RecordEvent("transfer", "2 kg", resource=flour, receiver="y"),
             RecordEvent("transfer", "15 piece", resource="BR-1", receiver="z"))


def test_over_the_network_the_recall_names_the_customers_customers_only_with_their_grant(linked):
    a, b = linked
    y, z = f"{b.base_url}/agents/y", f"{b.base_url}/agents/z"
    refused = recall(a, "F-1", across=True)
    assert [c.agent for c in refused.customers] == [X, b.base_url]
    assert not refused.customer(b.base_url).followed and "(403)" in refused.customer(b.base_url).note

    peers.grant(b, a.base_url, "track")
    report = recall(a, "F-1", across=True)
    assert [c.agent for c in report.customers] == [X, b.base_url, y, z]
    assert {c.agent: c.name for c in report.customers} == {X: "Customer X", b.base_url: "Coop B",
                                                           y: "Customer Y", z: "Customer Z"}
    assert report.customer(b.base_url).followed and not report.customer(X).followed
    assert {(r.lot, r.quantity) for r in report.customer(y).received} == {("BR-1", "10 piece"), ("F-1", "2 kilogram")}
    [to_z] = report.customer(z).received
    assert (to_z.action, to_z.quantity, to_z.lot, to_z.given_by) == ("transfer", "15 piece", "BR-1", b.base_url)
    local = recall(a, "F-1", peers={b.base_url: b})  # the same, reading B's folder on this machine
    [read] = local.customer(z).received
    assert [(h.node, h.kind, h.id, h.label) for h in to_z.path] == [(h.node, h.kind, h.id, h.label) for h in read.path]
    assert to_z.path[-1].label == "transfer 15 piece to Customer Z"


def test_the_recall_command_follows_linked_peers_with_across(linked):
    a, b = linked
    peers.grant(b, a.base_url, "track")
    runner = CliRunner()
    result = runner.invoke(app, ["--node", str(a.home), "food", "recall", "F-1", "--across", "--json"])
    assert result.exit_code == 0, result.output
    named = [c["agent"] for c in json.loads(result.stdout)["customers"]]
    assert named == [X, b.base_url, f"{b.base_url}/agents/y", f"{b.base_url}/agents/z"]
    without = runner.invoke(app, ["--node", str(a.home), "food", "recall", "F-1", "--json"])
    assert [c["agent"] for c in json.loads(without.stdout)["customers"]] == [X, b.base_url]
