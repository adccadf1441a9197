"""Product mapping: `cooplink map ...` — which of this node's specifications a peer's specification is, and the
review queue of those a peer's messages named before anybody mapped them."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, open_node, print_json

map_app = typer.Typer(help="Map peers' specifications to this node's own; review the ones waiting.",
                      no_args_is_help=True)
Peer = Annotated[str, typer.Argument(metavar="PEER", help="The peer's URL.")]
TheirSpec = Annotated[str, typer.Argument(metavar="THEIR_SPEC", help="The peer's specification IRI.")]


@map_app.command("add")
def add(ctx: typer.Context, peer: Peer, their_spec: TheirSpec,
        our_spec: Annotated[str, typer.Argument(metavar="OUR_SPEC", help="This node's specification.")],
        as_json: JsonOption = False):
    """Map a peer's specification to ours, once; what waited for it is applied now."""
    _print_map(open_node(ctx).map_spec(peer, their_spec, our_spec), as_json)


def _print_map(found, as_json: bool) -> None:
    if as_json:
        print_json(found)
        return
    console().print(f"{found.their_spec} → {found.our_spec}")


@map_app.command("remove")
def remove(ctx: typer.Context, peer: Peer, their_spec: TheirSpec):
    """Forget a map: the peer's next message naming that specification waits for review again."""
    open_node(ctx).unmap_spec(peer, their_spec)
    console().print(f"{their_spec} is no longer mapped")


@map_app.command("list")
def list_maps(ctx: typer.Context, peer: Annotated[str | None, typer.Option("--peer")] = None,
              as_json: JsonOption = False):
    """Every map learned, by peer."""
    found = open_node(ctx).product_maps(peer)
    if as_json:
        print_json(found)
        return
    table = Table("peer", "their spec", "our spec", "learned")
    for m in found:
        table.add_row(m.peer, m.their_spec, m.our_spec, m.learned_at[:19])
    console().print(table)


@map_app.command("review")
def review(ctx: typer.Context, all_: Annotated[bool, typer.Option("--all", help="Decided ones too.")] = False,
           as_json: JsonOption = False):
    """Specifications peers named that are not mapped yet, with a suggestion; their messages wait."""
    found = open_node(ctx).mapping_reviews(open_only=not all_)
    if as_json:
        print_json(found)
        return
    table = Table("peer", "their spec", "name", "unit", "suggestion", "decision")
    for r in found:
        table.add_row(r.peer, r.their_spec, escape(r.name or ""), r.unit or "", r.suggestion or "(none)",
                      r.decision or "open")
    console().print(table)
    if not all_ and found:
        console().print("Approve with: cooplink map approve PEER THEIR_SPEC [--as OUR_SPEC]")


@map_app.command("approve")
def approve(ctx: typer.Context, peer: Peer, their_spec: TheirSpec,
            our_spec: Annotated[str | None, typer.Option("--as", help="Our spec (default: the suggestion).")] = None,
            as_json: JsonOption = False):
    """Approve a review: learn the map and apply the messages that waited for it."""
    _print_map(open_node(ctx).approve_mapping(peer, their_spec, our_spec), as_json)


@map_app.command("reject")
def reject(ctx: typer.Context, peer: Peer, their_spec: TheirSpec):
    """This node takes no such goods from the peer: the messages that waited for it are refused."""
    open_node(ctx).reject_mapping(peer, their_spec)
    console().print(f"{their_spec} rejected; what waited for it is refused")
