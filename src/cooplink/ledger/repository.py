"""The ledger as one transaction sees it: reads, and writes gathered and flushed in bulk at commit.

Resources read for writing are locked (PostgreSQL: FOR UPDATE; SQLite: the whole database is already held by
BEGIN IMMEDIATE) and cached, so a batch of events on the same resources reads each once and writes each once.
"""

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Connection, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from cooplink.ledger import mapping
from cooplink.ledger.schema import (agents, attributes, events, process_specifications, processes,
                                    resource_specifications, resources, settings)
from cooplink.vf.errors import VFError
from cooplink.vf.model import (Agent, EconomicEvent, EconomicResource, Process, ProcessSpecification,
                               ResourceSpecification)

_RESOURCE_UPDATE = resources.update().where(resources.c.id == bindparam("_id")).values(
    {c.name: bindparam(c.name) for c in resources.c if c.name != "id"})
# Read by nearly every command and message: built once (SQLAlchemy then skips building them and their cache keys).
_SETTING = select(settings.c.value).where(settings.c.key == bindparam("key"))
_SPEC = select(resource_specifications).where(resource_specifications.c.id == bindparam("id"))
_EVENT = select(events).where(events.c.id == bindparam("id"))


class Ledger:
    def __init__(self, connection: Connection):
        self.connection = connection
        self._resources: dict[str, EconomicResource] = {}
        self._new_resources: dict[str, EconomicResource] = {}
        self._changed_resources: set[str] = set()
        self._pending_events: dict[str, EconomicEvent] = {}
        self.after_commit: list = []  # callables run once the transaction has committed (e.g. wake the outbox)
        self._event_rows: list[dict] = []
        self._specs: dict[str, ResourceSpecification | None] = {}
        self._process_specs: dict[str, ProcessSpecification | None] = {}
        self._processes: dict[str, Process | None] = {}

    def _one(self, statement):
        return self.connection.execute(statement).first()

    # settings ---------------------------------------------------------------------------------------------------
    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.connection.execute(_SETTING, {"key": key}).first()
        return default if row is None else row.value

    def set_setting(self, key: str, value: str) -> None:
        updated = self.connection.execute(settings.update().where(settings.c.key == key).values(value=value))
        if updated.rowcount == 0:
            self.connection.execute(settings.insert(), dict(key=key, value=value))

    def all_settings(self) -> dict[str, str]:
        return {row.key: row.value for row in self.connection.execute(select(settings))}

    # agents and specifications ----------------------------------------------------------------------------------
    def add_agent(self, agent: Agent) -> None:
        self._insert_new(agents, mapping.agent_row(agent), "agent")

    def agent(self, agent_id: str) -> Agent | None:
        row = self._one(select(agents).where(agents.c.id == agent_id))
        return row and mapping.agent_from(row)

    def agents(self) -> list[Agent]:
        return [mapping.agent_from(r) for r in self.connection.execute(select(agents).order_by(agents.c.name))]

    def add_spec(self, spec: ResourceSpecification) -> None:
        self._insert_new(resource_specifications, mapping.spec_row(spec), "resource specification")
        self._specs[spec.id] = spec

    def spec(self, spec_id: str) -> ResourceSpecification | None:
        if spec_id not in self._specs:
            row = self.connection.execute(_SPEC, {"id": spec_id}).first()
            self._specs[spec_id] = row and mapping.spec_from(row)
        return self._specs[spec_id]

    def specs(self) -> list[ResourceSpecification]:
        query = select(resource_specifications).order_by(resource_specifications.c.id)
        return [mapping.spec_from(r) for r in self.connection.execute(query)]

    def add_process_spec(self, spec: ProcessSpecification) -> None:
        self._insert_new(process_specifications, mapping.process_spec_row(spec), "process specification")
        self._process_specs[spec.id] = spec

    def process_spec(self, spec_id: str) -> ProcessSpecification | None:
        if spec_id not in self._process_specs:
            row = self._one(select(process_specifications).where(process_specifications.c.id == spec_id))
            self._process_specs[spec_id] = row and mapping.process_spec_from(row)
        return self._process_specs[spec_id]

    def process_specs(self) -> list[ProcessSpecification]:
        query = select(process_specifications).order_by(process_specifications.c.id)
        return [mapping.process_spec_from(r) for r in self.connection.execute(query)]

    # processes --------------------------------------------------------------------------------------------------
    def add_process(self, process: Process) -> None:
        self._insert_new(processes, mapping.process_row(process), "process")
        self._processes[process.id] = process

    def update_process(self, process: Process) -> None:
        self.connection.execute(processes.update().where(processes.c.id == process.id)
                                .values(mapping.process_row(process)))
        self._processes[process.id] = process

    def process(self, process_id: str) -> Process | None:
        if process_id not in self._processes:
            row = self._one(select(processes).where(processes.c.id == process_id))
            self._processes[process_id] = row and mapping.process_from(row)
        return self._processes[process_id]

    def processes(self) -> list[Process]:
        return [mapping.process_from(r) for r in self.connection.execute(select(processes).order_by(processes.c.id))]

    def process_inputs(self, process_id: str) -> list[EconomicEvent]:
        return self._events_where(events.c.input_of == process_id)

    def process_outputs(self, process_id: str) -> list[EconomicEvent]:
        return self._events_where(events.c.output_of == process_id)

    # resources --------------------------------------------------------------------------------------------------
    def resources_for_update(self, ids: Iterable[str]) -> dict[str, EconomicResource]:
        """The named resources, locked against other writers until commit (ids missing from the ledger are left
        out)."""
        missing = sorted(i for i in ids if i not in self._resources)
        if missing:
            wanted = resources.c.id == missing[0] if len(missing) == 1 else resources.c.id.in_(missing)
            query = select(resources).where(wanted).order_by(resources.c.id).with_for_update()
            for row in self.connection.execute(query):
                self._resources[row.id] = mapping.resource_from(row)
        return {i: self._resources[i] for i in ids if i in self._resources}

    def resource(self, resource_id: str) -> EconomicResource | None:
        if resource_id in self._resources:
            return self._resources[resource_id]
        row = self._one(select(resources).where(resources.c.id == resource_id))
        return row and mapping.resource_from(row)

    def find_resources(self, *, conforms_to: str | None = None, tracking_identifier: str | None = None,
                       id_suffix: str | None = None, location: str | None = None, lot_code: str | None = None,
                       include_empty: bool = True) -> list[EconomicResource]:
        query = select(resources).order_by(resources.c.conforms_to, resources.c.id)
        if conforms_to:
            query = query.where(resources.c.conforms_to == conforms_to)
        if lot_code:
            query = query.where(resources.c.lot_code == lot_code)
        if tracking_identifier:
            query = query.where(resources.c.tracking_identifier == tracking_identifier)
        if id_suffix:
            query = query.where(resources.c.id.like(f"%/{id_suffix}"))
        if location:
            query = query.where(resources.c.current_location == location)
        found = [mapping.resource_from(r) for r in self.connection.execute(query)]
        if not include_empty:
            found = [r for r in found if r.onhand_quantity != 0 or r.accounting_quantity != 0]
        return found

    def put_resources(self, changed: dict[str, EconomicResource]) -> None:
        """Record the new state of resources an event changed or created (written at flush)."""
        for resource_id, resource in changed.items():
            if resource_id not in self._resources and resource_id not in self._new_resources:
                if self.resource(resource_id) is not None:
                    raise VFError("resourceInventoriedAs", f"a resource {resource_id!r} already exists")
                self._new_resources[resource_id] = resource
            elif resource_id in self._new_resources:
                self._new_resources[resource_id] = resource
            else:
                self._changed_resources.add(resource_id)
            self._resources[resource_id] = resource

    # events -----------------------------------------------------------------------------------------------------
    def append_event(self, event: EconomicEvent) -> None:
        if event.id in self._pending_events:
            raise VFError("@id", f"event {event.id!r} is recorded twice")
        self._pending_events[event.id] = event
        self._event_rows.append(mapping.event_row(event))

    def event(self, event_id: str) -> EconomicEvent | None:
        if event_id in self._pending_events:
            return self._pending_events[event_id]
        row = self.connection.execute(_EVENT, {"id": event_id}).first()
        return row and mapping.event_from(row)

    def is_corrected(self, event_id: str) -> bool:
        if any(e.corrects == event_id for e in self._pending_events.values()):
            return True
        return self._one(select(events.c.seq).where(events.c.corrects == event_id)) is not None

    def corrected_events(self) -> dict[str, EconomicEvent]:
        """Every event that a later event corrects, by id."""
        corrected_ids = select(events.c.corrects).where(events.c.corrects.is_not(None))
        return {e.id: e for e in self._events_where(events.c.id.in_(corrected_ids))}

    def events_touching(self, resource_id: str, after: int | None = None,
                        before: int | None = None) -> list[EconomicEvent]:
        condition = or_(events.c.resource_inventoried_as == resource_id,
                        events.c.to_resource_inventoried_as == resource_id)
        if after is not None:
            condition = condition & (events.c.seq > after)
        if before is not None:
            condition = condition & (events.c.seq < before)
        return self._events_where(condition)

    def _events_where(self, condition) -> list[EconomicEvent]:
        rows = self.connection.execute(select(events).where(condition).order_by(events.c.seq))
        return [mapping.event_from(r) for r in rows]

    def all_event_rows(self, batch: int = 10_000) -> Iterator:
        """Every event row in ledger order, streamed."""
        last = 0
        while True:
            rows = self.connection.execute(
                select(events).where(events.c.seq > last).order_by(events.c.seq).limit(batch)).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].seq

    def all_resources(self) -> list[EconomicResource]:
        return [mapping.resource_from(r) for r in self.connection.execute(select(resources))]

    def event_count(self) -> int:
        return self.connection.execute(select(func.count()).select_from(events)).scalar_one()

    # module attributes ------------------------------------------------------------------------------------------
    def put_attributes(self, owner: str, owner_id: str, stored: dict[str, str]) -> None:
        """Set attributes (JSON text by name); a value given again replaces the old one."""
        for name, value in stored.items():
            key = (attributes.c.owner_kind == owner) & (attributes.c.owner_id == owner_id) & (attributes.c.name == name)
            if self.connection.execute(attributes.update().where(key).values(value=value)).rowcount == 0:
                self.connection.execute(attributes.insert(), dict(owner_kind=owner, owner_id=owner_id, name=name,
                                                                   value=value))

    def attributes_of(self, owner: str, owner_id: str) -> dict:
        query = select(attributes.c.name, attributes.c.value).where(
            (attributes.c.owner_kind == owner) & (attributes.c.owner_id == owner_id)).order_by(attributes.c.name)
        return {row.name: json.loads(row.value) for row in self.connection.execute(query)}

    def attributes_of_many(self, owner: str, owner_ids: list[str]) -> dict[str, dict]:
        """The attributes of several owners of one kind, by owner (those without any are left out)."""
        found: dict[str, dict] = {}
        for start in range(0, len(owner_ids), 500):  # SQL parameter lists stay short
            query = select(attributes).where((attributes.c.owner_kind == owner)
                                             & attributes.c.owner_id.in_(owner_ids[start:start + 500]))
            for row in self.connection.execute(query.order_by(attributes.c.owner_id, attributes.c.name)):
                found.setdefault(row.owner_id, {})[row.name] = json.loads(row.value)
        return found

    def owners_with(self, owner: str, name: str) -> dict[str, object]:
        """Every owner of one kind carrying an attribute, with its value."""
        query = select(attributes.c.owner_id, attributes.c.value).where(
            (attributes.c.owner_kind == owner) & (attributes.c.name == name))
        return {row.owner_id: json.loads(row.value) for row in self.connection.execute(query)}

    def drop_attributes(self, prefix: str) -> None:
        self.connection.execute(attributes.delete().where(attributes.c.name.like(f"{prefix}.%")))

    # writing ----------------------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write what this transaction gathered: new resources, then events, then changed balances."""
        if self._new_resources:
            self.connection.execute(resources.insert(), [mapping.resource_row(r) for r in self._new_resources.values()])
        if self._event_rows:
            recorded_at = _now()  # the transaction's time, shared by all its events
            for row in self._event_rows:
                row["recorded_at"] = recorded_at
            try:
                _insert_many(self.connection, events, self._event_rows)
            except IntegrityError as error:
                raise _integrity_reason(error) from None
        if self._changed_resources:
            rows = []
            for resource_id in self._changed_resources:
                row = mapping.resource_row(self._resources[resource_id])
                row["_id"] = row.pop("id")
                rows.append(row)
            self.connection.execute(_RESOURCE_UPDATE, rows)
        self._new_resources.clear()
        self._event_rows.clear()
        self._changed_resources.clear()

    @contextmanager
    def savepoint(self):
        """A part of the transaction that can fail alone (one activity of a peer's batch): what it gathered is
        written with it, or dropped with it, and then nothing cached from it is trusted."""
        self.flush()
        try:
            with self.connection.begin_nested():
                yield self
                self.flush()
        except BaseException:
            self._forget()
            raise

    def _forget(self) -> None:
        for cache in (self._resources, self._new_resources, self._changed_resources, self._pending_events,
                      self._specs, self._process_specs, self._processes):
            cache.clear()
        self._event_rows.clear()

    def _insert_new(self, table, row: dict, what: str) -> None:
        if self._one(select(table.c.id).where(table.c.id == row["id"])) is not None:
            raise VFError("@id", f"a {what} {row['id']!r} already exists")
        self.connection.execute(table.insert(), row)


def _insert_many(connection: Connection, table, rows: list[dict]) -> None:
    """executemany handed straight to the driver: SQLAlchemy's per-row parameter handling would cost as much as
    SQLite's own insert. The statement is still compiled by SQLAlchemy for the dialect at hand."""
    compiled = _compiled_insert(connection.dialect, table, tuple(rows[0]))
    if compiled.positional:  # SQLite: tuples, and exact decimals as text (as ExactDecimal stores them)
        order = compiled.positiontup
        params = [tuple(str(v) if isinstance(v, Decimal) else v for v in map(row.__getitem__, order))
                  for row in rows]
    else:
        params = rows
    connection.exec_driver_sql(str(compiled), params)


@lru_cache(maxsize=32)
def _compiled_insert(dialect, table, columns: tuple[str, ...]):
    return table.insert().compile(dialect=dialect, column_keys=list(columns))


def _integrity_reason(error: IntegrityError) -> VFError:
    text = str(error.orig).lower()
    if "corrects" in text:
        return VFError("corrects", "that event was already corrected")
    return VFError("@id", "an event with that id already exists")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
