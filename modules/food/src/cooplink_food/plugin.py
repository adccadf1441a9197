"""The food module's hooks: what it declares and how it takes part in recording events.

- attributes: ``food.produced_on`` (resource), ``food.shelf_life_days`` and ``food.allergens`` (specification);
- cooplink_pick: first expiry, first out, for a consume or transfer naming only a specification;
- cooplink_validate_event: an expired lot is neither consumed nor transferred;
- cooplink_event_recorded: a new lot gets its production date and, from its shelf life, its expiry;
- cooplink_migrations: the ``food_recalls`` table; cooplink_cli: ``cooplink food lots|recall|recalls``.
"""

from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from cooplink.modules import Attribute, ModuleInfo, hookimpl
from cooplink_food import __version__, fefo, lots

# Regulation (EU) No 1169/2011, Annex II: the substances that cause allergies or intolerances.
ALLERGENS = ("gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk", "nuts", "celery", "mustard",
             "sesame", "sulphites", "lupin", "molluscs")


def _allergen(value: str) -> str:
    """One of the 14, in any case; the refusal names the stranger and lists the 14."""
    if value.strip().lower() not in ALLERGENS:
        raise ValueError(f"unknown allergen {value!r}; Annex II lists {', '.join(ALLERGENS)}")
    return value.strip().lower()


Allergen = Annotated[str, AfterValidator(_allergen)]


@hookimpl
def cooplink_module() -> ModuleInfo:
    return ModuleInfo("food", __version__, "Dated lots, allergens, first-expiry-first-out picking, recall reports")


@hookimpl
def cooplink_attributes() -> list[Attribute]:
    return [
        Attribute("resource", "produced_on", date, help="production date (YYYY-MM-DD)"),
        Attribute("specification", "shelf_life_days", Annotated[int, Field(ge=0)],
                  help="shelf life in whole days (0 or more)"),
        Attribute("specification", "allergens", list[Allergen],
                  help="list of allergens of Regulation (EU) 1169/2011 Annex II"),
    ]


@hookimpl
def cooplink_migrations() -> Path:
    return Path(__file__).with_name("migrations") / "versions"


@hookimpl
def cooplink_pick(node, ledger, draft):
    return fefo.pick(node, ledger, draft)


@hookimpl
def cooplink_validate_event(event, resources) -> None:
    fefo.refuse_expired(event, resources)


@hookimpl
def cooplink_event_recorded(node, ledger, event, changed) -> None:
    lots.date_new_lot(node, ledger, event, changed)


@hookimpl
def cooplink_cli(app) -> None:
    from cooplink_food.cli import food_app

    app.add_typer(food_app, name="food")
