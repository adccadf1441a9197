"""`cooplink reconcile PEER`: compare what this node and a peer hold about what they share (orders, deliveries,
claims, payments, disputes), one line per difference. Exit 0 when none, 1 when there are, 2 when the peer's records
cannot be had (unreachable, or it refused)."""

from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import JsonOption, console, open_node, print_json

UNREACHABLE = 2


def reconcile(ctx: typer.Context,
              peer: Annotated[str, typer.Argument(metavar="PEER", help="The peer's URL.")],
              timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for the peer.")]
              = 5.0,
              as_json: JsonOption = False):
    """Ask the peer for the records it shares with this node and print each one that differs from ours."""
    from cooplink.link import peer_reads

    node = open_node(ctx)
    try:
        result = peer_reads.reconcile(node, peer, timeout)
    except (peer_reads.Unreachable, peer_reads.ReadRefused) as error:
        typer.echo(f"error: {error.field}: {' '.join(error.reason.split())}", err=True)
        raise typer.Exit(UNREACHABLE) from None
    if as_json:
        print_json({"peer": result.peer.id, "differences": result.differences,
                    "in_flight": {"ours": result.ours, "theirs": result.theirs}})
    else:
        _print(result)
    raise typer.Exit(1 if result.differences else 0)


def _print(result) -> None:
    out, name = console(), escape(result.peer.name)
    if not result.differences:
        out.print(f"no differences with {name} ({result.peer.id})", soft_wrap=True)
        return
    out.print(f"{len(result.differences)} difference(s) with {name} ({result.peer.id}):", soft_wrap=True)
    for difference in result.differences:
        out.print(escape(str(difference)), soft_wrap=True)
    out.print(_in_flight(result, name), soft_wrap=True)


def _in_flight(result, name: str) -> str:
    """What is still on its way between the two nodes: a reason to wait (pending) or to act (dead, refused)."""
    ours, theirs = result.ours, result.theirs
    counts = (f"in flight: our outbox to {name} {_count(ours, 'outbox')}; {name}'s outbox to us "
              f"{_count(theirs, 'outbox')}; our inbox from {name} {_count(ours, 'inbox')}; {name}'s inbox from us "
              f"{_count(theirs, 'inbox')}")
    pending = _get(ours, "outbox", "pending") + _get(theirs, "outbox", "pending") + \
        _get(ours, "inbox", "waiting") + _get(theirs, "inbox", "waiting")
    stuck = _get(ours, "outbox", "dead") + _get(theirs, "outbox", "dead")
    advice = []
    if pending:
        advice.append("messages are still on their way: reconcile again once they are delivered")
    if stuck:
        advice.append("dead letters will not arrive by themselves (cooplink outbox --status dead; outbox retry)")
    return counts + (" — " + "; ".join(advice) if advice else "")


def _count(side: dict, box: str) -> str:
    found = side.get(box) if isinstance(side.get(box), dict) else {}
    return ", ".join(f"{found.get(status, 0)} {status}" for status in
                     (("pending", "dead") if box == "outbox" else ("waiting", "refused")))


def _get(side: dict, box: str, status: str) -> int:
    found = side.get(box) if isinstance(side.get(box), dict) else {}
    value = found.get(status, 0)
    return value if isinstance(value, int) else 0
