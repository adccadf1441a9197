"""The module's rules on events (called by the node before anything is written; a refusal rolls it all back).

Hazardous goods pass to another agent only when that agent holds, on the event's day, a valid licence for every
category the goods' hazard statements need. Only goods that carry hazards can be neutralised.
"""

from datetime import datetime, timezone

from cooplink.modules import VFError
from cooplink.vf.effects import implied_transfer
from cooplink_chemicals import ghs, licences

HAZARDS = "chemicals.hazards"
NEUTRALIZE = "chemicals:neutralize"
TRANSFERS = frozenset({"transfer", "transferCustody", "transferAllRights"})


def check_event(ledger, event, resources: dict) -> None:
    if event.action == NEUTRALIZE:
        _check_neutralize(ledger, event, resources)
    elif _hands_over(event) and not _backs_out(event):
        _check_receiver_licensed(ledger, event, resources)


def _hands_over(event) -> bool:
    """Goods pass to another agent: a transfer, or an action VF reads as one when provider and receiver differ
    (produce for a client, pickup by a carrier)."""
    return event.provider != event.receiver and (event.action in TRANSFERS or implied_transfer(event) is not None)


def _backs_out(event) -> bool:
    """A correction to zero undoes a hand-over; refusing it would keep a mistake in the books."""
    quantity = event.resource_quantity
    return event.corrects is not None and quantity is not None and quantity.value == 0


def _check_receiver_licensed(ledger, event, resources: dict) -> None:
    needed = ghs.required_categories(hazards_of(ledger, specs_of(event, resources)))
    if not needed:
        return
    day = day_of(event)
    held = licences.categories_held(ledger.connection, event.receiver, day)
    missing = {category: codes for category, codes in needed.items() if category not in held}
    if missing:
        goods = " and ".join(f"{category} goods ({', '.join(codes)})" for category, codes in missing.items())
        raise VFError("receiver", f"chemicals: {agent_name(ledger, event.receiver)} holds no valid licence for "
                                  f"{goods} on {day}")


def _check_neutralize(ledger, event, resources: dict) -> None:
    specs = specs_of(event, resources)
    if not hazards_of(ledger, specs):
        named = ", ".join(spec_name(ledger, s) for s in specs) or "the resource"
        raise VFError("action", f"{NEUTRALIZE} is for hazardous goods; {named} carries no {HAZARDS}")


def specs_of(event, resources: dict) -> list[str]:
    """The specifications of the goods an event moves: of the resources it names (as held here), of the kind it
    names, and of a resource it creates."""
    found = {event.resource_conforms_to, event.new_resource.conforms_to if event.new_resource else None}
    for resource_id in (event.resource_inventoried_as, event.to_resource_inventoried_as):
        if resource_id in resources:
            found.add(resources[resource_id].conforms_to)
    return sorted(s for s in found if s)


def hazards_of(ledger, spec_ids) -> list[str]:
    codes = set()
    for spec_id in spec_ids:
        codes.update(ledger.attributes_of("specification", spec_id).get(HAZARDS, []))
    return sorted(codes)


def day_of(event):
    """The event's day in UTC (its time, or now when it states none)."""
    moment = event.has_point_in_time or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).date() if moment.tzinfo else moment.date()


def agent_name(ledger, agent_id: str) -> str:
    agent = ledger.agent(agent_id)
    return agent.name if agent else agent_id


def spec_name(ledger, spec_id: str) -> str:
    spec = ledger.spec(spec_id)
    return spec.name if spec else spec_id
