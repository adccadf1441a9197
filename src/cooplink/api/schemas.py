"""What crosses the API's edge: request bodies checked by pydantic, responses built from the core's dataclasses.

Quantities are exact: every number travels as a JSON string ("10.25"), never as a JSON number, in both
directions. A measure is VF's om2:Measure, ``{"hasNumericalValue": "10", "hasUnit": "kilogram"}``; requests may
also give it as text, ``"10 kg"``.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from cooplink.node.service import RecordEvent
from cooplink.vf.model import EconomicEvent, EconomicResource, NewResource, Process, ResourceSpecification
from cooplink.vf.units import Measure, plain, unit_named

# Union branches are chosen by the shape of the value, so an error names only the branch that was meant.
# Their tags appear in pydantic's error locations; the error handler leaves out every part starting with "<".
TAG = "<"


def _one_or_many(value) -> str:
    return f"{TAG}many" if isinstance(value, list) else f"{TAG}one"


def _text_or_measure(value) -> str:
    return f"{TAG}text" if isinstance(value, (str, int, float)) else f"{TAG}one"


class Closed(BaseModel):
    """A request body: unknown fields are refused (a typo must not be dropped silently)."""

    model_config = ConfigDict(extra="forbid")


# measures ---------------------------------------------------------------------------------------------------------
class MeasureIO(Closed):
    hasNumericalValue: Annotated[str, Field(strict=True, examples=["10.5"],
                                            description="The number, as a string: exact, never a float.")]
    hasUnit: Annotated[str, Field(examples=["kilogram"], description="OM2 name, UN/ECE Rec 20 code or symbol.")]

    @classmethod
    def of(cls, measure: Measure | None) -> "MeasureIO | None":
        if measure is None:
            return None
        return cls(hasNumericalValue=str(plain(measure.value)), hasUnit=measure.unit.name)

    def measure(self, field: str) -> Measure:
        return Measure.of(self.hasNumericalValue, unit_named(self.hasUnit, field), field)


QuantityIn = Annotated[Annotated[str, Tag(f"{TAG}text")] | Annotated[MeasureIO, Tag(f"{TAG}one")],
                       Discriminator(_text_or_measure)]


def _measure_in(value: str | MeasureIO | None, field: str) -> Measure | str | None:
    return value.measure(field) if isinstance(value, MeasureIO) else value


# events -----------------------------------------------------------------------------------------------------------
class EventIn(Closed):
    """An event to record: the fields of the service's RecordEvent. References may be short names on this node."""

    action: str = Field(examples=["produce"])
    quantity: QuantityIn | None = Field(None, description="resourceQuantity")
    effort: QuantityIn | None = Field(None, description="effortQuantity")
    resource: str | None = Field(None, description="resourceInventoriedAs: id, tracking id or IRI")
    to_resource: str | None = Field(None, description="toResourceInventoriedAs")
    spec: str | None = Field(None, description="resourceConformsTo")
    provider: str | None = Field(None, description="default: this node's own agent")
    receiver: str | None = Field(None, description="default: the provider")
    input_of: str | None = None
    output_of: str | None = None
    at_location: str | None = None
    to_location: str | None = None
    state: str | None = None
    note: str | None = None
    has_point_in_time: datetime | None = None
    corrects: str | None = None
    realization_of: str | None = None
    tracking_identifier: str | None = None
    lot: str | None = None
    lot_expiration: date | None = None
    resource_name: str | None = None
    new_to_resource: bool = False
    to_spec: str | None = None
    id: str | None = Field(None, description="the event's IRI when another node recorded it first")
    attributes: dict[str, Any] | None = Field(None, description="module attributes of the event")
    resource_attributes: dict[str, Any] | None = Field(None, description="... and of the resource it creates")

    def draft(self) -> RecordEvent:
        fields = self.model_dump(exclude={"quantity", "effort", "lot_expiration"})
        return RecordEvent(**fields, quantity=_measure_in(self.quantity, "resourceQuantity"),
                           effort=_measure_in(self.effort, "effortQuantity"),
                           lot_expiration=self.lot_expiration.isoformat() if self.lot_expiration else None)


