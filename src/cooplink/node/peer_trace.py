"""What a peer may read of this node's trails, each only with its grant (`cooplink peer grant PEER trace|track`):

- ``trace``: where a resource this node transferred to the peer came from (the peer is a customer);
- ``track``: where goods the peer transferred to this node went from here, and to whom this node handed them on
  (the peer is a supplier, recalling a lot).

Steps are given in a small JSON form (ids, what the goods were, lots and tracking ids, actions, quantities and times,
process names; for track, who received what this node handed on), not the full records: a peer learns the trail,
not this node's stock or notes."""

from cooplink.ledger import federation, shared
from cooplink.ledger.repository import Ledger
from cooplink.vf.errors import VFError
from cooplink.vf.trace import Step, trace, track

TRACE, TRACK = "trace", "track"


class NotShared(VFError):
    """A peer asked for something this node does not share with it (answered 403, with the reason)."""


def trace_for_peer(node, peer: str, resource: str) -> list[dict]:
    """The backwards trace of a resource this node transferred to ``peer``, up to that transfer."""
    peer = peer.rstrip("/")
    with node.reading() as ledger:
        _check_grant(node, ledger, peer, TRACE)
        transferred = shared.last_transfer_of(ledger, resource, node.agent_id, peer)
        if transferred is None:
            raise NotShared("resource", f"{resource} is not a resource {node.agent_id} transferred to {peer}")
        return [step_json(ledger, step) for step in trace(ledger, resource, before=transferred)]


def track_for_peer(node, peer: str, event_id: str) -> list[dict]:
    """The forward track of what ``peer`` transferred to this node by ``event_id`` (recorded here under the peer's
    id), from the resource it went into, from that moment on."""
    peer = peer.rstrip("/")
    with node.reading() as ledger:
        _check_grant(node, ledger, peer, TRACK)
        event = ledger.event(event_id)
        if event is None or event.action not in shared.TRANSFERS or event.provider != peer \
                or event.receiver != node.agent_id or not event.to_resource_inventoried_as:
            raise NotShared("event", f"{event_id} is not a transfer from {peer} to {node.agent_id} recorded here")
        steps = track(ledger, event.to_resource_inventoried_as, after=event.seq)
        return [step_json(ledger, step, parties=True) for step in steps]


def _check_grant(node, ledger: Ledger, peer: str, scope: str) -> None:
    if not shared.has_grant(ledger, peer, scope):
        raise NotShared("grant", f"{node.agent_id} has not granted {peer} the {scope!r} scope")


def agent_name(ledger: Ledger, agent_id: str | None) -> str | None:
    """An agent's name as this node knows it: an agent of its ledger, or a peer."""
    agent = ledger.agent(agent_id) if agent_id else None
    peer = federation.peer(ledger, agent_id) if agent_id and agent is None else None
    return agent.name if agent else (peer.name if peer else None)


def step_json(ledger: Ledger, step: Step, parties: bool = False) -> dict:
    """A step as a peer sees it; with ``parties``, an event's provider and receiver (and the receiver's name)."""
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
        if parties:
            shown.update(provider=item.provider, receiver=item.receiver,
                         receiver_name=agent_name(ledger, item.receiver))
    elif step.kind == "process":
        shown.update(name=item.name)
    return shown
