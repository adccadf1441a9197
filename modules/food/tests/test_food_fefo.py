"""First expiry, first out: a consume or transfer naming only a specification takes the earliest-expiring lots,
splits across them, never touches an expired lot; an expired lot named outright is refused and nothing written."""

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.node import Node, RecordEvent
from cooplink.vf.errors import VFError

NOV_20 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
X_URL = "http://x.example"


def onhand(node: Node) -> dict[str, Decimal]:
    return {code: node.resource(code).onhand_quantity for code in ("L-0", "L-1", "L-2", "L-3")}


def taken(events) -> list[tuple[str, str]]:
    """Which lot each recorded event took from, and how much."""
    return [(e.resource_inventoried_as.rsplit("/", 1)[-1], str(e.resource_quantity)) for e in events]


def lot_of(node: Node, event) -> str:
    return node.resource(event.resource_inventoried_as).lot.batch_lot_code


def test_consume_takes_the_earliest_expiring_lot_and_splits_across_lots(flour_lots):
    events = flour_lots.record(RecordEvent("consume", "6000 g", spec="flour", has_point_in_time=NOV_20))
    assert [lot_of(flour_lots, e) for e in events] == ["L-1", "L-3"]
    assert [str(e.resource_quantity) for e in events] == ["3 kilogram", "3 kilogram"]  # 6000 g, exactly, in kg
    assert all(e.resource_conforms_to is None for e in events)  # each part names its lot, not the spec
    assert onhand(flour_lots) == {"L-0": 4, "L-1": 0, "L-2": 10, "L-3": 2}


def test_lots_without_an_expiry_date_go_last(flour_lots):
    events = flour_lots.record(RecordEvent("consume", "12 kg", spec="flour", has_point_in_time=NOV_20))
    assert [(lot_of(flour_lots, e), e.resource_quantity.value) for e in events] == \
        [("L-1", 3), ("L-3", 5), ("L-2", 4)]
    assert onhand(flour_lots) == {"L-0": 4, "L-1": 0, "L-2": 6, "L-3": 0}


def test_expiry_is_judged_on_the_day_of_the_event(flour_lots):
    # On 1 December L-1 may still be used ("use by" that day); on 2 December it has expired.
    [on_the_day] = flour_lots.record(RecordEvent("consume", "1 kg", spec="flour",
                                                 has_point_in_time=datetime(2026, 12, 1, 23, tzinfo=timezone.utc)))
    [day_after] = flour_lots.record(RecordEvent("consume", "1 kg", spec="flour",
                                                has_point_in_time=datetime(2026, 12, 2, tzinfo=timezone.utc)))
    assert (lot_of(flour_lots, on_the_day), lot_of(flour_lots, day_after)) == ("L-1", "L-3")


def test_a_transfer_to_a_customer_is_split_by_expiry(flour_lots):
    flour_lots.add_agent(X_URL, "Customer X")
    events = flour_lots.record(RecordEvent("transfer", "4 kg", spec="flour", receiver=X_URL,
                                           has_point_in_time=NOV_20))
    assert [(lot_of(flour_lots, e), e.resource_quantity.value, e.receiver) for e in events] == \
        [("L-1", 3, X_URL), ("L-3", 1, X_URL)]
    assert onhand(flour_lots)["L-3"] == 4


def test_a_transfer_into_new_resources_keeps_each_lot_and_its_expiry(flour_lots):
    events = flour_lots.record(RecordEvent("transfer", "4 kg", spec="flour", new_to_resource=True,
                                           has_point_in_time=NOV_20))
    arrived = [flour_lots.resource(e.to_resource_inventoried_as) for e in events]
    assert [(r.lot.batch_lot_code, r.lot.expiration_date.isoformat(), r.onhand_quantity) for r in arrived] == \
        [("L-1", "2026-12-01", 3), ("L-3", "2026-12-10", 1)]