EventsIn = Annotated[Annotated[EventIn, Tag(f"{TAG}one")] | Annotated[list[EventIn], Tag(f"{TAG}many")],
                     Discriminator(_one_or_many)]


class CorrectionIn(Closed):
    quantity: QuantityIn | None = Field(None, description="what the quantity should have been (0 backs it out)")
    effort: QuantityIn | None = None
    note: str | None = None

    def arguments(self) -> dict:
        return {"quantity": _measure_in(self.quantity, "resourceQuantity"),
                "effort": _measure_in(self.effort, "effortQuantity"), "note": self.note}


class LotOut(BaseModel):
    batch_lot_code: str
    expiration_date: date | None = None


class NewResourceOut(BaseModel):
    id: str
    name: str | None = None
    tracking_identifier: str | None = None
    lot: LotOut | None = None
    conforms_to: str | None = None

    @classmethod
    def of(cls, new: NewResource | None) -> "NewResourceOut | None":
        if new is None:
            return None
        return cls(id=new.id, name=new.name, tracking_identifier=new.tracking_identifier,
                   lot=_lot(new.lot), conforms_to=new.conforms_to)


class EventOut(BaseModel):
    kind: Literal["event"] = "event"
    id: str
    seq: int | None = None
    action: str
    provider: str
    receiver: str
    resource_inventoried_as: str | None = None
    to_resource_inventoried_as: str | None = None
    resource_conforms_to: str | None = None
    resource_quantity: MeasureIO | None = None
    effort_quantity: MeasureIO | None = None
    input_of: str | None = None
    output_of: str | None = None
    at_location: str | None = None
    to_location: str | None = None
    state: str | None = None
    has_point_in_time: datetime | None = None
    corrects: str | None = None
    realization_of: str | None = None
    note: str | None = None
    new_resource: NewResourceOut | None = Field(None, description="the resource the event created, if any")

    @classmethod
    def of(cls, event: EconomicEvent) -> "EventOut":
        plain_fields = {name: getattr(event, name) for name in cls.model_fields
                        if name not in ("kind", "resource_quantity", "effort_quantity", "new_resource")}
        return cls(**plain_fields, resource_quantity=MeasureIO.of(event.resource_quantity),
                   effort_quantity=MeasureIO.of(event.effort_quantity),
                   new_resource=NewResourceOut.of(event.new_resource))


class EventsOut(BaseModel):
    events: list[EventOut]


# resources --------------------------------------------------------------------------------------------------------
def _lot(lot) -> LotOut | None:
    return None if lot is None else LotOut(batch_lot_code=lot.batch_lot_code, expiration_date=lot.expiration_date)


class ResourceOut(BaseModel):
    kind: Literal["resource"] = "resource"
    id: str
    conforms_to: str
    name: str | None = None
    accounting_quantity: MeasureIO
    onhand_quantity: MeasureIO
    primary_accountable: str | None = None
    current_location: str | None = None
    contained_in: str | None = None
    stage: str | None = None
    state: str | None = None
    tracking_identifier: str | None = None
    lot: LotOut | None = None
    classified_as: list[str] = []
    note: str | None = None
    attributes: dict[str, Any] = Field({}, description="module attributes (e.g. food.produced_on)")

    @classmethod
    def of(cls, r: EconomicResource, attributes: dict | None = None) -> "ResourceOut":
        return cls(id=r.id, conforms_to=r.conforms_to, name=r.name, accounting_quantity=MeasureIO.of(r.accounting),
                   onhand_quantity=MeasureIO.of(r.onhand), primary_accountable=r.primary_accountable,
                   current_location=r.current_location, contained_in=r.contained_in, stage=r.stage, state=r.state,
                   tracking_identifier=r.tracking_identifier, lot=_lot(r.lot), classified_as=list(r.classified_as),
                   note=r.note, attributes=attributes or {})


