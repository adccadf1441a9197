"""Trails along a chain of nodes, with three real `cooplink serve` processes shared by the module: mill M sells flour
(lot M-7) to A (the backend under test); A makes widgets from it and sells some to B. M and B are not peers of each
other.

- Backwards: `cooplink trace --across` on B reaches A's lot and process, then M's lot, because A asks M on B's
  behalf. Each node asks only its own supplier, under the grant that supplier gave it (`trace`), and passes the
  answer on to a customer it granted `trace` to. Without M's grant the step stays held in M's ledger, with the
  reason; without A's grant B learns nothing past its own ledger; --hops bounds how far it goes.
- Forwards (a recall): `cooplink track --across` on M reaches A's widgets and B's components, because A asks B on
  M's behalf, each customer under the `track` grant it gave its supplier.
"""

import json

import pytest
from test_reconcile import serving
from test_trace_across import TRAIL

from cooplink.link import peer_reads, peers
from cooplink.link.peer_reads import MIN_ASK, UPSTREAM, Followed, follow_on
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.testing import free_port


def link(supplier: Node, customer: Node) -> None:
    peers.add_peer(supplier, peers.read_actor(peers.actor_document(customer), customer.base_url))
    peers.add_peer(customer, peers.read_actor(peers.actor_document(supplier), supplier.base_url))


@pytest.fixture(scope="module")
def chain(module_db_url, tmp_path_factory):
    """M → A → B served, B holding 4 of A's widgets made from M's flour: (served A/B, M, B's resource)."""
    folder = tmp_path_factory.mktemp("chain")
    mill = Node.init(folder / "m", "Coop M", f"http://127.0.0.1:{free_port()}")
    a = Node.init(folder / "a", "Coop A", f"http://127.0.0.1:{free_port()}", database=module_db_url)
    b = Node.init(folder / "b", "Coop B", f"http://127.0.0.1:{free_port()}")
    mill.add_spec("flour", "Flour (type 55)", unit="kilogram")
    mill.record(RecordEvent("raise", "500 kg", spec="flour", tracking_identifier="MF", lot="M-7"))
    a.add_spec("flour", "Flour", unit="kilogram")
    a.add_spec("widget", "Widget", unit="piece")
    b.add_spec("component", "Component", unit="piece")
    link(mill, a)
    link(a, b)
    a.map_spec(mill.base_url, f"{mill.base_url}/specs/flour", "flour")
    b.map_spec(a.base_url, f"{a.base_url}/specs/widget", "component")
    with serving(a, b, folder, mill) as served:
        flour = mill.create_order("sale", a.base_url, [OrderLine("flour", "50 kg", "0.80", "7")], "EUR").id
        mill.ship(flour, Ship(1, "50 kg", resource="MF"))
        served.deliver(mill)
        [received] = a.inventory(spec="flour")
        run = a.start_process("widget run")
        a.record(RecordEvent("consume", "2 kg", resource=received.id, input_of=run.id),
                 RecordEvent("produce", "20 piece", spec="widget", output_of=run.id, tracking_identifier="W-A",
                             lot="LOT-W"))
        widgets = a.create_order("sale", b.base_url, [OrderLine("widget", "4 piece", "3.10", "7")], "EUR").id
        a.ship(widgets, Ship(1, "4 piece", resource="W-A"))
        served.deliver(a)
        [component] = b.inventory(spec="component")
        yield served, mill, component.id


def across(served, resource: str, *options: str) -> tuple[str, dict]:
    """B's `trace --across` as people read it, and what A answered (JSON)."""
    shown = served.cli(served.buyer, "trace", resource, "--across", *options)
    assert shown.exit_code == 0, shown.output
    listed = served.cli(served.buyer, "trace", resource, "--across", "--json", *options)
    assert listed.exit_code == 0, listed.output
    [elsewhere] = [step for step in json.loads(listed.stdout) if step["kind"] == "elsewhere"]
    return shown.stdout, elsewhere["across"]


def mills_step(answer: dict) -> dict:
    """A's step for the flour held in M's ledger (the end of A's trail)."""
    assert answer["reason"] is None, answer
    assert [s["kind"] for s in answer["steps"]] == TRAIL[:-1] + ["event", "elsewhere"], answer["steps"]
    return answer["steps"][-1]


def granted(node: Node, customer: Node):
    peers.grant(node, customer.base_url, "trace")
    return lambda: peers.revoke(node, customer.base_url, "trace")


