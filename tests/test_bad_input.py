"""Bad input: each is refused with an error naming the VF field at fault, and nothing is written (both backends)."""

from decimal import Decimal

import pytest

from cooplink.node import Node, NodeError, RecordEvent


def _snapshot(node: Node):
    with node.reading() as ledger:
        return ledger.event_count(), sorted(ledger.all_resources(), key=lambda r: r.id)


def refused(node: Node, field: str, *drafts: RecordEvent) -> NodeError:
    """Record the drafts as one batch; it must fail on ``field`` and leave events and balances as they were."""
    before = _snapshot(node)
    with pytest.raises(NodeError) as raised:
        node.record(*drafts)
    assert raised.value.field == field, str(raised.value)
    assert _snapshot(node) == before
    assert node.verify().ok
    return raised.value


@pytest.fixture
def stocked(widgets: Node):
    """5 kg of flour (tracking id F) and 5 widgets (W)."""
    widgets.record(RecordEvent("raise", quantity="5 kg", spec="flour", tracking_identifier="F"),
                   RecordEvent("raise", quantity="5 piece", spec="widget", tracking_identifier="W"))
    return widgets


def test_unknown_action(stocked):
    error = refused(stocked, "action", RecordEvent("steal", quantity="1 kg", resource="F"))
    assert "steal" in str(error)


def test_unknown_specification(stocked):
    refused(stocked, "resourceConformsTo", RecordEvent("raise", quantity="1 kg", spec="sugar"))
    refused(stocked, "resourceConformsTo",
            RecordEvent("transfer", quantity="1 kg", resource="F", new_to_resource=True, to_spec="sugar"))


def test_unknown_resource_and_process(stocked):
    refused(stocked, "resourceInventoriedAs", RecordEvent("consume", quantity="1 kg", resource="nothing-here"))
    refused(stocked, "inputOf", RecordEvent("consume", quantity="1 kg", resource="F", input_of="no-such-process"))


@pytest.mark.parametrize("quantity", ["0 kg", "-1 kg", "-0.001 kg", "0 g"])
@pytest.mark.parametrize("action", ["consume", "raise", "lower", "transfer", "use", "cite"])
def test_zero_and_negative_resource_quantities(stocked, action, quantity):
    extra = dict(new_to_resource=True) if action == "transfer" else {}
    error = refused(stocked, "resourceQuantity", RecordEvent(action, quantity=quantity, resource="F", **extra))
    assert "more than zero" in str(error)


@pytest.mark.parametrize("effort", ["0 hour", "-2 hour"])
def test_zero_and_negative_effort(stocked, effort):
    refused(stocked, "effortQuantity", RecordEvent("work", effort=effort, spec="flour"))


def test_a_missing_quantity(stocked):
    refused(stocked, "resourceQuantity", RecordEvent("consume", resource="F"))
    refused(stocked, "effortQuantity", RecordEvent("work", spec="flour"))


def test_a_unit_that_cannot_convert(stocked):
    error = refused(stocked, "resourceQuantity", RecordEvent("consume", quantity="1 litre", resource="F"))
    assert "litre" in str(error) and "kilogram" in str(error)
    refused(stocked, "resourceQuantity", RecordEvent("raise", quantity="1 kg", resource="W"))
    refused(stocked, "resourceQuantity", RecordEvent("consume", quantity="2 furlong", resource="F"))


def test_a_quantity_with_no_exact_value_in_the_resource_unit(stocked):
    stocked.add_spec("labour", "Labour", unit="hour")
    stocked.record(RecordEvent("raise", quantity="8 hour", spec="labour", tracking_identifier="H"))
    refused(stocked, "resourceQuantity", RecordEvent("consume", quantity="1 minute", resource="H"))


@pytest.mark.parametrize("quantity", ["1E+70 g", "1." + "1" * 70 + " g", "1E-100 kg", "1E+70 kg"])
def test_a_quantity_wider_than_a_balance_can_keep(stocked, quantity):
    error = refused(stocked, "resourceQuantity", RecordEvent("raise", quantity=quantity, resource="F"))
    assert "digits" in str(error)


def test_resource_inventoried_as_together_with_resource_conforms_to(stocked):
    error = refused(stocked, "resourceConformsTo",
                    RecordEvent("consume", quantity="1 kg", resource="F", spec="flour"))
    assert "not both" in str(error)


@pytest.mark.parametrize("action, extra", [
    ("consume", {}), ("lower", {}), ("transfer", {"new_to_resource": True}),
    ("transferCustody", {"new_to_resource": True}), ("transferAllRights", {"new_to_resource": True}),
    ("move", {}), ("pickup", {}),
])
def test_taking_more_than_is_on_hand(stocked, action, extra):
    error = refused(stocked, "resourceQuantity", RecordEvent(action, quantity="5001 g", resource="F", **extra))
    assert "5 kilogram" in str(error)


def test_transferring_more_than_is_on_hand_into_an_existing_resource(stocked):
    [other] = stocked.record(RecordEvent("raise", quantity="1 kg", spec="flour", tracking_identifier="F2"))
    refused(stocked, "resourceQuantity",
            RecordEvent("transfer", quantity="6 kg", resource="F", to_resource=other.resource_inventoried_as))


