"""Between table rows and the core's dataclasses."""

import json
from datetime import date, datetime

from cooplink.vf.model import (Agent, BatchLotRecord, EconomicEvent, EconomicResource, NewResource, Process,
                               ProcessSpecification, ResourceSpecification)
from cooplink.vf.units import Measure, unit_named, UNITS


def _unit(name):
    return None if name is None else UNITS.get(name) or unit_named(name)


def _measure(value, unit):
    return None if value is None else Measure(value, _unit(unit))


def _iso(moment):
    return None if moment is None else moment.isoformat()


def _moment(text):
    return None if text is None else datetime.fromisoformat(text)


def agent_row(agent: Agent) -> dict:
    return {"id": agent.id, "name": agent.name, "kind": agent.kind, "note": agent.note}


def agent_from(row) -> Agent:
    return Agent(id=row.id, name=row.name, kind=row.kind, note=row.note)


def spec_row(spec: ResourceSpecification) -> dict:
    return {"id": spec.id, "name": spec.name, "note": spec.note,
            "default_unit_of_resource": spec.default_unit_of_resource and spec.default_unit_of_resource.name,
            "default_unit_of_effort": spec.default_unit_of_effort and spec.default_unit_of_effort.name,
            "resource_classified_as": json.dumps(list(spec.resource_classified_as)),
            "substitutable": spec.substitutable, "medium_of_exchange": spec.medium_of_exchange}


def spec_from(row) -> ResourceSpecification:
    return ResourceSpecification(
        id=row.id, name=row.name, note=row.note, default_unit_of_resource=_unit(row.default_unit_of_resource),
        default_unit_of_effort=_unit(row.default_unit_of_effort),
        resource_classified_as=tuple(json.loads(row.resource_classified_as)),
        substitutable=bool(row.substitutable), medium_of_exchange=bool(row.medium_of_exchange))


def process_spec_row(spec: ProcessSpecification) -> dict:
    return {"id": spec.id, "name": spec.name, "note": spec.note}


def process_spec_from(row) -> ProcessSpecification:
    return ProcessSpecification(id=row.id, name=row.name, note=row.note)


def process_row(process: Process) -> dict:
    return {"id": process.id, "name": process.name, "based_on": process.based_on, "finished": process.finished,
            "has_beginning": _iso(process.has_beginning), "has_end": _iso(process.has_end), "note": process.note}


def process_from(row) -> Process:
    return Process(id=row.id, name=row.name, based_on=row.based_on, finished=bool(row.finished),
                   has_beginning=_moment(row.has_beginning), has_end=_moment(row.has_end), note=row.note)


def resource_row(resource: EconomicResource) -> dict:
    lot = resource.lot
    return {"id": resource.id, "conforms_to": resource.conforms_to, "unit": resource.unit.name, "name": resource.name,
            "accounting_quantity": resource.accounting_quantity, "onhand_quantity": resource.onhand_quantity,
            "primary_accountable": resource.primary_accountable, "current_location": resource.current_location,
            "contained_in": resource.contained_in, "stage": resource.stage, "state": resource.state,
            "tracking_identifier": resource.tracking_identifier, "lot_code": lot and lot.batch_lot_code,
            "lot_expiration": lot and lot.expiration_date and lot.expiration_date.isoformat(),
            "classified_as": json.dumps(list(resource.classified_as)), "note": resource.note}


def resource_from(row) -> EconomicResource:
    lot = None
    if row.lot_code is not None:
        expiry = date.fromisoformat(row.lot_expiration) if row.lot_expiration else None
        lot = BatchLotRecord(row.lot_code, expiry)
    return EconomicResource(
        id=row.id, conforms_to=row.conforms_to, unit=_unit(row.unit), name=row.name,
        accounting_quantity=row.accounting_quantity, onhand_quantity=row.onhand_quantity,
        primary_accountable=row.primary_accountable, current_location=row.current_location,
        contained_in=row.contained_in, stage=row.stage, state=row.state, tracking_identifier=row.tracking_identifier,
        lot=lot, classified_as=tuple(json.loads(row.classified_as)), note=row.note)


def event_row(event: EconomicEvent) -> dict:
    """The row of an event; the ledger adds ``recorded_at`` when it writes it."""
    creates = None
    if event.new_resource is not None:
        creates = "resource" if event.new_resource.id == event.resource_inventoried_as else "toResource"
    rq, eq = event.resource_quantity, event.effort_quantity
    return {"id": event.id, "action": event.action, "provider": event.provider, "receiver": event.receiver,
            "resource_inventoried_as": event.resource_inventoried_as,
            "to_resource_inventoried_as": event.to_resource_inventoried_as,
            "resource_conforms_to": event.resource_conforms_to,
            "resource_quantity": rq and rq.value, "resource_unit": rq and rq.unit.name,
            "effort_quantity": eq and eq.value, "effort_unit": eq and eq.unit.name,
            "input_of": event.input_of, "output_of": event.output_of, "at_location": event.at_location,
            "to_location": event.to_location, "state": event.state,
            "has_point_in_time": _iso(event.has_point_in_time), "corrects": event.corrects,
            "realization_of": event.realization_of, "note": event.note, "creates": creates}


def event_from(row, created: EconomicResource | None = None) -> EconomicEvent:
    """An event as recorded; ``created`` is the resource it created, if any (verify replays its creation)."""
    new = None
    if row.creates is not None and created is not None:
        new = NewResource(id=created.id, name=created.name, tracking_identifier=created.tracking_identifier,
                          lot=created.lot, note=created.note,
                          conforms_to=created.conforms_to if row.creates == "toResource" else None)
    return EconomicEvent(
        id=row.id, action=row.action, provider=row.provider, receiver=row.receiver,
        resource_inventoried_as=row.resource_inventoried_as,
        to_resource_inventoried_as=row.to_resource_inventoried_as, resource_conforms_to=row.resource_conforms_to,
        resource_quantity=_measure(row.resource_quantity, row.resource_unit),
        effort_quantity=_measure(row.effort_quantity, row.effort_unit), input_of=row.input_of,
        output_of=row.output_of, at_location=row.at_location, to_location=row.to_location, state=row.state,
        has_point_in_time=_moment(row.has_point_in_time), corrects=row.corrects, realization_of=row.realization_of,
        note=row.note, new_resource=new, seq=row.seq)
