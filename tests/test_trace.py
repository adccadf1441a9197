"""Track and trace through the service layer, on both backends: chains of processes, transfers, transport
(pickup/dropoff), repair (accept/modify) and packing (combine/separate)."""

import pytest

from cooplink.node import Node, RecordEvent


def _resources(steps) -> list[str]:
    return [s.id for s in steps if s.kind == "resource"]


def _events(steps) -> list[str]:
    return [s.id for s in steps if s.kind == "event"]


def _processes(steps) -> list[str]:
    return [s.id for s in steps if s.kind == "process"]


@pytest.fixture
def chain(widgets: Node):
    """A makes widget lots L1, L2, L3; moves part of L1 to its assembly store; a sub-assembly consumes L1 (from the
    store) and L2; the final process consumes the sub-assembly and makes C; another process eats L3 and some L1."""
    node = widgets
    for ref, name in (("sub", "Sub-assembly"), ("c", "Product C"), ("d", "Product D")):
        node.add_spec(ref, name, unit="piece")
    made = {lot: node.record(RecordEvent("produce", quantity="10 piece", spec="widget", lot=lot,
                                         tracking_identifier=f"W-{lot}"))[0]
            for lot in ("L1", "L2", "L3")}
    lot = {name: event.resource_inventoried_as for name, event in made.items()}
    [moved] = node.record(RecordEvent("move", quantity="4 piece", resource=lot["L1"], to_location="assembly"))
    store = moved.to_resource_inventoried_as
    sub_process = node.start_process("sub-assembly")
    sub_events = node.record(
        RecordEvent("consume", quantity="3 piece", resource=store, input_of=sub_process.id),
        RecordEvent("consume", quantity="2 piece", resource=lot["L2"], input_of=sub_process.id),
        RecordEvent("produce", quantity="5 piece", spec="sub", output_of=sub_process.id, tracking_identifier="S-1"))
    final = node.start_process("final assembly")
    final_events = node.record(
        RecordEvent("consume", quantity="5 piece", resource="S-1", input_of=final.id),
        RecordEvent("work", effort="2 hour", spec="widget", input_of=final.id),
        RecordEvent("produce", quantity="2 piece", spec="c", output_of=final.id, tracking_identifier="C-1"))
    other = node.start_process("other product")
    other_events = node.record(
        RecordEvent("consume", quantity="1 piece", resource=lot["L3"], input_of=other.id),
        RecordEvent("consume", quantity="1 piece", resource=lot["L1"], input_of=other.id),
        RecordEvent("produce", quantity="1 piece", spec="d", output_of=other.id, tracking_identifier="D-1"))
    return dict(node=node, lot=lot, made=made, store=store, moved=moved, sub=sub_events[-1].resource_inventoried_as,
                c=final_events[-1].resource_inventoried_as, d=other_events[-1].resource_inventoried_as,
                processes=(sub_process.id, final.id, other.id), sub_events=sub_events, final_events=final_events,
                other_events=other_events)


def test_trace_from_product_c_back_to_the_widget_lots(chain):
    node, lot = chain["node"], chain["lot"]
    steps = node.trace("C-1")
    resources = _resources(steps)
    assert resources[0] == chain["c"]
    assert set(resources) == {chain["c"], chain["sub"], chain["store"], lot["L1"], lot["L2"]}
    assert lot["L3"] not in resources and chain["d"] not in resources
    sub_process, final, other = chain["processes"]
    assert _processes(steps) == [final, sub_process]
    events = _events(steps)
    assert chain["moved"].id in events  # through the move to the assembly store
    assert chain["made"]["L1"].id in events and chain["made"]["L2"].id in events
    assert chain["made"]["L3"].id not in events
    assert not set(events) & {e.id for e in chain["other_events"]}
    assert len(events) == len(set(events))
    # the walk goes back step by step: C (0), its produce (1), the final process (2), ..., the lots deepest
    depth = {s.id: s.depth for s in steps}
    assert depth[chain["c"]] == 0 < depth[final] < depth[chain["sub"]] < depth[sub_process] < depth[lot["L1"]]
    assert depth[chain["store"]] < depth[lot["L1"]]


