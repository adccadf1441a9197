"""Track and trace (VF's algorithm): follow the flows of resources through events and processes.

``trace`` walks backwards from a resource to where it came from; ``track`` walks forwards to where it went.
At each resource only events before (trace) or after (track) the event we arrived by are followed, in event id
order, so a resource that goes into a process and comes out again (accept/modify, pickup/dropoff) is not looped
through. Paired actions are followed only for the same resource: tracking a pickup of one parcel reaches its own
dropoff, not the other parcels in the truck. A separated resource is traced through its own history, not through
everything its container held.
The ledger is reached through the small ``FlowGraph`` protocol, so this module does no I/O of its own.
"""

from dataclasses import dataclass
from typing import Protocol

from cooplink.vf.actions import NA, action_named
from cooplink.vf.model import EconomicEvent, EconomicResource, Process


class FlowGraph(Protocol):
    def resource(self, resource_id: str) -> EconomicResource | None: ...
    def process(self, process_id: str) -> Process | None: ...
    def events_touching(self, resource_id: str, after: int | None, before: int | None) -> list[EconomicEvent]:
        """Events naming the resource (as resource or to-resource) with after < seq < before, in seq order."""
    def process_inputs(self, process_id: str) -> list[EconomicEvent]: ...
    def process_outputs(self, process_id: str) -> list[EconomicEvent]: ...


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """A resource the flow reaches that this ledger does not hold (another agent's, on another node)."""

    id: str


@dataclass(frozen=True, slots=True)
class Step:
    depth: int
    kind: str  # resource | event | process | elsewhere
    item: EconomicResource | EconomicEvent | Process | Elsewhere

    @property
    def id(self) -> str:
        return self.item.id


def flows_into(event: EconomicEvent, resource_id: str) -> bool:
    """The event added to the resource: it is the to-resource, or the event is an output or an increase of it."""
    action = action_named(event.action)
    if event.to_resource_inventoried_as == resource_id:
        return _fills(action)
    return event.resource_inventoried_as == resource_id and (
        action.can_be_output or action.onhand_effect == "increment" or action.accounting_effect == "increment")


def _fills(action) -> bool:
    """The to-resource receives what the event takes from its resource: a transfer's or move's target, or the
    container a combine packs it into (track goes item -> container, so trace must come back the same way)."""
    return action.has_to_resource or action.contained_effect == "update"


def flows_out_of(event: EconomicEvent, resource_id: str) -> bool:
    """The event took from the resource: an input to a process, a transfer away, or a decrease."""
    action = action_named(event.action)
    return event.resource_inventoried_as == resource_id and (
        action.can_be_input or action.has_to_resource or action.accounting_effect == "decrement")


class _Walk:
    def __init__(self, graph: FlowGraph):
        self.graph = graph
        self.steps: list[Step] = []
        self.seen: set[tuple[str, str]] = set()
        self.bounds: dict[str, int | None] = {}  # per resource: how far its events have been followed

    def emit(self, depth: int, kind: str, item) -> bool:
        if item is None or (kind, item.id) in self.seen:
            return False
        self.seen.add((kind, item.id))
        self.steps.append(Step(depth, kind, item))
        return True

    def reach(self, resource_id: str, depth: int) -> bool:
        """Show the resource; False when it lies in another ledger, where this walk cannot follow it."""
        resource = self.graph.resource(resource_id)
        if resource is None:
            self.emit(depth, "elsewhere", Elsewhere(resource_id))
            return False
        self.emit(depth, "resource", resource)
        return True


