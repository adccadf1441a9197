"""Every action's effects on the resources it names, with the expected outcomes written out by hand.

The pure engine (``apply_event``) is exercised for all 19 actions against one starting picture; the service layer
checks the same effects where the node adds something (creation, stages of processes, both backends).
"""

from decimal import Decimal

import pytest

from cooplink.node import RecordEvent
from cooplink.vf.actions import ACTIONS
from cooplink.vf.effects import Situation, apply_event, check_event, implied_transfer
from cooplink.vf.errors import VFError
from cooplink.vf.model import BatchLotRecord, EconomicEvent, EconomicResource, NewResource, ResourceSpecification
from cooplink.vf.units import Measure, unit_named

KG = unit_named("kilogram")
FLOUR = "spec:flour"
STAGE = "process-spec:milling"
D = Decimal

# The starting picture: a resource r of 10 kg (both quantities) at the shed, accountable A, packed in a crate;
# and, for actions with a to-resource (or a container), t of 2 kg. Every event moves 3 kg, from A to B.
FROM = EconomicResource(id="r", conforms_to=FLOUR, unit=KG, accounting_quantity=D(10), onhand_quantity=D(10),
                        primary_accountable="A", current_location="shed", contained_in="crate",
                        tracking_identifier="R-1", lot=BatchLotRecord("LOT-7"))
TO = EconomicResource(id="t", conforms_to=FLOUR, unit=KG, accounting_quantity=D(2), onhand_quantity=D(2),
                      primary_accountable="A", current_location="shed")

# What each action leaves behind, field by field: (accounting, onhand, location, accountable, containedIn, stage,
# state) of r, and of t when the event names it.
UNCHANGED_T = (2, 2, "shed", "A", None, None, None)
EXPECTED = {
    "accept":            {"r": (10, 7, "dock", "A", "crate", None, "checked")},
    "cite":              {"r": (10, 10, "shed", "A", "crate", None, "checked")},
    "combine":           {"r": (10, 7, "shed", "A", "t", None, "checked"), "t": UNCHANGED_T},
    "consume":           {"r": (7, 7, "shed", "A", "crate", None, "checked")},
    "copy":              {"r": (10, 10, "shed", "A", "crate", None, None),
                          "t": (5, 5, "shed", "A", None, None, "checked")},
    "deliverService":    {"r": (10, 10, "shed", "A", "crate", None, None)},
    "dropoff":           {"r": (10, 13, "dock", "A", "crate", STAGE, "checked")},
    "lower":             {"r": (7, 7, "shed", "A", "crate", None, "checked")},
    "modify":            {"r": (10, 13, "dock", "A", "crate", STAGE, "checked")},
    "move":              {"r": (7, 7, "shed", "A", "crate", None, None),
                          "t": (5, 5, "yard", "A", None, None, "checked")},
    "pickup":            {"r": (10, 7, "dock", "A", "crate", None, "checked")},
    "produce":           {"r": (13, 13, "shed", "A", "crate", STAGE, "checked")},
    "raise":             {"r": (13, 13, "shed", "A", "crate", None, "checked")},
    "separate":          {"r": (10, 13, "shed", "A", None, STAGE, "checked")},
    "transfer":          {"r": (7, 7, "shed", "A", "crate", None, None),
                          "t": (5, 5, "yard", "B", None, None, "checked")},
    "transferAllRights": {"r": (7, 10, "shed", "A", "crate", None, None),
                          "t": (5, 2, "shed", "B", None, None, "checked")},
    "transferCustody":   {"r": (10, 7, "shed", "A", "crate", None, None),
                          "t": (2, 5, "yard", "A", None, None, "checked")},
    "use":               {"r": (10, 10, "shed", "A", "crate", None, "checked")},
    "work":              {},
}
WITH_TO_RESOURCE = {"combine", "copy", "move", "transfer", "transferAllRights", "transferCustody"}
AS_OUTPUT = {"dropoff", "modify", "produce", "separate", "deliverService"}
AS_INPUT = {"accept", "cite", "combine", "consume", "pickup", "use", "work"}