def test_track_from_a_lot_forward_to_product_c(chain):
    node, lot = chain["node"], chain["lot"]
    steps = node.track(lot["L1"])
    resources = _resources(steps)
    assert resources[0] == lot["L1"]
    assert set(resources) == {lot["L1"], chain["store"], chain["sub"], chain["c"], chain["d"]}
    assert lot["L2"] not in resources and lot["L3"] not in resources
    l2 = _resources(node.track(lot["L2"]))
    assert set(l2) == {lot["L2"], chain["sub"], chain["c"]}
    l3 = _resources(node.track(lot["L3"]))
    assert set(l3) == {lot["L3"], chain["d"]}


def test_track_and_trace_follow_a_resource_events_in_event_order(chain):
    """At a resource, track follows its outgoing events in ledger order (oldest first), and trace walks its
    incoming events back from the newest."""
    node, lot = chain["node"], chain["lot"]
    steps = node.track(lot["L1"])
    first_level = [s.item for s in steps if s.kind == "event" and s.depth == 1]
    assert [e.action for e in first_level] == ["move", "consume"]
    assert [e.seq for e in first_level] == sorted(e.seq for e in first_level)
    more = node.record(RecordEvent("raise", quantity="1 piece", resource=lot["L1"]),
                       RecordEvent("raise", quantity="2 piece", resource=lot["L1"]))
    back = [s.item for s in node.trace(lot["L1"]) if s.kind == "event" and s.depth == 1]
    assert [e.id for e in back] == [more[1].id, more[0].id, chain["made"]["L1"].id]
    assert [e.seq for e in back] == sorted((e.seq for e in back), reverse=True)


def test_trace_stops_at_events_before_the_one_it_arrived_by(chain):
    """Widgets made into L1 after the sub-assembly took its share did not go into C."""
    node, lot = chain["node"], chain["lot"]
    [late] = node.record(RecordEvent("move", quantity="2 piece", resource=lot["L1"],
                                     to_resource=chain["store"]))
    events = _events(node.trace("C-1"))
    assert late.id not in events
    assert chain["moved"].id in events
    assert late.id in _events(node.trace(chain["store"]))


@pytest.fixture
def transport(widgets: Node):
    node = widgets
    node.add_spec("parcel", "Parcel", unit="one")
    node.add_spec("truck", "Truck", unit="one")
    [p1] = node.record(RecordEvent("raise", quantity="1 one", spec="parcel", tracking_identifier="P1"))
    [p2] = node.record(RecordEvent("raise", quantity="1 one", spec="parcel", tracking_identifier="P2"))
    [truck] = node.record(RecordEvent("raise", quantity="1 one", spec="truck", tracking_identifier="T"))
    trip = node.start_process("trip")
    events = node.record(
        RecordEvent("pickup", quantity="1 one", resource="P1", input_of=trip.id, at_location="A"),
        RecordEvent("pickup", quantity="1 one", resource="P2", input_of=trip.id, at_location="A"),
        RecordEvent("use", effort="3 hour", resource="T", input_of=trip.id),
        RecordEvent("dropoff", quantity="1 one", resource="P1", output_of=trip.id, at_location="B"),
        RecordEvent("dropoff", quantity="1 one", resource="P2", output_of=trip.id, at_location="C"))
    return dict(node=node, p1=p1.resource_inventoried_as, p2=p2.resource_inventoried_as,
                truck=truck.resource_inventoried_as, trip=trip.id, events=events)


def test_tracking_one_parcel_reaches_only_its_own_dropoff(transport):
    node = transport["node"]
    pickup1, pickup2, use, dropoff1, dropoff2 = transport["events"]
    steps = node.track("P1")
    events = _events(steps)
    assert events == [pickup1.id, dropoff1.id]
    assert _processes(steps) == [transport["trip"]]
    assert transport["p2"] not in _resources(steps)
    assert node.resource("P1").current_location == "B"
    assert node.resource("P2").current_location == "C"


def test_tracing_one_parcel_reaches_only_its_own_pickup(transport):
    node = transport["node"]
    pickup1, pickup2, use, dropoff1, dropoff2 = transport["events"]
    steps = node.trace("P2")
    events = _events(steps)
    assert dropoff2.id in events and pickup2.id in events
    assert pickup1.id not in events and dropoff1.id not in events
    assert use.id in events  # the truck carried it
    assert transport["p1"] not in _resources(steps)
    # nothing twice, although P2 appears as both the dropoff's and the pickup's resource
    assert len(_resources(steps)) == len(set(_resources(steps)))
    assert _resources(steps)[0] == transport["p2"]