class InventoryOut(BaseModel):
    node: str
    allow_negative_stock: bool
    resources: list[ResourceOut]


# processes --------------------------------------------------------------------------------------------------------
class ProcessIn(Closed):
    name: str
    based_on: str | None = Field(None, description="a process specification: the stage its outputs reach")
    note: str | None = None
    ref: str | None = Field(None, description="a short name; by default a fresh id")


class ProcessOut(BaseModel):
    kind: Literal["process"] = "process"
    id: str
    name: str
    based_on: str | None = None
    has_beginning: datetime | None = None
    has_end: datetime | None = None
    finished: bool = False
    note: str | None = None

    @classmethod
    def of(cls, p: Process) -> "ProcessOut":
        return cls(id=p.id, name=p.name, based_on=p.based_on, has_beginning=p.has_beginning, has_end=p.has_end,
                   finished=p.finished, note=p.note)


class ProcessFlowsOut(BaseModel):
    process: ProcessOut
    inputs: list[EventOut]
    outputs: list[EventOut]


# trace and track --------------------------------------------------------------------------------------------------
class ElsewhereOut(BaseModel):
    kind: Literal["elsewhere"] = "elsewhere"
    id: str = Field(description="a resource held in another ledger")


class StepOut(BaseModel):
    depth: int
    item: Annotated[ResourceOut | EventOut | ProcessOut | ElsewhereOut, Field(discriminator="kind")]

    @classmethod
    def of(cls, step) -> "StepOut":
        build = {"resource": ResourceOut.of, "event": EventOut.of, "process": ProcessOut.of,
                 "elsewhere": lambda e: ElsewhereOut(id=e.id)}[step.kind]
        return cls(depth=step.depth, item=build(step.item))


# specifications ---------------------------------------------------------------------------------------------------
class SpecIn(Closed):
    ref: str = Field(description="short name on this node, e.g. widget", examples=["widget"])
    name: str
    unit: str | None = Field(None, description="default unit of its resources", examples=["kilogram"])
    effort_unit: str | None = None
    classified_as: list[str] = []
    substitutable: bool = False
    medium_of_exchange: bool = False
    note: str | None = None
    attributes: dict[str, Any] | None = Field(None, description="module attributes")


class SpecOut(BaseModel):
    id: str
    name: str
    default_unit_of_resource: str | None = None
    default_unit_of_effort: str | None = None
    resource_classified_as: list[str] = []
    substitutable: bool = False
    medium_of_exchange: bool = False
    note: str | None = None
    attributes: dict[str, Any] = Field({}, description="module attributes (e.g. food.allergens)")

    @classmethod
    def of(cls, s: ResourceSpecification, attributes: dict | None = None) -> "SpecOut":
        unit, effort = s.default_unit_of_resource, s.default_unit_of_effort
        return cls(id=s.id, name=s.name, default_unit_of_resource=unit and unit.name,
                   default_unit_of_effort=effort and effort.name, resource_classified_as=list(s.resource_classified_as),
                   substitutable=s.substitutable, medium_of_exchange=s.medium_of_exchange, note=s.note,
                   attributes=attributes or {})


# the node: actor, verification, modules, tokens -------------------------------------------------------------------
class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class VerifyOut(BaseModel):
    ok: bool
    events: int
    resources: int
    differences: list[str]


class ModuleOut(BaseModel):
    name: str
    version: str
    description: str
    requires: list[str]
    enabled: bool


class TokenIn(Closed):
    role: Literal["viewer", "member", "admin"]
    name: str = Field(min_length=1)


class TokenOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    @classmethod
    def of(cls, t) -> "TokenOut":
        return cls(id=t.id, name=t.name, role=t.role, created_at=t.created_at, revoked_at=t.revoked_at)


class TokenCreated(TokenOut):
    token: str = Field(description="the secret: shown this once, never again")


class ErrorOut(BaseModel):
    field: str
    reason: str