def test_negative_stock_when_the_node_allows_it(stocked):
    refused(stocked, "resourceQuantity", RecordEvent("consume", quantity="7 kg", resource="F"))
    stocked.set_allow_negative_stock(True)
    assert stocked.allow_negative_stock
    stocked.record(RecordEvent("consume", quantity="7 kg", resource="F"),
                   RecordEvent("lower", quantity="6 piece", resource="W"))
    assert stocked.resource("F").onhand_quantity == Decimal(-2)
    assert stocked.resource("F").accounting_quantity == Decimal(-2)
    assert stocked.resource("W").accounting_quantity == Decimal(-1)
    assert stocked.verify().ok
    stocked.set_allow_negative_stock(False)
    refused(stocked, "resourceQuantity", RecordEvent("consume", quantity="1 kg", resource="F"))


def test_the_negative_stock_setting_is_kept_by_the_node(stocked):
    stocked.set_allow_negative_stock(True)
    again = Node(stocked.engine, stocked.home)
    assert again.allow_negative_stock
    again.record(RecordEvent("consume", quantity="6 kg", resource="F"))
    assert again.resource("F").onhand_quantity == Decimal(-1)


def test_correcting_an_event_that_does_not_exist(stocked):
    refused(stocked, "corrects", RecordEvent("consume", quantity="1 kg", resource="F", corrects="no-such-event"))
    before = _snapshot(stocked)
    with pytest.raises(NodeError) as raised:
        stocked.correct("no-such-event", "1 kg")
    assert raised.value.field == "corrects"
    assert _snapshot(stocked) == before


def test_correcting_an_event_twice(stocked):
    [used] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    stocked.correct(used.id, "2 kg")
    before = _snapshot(stocked)
    with pytest.raises(NodeError) as raised:
        stocked.correct(used.id, "3 kg")
    assert raised.value.field == "corrects"
    assert "already corrected" in str(raised.value)
    assert _snapshot(stocked) == before
    refused(stocked, "corrects", RecordEvent("consume", quantity="3 kg", resource="F", corrects=used.id))
    # two corrections of one event in one batch: the second is refused, and with it the first
    [other] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    refused(stocked, "corrects", RecordEvent("consume", quantity="2 kg", resource="F", corrects=other.id),
            RecordEvent("consume", quantity="0.5 kg", resource="F", corrects=other.id))


def test_a_correction_must_restate_the_same_action_and_resource(stocked):
    [used] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    refused(stocked, "action", RecordEvent("lower", quantity="2 kg", resource="F", corrects=used.id))
    [other] = stocked.record(RecordEvent("raise", quantity="1 kg", spec="flour", tracking_identifier="F2"))
    refused(stocked, "resourceInventoriedAs",
            RecordEvent("consume", quantity="2 kg", resource=other.resource_inventoried_as, corrects=used.id))


def test_a_correction_to_a_negative_quantity(stocked):
    [used] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    error = refused(stocked, "resourceQuantity",
                    RecordEvent("consume", quantity="-1 kg", resource="F", corrects=used.id))
    assert "zero or more" in str(error)


def test_a_correction_that_would_take_more_than_is_on_hand(stocked):
    [used] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    before = _snapshot(stocked)
    with pytest.raises(NodeError) as raised:
        stocked.correct(used.id, "6 kg")  # 4 kg are left: 5 more cannot be taken
    assert raised.value.field == "resourceQuantity"
    assert _snapshot(stocked) == before


def test_a_batch_whose_last_event_is_bad_writes_none_of_them(stocked):
    process = stocked.start_process("bake")
    refused(stocked, "resourceQuantity",
            RecordEvent("raise", quantity="1 kg", spec="flour", tracking_identifier="F-new"),
            RecordEvent("consume", quantity="2 kg", resource="F", input_of=process.id),
            RecordEvent("produce", quantity="3 piece", spec="widget", output_of=process.id),
            RecordEvent("transfer", quantity="1 piece", resource="W", new_to_resource=True),
            RecordEvent("consume", quantity="4 kg", resource="F", input_of=process.id))  # only 3 kg are left
    assert stocked.inventory(spec="flour") == [stocked.resource("F")]
    with stocked.reading() as ledger:
        assert ledger.find_resources(tracking_identifier="F-new") == []
        assert ledger.process_inputs(process.id) == []


@pytest.mark.parametrize("bad, field", [
    (RecordEvent("steal", quantity="1 kg", resource="F"), "action"),
    (RecordEvent("raise", quantity="1 kg", spec="sugar"), "resourceConformsTo"),
    (RecordEvent("consume", quantity="0 kg", resource="F"), "resourceQuantity"),
    (RecordEvent("consume", quantity="1 litre", resource="F"), "resourceQuantity"),
    (RecordEvent("consume", quantity="1 kg", resource="F", spec="flour"), "resourceConformsTo"),
    (RecordEvent("consume", quantity="1 kg", resource="F", corrects="no-such-event"), "corrects"),
])
def test_any_bad_last_event_spoils_the_batch(stocked, bad, field):
    refused(stocked, field, RecordEvent("raise", quantity="2 kg", resource="F"),
            RecordEvent("consume", quantity="1 piece", resource="W"), bad)


def test_events_cannot_join_a_finished_process(stocked):
    process = stocked.start_process("bake")
    stocked.finish_process(process.id)
    refused(stocked, "inputOf", RecordEvent("consume", quantity="1 kg", resource="F", input_of=process.id))
    refused(stocked, "outputOf", RecordEvent("produce", quantity="1 piece", spec="widget", output_of=process.id))


def test_an_event_id_recorded_twice(stocked):
    [first] = stocked.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    refused(stocked, "@id", RecordEvent("consume", quantity="1 kg", resource="F", id=first.id))
    refused(stocked, "@id", RecordEvent("consume", quantity="1 kg", resource="F", id="http://x.example/e/1"),
            RecordEvent("consume", quantity="1 kg", resource="F", id="http://x.example/e/1"))
