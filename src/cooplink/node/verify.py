"""Proof that the ledger cannot drift: every resource equals the fold of its events."""

from dataclasses import dataclass, field

from cooplink.ledger import mapping
from cooplink.ledger.repository import Ledger
from cooplink.vf.effects import Situation, apply_event
from cooplink.vf.model import EconomicResource

# What events maintain on a resource; descriptive fields (name, lot) are set once at creation.
MAINTAINED = ("accounting_quantity", "onhand_quantity", "primary_accountable", "current_location", "contained_in",
              "stage", "state")


@dataclass
class VerifyReport:
    events: int = 0
    resources: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def replay(ledger: Ledger) -> VerifyReport:
    stored = {r.id: r for r in ledger.all_resources()}
    folded: dict[str, EconomicResource] = {}
    originals = ledger.corrected_events()
    stages: dict[str, str | None] = {}
    report = VerifyReport(resources=len(stored))
    for row in ledger.all_event_rows():
        created_id = row.resource_inventoried_as if row.creates == "resource" else row.to_resource_inventoried_as
        event = mapping.event_from(row, stored.get(created_id) if row.creates else None)
        if row.creates and created_id not in stored:
            report.differences.append(f"event {row.id} created {created_id}, which the ledger does not hold")
            continue
        spec = ledger.spec(event.resource_conforms_to) if event.resource_conforms_to else None
        if event.output_of and event.output_of not in stages:
            process = ledger.process(event.output_of)
            stages[event.output_of] = process.based_on if process else None
        named = [i for i in (row.resource_inventoried_as, row.to_resource_inventoried_as)
                 if i and not (row.creates and i == created_id)]
        touched = {i: folded.get(i) or _empty(stored[i]) for i in named if i in stored}
        situation = Situation(resources=touched, spec=spec, stage=stages.get(event.output_of),
                              corrected=originals.get(event.corrects), allow_negative=True,
                              external=frozenset(i for i in named if i not in stored))
        folded.update(apply_event(event, situation))
        report.events += 1
    for resource_id, resource in stored.items():
        expected = folded.get(resource_id) or _empty(resource)
        for name in MAINTAINED:
            if getattr(expected, name) != getattr(resource, name):
                report.differences.append(f"{resource_id} {name}: ledger holds {getattr(resource, name)}, "
                                          f"its events give {getattr(expected, name)}")
    return report


def _empty(resource: EconomicResource) -> EconomicResource:
    """A resource as it stood before any event: no quantity, nothing that events maintain."""
    from dataclasses import replace
    from decimal import Decimal

    return replace(resource, accounting_quantity=Decimal(0), onhand_quantity=Decimal(0), primary_accountable=None,
                   current_location=None, contained_in=None, stage=None, state=None)