def test_a_parcel_carried_on_into_production(transport):
    node = transport["node"]
    node.add_spec("kit", "Kit", unit="one")
    assembly = node.start_process("assemble kit")
    node.record(RecordEvent("consume", quantity="1 one", resource="P1", input_of=assembly.id),
                RecordEvent("produce", quantity="1 one", spec="kit", output_of=assembly.id,
                            tracking_identifier="K"))
    pickup1, pickup2, *_ = transport["events"]
    events = _events(node.trace("K"))
    assert pickup1.id in events and pickup2.id not in events
    assert node.resource("K").onhand_quantity == 1


@pytest.fixture
def repairs(widgets: Node):
    """Two cars repaired together in one shop visit, and car 1 repaired again later, then sold on."""
    node = widgets
    node.add_spec("car", "Car", unit="one")
    node.add_agent("shop", "Repair shop")
    node.add_agent("b", "Coop B")
    [car1] = node.record(RecordEvent("raise", quantity="1 one", spec="car", tracking_identifier="CAR-1"))
    [car2] = node.record(RecordEvent("raise", quantity="1 one", spec="car", tracking_identifier="CAR-2"))
    visit = node.start_process("service visit")
    first = node.record(
        RecordEvent("accept", quantity="1 one", resource="CAR-1", input_of=visit.id, receiver="shop"),
        RecordEvent("accept", quantity="1 one", resource="CAR-2", input_of=visit.id, receiver="shop"),
        RecordEvent("work", effort="2 hour", spec="car", input_of=visit.id, provider="shop", receiver="shop"),
        RecordEvent("modify", quantity="1 one", resource="CAR-1", output_of=visit.id, provider="shop"),
        RecordEvent("modify", quantity="1 one", resource="CAR-2", output_of=visit.id, provider="shop"))
    again = node.start_process("second repair")
    second = node.record(
        RecordEvent("accept", quantity="1 one", resource="CAR-1", input_of=again.id, receiver="shop"),
        RecordEvent("modify", quantity="1 one", resource="CAR-1", output_of=again.id, provider="shop",
                    state="repaired"))
    [sale] = node.record(RecordEvent("transfer", quantity="1 one", resource="CAR-1", new_to_resource=True,
                                     receiver="b"))
    return dict(node=node, car1=car1, car2=car2, visit=visit.id, again=again.id, first=first, second=second,
                sale=sale)


def test_a_repaired_resource_traces_back_through_its_repairs_without_looping(repairs):
    node = repairs["node"]
    accept1, accept2, work, modify1, modify2 = repairs["first"]
    accept_again, modify_again = repairs["second"]
    steps = node.trace(repairs["sale"].to_resource_inventoried_as)
    events = _events(steps)
    assert events[0] == repairs["sale"].id
    assert len(events) == len(set(events))
    assert set(events) == {repairs["sale"].id, modify_again.id, accept_again.id, modify1.id, accept1.id, work.id,
                           repairs["car1"].id}
    assert _processes(steps) == [repairs["again"], repairs["visit"]]
    # the newer repair is met before the older, and the car's own creation last
    assert events.index(modify_again.id) < events.index(modify1.id) < events.index(repairs["car1"].id)
    car2 = repairs["car2"].resource_inventoried_as
    assert car2 not in _resources(steps)
    assert accept2.id not in events and modify2.id not in events
    car = node.resource(repairs["car1"].resource_inventoried_as)
    assert (car.accounting_quantity, car.onhand_quantity) == (0, 0)
    assert node.resource(repairs["sale"].to_resource_inventoried_as).state == "repaired"


def test_a_repaired_resource_tracks_forward_through_its_repairs(repairs):
    node = repairs["node"]
    accept1, accept2, work, modify1, modify2 = repairs["first"]
    accept_again, modify_again = repairs["second"]
    steps = node.track(repairs["car1"].resource_inventoried_as)
    events = _events(steps)
    assert events == [accept1.id, modify1.id, accept_again.id, modify_again.id, repairs["sale"].id]
    assert repairs["sale"].to_resource_inventoried_as in _resources(steps)
    assert repairs["car2"].resource_inventoried_as not in _resources(steps)


