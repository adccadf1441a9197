"""The recall report: every customer who received any part of a lot, directly or inside products made from it.

On this node, the core's ``track`` follows the lot forwards through events and processes. Each event that hands
goods to another agent (a transfer of rights or custody to a receiver that is not this node) names a customer.
When the customer keeps a node we can read, it recorded the same event id on receipt: its to-resource there is
where the goods went, and tracking carries on in that ledger from the receipt onwards. A customer's node is read
either from its data folder on this machine (``peers``), or over the network (``across``): the customer is a
linked peer that granted this node ``track``, and its node answers GET /peer/track, asking its own customers in
turn (each under the grant it holds); their answers come back nested, and name the customers further down.
"""

from dataclasses import dataclass, field

from cooplink.link import peer_reads
from cooplink.modules import VFError
from cooplink.node.peer_trace import agent_name
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


def recall(node, lot: str, peers: dict | None = None, across: bool = False) -> RecallReport:
    """Every customer who received part of the lot (a lot code, tracking id or resource of ``node``). ``peers``
    are the other nodes that can be read, by agent IRI: the goods are followed onto them. With ``across``, the
    goods are also followed onto linked peers' nodes over the network, where they grant it."""
    with node.reading() as ledger:
        starts = lot_resources(node, ledger, lot)
    walk = _Recall({**(peers or {}), node.agent_id: node}, node if across else None)
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
    def __init__(self, nodes: dict, asker=None):
        self.nodes = nodes  # agent IRI -> the node that agent keeps
        self.asker = asker  # the node that asks its linked peers over the network (--across), if any
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
        peer = self.nodes.get(event.receiver)
        return agent_name(ledger, event.receiver) or (peer.name if peer else None)

    def _carry_on(self, customer: Customer, receipt: Receipt) -> None:
        """Onto the customer's node, from the same event: its to-resource there is where the goods went."""
        peer = self.nodes.get(customer.agent)
        if peer is None:
            if not self._ask(customer, receipt):
                customer.note = customer.note or "no node of theirs to read (--peer, or --across when linked)"
            return
        with peer.reading() as ledger:
            arrived = ledger.event(receipt.event)
        if arrived is None or not arrived.to_resource_inventoried_as:
            customer.note = customer.note or f"their node has not recorded receiving event {receipt.event}"
            return
        customer.followed, customer.note = True, ""
        self.follow(peer, arrived.to_resource_inventoried_as, arrived.seq, receipt.path)


    def _ask(self, customer: Customer, receipt: Receipt) -> bool:
        """Over the network: only this node asks, and only its own linked peers; False when the customer is none."""
        if self.asker is None or receipt.given_by != self.asker.agent_id:
            return False
        peer = peer_reads.peer_at(self.asker, peer_reads.DOWNSTREAM, customer.agent)
        if peer is None:
            return False
        answer = peer_reads.ask(self.asker, peer_reads.DOWNSTREAM, peer, receipt.event, hops=peer_reads.MAX_HOPS)
        self._answered(customer, answer.as_json(), receipt.path)
        return True

    def _answered(self, customer: Customer, answer: dict, path: tuple[Hop, ...]) -> None:
        """A customer's node's answer (steps as GET /peer/track gives them): the customers it handed the goods to,
        and, nested, what their nodes answered in turn."""
        if answer["reason"] is not None:
            customer.note = customer.note or answer["reason"]
            return
        customer.followed, customer.note = True, ""
        holder, steps = answer["peer"], answer["steps"]
        for index, step in enumerate(steps):
            receiver = step.get("receiver")
            if step.get("kind") != "event" or not isinstance(receiver, str) or receiver == holder:
                continue
            way = _way_to(steps, index, lambda s: s.get("depth", 0))
            source = next((s for s in reversed(way) if s.get("kind") == "resource"), {})
            receipt = Receipt(event=str(step.get("id")), action=str(step.get("action")),
                              quantity=_quantity(step.get("quantity")), resource=source.get("id"),
                              lot=source.get("lot"), given_by=holder,
                              path=path + tuple(_told_hop(answer["name"], s) for s in way))
            further = self.customers.setdefault(receiver, Customer(receiver, step.get("receiver_name")))
            if all(r.event != receipt.event for r in further.received):
                further.received.append(receipt)
            if isinstance(step.get("across"), dict):
                self._answered(further, step["across"], receipt.path)
            elif not further.followed:
                further.note = further.note or f"{answer['name']} did not follow it further"


def _quantity(value) -> str | None:
    if not isinstance(value, dict):
        return None
    return " ".join(str(value[k]) for k in ("hasNumericalValue", "hasUnit") if k in value) or None


def _told_hop(node_name: str, step: dict) -> Hop:
    """A step another node told of, labelled as _hop labels this node's own."""
    kind = str(step.get("kind"))
    if kind == "resource":
        label = str(step.get("spec") or step.get("id")) + (f" lot {step['lot']}" if step.get("lot") else "")
    elif kind == "event":
        label = f"{step.get('action')} {_quantity(step.get('quantity')) or ''}".strip()
        if step.get("receiver") and step.get("receiver") != step.get("provider"):
            label += f" to {step.get('receiver_name') or step['receiver']}"
    elif kind == "process":
        label = f"process {step.get('name')!r}"
    else:
        label = f"into {step.get('id')} (another ledger)"
    return Hop(node=node_name, kind=kind, id=str(step.get("id")), label=label)


def _hands_over(step: Step, agent: str) -> bool:
    """An event that passes goods (rights or custody) from this ledger to another agent."""
    return step.kind == "event" and action_named(step.item.action).has_to_resource and step.item.receiver != agent


def _way_to(steps: list, index: int, depth_of=lambda step: step.depth) -> list:
    """The steps from the start of the walk to this one: track lists them depth first, so each step's parent is
    the nearest step before it one level up."""
    way, depth = [steps[index]], depth_of(steps[index])
    for step in reversed(steps[:index]):
        if depth_of(step) == depth - 1:
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
