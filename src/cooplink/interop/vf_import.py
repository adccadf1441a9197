"""Importing a VF 1.0 document into a node: all of it in one transaction, or nothing.

Every event goes through ``Node.apply``, so the core's own checks (actions, units, quantities, stock) refuse bad
input exactly as they do at the command line. What a file says about a resource is read as follows:

- A resource snapshot met before anything created the resource is its opening state: a ``raise`` of its quantity
  (noted "opening balance (import)") by its primaryAccountable, else by the provider of the first event that takes
  from it, else by a placeholder agent. When its onhand and accounting quantities differ, the difference leaves by
  a ``transferCustody`` or ``transferAllRights`` to that placeholder, so both quantities open as stated.
- A later snapshot of the same @id is what the ledger must hold at that point; if it does not, the import is refused.
- A produce/raise naming a resource nobody created yet creates it (with the resource's own @id), and so does a
  transfer or move to a to-resource that does not exist yet.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal

from cooplink.interop.vf_read import Reading, Snapshot, Step, currency_name, read_document
from cooplink.ledger.repository import Ledger
from cooplink.vf.actions import Action, action_named
from cooplink.vf.errors import VFError
from cooplink.vf.model import (Agent, EconomicEvent, EconomicResource, NewResource, ProcessSpecification,
                               ResourceSpecification)
from cooplink.vf.units import Measure, plain

OPENING = "opening balance (import)"
UNKNOWN_AGENT = "urn:cooplink:agent:unknown"
HELD_BY = "urn:cooplink:held-by:"


@dataclass
class ImportReport:
    """What an import created (counts per kind) and what it could not keep or had to guess (warnings)."""

    agents: int = 0
    resource_specifications: int = 0
    process_specifications: int = 0
    processes: int = 0
    resources: int = 0
    events: int = 0
    snapshots_checked: int = 0
    skipped: int = 0  # objects the ledger keeps no table for yet (Agreements, Commitments, Claims...)
    warnings: list[str] = field(default_factory=list)


def import_document(node, document) -> ImportReport:
    """Import a parsed VF document into ``node`` in one transaction; any problem raises VFError, writing nothing."""
    reading = read_document(document)
    with node.writing() as ledger:
        report = _Import(node, ledger, reading).run()
    return report


def held_elsewhere(resource_id: str, agent: str) -> str:
    """The IRI we give an agent's side of a resource this ledger holds, when a file names only our side."""
    return f"{HELD_BY}{agent}:{resource_id}"