def _event(action: str, **fields) -> EconomicEvent:
    base = dict(id=f"e-{action}", action=action, provider="A", receiver="B",
                resource_quantity=Measure.of("3", "kilogram"))
    base.update(fields)
    return EconomicEvent(**base)


def _picture(resource: EconomicResource) -> tuple:
    return (resource.accounting_quantity, resource.onhand_quantity, resource.current_location,
            resource.primary_accountable, resource.contained_in, resource.stage, resource.state)


def _as_decimals(expected: tuple) -> tuple:
    return (D(expected[0]), D(expected[1])) + expected[2:]


def test_the_expectations_cover_all_19_actions():
    assert set(EXPECTED) == set(ACTIONS)
    assert len(EXPECTED) == 19


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_effects_of_every_action(name):
    fields = dict(resource_inventoried_as="r", at_location="dock", to_location="yard", state="checked")
    if name in WITH_TO_RESOURCE:
        fields["to_resource_inventoried_as"] = "t"
    if name in AS_OUTPUT:
        fields["output_of"] = "process:mill"
    elif name in AS_INPUT:
        fields["input_of"] = "process:mill"
    if name == "work":
        fields = dict(resource_conforms_to="spec:labour", input_of="process:mill", resource_quantity=None,
                      effort_quantity=Measure.of("2", "hour"))
    event = _event(name, **fields)
    check_event(event)
    # The node gives the stage only for outputs of a process based on a ProcessSpecification.
    situation = Situation(resources={"r": FROM, "t": TO}, stage=STAGE if event.output_of else None)
    changed = apply_event(event, situation)
    assert set(changed) == set(EXPECTED[name])
    for resource_id, expected in EXPECTED[name].items():
        assert _picture(changed[resource_id]) == _as_decimals(expected), resource_id
        assert changed[resource_id].unit is KG


def test_quantities_are_converted_into_the_resource_unit():
    changed = apply_event(_event("consume", resource_inventoried_as="r",
                                 resource_quantity=Measure.of("250", "gram")), Situation(resources={"r": FROM}))
    assert changed["r"].accounting_quantity == D("9.75")
    assert changed["r"].onhand_quantity == D("9.75")
    changed = apply_event(_event("transfer", resource_inventoried_as="r", to_resource_inventoried_as="t",
                                 resource_quantity=Measure.of("1500", "gram")),
                          Situation(resources={"r": FROM, "t": TO}))
    assert (changed["r"].onhand_quantity, changed["t"].onhand_quantity) == (D("8.5"), D("3.5"))


def test_the_state_of_the_from_resource_is_kept_when_the_event_gives_none():
    checked = EconomicResource(id="r", conforms_to=FLOUR, unit=KG, accounting_quantity=D(5), onhand_quantity=D(5),
                               state="checked", current_location="shed")
    changed = apply_event(_event("consume", resource_inventoried_as="r"), Situation(resources={"r": checked}))
    assert changed["r"].state == "checked"
    assert changed["r"].current_location == "shed"


# inputOf / outputOf ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_input_of_only_where_input_output_allows(name):
    quantity = dict(effort_quantity=Measure.of("1", "hour")) if name == "work" else {}
    event = _event(name, resource_conforms_to=FLOUR, input_of="process:mill", **quantity)
    if name in AS_INPUT or name == "deliverService":
        check_event(event)
    else:
        with pytest.raises(VFError) as raised:
            check_event(event)
        assert raised.value.field == "inputOf"


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_output_of_only_where_input_output_allows(name):
    quantity = dict(effort_quantity=Measure.of("1", "hour")) if name == "work" else {}
    event = _event(name, resource_conforms_to=FLOUR, output_of="process:mill", **quantity)
    if name in AS_OUTPUT:
        check_event(event)
    else:
        with pytest.raises(VFError) as raised:
            check_event(event)
        assert raised.value.field == "outputOf"


