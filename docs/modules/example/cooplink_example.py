"""The smallest cooplink module: a colour for specifications, a word no event note may use, one command."""

from typing import Literal

import typer

from cooplink.modules import Attribute, ModuleInfo, VFError, hookimpl

FORBIDDEN = "counterfeit"
example_app = typer.Typer(help="The example module: specifications by colour.", no_args_is_help=True)


@hookimpl
def cooplink_module() -> ModuleInfo:
    return ModuleInfo("example", "0.1.0", "A colour for specifications; no event note may say 'counterfeit'")


@hookimpl
def cooplink_attributes() -> list[Attribute]:
    # Stored as example.colour; anything but these three words is refused.
    return [Attribute("specification", "colour", Literal["red", "green", "blue"], help="red, green or blue")]


@hookimpl
def cooplink_validate_event(event) -> None:
    # Raising refuses the event: nothing of its transaction is written.
    if event.note and FORBIDDEN in event.note.lower():
        raise VFError("note", f"the example module refuses notes that mention {FORBIDDEN} goods")


@hookimpl
def cooplink_cli(app) -> None:
    app.add_typer(example_app, name="example")


@example_app.command("colours")
def colours(ctx: typer.Context):
    """Each specification with its colour."""
    from cooplink.cli.common import open_node

    node = open_node(ctx)
    node.modules.require("example")  # a module's commands act only where it is enabled
    specs = node.specs()
    for spec, values in node.attributes_for("specification", [s.id for s in specs]).items():
        typer.echo(f"{spec.rsplit('/', 1)[-1]}: {values.get('example.colour', '-')}")
