"""The `cooplink` command: one node's ledger, kept from the command line.

Every command works on one node's data folder (--node DIR, else $COOPLINK_HOME, else ./.cooplink), so several
nodes can live on one machine. Errors a user can cause print one line, `error: <field>: <reason>`, and exit 1.
"""

from pathlib import Path
from typing import Annotated

import typer

from cooplink.cli import commerce, events, exchange, mapping, nodes, outbox, peers, reconcile, reports, serve, tokens
from cooplink.cli.modules import ModularGroup, attr_app, module_app

# ModularGroup also finds the commands installed modules add (their cooplink_cli hook), loading them only on demand.
app = typer.Typer(cls=ModularGroup, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="cooplink: a co-op's ValueFlows ledger, linked with its partners'.")


@app.callback()
def use_node(ctx: typer.Context,
             node: Annotated[Path | None, typer.Option(
                 "--node", metavar="DIR", help="The node's data folder (default: $COOPLINK_HOME, else ./.cooplink).",
                 file_okay=False)] = None):
    ctx.obj = node


app.command("init")(nodes.init)
app.command("settings")(nodes.settings)
app.add_typer(nodes.agent_app, name="agent")
app.add_typer(nodes.spec_app, name="spec")
app.add_typer(nodes.process_spec_app, name="process-spec")
app.add_typer(events.event_app, name="event")
app.add_typer(events.process_app, name="process")
app.command("inventory")(reports.inventory)
app.command("history")(reports.history)
app.command("trace")(reports.trace)
app.command("track")(reports.track)
app.command("verify")(reports.verify)
app.add_typer(exchange.import_app, name="import")
app.add_typer(exchange.export_app, name="export")
app.add_typer(module_app, name="module")
app.add_typer(attr_app, name="attr")
app.add_typer(tokens.token_app, name="token")
app.command("serve")(serve.serve)
app.add_typer(outbox.outbox_app, name="outbox")
app.command("deliver")(outbox.deliver)
app.command("inbox")(outbox.list_inbox)
peers.register(app)
app.command("reconcile")(reconcile.reconcile)
commerce.register(app)
app.add_typer(mapping.map_app, name="map")


@app.command("demo")
def demo(folder: Annotated[Path, typer.Option(
        "--dir", help="Where the two co-ops' data folders go (recreated each run).")] = Path("demo-data")):
    """Two co-ops on one machine: A makes widgets and sells some to B, B makes product C; trace C back to A."""
    from cooplink import demo as story

    story.run(folder)


if __name__ == "__main__":
    app()
