"""The extension action chemicals:neutralize, declared as VF asks of extensions and recorded through the node."""

import dataclasses

import pytest

from cooplink.modules import VFError
from cooplink.node import Node, RecordEvent
from cooplink.node.plugins import installed
from cooplink.vf.actions import ACTIONS, EXTENSION_ACTIONS, NA
from cooplink_chemicals.plugin import NEUTRALIZE

NEUTRALIZED = {"chemicals.neutralized_with": "sodium bicarbonate"}


def neutralize(node, quantity="30 kg", tracking="ETH-1", attributes=NEUTRALIZED, **fields):
    return RecordEvent("chemicals:neutralize", quantity, resource=node.resource(tracking).id,
                       attributes=attributes, **fields)


def test_the_action_states_every_vf_property_and_differs_from_consume_only_in_its_name():
    consume = ACTIONS["consume"]
    assert all(getattr(NEUTRALIZE, f.name) is not None for f in dataclasses.fields(NEUTRALIZE))
    assert dataclasses.replace(NEUTRALIZE, name="consume", label="consume") == consume
    assert (NEUTRALIZE.accounting_effect, NEUTRALIZE.onhand_effect) == ("decrement", "decrement")
    assert NEUTRALIZE.input_output == "input" and NEUTRALIZE.pairs_with == NA


def test_neutralizing_lowers_both_quantities_and_records_how(chem):
    [event] = chem.record(neutralize(chem, state="neutralised"))
    ethanol = chem.resource("ETH-1")
    assert (ethanol.accounting_quantity, ethanol.onhand_quantity) == (70, 70)
    assert ethanol.state == "neutralised"
    assert chem.event(event.id).action == "chemicals:neutralize"
    assert chem.attributes_of("event", event.id) == NEUTRALIZED
    assert [e.action for e in chem.history("ETH-1")] == ["raise", "chemicals:neutralize"]
    assert chem.verify().ok


def test_it_can_be_an_input_of_a_process(chem):
    process = chem.start_process("spill clean-up")
    chem.record(neutralize(chem, "5 kg", input_of=process.id))
    _, inputs, _ = chem.process_flows(process.id)
    assert [(e.action, e.resource_quantity.value) for e in inputs] == [("chemicals:neutralize", 5)]
    assert chem.resource("ETH-1").onhand_quantity == 95


def test_it_must_say_what_neutralised_the_substance(chem):
    with pytest.raises(VFError) as raised:
        chem.record(neutralize(chem, attributes=None))
    assert raised.value.field == "chemicals.neutralized_with"
    assert chem.resource("ETH-1").onhand_quantity == 100


def test_only_hazardous_goods_are_neutralised(chem):
    with pytest.raises(VFError, match="Sugar carries no chemicals.hazards"):
        chem.record(neutralize(chem, "5 kg", tracking="SUG-1"))
    assert chem.resource("SUG-1").onhand_quantity == 50


def test_it_cannot_lower_more_than_is_on_hand(chem):
    with pytest.raises(VFError, match="more than the 100"):
        chem.record(neutralize(chem, "101 kg"))
    assert chem.resource("ETH-1").onhand_quantity == 100


def test_it_is_refused_where_the_module_is_not_enabled(node):
    node.add_spec("ethanol", "Ethanol", unit="kilogram")
    node.record(RecordEvent("raise", "100 kg", spec="ethanol", tracking_identifier="ETH-1"))
    with pytest.raises(VFError) as raised:
        node.record(neutralize(node, attributes=None))
    assert raised.value.field == "action"
    assert "not enabled" in raised.value.reason
    assert node.resource("ETH-1").onhand_quantity == 100


def test_it_is_refused_again_once_the_module_is_disabled(chem):
    chem.record(neutralize(chem, "10 kg"))
    chem.disable_module("chemicals")
    with pytest.raises(VFError, match="not enabled"):
        chem.record(neutralize(chem, "10 kg", attributes=None))
    assert chem.resource("ETH-1").onhand_quantity == 90


def test_its_events_still_replay_in_a_process_that_never_enabled_the_module(chem, monkeypatch):
    chem.record(neutralize(chem, "10 kg"))
    chem.disable_module("chemicals")
    monkeypatch.delitem(EXTENSION_ACTIONS, "chemicals:neutralize")  # as a fresh process starts
    installed.cache_clear()
    reopened = Node(chem.engine, chem.home)
    assert reopened.verify().ok
    assert [e.action for e in reopened.history("ETH-1")] == ["raise", "chemicals:neutralize"]
