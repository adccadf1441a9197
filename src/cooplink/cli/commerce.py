"""Orders, invoices, bills, payments and disputes: `cooplink order|invoice|bill|dispute ...`."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, fail, open_node, print_json

order_app = typer.Typer(help="Orders (VF Agreements): sales and purchases, line by line.", no_args_is_help=True)
invoice_app = typer.Typer(help="Invoices (VF Claims) for deliveries, and their payments.", no_args_is_help=True)
bill_app = typer.Typer(help="Bills: suppliers' invoices, on purchase orders.", no_args_is_help=True)
dispute_app = typer.Typer(help="Disputed deliveries and invoices, until resolved.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(order_app, name="order")
    app.add_typer(invoice_app, name="invoice")
    app.add_typer(bill_app, name="bill")
    app.add_typer(dispute_app, name="dispute")


def _order_line(text: str):
    """'widget:10 piece@2.50' with an optional ':19' tax rate in percent at the end."""
    from cooplink.node.commerce import OrderLine

    try:
        spec, rest = text.split(":", 1)
        quantity, price = rest.split("@", 1)
        price, _, rate = price.partition(":")
    except ValueError:
        fail("line", f"expected SPEC:QUANTITY UNIT@PRICE[:TAX%], got {text!r}")
    return OrderLine(spec.strip(), quantity.strip(), price.strip(), rate.strip() or "0")


def _ship_line(text: str, resource: str | None, custody: bool = False):
    """'1:4 piece' (line 1, 4 pieces), or '1:4 piece@W' to ship it from resource W."""
    from cooplink.node.commerce import Ship

    text, _, source = text.partition("@")
    resource = source.strip() or resource
    line, _, quantity = text.partition(":")
    if not line.strip().isdigit() or not quantity.strip():
        fail("line", f"expected LINE:QUANTITY UNIT, e.g. '1:4 piece', got {text!r}")
    return Ship(int(line), quantity.strip(), resource=resource, custody=custody)


@order_app.command("create")
def create(ctx: typer.Context,
           counterparty: Annotated[str, typer.Option("--with", help="The customer (sale) or supplier (purchase).")],
           lines: Annotated[list[str], typer.Option("--line", help="SPEC:QUANTITY UNIT@PRICE[:TAX%], repeatable.")],
           currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")],
           purchase: Annotated[bool, typer.Option("--purchase", help="A purchase (default: a sale).")] = False,
           terms: Annotated[int, typer.Option("--terms", help="Payment terms in days.")] = 30,
           as_json: JsonOption = False):
    """Record an order: a commitment per line, and the reciprocal commitment to pay the total."""
    order = open_node(ctx).create_order("purchase" if purchase else "sale", counterparty,
                                        [_order_line(text) for text in lines], currency, terms)
    if as_json:
        print_json(order)
        return
    console().print(f"Order {order.id} ({order.status}): {len(order.lines)} lines, "
                    f"total {order.payment.amount} {order.currency}")


@order_app.command("accept")
def accept(ctx: typer.Context, order: Annotated[str, typer.Argument(metavar="ORDER")], as_json: JsonOption = False):
    """Accept a purchase order a customer peer proposed: it becomes a sale order to ship; the customer is told."""
    _decided(open_node(ctx).accept_order(order), as_json)


@order_app.command("reject")
def reject(ctx: typer.Context, order: Annotated[str, typer.Argument(metavar="ORDER")],
           reason: Annotated[str | None, typer.Option("--reason")] = None, as_json: JsonOption = False):
    """Reject a purchase order a customer peer proposed; the customer is told."""
    _decided(open_node(ctx).reject_order(order, reason), as_json)


def _decided(order, as_json: bool) -> None:
    if as_json:
        print_json(order)
        return
    console().print(f"Order {order.id} {order.status}")


@order_app.command("show")
def show(ctx: typer.Context, order: Annotated[str, typer.Argument(metavar="ORDER")], as_json: JsonOption = False):
    """An order's lines with what was shipped and what is backordered."""
    view = open_node(ctx).order(order)
    if as_json:
        print_json(view)
        return
    a = view.agreement
    out = console()
    out.print(f"{a.direction} {a.id} ({a.status}) with {a.counterparty}, total {a.payment.amount} {a.currency}")
    table = Table("line", "spec", "ordered", "unit price", "tax %", "shipped", "backordered")
    for s in view.lines:
        c = s.commitment
        table.add_row(str(c.position), c.resource_conforms_to, str(c.resource_quantity), str(c.unit_price),
                      str(c.tax_rate), str(s.shipped), str(s.backordered))
    out.print(table)


