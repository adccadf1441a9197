"""A node's commands. Each public method is one transaction: it either records everything it was asked to, or
nothing, and bad input raises NodeError (a VFError) naming the field at fault."""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from cooplink.ledger.database import ensure_current, open_engine
from cooplink.ledger.repository import Ledger
from cooplink.ledger.unit_of_work import UnitOfWork
from cooplink.node import home as homes
from cooplink.node.commerce import CommerceCommands
from cooplink.node.mapping import MappingCommands
from cooplink.node.peer_commerce import PeerCommerce
from cooplink.node.module_commands import ModuleCommands
from cooplink.node.outbox import OutboxCommands
from cooplink.node.plugins import Modules, enabled_in, installed, migration_folders
from cooplink.node.tokens import TokenCommands
from cooplink.vf.actions import action_named
from cooplink.vf.effects import Situation, apply_event, check_correction, check_event, resource_ids
from cooplink.vf.errors import VFError
from cooplink.vf.model import (Agent, BatchLotRecord, EconomicEvent, EconomicResource, NewResource, Process,
                               ProcessSpecification, ResourceSpecification)
from cooplink.vf.trace import Step, trace, track
from cooplink.vf.units import Measure, unit_named
from cooplink.node.verify import VerifyReport, replay

NodeError = VFError


@dataclass(frozen=True)
class RecordEvent:
    """An event as a person or a script states it: references may be short names on this node."""

    action: str
    quantity: Measure | str | None = None  # resourceQuantity, e.g. "10 kg"
    effort: Measure | str | None = None  # effortQuantity
    resource: str | None = None  # resourceInventoriedAs
    to_resource: str | None = None  # toResourceInventoriedAs
    spec: str | None = None  # resourceConformsTo
    provider: str | None = None  # default: this node's own agent
    receiver: str | None = None
    input_of: str | None = None
    output_of: str | None = None
    at_location: str | None = None
    to_location: str | None = None
    state: str | None = None
    note: str | None = None
    has_point_in_time: datetime | None = None
    corrects: str | None = None
    realization_of: str | None = None
    # What a created resource is called: produce/raise without a resource create one, and so does a transfer or
    # move with new_to_resource (a move with no to-resource always does).
    tracking_identifier: str | None = None
    lot: str | None = None
    lot_expiration: str | None = None
    resource_name: str | None = None
    new_to_resource: bool = False
    to_spec: str | None = None  # what a created to-resource conforms to, when not its source's (goods received)
    id: str | None = None  # an IRI from elsewhere (imports); fresh under the base URL otherwise
    attributes: dict | None = None  # module attributes of the event ("food.temperature": 4)
    resource_attributes: dict | None = None  # ... and of the resource it creates ("food.produced_on": "2026-11-02")


