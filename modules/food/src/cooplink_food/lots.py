"""Dated lots: when a lot expires, the expiry a new lot gets from its production date and shelf life, and the
node's lots in first-expiry-first-out order.

A lot's expiry date is descriptive data of the lot (VF's BatchLotRecord), set once when the lot is created; the
quantities of a resource still change only through events.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from cooplink.modules import VFError
from cooplink.vf.model import BatchLotRecord, EconomicResource

PRODUCED_ON = "food.produced_on"
SHELF_LIFE = "food.shelf_life_days"


def expiry_of(resource: EconomicResource) -> date | None:
    return resource.lot.expiration_date if resource.lot else None


def day_of(moment: datetime | None) -> date:
    """The calendar day an event happens on (today when it names no time)."""
    return (moment or datetime.now(timezone.utc)).date()


def expired(resource: EconomicResource, on: date) -> bool:
    """Past its expiry date. A lot may still be used on the day it expires: that is what 'use by' means."""
    expiry = expiry_of(resource)
    return expiry is not None and expiry < on


def fefo_order(resource: EconomicResource) -> tuple:
    """Earliest expiry first; lots without an expiry last; then by lot code and id, so the order is stable."""
    expiry = expiry_of(resource)
    return (expiry is None, expiry or date.max, resource.lot.batch_lot_code if resource.lot else "", resource.id)


# when a lot is created -------------------------------------------------------------------------------------------
def date_new_lot(node, ledger, event, changed: dict) -> None:
    """Give a resource the event just created its production date and, when its lot has no expiry, one from its
    specification's shelf life. Runs inside the event's transaction: a refusal here writes nothing."""
    created = event.new_resource and changed.get(event.new_resource.id)
    if created is None:
        return
    produced = _produced_on(node, ledger, event, created)
    if produced is None:
        return
    expiry = expiry_of(created)
    if expiry is not None:
        if produced > expiry:
            raise VFError(PRODUCED_ON, f"food: lot {created.lot.batch_lot_code} is produced on {produced}, "
                                       f"after it expires ({expiry})")
        return
    shelf_life = ledger.attributes_of("specification", created.conforms_to).get(SHELF_LIFE)
    if shelf_life is None:
        return
    if created.lot is None:
        raise VFError("lot", f"food: {_spec_name(ledger, created)} keeps {shelf_life} days, so what is made of it "
                             "needs a lot code to carry its expiry date")
    lot = BatchLotRecord(created.lot.batch_lot_code, produced + timedelta(days=shelf_life))
    ledger.put_resources({created.id: created.evolve(lot=lot)})


def _produced_on(node, ledger, event, created: EconomicResource) -> date | None:
    """The date given as food.produced_on; for a produce event that gives none, the day of the event (kept, so
    the lot says when it was made)."""
    given = ledger.attributes_of("resource", created.id).get(PRODUCED_ON)
    if given is not None:
        return date.fromisoformat(given)
    if event.action != "produce":
        return None
    produced = day_of(event.has_point_in_time)
    ledger.put_attributes("resource", created.id, node.modules.validate_attributes("resource", {PRODUCED_ON: produced}))
    return produced


def _spec_name(ledger, resource: EconomicResource) -> str:
    spec = ledger.spec(resource.conforms_to)
    return spec.name if spec else resource.conforms_to


# listing ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lot:
    """One resource of the node that carries a lot, as `cooplink food lots` shows it."""

    lot: str
    expires_on: date | None
    produced_on: date | None
    status: str  # expired | expires today | expires in N days | no expiry date
    spec: str
    resource: str
    tracking_identifier: str | None
    onhand: Decimal
    accounting: Decimal
    unit: str


def node_lots(node, spec: str | None = None, include_empty: bool = False, today: date | None = None) -> list[Lot]:
    """The node's lots in the order first-expiry-first-out takes them."""
    today = today or day_of(None)
    with node.reading() as ledger:
        if spec and ledger.spec(node.iri("specs", spec)) is None:
            raise VFError("resourceConformsTo", f"no resource specification {spec!r}")
        found = ledger.find_resources(conforms_to=node.iri("specs", spec), include_empty=include_empty)
        produced = ledger.owners_with("resource", PRODUCED_ON)
        names = {s.id: s.name for s in ledger.specs()}
    return [_lot_row(r, produced.get(r.id), names, today) for r in sorted(found, key=fefo_order) if r.lot]


def _lot_row(resource: EconomicResource, produced: str | None, names: dict, today: date) -> Lot:
    return Lot(lot=resource.lot.batch_lot_code, expires_on=expiry_of(resource),
               produced_on=date.fromisoformat(produced) if produced else None,
               status=_status(expiry_of(resource), today), spec=names.get(resource.conforms_to, resource.conforms_to),
               resource=resource.id, tracking_identifier=resource.tracking_identifier,
               onhand=resource.onhand_quantity, accounting=resource.accounting_quantity, unit=resource.unit.name)


def _status(expiry: date | None, today: date) -> str:
    if expiry is None:
        return "no expiry date"
    days = (expiry - today).days
    if days < 0:
        return "expired"
    return "expires today" if days == 0 else f"expires in {days} day{'s' if days > 1 else ''}"
