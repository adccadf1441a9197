"""Dated lots and allergens: a lot's expiry from its production date and shelf life, the node's lots by expiry,
and allergen lists checked against Regulation (EU) 1169/2011 Annex II."""

from datetime import date, datetime, timezone

import pytest
from cooplink_food.lots import node_lots

from cooplink.node import Node, RecordEvent
from cooplink.vf.errors import VFError

NOV_20 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def expiry(node: Node, ref: str) -> date | None:
    return node.resource(ref).lot.expiration_date


# expiry from production date and shelf life ------------------------------------------------------------------------
def test_a_lot_produced_on_a_date_expires_after_its_shelf_life(food):
    food.record(RecordEvent("produce", "40 piece", spec="bread", lot="B-1", tracking_identifier="B-1",
                            resource_attributes={"food.produced_on": "2026-11-02"}, has_point_in_time=NOV_20))
    assert expiry(food, "B-1") == date(2026, 11, 7)  # bread keeps 5 days
    assert food.attributes_of("resource", "B-1") == {"food.produced_on": "2026-11-02"}
    assert food.verify().ok  # the expiry is the lot's description; the balances still fold from the events


def test_a_produce_without_a_date_was_produced_on_its_own_day(food):
    food.record(RecordEvent("produce", "40 piece", spec="bread", lot="B-2", tracking_identifier="B-2",
                            has_point_in_time=NOV_20))
    assert expiry(food, "B-2") == date(2026, 11, 25)
    assert food.attributes_of("resource", "B-2") == {"food.produced_on": "2026-11-20"}


def test_an_expiry_given_outright_is_kept(food):
    food.record(RecordEvent("produce", "40 piece", spec="bread", lot="B-3", tracking_identifier="B-3",
                            lot_expiration="2026-11-30", has_point_in_time=NOV_20))
    assert expiry(food, "B-3") == date(2026, 11, 30)


def test_raised_stock_without_a_production_date_gets_no_expiry(food):
    food.record(RecordEvent("raise", "10 kg", spec="flour", lot="F-9", tracking_identifier="F-9"))
    assert expiry(food, "F-9") is None
    assert food.attributes_of("resource", "F-9") == {}


def test_a_spec_without_a_shelf_life_gives_no_expiry(food):
    food.add_spec("salt", "Salt", unit="kilogram")
    food.record(RecordEvent("produce", "5 kg", spec="salt", lot="S-1", tracking_identifier="S-1",
                            has_point_in_time=NOV_20))
    assert expiry(food, "S-1") is None
    assert food.attributes_of("resource", "S-1") == {"food.produced_on": "2026-11-20"}


def test_a_lot_produced_after_its_expiry_is_refused(food, state):
    before = state(food)
    with pytest.raises(VFError) as refused:
        food.record(RecordEvent("produce", "40 piece", spec="bread", lot="B-4", lot_expiration="2026-11-05",
                                resource_attributes={"food.produced_on": "2026-11-10"}, has_point_in_time=NOV_20))
    assert refused.value.field == "food.produced_on"
    assert "after it expires (2026-11-05)" in refused.value.reason
    assert state(food) == before


def test_a_dated_product_with_a_shelf_life_needs_a_lot_code(food, state):
    before = state(food)
    with pytest.raises(VFError) as refused:
        food.record(RecordEvent("produce", "40 piece", spec="bread", has_point_in_time=NOV_20))
    assert refused.value.field == "lot"
    assert "Bread keeps 5 days" in refused.value.reason
    assert state(food) == before


def test_a_production_date_must_be_a_date(food, state):
    before = state(food)
    with pytest.raises(VFError) as refused:
        food.record(RecordEvent("produce", "1 piece", spec="bread", lot="B-5",
                                resource_attributes={"food.produced_on": "last tuesday"}))
    assert refused.value.field == "food.produced_on"
    assert state(food) == before


# the node's lots ---------------------------------------------------------------------------------------------------
def test_lots_are_listed_earliest_expiry_first(flour_lots):
    listed = node_lots(flour_lots, spec="flour", today=date(2026, 11, 20))
    assert [(lot.lot, lot.status) for lot in listed] == [
        ("L-0", "expired"), ("L-1", "expires in 11 days"), ("L-3", "expires in 20 days"), ("L-2", "no expiry date")]
    assert [lot.onhand for lot in listed] == [4, 3, 5, 10]


def test_empty_lots_are_listed_only_when_asked(flour_lots):
    flour_lots.record(RecordEvent("lower", "4 kg", resource="L-0"))
    assert "L-0" not in [lot.lot for lot in node_lots(flour_lots)]
    assert "L-0" in [lot.lot for lot in node_lots(flour_lots, include_empty=True)]


def test_lots_of_an_unknown_specification_are_refused(food):
    with pytest.raises(VFError, match="resourceConformsTo"):
        node_lots(food, spec="cheese")


# allergens ---------------------------------------------------------------------------------------------------------
def test_allergens_are_kept_on_the_specification(food):
    food.add_spec("cake", "Cake", unit="piece", attributes={"food.allergens": ["Eggs", "milk", "nuts"]})
    assert food.attributes_of("specification", "cake") == {"food.allergens": ["eggs", "milk", "nuts"]}


def test_an_unknown_allergen_is_refused_naming_the_attribute(food):
    with pytest.raises(VFError) as refused:
        food.add_spec("cake", "Cake", unit="piece", attributes={"food.allergens": ["eggs", "nutmeg"]})
    assert refused.value.field == "food.allergens"
    assert "unknown allergen 'nutmeg'" in refused.value.reason
    assert "molluscs" in refused.value.reason  # the 14 are listed, so the fix is at hand
    assert "cake" not in [s.id.rsplit("/", 1)[-1] for s in food.specs()]  # nothing written


def test_an_unknown_allergen_leaves_the_old_list_in_place(food):
    with pytest.raises(VFError, match=r"^food\.allergens: "):
        food.set_attributes("specification", "bread", {"food.allergens": ["gluten", "shellfish"]})
    assert food.attributes_of("specification", "bread")["food.allergens"] == ["gluten", "milk"]


def test_a_negative_shelf_life_is_refused(food):
    with pytest.raises(VFError, match=r"^food\.shelf_life_days: "):
        food.set_attributes("specification", "flour", {"food.shelf_life_days": -3})
    assert food.attributes_of("specification", "flour")["food.shelf_life_days"] == 180
