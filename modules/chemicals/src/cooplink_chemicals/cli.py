"""`cooplink chemicals …`: the licences partners hold, and the hazards of a specification.

Every command opens the node and refuses to act unless the module is enabled there.
"""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.cli.render import jsonable
from cooplink_chemicals import ghs, licences
from cooplink_chemicals.rules import HAZARDS, agent_name

chemicals_app = typer.Typer(help="Hazardous goods: GHS hazards of specifications, and partners' licences.",
                            no_args_is_help=True)
licence_app = typer.Typer(help="The licences agents hold to receive hazardous goods.", no_args_is_help=True)
chemicals_app.add_typer(licence_app, name="licence")

Agent = Annotated[str, typer.Argument(help="The agent: a short name on this node, or its IRI.")]
Number = Annotated[str, typer.Option("--number", help="The licence's number, as the authority issued it.")]
Spec = Annotated[str, typer.Argument(help="The resource specification (short name or IRI).")]


def _enabled_node(ctx: typer.Context):
    node = open_node(ctx)
    licences.require_enabled(node)
    return node


@licence_app.command("add")
def add(ctx: typer.Context, agent: Agent, number: Number,
        until: Annotated[str, typer.Option("--until", help="Its last valid day, YYYY-MM-DD.")],
        category: Annotated[list[str], typer.Option(
            "--category", help=f"A hazard category it covers (repeat for several): {', '.join(ghs.CATEGORIES)}.")],
        valid_from: Annotated[str | None, typer.Option(
            "--from", help="Its first valid day, YYYY-MM-DD (default: today).")] = None,
        note: Annotated[str | None, typer.Option("--note", help="A free-text note.")] = None):
    """Record a licence an agent holds."""
    added = licences.add(_enabled_node(ctx), agent, category, number, until, valid_from=valid_from, note=note)
    first = added[0]
    console().print(f"Recorded licence [bold]{escape(first.number)}[/] of {escape(first.agent)} for "
                    f"{', '.join(licence.category for licence in added)} goods, "
                    f"valid {first.valid_from} to {first.valid_until}")


@licence_app.command("list")
def list_licences(ctx: typer.Context,
                  agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's licences.")] = None,
                  as_json: JsonOption = False):
    """Every licence recorded on this node, with its status today."""
    node = _enabled_node(ctx)
    found = licences.listed(node, agent)
    day = licences.today()
    if as_json:
        print_json([{**jsonable(licence), "status": licence.status(day)} for licence in found])
        return
    if not found:
        console().print("No licences recorded.")
        return
    with node.reading() as ledger:
        names = {licence.agent: agent_name(ledger, licence.agent) for licence in found}
    table = Table("agent", "category", "number", "valid from", "valid until", "status")
    for licence in found:
        table.add_row(escape(names[licence.agent]), licence.category, escape(licence.number),
                      str(licence.valid_from), str(licence.valid_until), _status(licence, day))
    console().print(table)


def _status(licence, day) -> str:
    status = licence.status(day)
    return {"valid": "[green]valid[/]", "revoked": "[red]revoked[/]", "expired": "[red]expired[/]"}.get(status,
                                                                                                      status)


@licence_app.command("revoke")
def revoke(ctx: typer.Context, agent: Agent,
           number: Annotated[str, typer.Argument(help="The number of the licence to revoke.")],
           on: Annotated[str | None, typer.Option("--on", help="From which day, YYYY-MM-DD (default: today).")]
           = None):
    """Revoke a licence (all the categories under its number) from a day on."""
    revoked = licences.revoke(_enabled_node(ctx), agent, number, on=on)
    console().print(f"Revoked licence [bold]{escape(revoked[0].number)}[/] of {escape(revoked[0].agent)} "
                    f"from {revoked[0].revoked_on}")


@chemicals_app.command("classify")
def classify(ctx: typer.Context, spec: Spec,
             hazard: Annotated[list[str], typer.Option(
                 "--hazard", help="A GHS hazard statement code such as H225 (repeat for several).")],
             un_number: Annotated[str | None, typer.Option("--un-number", help="Its UN number, e.g. 1170.")] = None):
    """Give a specification its GHS hazard statements (and UN number)."""
    values = {HAZARDS: hazard, **({"chemicals.un_number": un_number} if un_number else {})}
    _enabled_node(ctx).set_attributes("specification", spec, values)
    hazards(ctx, spec)


@chemicals_app.command("hazards")
def hazards(ctx: typer.Context, spec: Spec, as_json: JsonOption = False):
    """A specification's hazard statements and the licence categories a receiver needs for it."""
    node = _enabled_node(ctx)
    attributes = node.attributes_of("specification", spec)
    codes = attributes.get(HAZARDS, [])
    shown = {"specification": node.iri("specs", spec), "un_number": attributes.get("chemicals.un_number"),
             "hazards": [{"code": c, "statement": ghs.hazard(c).statement, "licence": ghs.hazard(c).category}
                         for c in codes],
             "licences_required": list(ghs.required_categories(codes))}
    if as_json:
        print_json(shown)
        return
    _print_hazards(shown)


def _print_hazards(shown: dict) -> None:
    out = console()
    un = f"  UN{shown['un_number']}" if shown["un_number"] else ""
    out.print(f"[bold]{escape(shown['specification'])}[/]{un}")
    if not shown["hazards"]:
        out.print("No hazard statements: no licence needed.")
        return
    table = Table("code", "statement", "licence category")
    for row in shown["hazards"]:
        table.add_row(row["code"], escape(row["statement"]), row["licence"] or "")
    out.print(table)
    out.print(f"Licences a receiver needs: {', '.join(shown['licences_required']) or 'none'}")
