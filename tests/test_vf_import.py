"""Importing VF 1.0 JSON-LD / YAML-LD: the ValueFlows examples (with their quirks), term resolution, and bad files
refused whole. Every test with a node runs on SQLite and on PostgreSQL."""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from cooplink.interop.vf_import import HELD_BY, UNKNOWN_AGENT
from cooplink.interop.vf_jsonld import import_document, load_document
from cooplink.interop.vf_read import application_order, parse_moment, read_document
from cooplink.vf.errors import VFError

DATA = Path(__file__).parent / "data" / "valueflows"
VF_HTTP = "http://w3id.org/valueflows/ont/vf#"
VF = "https://w3id.org/valueflows/ont/vf#"
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"

BOOK = "https://library.example/2402b57c-1c45-423a-acb2-f50961c97d65"
LIBRARY, BOB = "https://library.example/", "https://bob.example/"
MFG = "https://manufacturing.example/"
DESK, PLYWOOD = MFG + "e1721a61-cd47-4556-84b9-8b1b81da15bf", MFG + "3129ca8b-fcda-45be-bbda-294dc924d3b9"
DESIGN, CNC = MFG + "6b97b1be-8e07-44ac-82e5-214f1b2aaf33", MFG + "52f0e212-3c4f-4d27-b345-5e964c135824"
MAKE_DESK = MFG + "02b39a30-3e04-4305-9656-7f261aa63c84"
CAR, ALICE = "https://alice.example/e1721a61-cd47-4556-84b9-8b1b81da15bf", "https://alice.example/"
REPAIR = "https://auto-repair.example/02b39a30-3e04-4305-9656-7f261aa63c84"
ACCEPT, MODIFY = "https://auto-repair.example/a8236bbb-81e0-422d-9861-56d2417db0fb", \
    "https://auto-repair.example/52f0e212-3c4f-4d27-b345-5e964c135824"
TRAINING = "https://training.example/"
HANDOUT, PRINTER = TRAINING + "6b97b1be-8e07-44ac-82e5-214f1b2aaf33", TRAINING + "e1721a61-cd47-4556-84b9-8b1b81da15bf"
WORKSHOP = TRAINING + "3129ca8b-fcda-45be-bbda-294dc924d3b9"


def load(name: str):
    return load_document(DATA / name)


def state(node):
    """Everything an import may change: events, resources and their balances, agents, specifications, processes."""
    with node.reading() as ledger:
        return (ledger.event_count(),
                sorted((r.id, r.accounting_quantity, r.onhand_quantity) for r in ledger.all_resources()),
                sorted(a.id for a in ledger.agents()), sorted(s.id for s in ledger.specs()),
                sorted(p.id for p in ledger.processes()))


def refused(node, document, field: str, *words: str) -> VFError:
    """The import is refused naming ``field``, says ``words``, and leaves the ledger exactly as it was."""
    before = state(node)
    with pytest.raises(VFError) as caught:
        import_document(node, document)
    assert field in caught.value.field, caught.value
    for word in words:
        assert word in str(caught.value), caught.value
    assert state(node) == before
    return caught.value


def balance(node, iri: str) -> tuple[Decimal, Decimal]:
    resource = node.resource(iri)
    return resource.accounting_quantity, resource.onhand_quantity


def flows(events) -> set[tuple]:
    """What a view of a process must agree on: each event's action, agents, resources, quantities, process."""
    return {(e.id, e.action, e.provider, e.receiver, e.resource_inventoried_as, e.resource_conforms_to,
             e.resource_quantity, e.effort_quantity, e.input_of, e.output_of) for e in events}


def read_events(document) -> list:
    return [step.item for step in read_document(document).steps if step.kind == "event"]


def stored(node, events) -> list:
    return [node.event(e.id) for e in events]