# createResource ----------------------------------------------------------------------------------------------------

SPEC = ResourceSpecification(id=FLOUR, name="Flour", default_unit_of_resource=KG, resource_classified_as=("food",))


def test_produce_creates_its_resource_in_the_spec_unit_at_the_event_location():
    event = _event("produce", resource_inventoried_as="new", resource_conforms_to=FLOUR, at_location="mill",
                   output_of="process:mill", resource_quantity=Measure.of("2500", "gram"), state="fresh",
                   new_resource=NewResource(id="new", tracking_identifier="F-1", lot=BatchLotRecord("L-9")))
    check_event(event)
    created = apply_event(event, Situation(resources={}, spec=SPEC, stage=STAGE))["new"]
    assert (created.accounting_quantity, created.onhand_quantity) == (D("2.5"), D("2.5"))
    assert created.unit is KG
    assert created.conforms_to == FLOUR
    assert created.name == "Flour"
    assert created.primary_accountable == "B"  # the receiver: accountable effect 'new'
    assert created.current_location == "mill"  # location effect 'new'
    assert created.stage == STAGE
    assert created.state == "fresh"
    assert created.tracking_identifier == "F-1"
    assert created.lot == BatchLotRecord("L-9")
    assert created.classified_as == ("food",)


def test_raise_creates_its_resource_without_a_location():
    event = _event("raise", resource_inventoried_as="new", resource_conforms_to=FLOUR, at_location="mill",
                   new_resource=NewResource(id="new"))
    created = apply_event(event, Situation(resources={}, spec=SPEC))["new"]
    assert (created.accounting_quantity, created.onhand_quantity) == (D(3), D(3))
    assert created.primary_accountable == "B"
    assert created.current_location is None  # raise has no location effect


@pytest.mark.parametrize("name", ["transfer", "move", "transferAllRights", "transferCustody"])
def test_a_transfer_to_a_new_resource_keeps_lot_and_tracking_identifier(name):
    event = _event(name, resource_inventoried_as="r", to_resource_inventoried_as="new", to_location="yard",
                   new_resource=NewResource(id="new"))
    check_event(event)
    changed = apply_event(event, Situation(resources={"r": FROM}))
    created = changed["new"]
    assert created.lot == BatchLotRecord("LOT-7")
    assert created.tracking_identifier == "R-1"
    assert created.conforms_to == FLOUR
    assert created.unit is KG
    expected = {"transfer": (3, 3, "yard", "B"), "move": (3, 3, "yard", "A"),
                "transferAllRights": (3, 0, "shed", "B"), "transferCustody": (0, 3, "yard", "A")}[name]
    assert (created.accounting_quantity, created.onhand_quantity, created.current_location,
            created.primary_accountable) == (D(expected[0]), D(expected[1])) + expected[2:]


def test_a_copy_creates_a_new_resource_at_the_event_location_leaving_the_original():
    event = _event("copy", resource_inventoried_as="r", to_resource_inventoried_as="new", to_location="archive",
                   state="draft", new_resource=NewResource(id="new"))
    changed = apply_event(event, Situation(resources={"r": FROM}))
    assert _picture(changed["r"]) == _picture(FROM)
    created = changed["new"]
    assert (created.accounting_quantity, created.onhand_quantity) == (D(3), D(3))
    assert created.current_location == "archive"  # location effect 'new'
    assert created.primary_accountable == "B"  # accountable effect 'new'
    assert created.state == "draft"


@pytest.mark.parametrize("name", ["consume", "cite", "use", "accept", "combine", "deliverService"])
def test_actions_that_cannot_create_a_resource(name):
    event = _event(name, resource_inventoried_as="new", resource_conforms_to=FLOUR,
                   new_resource=NewResource(id="new"))
    with pytest.raises(VFError) as raised:
        check_event(event)
    assert raised.value.field == "resourceInventoriedAs"


