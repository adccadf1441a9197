"""The recall report: every customer who received any part of a lot, directly or inside products made from it.

On this node, the core's ``track`` follows the lot forwards through events and processes. Each event that hands
goods to another agent (a transfer of rights or custody to a receiver that is not this node) names a customer.
When the customer keeps a node we can read, it recorded the same event id on receipt: its to-resource there is
where the goods went, and tracking carries on in that ledger from the receipt onwards.
"""

from dataclasses import dataclass, field

from cooplink.modules import VFError
from cooplink.vf.actions import action_named
from cooplink.vf.trace import Step, track


@dataclass(frozen=True)
class Hop:
    """One step of the way from the lot to a customer, in the ledger of the node that records it."""

    node: str  # the name of the node whose ledger holds this step
    kind: str  # resource | event | process | elsewhere
    id: str
    label: str


@dataclass(frozen=True)
class Receipt:
    """What a customer received: the handing-over event, as the giving node records it."""

    event: str
    action: str
    quantity: str | None
    resource: str  # the resource the goods were taken from
    lot: str | None  # that resource's lot code
    given_by: str  # the agent that handed it over
    path: tuple[Hop, ...]


@dataclass
class Customer:
    agent: str
    name: str | None
    received: list[Receipt] = field(default_factory=list)
    followed: bool = False  # the customer's own node was read to follow the goods further
    note: str = ""  # why it was not, when it was not


@dataclass
class RecallReport:
    lot: str  # as asked
    resources: list[str]  # the resources of this node that carry it
    customers: list[Customer]

    def customer(self, agent: str) -> Customer | None:
        return next((c for c in self.customers if c.agent == agent), None)


def recall(node, lot: str, peers: dict | None = None) -> RecallReport:
    """Every customer who received part of the lot (a lot code, tracking id or resource of ``node``). ``peers``
    are the other nodes that can be read, by agent IRI: the goods are followed onto them."""
    with node.reading() as ledger:
        starts = lot_resources(node, ledger, lot)
    walk = _Recall({**(peers or {}), node.agent_id: node})
    for resource_id in starts:
        walk.follow(node, resource_id, None, ())
    return RecallReport(lot=lot, resources=starts, customers=list(walk.customers.values()))


def lot_resources(node, ledger, ref: str) -> list[str]:
    """The resources a lot names: all those carrying the lot code (sold-out ones too), else the one resource the
    reference names by tracking id or id."""
    found = ledger.find_resources(lot_code=ref)
    if found:
        return [r.id for r in found]
    try:
        return [node.resource_iri(ledger, ref, "lot")]
    except VFError:
        raise VFError("lot", f"no lot, tracking id or resource {ref!r} on this node") from None


class _Recall:
    def __init__(self, nodes: dict):
        self.nodes = nodes  # agent IRI -> the node that agent keeps
        self.customers: dict[str, Customer] = {}
        self.seen: set[tuple[str, str]] = set()  # (node, resource): never walked twice, even if goods come back

    def follow(self, node, resource_id: str, after: int | None, path: tuple[Hop, ...]) -> None:
        if (node.agent_id, resource_id) in self.seen:
            return
        self.seen.add((node.agent_id, resource_id))
        with node.reading() as ledger:
            steps = track(ledger, resource_id, after)
            receipts = [self._receipt(node, ledger, steps, i, path) for i, step in enumerate(steps)
                        if _hands_over(step, node.agent_id)]
        for receipt, customer in receipts:
            self._carry_on(customer, receipt)

    def _receipt(self, node, ledger, steps: list[Step], index: int, path) -> tuple[Receipt, Customer]:
        event = steps[index].item
        source = ledger.resource(event.resource_inventoried_as) if event.resource_inventoried_as else None
        receipt = Receipt(event=event.id, action=event.action,
                          quantity=str(event.resource_quantity) if event.resource_quantity else None,
                          resource=event.resource_inventoried_as, lot=source.lot.batch_lot_code
                          if source and source.lot else None, given_by=node.agent_id,
                          path=path + tuple(_hop(node, ledger, s) for s in _way_to(steps, index)))
        customer = self.customers.setdefault(event.receiver, Customer(event.receiver, self._name(ledger, event)))
        if all(r.event != receipt.event for r in customer.received):
            customer.received.append(receipt)
        return receipt, customer

    def _name(self, ledger, event) -> str | None:
        agent = ledger.agent(event.receiver)
        peer = self.nodes.get(event.receiver)
        return agent.name if agent else (peer.name if peer else None)

    def _carry_on(self, customer: Customer, receipt: Receipt) -> None:
        """Onto the customer's node, from the same event: its to-resource there is where the goods went."""
        peer = self.nodes.get(customer.agent)
        if peer is None:
            customer.note = customer.note or "no node of theirs to read (--peer)"
            return
        with peer.reading() as ledger:
            arrived = ledger.event(receipt.event)
        if arrived is None or not arrived.to_resource_inventoried_as:
            customer.note = customer.note or f"their node has not recorded receiving event {receipt.event}"
            return
        customer.followed, customer.note = True, ""
        self.follow(peer, arrived.to_resource_inventoried_as, arrived.seq, receipt.path)


def _hands_over(step: Step, agent: str) -> bool:
    """An event that passes goods (rights or custody) from this ledger to another agent."""
    return step.kind == "event" and action_named(step.item.action).has_to_resource and step.item.receiver != agent


def _way_to(steps: list[Step], index: int) -> list[Step]:
    """The steps from the start of the walk to this one: track lists them depth first, so each step's parent is
    the nearest step before it one level up."""
    way, depth = [steps[index]], steps[index].depth
    for step in reversed(steps[:index]):
        if step.depth == depth - 1:
            way.append(step)
            depth -= 1
    return way[::-1]


def _hop(node, ledger, step: Step) -> Hop:
    item = step.item
    if step.kind == "resource":
        label = f"{item.name or item.id.rsplit('/', 1)[-1]}" + (f" lot {item.lot.batch_lot_code}" if item.lot else "")
    elif step.kind == "event":
        label = f"{item.action} {item.resource_quantity or ''}".strip()
        if item.receiver != node.agent_id:
            agent = ledger.agent(item.receiver)
            label += f" to {agent.name if agent else item.receiver}"
    elif step.kind == "process":
        label = f"process {item.name!r}"
    else:
        label = f"into {item.id} (another ledger)"
    return Hop(node=node.name, kind=step.kind, id=item.id, label=label)
