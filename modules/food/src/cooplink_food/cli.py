"""`cooplink food ...`: the node's lots by expiry, recall reports and the recalls made. Each command refuses to
run on a node that does not have the food module enabled."""

from pathlib import Path
from typing import Annotated

import typer

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.modules import VFError

food_app = typer.Typer(no_args_is_help=True, help="Food: dated lots, allergens, first-expiry-first-out, recalls.")


def food_node(ctx: typer.Context):
    node = open_node(ctx)
    if "food" not in node.modules.enabled:
        raise VFError("module", "the food module is not enabled on this node (cooplink module enable food)")
    return node


@food_app.command("lots")
def lots(ctx: typer.Context,
         spec: Annotated[str | None, typer.Option("--spec", help="Only lots of this specification.")] = None,
         include_empty: Annotated[bool, typer.Option("--all", help="Also lots with nothing left.")] = False,
         as_json: JsonOption = False):
    """The node's lots, earliest expiry first (the order first-expiry-first-out takes them)."""
    from cooplink_food.lots import node_lots

    found = node_lots(food_node(ctx), spec, include_empty)
    if as_json:
        print_json({"lots": found})
        return
    from rich.table import Table

    table = Table(title="Lots by expiry")
    for column in ("Lot", "Expires", "Status", "Produced", "Specification", "On hand", "Tracking id"):
        table.add_column(column, justify="right" if column == "On hand" else "left")
    for lot in found:
        table.add_row(lot.lot, str(lot.expires_on or ""), lot.status, str(lot.produced_on or ""), lot.spec,
                      f"{lot.onhand} {lot.unit}", lot.tracking_identifier or "")
    console().print(table)


@food_app.command("recall")
def recall(ctx: typer.Context,
           lot: Annotated[str, typer.Argument(help="A lot code, tracking id or resource of this node.")],
           peer: Annotated[list[Path] | None, typer.Option(
               "--peer", metavar="DIR", file_okay=False,
               help="Another node's data folder to follow the goods into (repeatable).")] = None,
           across: Annotated[bool, typer.Option(
               "--across", help="Follow the goods into linked peers' nodes over the network, where they grant "
                                "this node 'track' (and on to their customers, where those grant them).")] = False,
           as_json: JsonOption = False):
    """Every customer who received any part of a lot, directly or inside products made from it."""
    from cooplink.node.service import Node
    from cooplink_food.recall import recall as recall_report
    from cooplink_food.store import record_run

    node = food_node(ctx)
    peers = {p.agent_id: p for p in (Node.open(folder) for folder in peer or [])}
    report = recall_report(node, lot, peers, across)
    run_id = record_run(node, report)
    if as_json:
        print_json({"run": run_id, **_plain(report)})
        return
    _print_report(report, run_id)


@food_app.command("recalls")
def recalls(ctx: typer.Context, as_json: JsonOption = False):
    """The recall reports run on this node, and whom each named."""
    from cooplink_food.store import recall_runs

    runs = recall_runs(food_node(ctx))
    if as_json:
        print_json({"recalls": runs})
        return
    out = console()
    for run in runs:
        names = ", ".join(c["name"] or c["agent"] for c in run["customers"]) or "nobody"
        out.print(f"{run['run_at']}  lot {run['lot']}: {names}  [dim]({run['id']})[/]")


def _plain(report) -> dict:
    from cooplink.cli.render import jsonable

    return jsonable(report)


def _print_report(report, run_id: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    table = Table(title=f"Recall of {report.lot}: {len(report.customers)} customer(s)")
    for column in ("Customer", "Received", "Lot", "Event", "Path"):
        table.add_column(column)
    for customer in report.customers:
        for receipt in customer.received:
            table.add_row(escape(customer.name or customer.agent), f"{receipt.action} {receipt.quantity or ''}",
                          receipt.lot or "", receipt.event, escape(" → ".join(h.label for h in receipt.path)))
    out.print(table)
    for customer in report.customers:
        if not customer.followed:
            out.print(f"[yellow]{escape(customer.name or customer.agent)}[/]: not followed further: {customer.note}")
    out.print(f"[dim]Kept as recall run {run_id}.[/]")
