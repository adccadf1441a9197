"""Exporting a node as VF 1.0 JSON-LD, and importing that export into a fresh node: same ledger, same balances.
Every test runs on SQLite and on PostgreSQL (the second node on the same backend as the first)."""

import json
import os
import secrets
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib

from cooplink.interop.vf_jsonld import export_document, import_document, load_document
from cooplink.ledger import mapping
from cooplink.node import Node, RecordEvent
from cooplink.vf.errors import VFError

VF = rdflib.Namespace("https://w3id.org/valueflows/ont/vf#")
XSD_DECIMAL = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#decimal")
SUPPLIER = "https://supplier.example/"
DATA = Path(__file__).parent / "data" / "valueflows"


@pytest.fixture
def other_node(db_url, tmp_path):
    """A second, empty node with its own base URL, on the same backend as ``node``."""
    if "://" not in db_url:
        yield Node.init(tmp_path / "node-b", "Coop B", "http://127.0.0.1:8002", database=str(tmp_path / "b.sqlite3"))
        return
    import psycopg

    base, schema = os.environ["COOPLINK_TEST_PG"], "t_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        yield Node.init(tmp_path / "node-b", "Coop B", "http://127.0.0.1:8002", database=url)
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def busy(widgets: Node) -> Node:
    """A ledger with most of what a node records: lots, processes with a stage, transfers, custody, a correction,
    goods received from another ledger, exact decimals."""
    node = widgets
    node.add_agent("b", "Coop B")
    node.add_agent("alice", "Alice", kind="Person")
    node.add_process_spec("assembled", "Assembled")
    node.add_spec("gadget", "Gadget", unit="piece", classified_as=("https://example.org/class/gadget",))
    node.record(RecordEvent("raise", quantity="0.1 kg", spec="flour", tracking_identifier="F", lot="L-1",
                            lot_expiration="2027-01-31"),
                RecordEvent("produce", quantity="10 piece", spec="widget", tracking_identifier="W",
                            at_location="A-shed"))
    node.record(RecordEvent("raise", quantity="0.2 kg", resource="F"))
    process = node.start_process("assemble", based_on="assembled")
    node.record(RecordEvent("consume", quantity="4 piece", resource="W", input_of=process.id),
                RecordEvent("consume", quantity="50 g", resource="F", input_of=process.id),
                RecordEvent("work", effort="1.5 hour", spec="gadget", input_of=process.id, provider="alice"),
                RecordEvent("produce", quantity="2 piece", spec="gadget", output_of=process.id,
                            tracking_identifier="G"))
    node.finish_process(process.id)
    [oops] = node.record(RecordEvent("transfer", quantity="3 piece", resource="W", new_to_resource=True,
                                     receiver="b", to_location="B-yard"),
                         RecordEvent("lower", quantity="1 piece", resource="W", note="broken"))[-1:]
    node.record(RecordEvent("transferCustody", quantity="1 piece", resource="G", receiver="b"))
    node.correct(oops.id, quantity="2 piece")
    node.record(RecordEvent("transfer", quantity="5 kg", resource=SUPPLIER + "resources/s1", new_to_resource=True,
                            to_spec="flour", provider=SUPPLIER, receiver="self", tracking_identifier="IN-1"))
    return node


def resources(node: Node) -> list:
    with node.reading() as ledger:
        return sorted(ledger.all_resources(), key=lambda r: r.id)


def events(node: Node) -> list:
    """Events as recorded, without what only the recording ledger knows (its sequence numbers)."""
    with node.reading() as ledger:
        return [replace(mapping.event_from(row), seq=None) for row in ledger.all_event_rows()]


def round_trip(node: Node, other: Node):
    document = json.loads(json.dumps(export_document(node)))  # plain JSON: no encoder needed
    return document, import_document(other, document)


def test_an_export_reimports_into_a_fresh_node_as_the_same_ledger(busy, other_node):
    _, report = round_trip(busy, other_node)
    assert resources(other_node) == resources(busy)
    assert events(other_node) == events(busy)
    assert other_node.processes() == busy.processes()
    assert report.snapshots_checked == len(resources(busy)) == 5
    assert report.warnings == [f"agent {SUPPLIER} is only referenced: created as an Organization named after its IRI"]
    assert other_node.verify().ok


