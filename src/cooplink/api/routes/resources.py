"""Reading stock: the inventory, one resource, its history, and where it came from (trace) and went (track)."""

from fastapi import APIRouter

from cooplink.api.auth import NodeDep, viewer
from cooplink.api.errors import documented, lookup
from cooplink.api.schemas import EventOut, InventoryOut, ResourceOut, StepOut

router = APIRouter(tags=["resources"], responses=documented(401, 403, 404, 422))
REF = "The resource: its id on this node or its tracking identifier."


@router.get("/inventory", dependencies=[viewer])
def inventory(node: NodeDep, spec: str | None = None, location: str | None = None,
              include_empty: bool = False) -> InventoryOut:
    """The resources this node holds, with accounting and on-hand quantities; optionally of one specification or
    at one location, and with or without those that are empty."""
    with lookup():
        resources = node.inventory(spec=spec, location=location, include_empty=include_empty)
    attributes = node.attributes_for("resource", [r.id for r in resources])
    return InventoryOut(node=node.base_url, allow_negative_stock=node.allow_negative_stock,
                        resources=[ResourceOut.of(r, attributes[r.id]) for r in resources])


@router.get("/resources/{ref}", dependencies=[viewer], description=REF)
def resource(ref: str, node: NodeDep) -> ResourceOut:
    with lookup():
        found = node.resource(ref)
    return ResourceOut.of(found, node.attributes_for("resource", [found.id])[found.id])


@router.get("/resources/{ref}/history", dependencies=[viewer])
def history(ref: str, node: NodeDep) -> list[EventOut]:
    """Every event that touched the resource, in ledger order."""
    with lookup():
        return [EventOut.of(e) for e in node.history(ref)]


@router.get("/resources/{ref}/trace", dependencies=[viewer])
def trace(ref: str, node: NodeDep) -> list[StepOut]:
    """Where the resource came from: back through events and processes, one step a row with its depth."""
    with lookup():
        return [StepOut.of(s) for s in node.trace(ref)]


@router.get("/resources/{ref}/track", dependencies=[viewer])
def track(ref: str, node: NodeDep) -> list[StepOut]:
    """Where the resource went: forward through events and processes."""
    with lookup():
        return [StepOut.of(s) for s in node.track(ref)]