@pytest.fixture
def packing(widgets: Node):
    """Widgets and bolts packed into a crate (combine, the crate as toResourceInventoriedAs), the crate shipped and
    unpacked (separate)."""
    node = widgets
    node.add_spec("bolt", "Bolt", unit="piece")
    node.add_spec("crate", "Crate", unit="one")
    [w] = node.record(RecordEvent("produce", quantity="3 piece", spec="widget", tracking_identifier="W"))
    [b] = node.record(RecordEvent("produce", quantity="8 piece", spec="bolt", tracking_identifier="B"))
    [other] = node.record(RecordEvent("produce", quantity="5 piece", spec="bolt", tracking_identifier="B-other"))
    [crate] = node.record(RecordEvent("raise", quantity="1 one", spec="crate", tracking_identifier="K"))
    pack = node.start_process("pack")
    packed = node.record(
        RecordEvent("accept", quantity="1 one", resource="K", input_of=pack.id),
        RecordEvent("combine", quantity="3 piece", resource="W", to_resource="K", input_of=pack.id),
        RecordEvent("combine", quantity="8 piece", resource="B", to_resource="K", input_of=pack.id),
        RecordEvent("modify", quantity="1 one", resource="K", output_of=pack.id, at_location="dock"))
    unpack = node.start_process("unpack")
    unpacked = node.record(
        RecordEvent("accept", quantity="1 one", resource="K", input_of=unpack.id),
        RecordEvent("separate", quantity="3 piece", resource="W", output_of=unpack.id),
        RecordEvent("separate", quantity="8 piece", resource="B", output_of=unpack.id),
        RecordEvent("modify", quantity="1 one", resource="K", output_of=unpack.id))
    return dict(node=node, w=w, b=b, other=other, crate=crate, pack=pack.id, unpack=unpack.id, packed=packed,
                unpacked=unpacked)


def test_unpacking_clears_contained_in_and_restores_onhand(packing):
    node = packing["node"]
    crate = packing["crate"].resource_inventoried_as
    assert node.resource("W").contained_in is None
    assert node.resource("B").contained_in is None
    assert node.resource("W").onhand_quantity == 3
    assert node.resource("K").onhand_quantity == 1
    assert crate == node.resource("K").id
    assert node.verify().ok


def test_contained_in_while_packed(widgets: Node):
    node = widgets
    node.add_spec("crate", "Crate", unit="one")
    node.record(RecordEvent("produce", quantity="3 piece", spec="widget", tracking_identifier="W"),
                RecordEvent("raise", quantity="1 one", spec="crate", tracking_identifier="K"))
    node.record(RecordEvent("combine", quantity="3 piece", resource="W", to_resource="K"))
    packed = node.resource("W")
    assert packed.contained_in == node.resource("K").id
    assert (packed.accounting_quantity, packed.onhand_quantity) == (3, 0)


def test_tracing_the_crate_finds_what_was_packed_into_it(packing):
    node = packing["node"]
    accept, combine_w, combine_b, modify = packing["packed"]
    steps = node.trace("K")
    resources = _resources(steps)
    assert packing["w"].resource_inventoried_as in resources
    assert packing["b"].resource_inventoried_as in resources
    assert packing["other"].resource_inventoried_as not in resources
    assert {combine_w.id, combine_b.id, accept.id, modify.id} <= set(_events(steps))
    assert _processes(steps)[:2] == [packing["unpack"], packing["pack"]]


def test_tracking_packed_items_reaches_the_crate_and_the_items_unpacked_from_it(packing):
    node = packing["node"]
    accept, separate_w, separate_b, modify = packing["unpacked"]
    steps = node.track("W")
    assert packing["crate"].resource_inventoried_as in _resources(steps)
    assert separate_w.id in _events(steps)
    assert packing["other"].resource_inventoried_as not in _resources(steps)
    assert _processes(steps) == [packing["pack"], packing["unpack"]]


def test_an_unpacked_item_traces_through_its_own_history_not_the_crate(packing):
    node = packing["node"]
    accept, separate_w, separate_b, modify = packing["unpacked"]
    steps = node.trace("W")
    events = _events(steps)
    assert events == [separate_w.id, packing["w"].id]
    assert packing["b"].resource_inventoried_as not in _resources(steps)
    assert packing["crate"].resource_inventoried_as not in _resources(steps)