class _Trace(_Walk):
    def resource(self, resource_id: str, before: int | None, depth: int) -> None:
        if not self.reach(resource_id, depth):
            return
        if resource_id not in self.bounds:
            after = None
        else:  # seen before: follow only the events up to `before` not yet followed
            done = self.bounds[resource_id]
            if done is None or (before is not None and before <= done):
                return
            after = done - 1
        self.bounds[resource_id] = before
        for event in reversed(self.graph.events_touching(resource_id, after=after, before=before)):
            if flows_into(event, resource_id):
                self.event(event, resource_id, depth + 1)

    def event(self, event: EconomicEvent, resource_id: str, depth: int) -> None:
        if not self.emit(depth, "event", event):
            return
        if event.output_of:
            self.process(event, depth + 1)
        elif event.to_resource_inventoried_as == resource_id and event.resource_inventoried_as:
            self.resource(event.resource_inventoried_as, event.seq, depth + 1)

    def process(self, output: EconomicEvent, depth: int) -> None:
        action = action_named(output.action)
        if action.contained_effect == "remove":  # separated from a container: its own history, not the container's
            self.resource(output.resource_inventoried_as, output.seq, depth)
            return
        if not self.emit(depth, "process", self.graph.process(output.output_of)):
            return
        for event in self.graph.process_inputs(output.output_of):
            if _belongs_back(event, output, action) and self.emit(depth + 1, "event", event):
                if event.resource_inventoried_as:
                    self.resource(event.resource_inventoried_as, event.seq, depth + 2)


def _belongs_back(input_event: EconomicEvent, output: EconomicEvent, output_action) -> bool:
    """Which inputs made this output: for a paired output only its own resource's pair, never other cargo."""
    input_action = action_named(input_event.action)
    if input_action.pairs_with != NA:
        return output_action.pairs_with == input_action.name and \
            input_event.resource_inventoried_as == output.resource_inventoried_as
    return True


class _Track(_Walk):
    def resource(self, resource_id: str, after: int | None, depth: int) -> None:
        if not self.reach(resource_id, depth):
            return
        if resource_id not in self.bounds:
            before = None
        else:  # seen before: follow only the events from `after` not yet followed
            done = self.bounds[resource_id]
            if done is None or (after is not None and after >= done):
                return
            before = done + 1
        self.bounds[resource_id] = after
        for event in self.graph.events_touching(resource_id, after=after, before=before):
            if flows_out_of(event, resource_id):
                self.event(event, resource_id, depth + 1)

    def event(self, event: EconomicEvent, resource_id: str, depth: int) -> None:
        if not self.emit(depth, "event", event):
            return
        if event.input_of:
            self.process(event, depth + 1)
        if event.to_resource_inventoried_as:  # a combine may be both: an input of packing, into its container
            self.resource(event.to_resource_inventoried_as, event.seq, depth + 1)

    def process(self, input_event: EconomicEvent, depth: int) -> None:
        if not self.emit(depth, "process", self.graph.process(input_event.input_of)):
            return
        action = action_named(input_event.action)
        for event in self.graph.process_outputs(input_event.input_of):
            if _belongs_forward(event, input_event, action) and self.emit(depth + 1, "event", event):
                if event.resource_inventoried_as:
                    self.resource(event.resource_inventoried_as, event.seq, depth + 2)


def _belongs_forward(output: EconomicEvent, input_event: EconomicEvent, input_action) -> bool:
    """A picked-up or accepted resource comes out as itself (or as the contents it held), not as other outputs."""
    if input_action.pairs_with == NA:
        return True
    output_action = action_named(output.action)
    if output_action.contained_effect == "remove":
        return True
    return output_action.name == input_action.pairs_with and \
        output.resource_inventoried_as == input_event.resource_inventoried_as


def trace(graph: FlowGraph, resource_id: str, before: int | None = None) -> list[Step]:
    """Backwards from a resource to every resource, event and process it came from (only through events before
    the event with seq ``before``, when given: where goods came from up to the moment they left)."""
    walk = _Trace(graph)
    walk.resource(resource_id, before, 0)
    return walk.steps


def track(graph: FlowGraph, resource_id: str, after: int | None = None) -> list[Step]:
    """Forwards from a resource to every event, process and resource it went into (only through events after
    the event with seq ``after``, when given: what happened to goods from the moment they arrived)."""
    walk = _Track(graph)
    walk.resource(resource_id, after, 0)
    return walk.steps