def test_expired_lots_are_never_picked_and_a_shortage_is_refused_saying_what_is_available(flour_lots, state):
    before = state(flour_lots)
    with pytest.raises(VFError) as refused:
        flour_lots.record(RecordEvent("consume", "19 kg", spec="flour", has_point_in_time=NOV_20))
    assert refused.value.field == "resourceQuantity"
    assert "only 18 kilogram is available" in refused.value.reason  # 3 + 5 + 10: not the 4 kg of expired L-0
    assert "4 kilogram more in expired lots" in refused.value.reason
    assert state(flour_lots) == before


def test_a_shortage_in_one_draft_refuses_the_whole_batch(flour_lots, state):
    before = state(flour_lots)
    with pytest.raises(VFError, match="resourceQuantity"):
        flour_lots.record(RecordEvent("consume", "2 kg", spec="flour", has_point_in_time=NOV_20),
                          RecordEvent("consume", "17 kg", spec="flour", has_point_in_time=NOV_20))
    assert state(flour_lots) == before


@pytest.mark.parametrize("action", ["consume", "transfer", "transferCustody", "transferAllRights"])
def test_an_expired_lot_named_outright_is_refused_with_the_modules_message(flour_lots, state, action):
    flour_lots.add_agent(X_URL, "Customer X")
    before = state(flour_lots)
    with pytest.raises(VFError) as refused:
        flour_lots.record(
            RecordEvent("consume", "1 kg", resource="L-1", has_point_in_time=NOV_20),  # fine on its own
            RecordEvent(action, "1 kg", resource="L-0", receiver=None if action == "consume" else X_URL,
                        has_point_in_time=NOV_20))
    assert str(refused.value) == "resourceInventoriedAs: food: lot L-0 expired on 2026-11-01"
    assert state(flour_lots) == before  # the valid event in the same batch was not written either


def test_an_expired_lot_can_still_be_written_off(flour_lots):
    [write_off] = flour_lots.record(RecordEvent("lower", "4 kg", resource="L-0", has_point_in_time=NOV_20,
                                                note="expired"))
    assert write_off.resource_inventoried_as == flour_lots.resource("L-0").id
    assert flour_lots.resource("L-0").onhand_quantity == 0


def test_a_produce_naming_a_specification_is_not_picked(food):
    [made] = food.record(RecordEvent("produce", "20 piece", spec="bread", lot="B-1", has_point_in_time=NOV_20))
    assert made.resource_conforms_to.endswith("/specs/bread")
    assert food.resource(made.resource_inventoried_as).onhand_quantity == 20


def test_a_specification_not_inventoried_here_is_recorded_as_a_flow_of_that_kind(food):
    food.add_spec("salt", "Salt", unit="kilogram")
    [used] = food.record(RecordEvent("consume", "1 kg", spec="salt", has_point_in_time=NOV_20))
    assert used.resource_inventoried_as is None and used.resource_conforms_to.endswith("/specs/salt")


def test_without_the_module_nothing_is_picked_and_expired_lots_are_not_refused(flour_lots, state):
    flour_lots.disable_module("food")
    before = state(flour_lots)
    [kind] = flour_lots.record(RecordEvent("consume", "2 kg", spec="flour", has_point_in_time=NOV_20))
    assert kind.resource_inventoried_as is None  # the core's own reading: a flow of flour, no lot touched
    assert state(flour_lots)[1] == before[1]
    flour_lots.record(RecordEvent("consume", "1 kg", resource="L-0", has_point_in_time=NOV_20))
    assert flour_lots.resource("L-0").onhand_quantity == 3


def test_the_event_command_records_and_shows_every_part(food):
    food.record(RecordEvent("raise", "3 kg", spec="flour", lot="LATE", lot_expiration="2099-06-30",
                            tracking_identifier="LATE"),
                RecordEvent("raise", "3 kg", spec="flour", lot="SOON", lot_expiration="2098-06-30",
                            tracking_identifier="SOON"))
    result = CliRunner().invoke(app, ["--node", str(food.home), "event", "record", "consume", "4", "kg",
                                      "--spec", "flour", "--json"])
    assert result.exit_code == 0, result.output
    parts = json.loads(result.stdout)
    assert [p["resource_inventoried_as"] for p in parts] == [food.resource("SOON").id, food.resource("LATE").id]
    assert [p["resource_quantity"]["value"] for p in parts] == ["3", "1"]
