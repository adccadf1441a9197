"""The ValueFlows 1.0 objects a node keeps, as plain immutable dataclasses.

Identifiers are IRIs (strings). Optional references are None when absent. Names follow VF's terms in snake case.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from cooplink.vf.units import Measure, Unit


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    kind: str = "Organization"  # Person | Organization
    note: str | None = None

    def __post_init__(self):
        if self.kind not in ("Person", "Organization"):
            from cooplink.vf.errors import VFError

            raise VFError("@type", f"an agent is a Person or an Organization, not {self.kind!r}")


@dataclass(frozen=True, slots=True)
class ResourceSpecification:
    id: str
    name: str
    default_unit_of_resource: Unit | None = None
    default_unit_of_effort: Unit | None = None
    resource_classified_as: tuple[str, ...] = ()
    substitutable: bool = False
    medium_of_exchange: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessSpecification:
    id: str
    name: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class BatchLotRecord:
    batch_lot_code: str
    expiration_date: date | None = None


@dataclass(frozen=True, slots=True)
class EconomicResource:
    id: str
    conforms_to: str
    unit: Unit  # the unit both quantities are kept in
    name: str | None = None
    accounting_quantity: Decimal = Decimal(0)
    onhand_quantity: Decimal = Decimal(0)
    primary_accountable: str | None = None
    current_location: str | None = None
    contained_in: str | None = None
    stage: str | None = None
    state: str | None = None
    tracking_identifier: str | None = None
    lot: BatchLotRecord | None = None
    classified_as: tuple[str, ...] = ()
    note: str | None = None

    def evolve(self, **changes) -> "EconomicResource":
        """A copy with some fields changed: dataclasses.replace, at a third of the cost (the ingest hot path)."""
        new = object.__new__(EconomicResource)
        for name in EconomicResource.__slots__:
            object.__setattr__(new, name, changes[name] if name in changes else getattr(self, name))
        return new

    @property
    def accounting(self) -> Measure:
        return Measure(self.accounting_quantity, self.unit)

    @property
    def onhand(self) -> Measure:
        return Measure(self.onhand_quantity, self.unit)


@dataclass(frozen=True, slots=True)
class NewResource:
    """What an event says about the resource it creates (VF's newInventoriedResource)."""

    id: str
    name: str | None = None
    tracking_identifier: str | None = None
    lot: BatchLotRecord | None = None
    note: str | None = None
    conforms_to: str | None = None  # for a to-resource: its own specification, when not its source's


@dataclass(frozen=True, slots=True)
class EconomicEvent:
    id: str
    action: str
    provider: str
    receiver: str
    resource_inventoried_as: str | None = None
    to_resource_inventoried_as: str | None = None
    resource_conforms_to: str | None = None
    resource_quantity: Measure | None = None
    effort_quantity: Measure | None = None
    input_of: str | None = None
    output_of: str | None = None
    at_location: str | None = None
    to_location: str | None = None
    state: str | None = None
    has_point_in_time: datetime | None = None
    corrects: str | None = None
    realization_of: str | None = None
    note: str | None = None
    # Filled when the event creates its resource (produce, raise) or its to-resource (transfer to a new one).
    new_resource: NewResource | None = None
    seq: int | None = None  # the ledger's order; None until recorded


@dataclass(frozen=True, slots=True)
class Process:
    id: str
    name: str
    based_on: str | None = None  # a ProcessSpecification: the stage its outputs reach
    has_beginning: datetime | None = None
    has_end: datetime | None = None
    finished: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RecipeFlow:
    id: str
    action: str
    resource_conforms_to: str | None = None
    resource_quantity: Measure | None = None
    effort_quantity: Measure | None = None
    recipe_input_of: str | None = None
    recipe_output_of: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RecipeProcess:
    id: str
    name: str
    process_conforms_to: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Recipe:
    id: str
    name: str
    primary_output: str | None = None  # a ResourceSpecification
    processes: tuple[RecipeProcess, ...] = ()
    flows: tuple[RecipeFlow, ...] = field(default=())
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promised flow within an Agreement: a goods line (transfer N of a spec at a unit price) or, at position 0,
    the reciprocal commitment to pay the agreement's total."""

    id: str
    clause_of: str  # the Agreement
    position: int  # 1, 2, ... goods lines; 0 the payment
    action: str
    provider: str
    receiver: str
    resource_conforms_to: str | None = None
    resource_quantity: Measure | None = None
    unit_price: Decimal | None = None  # per resource_quantity.unit, in the agreement's currency
    tax_rate: Decimal | None = None  # percent
    amount: Decimal | None = None  # the payment commitment's total (net + tax)


@dataclass(frozen=True, slots=True)
class Agreement:
    """An order: a sale (this node provides the goods) or a purchase (it receives them)."""

    id: str
    direction: str  # sale | purchase
    counterparty: str
    currency: str  # ISO 4217
    payment_terms_days: int
    created_on: date
    commitments: tuple[Commitment, ...] = ()
    name: str | None = None
    note: str | None = None
    status: str = "accepted"  # proposed (sent by a customer, not accepted yet) | accepted | rejected

    @property
    def lines(self) -> tuple[Commitment, ...]:
        return tuple(c for c in self.commitments if c.position > 0)

    @property
    def payment(self) -> Commitment | None:
        return next((c for c in self.commitments if c.position == 0), None)


@dataclass(frozen=True, slots=True)
class Fulfillment:
    """An event fulfils (part of) a commitment; the quantity is in the commitment's unit."""

    event: str
    commitment: str
    quantity: Measure


@dataclass(frozen=True, slots=True)
class ClaimLine:
    position: int
    resource_conforms_to: str
    resource_quantity: Measure  # negative on a credit note
    unit_price: Decimal
    tax_rate: Decimal  # percent
    net: Decimal  # rounded to the currency's minor unit
    commitment: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """An invoice (sale), a bill (purchase), or a credit note (``credits`` names the claim it reduces)."""

    id: str
    number: str
    direction: str  # sale | purchase
    agreement: str
    provider: str  # who is owed
    receiver: str  # who owes
    currency: str
    issued_on: date
    due_on: date
    lines: tuple[ClaimLine, ...] = ()
    triggered_by: tuple[str, ...] = ()  # delivery events
    credits: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment event that settles (part of) a claim."""

    id: str
    settles: str
    provider: str
    receiver: str
    amount: Decimal
    currency: str
    paid_on: date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Dispute:
    id: str
    subject: str  # a delivery event or a claim
    subject_kind: str  # delivery | claim
    reason: str
    expected: Decimal
    actual: Decimal
    measure: str  # unit name (delivery) or currency (claim)
    opened_at: datetime
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    opened_by: str | None = None  # the agent that opened it

    @property
    def open(self) -> bool:
        return self.resolved_by is None
