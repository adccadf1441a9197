"""What a peer may read of this node's trace: where a resource this node transferred to it came from, and only when
the peer holds the ``trace`` grant (`cooplink peer grant PEER trace`). Steps are given in a small JSON form (ids,
what the goods were, lots and tracking ids, actions, quantities and times, process names), not the full records:
a peer learns the trail, not this node's stock or notes."""

from cooplink.ledger import shared
from cooplink.ledger.repository import Ledger
from cooplink.vf.errors import VFError
from cooplink.vf.trace import Step, trace

TRACE = "trace"


class NotShared(VFError):
    """A peer asked for something this node does not share with it (answered 403, with the reason)."""


def trace_for_peer(node, peer: str, resource: str) -> list[dict]:
    """The backwards trace of a resource this node transferred to ``peer``, up to that transfer."""
    peer = peer.rstrip("/")
    with node.reading() as ledger:
        if not shared.has_grant(ledger, peer, TRACE):
            raise NotShared("grant", f"{node.agent_id} has not granted {peer} the {TRACE!r} scope")
        transferred = shared.last_transfer_of(ledger, resource, node.agent_id, peer)
        if transferred is None:
            raise NotShared("resource", f"{resource} is not a resource {node.agent_id} transferred to {peer}")
        return [step_json(ledger, step) for step in trace(ledger, resource, before=transferred)]


def step_json(ledger: Ledger, step: Step) -> dict:
    shown = {"depth": step.depth, "kind": step.kind, "id": step.id}
    item = step.item
    if step.kind == "resource":
        spec = ledger.spec(item.conforms_to)
        shown.update(spec=spec.name if spec else item.conforms_to, tracking_id=item.tracking_identifier,
                     lot=item.lot and item.lot.batch_lot_code)
    elif step.kind == "event":
        measure = item.resource_quantity or item.effort_quantity
        shown.update(action=item.action, time=item.has_point_in_time and item.has_point_in_time.isoformat(),
                     quantity=measure and {"hasNumericalValue": str(measure.value), "hasUnit": measure.unit.name})
    elif step.kind == "process":
        shown.update(name=item.name)
    return shown
