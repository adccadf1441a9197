"""Exporting a node as one VF 1.0 JSON-LD document that ``import_document`` reads back into the same ledger.

The shape: agents, specifications and processes first; then every event in ledger order (the relational view:
each names its process with inputOf/outputOf), so the events that created resources re-create them; last, every
resource as it stands, which a re-import checks its balances against. The context declares which properties hold
IRIs and types quantities as xsd:decimal, so a strict JSON-LD processor reads the same graph (amounts are strings,
never floats).
"""

from decimal import Decimal

from cooplink.interop.jsonld import OM2, VF, XSD
from cooplink.ledger import mapping
from cooplink.vf.model import (Agent, EconomicEvent, EconomicResource, Process, ProcessSpecification,
                               ResourceSpecification)
from cooplink.vf.units import Measure, Unit, plain

REFERENCES = ("provider", "receiver", "resourceInventoriedAs", "toResourceInventoriedAs", "resourceConformsTo",
              "conformsTo", "inputOf", "outputOf", "corrects", "realizationOf", "primaryAccountable", "containedIn",
              "stage", "basedOn", "resourceClassifiedAs", "hasUnit", "defaultUnitOfResource", "defaultUnitOfEffort")
MOMENTS = ("hasPointInTime", "hasBeginning", "hasEnd")

CONTEXT = {
    "@vocab": VF, "vf": VF, "om2": OM2, "xsd": XSD,
    **{name: {"@type": "@id"} for name in REFERENCES},
    **{name: {"@type": "xsd:dateTime"} for name in MOMENTS},
    "action": {"@type": "@vocab"},
    "hasNumericalValue": {"@type": "xsd:decimal"},
}


def export_document(node) -> dict:
    """The node's agents, specifications, processes, events and resources as a VF 1.0 JSON-LD document."""
    with node.reading() as ledger:
        graph = [agent_json(a) for a in ledger.agents()]
        graph += [process_spec_json(s) for s in ledger.process_specs()]
        graph += [spec_json(s) for s in ledger.specs()]
        graph += [process_json(p) for p in ledger.processes()]
        graph += [event_json(mapping.event_from(row)) for row in ledger.all_event_rows()]
        graph += [resource_json(r) for r in sorted(ledger.all_resources(), key=lambda r: r.id)]
    return {"@context": CONTEXT, "@graph": graph}


def _object(iri: str, kind: str, **fields) -> dict:
    """A JSON-LD object without the fields that are empty."""
    return {"@id": iri, "@type": kind, **{k: v for k, v in fields.items() if v not in (None, "", [], False)}}


def agent_json(agent: Agent) -> dict:
    return _object(agent.id, agent.kind, name=agent.name, note=agent.note)


def spec_json(spec: ResourceSpecification) -> dict:
    return _object(spec.id, "ResourceSpecification", name=spec.name, note=spec.note,
                   defaultUnitOfResource=unit_json(spec.default_unit_of_resource),
                   defaultUnitOfEffort=unit_json(spec.default_unit_of_effort),
                   resourceClassifiedAs=list(spec.resource_classified_as), substitutable=spec.substitutable,
                   mediumOfExchange=spec.medium_of_exchange)


def process_spec_json(spec: ProcessSpecification) -> dict:
    return _object(spec.id, "ProcessSpecification", name=spec.name, note=spec.note)


def process_json(process: Process) -> dict:
    return _object(process.id, "Process", name=process.name, note=process.note, basedOn=process.based_on,
                   hasBeginning=_moment(process.has_beginning), hasEnd=_moment(process.has_end),
                   finished=process.finished)


def event_json(event: EconomicEvent) -> dict:
    return _object(
        event.id, "EconomicEvent", action=event.action, provider=event.provider, receiver=event.receiver,
        resourceInventoriedAs=event.resource_inventoried_as,
        toResourceInventoriedAs=event.to_resource_inventoried_as, resourceConformsTo=event.resource_conforms_to,
        resourceQuantity=measure_json(event.resource_quantity), effortQuantity=measure_json(event.effort_quantity),
        inputOf=event.input_of, outputOf=event.output_of, atLocation=event.at_location, toLocation=event.to_location,
        state=event.state, hasPointInTime=_moment(event.has_point_in_time), corrects=event.corrects,
        realizationOf=event.realization_of, note=event.note)


def resource_json(resource: EconomicResource) -> dict:
    lot = resource.lot
    return _object(
        resource.id, "EconomicResource", conformsTo=resource.conforms_to, name=resource.name, note=resource.note,
        trackingIdentifier=resource.tracking_identifier,
        ofBatchLot=lot and _object(f"{resource.id}#lot", "BatchLotRecord", batchLotCode=lot.batch_lot_code,
                                   expirationDate=lot.expiration_date and lot.expiration_date.isoformat()),
        primaryAccountable=resource.primary_accountable, currentLocation=resource.current_location,
        containedIn=resource.contained_in, stage=resource.stage, state=resource.state,
        accountingQuantity=measure_json(Measure(resource.accounting_quantity, resource.unit)),
        onhandQuantity=measure_json(Measure(resource.onhand_quantity, resource.unit)))


def measure_json(measure: Measure | None) -> dict | None:
    if measure is None:
        return None
    return {"hasNumericalValue": _number(measure.value), "hasUnit": unit_json(measure.unit)}


def unit_json(unit: Unit | None) -> str | None:
    return None if unit is None else f"om2:{unit.name}"


def _number(value: Decimal) -> str:
    return str(plain(value))


def _moment(moment) -> str | None:
    return None if moment is None else moment.isoformat()