class _Import:
    def __init__(self, node, ledger: Ledger, reading: Reading):
        self.node, self.ledger, self.reading = node, ledger, reading
        self.report = ImportReport()
        self.warn = reading.warnings.add
        self.agents: set[str] = set()
        self.specs: set[str] = set()
        self.takers = _first_takers(reading.steps)

    def run(self) -> ImportReport:
        self._declared()
        for step in self.reading.steps:
            with _about(step):
                if step.kind == "snapshot":
                    self._snapshot(step.item)
                else:
                    self._event(step.item)
        self._finish_processes()
        self.report.skipped = sum(self.reading.skipped.values())
        self.report.warnings = self.reading.warnings.as_list()
        return self.report

    # what the document declares ------------------------------------------------------------------------------------
    def _declared(self) -> None:
        for agent in self.reading.agents.values():
            self._agent(agent.id, agent)
        for spec in self.reading.process_specs.values():
            self._process_spec(spec.id, spec)
        for spec in self.reading.specs.values():
            self._spec(spec.id, spec)
        for process in self.reading.processes.values():
            if process.based_on:
                self._process_spec(process.based_on)
            if self.ledger.process(process.id) is not None:
                self.warn(f"process {process.id} was already in this ledger: the file's events are added to it")
                continue
            self.ledger.add_process(replace(process, finished=False))  # finished once its events are in
            self.report.processes += 1

    def _finish_processes(self) -> None:
        for process in self.reading.processes.values():
            held = self.ledger.process(process.id)
            if process.finished and not held.finished:
                self.ledger.update_process(replace(held, finished=True, has_end=process.has_end or held.has_end))

    def _agent(self, iri: str, declared: Agent | None = None) -> None:
        if iri in self.agents:
            return
        self.agents.add(iri)
        if self.ledger.agent(iri) is not None:
            return
        if declared is None:
            name = "unknown agent (VF import)" if iri == UNKNOWN_AGENT else iri
            declared = Agent(id=iri, name=name, kind="Organization")
            self.warn(f"agent {iri} is only referenced: created as an Organization named after its IRI"
                      if iri != UNKNOWN_AGENT else f"agent {iri} stands for whoever the file does not name")
        self.ledger.add_agent(declared)
        self.report.agents += 1

    def _spec(self, iri: str, declared: ResourceSpecification | None = None) -> str:
        if iri in self.specs:
            return iri
        self.specs.add(iri)
        if self.ledger.spec(iri) is not None:
            return iri
        if declared is None:
            currency = currency_name(iri)
            declared = ResourceSpecification(id=iri, name=currency or iri, medium_of_exchange=currency is not None)
            self.warn(f"resource specification {iri} is only referenced: created, named "
                      + (f"{currency!r} (a currency)" if currency else "after its IRI"))
        self.ledger.add_spec(declared)
        self.report.resource_specifications += 1
        return iri

    def _process_spec(self, iri: str, declared: ProcessSpecification | None = None) -> None:
        if self.ledger.process_spec(iri) is not None:
            return
        if declared is None:
            declared = ProcessSpecification(id=iri, name=iri)
            self.warn(f"process specification {iri} is only referenced: created, named after its IRI")
        self.ledger.add_process_spec(declared)
        self.report.process_specifications += 1

    def _own_spec(self, resource_id: str) -> str:
        """A specification for a resource whose file names none (every resource conforms to one here)."""
        snapshot = self.reading.first_snapshot(resource_id)
        name = (snapshot and (snapshot.name or snapshot.note)) or resource_id
        spec = ResourceSpecification(id=self.node.new_iri("specs"), name=name,
                                     note=f"made by a VF import for {resource_id}, which names no conformsTo")
        self.warn(f"resource {resource_id} names no conformsTo: specification {spec.id} ({name!r}) made for it")
        return self._spec(spec.id, spec)

    # snapshots --------------------------------------------------------------------------------------------------
    def _snapshot(self, snapshot: Snapshot) -> None:
        held = self.ledger.resource(snapshot.id)
        if held is None:
            self._open(snapshot)
        else:
            self._check(snapshot, held)

    def _open(self, snapshot: Snapshot) -> None:
        accounting, onhand = _both_quantities(snapshot)
        if accounting is None:
            self.warn(f"resource {snapshot.id} states no quantity: left for an event to create")
            return
        top = max(accounting.value, onhand.value)
        if top == 0:
            return  # nothing to open with; an event that brings something in creates it
        owner = snapshot.primary_accountable or self.takers.get(snapshot.id) or UNKNOWN_AGENT
        self._agent(owner)
        spec = self._spec(snapshot.conforms_to) if snapshot.conforms_to else self._own_spec(snapshot.id)
        new = NewResource(id=snapshot.id, name=snapshot.name, tracking_identifier=snapshot.tracking_identifier,
                          lot=snapshot.lot, note=snapshot.note)
        self._opening("raise", snapshot, owner, owner, top, accounting.unit, spec=spec, new=new,
                      state=snapshot.state)
        self.report.resources += 1
        for action, quantity in (("transferCustody", onhand.value), ("transferAllRights", accounting.value)):
            if quantity < top:  # part of it is in someone else's custody, or rights
                self._agent(UNKNOWN_AGENT)
                self._opening(action, snapshot, owner, UNKNOWN_AGENT, top - quantity, accounting.unit)
        for name, term in (("current_location", "currentLocation"), ("contained_in", "containedIn"),
                           ("stage", "stage")):
            if getattr(snapshot, name):
                self.warn(f"an opening state's {term} is not recorded: no event that opens a balance sets it")

    def _opening(self, action, snapshot, provider, receiver, quantity, unit, spec=None, new=None, state=None):
        self._apply(EconomicEvent(
            id=self.node.new_iri("events"), action=action, provider=provider, receiver=receiver,
            resource_inventoried_as=snapshot.id, resource_conforms_to=spec, new_resource=new, state=state,
            resource_quantity=Measure(quantity, unit), note=OPENING))

    def _check(self, snapshot: Snapshot, held: EconomicResource) -> None:
        for name, measure, balance in (("accountingQuantity", snapshot.accounting, held.accounting_quantity),
                                       ("onhandQuantity", snapshot.onhand, held.onhand_quantity)):
            if measure is not None and measure.to(held.unit, name).value != balance:
                raise VFError(name, f"the file says {measure} here, but the events before this point leave "
                                    f"{plain(balance)} {held.unit.name}")
        for name, stated, actual in (("primaryAccountable", snapshot.primary_accountable, held.primary_accountable),
                                     ("conformsTo", snapshot.conforms_to, held.conforms_to)):
            if stated and stated != actual:
                raise VFError(name, f"the file says {stated} here, the ledger has {actual}")
        self.report.snapshots_checked += 1

    # events -----------------------------------------------------------------------------------------------------
    def _event(self, draft: EconomicEvent) -> None:
        if self.ledger.event(draft.id) is not None:
            raise VFError("@id", f"event {draft.id} is already in this ledger")
        event = self._resolve(draft, action_named(draft.action))
        self._agent(event.provider)
        self._agent(event.receiver)
        self._apply(event)
        self.report.events += 1

    def _resolve(self, event: EconomicEvent, action: Action) -> EconomicEvent:
        """The event as the core records it: which resource it creates, and which side of a flow is ours."""
        source_id, to_id = event.resource_inventoried_as, event.to_resource_inventoried_as
        source = self.ledger.resource(source_id) if source_id else None
        if source_id and source is None and _creates_own(action):
            return self._creating(event)
        spec = event.resource_conforms_to
        if source_id and spec:  # VF allows both; the core keeps the resource's own specification
            event = self._one_specification(event, source)
        if source is not None and _comes_back(event, action, source):
            event = self._coming_back(event)
        elif to_id and action.has_to_resource and self.ledger.resource(to_id) is None:
            event = self._creating_to(event, source, spec)
        elif source_id and source is None and action.has_to_resource and not source_id.startswith(HELD_BY):
            self.warn(f"{action.name} from a resource this ledger does not hold: read as another agent's resource")
        if event.resource_conforms_to:
            self._spec(event.resource_conforms_to)
        return event

    def _creating(self, event: EconomicEvent) -> EconomicEvent:
        """A produce or raise that brings its resource into being."""
        resource_id = event.resource_inventoried_as
        snapshot = self.reading.first_snapshot(resource_id) or Snapshot(resource_id, "")
        spec = event.resource_conforms_to or snapshot.conforms_to
        spec = self._spec(spec) if spec else self._own_spec(resource_id)
        self.report.resources += 1
        return replace(event, resource_conforms_to=spec, new_resource=NewResource(
            id=resource_id, name=snapshot.name, tracking_identifier=snapshot.tracking_identifier, lot=snapshot.lot,
            note=snapshot.note))

    def _creating_to(self, event: EconomicEvent, source: EconomicResource | None, spec: str | None):
        """A transfer or move into a to-resource nobody created yet: the event creates it."""
        to_id = event.to_resource_inventoried_as
        snapshot = self.reading.first_snapshot(to_id) or Snapshot(to_id, "")
        conforms_to = snapshot.conforms_to or spec
        if conforms_to:
            self._spec(conforms_to)
        if source is not None and conforms_to == source.conforms_to:
            conforms_to = None  # like its source
        self.report.resources += 1
        return replace(event, new_resource=NewResource(
            id=to_id, name=snapshot.name, tracking_identifier=snapshot.tracking_identifier, lot=snapshot.lot,
            note=snapshot.note, conforms_to=conforms_to))

    def _one_specification(self, event: EconomicEvent, source: EconomicResource | None) -> EconomicEvent:
        spec = event.resource_conforms_to
        if source is not None and source.conforms_to != spec:
            raise VFError("resourceConformsTo", f"{spec}, but its resource {source.id} conforms to "
                                                f"{source.conforms_to}")
        self.warn("an event names both resourceInventoriedAs and resourceConformsTo: the resource is kept, and "
                  "its specification stands for it" if source is not None else
                  "an event names both resourceInventoriedAs (a resource outside this ledger) and "
                  "resourceConformsTo: the resource is kept, the specification dropped")
        return replace(event, resource_conforms_to=None)

    def _coming_back(self, event: EconomicEvent) -> EconomicEvent:
        resource_id = event.resource_inventoried_as
        self.warn(f"{event.action} of a resource to its own primaryAccountable: read as coming back into it "
                  "(toResourceInventoriedAs) from the provider's side, which lives outside this ledger")
        return replace(event, resource_inventoried_as=held_elsewhere(resource_id, event.provider),
                       to_resource_inventoried_as=resource_id)

    def _apply(self, event: EconomicEvent) -> None:
        self.node.apply(self.ledger, event)


