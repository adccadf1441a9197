"""From a VF 1.0 JSON-LD / YAML-LD document to what the importer records: declared agents, specifications and
processes, and the steps (events and resource snapshots) in the order they are applied. Pure: no ledger here.

Order of application: the document's order, objects nested in another right after it, with one exception: an event
that is an output of a process waits until every input of that process in the document has been applied, so a
process never gives out what it has not yet taken in (a repair's ``modify`` comes after its ``accept``, whatever
order a relational view lists them in). Snapshots stay where the document puts them.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from cooplink.interop.jsonld import VF, Item, Ref, flatten, vf_term
from cooplink.vf.actions import action_named
from cooplink.vf.errors import VFError
from cooplink.vf.model import (Agent, BatchLotRecord, EconomicEvent, Process, ProcessSpecification,
                               ResourceSpecification)
from cooplink.vf.units import Measure, Unit, to_decimal, unit_named

AGENT_TYPES = {"Person": "Person", "Organization": "Organization", "Agent": "Organization",
               "EcologicalAgent": "Organization"}
# VF objects the ledger has no table for yet (issue 3 adds them): skipped, and said so in the report.
NOT_YET = ("Agreement", "AgreementBundle", "Commitment", "Claim", "Intent", "Proposal", "ProposalList", "Plan",
           "Recipe", "RecipeProcess", "RecipeFlow", "RecipeExchange", "Scenario", "ScenarioDefinition", "Appreciation",
           "SpatialThing", "Measure", "Unit")

# What each kind keeps; every other VF property is read past with a warning.
EVENT_KEEPS = {"action", "provider", "receiver", "resourceInventoriedAs", "toResourceInventoriedAs",
               "resourceConformsTo", "resourceQuantity", "effortQuantity", "inputOf", "outputOf", "atLocation",
               "toLocation", "state", "hasPointInTime", "hasBeginning", "corrects", "realizationOf", "note"}
RESOURCE_KEEPS = {"conformsTo", "resourceConformsTo", "name", "note", "trackingIdentifier", "ofBatchLot",
                  "primaryAccountable", "currentLocation", "locatedAt", "containedIn", "stage", "state",
                  "accountingQuantity", "onhandQuantity"}
SPEC_KEEPS = {"name", "note", "defaultUnitOfResource", "defaultUnitOfEffort", "resourceClassifiedAs", "classifiedAs",
              "substitutable", "mediumOfExchange"}
PROCESS_KEEPS = {"name", "note", "basedOn", "hasBeginning", "hasEnd", "finished", "hasInput", "hasOutput"}
NAMED_KEEPS = {"name", "note"}

# Wikidata's currencies met in VF examples: a specification they name is money (mediumOfExchange).
CURRENCIES = {"Q4917": "US dollar", "Q1104069": "Canadian dollar", "Q4916": "euro", "Q25224": "pound sterling",
              "Q25344": "Swiss franc"}
WIKIDATA = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/",
            "https://www.wikidata.org/wiki/")


class Warnings:
    """Warnings said once each, with how often they applied."""

    def __init__(self):
        self.seen: Counter[str] = Counter()

    def add(self, text: str) -> None:
        self.seen[text] += 1

    def as_list(self) -> list[str]:
        return [text if n == 1 else f"{text} ({n} times)" for text, n in self.seen.items()]


@dataclass(frozen=True)
class Snapshot:
    """A resource as the document shows it at one point: its opening state, or what the ledger must then hold."""

    id: str
    path: str
    conforms_to: str | None = None
    name: str | None = None
    note: str | None = None
    tracking_identifier: str | None = None
    lot: BatchLotRecord | None = None
    primary_accountable: str | None = None
    current_location: str | None = None
    contained_in: str | None = None
    stage: str | None = None
    state: str | None = None
    accounting: Measure | None = None
    onhand: Measure | None = None


@dataclass(frozen=True)
class Step:
    kind: str  # event | snapshot
    item: EconomicEvent | Snapshot
    path: str


@dataclass
class Reading:
    agents: dict[str, Agent] = field(default_factory=dict)
    specs: dict[str, ResourceSpecification] = field(default_factory=dict)
    process_specs: dict[str, ProcessSpecification] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    warnings: Warnings = field(default_factory=Warnings)
    event_ids: set[str] = field(default_factory=set)
    _first: dict[str, Snapshot] | None = None

    def first_snapshot(self, resource_id: str) -> Snapshot | None:
        """What the document first says about a resource: names the resource an event creates."""
        if self._first is None:
            self._first = {}
            for step in self.steps:
                if step.kind == "snapshot":
                    self._first.setdefault(step.item.id, step.item)
        return self._first.get(resource_id)


def read_document(document) -> Reading:
    reading = Reading()
    items = flatten(document)
    _refuse_if_not_vf(items)
    links = _process_links(items)
    for item in items:
        _read_item(item, reading, links)
    reading.steps = application_order(reading.steps)
    return reading


def _refuse_if_not_vf(items: list[Item]) -> None:
    """Objects of which none is a VF object mean a wrong vocabulary: refuse rather than skip them all."""
    def is_vf(item: Item) -> bool:  # VF types are kept as local names; other vocabularies' as full IRIs
        return any(":" not in t for t in item.types) or (not item.types and "action" in item.props)

    if items and not any(is_vf(i) for i in items):
        found = sorted({t for i in items for t in i.types}) or ["untyped objects"]
        raise VFError("@context", f"no ValueFlows object in the document (found {', '.join(found[:3])}); "
                                  f"is its @vocab {VF!r}?")


def at(item: Item, name: str) -> str:
    return f"{item.path}.{name}"


# objects ----------------------------------------------------------------------------------------------------------
def _read_item(item: Item, reading: Reading, links: dict) -> None:
    kind = _kind(item, reading)
    if kind is None:
        return
    readers = {"EconomicEvent": _read_event, "EconomicResource": _read_resource,
               "ResourceSpecification": _read_spec, "ProcessSpecification": _read_process_spec,
               "Process": _read_process, "Agent": _read_agent}
    _warn_unkept(item, kind, reading)
    readers[kind](item, reading, links)


def _kind(item: Item, reading: Reading) -> str | None:
    types = item.types or (("EconomicEvent",) if "action" in item.props else ())
    for name in types:
        if name in AGENT_TYPES:
            return "Agent"
        if name in ("EconomicEvent", "EconomicResource", "ResourceSpecification", "ProcessSpecification", "Process"):
            return name
    if not types:
        if item.props:
            reading.warnings.add(f"an object with no @type was skipped ({item.path})")
        return None
    label = types[0]
    reading.skipped[label] += 1
    if label in NOT_YET:
        reading.warnings.add(f"{label} skipped: this ledger does not keep {label}s yet")
    else:
        reading.warnings.add(f"{label} skipped: not a ValueFlows 1.0 class this importer knows")
    return None


def _warn_unkept(item: Item, kind: str, reading: Reading) -> None:
    keeps = {"EconomicEvent": EVENT_KEEPS, "EconomicResource": RESOURCE_KEEPS, "ResourceSpecification": SPEC_KEEPS,
             "ProcessSpecification": NAMED_KEEPS, "Process": PROCESS_KEEPS, "Agent": NAMED_KEEPS}[kind]
    for name in item.props:
        if name not in keeps and not (kind == "EconomicEvent" and name == "hasEnd"):
            reading.warnings.add(f"{kind}.{name} is not kept")
    for key in item.unknown:
        reading.warnings.add(f"{kind}: {key!r} is not a ValueFlows term; ignored")


def _read_agent(item: Item, reading: Reading, _links) -> None:
    kind = AGENT_TYPES[next(t for t in item.types if t in AGENT_TYPES)]
    if "Person" not in item.types and "Organization" not in item.types:
        reading.warnings.add(f"{item.types[0]} {item.id} kept as an Organization")
    agent = Agent(id=_named_id(item), name=_text(item, "name") or item.id, kind=kind, note=_text(item, "note"))
    _declare(reading.agents, agent, item)


def _read_spec(item: Item, reading: Reading, _links) -> None:
    classified = item.props.get("resourceClassifiedAs", [])
    if item.props.get("classifiedAs"):
        reading.warnings.add("ResourceSpecification.classifiedAs read as resourceClassifiedAs (its VF 1.0 term)")
        classified = classified + item.props["classifiedAs"]
    spec = ResourceSpecification(
        id=_named_id(item), name=_text(item, "name") or item.id, note=_text(item, "note"),
        default_unit_of_resource=_unit(item, "defaultUnitOfResource"),
        default_unit_of_effort=_unit(item, "defaultUnitOfEffort"),
        resource_classified_as=tuple(_iri(v, at(item, "resourceClassifiedAs")) for v in classified),
        substitutable=_flag(item, "substitutable"), medium_of_exchange=_flag(item, "mediumOfExchange"))
    _declare(reading.specs, spec, item)


def _read_process_spec(item: Item, reading: Reading, _links) -> None:
    spec = ProcessSpecification(id=_named_id(item), name=_text(item, "name") or item.id, note=_text(item, "note"))
    _declare(reading.process_specs, spec, item)


def _read_process(item: Item, reading: Reading, _links) -> None:
    process = Process(id=_named_id(item), name=_text(item, "name") or item.id, note=_text(item, "note"),
                      based_on=_ref(item, "basedOn"), has_beginning=_moment(item, "hasBeginning"),
                      has_end=_moment(item, "hasEnd"), finished=_flag(item, "finished"))
    _declare(reading.processes, process, item)


def _declare(table: dict, obj, item: Item) -> None:
    """An object may be stated twice only if both statements agree (JSON-LD would merge them)."""
    if obj.id in table and table[obj.id] != obj:
        raise VFError(f"{item.path}.@id", f"{obj.id} is declared twice, differently")
    table[obj.id] = obj


def _named_id(item: Item) -> str:
    if item.id.startswith("_:"):
        raise VFError(f"{item.path}.@id", f"a {item.types[0]} needs an @id (an IRI) to be kept")
    return item.id


# events -----------------------------------------------------------------------------------------------------------
def _process_links(items: list[Item]) -> dict[str, tuple[str, str, str]]:
    """Events nested under (or referenced by) a process's hasInput/hasOutput: event id -> (inputOf|outputOf,
    process id, where)."""
    links = {}
    for item in items:
        for prop, relation in (("hasInput", "inputOf"), ("hasOutput", "outputOf")):
            for index, value in enumerate(item.props.get(prop, [])):
                event_id = _iri(value, f"{item.path}.{prop}[{index}]")
                if event_id in links and links[event_id][:2] != (relation, item.id):
                    raise VFError(f"{item.path}.{prop}[{index}]", f"event {event_id} is listed twice, differently")
                links[event_id] = (relation, item.id, f"{item.path}.{prop}[{index}]")
    return links


def _read_event(item: Item, reading: Reading, links: dict) -> None:
    event_id = _named_id(item)
    if event_id in reading.event_ids:
        raise VFError(f"{item.path}.@id", f"event {event_id} appears twice in the document")
    reading.event_ids.add(event_id)
    action = _action(item)
    input_of, output_of = _flow_of(item, links)
    _check_direction(item, action, input_of, output_of)
    if item.props.get("hasEnd") and not item.props.get("hasPointInTime"):
        reading.warnings.add("EconomicEvent.hasEnd is not kept (hasBeginning is kept as its point in time)")
    event = EconomicEvent(
        id=event_id, action=action, provider=_agent(item, "provider"), receiver=_agent(item, "receiver"),
        resource_inventoried_as=_ref(item, "resourceInventoriedAs"),
        to_resource_inventoried_as=_ref(item, "toResourceInventoriedAs"),
        resource_conforms_to=_ref(item, "resourceConformsTo"),
        resource_quantity=_measure(item, "resourceQuantity"), effort_quantity=_measure(item, "effortQuantity"),
        input_of=input_of, output_of=output_of, at_location=_text(item, "atLocation"),
        to_location=_text(item, "toLocation"), state=_text(item, "state"),
        has_point_in_time=_moment(item, "hasPointInTime") or _moment(item, "hasBeginning"),
        corrects=_ref(item, "corrects"), realization_of=_ref(item, "realizationOf"), note=_text(item, "note"))
    reading.steps.append(Step("event", event, item.path))


def _action(item: Item) -> str:
    value = item.one("action")
    if value is None:
        raise VFError(at(item, "action"), f"event {item.id} has no action")
    name = _iri(value, at(item, "action"))
    name = vf_term(name) or name  # vf:consume, or the full IRI, or the bare word
    try:
        return action_named(name).name
    except VFError as error:
        raise VFError(at(item, "action"), f"event {item.id}: {error.reason}") from None


def _flow_of(item: Item, links: dict) -> tuple[str | None, str | None]:
    """inputOf/outputOf as the event states them, or as the process it is listed under does; they must agree."""
    stated = {"inputOf": _ref(item, "inputOf"), "outputOf": _ref(item, "outputOf")}
    if item.id in links:
        relation, process_id, where = links[item.id]
        other = "outputOf" if relation == "inputOf" else "inputOf"
        if stated[relation] not in (None, process_id) or stated[other] == process_id:
            raise VFError(at(item, relation), f"event {item.id} is listed at {where} but says "
                                              f"inputOf {stated['inputOf']}, outputOf {stated['outputOf']}")
        stated[relation] = process_id
    return stated["inputOf"], stated["outputOf"]


def _check_direction(item: Item, action_name: str, input_of: str | None, output_of: str | None) -> None:
    """Refuse a flow the action cannot make, before any of the file is recorded. We do not guess which of the two
    the file got wrong (the action or the direction): a ledger must not invent a flow."""
    action = action_named(action_name)
    for relation, process, allowed in (("inputOf", input_of, action.can_be_input),
                                       ("outputOf", output_of, action.can_be_output)):
        if process and not allowed:
            raise VFError(at(item, relation), f"event {item.id}: {action.name} cannot be {relation} a process "
                                              f"(VF 1.0 gives {action.name} inputOutput {action.input_output!r})")


def _agent(item: Item, name: str) -> str:
    agent = _ref(item, name)
    if not agent:
        raise VFError(at(item, name), f"event {item.id} has no {name}")
    return agent


# resources --------------------------------------------------------------------------------------------------------
def _read_resource(item: Item, reading: Reading, _links) -> None:
    conforms_to = _ref(item, "conformsTo")
    if conforms_to is None and item.props.get("resourceConformsTo"):
        reading.warnings.add("EconomicResource.resourceConformsTo read as conformsTo (its VF 1.0 term)")
        conforms_to = _ref(item, "resourceConformsTo")
    location = _text(item, "currentLocation")
    if location is None and item.props.get("locatedAt"):
        reading.warnings.add("EconomicResource.locatedAt read as currentLocation (its VF 1.0 term)")
        location = _text(item, "locatedAt")
    snapshot = Snapshot(
        id=_named_id(item), path=item.path, conforms_to=conforms_to, name=_text(item, "name"),
        note=_text(item, "note"), tracking_identifier=_text(item, "trackingIdentifier"), lot=_lot(item),
        primary_accountable=_ref(item, "primaryAccountable"), current_location=location,
        contained_in=_ref(item, "containedIn"), stage=_ref(item, "stage"), state=_text(item, "state"),
        accounting=_measure(item, "accountingQuantity"), onhand=_measure(item, "onhandQuantity"))
    reading.steps.append(Step("snapshot", snapshot, item.path))


def _lot(item: Item) -> BatchLotRecord | None:
    record = item.one("ofBatchLot")
    if record is None:
        return None
    where = at(item, "ofBatchLot")
    if not isinstance(record, dict) or not record.get("batchLotCode"):
        raise VFError(where, f"resource {item.id}: a BatchLotRecord needs a batchLotCode")
    expiry = record.get("expirationDate")
    return BatchLotRecord(str(record["batchLotCode"]), parse_moment(expiry, where).date() if expiry else None)


# values -----------------------------------------------------------------------------------------------------------
def _iri(value, where: str) -> str:
    if isinstance(value, Ref):
        return value.iri
    if isinstance(value, str) and value:
        return value
    raise VFError(where, f"expected a reference (an IRI), got {value!r}")


def _ref(item: Item, name: str) -> str | None:
    value = item.one(name)
    return None if value is None else _iri(value, at(item, name))


def _text(item: Item, name: str) -> str | None:
    value = item.one(name)
    if value is None:
        return None
    if isinstance(value, Ref):
        return value.iri
    if isinstance(value, (dict, list, bool)):
        raise VFError(at(item, name), f"{item.id}: expected text, got {value!r}")
    return str(value).strip()


def _flag(item: Item, name: str) -> bool:
    value = item.one(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise VFError(at(item, name), f"{item.id}: expected true or false, got {value!r}")


def _unit(item: Item, name: str) -> Unit | None:
    value = item.one(name)
    return None if value is None else unit_named(_iri(value, at(item, name)), at(item, name))


def _measure(item: Item, name: str) -> Measure | None:
    value = item.one(name)
    if value is None:
        return None
    where = at(item, name)
    if not isinstance(value, dict) or "hasNumericalValue" not in value or "hasUnit" not in value:
        raise VFError(where, f"{item.id}: a measure needs hasNumericalValue and hasUnit, got {value!r}")
    number = value["hasNumericalValue"]
    if isinstance(number, bool) or not isinstance(number, (int, float, str, Decimal)):
        raise VFError(f"{where}.hasNumericalValue", f"{item.id}: not a number: {number!r}")
    unit = unit_named(_iri(value["hasUnit"], f"{where}.hasUnit"), f"{where}.hasUnit")
    return Measure(to_decimal(number, f"{where}.hasNumericalValue"), unit)


def _moment(item: Item, name: str) -> datetime | None:
    value = item.one(name)
    return None if value is None else parse_moment(value, at(item, name))


_LOOSE_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
                           r"\s*(Z|z|[+-]\d{1,2}(?::?\d{2})?)?")


def parse_moment(value, where: str) -> datetime:
    """An xsd:dateTime, or what VF examples write instead (``2019-04-18T8:00:00-5:00``: one-digit hour and offset),
    or the datetime/date PyYAML already made of it."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    match = _LOOSE_MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise VFError(where, f"not a date and time: {value!r}")
    day, hour, minute, second, fraction, offset = match.groups()
    try:
        return datetime.fromisoformat(f"{day}T{int(hour or 0):02d}:{minute or '00'}:{second or '00'}"
                                      f"{(fraction or '')[:7]}").replace(tzinfo=_zone(offset))
    except ValueError as error:
        raise VFError(where, f"not a date and time: {value!r} ({error})") from None


def _zone(offset: str | None) -> timezone | None:
    if not offset:
        return None
    if offset in ("Z", "z"):
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def currency_name(spec_id: str) -> str | None:
    for prefix in WIKIDATA:
        if spec_id.startswith(prefix):
            return CURRENCIES.get(spec_id[len(prefix):])
    return None


# order ------------------------------------------------------------------------------------------------------------
def application_order(steps: list[Step]) -> list[Step]:
    """Document order, except that a process's outputs wait for the last of its inputs (see the module doc)."""
    last_input: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step.kind == "event" and step.item.input_of:
            last_input[step.item.input_of] = index

    def place(indexed: tuple[int, Step]) -> tuple[int, int, int]:
        index, step = indexed
        output_of = step.item.output_of if step.kind == "event" else None
        waits_for = last_input.get(output_of, -1) if output_of else -1
        return (waits_for, 1, index) if waits_for > index else (index, 0, index)  # just after that input

    return [step for _, step in sorted(enumerate(steps), key=place)]
