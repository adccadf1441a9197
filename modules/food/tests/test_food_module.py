"""The food module as a module: found through its entry point, its migration applied on enabling, its data kept
when it is disabled, its migration reverted when its data is dropped; its commands refuse nodes without it."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cooplink_food.recall import recall
from cooplink_food.store import recall_runs, record_run
from sqlalchemy import inspect
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.ledger.database import current_revisions
from cooplink.node import Node, RecordEvent
from cooplink.node.plugins import installed
from cooplink.vf.errors import VFError


def tables(node: Node) -> set[str]:
    return set(inspect(node.engine).get_table_names())


def food_cli(node: Node, *args: str):
    return CliRunner().invoke(app, ["--node", str(node.home), "food", *args])


@pytest.fixture
def used(food: Node) -> Node:
    """The food module in use: a dated lot, a sale, a recall run kept."""
    food.add_agent("http://x.example", "Customer X")
    food.record(RecordEvent("produce", "20 piece", spec="bread", lot="B-1", tracking_identifier="B-1",
                            resource_attributes={"food.produced_on": "2026-11-02"}))
    food.record(RecordEvent("transfer", "5 piece", resource="B-1", receiver="http://x.example",
                            has_point_in_time=datetime(2026, 11, 3, tzinfo=timezone.utc)))
    record_run(food, recall(food, "B-1"))
    return food


def test_the_module_is_installed_through_its_entry_point():
    plugin = installed()["food"]
    assert plugin.cooplink_module().name == "food"
    assert Path(plugin.cooplink_migrations(), "food_0001_recalls.py").is_file()


def test_enabling_applies_the_modules_migration(node):
    assert "food_recalls" not in tables(node)
    node.enable_module("food")
    assert "food_recalls" in tables(node)
    assert "food_0001" in current_revisions(node.engine)
    assert Node.open(node.home).modules.enabled == ["food"]


def test_disabling_keeps_the_modules_data_and_re_enabling_picks_it_up(used):
    used.disable_module("food")
    reopened = Node.open(used.home)
    assert reopened.modules.enabled == []
    assert reopened.attributes_of("specification", "bread") == {"food.allergens": ["gluten", "milk"],
                                                               "food.shelf_life_days": 5}
    assert reopened.attributes_of("resource", "B-1") == {"food.produced_on": "2026-11-02"}
    assert str(reopened.resource("B-1").lot.expiration_date) == "2026-11-07"
    assert "food_recalls" in tables(reopened)
    assert [run["lot"] for run in recall_runs(reopened)] == ["B-1"]
    with pytest.raises(VFError, match=r"^food\.allergens: "):  # nobody checks them now, so nobody may set them
        reopened.set_attributes("specification", "bread", {"food.allergens": ["milk"]})
    reopened.enable_module("food")
    assert [run["lot"] for run in recall_runs(reopened)] == ["B-1"]
    assert reopened.attributes_of("specification", "bread")["food.allergens"] == ["gluten", "milk"]
    with pytest.raises(VFError, match="lot B-1 expired on 2026-11-07"):  # its rules act again
        reopened.record(RecordEvent("consume", "1 piece", resource="B-1",
                                    has_point_in_time=datetime(2026, 11, 20, tzinfo=timezone.utc)))


def test_dropping_the_data_reverts_the_migration_and_forgets_the_attributes(used):
    used.disable_module("food", drop_data=True)
    assert "food_recalls" not in tables(used)
    assert "food_0001" not in current_revisions(used.engine)
    assert used.attributes_of("specification", "bread") == {}
    assert used.attributes_of("resource", "B-1") == {}
    assert used.verify().ok  # the ledger itself is untouched
    used.enable_module("food")
    assert recall_runs(used) == []


def test_the_commands_refuse_a_node_without_the_module(node):
    result = food_cli(node, "lots")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: module: the food module is not enabled on this node " \
                                    "(cooplink module enable food)"
    assert food_cli(node, "recall", "B-1").exit_code == 1


def test_the_lots_command_lists_lots_by_expiry(used):
    used.record(RecordEvent("produce", "10 piece", spec="bread", lot="B-0",
                            resource_attributes={"food.produced_on": "2026-10-30"}))
    result = food_cli(used, "lots", "--spec", "bread", "--json")
    assert result.exit_code == 0, result.output
    assert [(lot["lot"], lot["expires_on"], lot["onhand"]) for lot in json.loads(result.stdout)["lots"]] == \
        [("B-0", "2026-11-04", "10"), ("B-1", "2026-11-07", "15")]
