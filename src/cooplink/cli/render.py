"""How a node's records look: plain JSON for scripts, rich tables and trees for people.

The demo prints through these too, so a co-op member sees the same shapes there as at the command line.
"""

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cooplink.vf.model import EconomicEvent, EconomicResource, Process
from cooplink.vf.units import Measure, Unit, plain


# JSON -------------------------------------------------------------------------------------------------------------
def jsonable(value):
    """Model objects as JSON values: dataclasses as objects, Decimals as strings (never floats), units by name."""
    if isinstance(value, Decimal):
        return str(plain(value))
    if isinstance(value, Unit):
        return value.name
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def dumps(value) -> str:
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False)


# names ------------------------------------------------------------------------------------------------------------
class Labels:
    """Short, readable names for IRIs: an agent's or spec's name, a local id's last segment, else the full IRI."""

    def __init__(self, base_url: str, names: dict[str, str] | None = None):
        self.base_url = base_url
        self.names = names or {}

    @classmethod
    def of(cls, node) -> "Labels":
        from cooplink.link.peers import peers  # (the command line starts without loading the database layer)

        names = {p.id: p.name for p in peers(node)}  # a peer's node is its agent, named in its actor document
        names.update({a.id: a.name for a in node.agents()})
        names.update({s.id: s.name for s in node.specs()})
        return cls(node.base_url, names)

    def short(self, iri: str | None) -> str:
        if not iri:
            return ""
        if iri.startswith(self.base_url + "/"):
            return iri.rsplit("/", 1)[-1]
        return iri

    def name(self, iri: str | None) -> str:
        return (self.names.get(iri) or self.short(iri)) if iri else ""


def amount(measure: Measure | None) -> str:
    return f"{plain(measure.value)} {measure.unit.name}" if measure is not None else ""


def number(value: Decimal) -> str:
    return str(plain(value))


# resources --------------------------------------------------------------------------------------------------------
def inventory_table(resources: list[EconomicResource], labels: Labels, title: str | None = None,
                    attributes: dict[str, dict] | None = None) -> Table:
    """``attributes``: module attributes by resource; they get a column when any resource has some."""
    table = Table(title=title, title_justify="left")
    for header, justify in (("resource", "left"), ("name", "left"), ("spec", "left"), ("accounting", "right"),
                            ("on hand", "right"), ("unit", "left"), ("lot", "left"), ("tracking id", "left"),
                            ("location", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    with_attributes = any((attributes or {}).values())
    if with_attributes:
        table.add_column("attributes", overflow="fold")
    for r in resources:
        cells = [escape(labels.short(r.id)), escape(r.name or ""), escape(labels.short(r.conforms_to)),
                 number(r.accounting_quantity), number(r.onhand_quantity), r.unit.name,
                 escape(lot_text(r)), escape(r.tracking_identifier or ""), escape(r.current_location or "")]
        table.add_row(*cells, *([attribute_lines(attributes.get(r.id, {}))] if with_attributes else []))
    return table


def attribute_lines(values: dict) -> str:
    """Module attributes in a table cell, one a line."""
    return "\n".join(f"{escape(name)}: {escape(attribute_text(value))}" for name, value in values.items())


def attribute_text(value) -> str:
    """An attribute's value for people: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def lot_text(resource: EconomicResource) -> str:
    if resource.lot is None:
        return ""
    expiry = resource.lot.expiration_date
    return resource.lot.batch_lot_code + (f" (expires {expiry.isoformat()})" if expiry else "")


def resource_line(resource: EconomicResource, labels: Labels) -> str:
    parts = [f"[bold]{escape(resource.name or labels.name(resource.conforms_to))}[/]",
             f"{number(resource.onhand_quantity)} {resource.unit.name} on hand"]
    if resource.lot is not None:
        parts.append(f"lot [cyan]{escape(lot_text(resource))}[/]")
    if resource.tracking_identifier:
        parts.append(f"tracking id [cyan]{escape(resource.tracking_identifier)}[/]")
    return " · ".join(parts) + f"  [dim]{escape(labels.short(resource.id))}[/]"


# events -----------------------------------------------------------------------------------------------------------
def event_line(event: EconomicEvent, labels: Labels) -> str:
    """One event as a sentence: what happened, how much, between whom, to which resources."""
    parts = [f"[bold]{event.action}[/]"]
    if event.resource_quantity is not None:
        parts.append(amount(event.resource_quantity))
    if event.effort_quantity is not None:
        parts.append(f"({amount(event.effort_quantity)} of effort)")
    if event.provider != event.receiver:
        parts.append(f"from {escape(labels.name(event.provider))} to {escape(labels.name(event.receiver))}")
    if event.note:
        parts.append(f"“{escape(event.note)}”")
    return " ".join(parts) + f"  [dim]{escape(labels.short(event.id))}[/]"


def history_table(events: list[EconomicEvent], labels: Labels) -> Table:
    table = Table()
    for header in ("#", "when", "action", "quantity", "from → to", "resource → to-resource", "process", "note",
                   "event"):
        table.add_column(header, overflow="fold")
    for e in events:
        process = f"in {labels.short(e.input_of)}" if e.input_of else \
            f"out {labels.short(e.output_of)}" if e.output_of else ""
        table.add_row(str(e.seq or ""), e.has_point_in_time.strftime("%Y-%m-%d %H:%M") if e.has_point_in_time else "",
                      e.action, amount(e.resource_quantity) or amount(e.effort_quantity),
                      escape(_arrow(labels.name(e.provider), labels.name(e.receiver))),
                      escape(_arrow(labels.short(e.resource_inventoried_as),
                                    labels.short(e.to_resource_inventoried_as))),
                      escape(process), escape(e.note or ""), escape(labels.short(e.id)))
    return table


def _arrow(left: str, right: str) -> str:
    return f"{left} → {right}" if right and right != left else left


def event_table(event: EconomicEvent, labels: Labels) -> Table:
    """Every field an event has, one a row."""
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in jsonable(event).items():
        if value not in (None, "", []):
            shown = _field_text(value)
            table.add_row(key, escape(str(shown)))
    return table


def _field_text(value) -> str:
    if not isinstance(value, dict):
        return str(value)
    if value.keys() == {"value", "unit"}:  # a Measure
        return f"{value['value']} {value['unit']}"
    return ", ".join(f"{k} {_field_text(v)}" for k, v in value.items() if v)


def process_line(process: Process, labels: Labels) -> str:
    state = "finished" if process.finished else "open"
    based_on = f", based on {escape(labels.short(process.based_on))}" if process.based_on else ""
    return (f"process [bold magenta]{escape(process.name)}[/] ({state}{based_on})"
            f"  [dim]{escape(labels.short(process.id))}[/]")


# trace and track ----------------------------------------------------------------------------------------------------
def step_line(step, labels: Labels) -> str:
    if step.kind == "resource":
        return resource_line(step.item, labels)
    if step.kind == "event":
        return event_line(step.item, labels)
    if step.kind == "process":
        return process_line(step.item, labels)
    return f"[yellow]held in another ledger:[/] {escape(step.item.id)}"


def print_steps(console: Console, steps, labels: Labels) -> None:
    """An indented tree, one step a line, indented by its depth."""
    for step in steps:
        console.print("  " * step.depth + "└ " * (step.depth > 0) + step_line(step, labels), highlight=False)
