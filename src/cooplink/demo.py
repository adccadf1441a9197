"""The two-co-op story, on one machine: two nodes in two data folders, linked by one shared event.

Coop A makes widgets from steel sheet in a lot, and sells some to Coop B. B records the receipt of the same event
(same event IRI) on its own node, keeping A's lot and tracking id, under its own specification for the component.
B uses some widgets to make product C. Then a unit of C is traced back: on B's node the trail ends where the
widgets came in from A's ledger, and it continues on A's node from A's resource to A's lot and the process that
made it. Both ledgers are then replayed to prove their balances equal their events.
"""

import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from cooplink.cli.render import Labels, print_steps
from cooplink.cli.reports import print_inventory, print_verify
from cooplink.node.service import Node, RecordEvent
from cooplink.vf.units import plain

A_URL, B_URL = "http://127.0.0.1:8001", "http://127.0.0.1:8002"
WIDGET_LOT, WIDGET_TRACKING = "W-2026-11-A", "WID-2611"
PRODUCT_LOT, PRODUCT_TRACKING = "C-2026-11-001", "C-0001"
MADE, SOLD, USED, PRODUCT_MADE = 100, 40, 30, 15


@dataclass(frozen=True)
class Sale:
    event_id: str
    resource_id: str  # A's widget resource, which stays in A's ledger
    quantity: str


def run(folder: str | Path = "demo-data", out: Console | None = None) -> None:
    from cooplink.cli.common import console

    out = out or console()
    folder = Path(folder)
    coop_a, coop_b = _fresh_node(folder / "coop-a", "Coop A", A_URL), _fresh_node(folder / "coop-b", "Coop B", B_URL)
    out.print(f"[bold]Two co-ops, two ledgers[/]: Coop A in {coop_a.home}, Coop B in {coop_b.home}")
    widgets = make_widgets(coop_a, out)
    sale = sell_widgets(coop_a, widgets, out)
    received = receive_widgets(coop_b, sale, out)
    product = make_product_c(coop_b, received, out)
    show_stock(coop_a, coop_b, widgets, sale, out)
    trace_back(coop_a, coop_b, product, out)
    check_books(coop_a, coop_b, out)
    out.print(f"\nLook around: [bold]cooplink --node {coop_b.home} trace {PRODUCT_TRACKING}[/]")


def _fresh_node(home: Path, name: str, base_url: str) -> Node:
    shutil.rmtree(home, ignore_errors=True)  # each run tells the story from the start
    return Node.init(home, name, base_url)


def _heading(out: Console, text: str) -> None:
    out.print(f"\n[bold underline]{text}[/]")


def make_widgets(coop_a: Node, out: Console) -> str:
    """A turns 20 kg of steel sheet and 6 hours of Ana's work into 100 widgets of one lot; returns their id."""
    _heading(out, "1. Coop A makes widgets")
    coop_a.add_agent(B_URL, "Coop B")
    coop_a.add_agent("ana", "Ana", kind="Person")
    coop_a.add_spec("steel", "Steel sheet", unit="kilogram")
    coop_a.add_spec("widget", "Widget", unit="piece")
    coop_a.add_process_spec("assembly", "Widget assembly")
    [steel] = coop_a.record(RecordEvent("raise", "50 kg", spec="steel", lot="S-0815", note="opening stock"))
    run = coop_a.start_process("Widget run, November", based_on="assembly")
    [_, _, made] = coop_a.record(
        RecordEvent("consume", "20 kg", resource=steel.resource_inventoried_as, input_of=run.id),
        RecordEvent("work", effort="6 hour", provider="ana", receiver="self", input_of=run.id),
        RecordEvent("produce", f"{MADE} piece", spec="widget", output_of=run.id, lot=WIDGET_LOT,
                    tracking_identifier=WIDGET_TRACKING, lot_expiration="2031-12-31"))
    coop_a.finish_process(run.id)
    out.print(f"In process '{run.name}', Ana worked 6 hours and used 20 kg of steel sheet.")
    out.print(f"Out came {MADE} widgets: lot [cyan]{WIDGET_LOT}[/], tracking id [cyan]{WIDGET_TRACKING}[/].")
    return made.resource_inventoried_as


def sell_widgets(coop_a: Node, widgets: str, out: Console) -> Sale:
    """A transfers widgets to B: its stock drops; the receiving side is B's ledger, so no local to-resource."""
    _heading(out, "2. Coop A sells widgets to Coop B")
    [sale] = coop_a.record(RecordEvent("transfer", f"{SOLD} piece", resource=widgets, receiver=B_URL,
                                       note="order 2026-117"))
    out.print(f"Coop A records the sale of {SOLD} widgets as event {sale.id}")
    return Sale(sale.id, widgets, f"{SOLD} piece")