def test_the_trace_reaches_the_mills_lot_through_a_only_with_each_suppliers_grant(chain):
    served, mill, resource = chain
    a, b = served.seller, served.buyer
    ungrant_b = granted(a, b)
    try:
        text, answer = across(served, resource)
        held = mills_step(answer)
        assert held["id"].startswith(mill.base_url + "/")
        assert held["across"]["steps"] == [] and "(403)" in held["across"]["reason"], held
        assert "grant" in held["across"]["reason"] and held["across"]["name"] == "Coop M"
        assert "[Coop M] not followed: Coop M refused (403): grant:" in text

        ungrant_a = granted(mill, a)
        try:
            text, answer = across(served, resource)
            upstream = mills_step(answer)["across"]
            assert upstream["reason"] is None and upstream["peer"] == mill.base_url
            kinds = [(s["kind"], s["depth"]) for s in upstream["steps"]]
            assert kinds == [("resource", 0), ("event", 1)], upstream["steps"]  # the flour, and its raise
            assert (upstream["steps"][0]["spec"], upstream["steps"][0]["lot"]) == ("Flour (type 55)", "M-7")
            assert upstream["steps"][1]["action"] == "raise"
            assert "[Coop A] process widget run" in text and "[Coop M] Flour (type 55) · lot M-7" in text
            assert text.index("[Coop A] process widget run") < text.index("[Coop M] Flour (type 55)")

            _, answer = across(served, resource, "--hops", "1")  # A alone: it does not ask M
            assert "across" not in mills_step(answer)
        finally:
            ungrant_a()
    finally:
        ungrant_b()
    _, answer = across(served, resource)  # M's grant to A is not B's: without A's, B learns nothing past its own
    assert answer["steps"] == [] and "(403)" in answer["reason"]


def test_a_node_asks_its_suppliers_only_in_the_time_it_was_given(chain):
    served, mill, _ = chain
    a = served.seller
    held = {"depth": 4, "kind": "elsewhere", "id": f"{mill.base_url}/resources/anything"}
    stranger = {"depth": 4, "kind": "elsewhere", "id": "http://127.0.0.1:9/resources/x"}  # no peer of A's
    [late, alone] = follow_on(a, UPSTREAM, [held, stranger], hops=2, within=MIN_ASK / 2)
    assert late["across"] == {"peer": mill.base_url, "name": "Coop M", "steps": [],
                              "reason": "no time left to ask Coop M"}
    assert alone == stranger
    assert follow_on(a, UPSTREAM, [held], hops=1, within=5) == [held]  # one hop: from A's own ledger only


def test_the_depth_and_the_time_asked_for_are_bounded(chain):
    served, _, resource = chain
    a, b = served.seller, served.buyer
    key = peers.node_key(b)
    widgets = a.resource("W-A").id
    for query in ("hops=0", f"hops={peer_reads.MAX_HOPS + 1}", "hops=two", "within=0",
                  f"within={peer_reads.MAX_WITHIN + 1}"):
        answer = served.get(a, f"/peer/trace?resource={widgets}&{query}", key)
        assert answer.status_code == 422, (query, answer.text)
    for hops in ("0", str(peer_reads.MAX_HOPS + 1)):
        refused = served.cli(b, "trace", resource, "--across", "--hops", hops)
        assert refused.exit_code == 1 and refused.stderr.startswith("error: hops: from 1 to 4 nodes"), refused.output


def test_what_a_peer_says_its_suppliers_answered_is_kept_only_in_the_shape_and_depth_asked_for():
    resource = {"depth": 0, "kind": "resource", "id": "http://a/resources/1", "lot": "L"}
    nested = {"peer": "http://m", "name": "Coop M", "reason": None,
              "steps": [{**resource, "across": {"peer": "http://z", "name": "Z", "reason": None, "steps": [resource]}}]}
    steps = ["not a step", {**resource, "across": nested}, {**resource, "across": {"name": "no peer", "steps": []}},
             {**resource, "across": {**nested, "steps": "many"}}, {**resource, "across": {**nested, "reason": 7}}]
    kept = peer_reads._kept(steps, hops=2)
    assert kept == [{**resource, "across": {**nested, "steps": [resource]}}, resource, resource, resource]
    assert peer_reads._kept(steps, hops=1) == [resource] * 4
    assert peer_reads._kept(steps, hops=3)[0]["across"] == nested