def _creates_own(action: Action) -> bool:
    return action.create_resource == "optional" and action.accounting_effect == "increment"


def _comes_back(event: EconomicEvent, action: Action, source: EconomicResource) -> bool:
    """VF's resourceInventoriedAs is the provider's resource. A file that names the receiver's own resource there
    (the library's book, returned by the borrower) means the flow goes into it."""
    return (action.has_to_resource and not event.to_resource_inventoried_as
            and source.primary_accountable == event.receiver != event.provider)


def _both_quantities(snapshot: Snapshot) -> tuple[Measure | None, Measure | None]:
    """Accounting and onhand quantities in one unit; one stated stands for both."""
    accounting, onhand = snapshot.accounting, snapshot.onhand
    if accounting is None and onhand is None:
        return None, None
    unit = (accounting or onhand).unit
    accounting = accounting or onhand
    onhand = (onhand or accounting).to(unit, "onhandQuantity")
    for name, measure in (("accountingQuantity", accounting), ("onhandQuantity", onhand)):
        if measure.value < Decimal(0):
            raise VFError(name, f"an opening quantity cannot be negative ({measure})")
    return accounting, onhand


def _first_takers(steps: list[Step]) -> dict[str, str]:
    """For each resource, the provider of the first event that names it: who holds it when the file begins."""
    takers: dict[str, str] = {}
    for step in steps:
        if step.kind == "event" and step.item.resource_inventoried_as:
            takers.setdefault(step.item.resource_inventoried_as, step.item.provider)
    return takers


@contextmanager
def _about(step: Step):
    """Name the place in the document, and the object, in any error the core raises."""
    try:
        yield
    except VFError as error:
        if error.field.startswith("$") or error.field in ("@context", "file"):
            raise
        kind = "EconomicEvent" if step.kind == "event" else "EconomicResource"
        raise VFError(f"{step.path}.{error.field}", f"{kind} {step.item.id}: {error.reason}") from None