def test_the_round_trip_keeps_exact_decimals_lots_stages_and_locations(busy, other_node):
    round_trip(busy, other_node)
    flour = other_node.resource("F")
    assert (flour.accounting_quantity, flour.unit.name) == (Decimal("0.25"), "kilogram")
    assert (flour.lot.batch_lot_code, flour.lot.expiration_date.isoformat()) == ("L-1", "2027-01-31")
    gadget = other_node.resource("G")
    assert gadget.stage == busy.iri("process-specs", "assembled")
    assert (gadget.accounting_quantity, gadget.onhand_quantity) == (2, 1)
    assert gadget.classified_as == ("https://example.org/class/gadget",)
    widget, sold = sorted((r for r in resources(other_node) if r.tracking_identifier == "W"),
                          key=lambda r: r.current_location)
    assert (widget.accounting_quantity, widget.current_location) == (1, "A-shed")  # 10 - 4 - 3 - 2 (corrected)
    assert (sold.accounting_quantity, sold.current_location, sold.primary_accountable) == (
        3, "B-yard", busy.iri("agents", "b"))
    received = other_node.resource("IN-1")
    assert (received.accounting_quantity, received.conforms_to) == (5, busy.iri("specs", "flour"))


def test_export_import_export_gives_the_same_events_and_resources(busy, other_node):
    first, _ = round_trip(busy, other_node)
    second = json.loads(json.dumps(export_document(other_node)))

    def flows(document):
        return [o for o in document["@graph"] if o["@type"] in ("EconomicEvent", "EconomicResource", "Process")]

    assert flows(second) == flows(first)


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # inside rdflib
def test_the_export_is_json_ld_a_strict_processor_reads(busy):
    graph = rdflib.Graph().parse(data=json.dumps(export_document(busy)), format="json-ld")
    flour = rdflib.URIRef(busy.resource("F").id)
    [measure] = graph.objects(flour, VF.accountingQuantity)
    [amount] = graph.objects(measure, VF.hasNumericalValue)
    assert (amount.datatype, amount.toPython()) == (XSD_DECIMAL, Decimal("0.25"))
    produced = next(e for e in events(busy) if e.action == "produce")
    subject = rdflib.URIRef(produced.id)
    assert set(graph.objects(subject, VF.action)) == {VF.produce}
    assert set(graph.objects(subject, VF.provider)) == {rdflib.URIRef(busy.agent_id)}  # an IRI, not a string
    assert set(graph.objects(subject, VF.resourceConformsTo)) == {rdflib.URIRef(busy.iri("specs", "widget"))}


def test_amounts_are_exported_as_decimal_strings_never_floats(busy):
    def numbers(value):
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else []

    document = export_document(busy)
    assert numbers(document["@graph"]) == []
    [flour] = [o for o in document["@graph"] if o["@id"] == busy.resource("F").id]
    assert flour["accountingQuantity"] == {"hasNumericalValue": "0.25", "hasUnit": "om2:kilogram"}


def test_the_imported_vf_examples_round_trip(node, other_node):
    for name in ("checking-out-a-book.yaml", "claim-simple.yaml", "simple-manufacturing.yaml",
                 "simple-retail-exchange-without-commitments.yaml", "simple-service.yaml", "simple-workflow.yaml"):
        import_document(node, load_document(DATA / name))
    _, report = round_trip(node, other_node)
    assert resources(other_node) == resources(node)
    assert events(other_node) == events(node)
    assert not [w for w in report.warnings if "only referenced" in w]  # agents and specs travel with the export
    assert other_node.verify().ok


def test_a_tampered_export_is_refused_and_writes_nothing(busy, other_node):
    document = json.loads(json.dumps(export_document(busy)))
    flour_id = busy.resource("F").id
    [flour] = [o for o in document["@graph"] if o["@id"] == flour_id]
    flour["accountingQuantity"]["hasNumericalValue"] = "0.3"
    with pytest.raises(VFError) as caught:
        import_document(other_node, document)
    assert caught.value.field.endswith(".accountingQuantity") and flour_id in caught.value.reason
    assert "0.3 kilogram" in caught.value.reason and "0.25 kilogram" in caught.value.reason
    assert events(other_node) == [] and resources(other_node) == []
    assert [a.id for a in other_node.agents()] == [other_node.agent_id]


def test_an_empty_node_exports_its_own_agent_only(node):
    document = export_document(node)
    assert document["@context"]["@vocab"] == str(VF)
    assert document["@graph"] == [{"@id": node.agent_id, "@type": "Organization", "name": "Coop A"}]
