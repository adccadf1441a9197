"""Recording economic events, one or a batch in one transaction, and correcting them."""

from fastapi import APIRouter

from cooplink.api.auth import NodeDep, member, viewer
from cooplink.api.errors import ApiError, documented, lookup
from cooplink.api.schemas import CorrectionIn, EventOut, EventsIn, EventsOut

router = APIRouter(prefix="/events", tags=["events"], responses=documented(400, 401, 403, 404, 422))


@router.post("", dependencies=[member], status_code=201)
def record(body: EventsIn, node: NodeDep) -> EventsOut:
    """Record one event (an object) or a batch (an array) in one transaction: all of them, or none if any is
    refused. A module may record one draft as several events (e.g. picking lots first-expiry-first-out)."""
    drafts = [e.draft() for e in (body if isinstance(body, list) else [body])]
    return EventsOut(events=[EventOut.of(e) for e in node.record(*drafts)])


@router.get("/{ref}", dependencies=[viewer])
def event(ref: str, node: NodeDep) -> EventOut:
    found = node.event(ref)
    if found is None:
        raise ApiError(404, "event", f"no event {ref!r}")
    return EventOut.of(found)


@router.post("/{ref}/correct", dependencies=[member], status_code=201)
def correct(ref: str, body: CorrectionIn, node: NodeDep) -> EventOut:
    """Record an event that restates this one with new quantities (zero backs it out); the original stays."""
    arguments = body.arguments()
    with lookup():
        return EventOut.of(node.correct(ref, **arguments))

