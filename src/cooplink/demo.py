"""The two-co-op story, as two real nodes: Coop A and Coop B, each a `cooplink serve` process on 127.0.0.1 with its
own SQLite ledger, linked by signed messages that their servers' delivery workers carry.

A makes widgets in a lot. B orders 40; A maps B's name for them and accepts; A ships 30, then the 10 backordered;
A invoices, B's bill appears by itself; B disputes 2 broken widgets and A credits them; B pays. B makes product C
from 30 widgets, and a unit of C is traced back through B's ledger into A's, to A's lot and the process that made
it. Both nodes then reconcile what they share, and replay their ledgers.

The co-ops' commands run here, against each node's database, as `cooplink order create ...` would beside a running
server; the messages they write into the outbox are sent by the servers, and this story waits for them to arrive.
"""

import shutil
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from cooplink.cli.render import Labels, print_steps
from cooplink.cli.reports import print_followed, print_inventory, print_verify
from cooplink.ledger.federation import inbox_rows
from cooplink.link import peer_reads, peers
from cooplink.node.commerce import ClaimView, OrderLine, Ship
from cooplink.node.service import Node, RecordEvent
from cooplink.processes import free_port, start_server, stop_process, wait_until_up
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement
from cooplink.vf.units import plain

WIDGET_LOT, WIDGET_TRACKING = "W-2026-11-A", "WID-2611"
PRODUCT_LOT, PRODUCT_TRACKING = "C-2026-11-001", "C-0001"
MADE, ORDERED, FIRST, USED, PRODUCT_MADE = 100, 40, 30, 30, 15
BROKEN = 2
PRICE, TAX_RATE, CURRENCY = "2.35", "19", "EUR"
FIRST_PAYMENT = Decimal("50.00")
DELIVERY_SECONDS = 20.0  # how long a message may take between the two servers before the story gives up


@dataclass
class Coop:
    """One co-op: its node (opened here), its server process, and the server's log."""

    node: Node
    colour: str
    process: subprocess.Popen | None = None
    delivered: int = 0  # the outbox seq up to which this story has shown what was sent

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def url(self) -> str:
        return self.node.base_url

    @property
    def log(self) -> Path:
        return self.node.home / "serve.log"


class Story:
    def __init__(self, a: Coop, b: Coop, out: Console):
        self.a, self.b, self.out = a, b, out

    def say(self, coop: Coop, text: str) -> None:
        self.out.print(f"[bold {coop.colour}]{escape(coop.name)}[/] {text}", soft_wrap=False)

    def note(self, text: str) -> None:
        self.out.print(f"[dim]{text}[/]")

    def heading(self, text: str) -> None:
        self.out.print(f"\n[bold underline]{text}[/]")

    def deliver(self, sender: Coop, receiver: Coop) -> None:
        """Wait until the sender's server has delivered all it holds for the receiver; say what went."""
        started = time.monotonic()
        while True:
            undelivered = [m for m in sender.node.outbox() if m.peer == receiver.url and m.status != "delivered"]
            dead = [m for m in undelivered if m.status == "dead"]
            if dead:
                raise VFError("delivery", f"{receiver.name} refused {sender.name}'s {dead[0].type} "
                                          f"{dead[0].activity_id}: {dead[0].last_error}")
            if not undelivered:
                break
            if time.monotonic() - started > DELIVERY_SECONDS:
                raise VFError("delivery", f"{sender.name}'s server did not deliver to {receiver.name} within "
                                          f"{DELIVERY_SECONDS:g} s: " + "; ".join(
                                              f"{m.type} {m.activity_id} ({m.attempts} attempts, last error "
                                              f"{m.last_error})" for m in undelivered) + f" (log: {sender.log})")
            time.sleep(0.05)
        sent = [m for m in sender.node.outbox(status="delivered") if m.seq > sender.delivered]
        sender.delivered = max([sender.delivered, *(m.seq for m in sent)])
        kinds = ", ".join(m.type or "?" for m in sent)
        self.note(f"   ✉ {sender.name}'s server → {receiver.name}'s inbox: {kinds}, signed "
                  f"({time.monotonic() - started:.1f} s)")
        self.check_applied(receiver, sender)

    def check_applied(self, receiver: Coop, sender: Coop) -> None:
        """Delivered is not applied: the receiver may keep an activity waiting (for a map), or refuse it later."""
        with receiver.node.reading() as ledger:
            held = [row for row in inbox_rows(ledger, sender.url) if row.status != "applied"]
        for row in held:
            if row.status != "waiting":
                raise VFError("delivery", f"{receiver.name} {row.status} {sender.name}'s {row.type} "
                                          f"{row.activity_id}: {row.note}")
            self.note(f"   ⧗ {receiver.name} keeps the {row.type} waiting: {escape(row.note or '')}")


