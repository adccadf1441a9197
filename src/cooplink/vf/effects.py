"""What an event does to the resources it names, driven by the action table.

``apply_event`` is a pure function: given the event and the resources it touches as they stand, it returns their new
states, or raises VFError naming the field at fault. The ledger calls it when recording and again when verifying,
so a balance is by construction the fold of its events.
"""

from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext

from cooplink.vf.actions import IMPLIED_TRANSFER, NA, Action, action_named
from cooplink.vf.errors import VFError
from cooplink.vf.model import EconomicEvent, EconomicResource, ResourceSpecification
from cooplink.vf.units import EXACT, canonical

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the event meets: the resources it names (by id), and facts the node looked up for it."""

    resources: dict[str, EconomicResource]
    spec: ResourceSpecification | None = None  # the spec of a resource the event creates
    stage: str | None = None  # the ProcessSpecification of the process the event is an output of
    corrected: EconomicEvent | None = None  # the event this one corrects
    allow_negative: bool = False
    external: frozenset[str] = frozenset()  # resources named by the event that live in another agent's ledger


def check_event(event: EconomicEvent, action: Action | None = None) -> Action:
    """The rules an event must meet on its own, before any resource is looked at."""
    action = action or action_named(event.action)
    _check_agents(event)
    _check_quantities(event, action)
    _check_resource_refs(event, action)
    _check_process_refs(event, action)
    return action


def _check_agents(event: EconomicEvent) -> None:
    for name, value in (("provider", event.provider), ("receiver", event.receiver)):
        if not value:
            raise VFError(name, "an event needs a provider and a receiver")


def _check_quantities(event: EconomicEvent, action: Action) -> None:
    floor_ok = (lambda q: q >= 0) if event.corrects else (lambda q: q > 0)
    for name, measure in (("resourceQuantity", event.resource_quantity), ("effortQuantity", event.effort_quantity)):
        if measure is not None and not floor_ok(measure.value):
            raise VFError(name, f"must be {'zero or more' if event.corrects else 'more than zero'}, "
                                f"got {measure.value}")
    needs = action.event_quantity
    if needs == "resource" and event.resource_quantity is None:
        raise VFError("resourceQuantity", f"{action.name} needs a resource quantity")
    if needs == "effort" and event.effort_quantity is None:
        raise VFError("effortQuantity", f"{action.name} needs an effort quantity")
    if needs == "both" and event.resource_quantity is None and event.effort_quantity is None:
        raise VFError("resourceQuantity", f"{action.name} needs a resource or an effort quantity")


def _check_resource_refs(event: EconomicEvent, action: Action) -> None:
    creates = event.new_resource
    if event.resource_inventoried_as and event.resource_conforms_to and not _creates_from(event):
        raise VFError("resourceConformsTo", "give resourceInventoriedAs or resourceConformsTo, not both")
    if creates and action.create_resource == NA:
        raise VFError("resourceInventoriedAs", f"{action.name} cannot create a resource")
    if creates and action.create_resource == "optional" and not event.resource_conforms_to:
        raise VFError("resourceConformsTo", f"a resource created by {action.name} needs a specification")
    if event.to_resource_inventoried_as and not (action.has_to_resource or action.contained_effect == "update"):
        raise VFError("toResourceInventoriedAs", f"{action.name} has no to-resource")
    if action.has_to_resource and (event.to_resource_inventoried_as or creates) and not event.resource_inventoried_as:
        raise VFError("resourceInventoriedAs", f"{action.name} to a resource needs the resource it comes from")
    if event.to_resource_inventoried_as and event.to_resource_inventoried_as == event.resource_inventoried_as:
        raise VFError("toResourceInventoriedAs", "must differ from resourceInventoriedAs")
    if action.event_quantity != "effort" and not (event.resource_inventoried_as or event.resource_conforms_to):
        raise VFError("resourceConformsTo", "an event needs resourceInventoriedAs or resourceConformsTo")


def _creates_from(event: EconomicEvent) -> bool:
    """A produce/raise that creates its resource names both the new resource and its specification."""
    new = event.new_resource
    return new is not None and new.id == event.resource_inventoried_as


def _check_process_refs(event: EconomicEvent, action: Action) -> None:
    if event.input_of and not action.can_be_input:
        raise VFError("inputOf", f"{action.name} cannot be a process input")
    if event.output_of and not action.can_be_output:
        raise VFError("outputOf", f"{action.name} cannot be a process output")


def check_correction(event: EconomicEvent, original: EconomicEvent | None, already_corrected: bool) -> None:
    """A correction restates an event: same action, same resources; only its quantities and details change."""
    if original is None:
        raise VFError("corrects", f"no event {event.corrects!r} to correct")
    if already_corrected:
        raise VFError("corrects", f"event {event.corrects!r} was already corrected")
    for name, mine, theirs in (("action", event.action, original.action),
                               ("resourceInventoriedAs", event.resource_inventoried_as,
                                original.resource_inventoried_as),
                               ("toResourceInventoriedAs", event.to_resource_inventoried_as,
                                original.to_resource_inventoried_as)):
        if mine != theirs:
            raise VFError(name, f"a correction keeps the corrected event's {name} ({theirs!r}), got {mine!r}")


def resource_ids(event: EconomicEvent) -> tuple[str, ...]:
    """The resources an event touches, in a fixed order (the ledger locks them in this order)."""
    return tuple(sorted({r for r in (event.resource_inventoried_as, event.to_resource_inventoried_as) if r}))


def apply_event(event: EconomicEvent, situation: Situation) -> dict[str, EconomicResource]:
    """Return the new state of every resource the event changes (created ones included)."""
    try:
        with localcontext(EXACT):
            return _apply(event, situation)
    except Inexact:
        raise VFError("resourceQuantity", "has more digits than a balance can keep exactly") from None


def _apply(event: EconomicEvent, situation: Situation) -> dict[str, EconomicResource]:
    action = action_named(event.action)
    source = _source(event, action, situation)
    target = _target(event, action, source, situation)
    if source is None and target is None:
        return {}  # a flow of a kind of resource, not of one this ledger inventories
    quantity = _quantity_in(event, source or target, situation)
    source, target = _apply_quantities(action, source, target, quantity, situation.allow_negative)
    changed: dict[str, EconomicResource] = {}
    if source is not None:
        source = _apply_source_effects(action, event, source, target, situation.stage)
        changed[source.id] = source
    if target is not None:
        changed[target.id] = _apply_target_effects(action, event, target)
    return changed


def _source(event, action, situation) -> EconomicResource | None:
    new = event.new_resource
    if new is not None and action.create_resource == "optional":
        spec = situation.spec
        unit = (spec.default_unit_of_resource if spec else None) or event.resource_quantity.unit
        return EconomicResource(
            id=new.id, conforms_to=event.resource_conforms_to, unit=unit,
            name=new.name or (spec.name if spec else None),
            tracking_identifier=new.tracking_identifier, lot=new.lot, note=new.note,
            primary_accountable=event.receiver if action.accountable_effect == "new" else None,
            current_location=event.at_location if action.location_effect == "new" else None,
            classified_as=spec.resource_classified_as if spec else ())
    if not event.resource_inventoried_as or _outside(event.resource_inventoried_as, action, situation):
        return None
    return _known(situation.resources, event.resource_inventoried_as, "resourceInventoriedAs")


def _outside(resource_id: str, action, situation) -> bool:
    """A transfer's other side may live in another agent's ledger (a sale's goods come from the supplier's)."""
    return action.has_to_resource and resource_id in situation.external


def _target(event, action, source, situation) -> EconomicResource | None:
    new = event.new_resource
    if new is not None and action.create_resource == "optionalTo":
        return _new_target(event, action, source, new, situation)
    to_id = event.to_resource_inventoried_as
    if not to_id or _outside(to_id, action, situation):
        return None
    target = _known(situation.resources, to_id, "toResourceInventoriedAs")
    if action.has_to_resource and source is not None and target.conforms_to != source.conforms_to:
        raise VFError("toResourceInventoriedAs",
                      f"conforms to {target.conforms_to}, the resource it receives from to {source.conforms_to}")
    return target


def _new_target(event, action, source, new, situation) -> EconomicResource:
    """The to-resource a transfer or move creates: like its source (lot and tracking kept), or, when the source
    lies in another ledger, as the event describes it."""
    if source is None:
        if not new.conforms_to:
            raise VFError("resourceConformsTo", "a resource received from another ledger needs its specification")
        spec = situation.spec
        unit = (spec.default_unit_of_resource if spec else None) or event.resource_quantity.unit
        return EconomicResource(
            id=new.id, conforms_to=new.conforms_to, unit=unit, name=new.name or (spec.name if spec else None),
            tracking_identifier=new.tracking_identifier, lot=new.lot, note=new.note,
            classified_as=spec.resource_classified_as if spec else (),
            primary_accountable=event.receiver if action.accountable_effect != NA else None)
    return EconomicResource(
        id=new.id, conforms_to=new.conforms_to or source.conforms_to, unit=source.unit, name=new.name or source.name,
        tracking_identifier=new.tracking_identifier or source.tracking_identifier, lot=new.lot or source.lot,
        classified_as=source.classified_as, note=new.note, stage=source.stage,
        primary_accountable=event.receiver if action.accountable_effect != NA else source.primary_accountable,
        current_location=_new_location(event, action) or source.current_location, state=source.state)


def _new_location(event, action) -> str | None:
    """Location effect 'new' (a copy) places the created resource where the event says, not where the original
    lies; 'updateTo' (transfer, move) is applied to every to-resource later, created or not."""
    return (event.to_location or event.at_location) if action.location_effect == "new" else None


def _known(resources, resource_id, field) -> EconomicResource:
    try:
        return resources[resource_id]
    except KeyError:
        raise VFError(field, f"no resource {resource_id!r}") from None


def _quantity_in(event, resource, situation) -> Decimal:
    """The event's quantity in the resource's unit; a correction counts only its difference from the original."""
    if event.resource_quantity is None:
        return ZERO
    quantity = event.resource_quantity.to(resource.unit, "resourceQuantity").value
    if situation.corrected is not None and situation.corrected.resource_quantity is not None:
        quantity -= situation.corrected.resource_quantity.to(resource.unit, "resourceQuantity").value
    return quantity


# The sign each effect gives the event's quantity on the (from) resource and on the to-resource.
_SIGNS = {NA: (0, 0), "increment": (1, 0), "decrement": (-1, 0), "decrementIncrement": (-1, 1), "incrementTo": (0, 1)}


def _apply_quantities(action, source, target, quantity, allow_negative):
    acc_from, acc_to = _SIGNS[action.accounting_effect]
    onh_from, onh_to = _SIGNS[action.onhand_effect]
    # With no to-resource, the receiving side lies outside this ledger (e.g. on the customer's node), and likewise
    # the giving side when goods arrive from a supplier's ledger.
    if source is not None:
        source = _add(source, acc_from * quantity, onh_from * quantity, action, allow_negative)
    if target is not None:
        target = _add(target, acc_to * quantity, onh_to * quantity, action, allow_negative)
    return source, target


def _add(resource, accounting, onhand, action, allow_negative) -> EconomicResource:
    if not accounting and not onhand:
        return resource
    changed = resource.evolve(accounting_quantity=canonical(resource.accounting_quantity + accounting),
                              onhand_quantity=canonical(resource.onhand_quantity + onhand))
    lowered_below_zero = (accounting < 0 and changed.accounting_quantity < 0) or \
        (onhand < 0 and changed.onhand_quantity < 0)
    if lowered_below_zero and not allow_negative:
        available = min(q for q, d in ((resource.accounting_quantity, accounting), (resource.onhand_quantity, onhand))
                        if d < 0)
        raise VFError("resourceQuantity",
                      f"{action.name} of {abs(accounting or onhand)} {resource.unit.name} is more than the "
                      f"{available} {resource.unit.name} available in {resource.id}")
    return changed


def _apply_source_effects(action, event, source, target, stage) -> EconomicResource:
    changes = {}
    if action.location_effect == "update" and event.at_location:
        changes["current_location"] = event.at_location
    if action.contained_effect == "update" and target is not None:
        changes["contained_in"] = target.id
    elif action.contained_effect == "remove":
        changes["contained_in"] = None
    if action.stage_effect == "update" and stage:
        changes["stage"] = stage
    if action.state_effect == "update" and event.state:
        changes["state"] = event.state
    return source.evolve(**changes) if changes else source


def _apply_target_effects(action, event, target) -> EconomicResource:
    if not action.has_to_resource:
        return target  # a combine's container: only the contained resource changes
    changes = {}
    if action.location_effect == "updateTo" and (event.to_location or event.at_location):
        changes["current_location"] = event.to_location or event.at_location
    if action.accountable_effect == "updateTo":
        changes["primary_accountable"] = event.receiver
    if action.state_effect == "updateTo" and event.state:
        changes["state"] = event.state
    return target.evolve(**changes) if changes else target


def implied_transfer(event: EconomicEvent) -> str | None:
    """The transfer VF implies when provider and receiver differ (e.g. produce for a client)."""
    return IMPLIED_TRANSFER.get(event.action) if event.provider != event.receiver else None
