"""Setting a node up: the node itself, its settings, the agents it deals with and the specifications it knows."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.cli.modules import parse_assignments
from cooplink.cli.render import Labels, attribute_lines, jsonable

agent_app = typer.Typer(help="The agents (people and organisations) this node deals with.", no_args_is_help=True)
spec_app = typer.Typer(help="Resource specifications: the kinds of things this node keeps.", no_args_is_help=True)
process_spec_app = typer.Typer(help="Process specifications: the kinds of work this node does.",
                               no_args_is_help=True)

Name = Annotated[str, typer.Option("--name", help="A name people read.")]
Note = Annotated[str | None, typer.Option("--note", help="A free-text note.")]
Attrs = Annotated[list[str] | None, typer.Option(
    "--attr", metavar="NAME=VALUE", help="A module attribute, e.g. food.allergens='[\"milk\"]' (repeatable).")]


def init(ctx: typer.Context, name: Name,
         base_url: Annotated[str, typer.Option("--base-url", help="Where this node is reached; its IRIs start here.")],
         db: Annotated[str | None, typer.Option(
             "--db", help="A postgresql:// URL; by default a SQLite file in the data folder.")] = None,
         allow_negative_stock: Annotated[bool, typer.Option(
             "--allow-negative-stock", help="Let stock fall below zero instead of refusing the event.")] = False):
    """Create a node in the data folder (--node DIR, $COOPLINK_HOME or ./.cooplink)."""
    from cooplink.node.service import Node

    node = Node.init(ctx.obj, name, base_url, database=db, allow_negative_stock=allow_negative_stock)
    console().print(f"Created node [bold]{escape(node.name)}[/] at {node.base_url}\n"
                    f"  data folder: {node.home}\n  database:    {_database_of(node)}")


def settings(ctx: typer.Context,
             allow_negative_stock: Annotated[bool | None, typer.Option(
                 "--allow-negative-stock/--no-allow-negative-stock",
                 help="Let stock fall below zero, or refuse such events (the default).")] = None,
             as_json: JsonOption = False):
    """Show this node's settings, or change them."""
    node = open_node(ctx)
    if allow_negative_stock is not None:
        node.set_allow_negative_stock(allow_negative_stock)
    shown = {"name": node.name, "base_url": node.base_url, "agent": node.agent_id,
             "allow_negative_stock": node.allow_negative_stock, "data_folder": str(node.home),
             "database": _database_of(node)}
    if as_json:
        print_json(shown)
        return
    table = Table(show_header=False, box=None)
    for key, value in shown.items():
        table.add_row(f"[bold]{key}[/]", escape(str(value).lower() if isinstance(value, bool) else str(value)))
    console().print(table)


def _database_of(node) -> str:
    """Where the ledger lives, without any password the URL holds."""
    url = node.engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return "PostgreSQL " + url.render_as_string(hide_password=True).replace("+psycopg", "")


# agents -----------------------------------------------------------------------------------------------------------
@agent_app.command("add")
def add_agent(ctx: typer.Context,
              ref: Annotated[str, typer.Argument(help="Short name on this node, or the agent's own IRI.")],
              name: Name,
              person: Annotated[bool, typer.Option("--person", help="A person, not an organisation.")] = False,
              note: Note = None):
    """Add an agent (by default an organisation, such as another co-op)."""
    agent = open_node(ctx).add_agent(ref, name, kind="Person" if person else "Organization", note=note)
    console().print(f"Added {agent.kind.lower()} [bold]{escape(agent.name)}[/]: {agent.id}")


@agent_app.command("list")
def list_agents(ctx: typer.Context, as_json: JsonOption = False):
    """The agents this node knows, itself first."""
    node = open_node(ctx)
    agents = sorted(node.agents(), key=lambda a: (a.id != node.agent_id, a.name))
    if as_json:
        print_json(agents)
        return
    table = Table("id", "name", "kind", "note")
    for agent in agents:
        table.add_row(agent.id, escape(agent.name), agent.kind, escape(agent.note or ""))
    console().print(table)


# specifications ---------------------------------------------------------------------------------------------------
@spec_app.command("add")
def add_spec(ctx: typer.Context,
             ref: Annotated[str, typer.Argument(help="Short name on this node, e.g. widget.")],
             name: Name,
             unit: Annotated[str | None, typer.Option(
                 "--unit", help="Default unit of its resources: an OM2 name, UN/ECE code or symbol (kg, KGM).")] = None,
             effort_unit: Annotated[str | None, typer.Option("--effort-unit", help="Default unit of effort.")] = None,
             classified_as: Annotated[list[str] | None, typer.Option(
                 "--classified-as", help="A classification IRI (repeat for several).")] = None,
             substitutable: Annotated[bool, typer.Option(
                 "--substitutable", help="Any resource of this kind will do for another.")] = False,
             money: Annotated[bool, typer.Option("--money", help="A medium of exchange (a currency).")] = False,
             note: Note = None, attrs: Attrs = None):
    """Add a resource specification."""
    spec = open_node(ctx).add_spec(ref, name, unit=unit, effort_unit=effort_unit,
                                   classified_as=tuple(classified_as or ()), substitutable=substitutable,
                                   medium_of_exchange=money, note=note, attributes=parse_assignments(attrs))
    unit_text = f" in {spec.default_unit_of_resource.name}" if spec.default_unit_of_resource else ""
    console().print(f"Added specification [bold]{escape(spec.name)}[/]{unit_text}: {spec.id}")


@spec_app.command("list")
def list_specs(ctx: typer.Context, as_json: JsonOption = False):
    """The resource specifications this node knows."""
    node = open_node(ctx)
    specs = node.specs()
    attributes = node.attributes_for("specification", [spec.id for spec in specs])
    if as_json:
        print_json([{**jsonable(spec), "attributes": attributes[spec.id]} for spec in specs])
        return
    labels = Labels(node.base_url)
    table = Table("spec", "name", "unit", "effort unit", "classified as", "substitutable", "money")
    with_attributes = any(attributes.values())  # a column for module attributes only when some spec has them
    if with_attributes:
        table.add_column("attributes")
    for spec in specs:
        row = jsonable(spec)
        cells = [labels.short(spec.id), escape(spec.name), row["default_unit_of_resource"] or "",
                 row["default_unit_of_effort"] or "", "\n".join(spec.resource_classified_as),
                 "yes" if spec.substitutable else "", "yes" if spec.medium_of_exchange else ""]
        table.add_row(*cells, *([attribute_lines(attributes[spec.id])] if with_attributes else []))
    console().print(table)


@process_spec_app.command("add")
def add_process_spec(ctx: typer.Context,
                     ref: Annotated[str, typer.Argument(help="Short name on this node, e.g. assembly.")],
                     name: Name, note: Note = None):
    """Add a process specification (processes based on it give their outputs that stage)."""
    spec = open_node(ctx).add_process_spec(ref, name, note=note)
    console().print(f"Added process specification [bold]{escape(spec.name)}[/]: {spec.id}")
