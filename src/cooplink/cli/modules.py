"""Industry modules at the command line: which are installed and enabled here, their attributes, and the commands
the installed modules add (their ``cooplink_cli`` hook).

Module commands are loaded only when a command line names one, or when the list of commands is shown: loading a
plugin imports the node and its database layer, which everyday core commands would otherwise pay for at start.
"""

import json
from typing import Annotated

import click
import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import CommandGroup, JsonOption, console, open_node, print_json
from cooplink.cli.render import attribute_text
from cooplink.vf.errors import VFError

module_app = typer.Typer(help="Industry modules: list those installed, enable or disable them on this node.",
                         no_args_is_help=True)
attr_app = typer.Typer(help="Module attributes of specifications, resources, events and agents.",
                       no_args_is_help=True)

OWNERS = {"spec": "specification", "specification": "specification", "resource": "resource", "event": "event",
          "agent": "agent"}
Owner = Annotated[str, typer.Argument(metavar="OWNER", help="What carries the attributes: spec, resource, event "
                                                              "or agent.")]
Ref = Annotated[str, typer.Argument(metavar="REF", help="Its id, short name, tracking id (resources) or IRI.")]


# the root command, with the modules' commands ---------------------------------------------------------------------
class ModularGroup(CommandGroup):
    """The root command. A name the core does not know is looked up among the installed modules' commands."""

    def get_command(self, ctx: click.Context, name: str):
        return super().get_command(ctx, name) or self._module_commands().get(name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            extra = self._module_commands()
        except VFError as error:  # a broken module must not hide the core's help
            typer.echo(f"warning: {error.field}: {error.reason}", err=True)
            extra = {}
        return [*super().list_commands(ctx), *sorted(extra)]

    def _module_commands(self) -> dict[str, click.Command]:
        if not hasattr(self, "_from_modules"):
            self._from_modules = {name: command for name, command in module_commands().items()
                                  if name not in self.commands}  # a module never hides a core command
        return self._from_modules


def module_commands() -> dict[str, click.Command]:
    """What every installed module adds through cooplink_cli, enabled on the node or not (the commands refuse
    to run where their module is not enabled)."""
    import pluggy

    from cooplink.node.hooks import PROJECT, Hooks
    from cooplink.node.plugins import installed

    plugins = installed()
    if not plugins:
        return {}
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(Hooks)
    for name, plugin in plugins.items():
        manager.register(plugin, name=name)
    holder = typer.Typer()
    manager.hook.cooplink_cli(app=holder)
    if not (holder.registered_commands or holder.registered_groups):
        return {}
    return dict(typer.main.get_group(holder).commands)


# module ----------------------------------------------------------------------------------------------------------
@module_app.command("list")
def list_modules(ctx: typer.Context, as_json: JsonOption = False):
    """The installed modules, and whether each is enabled on this node."""
    modules = open_node(ctx).module_list()
    if as_json:
        print_json(modules)
        return
    if not modules:
        console().print("No modules are installed.")
        return
    table = Table("module", "version", "enabled", "requires", "description")
    for m in modules:
        table.add_row(m["name"], m["version"], "yes" if m["enabled"] else "", ", ".join(m["requires"]),
                      escape(m["description"]))
    console().print(table)


@module_app.command("enable")
def enable_module(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The module's name, e.g. food.")]):
    """Enable an installed module on this node, applying its migrations."""
    node = open_node(ctx)
    node.enable_module(name)
    console().print(f"Enabled module [bold]{escape(name)}[/] on {escape(node.name)}.")


@module_app.command("disable")
def disable_module(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The module's name.")],
                   drop_data: Annotated[bool, typer.Option(
                       "--drop-data", help="Also revert its migrations and delete its attributes.")] = False,
                   yes: Annotated[bool, typer.Option("--yes", help="Drop the data without asking.")] = False):
    """Stop a module acting on this node. Its tables and attributes stay, unless --drop-data."""
    node = open_node(ctx)
    if drop_data and not yes:
        typer.confirm(f"Delete module {name}'s tables and attributes on {node.name}? This cannot be undone",
                      abort=True)
    node.disable_module(name, drop_data=drop_data)
    kept = "its tables and attributes were deleted" if drop_data else "its data is kept"
    console().print(f"Disabled module [bold]{escape(name)}[/]; {kept}.")


# attr ------------------------------------------------------------------------------------------------------------
@attr_app.command("set")
def set_attributes(ctx: typer.Context, owner: Owner, ref: Ref,
                   values: Annotated[list[str], typer.Argument(
                       metavar="NAME=VALUE...", help="e.g. food.allergens='[\"milk\"]' (JSON, else text).")],
                   as_json: JsonOption = False):
    """Set module attributes (each checked by the module that declares it)."""
    kept = open_node(ctx).set_attributes(owner_kind(owner), ref, parse_assignments(values))
    show_attributes(kept, as_json)


@attr_app.command("show")
def show(ctx: typer.Context, owner: Owner, ref: Ref, as_json: JsonOption = False):
    """Every module attribute kept for it, also those of modules since disabled."""
    show_attributes(open_node(ctx).attributes_of(owner_kind(owner), ref), as_json)


def show_attributes(values: dict, as_json: bool) -> None:
    if as_json:
        print_json(values)
        return
    if not values:
        console().print("No attributes.")
        return
    table = Table("attribute", "value")
    for name, value in values.items():
        table.add_row(escape(name), escape(attribute_text(value)))
    console().print(table)


def owner_kind(owner: str) -> str:
    if owner not in OWNERS:
        raise VFError("owner", f"attributes belong to a spec, resource, event or agent, not {owner!r}")
    return OWNERS[owner]


def parse_assignments(pairs: list[str] | None) -> dict:
    """NAME=VALUE pairs: VALUE as JSON when it parses (4, true, ["milk"]), else as the text it is."""
    values = {}
    for pair in pairs or ():
        name, equals, text = pair.partition("=")
        if not equals or not name.strip():
            raise VFError("attribute", f"expected NAME=VALUE, got {pair!r}")
        try:
            values[name.strip()] = json.loads(text)
        except ValueError:
            values[name.strip()] = text
    return values