def run(folder: str | Path = "demo-data", out: Console | None = None) -> None:
    from cooplink.cli.common import console

    out = out or console()
    folder = Path(folder)
    a = Coop(_fresh_node(folder / "coop-a", "Coop A"), "blue")
    b = Coop(_fresh_node(folder / "coop-b", "Coop B"), "green")
    story = Story(a, b, out)
    try:
        start_servers(story)
        tell(story)
    finally:
        stop_servers(story)
    out.print(f"\nThe ledgers stay in {a.node.home} and {b.node.home} (each server's log: serve.log there). "
              "Look around:")
    for home, command in ((b.node.home, f"trace {PRODUCT_TRACKING}"), (a.node.home, "invoice list"),
                          (b.node.home, "bill list"), (a.node.home, "serve --port " + str(_port(a)))):
        out.print(f"  [bold]cooplink --node {home} {command}[/]")


def tell(story: Story) -> None:
    """The whole story, top to bottom."""
    widgets = make_widgets(story)
    prepare_coop_b(story)
    wait_for_servers(story)
    link(story)
    order = propose_order(story)
    review_and_accept(story, order)
    deliveries = ship(story, order, widgets)
    bill = invoice(story, order)
    dispute(story, deliveries[-1])
    pay(story, bill)
    product = make_product_c(story, deliveries[0])
    trace_back(story, product)
    check_books(story)


def _fresh_node(home: Path, name: str) -> Node:
    shutil.rmtree(home, ignore_errors=True)  # each run tells the story from the start
    return Node.init(home, name, f"http://127.0.0.1:{free_port()}")


def _port(coop: Coop) -> int:
    return int(coop.url.rsplit(":", 1)[1])


# 1. two nodes, two servers --------------------------------------------------------------------------------------------
def start_servers(story: Story) -> None:
    """`cooplink serve` for each node; they start up while the co-ops record their first events."""
    story.heading("1. Two co-ops, two nodes, two servers")
    for coop in (story.a, story.b):
        coop.process = start_server(coop.node.home, _port(coop), coop.log)


def wait_for_servers(story: Story) -> None:
    for coop in (story.a, story.b):
        wait_until_up(coop.url, coop.process, coop.log, path="/actor")
        story.say(coop, f"serves {coop.url} (process {coop.process.pid}, ledger in {coop.node.home})")


def stop_servers(story: Story) -> None:
    """SIGTERM to each server (a server that does not stop in time is killed, and said so)."""
    for coop in (story.a, story.b):
        if coop.process is not None:
            try:
                stop_process(coop.process)
            except subprocess.TimeoutExpired:
                story.say(coop, f"[red]server did not stop in time and was killed[/] (log: {coop.log})")
    story.out.print("\nBoth servers stopped.")