# the ten example files ------------------------------------------------------------------------------------------
EXAMPLES = {
    # file: (events, resources created, snapshots checked, objects skipped) or the reason it is refused
    "checking-out-a-book.yaml": (2, 1, 2, 2),
    "claim-simple.yaml": (2, 0, 0, 1),
    "simple-exchange-agreement.yaml": (0, 0, 0, 3),
    "simple-retail-exchange-without-commitments.yaml": (2, 0, 0, 1),
    "simple-manufacturing.yaml": (5, 4, 4, 0),
    "simple-manufacturing-relational.yaml": "no resource",  # its resources live in the nested file only
    "simple-service.yaml": (6, 2, 0, 0),
    "simple-service-relational.yaml": "no @vocab",  # h'@vocab'
    "simple-workflow.yaml": (2, 1, 1, 0),
    "simple-workflow-relational.yaml": "modify cannot be inputOf a process",
}


def test_every_example_file_is_covered():
    assert sorted(p.name for p in DATA.glob("*.yaml")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_imports_or_is_refused_for_its_known_fault(node, name):
    expected = EXAMPLES[name]
    if isinstance(expected, str):
        refused(node, load(name), "", expected)
        return
    report = import_document(node, load(name))
    assert (report.events, report.resources, report.snapshots_checked, report.skipped) == expected
    assert node.verify().ok


def test_checking_out_a_book_follows_its_snapshots_1_0_1(node):
    import_document(node, load("checking-out-a-book.yaml"))
    assert balance(node, BOOK) == (1, 1)
    raised, out, back = node.history(BOOK)
    assert (raised.action, raised.note, raised.provider) == ("raise", "opening balance (import)", LIBRARY)
    assert (out.action, out.resource_inventoried_as, out.receiver) == ("transferCustody", BOOK, BOB)
    # The return names the library's own book as its resource: read as flowing into it.
    assert (back.to_resource_inventoried_as, back.provider, back.receiver) == (BOOK, BOB, LIBRARY)
    assert back.resource_inventoried_as.startswith(HELD_BY)
    assert out.has_point_in_time == datetime(2019, 4, 18, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert node.resource(BOOK).primary_accountable == LIBRARY
    assert node.verify().ok


def test_the_book_is_out_after_check_out(node):
    document = load("checking-out-a-book.yaml")
    document["@graph"] = document["@graph"][:5]  # up to the snapshot "resource after check out"
    report = import_document(node, document)
    assert report.snapshots_checked == 1
    assert balance(node, BOOK) == (1, 0)


def test_a_snapshot_the_events_do_not_reach_is_refused(node):
    document = load("checking-out-a-book.yaml")
    document["@graph"][4]["onhandQuantity"]["hasNumericalValue"] = 1  # "after check out" claims the book is in
    refused(node, document, "@graph[4].onhandQuantity", BOOK, "1 one", "leave 0 one")


def test_simple_manufacturing_produces_the_desk_and_consumes_plywood(node):
    report = import_document(node, load("simple-manufacturing.yaml"))
    assert {i: balance(node, i) for i in (DESK, PLYWOOD, DESIGN, CNC)} == {
        DESK: (9, 9), PLYWOOD: (127, 127), DESIGN: (1, 1), CNC: (1, 1)}
    with node.reading() as ledger:
        inputs, outputs = ledger.process_inputs(MAKE_DESK), ledger.process_outputs(MAKE_DESK)
    assert [e.action for e in inputs] == ["consume", "use", "cite", "work"]
    assert [(e.action, e.resource_inventoried_as, e.resource_quantity.value) for e in outputs] == [
        ("produce", DESK, 1)]
    assert inputs[1].effort_quantity.value == Decimal("3.5") and inputs[1].effort_quantity.unit.name == "hour"
    assert node.resource(DESK).conforms_to == "https://www.opendesk.cc/lean/desk"
    assert any("resourceConformsTo read as conformsTo" in w for w in report.warnings)


def test_a_resource_first_seen_after_its_produce_is_created_by_it(node):
    document = load("simple-manufacturing.yaml")
    document["@graph"].pop(0)  # no "before" snapshot of the desk
    document["@graph"][-4]["accountingQuantity"]["hasNumericalValue"] = 1
    import_document(node, document)
    assert balance(node, DESK) == (1, 1)
    [produced] = node.history(DESK)
    assert (produced.action, produced.output_of, produced.new_resource) == ("produce", MAKE_DESK, None)
    assert node.resource(DESK).conforms_to == "https://www.opendesk.cc/lean/desk"  # from the "after" snapshot
    assert node.verify().ok


def test_manufacturing_relational_view_gives_the_nested_views_events(node):
    nested, relational = load("simple-manufacturing.yaml"), load("simple-manufacturing-relational.yaml")
    assert flows(read_events(nested)) == flows(read_events(relational))
    # Loaded alone it dangles; into a ledger that holds the resources it records the same flows.
    refused(node, relational, "resourceInventoriedAs", "no resource", PLYWOOD)
    import_document(node, {"@context": nested["@context"], "@graph": nested["@graph"][:4]})
    import_document(node, relational)
    assert flows(stored(node, read_events(relational))) == flows(read_events(nested))
    assert balance(node, DESK) == (9, 9) and balance(node, PLYWOOD) == (127, 127)


def test_simple_service_delivers_the_workshop_to_three_people(node):
    report = import_document(node, load("simple-service.yaml"))
    assert balance(node, HANDOUT) == (97, 97) and balance(node, PRINTER) == (1, 1)
    with node.reading() as ledger:
        outputs = ledger.process_outputs(TRAINING + "02b39a30-3e04-4305-9656-7f261aa63c84")
    assert sorted(e.receiver for e in outputs) == [ALICE, BOB, "https://carol.example/"]
    assert {e.action for e in outputs} == {"deliverService"}
    [workshop] = [s for s in node.specs() if s.id == WORKSHOP]
    assert workshop.resource_classified_as == ("http://www.wikidata.org/entity/Q27556165",
                                               "http://www.wikidata.org/entity/Q229367")
    assert any("classifiedAs read as resourceClassifiedAs" in w for w in report.warnings)


def test_service_relational_with_a_misspelt_vocab_is_refused_saying_so(node):
    error = refused(node, load("simple-service-relational.yaml"), "@context", "h'@vocab'", "no @vocab",
                    "Nothing was imported")
    assert "misspelt" in error.reason


def test_service_relational_once_its_vocab_is_mended_gives_the_nested_views_events(node):
    nested, relational = load("simple-service.yaml"), load("simple-service-relational.yaml")
    relational["@context"][0] = {"@vocab": relational["@context"][0]["h'@vocab'"]}
    assert flows(read_events(nested)) == flows(read_events(relational))
    import_document(node, {"@context": nested["@context"], "@graph": nested["@graph"][:5]})
    import_document(node, relational)
    assert flows(stored(node, read_events(relational))) == flows(read_events(nested))
    assert balance(node, HANDOUT) == (97, 97)


def test_simple_workflow_accepts_and_modifies_the_car(node):
    import_document(node, load("simple-workflow.yaml"))
    raised, accepted, modified = node.history(CAR)
    assert [e.action for e in (raised, accepted, modified)] == ["raise", "accept", "modify"]
    assert (accepted.input_of, modified.output_of) == (REPAIR, REPAIR)
    assert balance(node, CAR) == (1, 1)
    assert node.resource(CAR).tracking_identifier == "JHMCD38698S061469"
    assert node.resource(CAR).primary_accountable == ALICE


def test_the_car_is_in_the_workshop_between_accept_and_modify(node):
    document = load("simple-workflow.yaml")
    del document["@graph"][1]["hasOutput"]
    document["@graph"].pop()  # the "after" snapshot
    import_document(node, document)
    assert balance(node, CAR) == (1, 0)


def test_workflow_relational_modify_as_input_is_refused_and_mended_matches_the_nested_view(node):
    """Decision: `modify` given as inputOf is refused, not silently turned into outputOf. VF 1.0 makes modify an
    output-only action, so either the action or the direction is wrong, and an importer cannot know which."""
    relational, nested = load("simple-workflow-relational.yaml"), load("simple-workflow.yaml")
    import_document(node, {"@context": nested["@context"], "@graph": nested["@graph"][:1]})  # the car
    refused(node, relational, "@graph[2].inputOf", MODIFY, "modify cannot be inputOf a process", "'output'")
    modify = relational["@graph"][2]
    modify["outputOf"] = modify.pop("inputOf")
    assert flows(read_events(nested)) == flows(read_events(relational))
    import_document(node, relational)
    assert flows(stored(node, read_events(relational))) == flows(read_events(nested))
    assert balance(node, CAR) == (1, 1)


def test_a_process_takes_in_before_it_gives_out_whatever_order_the_file_lists(node):
    relational, nested = load("simple-workflow-relational.yaml"), load("simple-workflow.yaml")
    modify = relational["@graph"][2]
    modify["outputOf"] = modify.pop("inputOf")
    graph = relational["@graph"]
    graph[1], graph[2] = graph[2], graph[1]  # modify listed before accept
    import_document(node, {"@context": nested["@context"], "@graph": nested["@graph"][:1]})
    import_document(node, relational)
    assert [e.id for e in node.history(CAR)][1:] == [ACCEPT, MODIFY]


def test_claim_is_skipped_but_its_events_quantities_apply(node):
    report = import_document(node, load("claim-simple.yaml"))
    assert any("Claim skipped" in w for w in report.warnings)
    work = node.event("https://manufacturer.example/02b39a30-3e04-4305-9656-7f261aa63c83")  # the mfg: prefix
    assert (work.action, work.effort_quantity.value, work.effort_quantity.unit.name) == ("work", 7, "hour")
    assert work.has_point_in_time == datetime(2018, 10, 14, 8, 0, tzinfo=timezone.utc)  # hasBeginning, -0:00
    paid = node.event("https://manufacturer.example/c7897c39-7f05-4a5d-a487-80e130a2414a")
    assert (paid.resource_quantity.value, paid.resource_quantity.unit.name) == (Decimal(70), "one")
    [cad] = [s for s in node.specs() if s.id == "http://www.wikidata.org/entity/Q1104069"]
    assert (cad.name, cad.medium_of_exchange) == ("Canadian dollar", True)


def test_an_exchange_agreement_alone_records_nothing_and_says_why(node):
    before = state(node)
    report = import_document(node, load("simple-exchange-agreement.yaml"))
    assert state(node) == before
    assert "Commitment skipped: this ledger does not keep Commitments yet (2 times)" in report.warnings
    assert "Agreement skipped: this ledger does not keep Agreements yet" in report.warnings


def test_retail_exchange_keeps_both_transfers_and_the_agreement_they_realize(node):
    import_document(node, load("simple-retail-exchange-without-commitments.yaml"))
    bucket = node.event("https://store.example/a8356625-bf64-4c16-9099-28aa1b718c4b")
    assert bucket.realization_of == "https://store.example/ac9ec98d-db80-44dc-97be-7aa149b2fe5d"
    assert bucket.resource_conforms_to == "http://www.wikidata.org/entity/Q47107"
    money = node.event("https://store.example/2342d456-5d6f-46d5-a7ed-3ac7bfd5a86c")
    # Carol's bank account lives in her ledger; the event keeps it and drops the redundant currency.
    assert money.resource_inventoried_as == "https://carol.example/e56fd654-7b94-4d96-8e60-de39e08329a7"
    assert (money.resource_conforms_to, money.resource_quantity.value) == (None, Decimal(5))
    assert node.inventory(include_empty=True) == []


def test_agents_only_referenced_become_organizations_named_after_their_iri(node):
    report = import_document(node, load("checking-out-a-book.yaml"))
    agents = {a.id: a for a in node.agents()}
    assert (agents[BOB].name, agents[BOB].kind) == (BOB, "Organization")
    assert f"agent {BOB} is only referenced: created as an Organization named after its IRI" in report.warnings


# JSON-LD: contexts, terms, references ------------------------------------------------------------------------
def raise_event(**extra) -> dict:
    event = {"@id": "https://coop.example/e1", "@type": "EconomicEvent", "action": "raise",
             "provider": "https://coop.example/", "receiver": "https://coop.example/",
             "resourceInventoriedAs": "https://coop.example/sack", "resourceConformsTo": "https://coop.example/flour",
             "resourceQuantity": {"hasNumericalValue": 10, "hasUnit": "kilogram"}}
    event.update(extra)
    return event


def test_http_and_https_vocabularies_read_the_same(node):
    https = load("checking-out-a-book.yaml")
    https["@context"][0]["@vocab"] = VF
    assert flows(read_events(https)) == flows(read_events(load("checking-out-a-book.yaml")))
    import_document(node, https)
    assert balance(node, BOOK) == (1, 1)


def test_prefixed_terms_and_full_iris_need_no_vocab(node):
    graph = [{"@id": "https://coop.example/e1", "@type": "vf:EconomicEvent", "vf:action": "vf:raise",
              "vf:provider": {"@id": "coop:"}, VF + "receiver": "https://coop.example/",
              "vf:resourceInventoriedAs": "coop:sack", "vf:resourceConformsTo": {"@id": "coop:flour"},
              "vf:resourceQuantity": {"om2:hasNumericalValue": "2.5", "om2:hasUnit": "om2:kilogram"}}]
    document = {"@context": {"vf": VF, "om2": OM2, "coop": "https://coop.example/"}, "@graph": graph}
    import_document(node, document)
    sack = node.resource("https://coop.example/sack")
    assert (sack.accounting_quantity, sack.unit.name, sack.conforms_to) == (Decimal("2.5"), "kilogram",
                                                                            "https://coop.example/flour")


def test_units_as_om2_iris_convert_exactly(node):
    consume = {"@id": "https://coop.example/e2", "@type": "EconomicEvent", "action": "consume",
               "provider": "https://coop.example/", "receiver": "https://coop.example/",
               "resourceInventoriedAs": "https://coop.example/sack",
               "resourceQuantity": {"hasNumericalValue": 250, "hasUnit": OM2 + "gram"}}
    import_document(node, {"@context": {"@vocab": VF_HTTP}, "@graph": [raise_event(), consume]})
    assert balance(node, "https://coop.example/sack") == (Decimal("9.75"), Decimal("9.75"))


def test_a_single_object_document_and_a_nested_resource_object(node):
    event = raise_event(resourceInventoriedAs={"@id": "https://coop.example/sack", "@type": "EconomicResource"})
    event["@context"] = {"@vocab": VF}
    report = import_document(node, event)
    assert report.events == 1 and balance(node, "https://coop.example/sack") == (10, 10)


def test_a_process_with_a_urn_id_takes_its_events(node):
    process = {"@id": "urn:uuid:6f0c7a3e-0000-4000-8000-000000000001", "@type": "Process", "name": "Mill",
               "hasInput": [{"@id": "urn:uuid:6f0c7a3e-0000-4000-8000-000000000002", "action": "work",
                             "provider": ALICE, "receiver": "https://coop.example/",
                             "resourceConformsTo": "https://coop.example/milling",
                             "effortQuantity": {"hasNumericalValue": 2, "hasUnit": "hour"}}]}
    import_document(node, {"@context": {"@vocab": VF}, "@graph": [process]})
    work = node.event("urn:uuid:6f0c7a3e-0000-4000-8000-000000000002")
    assert (work.action, work.input_of) == ("work", process["@id"])  # untyped, but it has an action: an event


def test_declared_agents_and_specifications_keep_what_they_say(node):
    graph = [{"@id": ALICE, "@type": "Person", "name": "Alice"},
             {"@id": "https://coop.example/flour", "@type": "ResourceSpecification", "name": "Flour",
              "defaultUnitOfResource": "om2:kilogram", "substitutable": True},
             raise_event(provider=ALICE, receiver=ALICE,
                         resourceQuantity={"hasNumericalValue": 500, "hasUnit": "gram"})]
    import_document(node, {"@context": [{"@vocab": VF}, {"om2": OM2}], "@graph": graph})
    assert [(a.name, a.kind) for a in node.agents() if a.id == ALICE] == [("Alice", "Person")]
    [flour] = [s for s in node.specs() if s.id == "https://coop.example/flour"]
    assert (flour.name, flour.default_unit_of_resource.name, flour.substitutable) == ("Flour", "kilogram", True)
    sack = node.resource("https://coop.example/sack")
    assert (sack.accounting_quantity, sack.unit.name) == (Decimal("0.5"), "kilogram")  # in the spec's unit


def test_opening_state_with_different_onhand_and_accounting_quantities(node):
    lent = {"@id": "https://coop.example/tools", "@type": "EconomicResource", "conformsTo": "https://coop.example/t",
            "primaryAccountable": "https://coop.example/",
            "accountingQuantity": {"hasNumericalValue": 10, "hasUnit": "one"},
            "onhandQuantity": {"hasNumericalValue": 8, "hasUnit": "one"}}
    held = dict(lent, **{"@id": "https://coop.example/consigned",
                         "accountingQuantity": {"hasNumericalValue": 5, "hasUnit": "one"},
                         "onhandQuantity": {"hasNumericalValue": 7, "hasUnit": "one"}})
    import_document(node, {"@context": {"@vocab": VF}, "@graph": [lent, held]})
    assert balance(node, lent["@id"]) == (10, 8)
    assert balance(node, held["@id"]) == (5, 7)
    assert node.verify().ok


def test_a_resource_nobody_is_named_for_is_opened_by_a_placeholder_agent(node):
    shelf = {"@id": "https://coop.example/shelf", "@type": "EconomicResource", "conformsTo": "https://coop.example/s",
             "onhandQuantity": {"hasNumericalValue": 3, "hasUnit": "one"}}
    report = import_document(node, {"@context": {"@vocab": VF}, "@graph": [shelf]})
    assert node.resource(shelf["@id"]).primary_accountable == UNKNOWN_AGENT
    assert any(UNKNOWN_AGENT in w for w in report.warnings)


def test_a_zero_opening_state_is_created_by_the_event_that_brings_something_in(node):
    empty = {"@id": "https://coop.example/sack", "@type": "EconomicResource",
             "conformsTo": "https://coop.example/flour", "name": "Sack 7",
             "accountingQuantity": {"hasNumericalValue": 0, "hasUnit": "kilogram"}}
    after = dict(empty, accountingQuantity={"hasNumericalValue": 10, "hasUnit": "kilogram"})
    report = import_document(node, {"@context": {"@vocab": VF}, "@graph": [empty, raise_event(), after]})
    assert report.snapshots_checked == 1
    sack = node.resource(empty["@id"])
    assert (sack.accounting_quantity, sack.name) == (10, "Sack 7")


def test_vf_timestamps_as_the_examples_write_them():
    minus_five = timezone(timedelta(hours=-5))
    assert parse_moment("2019-04-18T8:00:00-5:00", "t") == datetime(2019, 4, 18, 8, 0, tzinfo=minus_five)
    assert parse_moment("2018-10-14T15:00:00-0:00", "t") == datetime(2018, 10, 14, 15, tzinfo=timezone.utc)
    assert parse_moment("2020-01-02T03:04:05.25Z", "t") == datetime(2020, 1, 2, 3, 4, 5, 250000, timezone.utc)
    assert parse_moment("2020-01-02T03:04+0530", "t").utcoffset() == timedelta(hours=5, minutes=30)
    assert parse_moment("2020-01-02", "t") == datetime(2020, 1, 2)
    aware = datetime(2019, 4, 18, 8, tzinfo=minus_five)
    assert parse_moment(aware, "t") is aware  # what PyYAML makes of the unquoted examples
    for bad in ("yesterday", "2020-01-02T25:00:00", 20200102):
        with pytest.raises(VFError):
            parse_moment(bad, "hasPointInTime")


def test_json_string_timestamps_equal_yaml_datetimes(node, tmp_path):
    document = load("checking-out-a-book.yaml")
    path = tmp_path / "book.jsonld"
    path.write_text(json.dumps(document, default=str).replace("08:00:00-05:00", "8:00:00-5:00"))
    assert "8:00:00-5:00" in path.read_text()
    import_document(node, load_document(path))
    assert node.event("urn:uuid:54b814ee-62dc-40c1-bb96-f8582aa4f771").has_point_in_time == \
        document["@graph"][2]["hasPointInTime"]


def test_order_puts_each_process_output_after_its_last_input():
    document = {"@context": {"@vocab": VF}, "@graph": [
        {"@id": "https://x.example/out", "@type": "EconomicEvent", "action": "produce", "provider": ALICE,
         "receiver": ALICE, "resourceConformsTo": "https://x.example/s", "outputOf": "https://x.example/p",
         "resourceQuantity": {"hasNumericalValue": 1, "hasUnit": "one"}},
        {"@id": "https://x.example/other", "@type": "EconomicEvent", "action": "work", "provider": ALICE,
         "receiver": ALICE, "resourceConformsTo": "https://x.example/w",
         "effortQuantity": {"hasNumericalValue": 1, "hasUnit": "hour"}},
        {"@id": "https://x.example/in", "@type": "EconomicEvent", "action": "work", "provider": ALICE,
         "receiver": ALICE, "resourceConformsTo": "https://x.example/w", "inputOf": "https://x.example/p",
         "effortQuantity": {"hasNumericalValue": 1, "hasUnit": "hour"}}]}
    steps = read_document(document).steps
    assert [s.item.id.rsplit("/", 1)[1] for s in steps] == ["other", "in", "out"]
    assert application_order(steps) == steps  # already in order: stays


# files and documents that are refused whole ---------------------------------------------------------------------
SACK = "https://coop.example/sack"


def document_with(*extra) -> dict:
    """A valid beginning (a spec, a process, a raise that creates a resource) followed by ``extra``: a refusal
    must undo the beginning too."""
    graph = [{"@id": "https://coop.example/flour", "@type": "ResourceSpecification", "name": "Flour"},
             {"@id": "https://coop.example/bake", "@type": "Process", "name": "Bake"},
             raise_event(), *extra]
    return {"@context": [{"@vocab": VF_HTTP}, {"om2": OM2}], "@graph": graph}


def consume(**changes) -> dict:
    event = {"@id": "https://coop.example/e2", "@type": "EconomicEvent", "action": "consume",
             "provider": "https://coop.example/", "receiver": "https://coop.example/", "resourceInventoriedAs": SACK,
             "inputOf": "https://coop.example/bake", "resourceQuantity": quantity(1)}
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def quantity(value, unit="kilogram") -> dict:
    return {"hasNumericalValue": value, "hasUnit": unit}


@pytest.fixture
def stocked(node):
    """A node that already holds something, so 'nothing changed' is not trivially true."""
    import_document(node, load("simple-manufacturing.yaml"))
    return node


def test_the_beginning_used_below_imports_when_nothing_follows_it(stocked):
    report = import_document(stocked, document_with(consume()))
    assert (report.events, report.resources, report.processes) == (2, 1, 1)
    assert balance(stocked, SACK) == (9, 9)


@pytest.mark.parametrize("bad, field, words", [
    (consume(action="steal"), "@graph[3].action", ("unknown action 'steal'",)),
    (consume(resourceQuantity=quantity("lots")), "resourceQuantity.hasNumericalValue", ("not a number",)),
    (consume(resourceQuantity=quantity(True)), "resourceQuantity.hasNumericalValue", ("not a number",)),
    (consume(resourceQuantity=quantity(-1)), "@graph[3].resourceQuantity", ("more than zero",)),
    (consume(resourceQuantity=quantity(0)), "@graph[3].resourceQuantity", ("more than zero",)),
    (consume(resourceQuantity=quantity(1, "litre")), "@graph[3].resourceQuantity", ("cannot be converted",)),
    (consume(resourceQuantity=quantity(1, "furlong")), "resourceQuantity.hasUnit", ("unknown unit 'furlong'",)),
    (consume(resourceQuantity={"hasNumericalValue": 1}), "@graph[3].resourceQuantity", ("hasUnit",)),
    (consume(resourceQuantity=quantity(11)), "@graph[3].resourceQuantity", ("more than the 10 kilogram",)),
    (consume(resourceInventoriedAs="https://coop.example/nothing"), "@graph[3].resourceInventoriedAs",
     ("no resource 'https://coop.example/nothing'",)),
    (consume(inputOf="https://coop.example/no-such-process"), "@graph[3].inputOf", ("no process",)),
    (consume(action="transfer"), "@graph[3].inputOf", ("transfer cannot be inputOf a process",)),
    (consume(provider=None), "@graph[3].provider", ("has no provider",)),
    (consume(hasPointInTime="yesterday"), "@graph[3].hasPointInTime", ("not a date and time",)),
    (consume(resourceConformsTo="https://coop.example/sugar"), "@graph[3].resourceConformsTo",
     ("https://coop.example/flour",)),
    (consume(**{"@id": "https://coop.example/e1"}), "@graph[3].@id", ("appears twice",)),
    ({"@id": SACK, "@type": "EconomicResource", "accountingQuantity": quantity(9)}, "@graph[3].accountingQuantity",
     (SACK, "9 kilogram", "leave 10 kilogram")),
    ({"@id": "https://coop.example/bake", "@type": "Process", "name": "Roast"}, "@graph[3].@id",
     ("declared twice",)),
    ({"@id": "https://coop.example/bake", "@type": "Process", "name": "Bake", "hasOutput": [consume()]},
     "@graph[3].hasOutput[0]",
     ("listed at",)),
    ("just text", "@graph[3]", ("expected an object",)),
])
def test_a_malformed_document_is_refused_whole(stocked, bad, field, words):
    refused(stocked, document_with(bad), field, *words)


def test_importing_the_same_events_twice_is_refused(stocked):
    refused(stocked, load("simple-manufacturing.yaml"), "@graph[0].accountingQuantity", DESK, "8 one", "9 one")
    process_only = load("simple-manufacturing.yaml")
    process_only["@graph"] = process_only["@graph"][4:5]  # no snapshots: its events meet themselves
    refused(stocked, process_only, "@graph[0].hasInput[0].@id", "already in this ledger")


def test_a_document_in_another_vocabulary_is_refused_not_skipped(node):
    document = {"@context": {"@vocab": "https://schema.org/"},
                "@graph": [{"@id": "https://x.example/o", "@type": "Order", "orderedItem": "https://x.example/i"}]}
    refused(node, document, "@context", "no ValueFlows object", "https://schema.org/Order", VF)


def test_a_document_without_context_is_refused(node):
    refused(node, {"@graph": [consume()]}, "@context", "no @vocab", "'EconomicEvent'")


@pytest.mark.parametrize("name, text, words", [
    ("bad.yaml", "'@graph': [\n  - a: b\n    c", ("not valid YAML", "line")),
    ("bad.json", '{"@graph": [1, }', ("not valid JSON", "line 1")),
    ("scalar.yaml", "42\n", ("an object or an array",)),
    ("notes.txt", "{}", ("expected a",)),
])
def test_a_file_that_does_not_parse_is_refused_naming_the_file(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(VFError) as caught:
        load_document(path)
    assert caught.value.field == "file"
    for word in words:
        assert word in caught.value.reason


def test_json_numbers_are_read_as_exact_decimals(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"@context": {"@vocab": VF}, "@graph": [{"q": "0.1"}]}).replace('"0.1"', "0.1"))
    assert load_document(path)["@graph"][0]["q"] == Decimal("0.1")
