"""Corrections: an event is never edited; a later event that ``corrects`` it restates it (both backends)."""

from decimal import Decimal

import pytest

from cooplink.node import Node, NodeError, RecordEvent

D = Decimal


@pytest.fixture
def flour(widgets: Node):
    [made] = widgets.record(RecordEvent("raise", quantity="10 kg", spec="flour", tracking_identifier="F"))
    return widgets, made


def _quantities(node: Node, resource_id: str) -> tuple:
    resource = node.resource(resource_id)
    return resource.accounting_quantity, resource.onhand_quantity


def _stored(node: Node, event_id: str) -> tuple:
    event = node.event(event_id)
    return event.action, event.resource_quantity.value, event.resource_quantity.unit.name, event.corrects, event.seq


def test_correcting_a_quantity_restates_the_balance(flour):
    node, made = flour
    [used] = node.record(RecordEvent("consume", quantity="3 kg", resource="F"))
    assert _quantities(node, "F") == (D(7), D(7))
    before = _stored(node, used.id)
    fixed = node.correct(used.id, "4 kg")
    assert _quantities(node, "F") == (D(6), D(6))
    assert fixed.corrects == used.id and fixed.id != used.id
    assert _stored(node, used.id) == before  # the original is unchanged
    assert [e.id for e in node.history("F")] == [made.id, used.id, fixed.id]
    report = node.verify()
    assert report.ok, report.differences
    assert report.events == 3


def test_correcting_down_gives_back_what_was_taken(flour):
    node, _ = flour
    [used] = node.record(RecordEvent("consume", quantity="3 kg", resource="F"))
    node.correct(used.id, "500 g")
    assert _quantities(node, "F") == (D("9.5"), D("9.5"))
    assert node.verify().ok


def test_correcting_to_zero_backs_an_event_out(flour):
    node, made = flour
    [used] = node.record(RecordEvent("lower", quantity="4 kg", resource="F"))
    node.correct(used.id, "0 kg")
    assert _quantities(node, "F") == (D(10), D(10))
    assert node.event(used.id).resource_quantity.value == D(4)
    assert len(node.history("F")) == 3
    assert node.verify().ok


def test_correcting_the_event_that_created_a_resource(flour):
    node, made = flour
    node.correct(made.id, "12 kg")
    assert _quantities(node, "F") == (D(12), D(12))
    fixed = node.correct(node.history("F")[-1].id, "0 kg")  # a correction of the correction
    assert _quantities(node, "F") == (D(0), D(0))
    assert fixed.corrects == node.history("F")[1].id
    report = node.verify()
    assert report.ok, report.differences


def test_correcting_a_transfer_restates_both_sides(flour):
    node, made = flour
    node.add_agent("b", "Coop B")
    [sold] = node.record(RecordEvent("transfer", quantity="4 kg", resource="F", new_to_resource=True,
                                     receiver="b"))
    source, received = made.resource_inventoried_as, sold.to_resource_inventoried_as
    node.correct(sold.id, "2500 g")
    assert _quantities(node, source) == (D("7.5"), D("7.5"))
    assert _quantities(node, received) == (D("2.5"), D("2.5"))
    node.correct(node.history(received)[-1].id, "0 kg")
    assert _quantities(node, source) == (D(10), D(10))
    assert _quantities(node, received) == (D(0), D(0))
    assert node.verify().ok


def test_a_correction_through_record_event(flour):
    node, _ = flour
    [used] = node.record(RecordEvent("consume", quantity="1 kg", resource="F"))
    [fixed] = node.record(RecordEvent("consume", quantity="2 kg", resource="F", corrects=used.id))
    assert fixed.corrects == used.id
    assert _quantities(node, "F") == (D(8), D(8))
    assert node.verify().ok


def test_an_event_and_its_correction_in_one_batch(flour):
    node, _ = flour
    used = RecordEvent("consume", quantity="1 kg", resource="F", id="http://127.0.0.1:8001/events/typo")
    fixed = RecordEvent("consume", quantity="1.5 kg", resource="F", corrects=used.id)
    node.record(used, fixed)
    assert _quantities(node, "F") == (D("8.5"), D("8.5"))
    assert node.verify().ok


def test_a_correction_in_a_finished_process(flour):
    """Mistakes are often found after the work is done: a correction of a flow restates it in its process."""
    node, _ = flour
    bake = node.start_process("bake")
    [used, baked] = node.record(
        RecordEvent("consume", quantity="3 kg", resource="F", input_of=bake.id),
        RecordEvent("produce", quantity="6 piece", spec="widget", output_of=bake.id, tracking_identifier="B"))
    node.finish_process(bake.id)
    node.correct(used.id, "2 kg")
    node.correct(baked.id, "5 piece")
    assert _quantities(node, "F") == (D(8), D(8))
    assert _quantities(node, "B") == (D(5), D(5))
    assert node.verify().ok


def test_effort_corrections(widgets: Node):
    process = widgets.start_process("mill")
    [worked] = widgets.record(RecordEvent("work", effort="2 hour", spec="flour", input_of=process.id))
    fixed = widgets.correct(worked.id, effort="90 minute")
    assert fixed.effort_quantity.value == D(90)
    assert widgets.event(worked.id).effort_quantity.value == D(2)
    assert widgets.verify().ok


def test_verify_notices_a_balance_that_drifts(flour):
    """verify is a real proof: a balance edited behind the ledger's back is caught."""
    node, made = flour
    from cooplink.ledger.schema import resources

    with node.writing() as ledger:
        ledger.connection.execute(resources.update().where(resources.c.id == made.resource_inventoried_as)
                                  .values(onhand_quantity=D(11)))
    report = node.verify()
    assert not report.ok
    assert "onhand_quantity" in report.differences[0]


def test_a_move_correction_must_name_the_to_resource_it_restates(flour):
    node, made = flour
    [moved] = node.record(RecordEvent("move", quantity="1 kg", resource=made.resource_inventoried_as))
    with pytest.raises(NodeError) as raised:
        node.record(RecordEvent("move", quantity="2 kg", resource=made.resource_inventoried_as, corrects=moved.id))
    assert raised.value.field == "toResourceInventoriedAs"
    assert "got None" in str(raised.value)  # not a resource minted for the occasion
    node.record(RecordEvent("move", quantity="2 kg", resource=made.resource_inventoried_as,
                            to_resource=moved.to_resource_inventoried_as, corrects=moved.id))
    assert _quantities(node, moved.to_resource_inventoried_as) == (D(2), D(2))
    assert node.verify().ok
