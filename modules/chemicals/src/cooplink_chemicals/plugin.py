"""The chemicals module's hooks (the entry point ``cooplink.modules: chemicals`` names this module).

The CLI and the dashboard panel are imported only when asked for: every node that opens loads this plugin, and
most of them never draw a panel or build a command line.
"""

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from cooplink.modules import Action, Attribute, ModuleInfo, Panel, hookimpl
from cooplink_chemicals import __version__, ghs, rules

Hazards = Annotated[list[str], AfterValidator(ghs.check_codes)]
UNNumber = Annotated[str, BeforeValidator(ghs.check_un_number)]

# Like consume (an input that lowers both quantities), but the books say the substance was made safe, not used up.
NEUTRALIZE = Action(
    name=rules.NEUTRALIZE, label="neutralize", input_output="input", pairs_with="notApplicable",
    create_resource="notApplicable", event_quantity="resource", accounting_effect="decrement",
    onhand_effect="decrement", location_effect="notApplicable", contained_effect="notApplicable",
    accountable_effect="notApplicable", stage_effect="notApplicable", state_effect="update")


@hookimpl
def cooplink_module() -> ModuleInfo:
    return ModuleInfo(name="chemicals", version=__version__,
                      description="GHS hazard statements on specifications; hazardous goods go only to partners "
                                  "licensed for them")


@hookimpl
def cooplink_attributes() -> list[Attribute]:
    return [
        Attribute("specification", "hazards", Hazards, help="list of GHS hazard statements (H-codes, e.g. H225)"),
        Attribute("specification", "un_number", UNNumber, help="UN number (four digits, e.g. 1170)"),
        Attribute("event", "neutralized_with", str, help="the reagent or method that neutralised the substance",
                  required_for=(rules.NEUTRALIZE,)),
    ]


@hookimpl
def cooplink_actions() -> list[Action]:
    return [NEUTRALIZE]


@hookimpl
def cooplink_migrations() -> Path:
    return Path(__file__).with_name("migrations")


@hookimpl
def cooplink_validate_event(ledger, event, resources) -> None:
    rules.check_event(ledger, event, resources)


@hookimpl
def cooplink_cli(app) -> None:
    from cooplink_chemicals.cli import chemicals_app

    app.add_typer(chemicals_app, name="chemicals")


@hookimpl
def cooplink_dashboard_panels(node) -> list[Panel]:
    from cooplink_chemicals.panel import render

    return [Panel(title="Chemicals: hazardous stock and licences", render=render)]