def make_widgets(story: Story) -> str:
    """A turns 20 kg of steel sheet and 6 hours of Ana's work into 100 widgets of one lot; returns their id."""
    a = story.a.node
    a.add_agent(story.b.url, "Coop B")
    a.add_agent("ana", "Ana", kind="Person")
    a.add_spec("steel", "Steel sheet", unit="kilogram")
    a.add_spec("widget", "Widget", unit="piece")
    a.add_process_spec("assembly", "Widget assembly")
    [steel] = a.record(RecordEvent("raise", "50 kg", spec="steel", lot="S-0815", note="opening stock"))
    run = a.start_process("Widget run, November", based_on="assembly")
    [_, _, made] = a.record(
        RecordEvent("consume", "20 kg", resource=steel.resource_inventoried_as, input_of=run.id),
        RecordEvent("work", effort="6 hour", provider="ana", receiver="self", input_of=run.id),
        RecordEvent("produce", f"{MADE} piece", spec="widget", output_of=run.id, lot=WIDGET_LOT,
                    tracking_identifier=WIDGET_TRACKING, lot_expiration="2031-12-31"))
    a.finish_process(run.id)
    story.say(story.a, f"makes {MADE} widgets from 20 kg of steel sheet and 6 hours of Ana's work in process "
                       f"'{run.name}': lot [cyan]{WIDGET_LOT}[/], tracking id [cyan]{WIDGET_TRACKING}[/]")
    return made.resource_inventoried_as


def prepare_coop_b(story: Story) -> None:
    b = story.b.node
    b.add_agent(story.a.url, "Coop A")
    b.add_agent("ben", "Ben", kind="Person")
    b.add_spec("widget-component", "Widget (component)", unit="piece")
    b.add_spec("product-c", "Product C", unit="piece")
    story.say(story.b, "keeps its own items: 'Widget (component)' and 'Product C'")


# 2. link --------------------------------------------------------------------------------------------------------------
def link(story: Story) -> None:
    """Each pins the key the other's server publishes, as `cooplink peer add URL --yes` does."""
    story.heading("2. The two nodes link")
    for coop, other in ((story.a, story.b), (story.b, story.a)):
        pinned = peers.add_peer(coop.node, peers.fetch_actor(other.url))
        story.say(coop, f"pinned {pinned.name}'s key {pinned.key_id}, fingerprint [cyan]{pinned.fingerprint}[/]")


# 3. the order ---------------------------------------------------------------------------------------------------------
def propose_order(story: Story) -> Agreement:
    story.heading("3. Coop B orders widgets from Coop A")
    order = story.b.node.create_order("purchase", story.a.url,
                                      [OrderLine("widget-component", f"{ORDERED} piece", PRICE, TAX_RATE)], CURRENCY)
    story.say(story.b, f"proposes purchase order {_short(order.id)}: {ORDERED} × Widget (component) at {PRICE} "
                       f"{CURRENCY} + {TAX_RATE}% VAT, {order.payment.amount} {CURRENCY} in all ({order.status})")
    story.deliver(story.b, story.a)
    return order


def review_and_accept(story: Story, order: Agreement) -> None:
    a = story.a.node
    [review] = a.mapping_reviews()
    story.say(story.a, f"reviews Coop B's item '{escape(review.name or '')}' ({review.their_spec}), not mapped here "
                       f"yet. Suggestion: its own '{_spec_name(a, review.suggestion)}'")
    a.approve_mapping(review.peer, review.their_spec)
    view = a.order(order.id)
    story.say(story.a, f"approves the suggestion (cooplink map approve): the order is now its sale order, "
                       f"{view.agreement.status}")
    a.accept_order(order.id)
    story.say(story.a, "accepts the order")
    story.deliver(story.a, story.b)
    story.say(story.b, f"sees its order {story.b.node.order(order.id).agreement.status}")


