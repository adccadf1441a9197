"""First expiry, first out: a consume or transfer that names only a specification takes from the node's lots of
it, earliest expiry first, and never from an expired lot."""

from dataclasses import replace
from decimal import Decimal, localcontext

from cooplink.modules import RecordEvent, VFError
from cooplink.vf.actions import action_named
from cooplink.vf.model import EconomicResource
from cooplink.vf.units import EXACT, Measure, plain
from cooplink_food.lots import day_of, expired, expiry_of, fefo_order

# The actions that send a lot on, to a process or to another agent: these pick by expiry, and refuse an expired lot.
# Moving expired stock aside or lowering it (writing it off) stays allowed: that is how it leaves the shelf.
TAKING = frozenset({"consume", "transfer", "transferAllRights", "transferCustody"})


def pick(node, ledger, draft: RecordEvent) -> list[RecordEvent] | None:
    """The drafts to record instead of one naming a specification and no resource; None leaves it as it is."""
    if draft.action not in TAKING or draft.quantity is None:
        return None
    spec_id = node.iri("specs", draft.spec)
    provider = node.agent_iri(draft.provider)
    held = [r for r in ledger.find_resources(conforms_to=spec_id) if r.primary_accountable == provider]
    if not held:
        return None  # not inventoried here: the event is a flow of a kind of resource, as the core records it
    asked = draft.quantity if isinstance(draft.quantity, Measure) else Measure.parse(draft.quantity)
    spec = ledger.spec(spec_id)
    unit = (spec.default_unit_of_resource if spec else None) or asked.unit
    parts = _split(draft, asked.to(unit, "resourceQuantity"), held, spec.name if spec else draft.spec)
    if draft.id and len(parts) > 1:
        raise VFError("@id", f"food: the event takes from {len(parts)} lots, so it cannot keep the one id given")
    return parts


def _split(draft: RecordEvent, asked: Measure, held: list[EconomicResource], spec_name: str) -> list[RecordEvent]:
    on = day_of(draft.has_point_in_time)
    fresh = sorted((r for r in held if not expired(r, on)), key=fefo_order)
    remaining, parts = asked.value, []
    with localcontext(EXACT):
        for lot in fresh:
            have = _available(lot, draft.action, asked.unit)
            if remaining <= 0:
                break
            if have <= 0:
                continue
            take = min(have, remaining)
            parts.append(_part(draft, lot, Measure(plain(take), asked.unit)))
            remaining -= take
        if remaining > 0:
            raise VFError("resourceQuantity", _shortage(draft.action, asked, spec_name, fresh, held, on))
    return parts


def _available(lot: EconomicResource, action: str, unit) -> Decimal:
    """What the action can take from the lot, in the unit asked: the smaller of the quantities it decrements
    (consume takes from both, transferAllRights from accounting alone), never below zero."""
    effects = action_named(action)
    amounts = [quantity for effect, quantity in ((effects.accounting_effect, lot.accounting_quantity),
                                                  (effects.onhand_effect, lot.onhand_quantity))
               if effect.startswith("decrement")]
    return max(Measure(min(amounts), lot.unit).to(unit, "resourceQuantity").value, Decimal(0))


def _part(draft: RecordEvent, lot: EconomicResource, quantity: Measure) -> RecordEvent:
    """The draft, taking this much from this lot. A to-resource it creates keeps the lot and its expiry."""
    keeps_lot = draft.lot is None and lot.lot is not None
    expiry = expiry_of(lot)
    return replace(draft, spec=None, resource=lot.id, quantity=quantity,
                   lot=lot.lot.batch_lot_code if keeps_lot else draft.lot,
                   lot_expiration=(expiry.isoformat() if expiry else None) if keeps_lot else draft.lot_expiration)


def _shortage(action: str, asked: Measure, spec_name: str, fresh, held, on) -> str:
    total = sum((_available(r, action, asked.unit) for r in fresh), Decimal(0))
    spoilt = sum((_available(r, action, asked.unit) for r in held if expired(r, on)), Decimal(0))
    said = f"food: {action} of {asked} of {spec_name} asked, but only {plain(total)} {asked.unit.name} is available " \
           f"in lots not expired on {on}"
    return said + (f" ({plain(spoilt)} {asked.unit.name} more in expired lots)" if spoilt > 0 else "")


def refuse_expired(event, resources: dict) -> None:
    """An expired lot is neither consumed nor handed on. A correction may still restate an old event on it."""
    if event.action not in TAKING or event.corrects:
        return
    lot = resources.get(event.resource_inventoried_as)
    if lot is not None and expired(lot, day_of(event.has_point_in_time)):
        raise VFError("resourceInventoriedAs", f"food: lot {lot.lot.batch_lot_code} expired on {expiry_of(lot)}")