def receive_widgets(coop_b: Node, sale: Sale, out: Console) -> str:
    """B records the same event: the goods come from A's resource (held in A's ledger) into a new resource of B's
    own specification, with A's lot and tracking id kept. Returns B's new resource."""
    _heading(out, "3. Coop B receives them")
    coop_b.add_agent(A_URL, "Coop A")
    coop_b.add_agent("ben", "Ben", kind="Person")
    coop_b.add_spec("widget-component", "Widget (component from Coop A)", unit="piece")
    coop_b.add_spec("product-c", "Product C", unit="piece")
    [receipt] = coop_b.record(RecordEvent(
        "transfer", sale.quantity, id=sale.event_id, resource=sale.resource_id, provider=A_URL, receiver="self",
        new_to_resource=True, to_spec="widget-component", lot=WIDGET_LOT, tracking_identifier=WIDGET_TRACKING,
        note="order 2026-117"))
    out.print(f"Coop B's node records the [bold]same[/] event {receipt.id}:")
    out.print(f"{SOLD} widgets arrive as B's own item 'Widget (component from Coop A)', "
              f"lot [cyan]{WIDGET_LOT}[/] kept.")
    out.print("[dim](Between real nodes this event travels as a signed message; here it is handed over directly.)[/]")
    return receipt.to_resource_inventoried_as


def make_product_c(coop_b: Node, components: str, out: Console) -> str:
    _heading(out, "4. Coop B makes product C")
    run = coop_b.start_process("Product C assembly")
    [_, _, made] = coop_b.record(
        RecordEvent("consume", f"{USED} piece", resource=components, input_of=run.id),
        RecordEvent("work", effort="4 hour", provider="ben", receiver="self", input_of=run.id),
        RecordEvent("produce", f"{PRODUCT_MADE} piece", spec="product-c", output_of=run.id, lot=PRODUCT_LOT,
                    tracking_identifier=PRODUCT_TRACKING))
    coop_b.finish_process(run.id)
    out.print(f"Ben worked 4 hours and used {USED} widgets: {PRODUCT_MADE} units of product C, "
              f"lot [cyan]{PRODUCT_LOT}[/], tracking id [cyan]{PRODUCT_TRACKING}[/].")
    return made.resource_inventoried_as


def show_stock(coop_a: Node, coop_b: Node, widgets: str, sale: Sale, out: Console) -> None:
    _heading(out, "5. Stock on both sides")
    print_inventory(out, coop_a, coop_a.inventory(), title="Coop A")
    print_inventory(out, coop_b, coop_b.inventory(), title="Coop B")
    left = coop_a.resource(widgets).onhand_quantity
    received = _received(coop_b, sale.event_id)
    out.print(f"Coop A's widget stock went from {MADE} to {plain(left)} (−{plain(Decimal(MADE) - left)}); "
              f"Coop B received {plain(received)}. Nobody typed the sale twice.")


def _received(coop_b: Node, event_id: str) -> Decimal:
    return coop_b.event(event_id).resource_quantity.value


def trace_back(coop_a: Node, coop_b: Node, product: str, out: Console) -> None:
    _heading(out, f"6. Where did product C ({PRODUCT_LOT}) come from?")
    out.print("On Coop B's node:")
    steps = coop_b.trace(product)
    print_steps(out, steps, Labels.of(coop_b))
    elsewhere = [s.id for s in steps if s.kind == "elsewhere"]
    for resource_id in elsewhere:
        out.print(f"\nThe trail leaves Coop B's ledger at {resource_id}, held in Coop A's ledger.")
        out.print("On Coop A's node, from that resource:")
        a_steps = coop_a.trace(resource_id)
        print_steps(out, a_steps, Labels.of(coop_a))
        out.print(_origin(a_steps))


def _origin(steps) -> str:
    """One sentence naming the lot and the process the trail reached on A's node."""
    lots = [s.item.lot.batch_lot_code for s in steps if s.kind == "resource" and s.item.lot]
    processes = [s.item.name for s in steps if s.kind == "process"]
    made_in = f", made in process '{processes[0]}'" if processes else ""
    return f"[bold]Product C's widgets come from Coop A's lot {lots[0]}{made_in}.[/]" if lots else \
        "Coop A's ledger holds no lot for these widgets."


def check_books(coop_a: Node, coop_b: Node, out: Console) -> None:
    _heading(out, "7. Do the books add up?")
    for node in (coop_a, coop_b):
        print_verify(out, node.verify(), who=node.name)