@order_app.command("list")
def list_orders(ctx: typer.Context, as_json: JsonOption = False):
    """Every order, sales and purchases."""
    views = open_node(ctx).orders()
    if as_json:
        print_json(views)
        return
    table = Table("order", "direction", "status", "with", "total", "complete")
    for v in views:
        a = v.agreement
        table.add_row(a.id, a.direction, a.status, a.counterparty, f"{a.payment.amount} {a.currency}",
                      "yes" if v.complete else "no")
    console().print(table)


@order_app.command("ship")
def ship(ctx: typer.Context, order: Annotated[str, typer.Argument(metavar="ORDER")],
         lines: Annotated[list[str], typer.Option("--line", help="LINE:QUANTITY UNIT[@RESOURCE], repeatable.")],
         resource: Annotated[str | None, typer.Option(
             "--from", help="The resource shipped from, for lines that name none.")] = None,
         custody: Annotated[bool, typer.Option(
             "--custody", help="Hand over custody only (transferCustody); the rights follow with 'order rights'.")]
         = False,
         as_json: JsonOption = False):
    """Ship (part of) order lines from a resource: transfer events that fulfil the lines' commitments."""
    shipment = open_node(ctx).ship(order, *(_ship_line(text, resource, custody) for text in lines))
    if as_json:
        print_json(shipment)
        return
    for event in shipment.events:
        console().print(f"Shipped {event.resource_quantity} as event {event.id}"
                        + (" (custody only: the rights follow)" if custody else ""))


@order_app.command("rights")
def rights(ctx: typer.Context, order: Annotated[str, typer.Argument(metavar="ORDER")],
           deliveries: Annotated[list[str] | None, typer.Option(
               "--delivery", help="A delivery shipped with --custody (repeatable; default: every one waiting).")]
           = None,
           as_json: JsonOption = False):
    """Transfer the rights to goods shipped in custody only: transferAllRights, one per delivery."""
    done = open_node(ctx).transfer_rights(order, deliveries)
    if as_json:
        print_json(done)
        return
    for event in done:
        console().print(f"Rights to {event.resource_quantity} transferred as event {event.id}")


def _print_claim(view) -> None:
    c, t = view.claim, view.totals
    out = console()
    out.print(f"{c.number} ({c.direction}) {c.id}\nissued {c.issued_on}, due {c.due_on}, {c.currency}")
    table = Table("line", "spec", "quantity", "unit price", "tax %", "net")
    for line in c.lines:
        table.add_row(str(line.position), line.resource_conforms_to, str(line.resource_quantity),
                      str(line.unit_price), str(line.tax_rate), str(line.net))
    out.print(table)
    for rate, base, tax in t.tax_by_rate:
        out.print(f"tax {rate}% on {base}: {tax}")
    out.print(f"net {t.net}  tax {t.tax}  gross {t.gross}  paid {view.paid}  credited {view.credited}  "
              f"outstanding {view.outstanding}  [bold]{view.status}[/]")


@invoice_app.command("create")
def invoice_create(ctx: typer.Context, order: Annotated[str, typer.Option("--order")],
                   deliveries: Annotated[list[str] | None, typer.Option(
                       "--delivery", help="A delivery event (default: every one not invoiced yet).")] = None,
                   as_json: JsonOption = False):
    """Invoice deliveries of a sale order, numbered INV-YEAR-NNNN."""
    view = open_node(ctx).create_invoice(order, deliveries or None)
    print_json(view) if as_json else _print_claim(view)


@invoice_app.command("show")
def invoice_show(ctx: typer.Context, claim: Annotated[str, typer.Argument(metavar="INVOICE")],
                 as_json: JsonOption = False):
    """An invoice or bill, with totals per tax rate and what is paid and outstanding."""
    view = open_node(ctx).invoice(claim)
    print_json(view) if as_json else _print_claim(view)


@invoice_app.command("list")
def invoice_list(ctx: typer.Context, as_json: JsonOption = False):
    """Every sale invoice and credit note."""
    _claims(open_node(ctx).invoices(), as_json)


