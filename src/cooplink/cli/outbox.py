"""The inbox and outbox from the command line: what peers sent (`cooplink inbox`), what is waiting, delivered or
dead (`cooplink outbox`), dead letters put back (`cooplink outbox retry`), and the delivery worker beside the server
(`cooplink deliver`)."""

import signal
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, fail, open_node, print_json

outbox_app = typer.Typer(help="Messages to peers: list them, and put dead letters back to be sent.",
                         invoke_without_command=True)


@outbox_app.callback()
def list_outbox(ctx: typer.Context,
                status: Annotated[str | None, typer.Option(
                    "--status", help="Only messages in this state: pending, delivered or dead.")] = None,
                limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many.")] = None,
                as_json: JsonOption = False):
    """List the outbox, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    messages = open_node(ctx).outbox(status, limit)
    if as_json:
        print_json(messages)
        return
    table = Table("id", "status", "type", "peer", "attempts", "created", "next attempt", "last error")
    for m in messages:
        table.add_row(str(m.seq), m.status, m.type or "", escape(m.peer), str(m.attempts), m.created_at,
                      m.next_attempt_at or "", escape(m.last_error or ""))
    console().print(table)


def list_inbox(ctx: typer.Context,
               status: Annotated[str | None, typer.Option(
                   "--status", help="Only messages in this state: applied, waiting or refused.")] = None,
               as_json: JsonOption = False):
    """What peers sent, oldest first: a waiting message says what it waits for (a delivery, a product map to
    review), a refused one why."""
    messages = open_node(ctx).inbox(status)
    if as_json:
        print_json(messages)
        return
    table = Table("activity", "status", "type", "peer", "received", "note")
    for m in messages:
        table.add_row(escape(m.activity_id), m.status, m.type, escape(m.peer), m.received_at[:19], escape(m.note or ""))
    console().print(table)


@outbox_app.command("retry")
def retry(ctx: typer.Context,
          message: Annotated[int | None, typer.Argument(metavar="ID", help="The message's id (its seq).")] = None,
          all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead letter.")] = False,
          as_json: JsonOption = False):
    """Put a dead letter (or every one) back to pending, with a fresh count of attempts."""
    if (message is None) == (not all_dead):
        fail("id", "give a message id or --all-dead (not both)")
    revived = open_node(ctx).retry_dead(None if all_dead else message)
    if as_json:
        print_json(revived)
        return
    console().print(f"{len(revived)} message(s) back to pending: {', '.join(str(m.seq) for m in revived) or '-'}")


def deliver(ctx: typer.Context,
            once: Annotated[bool, typer.Option("--once", help="One pass over what is due now, then exit.")] = False,
            interval: Annotated[float, typer.Option(
                "--interval", min=0.01, help="Seconds between passes when there is nothing to send.")] = 1.0,
            lease: Annotated[float, typer.Option(
                "--lease", min=0.3, help="Seconds a message being sent is held from other workers; after a crash, "
                                         "its peer waits this long. Requests time out within a third of it.")] = 60.0,
            as_json: JsonOption = False):
    """Run the delivery worker: send the outbox to the peers' inboxes, signed, until interrupted (SIGINT or
    SIGTERM). `cooplink serve` runs one too; several workers on one node never send a message at the same time."""
    from cooplink.link.delivery import Policy, Worker

    worker = Worker(open_node(ctx), Policy(lease=lease, timeout=min(Policy.timeout, lease / 3)))
    try:
        if not once:
            for signum in (signal.SIGINT, signal.SIGTERM):  # finish the message in hand, then stop
                signal.signal(signum, lambda *_: worker.stop())
        tally = worker.run_once() if once else worker.run(interval)
    finally:
        worker.close()
    summary = {"delivered": tally.delivered, "retried": tally.retried, "dead": tally.dead, "held": tally.held}
    if as_json:
        print_json(summary)
    else:
        console().print(", ".join(f"{count} {name}" for name, count in summary.items()))