# 4. shipping ----------------------------------------------------------------------------------------------------------
def ship(story: Story, order: Agreement, widgets: str) -> list[str]:
    """30 now, the 10 backordered later; returns the delivery event ids (the same on both nodes)."""
    story.heading("4. Coop A ships: 30 now, 10 later")
    their_widget = f"{story.a.url}/specs/widget"
    story.b.node.map_spec(story.a.url, their_widget, "widget-component")
    story.say(story.b, f"maps Coop A's 'Widget' ({their_widget}) to its own 'Widget (component)' ahead "
                       "(cooplink map add)")
    story.note("   (Coop A's messages already name B's own item: A learned that map when it approved it in step 3)")
    deliveries = []
    for quantity in (FIRST, ORDERED - FIRST):
        shipment = story.a.node.ship(order.id, Ship(1, f"{quantity} piece", resource=widgets))
        [event] = shipment.events
        deliveries.append(event.id)
        story.say(story.a, f"ships {quantity} widgets of lot {WIDGET_LOT} (event {_short(event.id)})")
        story.deliver(story.a, story.b)
        [line] = story.b.node.order(order.id).lines
        story.say(story.b, f"sees order line 1: {plain(line.shipped.value)} of {ORDERED} shipped, "
                           f"{plain(line.backordered.value)} backordered")
    show_stock(story, widgets, deliveries)
    return deliveries


def show_stock(story: Story, widgets: str, deliveries: list[str]) -> None:
    left = story.a.node.resource(widgets).onhand_quantity
    received = [story.b.node.resource(story.b.node.event(e).to_resource_inventoried_as) for e in deliveries]
    lots = sorted({r.lot.batch_lot_code for r in received if r.lot})
    total = sum(r.onhand_quantity for r in received)
    story.say(story.a, f"widget stock went from {MADE} to {plain(left)} (−{plain(Decimal(MADE) - left)})")
    story.say(story.b, f"received {plain(total)} widgets as 'Widget (component)', lot [cyan]{', '.join(lots)}[/] "
                       "kept. Nobody typed the sale twice.")


# 5. invoice -----------------------------------------------------------------------------------------------------------
def invoice(story: Story, order: Agreement) -> str:
    story.heading("5. Coop A invoices")
    sent = story.a.node.create_invoice(order.id)
    story.say(story.a, f"invoices {sent.claim.number}: {_money(sent)}, due {sent.claim.due_on}")
    story.deliver(story.a, story.b)
    [bill] = story.b.node.bills()
    story.say(story.b, f"has bill {bill.claim.number} by itself: {_money(bill)}, {bill.status}")
    return bill.claim.number


# 6. dispute -----------------------------------------------------------------------------------------------------------
def dispute(story: Story, delivery: str) -> None:
    story.heading("6. Two widgets arrived broken")
    said = story.b.node.open_dispute(delivery, f"{BROKEN} widgets broken in transport",
                                     f"{ORDERED - FIRST} piece", f"{ORDERED - FIRST - BROKEN} piece")
    story.say(story.b, f"disputes delivery {_short(delivery)}: expected {plain(said.expected)} {said.measure}, "
                       f"got {plain(said.actual)} ('{escape(said.reason)}'); its stock is lowered by the "
                       f"{BROKEN} missing, in the same transaction")
    story.deliver(story.b, story.a)
    [seen] = story.a.node.disputes()
    story.say(story.a, f"sees dispute {_short(seen.id)}: '{escape(seen.reason)}'")
    resolved = story.a.node.resolve_dispute(seen.id, credit={1: f"{BROKEN} piece"})
    note = story.a.node.invoice(resolved.resolved_by)
    story.say(story.a, f"resolves it with credit note {note.claim.number} for {BROKEN} pieces: {_money(note)}")
    story.deliver(story.a, story.b)
    [credit] = [v for v in story.b.node.bills() if v.status == "credit note"]
    [closed] = story.b.node.disputes(open_only=False)
    story.say(story.b, f"has the credit note {credit.claim.number} ({_money(credit)}); its dispute is "
                       f"{'resolved' if not closed.open else 'open'}")


# 7. payment -----------------------------------------------------------------------------------------------------------
def pay(story: Story, bill: str) -> None:
    story.heading("7. Coop B pays")
    outstanding = story.b.node.invoice(bill).outstanding
    story.say(story.b, f"owes {outstanding} {CURRENCY} on {bill} after the credit note")
    for amount in (FIRST_PAYMENT, outstanding - FIRST_PAYMENT):
        story.b.node.pay(bill, amount, CURRENCY)
        story.say(story.b, f"pays {amount} {CURRENCY}")
        story.deliver(story.b, story.a)
        shown = story.a.node.invoice(bill)
        story.say(story.a, f"sees invoice {bill} {shown.status}, {shown.outstanding} {CURRENCY} outstanding")


