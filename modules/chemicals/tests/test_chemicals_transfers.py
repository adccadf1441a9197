"""The rule: hazardous goods pass to another agent only if it holds a valid licence for each category they need."""

from datetime import datetime, time, timedelta, timezone

import pytest

from cooplink.modules import VFError
from cooplink.node import RecordEvent
from cooplink_chemicals import licences

TODAY = licences.today()
NEXT_YEAR = TODAY + timedelta(days=365)
REFUSAL = "chemicals: Coop B holds no valid licence for flammable goods (H225)"


def transfer(node, tracking="ETH-1", quantity="10 kg", action="transfer", when=None, **fields):
    return RecordEvent(action, quantity, resource=node.resource(tracking).id, receiver="coop-b",
                       has_point_in_time=when, **fields)


def on(day):
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def state(node):
    """Everything a refused event must leave as it was: the events, and every resource's two quantities."""
    with node.reading() as ledger:
        count = ledger.event_count()
    return count, [(r.id, r.accounting_quantity, r.onhand_quantity) for r in node.inventory(include_empty=True)]


def refused(node, *drafts) -> VFError:
    before = state(node)
    with pytest.raises(VFError) as raised:
        node.record(*drafts)
    assert state(node) == before
    return raised.value


def test_a_transfer_to_an_unlicensed_partner_is_refused_with_the_modules_message_and_nothing_written(chem):
    error = refused(chem, transfer(chem))
    assert error.field == "receiver"
    assert error.reason == f"{REFUSAL} on {TODAY}"
    assert chem.resource("ETH-1").onhand_quantity == 100


def test_a_refused_event_takes_the_rest_of_its_batch_with_it(chem):
    sugar = transfer(chem, tracking="SUG-1")
    refused(chem, sugar, transfer(chem))
    assert chem.resource("SUG-1").onhand_quantity == 50


@pytest.mark.parametrize("action", ["transfer", "transferCustody", "transferAllRights"])
def test_every_kind_of_transfer_is_checked_and_passes_with_a_valid_licence(chem, action):
    assert REFUSAL in refused(chem, transfer(chem, action=action)).reason
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    chem.record(transfer(chem, action=action))
    ethanol = chem.resource("ETH-1")
    assert (ethanol.accounting_quantity, ethanol.onhand_quantity) == {
        "transfer": (90, 90), "transferCustody": (100, 90), "transferAllRights": (90, 100)}[action]


def test_a_licence_of_another_category_does_not_do(chem):
    licences.add(chem, "coop-b", ["corrosive", "toxic"], "CT-1", NEXT_YEAR)
    assert REFUSAL in refused(chem, transfer(chem)).reason


def test_goods_needing_several_licences_name_each_missing_one(chem):
    chem.add_spec("acid", "Nitric acid", unit="kilogram", attributes={"chemicals.hazards": ["H272", "H314"]})
    chem.record(RecordEvent("raise", "20 kg", spec="acid", tracking_identifier="ACID-1"))
    licences.add(chem, "coop-b", ["oxidizing"], "OX-1", NEXT_YEAR)
    error = refused(chem, transfer(chem, tracking="ACID-1"))
    assert "corrosive goods (H314)" in error.reason and "oxidizing" not in error.reason
    licences.add(chem, "coop-b", ["corrosive"], "CO-1", NEXT_YEAR)
    chem.record(transfer(chem, tracking="ACID-1"))
    assert chem.resource("ACID-1").onhand_quantity == 10


def test_the_licence_must_be_valid_on_the_events_day(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", TODAY - timedelta(days=1),
                 valid_from=TODAY - timedelta(days=60))
    error = refused(chem, transfer(chem))
    assert error.reason == f"{REFUSAL} on {TODAY}"
    chem.record(transfer(chem, when=on(TODAY - timedelta(days=10))))  # it was valid then
    refused(chem, transfer(chem, when=on(TODAY - timedelta(days=61))))  # not yet valid
    assert chem.resource("ETH-1").onhand_quantity == 90