def test_a_to_resource_of_another_specification_is_refused():
    sugar = EconomicResource(id="t", conforms_to="spec:sugar", unit=KG)
    event = _event("transfer", resource_inventoried_as="r", to_resource_inventoried_as="t")
    with pytest.raises(VFError) as raised:
        apply_event(event, Situation(resources={"r": FROM, "t": sugar}))
    assert raised.value.field == "toResourceInventoriedAs"


@pytest.mark.parametrize("name", sorted(set(ACTIONS) - WITH_TO_RESOURCE))
def test_actions_without_a_to_resource_refuse_one(name):
    quantity = dict(effort_quantity=Measure.of("1", "hour")) if name == "work" else {}
    event = _event(name, resource_inventoried_as="r", to_resource_inventoried_as="t", **quantity)
    with pytest.raises(VFError) as raised:
        check_event(event)
    assert raised.value.field == "toResourceInventoriedAs"


# implied transfers -------------------------------------------------------------------------------------------------

IMPLIED = {"consume": "transfer", "produce": "transfer", "deliverService": "transfer",
           "pickup": "transferCustody", "dropoff": "transferCustody", "accept": "transferCustody",
           "modify": "transferCustody"}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_implied_transfers_when_provider_and_receiver_differ(name):
    assert implied_transfer(_event(name, provider="A", receiver="B")) == IMPLIED.get(name)
    assert implied_transfer(_event(name, provider="A", receiver="A")) is None


# through the service layer, on both backends ------------------------------------------------------------------------

def test_hrea_arithmetic(widgets):
    """produce 10, raise 5, lower 3, consume 4 leaves 8 on both quantities."""
    process = widgets.start_process("assembly")
    [made] = widgets.record(RecordEvent("produce", quantity="10 piece", spec="widget", output_of=process.id))
    widget = made.resource_inventoried_as
    widgets.record(RecordEvent("raise", quantity="5 piece", resource=widget))
    widgets.record(RecordEvent("lower", quantity="3 piece", resource=widget))
    other = widgets.start_process("use up")
    widgets.record(RecordEvent("consume", quantity="4 piece", resource=widget, input_of=other.id))
    resource = widgets.resource(widget)
    assert resource.accounting_quantity == D(8)
    assert resource.onhand_quantity == D(8)
    report = widgets.verify()
    assert report.ok, report.differences
    assert report.events == 4


def test_produce_for_a_client_makes_the_client_accountable(widgets):
    widgets.add_agent("b", "Coop B")
    [made] = widgets.record(RecordEvent("produce", quantity="2 piece", spec="widget", receiver="b",
                                        at_location="workshop"))
    assert implied_transfer(made) == "transfer"
    resource = widgets.resource(made.resource_inventoried_as)
    assert resource.primary_accountable == widgets.iri("agents", "b")
    assert resource.current_location == "workshop"


def test_outputs_take_the_stage_of_their_process_specification(widgets):
    widgets.add_process_spec("paint", "Painting")
    widgets.add_process_spec("pack", "Packing")
    [made] = widgets.record(RecordEvent("raise", quantity="4 piece", spec="widget"))
    widget = made.resource_inventoried_as
    painting = widgets.start_process("paint the widgets", based_on="paint")
    widgets.record(RecordEvent("accept", quantity="4 piece", resource=widget, input_of=painting.id),
                   RecordEvent("modify", quantity="4 piece", resource=widget, output_of=painting.id, state="red"))
    resource = widgets.resource(widget)
    assert resource.stage == widgets.iri("process-specs", "paint")
    assert resource.state == "red"
    assert (resource.accounting_quantity, resource.onhand_quantity) == (D(4), D(4))
    packing = widgets.start_process("pack them", based_on="pack")
    [boxed] = widgets.record(RecordEvent("produce", quantity="1 piece", spec="widget", output_of=packing.id))
    assert widgets.resource(boxed.resource_inventoried_as).stage == widgets.iri("process-specs", "pack")
    unbased = widgets.start_process("no specification")
    widgets.record(RecordEvent("accept", quantity="4 piece", resource=widget, input_of=unbased.id),
                   RecordEvent("modify", quantity="4 piece", resource=widget, output_of=unbased.id))
    assert widgets.resource(widget).stage == widgets.iri("process-specs", "paint")  # no stage to update to
    assert widgets.verify().ok


