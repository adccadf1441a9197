"""Trace across nodes, with two real `cooplink serve` processes shared by the module: A (the backend under test)
makes widgets from a lot of flour and sells some to B (SQLite). `cooplink trace --across` on B follows the widgets
into A's ledger, to A's lot and process, only while A grants B `trace`; a refusal or a silent peer leaves the step
held elsewhere, with the reason, and is never an error."""

import json

import pytest
from test_reconcile import serving

from cooplink.link import peer_reads, peers
from cooplink.link.peers import Peer
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.testing import free_port

TRAIL = ["resource", "event", "process", "event", "resource", "event"]  # widgets, produce, run, consume, flour, raise


@pytest.fixture(scope="module")
def traced(module_db_url, tmp_path_factory):
    """A and B served, B holding 4 of A's widgets (lot LOT-W) made from flour lot F-1: (served, B's resource)."""
    folder = tmp_path_factory.mktemp("traced")
    a = Node.init(folder / "a", "Coop A", f"http://127.0.0.1:{free_port()}", database=module_db_url)
    b = Node.init(folder / "b", "Coop B", f"http://127.0.0.1:{free_port()}")
    make_widgets(a)
    b.add_spec("component", "Component", unit="piece")
    peers.add_peer(a, peers.read_actor(peers.actor_document(b), b.base_url))
    peers.add_peer(b, peers.read_actor(peers.actor_document(a), a.base_url))
    b.map_spec(a.base_url, f"{a.base_url}/specs/widget", "component")
    with serving(a, b, folder) as served:
        order = a.create_order("sale", b.base_url, [OrderLine("widget", "4 piece", "3.10", "7")], "EUR").id
        a.ship(order, Ship(1, "4 piece", resource="W-A"))
        served.deliver(a)
        [received] = b.inventory(spec="component")
        yield served, received.id


def make_widgets(a: Node) -> None:
    a.add_spec("flour", "Flour", unit="kilogram")
    a.add_spec("widget", "Widget", unit="piece")
    a.record(RecordEvent("raise", "50 kg", spec="flour", tracking_identifier="F", lot="F-1"))
    run = a.start_process("widget run")
    a.record(RecordEvent("consume", "2 kg", resource="F", input_of=run.id),
             RecordEvent("produce", "20 piece", spec="widget", output_of=run.id, tracking_identifier="W-A",
                         lot="LOT-W"))


def across(served, resource: str) -> tuple[str, dict]:
    """B's `trace --across` as people read it, and what A answered for the step held in A's ledger (JSON)."""
    shown = served.cli(served.buyer, "trace", resource, "--across")
    assert shown.exit_code == 0, shown.output
    listed = served.cli(served.buyer, "trace", resource, "--across", "--json")
    assert listed.exit_code == 0, listed.output
    [elsewhere] = [step for step in json.loads(listed.stdout) if step["kind"] == "elsewhere"]
    return shown.stdout, elsewhere["across"]


def test_trace_across_reaches_the_sellers_lot_and_process_only_with_the_grant(traced):
    served, resource = traced
    a, b = served.seller, served.buyer
    text, answer = across(served, resource)
    assert answer["steps"] == [] and "(403)" in answer["reason"] and "trace" in answer["reason"]
    assert "[Coop A] not followed: Coop A refused (403): grant:" in text

    granted = served.cli(a, "peer", "grant", b.base_url, "trace")
    assert granted.exit_code == 0, granted.output
    try:
        text, answer = across(served, resource)
        assert answer["reason"] is None and answer["name"] == "Coop A"
        steps = answer["steps"]
        assert [s["kind"] for s in steps] == TRAIL and [s["depth"] for s in steps] == [0, 1, 2, 3, 4, 5]
        assert (steps[0]["spec"], steps[0]["lot"], steps[0]["tracking_id"]) == ("Widget", "LOT-W", "W-A")
        assert (steps[4]["spec"], steps[4]["lot"]) == ("Flour", "F-1") and steps[2]["name"] == "widget run"
        assert steps[3]["action"] == "consume" and steps[3]["quantity"] == {"hasNumericalValue": "2",
                                                                            "hasUnit": "kilogram"}
        assert "onhand_quantity" not in json.dumps(steps)  # the trail, not A's stock
        assert "[Coop A] Widget · lot LOT-W · tracking id W-A" in text
        assert "[Coop A] process widget run" in text and "[Coop A] Flour · lot F-1" in text
    finally:
        revoked = served.cli(a, "peer", "revoke", b.base_url, "trace")
        assert revoked.exit_code == 0, revoked.output
    text, answer = across(served, resource)
    assert answer["steps"] == [] and "(403)" in answer["reason"]


def test_the_trace_read_answers_only_for_what_was_transferred_to_the_peer(traced):
    served, _ = traced
    a, b = served.seller, served.buyer
    peers.grant(a, b.base_url, "trace")
    try:
        key = peers.node_key(b)
        flour = a.resource("F").id  # A holds it, but never sent it to B
        refused = served.get(a, f"/peer/trace?resource={flour}", key)
        assert refused.status_code == 403 and refused.json()["field"] == "resource", refused.text
        widgets = a.resource("W-A").id
        assert served.get(a, f"/peer/trace?resource={widgets}", key).status_code == 200
        assert served.get(a, f"/peer/trace?resource={widgets}", peers.node_key(a)).status_code == 403  # not a peer
    finally:
        peers.revoke(a, b.base_url, "trace")


def test_grants_are_listed_and_checked(traced):
    served, _ = traced
    a, b = served.seller, served.buyer
    assert served.cli(a, "peer", "grant", b.base_url, "trace", "--json").exit_code == 0
    try:
        [listed] = json.loads(served.cli(a, "peer", "list", "--json").stdout)
        assert listed["grants"] == ["trace"]
        again = served.cli(a, "peer", "grant", b.base_url, "trace")
        assert again.exit_code == 1 and again.stderr.startswith("error: scope: ")
    finally:
        served.cli(a, "peer", "revoke", b.base_url, "trace")
    assert json.loads(served.cli(a, "peer", "list", "--json").stdout)[0]["grants"] == []
    unknown = served.cli(a, "peer", "grant", b.base_url, "everything")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("error: scope: one of trace")


def test_a_peer_that_cannot_be_reached_leaves_the_step_elsewhere_with_the_reason(traced, tmp_path):
    served, _ = traced
    silent = Peer(id=f"http://127.0.0.1:{free_port()}", name="Coop Q", inbox="", added_at="", removed_at=None,
                  key_id=None, public_key=None)
    answer = peer_reads.ask(served.buyer, peer_reads.UPSTREAM, silent, f"{silent.id}/resources/abc", timeout=2)
    assert answer.steps == [] and answer.reason.startswith("cannot reach Coop Q")
