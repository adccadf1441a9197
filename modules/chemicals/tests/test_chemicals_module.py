"""The module as a node sees it: discovered, enabled with its migration, disabled keeping or dropping its data."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cooplink.ledger.database import HEAD, current_revisions
from cooplink.modules import VFError
from cooplink.node.plugins import installed
from cooplink_chemicals import __version__, licences, plugin

NEXT_YEAR = licences.today() + timedelta(days=365)
TABLE = "chemicals_licences"


def has_table(node) -> bool:
    return inspect(node.engine).has_table(TABLE)


def test_the_entry_point_finds_the_module():
    assert installed()["chemicals"] is plugin
    info = plugin.cooplink_module()
    assert (info.name, info.version, info.requires) == ("chemicals", __version__, ())


def test_enabling_applies_its_branch_and_creates_exactly_the_licence_table(node):
    assert not has_table(node)
    assert {"name": "chemicals", "enabled": False}.items() <= next(
        m for m in node.module_list() if m["name"] == "chemicals").items()
    node.enable_module("chemicals")
    assert has_table(node)
    assert "chemicals_0001" in current_revisions(node.engine)
    with node.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), licences.metadata)
    assert [d for d in differences if TABLE in repr(d)] == []
    assert next(m for m in node.module_list() if m["name"] == "chemicals")["enabled"]


def test_its_commands_refuse_where_it_is_not_enabled(node):
    node.add_agent("coop-b", "Coop B")
    for command in (lambda: licences.add(node, "coop-b", ["flammable"], "FL-1", NEXT_YEAR),
                    lambda: licences.listed(node), lambda: licences.revoke(node, "coop-b", "FL-1")):
        with pytest.raises(VFError) as raised:
            command()
        assert raised.value.field == "module" and "chemicals" in raised.value.reason
    assert not has_table(node)


def test_its_attributes_are_refused_where_it_is_not_enabled(node):
    with pytest.raises(VFError, match="no enabled module declares"):
        node.add_spec("ethanol", "Ethanol", attributes={"chemicals.hazards": ["H225"]})
    assert node.specs() == []


def test_disabling_keeps_its_licences_and_attributes(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    chem.disable_module("chemicals")
    assert has_table(chem)
    assert chem.attributes_of("specification", "ethanol")["chemicals.hazards"] == ["H225", "H319"]
    with pytest.raises(VFError, match="not enabled"):
        licences.listed(chem)
    chem.enable_module("chemicals")
    assert [(lic.number, lic.category) for lic in licences.listed(chem)] == [("FL-1", "flammable")]


def test_disabling_with_drop_data_reverts_its_migration_and_deletes_its_attributes(chem):
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    chem.disable_module("chemicals", drop_data=True)
    assert not has_table(chem)
    assert current_revisions(chem.engine) == {HEAD}
    assert chem.attributes_of("specification", "ethanol") == {}
    assert chem.resource("ETH-1").onhand_quantity == 100  # the core's records are untouched
    reopened = type(chem).open(chem.home)
    assert reopened.verify().ok
    reopened.enable_module("chemicals")
    assert has_table(reopened) and licences.listed(reopened) == []


def test_licence_input_is_checked(chem):
    with pytest.raises(VFError) as raised:
        licences.add(chem, "coop-b", ["radioactive"], "R-1", NEXT_YEAR)
    assert raised.value.field == "category"
    with pytest.raises(VFError) as raised:
        licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR, valid_from=NEXT_YEAR + timedelta(days=1))
    assert raised.value.field == "valid_until"
    with pytest.raises(VFError) as raised:
        licences.add(chem, "nobody", ["flammable"], "FL-1", NEXT_YEAR)
    assert raised.value.field == "agent"
    with pytest.raises(VFError) as raised:
        licences.add(chem, "coop-b", ["flammable"], "FL-1", "31.12.2027")
    assert raised.value.field == "valid_until"
    licences.add(chem, "coop-b", ["flammable"], "FL-1", NEXT_YEAR)
    with pytest.raises(VFError, match="already recorded"):
        licences.add(chem, "coop-b", ["corrosive", "flammable"], "FL-1", NEXT_YEAR)
    with pytest.raises(VFError) as raised:
        licences.revoke(chem, "coop-b", "FL-2")
    assert raised.value.field == "number"
    assert [lic.category for lic in licences.listed(chem)] == ["flammable"]  # the refused add wrote nothing


def test_a_partner_known_only_by_its_iri_can_hold_a_licence(chem):
    partner = "https://coop-c.example"
    [licence] = licences.add(chem, partner, ["toxic"], "T-9", NEXT_YEAR)
    assert licence.agent == partner and licence.valid_on(licences.today())
    assert licences.listed(chem, partner) == [licence]