def test_transport_moves_custody_and_location_through_pickup_and_dropoff(widgets):
    widgets.add_process_spec("delivered", "Delivered")
    [made] = widgets.record(RecordEvent("raise", quantity="6 piece", spec="widget", at_location="A-shed"))
    widget = made.resource_inventoried_as
    truck = widgets.start_process("truck", based_on="delivered")
    widgets.record(RecordEvent("pickup", quantity="6 piece", resource=widget, input_of=truck.id, at_location="A"))
    in_transit = widgets.resource(widget)
    assert (in_transit.accounting_quantity, in_transit.onhand_quantity) == (D(6), D(0))
    assert in_transit.current_location == "A"
    widgets.record(RecordEvent("dropoff", quantity="6 piece", resource=widget, output_of=truck.id, at_location="B"))
    arrived = widgets.resource(widget)
    assert (arrived.accounting_quantity, arrived.onhand_quantity) == (D(6), D(6))
    assert arrived.current_location == "B"
    assert arrived.stage == widgets.iri("process-specs", "delivered")
    assert widgets.verify().ok


def test_combine_and_separate_set_and_clear_contained_in(widgets):
    widgets.add_spec("crate", "Crate", unit="one")
    [crate] = widgets.record(RecordEvent("raise", quantity="1 one", spec="crate"))
    [made] = widgets.record(RecordEvent("raise", quantity="3 piece", spec="widget"))
    widget, container = made.resource_inventoried_as, crate.resource_inventoried_as
    packing = widgets.start_process("pack")
    widgets.record(RecordEvent("combine", quantity="3 piece", resource=widget, to_resource=container,
                               input_of=packing.id))
    packed = widgets.resource(widget)
    assert packed.contained_in == container
    assert (packed.accounting_quantity, packed.onhand_quantity) == (D(3), D(0))
    assert widgets.resource(container).onhand_quantity == D(1)
    unpacking = widgets.start_process("unpack")
    widgets.record(RecordEvent("separate", quantity="3 piece", resource=widget, output_of=unpacking.id))
    unpacked = widgets.resource(widget)
    assert unpacked.contained_in is None
    assert (unpacked.accounting_quantity, unpacked.onhand_quantity) == (D(3), D(3))
    assert widgets.verify().ok


def test_transfer_to_a_new_resource_through_the_node_keeps_lot_and_tracking(widgets):
    widgets.add_agent("b", "Coop B")
    [made] = widgets.record(RecordEvent("produce", quantity="10 piece", spec="widget", lot="L-1",
                                        tracking_identifier="W-1", at_location="A-shed"))
    [sold] = widgets.record(RecordEvent("transfer", quantity="4 piece", resource=made.resource_inventoried_as,
                                        new_to_resource=True, receiver="b", to_location="B-yard"))
    source = widgets.resource(made.resource_inventoried_as)
    received = widgets.resource(sold.to_resource_inventoried_as)
    assert (source.accounting_quantity, source.onhand_quantity) == (D(6), D(6))
    assert (received.accounting_quantity, received.onhand_quantity) == (D(4), D(4))
    assert received.lot.batch_lot_code == "L-1"
    assert received.tracking_identifier == "W-1"
    assert received.primary_accountable == widgets.iri("agents", "b")
    assert received.current_location == "B-yard"
    [moved] = widgets.record(RecordEvent("move", quantity="1 piece", resource=made.resource_inventoried_as,
                                         to_location="A-store"))
    shelf = widgets.resource(moved.to_resource_inventoried_as)
    assert (shelf.onhand_quantity, shelf.current_location, shelf.lot.batch_lot_code) == (D(1), "A-store", "L-1")
    assert shelf.primary_accountable == widgets.agent_id
    assert widgets.verify().ok
