"""Reading a node: its inventory, a resource's history, where things came from and went, and the proof that the
balances equal their events."""

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.cli.render import Labels, history_table, inventory_table, jsonable, print_steps

Resource = Annotated[str, typer.Argument(help="The resource: its id, tracking identifier or IRI.")]
NEGATIVE_STOCK_NOTE = "This node allows negative stock: quantities may fall below zero."


def inventory(ctx: typer.Context,
              spec: Annotated[str | None, typer.Option("--spec", help="Only resources of this specification.")] = None,
              at: Annotated[str | None, typer.Option("--at", help="Only resources at this location.")] = None,
              include_empty: Annotated[bool, typer.Option(
                  "--all", help="Include resources with nothing left.")] = False,
              as_json: JsonOption = False):
    """The resources this node holds, with accounting and on-hand quantities."""
    node = open_node(ctx)
    resources = node.inventory(spec=spec, location=at, include_empty=include_empty)
    if as_json:
        attributes = node.attributes_for("resource", [r.id for r in resources])
        print_json({"node": node.base_url, "allow_negative_stock": node.allow_negative_stock,
                    "resources": [{**jsonable(r), "attributes": attributes[r.id]} for r in resources]})
        return
    print_inventory(console(), node, resources)


def print_inventory(out, node, resources, title: str | None = None) -> None:
    if node.allow_negative_stock:
        out.print(f"[yellow]{NEGATIVE_STOCK_NOTE}[/]")
    if not resources:
        out.print("No resources" + (f" in {escape(title)}." if title else "."))
        return
    attributes = node.attributes_for("resource", [r.id for r in resources])
    out.print(inventory_table(resources, Labels.of(node), title=title, attributes=attributes))


def history(ctx: typer.Context, resource: Resource, as_json: JsonOption = False):
    """Every event that touched a resource, in ledger order."""
    node = open_node(ctx)
    events = node.history(resource)
    if as_json:
        print_json(events)
        return
    if not events:
        console().print(f"No events touch {escape(resource)}.")
        return
    console().print(history_table(events, Labels.of(node)))


Hops = Annotated[int | None, typer.Option(
    "--hops", help="With --across: how many nodes along the chain to follow, 1 to 4 (default 4); each node must "
                   "grant the one before it.")]


def trace(ctx: typer.Context, resource: Resource,
          across: Annotated[bool, typer.Option(
              "--across", help="Follow goods received from a peer into the peer's ledger (it must grant trace).")]
          = False,
          hops: Hops = None, as_json: JsonOption = False):
    """Where a resource came from: back through events and processes to its sources."""
    _show(ctx, resource, as_json, backwards=True, across=across, hops=hops)


def track(ctx: typer.Context, resource: Resource,
          across: Annotated[bool, typer.Option(
              "--across", help="Follow goods handed to a peer into the peer's ledger (it must grant track).")]
          = False,
          hops: Hops = None, as_json: JsonOption = False):
    """Where a resource went: forward through events and processes to what it became."""
    _show(ctx, resource, as_json, backwards=False, across=across, hops=hops)


def _show(ctx: typer.Context, resource: str, as_json: bool, backwards: bool, across: bool, hops: int | None) -> None:
    if across:
        _show_across(ctx, resource, as_json, hops, backwards)
    else:
        _show_walk(ctx, resource, as_json, backwards)


def _show_walk(ctx: typer.Context, resource: str, as_json: bool, backwards: bool) -> None:
    node = open_node(ctx)
    steps = node.trace(resource) if backwards else node.track(resource)
    if as_json:
        print_json(steps)
        return
    print_steps(console(), steps, Labels.of(node))


def _show_across(ctx: typer.Context, resource: str, as_json: bool, hops: int | None, backwards: bool) -> None:
    """The local trace (or track); under each step where it leaves this ledger for a peer's, the peer's own steps
    (or why there are none)."""
    from cooplink.link.peer_reads import MAX_HOPS, trace_across, track_across  # (the command line starts without
    # loading the database layer)

    node = open_node(ctx)
    across = trace_across if backwards else track_across
    steps, followed = across(node, resource, hops=MAX_HOPS if hops is None else hops)
    if as_json:
        print_json([{**jsonable(step), **({"across": followed[step.id].as_json()} if step.id in followed else {})}
                    for step in steps])
        return
    out, labels = console(), Labels.of(node)
    for step in steps:
        print_steps(out, [step], labels)
        if step.id in followed:
            print_followed(out, followed[step.id], step.depth + 1)


def print_followed(out, answer, depth: int) -> None:
    """A peer's steps under the step they continue, each labelled with the peer's name; under a step of theirs
    held by their own supplier, what that supplier answered them, likewise."""
    _print_trail(out, answer.as_json(), depth)


def _print_trail(out, answer: dict, depth: int) -> None:
    label = f"[magenta]\\[{escape(answer['name'])}][/]"
    if answer["reason"] is not None:
        out.print("  " * depth + f"└ {label} [yellow]not followed:[/] {escape(answer['reason'])}", highlight=False)
        return
    for step in answer["steps"]:
        indent = depth + (step.get("depth") if isinstance(step.get("depth"), int) else 0)
        out.print("  " * indent + f"└ {label} {peer_step_line(step)}", highlight=False)
        if "across" in step:  # kept by peer_reads only in the shape it checked
            _print_trail(out, step["across"], indent + 1)


def peer_step_line(step: dict) -> str:
    kind, shown = step.get("kind"), lambda name: escape(str(step.get(name) or ""))
    if kind == "resource":
        parts = [f"[bold]{shown('spec')}[/]"] + [f"{name} [cyan]{shown(key)}[/]" for name, key in
                                                (("lot", "lot"), ("tracking id", "tracking_id")) if step.get(key)]
        line = " · ".join(parts)
    elif kind == "event":
        quantity = step.get("quantity") if isinstance(step.get("quantity"), dict) else {}
        amount = " ".join(escape(str(quantity[k])) for k in ("hasNumericalValue", "hasUnit") if k in quantity)
        line = f"[bold]{shown('action')}[/] {amount}" + (f" at {escape(_moment(step['time']))}"
                                                           if step.get("time") else "")
        if step.get("receiver") and step.get("receiver") != step.get("provider"):  # handed on (a track)
            line += f" to [bold]{escape(str(step.get('receiver_name') or step['receiver']))}[/]"
    elif kind == "process":
        line = f"process [bold magenta]{shown('name')}[/]"
    else:
        line = "[yellow]held in another ledger[/]"
    return f"{line}  [dim]{shown('id')}[/]"


def _moment(text) -> str:
    """A peer's ISO 8601 time to the minute, as local history shows times; as sent if it is not one."""
    try:
        return datetime.fromisoformat(str(text)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(text)


def verify(ctx: typer.Context, as_json: JsonOption = False):
    """Replay every event from nothing and compare each balance with what the ledger holds (exit 1 on drift)."""
    report = open_node(ctx).verify()
    if as_json:
        print_json({"ok": report.ok, "events": report.events, "resources": report.resources,
                    "differences": report.differences})
    else:
        print_verify(console(), report)
    if not report.ok:
        raise typer.Exit(1)


def print_verify(out, report, who: str = "") -> None:
    prefix = f"{who}: " if who else ""
    out.print(f"{prefix}replayed {report.events} events, checked {report.resources} resources: " +
              ("[green]every balance equals the fold of its events.[/]" if report.ok
               else f"[red]{len(report.differences)} differences[/]"))
    for difference in report.differences:
        out.print(f"  [red]✗[/] {escape(difference)}")
