"""The action table is the VF 1.0 ontology's, property for property (all_vf.TTL is the system of record)."""

from pathlib import Path

import pytest
from rdflib import Graph, Namespace, RDF, RDFS

from cooplink.vf.actions import ACTIONS, IMPLIED_TRANSFER, NA, action_named
from cooplink.vf.errors import VFError

TTL = Path(__file__).parent / "data" / "valueflows" / "all_vf.TTL"
VF = Namespace("https://w3id.org/valueflows/ont/vf#")

# The TTL property, and the attribute of our Action that mirrors it.
PROPERTIES = {
    "inputOutput": "input_output", "pairsWith": "pairs_with", "createResource": "create_resource",
    "eventQuantity": "event_quantity", "accountingEffect": "accounting_effect", "onhandEffect": "onhand_effect",
    "locationEffect": "location_effect", "containedEffect": "contained_effect",
    "accountableEffect": "accountable_effect", "stageEffect": "stage_effect", "stateEffect": "state_effect",
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    graph.parse(TTL, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ttl_actions(ontology) -> dict:
    return {str(s).removeprefix(str(VF)): s for s in ontology.subjects(RDF.type, VF.Action)}


def _local(term) -> str:
    text = str(term)
    assert text.startswith(str(VF)), f"{text} is not a vf: term"
    return text.removeprefix(str(VF))


def test_the_ttl_has_exactly_the_19_actions_of_the_table(ttl_actions):
    assert len(ttl_actions) == 19
    assert set(ttl_actions) == set(ACTIONS)
    assert len(ACTIONS) == 19


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_property_of_the_action_matches_the_ttl(ontology, ttl_actions, name):
    subject = ttl_actions[name]
    action = ACTIONS[name]
    assert action.name == name
    for ttl_property, attribute in PROPERTIES.items():
        values = list(ontology.objects(subject, VF[ttl_property]))
        assert len(values) == 1, f"{name} has {len(values)} values of vf:{ttl_property} in the TTL"
        assert getattr(action, attribute) == _local(values[0]), f"{name}.{attribute} differs from vf:{ttl_property}"
    labels = list(ontology.objects(subject, RDFS.label))
    assert len(labels) == 1
    assert action.label == str(labels[0])


def test_the_ttl_effect_values_are_all_known_to_the_engine(ontology, ttl_actions):
    """A value the TTL uses that the table never mentions would be silently ignored by effects.py."""
    used = {(p, _local(o)) for s in ttl_actions.values() for p in PROPERTIES for o in ontology.objects(s, VF[p])}
    known = {"accountingEffect": {NA, "increment", "decrement", "decrementIncrement", "incrementTo"},
             "onhandEffect": {NA, "increment", "decrement", "decrementIncrement", "incrementTo"},
             "locationEffect": {NA, "new", "update", "updateTo"},
             "containedEffect": {NA, "update", "remove"},
             "accountableEffect": {NA, "new", "updateTo"},
             "stageEffect": {NA, "update"},
             "stateEffect": {NA, "update", "updateTo"},
             "inputOutput": {NA, "input", "output", "outputInput"},
             "createResource": {NA, "optional", "optionalTo"},
             "eventQuantity": {"resource", "effort", "both"}}
    for prop, value in used:
        if prop != "pairsWith":
            assert value in known[prop], f"vf:{prop} vf:{value}"


def test_pairs_are_symmetric():
    for action in ACTIONS.values():
        if action.pairs_with != NA:
            assert ACTIONS[action.pairs_with].pairs_with == action.name


def test_implied_transfers_name_the_vf_actions():
    assert IMPLIED_TRANSFER == {
        "consume": "transfer", "produce": "transfer", "deliverService": "transfer",
        "pickup": "transferCustody", "dropoff": "transferCustody", "accept": "transferCustody",
        "modify": "transferCustody",
    }


def test_an_unknown_action_names_the_action_field():
    with pytest.raises(VFError) as raised:
        action_named("steal")
    assert raised.value.field == "action"
    assert "steal" in str(raised.value)