def test_an_expired_licence_refuses_again_what_it_allowed(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", TODAY + timedelta(days=5))
    chem.record(transfer(chem))
    refused(chem, transfer(chem, when=on(TODAY + timedelta(days=6))))
    assert chem.resource("ETH-1").onhand_quantity == 90


def test_a_revoked_licence_refuses_from_the_day_it_is_revoked(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR, valid_from=TODAY - timedelta(days=30))
    chem.record(transfer(chem))
    licences.revoke(chem, "coop-b", "FL-1")
    assert REFUSAL in refused(chem, transfer(chem)).reason
    chem.record(transfer(chem, when=on(TODAY - timedelta(days=1))))  # the day before, it still covered
    assert chem.resource("ETH-1").onhand_quantity == 80


def test_non_hazardous_goods_and_moves_within_one_agent_pass(chem):
    ethanol = chem.resource("ETH-1").id
    chem.record(transfer(chem, tracking="SUG-1"))
    chem.record(RecordEvent("transfer", "10 kg", resource=ethanol, new_to_resource=True),
                RecordEvent("move", "10 kg", resource=ethanol, to_location="shed 2"))
    assert chem.resource("SUG-1").onhand_quantity == 40
    assert chem.resource(ethanol).onhand_quantity == 80


def test_a_transfer_vf_implies_is_checked_too(chem):
    """Producing hazardous goods for a client hands them over (VF: produce with provider and receiver differing)."""
    draft = RecordEvent("produce", "5 kg", spec="ethanol", receiver="coop-b")
    assert REFUSAL in refused(chem, draft).reason
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    [made] = chem.record(draft)
    assert chem.resource(made.resource_inventoried_as).accounting_quantity == 5


def test_receiving_from_a_supplier_needs_this_nodes_own_licence(chem):
    supplier = "https://coop-s.example"
    received = RecordEvent("transfer", "7 kg", resource=f"{supplier}/resources/x1", provider=supplier,
                           receiver="self", new_to_resource=True, to_spec="ethanol")
    error = refused(chem, received)
    assert error.reason.startswith("chemicals: Coop A holds no valid licence for flammable goods (H225)")
    licences.add(chem, "self", ["flammable"], "OWN-1", NEXT_YEAR)
    [event] = chem.record(received)
    assert chem.resource(event.to_resource_inventoried_as).onhand_quantity == 7


def test_a_correction_that_backs_a_transfer_out_is_never_refused(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    [sent] = chem.record(transfer(chem))
    licences.revoke(chem, "coop-b", "FL-1", on=TODAY - timedelta(days=1))
    with pytest.raises(VFError, match="no valid licence"):
        chem.correct(sent.id, quantity="12 kg")  # more goods still need the licence
    chem.correct(sent.id, quantity="0 kg")
    assert chem.resource("ETH-1").onhand_quantity == 100


def test_the_rule_sleeps_while_the_module_is_disabled_and_the_hazards_stay(chem):
    chem.disable_module("chemicals")
    chem.record(transfer(chem))
    assert chem.attributes_of("specification", "ethanol")["chemicals.hazards"] == ["H225", "H319"]
    chem.enable_module("chemicals")
    assert REFUSAL in refused(chem, transfer(chem)).reason
    assert chem.resource("ETH-1").onhand_quantity == 90


def test_unknown_hazard_codes_are_refused_naming_the_attribute(chem):
    with pytest.raises(VFError) as raised:
        chem.add_spec("mystery", "Mystery", unit="kilogram", attributes={"chemicals.hazards": ["H225", "H999"]})
    assert raised.value.field == "chemicals.hazards"
    assert "unknown GHS hazard statement 'H999'" in raised.value.reason
    assert all(spec.name != "Mystery" for spec in chem.specs())
    with pytest.raises(VFError, match="chemicals.hazards"):
        chem.set_attributes("specification", "sugar", {"chemicals.hazards": ["H2250"]})
    assert chem.attributes_of("specification", "sugar") == {}


def test_malformed_un_numbers_are_refused_naming_the_attribute(chem):
    with pytest.raises(VFError) as raised:
        chem.set_attributes("specification", "ethanol", {"chemicals.un_number": "11700"})
    assert raised.value.field == "chemicals.un_number"
    assert chem.attributes_of("specification", "ethanol")["chemicals.un_number"] == "1170"