class Node(ModuleCommands, TokenCommands, OutboxCommands, CommerceCommands, MappingCommands, PeerCommerce):
    def __init__(self, engine, home: Path | None = None):
        self.engine = engine
        self.home = home
        with UnitOfWork(engine, write=False) as ledger:
            self.settings = ledger.all_settings()
        if "base_url" not in self.settings:
            raise NodeError("node", "this database holds no node (run 'cooplink init')")
        self.base_url = self.settings["base_url"]
        self.agent_id = self.settings["agent"]
        self.modules = Modules(enabled_in(self.settings))  # refuses to open if an enabled module is missing
        # Every installed module's migrations: a disabled module's branch stays applied while its data is kept.
        ensure_current(engine, migration_folders(installed().values()))

    # opening ----------------------------------------------------------------------------------------------------
    @classmethod
    def init(cls, home: str | Path | None, name: str, base_url: str, database: str | None = None,
             allow_negative_stock: bool = False) -> "Node":
        folder = homes.node_home(home)
        if (folder / homes.CONFIG).exists():
            raise NodeError("node", f"{folder} already holds a node")
        base_url = base_url.rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise NodeError("base_url", f"must be an http(s) URL, got {base_url!r}")
        folder.mkdir(parents=True, exist_ok=True)
        engine = open_engine(database or folder / homes.SQLITE_FILE)
        ensure_current(engine)
        with UnitOfWork(engine) as ledger:
            if ledger.setting("base_url") is not None:
                raise NodeError("database", "that database already holds a node")
            for key, value in {"name": name, "base_url": base_url, "agent": base_url,
                               "allow_negative_stock": str(allow_negative_stock).lower()}.items():
                ledger.set_setting(key, value)
            ledger.add_agent(Agent(id=base_url, name=name, kind="Organization"))
        homes.write_config(folder, database)
        return cls(engine, folder)

    @classmethod
    def open(cls, home: str | Path | None = None) -> "Node":
        folder = homes.node_home(home)
        return cls(open_engine(homes.database_of(folder)), folder)

    @property
    def name(self) -> str:
        return self.settings["name"]

    @property
    def allow_negative_stock(self) -> bool:
        return self.settings.get("allow_negative_stock") == "true"

    def set_allow_negative_stock(self, allow: bool) -> None:
        with UnitOfWork(self.engine) as ledger:
            ledger.set_setting("allow_negative_stock", str(allow).lower())
        self.settings["allow_negative_stock"] = str(allow).lower()

    def reading(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)

    def writing(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=True)

    # identifiers ------------------------------------------------------------------------------------------------
    def new_iri(self, kind: str) -> str:
        """A fresh IRI under this node's base URL, never reused."""
        # events and activities: 128 random bits, never met twice (a reused activity id would be dropped as a
        # duplicate by the peer)
        token = secrets.token_hex(16 if kind in ("events", "activities") else 5)
        return f"{self.base_url}/{kind}/{token}"

    def iri(self, kind: str, ref: str | None) -> str | None:
        if not ref:
            return None
        return ref if _absolute(ref) else f"{self.base_url}/{kind}/{ref}"

    def owns(self, iri: str) -> bool:
        """The IRI was minted by this node."""
        return iri.startswith(self.base_url + "/")

    def _new_iri(self, kind: str, ref: str) -> str:
        """The IRI of something being added: a short name or an IRI must be given (an empty one names nothing)."""
        if not ref or not ref.strip():
            raise NodeError("@id", f"give it a short name or an IRI (it goes under {self.base_url}/{kind}/)")
        return self.iri(kind, ref)

    def agent_iri(self, ref: str | None) -> str:
        return self.agent_id if ref in (None, "", "self") else self.iri("agents", ref)

    # agents and specifications ----------------------------------------------------------------------------------
    def add_agent(self, ref: str, name: str, kind: str = "Organization", note: str | None = None) -> Agent:
        agent = Agent(id=self._new_iri("agents", ref), name=name, kind=kind, note=note)
        with self.writing() as ledger:
            ledger.add_agent(agent)
        return agent

    def add_spec(self, ref: str, name: str, unit: str | None = None, effort_unit: str | None = None,
                 classified_as: tuple[str, ...] = (), substitutable: bool = False,
                 medium_of_exchange: bool = False, note: str | None = None,
                 attributes: dict | None = None) -> ResourceSpecification:
        spec = ResourceSpecification(
            id=self._new_iri("specs", ref), name=name, note=note,
            default_unit_of_resource=unit_named(unit, "defaultUnitOfResource") if unit else None,
            default_unit_of_effort=unit_named(effort_unit, "defaultUnitOfEffort") if effort_unit else None,
            resource_classified_as=tuple(classified_as), substitutable=substitutable,
            medium_of_exchange=medium_of_exchange)
        stored = self.modules.validate_attributes("specification", attributes or {})
        with self.writing() as ledger:
            ledger.add_spec(spec)
            ledger.put_attributes("specification", spec.id, stored)
        return spec

    def add_process_spec(self, ref: str, name: str, note: str | None = None) -> ProcessSpecification:
        spec = ProcessSpecification(id=self._new_iri("process-specs", ref), name=name, note=note)
        with self.writing() as ledger:
            ledger.add_process_spec(spec)
        return spec

    # processes --------------------------------------------------------------------------------------------------
    def start_process(self, name: str, based_on: str | None = None, note: str | None = None,
                      ref: str | None = None) -> Process:
        with self.writing() as ledger:
            spec_id = self.iri("process-specs", based_on)
            if spec_id and ledger.process_spec(spec_id) is None:
                raise NodeError("basedOn", f"no process specification {based_on!r}")
            process = Process(id=self.iri("processes", ref) if ref else self.new_iri("processes"), name=name,
                              based_on=spec_id, has_beginning=datetime.now(timezone.utc), note=note)
            ledger.add_process(process)
        return process

    def finish_process(self, ref: str) -> Process:
        with self.writing() as ledger:
            process = self._open_process(ledger, ref, "process")
            process = replace(process, finished=True, has_end=datetime.now(timezone.utc))
            ledger.update_process(process)
        return process

    def _process_of(self, ledger: Ledger, ref: str, field: str, restated: str | None) -> Process:
        """The process an event flows into or out of: an open one; or, for a correction that keeps the corrected
        event's process, a finished one too (mistakes are often found after the work is done)."""
        if ref != restated:
            return self._open_process(ledger, ref, field)
        process = ledger.process(ref)
        if process is None:
            raise NodeError(field, f"no process {ref!r}")
        return process

    def _open_process(self, ledger: Ledger, ref: str, field: str) -> Process:
        """A process events may still be added to."""
        process = ledger.process(self.iri("processes", ref))
        if process is None:
            raise NodeError(field, f"no process {ref!r}")
        if process.finished:
            raise NodeError(field, f"process {ref!r} is finished")
        return process

    # events -----------------------------------------------------------------------------------------------------
    def record(self, *drafts: RecordEvent) -> list[EconomicEvent]:
        """Record events in one transaction: all of them, or none if any is refused."""
        recorded = []
        with self.writing() as ledger:
            for draft in drafts:
                for chosen in self._picked(ledger, draft):
                    recorded.append(self._record_one(ledger, chosen))
        return recorded

    def _picked(self, ledger: Ledger, draft: RecordEvent) -> list[RecordEvent]:
        """A module may choose which resources a draft naming only a specification takes from (e.g. FEFO)."""
        if not self.modules or draft.resource or not draft.spec:
            return [draft]
        return self.modules.hook.cooplink_pick(node=self, ledger=ledger, draft=draft) or [draft]

    def correct(self, event_ref: str, quantity: Measure | str | None = None, effort: Measure | str | None = None,
                note: str | None = None) -> EconomicEvent:
        """Record an event that restates another with new quantities (zero backs it out); the original stays."""
        with self.writing() as ledger:
            original = ledger.event(self.iri("events", event_ref))
            if original is None:
                raise NodeError("corrects", f"no event {event_ref!r} to correct")
            event = replace(original, id=self.new_iri("events"), corrects=original.id, seq=None, new_resource=None,
                            resource_quantity=_measure(quantity, "resourceQuantity") or original.resource_quantity,
                            effort_quantity=_measure(effort, "effortQuantity") or original.effort_quantity,
                            note=note or original.note)
            if original.resource_inventoried_as:
                # A stored event names both only when it created its resource (the ledger does not keep which
                # NewResource it was); the restatement names the resource alone, as any other event on it.
                event = replace(event, resource_conforms_to=None)
            return self.apply(ledger, event)

    def _record_one(self, ledger: Ledger, draft: RecordEvent) -> EconomicEvent:
        return self.apply(ledger, self.event_from(ledger, draft), draft.attributes, draft.resource_attributes)

    def apply(self, ledger: Ledger, event: EconomicEvent, attributes: dict | None = None,
              resource_attributes: dict | None = None) -> EconomicEvent:
        """Check and record one event inside a transaction the caller holds (``with node.writing() as ledger``).
        ``attributes`` are module attributes of the event, ``resource_attributes`` of the resource it creates."""
        self.modules.check_action(event.action)  # also without modules: extension actions are process-wide
        check_event(event)
        corrected = None
        if event.corrects:
            corrected = ledger.event(event.corrects)
            check_correction(event, corrected, corrected is not None and ledger.is_corrected(event.corrects))
        spec_id = event.resource_conforms_to or (event.new_resource and event.new_resource.conforms_to)
        spec = ledger.spec(spec_id) if spec_id else None
        if spec_id and spec is None:
            raise NodeError("resourceConformsTo", f"no resource specification {spec_id!r}")
        stage = None
        if event.input_of:
            self._process_of(ledger, event.input_of, "inputOf", corrected and corrected.input_of)
        if event.output_of:
            stage = self._process_of(ledger, event.output_of, "outputOf", corrected and corrected.output_of).based_on
        touched = [i for i in resource_ids(event) if not (event.new_resource and i == event.new_resource.id)]
        held = ledger.resources_for_update(touched)
        situation = Situation(resources=held, spec=spec, stage=stage, corrected=corrected,
                              allow_negative=self.allow_negative_stock,
                              external=self._elsewhere(touched, held))
        if self.modules:
            self._module_rules(ledger, event, attributes or {}, resource_attributes or {}, held)
        changed = apply_event(event, situation)
        ledger.put_resources(changed)
        ledger.append_event(event)
        if self.modules:
            self._store_attributes(ledger, event, attributes or {}, resource_attributes or {})
            self.modules.hook.cooplink_event_recorded(node=self, ledger=ledger, event=event, changed=changed)
        elif attributes or resource_attributes:
            raise NodeError(next(iter(attributes or resource_attributes)), "no module is enabled on this node")
        return event

    def _module_rules(self, ledger, event, attributes, resource_attributes, held) -> None:
        for name in self.modules.required_event_attributes(event.action):
            if name not in attributes:
                raise NodeError(name, f"module {name.split('.')[0]} requires it on {event.action} events")
        self.modules.validate_attributes("event", attributes)
        self.modules.validate_attributes("resource", resource_attributes)
        self.modules.hook.cooplink_validate_event(node=self, ledger=ledger, event=event, attributes=attributes,
                                                  resources=held)

    def _store_attributes(self, ledger, event, attributes, resource_attributes) -> None:
        ledger.put_attributes("event", event.id, self.modules.validate_attributes("event", attributes))
        if resource_attributes:
            if event.new_resource is None:
                raise NodeError(next(iter(resource_attributes)), "resource attributes go with an event that "
                                                                 "creates its resource")
            ledger.put_attributes("resource", event.new_resource.id,
                                  self.modules.validate_attributes("resource", resource_attributes))

    def _elsewhere(self, touched: list[str], held: dict) -> frozenset[str]:
        """Resources the event names that live in another agent's ledger (not held here, not minted here)."""
        if len(held) == len(touched):
            return frozenset()
        return frozenset(i for i in touched if i not in held and not self.owns(i))

    def event_from(self, ledger: Ledger, draft: RecordEvent) -> EconomicEvent:
        action = action_named(draft.action)
        resource_id = self.resource_iri(ledger, draft.resource, "resourceInventoriedAs")
        to_resource_id = self.resource_iri(ledger, draft.to_resource, "toResourceInventoriedAs")
        provider = self._agent(ledger, draft.provider, "provider")
        receiver = self._agent(ledger, draft.receiver, "receiver") if draft.receiver else provider
        new = self._new_resource(draft, action, resource_id, to_resource_id, provider == receiver)
        if new is not None and action.create_resource == "optional":
            resource_id = new.id
        elif new is not None:
            to_resource_id = new.id
        return EconomicEvent(
            id=draft.id or self.new_iri("events"), action=draft.action, provider=provider, receiver=receiver,
            resource_inventoried_as=resource_id, to_resource_inventoried_as=to_resource_id,
            resource_conforms_to=self.iri("specs", draft.spec),
            resource_quantity=_measure(draft.quantity, "resourceQuantity"),
            effort_quantity=_measure(draft.effort, "effortQuantity"),
            input_of=self.iri("processes", draft.input_of), output_of=self.iri("processes", draft.output_of),
            at_location=draft.at_location, to_location=draft.to_location, state=draft.state, note=draft.note,
            has_point_in_time=draft.has_point_in_time or datetime.now(timezone.utc),
            corrects=self.iri("events", draft.corrects), realization_of=draft.realization_of, new_resource=new)

    def _agent(self, ledger: Ledger, ref: str | None, field: str) -> str:
        """An agent by IRI (another node's agents need not be known here) or by short name (which must be)."""
        iri = self.agent_iri(ref)
        if not _absolute(ref or "") and iri != self.agent_id and ledger.agent(iri) is None:
            raise NodeError(field, f"no agent {ref!r} on this node (add it with 'cooplink agent add')")
        return iri

    def _new_resource(self, draft: RecordEvent, action, resource_id, to_resource_id,
                      same_agent: bool) -> NewResource | None:
        """What a recorded event creates: its own resource when it may create one and names none (produce 10
        widgets); a to-resource when asked, or when the goods stay with the same agent and must land somewhere
        in this ledger (a move). A correction restates its event's resources; it never creates one."""
        if draft.corrects:
            return None
        creates_own = action.create_resource == "optional" and not resource_id and bool(draft.spec)
        creates_to = action.has_to_resource and not to_resource_id and (draft.new_to_resource or same_agent)
        if not (creates_own or creates_to):
            return None
        lot = None
        if draft.lot:
            expiry = _date(draft.lot_expiration) if draft.lot_expiration else None
            lot = BatchLotRecord(draft.lot, expiry)
        return NewResource(id=self.new_iri("resources"), name=draft.resource_name,
                           tracking_identifier=draft.tracking_identifier, lot=lot,
                           conforms_to=self.iri("specs", draft.to_spec) if creates_to else None)

    def resource_iri(self, ledger: Ledger, ref: str | None, field: str = "resourceInventoriedAs") -> str | None:
        """A resource by IRI, by its short id on this node, or by its tracking identifier."""
        if not ref:
            return None
        if _absolute(ref):
            return ref
        if ledger.resource(f"{self.base_url}/resources/{ref}") is not None:
            return f"{self.base_url}/resources/{ref}"
        found = ledger.find_resources(tracking_identifier=ref) or ledger.find_resources(id_suffix=ref)
        if len(found) > 1:
            raise NodeError(field, f"{ref!r} names {len(found)} resources; use a resource id")
        if not found:
            raise NodeError(field, f"no resource {ref!r}")
        return found[0].id

    # reading ----------------------------------------------------------------------------------------------------
    def resource(self, ref: str) -> EconomicResource:
        with self.reading() as ledger:
            return ledger.resource(self.resource_iri(ledger, ref))

    def inventory(self, spec: str | None = None, location: str | None = None,
                  include_empty: bool = False) -> list[EconomicResource]:
        with self.reading() as ledger:
            return ledger.find_resources(conforms_to=self.iri("specs", spec), location=location,
                                         include_empty=include_empty)

    def history(self, ref: str) -> list[EconomicEvent]:
        with self.reading() as ledger:
            return ledger.events_touching(self.resource_iri(ledger, ref))

    def trace(self, ref: str) -> list[Step]:
        with self.reading() as ledger:
            return trace(ledger, self.resource_iri(ledger, ref))

    def track(self, ref: str) -> list[Step]:
        with self.reading() as ledger:
            return track(ledger, self.resource_iri(ledger, ref))

    def specs(self) -> list[ResourceSpecification]:
        with self.reading() as ledger:
            return ledger.specs()

    def agents(self) -> list[Agent]:
        with self.reading() as ledger:
            return ledger.agents()

    def processes(self) -> list[Process]:
        with self.reading() as ledger:
            return ledger.processes()

    def process_flows(self, ref: str) -> tuple[Process, list[EconomicEvent], list[EconomicEvent]]:
        """A process with its input and its output events, in ledger order."""
        with self.reading() as ledger:
            process = ledger.process(self.iri("processes", ref))
            if process is None:
                raise NodeError("process", f"no process {ref!r}")
            return process, ledger.process_inputs(process.id), ledger.process_outputs(process.id)

    def event(self, ref: str) -> EconomicEvent | None:
        with self.reading() as ledger:
            return ledger.event(self.iri("events", ref))

    def verify(self) -> VerifyReport:
        """Replay every event from nothing and compare each resource with what the ledger holds."""
        with self.reading() as ledger:
            return replay(ledger)


def _absolute(ref: str) -> bool:
    """An IRI rather than a short name on this node: http(s)://... or a URN (urn:uuid:... ids are common in VF)."""
    return "://" in ref or ref.startswith("urn:")


def _measure(value: Measure | str | None, field: str) -> Measure | None:
    if value is None or isinstance(value, Measure):
        return value
    return Measure.parse(value, field)


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NodeError("expirationDate", f"not a date (YYYY-MM-DD): {text!r}") from None