def test_an_answer_with_the_suppliers_trail_shows_under_the_step_it_continues(chain, capsys):
    from rich.console import Console

    from cooplink.cli.reports import print_followed

    served, mill, _ = chain
    answer = Followed(peers.peer(served.buyer, served.seller.base_url), [
        {"depth": 0, "kind": "resource", "id": "http://a/r/1", "spec": "Widget", "lot": "LOT-W"},
        {"depth": 1, "kind": "elsewhere", "id": "http://m/r/2",
         "across": {"peer": mill.base_url, "name": "Coop M", "reason": None,
                    "steps": [{"depth": 0, "kind": "resource", "id": "http://m/r/2", "spec": "Flour", "lot": "M-7"}]}}])
    print_followed(Console(width=200, no_color=True), answer, 1)
    lines = capsys.readouterr().out.splitlines()
    assert [line[:line.index("└")] for line in lines] == ["  ", "    ", "      "]
    assert "[Coop A] Widget · lot LOT-W" in lines[0] and "[Coop M] Flour · lot M-7" in lines[2]



# forwards: a recall ---------------------------------------------------------------------------------------------------
def tracked(served, mill: Node, *options: str) -> tuple[str, dict]:
    """M's `track MF --across` as people read it, and what A answered for M's sale to it (JSON)."""
    shown = served.cli(mill, "track", "MF", "--across", *options)
    assert shown.exit_code == 0, shown.output
    listed = served.cli(mill, "track", "MF", "--across", "--json", *options)
    assert listed.exit_code == 0, listed.output
    [sale] = [step for step in json.loads(listed.stdout) if "across" in step]
    assert sale["kind"] == "event" and sale["item"]["receiver"] == served.seller.base_url
    return shown.stdout, sale["across"]


def test_a_recall_follows_the_mills_flour_into_a_and_on_to_b_only_with_each_customers_grant(chain):
    served, mill, _ = chain
    a, b = served.seller, served.buyer
    _, answer = tracked(served, mill)
    assert answer["steps"] == [] and "(403)" in answer["reason"] and "'track'" in answer["reason"]

    ungrant_m = granted_scope(a, mill, "track")
    try:
        text, answer = tracked(served, mill)
        assert answer["reason"] is None and answer["name"] == "Coop A"
        kinds = [s["kind"] for s in answer["steps"]]
        assert kinds == ["resource", "event", "process", "event", "resource", "event"], answer["steps"]
        flour, consumed, run, made, widgets, sold = answer["steps"]
        assert (flour["spec"], consumed["action"], run["name"]) == ("Flour", "consume", "widget run")
        assert (widgets["lot"], widgets["tracking_id"]) == ("LOT-W", "W-A")
        assert (sold["action"], sold["receiver"], sold["receiver_name"]) == ("transfer", b.base_url, "Coop B")
        assert sold["quantity"] == {"hasNumericalValue": "4", "hasUnit": "piece"}
        assert "(403)" in sold["across"]["reason"] and sold["across"]["name"] == "Coop B"  # B grants A nothing
        assert "[Coop A] transfer 4 piece" in text and "to Coop B" in text

        ungrant_a = granted_scope(b, a, "track")
        try:
            text, answer = tracked(served, mill)
            downstream = answer["steps"][-1]["across"]
            assert downstream["reason"] is None and downstream["peer"] == b.base_url
            [component] = downstream["steps"]
            assert (component["kind"], component["spec"], component["lot"], component["tracking_id"]) == \
                ("resource", "Component", "LOT-W", "W-A")  # B keeps A's lot and tracking id
            assert "[Coop B] Component · lot LOT-W · tracking id W-A" in text
            _, answer = tracked(served, mill, "--hops", "1")
            assert "across" not in answer["steps"][-1]
        finally:
            ungrant_a()
    finally:
        ungrant_m()


def test_the_track_read_answers_only_for_a_transfer_from_the_peer_to_this_node(chain):
    served, mill, _ = chain
    a, b = served.seller, served.buyer
    ungrant = granted_scope(a, mill, "track")
    try:
        key = peers.node_key(mill)
        [sale] = [e for e in a.history(a.inventory(spec="flour")[0].id) if e.action == "transfer"]
        assert served.get(a, f"/peer/track?event={sale.id}", key).status_code == 200
        [consumed] = [e for e in a.history(a.inventory(spec="flour")[0].id) if e.action == "consume"]
        [to_b] = [e for e in a.history("W-A") if e.action == "transfer"]
        for event in (consumed.id, to_b.id, f"{a.base_url}/events/nothing"):  # not a transfer from M to A
            refused = served.get(a, f"/peer/track?event={event}", key)
            assert refused.status_code == 403 and refused.json()["field"] == "event", refused.text
        assert served.get(a, f"/peer/track?event={sale.id}", peers.node_key(b)).status_code == 403  # B: no grant
    finally:
        ungrant()


def granted_scope(node: Node, peer: Node, scope: str):
    peers.grant(node, peer.base_url, scope)
    return lambda: peers.revoke(node, peer.base_url, scope)