@invoice_app.command("pay")
def pay(ctx: typer.Context, claim: Annotated[str, typer.Argument(metavar="INVOICE")],
        amount: Annotated[str, typer.Option("--amount")], currency: Annotated[str, typer.Option("--currency")],
        as_json: JsonOption = False):
    """Record a payment that settles (part of) an invoice or bill."""
    node = open_node(ctx)
    payment = node.pay(claim, amount, currency)
    if as_json:
        print_json(payment)
        return
    view = node.invoice(payment.settles)
    console().print(f"Paid {payment.amount} {payment.currency} on {view.claim.number}: {view.status}, "
                    f"{view.outstanding} outstanding")


@bill_app.command("record")
def bill_record(ctx: typer.Context, order: Annotated[str, typer.Option("--order")],
                number: Annotated[str, typer.Option("--number", help="The supplier's invoice number.")],
                deliveries: Annotated[list[str] | None, typer.Option("--delivery")] = None,
                as_json: JsonOption = False):
    """Record a supplier's invoice on a purchase order."""
    view = open_node(ctx).record_bill(order, number, deliveries or None)
    print_json(view) if as_json else _print_claim(view)


@bill_app.command("list")
def bill_list(ctx: typer.Context, as_json: JsonOption = False):
    """Every bill (suppliers' invoices), with what is outstanding."""
    _claims(open_node(ctx).bills(), as_json)


def _claims(views, as_json: bool) -> None:
    if as_json:
        print_json(views)
        return
    table = Table("number", "order", "issued", "due", "gross", "outstanding", "status")
    for v in views:
        c = v.claim
        table.add_row(escape(c.number), c.agreement, str(c.issued_on), str(c.due_on),
                      f"{v.totals.gross} {c.currency}", str(v.outstanding), v.status)
    console().print(table)


@dispute_app.command("open")
def dispute_open(ctx: typer.Context, subject: Annotated[str, typer.Argument(help="A delivery event or invoice.")],
                 reason: Annotated[str, typer.Option("--reason")],
                 expected: Annotated[str, typer.Option("--expected", help="'10 piece' or an amount.")],
                 actual: Annotated[str, typer.Option("--actual", help="'8 piece' or an amount.")],
                 keep_stock: Annotated[bool, typer.Option(
                     "--keep-stock", help="Received less, but do not lower this node's stock by the difference.")]
                 = False,
                 as_json: JsonOption = False):
    """Record that a delivery or an invoice is disputed. Goods received short lower the stock by what is missing,
    in the same transaction (unless --keep-stock)."""
    dispute = open_node(ctx).open_dispute(subject, reason, expected, actual, adjust_stock=not keep_stock)
    if as_json:
        print_json(dispute)
        return
    console().print(f"Dispute {dispute.id} opened on {dispute.subject}")


@dispute_app.command("list")
def dispute_list(ctx: typer.Context, all_: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
                 as_json: JsonOption = False):
    """Open disputes (or all)."""
    found = open_node(ctx).disputes(open_only=not all_)
    if as_json:
        print_json(found)
        return
    table = Table("dispute", "opened by", "subject", "reason", "expected", "actual", "resolved by")
    for d in found:
        table.add_row(d.id, d.opened_by or "", d.subject, escape(d.reason), f"{d.expected} {d.measure}",
                      f"{d.actual} {d.measure}", d.resolved_by or "")
    console().print(table)


@dispute_app.command("resolve")
def dispute_resolve(ctx: typer.Context, dispute: Annotated[str, typer.Argument(metavar="DISPUTE")],
                    credit: Annotated[list[str] | None, typer.Option(
                        "--credit", help="LINE:QUANTITY UNIT of the invoice to credit, repeatable.")] = None,
                    corrected_by: Annotated[str | None, typer.Option(
                        "--corrected-by", help="The event that corrected the delivery.")] = None,
                    as_json: JsonOption = False):
    """Resolve a dispute by a credit note or by a corrected delivery."""
    lines = {s.line: s.quantity for s in (_ship_line(text, None) for text in credit)} if credit else None
    resolved = open_node(ctx).resolve_dispute(dispute, credit=lines, corrected_by=corrected_by)
    if as_json:
        print_json(resolved)
        return
    console().print(f"Dispute {resolved.id} resolved by {resolved.resolved_by}")