def test_track_follows_a_resource_again_when_reached_by_an_earlier_event(widgets: Node):
    """A reaches B twice: first (through C) at a late event, then directly at an earlier one. What B did between
    the two must still be tracked."""
    node = widgets
    node.add_spec("x", "X", unit="piece")
    [a] = node.record(RecordEvent("raise", quantity="10 piece", spec="widget", tracking_identifier="A"))
    [b] = node.record(RecordEvent("raise", quantity="1 piece", spec="widget", tracking_identifier="B"))
    [c] = node.record(RecordEvent("raise", quantity="1 piece", spec="widget", tracking_identifier="C"))
    a, b, c = a.resource_inventoried_as, b.resource_inventoried_as, c.resource_inventoried_as
    node.record(RecordEvent("transfer", quantity="2 piece", resource=a, to_resource=c))
    node.record(RecordEvent("transfer", quantity="2 piece", resource=a, to_resource=b))
    process = node.start_process("make x")
    [used, made] = node.record(
        RecordEvent("consume", quantity="1 piece", resource=b, input_of=process.id),
        RecordEvent("produce", quantity="1 piece", spec="x", output_of=process.id, tracking_identifier="X"))
    node.record(RecordEvent("transfer", quantity="2 piece", resource=c, to_resource=b))
    steps = node.track(a)
    assert used.id in _events(steps)
    assert made.resource_inventoried_as in _resources(steps)
    assert len(_events(steps)) == len(set(_events(steps)))


def test_trace_follows_a_resource_again_when_reached_by_a_later_event(widgets: Node):
    """Z came from Y (which came from B early) and later from B directly: B's raise between the two is traced."""
    node = widgets
    refs = {}
    for ref in ("A", "B", "Y", "Z"):
        [made] = node.record(RecordEvent("raise", quantity="5 piece", spec="widget", tracking_identifier=ref))
        refs[ref] = made.resource_inventoried_as
    node.record(RecordEvent("transfer", quantity="1 piece", resource=refs["A"], to_resource=refs["B"]))
    node.record(RecordEvent("transfer", quantity="1 piece", resource=refs["B"], to_resource=refs["Y"]))
    [topped_up] = node.record(RecordEvent("raise", quantity="3 piece", resource=refs["B"]))
    [direct] = node.record(RecordEvent("transfer", quantity="1 piece", resource=refs["B"], to_resource=refs["Z"]))
    [via_y] = node.record(RecordEvent("transfer", quantity="1 piece", resource=refs["Y"], to_resource=refs["Z"]))
    events = _events(node.trace(refs["Z"]))
    assert events[:1] == [via_y.id]
    assert direct.id in events and topped_up.id in events
    assert len(events) == len(set(events))


def test_a_container_traces_back_to_what_was_combined_into_it(widgets: Node):
    """Packing with a bare combine (the crate as toResourceInventoriedAs, no process): track goes from the item to
    the crate, so trace must come back from the crate to the item."""
    node = widgets
    node.add_spec("crate", "Crate", unit="one")
    [w, k] = node.record(RecordEvent("raise", quantity="3 piece", spec="widget", tracking_identifier="W"),
                         RecordEvent("raise", quantity="1 one", spec="crate", tracking_identifier="K"))
    [packed] = node.record(RecordEvent("combine", quantity="3 piece", resource="W", to_resource="K"))
    assert _resources(node.track("W")) == [w.resource_inventoried_as, k.resource_inventoried_as]
    steps = node.trace("K")
    assert _resources(steps) == [k.resource_inventoried_as, w.resource_inventoried_as]
    assert _events(steps) == [packed.id, w.id, k.id]


def test_items_packed_in_a_process_track_to_their_container(widgets: Node):
    """A packing process with only combine inputs (no output): the items still reach the crate they went into."""
    node = widgets
    node.add_spec("crate", "Crate", unit="one")
    [w, k] = node.record(RecordEvent("raise", quantity="3 piece", spec="widget", tracking_identifier="W"),
                         RecordEvent("raise", quantity="1 one", spec="crate", tracking_identifier="K"))
    pack = node.start_process("pack")
    [packed] = node.record(RecordEvent("combine", quantity="3 piece", resource="W", to_resource="K",
                                       input_of=pack.id))
    steps = node.track("W")
    assert k.resource_inventoried_as in _resources(steps)
    assert _processes(steps) == [pack.id]
    assert w.resource_inventoried_as in _resources(node.trace("K"))