# 8. product C ---------------------------------------------------------------------------------------------------------
def make_product_c(story: Story, delivery: str) -> str:
    story.heading("8. Coop B makes product C")
    b = story.b.node
    components = b.event(delivery).to_resource_inventoried_as
    run = b.start_process("Product C assembly")
    [_, _, made] = b.record(
        RecordEvent("consume", f"{USED} piece", resource=components, input_of=run.id),
        RecordEvent("work", effort="4 hour", provider="ben", receiver="self", input_of=run.id),
        RecordEvent("produce", f"{PRODUCT_MADE} piece", spec="product-c", output_of=run.id, lot=PRODUCT_LOT,
                    tracking_identifier=PRODUCT_TRACKING))
    b.finish_process(run.id)
    story.say(story.b, f"makes {PRODUCT_MADE} units of product C from {USED} widgets and 4 hours of Ben's work: "
                       f"lot [cyan]{PRODUCT_LOT}[/], tracking id [cyan]{PRODUCT_TRACKING}[/]")
    return made.resource_inventoried_as


# 9. traced back, across both nodes ------------------------------------------------------------------------------------
def trace_back(story: Story, product: str) -> None:
    story.heading(f"9. Where did product C ({PRODUCT_LOT}) come from?")
    peers.grant(story.a.node, story.b.url, "trace")
    story.say(story.a, "grants Coop B 'trace' (cooplink peer grant): B may follow what A sent it back to its sources")
    story.say(story.b, f"traces {PRODUCT_TRACKING} across nodes (cooplink trace {PRODUCT_TRACKING} --across):")
    steps, followed = peer_reads.trace_across(story.b.node, product)
    labels = Labels.of(story.b.node)
    for step in steps:
        print_steps(story.out, [step], labels)
        if step.id in followed:
            print_followed(story.out, followed[step.id], step.depth + 1)
    story.out.print(origin([s for answer in followed.values() for s in answer.steps]))


def origin(steps: list[dict]) -> str:
    """One sentence naming the lot and the process the trail reached on A's node."""
    lots = [s["lot"] for s in steps if s.get("kind") == "resource" and s.get("lot")]
    processes = [s["name"] for s in steps if s.get("kind") == "process"]
    made_in = f", made in process '{processes[0]}'" if processes else ""
    return f"[bold]Product C's widgets come from Coop A's lot {lots[0]}{made_in}.[/]" if lots else \
        "[yellow]The trail did not reach a lot on Coop A's node.[/]"


# 10. the books --------------------------------------------------------------------------------------------------------
def check_books(story: Story) -> None:
    story.heading("10. Do the books agree, and add up?")
    for coop, other in ((story.a, story.b), (story.b, story.a)):
        found = peer_reads.reconcile(coop.node, other.url)
        differences = found.differences
        story.say(coop, f"reconciles with {other.name} (cooplink reconcile): " +
                  ("[green]no differences[/] in orders, deliveries, invoices, payments and disputes"
                   if not differences else f"[red]{len(differences)} differences[/]"))
        for difference in differences:
            story.out.print(f"  [red]✗[/] {escape(str(difference))}")
    for coop in (story.a, story.b):
        print_inventory(story.out, coop.node, coop.node.inventory(), title=coop.name)
    for coop in (story.a, story.b):
        print_verify(story.out, coop.node.verify(), who=coop.name)


# small helpers --------------------------------------------------------------------------------------------------------
def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _spec_name(node: Node, spec: str | None) -> str:
    return escape(Labels.of(node).name(spec)) if spec else "(none)"


def _money(view: ClaimView) -> str:
    totals = view.totals
    return f"net {totals.net} + VAT {totals.tax} = {totals.gross} {view.claim.currency}"
