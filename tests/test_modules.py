"""Industry modules: rules that refuse events with their own message and write nothing, typed attributes, enabling
and disabling (data kept unless dropped), migration branches, extension actions, and the command line.

Most tests install a small plugin object made here (through a stand-in for the entry points); the last ones build
the example module of docs/modules/example into a wheel, install it into a folder and load it from there.
"""

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

import pytest
import typer
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from cooplink.cli.common import open_node
from cooplink.cli.main import app
from cooplink.ledger import database
from cooplink.ledger.database import HEAD, current_revisions
from cooplink.ledger.schema import attributes as attribute_rows
from cooplink.modules import Action, Attribute, ModuleInfo, RecordEvent, VFError, hookimpl
from cooplink.node import Node, plugins
from cooplink.vf.actions import NA

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "modules" / "example"
COOPLINK = Path(sys.executable).with_name("cooplink")

SAMPLE = Action("demo:sample", "sample", "input", NA, NA, "resource", "decrement", "decrement", NA, NA, NA, NA,
                "update")


class Demo:
    """A module with a rule, a reaction, attributes of every kind, and optionally an action, migrations and a
    command."""

    def __init__(self, name: str = "demo", actions=(), migrations: Path | None = None, requires=()):
        self.name, self.actions, self.migrations, self.requires = name, list(actions), migrations, tuple(requires)

    @hookimpl
    def cooplink_module(self):
        return ModuleInfo(self.name, "1.2.3", f"{self.name}: a module made by the tests", requires=self.requires)

    @hookimpl
    def cooplink_attributes(self):
        return [Attribute("specification", "colour", Literal["red", "green", "blue"], help="red, green or blue"),
                Attribute("resource", "made_on", date, help="a date"),
                Attribute("event", "temperature", float, help="degrees", required_for=("pickup",)),
                Attribute("agent", "licence", str)]

    @hookimpl
    def cooplink_actions(self):
        return self.actions

    @hookimpl
    def cooplink_migrations(self):
        return self.migrations

    @hookimpl
    def cooplink_validate_event(self, event, attributes):
        if "forbidden" in (event.note or ""):
            raise VFError("note", f"{self.name} refuses forbidden notes")
        if attributes.get(f"{self.name}.temperature", 0) > 8:
            raise VFError(f"{self.name}.temperature", "too warm: at most 8 degrees")

    @hookimpl
    def cooplink_event_recorded(self, event, changed):
        if event.note == "boom":  # a reaction fails after the event was applied: the whole transaction goes
            raise VFError("note", f"{self.name} could not react")

    @hookimpl
    def cooplink_cli(self, app):
        @app.command(f"{self.name}-hello")
        def hello(ctx: typer.Context):
            """Greets, where the module is enabled."""
            node = open_node(ctx)
            node.modules.require(self.name)
            print(f"hello from {self.name} on {node.name}")


@pytest.fixture
def install(monkeypatch):
    """Make plugin objects the installed modules, as if found through the cooplink.modules entry points."""
    def installing(*found):
        points = [SimpleNamespace(name=p.cooplink_module().name, value=repr(p), load=lambda p=p: p) for p in found]
        monkeypatch.setattr(plugins, "entry_points", lambda group: points)
        plugins.installed.cache_clear()

    yield installing
    plugins.installed.cache_clear()


@pytest.fixture
def demo(node, install) -> Node:
    """Coop A with the demo module installed and enabled, knowing widgets."""
    install(Demo())
    node.enable_module("demo")
    node.add_spec("widget", "Widget", unit="piece")
    return node


def snapshot(node: Node) -> tuple:
    """What a refused command must leave as it was: events, balances and every attribute."""
    with node.reading() as ledger:
        rows = sorted(tuple(r) for r in ledger.connection.execute(select(attribute_rows)))
        balances = sorted((r.id, r.accounting_quantity, r.onhand_quantity) for r in ledger.all_resources())
        return ledger.event_count(), balances, rows


def produce(quantity="10 piece", **fields) -> RecordEvent:
    return RecordEvent("produce", quantity=quantity, spec="widget", **fields)


# rules and reactions -----------------------------------------------------------------------------------------------
def test_a_rule_refuses_an_event_with_its_own_message_and_nothing_is_written(demo):
    demo.record(produce(tracking_identifier="W1"))
    before = snapshot(demo)
    with pytest.raises(VFError) as refused:
        demo.record(produce("5 piece", resource_attributes={"demo.made_on": "2026-11-02"}),
                    RecordEvent("consume", quantity="1 piece", resource="W1", note="a forbidden note",
                                attributes={"demo.temperature": 3}))
    assert (refused.value.field, refused.value.reason) == ("note", "demo refuses forbidden notes")
    assert snapshot(demo) == before


def test_a_rule_can_refuse_on_an_attribute_value(demo):
    before = snapshot(demo)
    with pytest.raises(VFError, match="too warm"):
        demo.record(produce(attributes={"demo.temperature": 9.5}))
    assert snapshot(demo) == before
    [event] = demo.record(produce(attributes={"demo.temperature": 4}))
    assert demo.attributes_of("event", event.id) == {"demo.temperature": 4.0}


def test_a_reaction_that_fails_undoes_the_event_it_reacted_to(demo):
    before = snapshot(demo)
    with pytest.raises(VFError, match="could not react"):
        demo.record(produce(note="boom", resource_attributes={"demo.made_on": "2026-11-02"}))
    assert snapshot(demo) == before


def test_a_required_event_attribute_is_asked_for(demo):
    [made] = demo.record(produce(tracking_identifier="W1"))
    before = snapshot(demo)
    with pytest.raises(VFError) as refused:
        demo.record(RecordEvent("pickup", quantity="1 piece", resource="W1"))
    assert refused.value.field == "demo.temperature" and "requires it on pickup" in refused.value.reason
    assert snapshot(demo) == before
    demo.record(RecordEvent("pickup", quantity="1 piece", resource="W1", attributes={"demo.temperature": 2}))
    assert demo.resource("W1").onhand_quantity == made.resource_quantity.value - 1


def test_a_pick_hook_chooses_the_resources_a_draft_takes_from(node, install):
    class Picker(Demo):
        @hookimpl
        def cooplink_pick(self, draft):
            return [replace(draft, spec=None, resource="OLD")]

    install(Picker())
    node.add_spec("widget", "Widget", unit="piece")
    node.record(produce(tracking_identifier="OLD"), produce(tracking_identifier="NEW"))
    node.enable_module("demo")
    node.record(RecordEvent("consume", quantity="4 piece", spec="widget"))
    assert (node.resource("OLD").onhand_quantity, node.resource("NEW").onhand_quantity) == (6, 10)


# attributes --------------------------------------------------------------------------------------------------------
def test_attributes_are_validated_and_stored_as_their_type(demo):
    demo.add_spec("gear", "Gear", unit="piece", attributes={"demo.colour": "red"})
    [event] = demo.record(produce(resource_attributes={"demo.made_on": "2026-11-02"}))
    demo.add_agent("bob", "Bob", kind="Person")
    assert demo.set_attributes("agent", "bob", {"demo.licence": "L-7"}) == {"demo.licence": "L-7"}
    assert demo.attributes_of("specification", "gear") == {"demo.colour": "red"}
    assert demo.attributes_of("resource", event.new_resource.id) == {"demo.made_on": "2026-11-02"}
    assert demo.set_attributes("specification", "gear", {"demo.colour": "blue"}) == {"demo.colour": "blue"}


@pytest.mark.parametrize("owner, ref, values, field", [
    ("specification", "widget", {"demo.colour": "pink"}, "demo.colour"),
    ("specification", "widget", {"demo.size": 3}, "demo.size"),  # declared by no module
    ("specification", "widget", {"demo.licence": "L-1"}, "demo.licence"),  # an agent's, not a spec's
    ("specification", "nothing", {"demo.colour": "red"}, "specification"),
    ("shelf", "widget", {"demo.colour": "red"}, "owner"),
])
def test_bad_attributes_are_refused_and_nothing_is_written(demo, owner, ref, values, field):
    before = snapshot(demo)
    with pytest.raises(VFError) as refused:
        demo.set_attributes(owner, ref, values)
    assert refused.value.field == field
    assert snapshot(demo) == before


def test_a_spec_with_a_bad_attribute_is_not_added(demo):
    with pytest.raises(VFError, match="not a valid red, green or blue"):
        demo.add_spec("gear", "Gear", attributes={"demo.colour": "pink"})
    assert [s.name for s in demo.specs()] == ["Widget"]


def test_attributes_are_refused_where_their_module_is_not_enabled(node, install):
    install(Demo())
    node.add_spec("widget", "Widget", unit="piece")
    before = snapshot(node)
    with pytest.raises(VFError, match="no enabled module declares"):
        node.set_attributes("specification", "widget", {"demo.colour": "red"})
    with pytest.raises(VFError, match="no module is enabled"):
        node.record(produce(attributes={"demo.temperature": 1}))
    assert snapshot(node) == before


# enabling and disabling --------------------------------------------------------------------------------------------
def test_disabling_keeps_the_data_and_stops_the_rules_and_re_enabling_brings_both_back(demo):
    demo.set_attributes("specification", "widget", {"demo.colour": "green"})
    demo.disable_module("demo")
    assert demo.attributes_of("specification", "widget") == {"demo.colour": "green"}
    assert Node.open(demo.home).attributes_of("specification", "widget") == {"demo.colour": "green"}
    demo.record(produce(note="forbidden, but nobody minds now"))
    with pytest.raises(VFError, match="no enabled module declares"):
        demo.set_attributes("specification", "widget", {"demo.colour": "red"})
    demo.enable_module("demo")
    assert [m["enabled"] for m in demo.module_list()] == [True]
    assert demo.attributes_of("specification", "widget") == {"demo.colour": "green"}
    with pytest.raises(VFError, match="refuses forbidden notes"):
        demo.record(produce(note="forbidden again"))


def test_disabling_with_drop_data_deletes_the_module_attributes(demo):
    demo.set_attributes("specification", "widget", {"demo.colour": "green"})
    demo.disable_module("demo", drop_data=True)
    assert demo.attributes_of("specification", "widget") == {}
    assert Node.open(demo.home).modules.enabled == []


def test_enabling_twice_unknown_modules_and_missing_requirements_are_refused(node, install):
    install(Demo(), Demo("extra", requires=("demo",)))
    for name, reason in (("nope", "no module 'nope' is installed"), ("extra", "needs demo enabled first")):
        with pytest.raises(VFError, match=reason):
            node.enable_module(name)
    node.enable_module("demo")
    node.enable_module("extra")
    with pytest.raises(VFError, match="already enabled"):
        node.enable_module("demo")
    with pytest.raises(VFError, match="extra needs 'demo'; disable it first"):
        node.disable_module("demo")
    assert Node.open(node.home).modules.enabled == ["demo", "extra"]


def test_a_node_whose_enabled_module_is_missing_refuses_to_open(demo, install):
    install()
    with pytest.raises(VFError) as refused:
        Node.open(demo.home)
    assert refused.value.field == "modules"
    assert "module demo is enabled on this node but not installed" in refused.value.reason


# extension actions -------------------------------------------------------------------------------------------------
def test_an_extension_action_is_recorded_with_its_declared_effects(node, install):
    install(Demo(actions=[SAMPLE]))
    node.add_spec("widget", "Widget", unit="piece")
    node.record(produce(tracking_identifier="W1"))
    with pytest.raises(VFError, match="unknown action|not enabled"):
        node.record(RecordEvent("demo:sample", quantity="2 piece", resource="W1"))
    node.enable_module("demo")
    [sampled] = node.record(RecordEvent("demo:sample", quantity="2 piece", resource="W1"))
    resource = node.resource("W1")
    assert (resource.accounting_quantity, resource.onhand_quantity) == (8, 8)
    assert Node.open(node.home).event(sampled.id).action == "demo:sample"
    assert node.verify().ok


def test_an_extension_action_is_refused_on_a_node_without_its_module(node, install):
    install(Demo(actions=[SAMPLE]))
    node.add_spec("widget", "Widget", unit="piece")
    node.record(produce(tracking_identifier="W1"))
    node.enable_module("demo")  # the action is now known to this process...
    node.disable_module("demo")  # ...but this node no longer has the module
    before = snapshot(node)
    with pytest.raises(VFError) as refused:
        node.record(RecordEvent("demo:sample", quantity="2 piece", resource="W1"))
    assert refused.value.field == "action" and "not enabled on this node" in refused.value.reason
    assert snapshot(node) == before


@pytest.mark.parametrize("action, field, reason", [
    (replace(SAMPLE, name="demo:odd", accounting_effect="explode"), "action", "accounting_effect must be one of"),
    (replace(SAMPLE, name="demo:odd", pairs_with="demo:nothing"), "action", "pairsWith names no known action"),
    (replace(SAMPLE, name="sample"), "modules", "must be named 'demo:…'"),
    (replace(SAMPLE, name="food:sample"), "modules", "must be named 'demo:…'"),
])
def test_an_ill_declared_action_keeps_its_module_from_being_enabled(node, install, action, field, reason):
    install(Demo(actions=[action]))
    with pytest.raises(VFError) as refused:
        node.enable_module("demo")
    assert refused.value.field == field and reason in refused.value.reason
    with pytest.raises(VFError):  # while it is installed, no node opens: none runs unsure of its actions
        Node.open(node.home)
    install()
    assert Node.open(node.home).modules.enabled == []
    with pytest.raises(VFError, match="unknown action"):
        node.record(RecordEvent("demo:odd", quantity="1 piece", spec="widget"))


# migrations --------------------------------------------------------------------------------------------------------
MIGRATION = '''"""demo notes"""
from alembic import op
import sqlalchemy as sa

revision = "demo_0001"
down_revision = None
branch_labels = ("demo",)
depends_on = None


def upgrade():
    op.create_table("demo_notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))


def downgrade():
    op.drop_table("demo_notes")
'''


@pytest.fixture
def migrating(node, install, tmp_path) -> Node:
    """Coop A with a module, not yet enabled, whose migration branch makes a demo_notes table."""
    folder = tmp_path / "demo_migrations"
    folder.mkdir()
    (folder / "demo_0001_notes.py").write_text(MIGRATION)
    install(Demo(migrations=folder))
    return node


def tables(node: Node) -> set[str]:
    return set(inspect(node.engine).get_table_names())


def test_a_module_branch_is_applied_on_enable_and_reverted_on_drop_data(migrating):
    migrating.enable_module("demo")
    assert "demo_notes" in tables(migrating) and "demo_0001" in current_revisions(migrating.engine)
    migrating.disable_module("demo", drop_data=True)
    assert "demo_notes" not in tables(migrating)
    assert current_revisions(migrating.engine) == {HEAD}
    migrating.enable_module("demo")
    assert "demo_notes" in tables(migrating)


def test_a_disabled_module_keeps_its_tables_and_the_node_still_opens(migrating):
    migrating.enable_module("demo")
    migrating.disable_module("demo")
    reopened = Node.open(migrating.home)
    assert reopened.modules.enabled == [] and "demo_notes" in tables(reopened)
    reopened.enable_module("demo")  # the branch is already there: nothing to apply
    assert "demo_0001" in current_revisions(reopened.engine)


def test_opening_a_node_with_a_module_branch_does_not_migrate_again(migrating, monkeypatch):
    migrating.enable_module("demo")
    assert current_revisions(migrating.engine) == {HEAD, "demo_0001"}  # a root of its own: the core keeps its row

    def no_migrations(*args, **kwargs):
        raise AssertionError("an everyday open must not run Alembic")

    monkeypatch.setattr(database, "migrate", no_migrations)
    assert Node.open(migrating.home).modules.enabled == ["demo"]


# the command line --------------------------------------------------------------------------------------------------
class Cli:
    def __init__(self, folder: Path):
        self.folder, self.runner = folder, CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, ["--node", str(self.folder), *args], input=input)

    def ok(self, *args: str, input: str | None = None) -> str:
        result = self(*args, input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, field: str) -> str:
        result = self(*args)
        assert result.exit_code == 1, result.output
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {field}: "), line
        return line


@pytest.fixture
def cli(tmp_path, db_url, install) -> Cli:
    install(Demo())
    shell = Cli(tmp_path / "coop-a")
    shell.ok("init", "--name", "Coop A", "--base-url", "http://127.0.0.1:8001", "--db", db_url)
    return shell


def test_module_list_enable_and_disable(cli):
    assert cli.json("module", "list") == [{"name": "demo", "version": "1.2.3", "enabled": False, "requires": [],
                                           "description": "demo: a module made by the tests"}]
    assert "demo: a module made by the tests" in cli.ok("module", "list")
    assert "Enabled module demo" in cli.ok("module", "enable", "demo")
    assert cli.json("module", "list")[0]["enabled"] is True
    cli.fails("module", "enable", "demo", field="module")
    assert "its data is kept" in cli.ok("module", "disable", "demo")
    assert cli.json("module", "list")[0]["enabled"] is False
    cli.fails("module", "disable", "demo", field="module")


def test_dropping_a_module_data_asks_first(cli):
    cli.ok("module", "enable", "demo")
    cli.ok("spec", "add", "widget", "--name", "Widget", "--attr", "demo.colour=red")
    declined = cli("module", "disable", "demo", "--drop-data", input="n\n")
    assert declined.exit_code == 1
    assert cli.json("module", "list")[0]["enabled"] is True
    assert cli.json("attr", "show", "spec", "widget") == {"demo.colour": "red"}
    cli.ok("module", "disable", "demo", "--drop-data", input="y\n")
    assert cli.json("attr", "show", "spec", "widget") == {}
    cli.ok("module", "enable", "demo")
    cli.ok("attr", "set", "spec", "widget", "demo.colour=blue")
    cli.ok("module", "disable", "demo", "--drop-data", "--yes")
    assert cli.json("attr", "show", "spec", "widget") == {}


def test_attributes_at_the_command_line(cli):
    cli.ok("module", "enable", "demo")
    cli.ok("spec", "add", "widget", "--name", "Widget", "--unit", "piece", "--attr", "demo.colour=green")
    cli.ok("spec", "add", "gear", "--name", "Gear", "--unit", "piece")
    specs = {s["name"]: s["attributes"] for s in cli.json("spec", "list")}
    assert specs == {"Widget": {"demo.colour": "green"}, "Gear": {}}
    assert "demo.colour: green" in cli.ok("spec", "list")
    event = cli.json("event", "record", "produce", "3", "piece", "--spec", "widget", "--tracking-id", "W1",
                     "--attr", "demo.temperature=4.5", "--resource-attr", "demo.made_on=2026-11-02")
    assert cli.json("attr", "show", "event", event["id"]) == {"demo.temperature": 4.5}
    [resource] = cli.json("inventory")["resources"]
    assert resource["attributes"] == {"demo.made_on": "2026-11-02"}
    assert "demo.made_on: 2026-11-02" in cli.ok("inventory")
    cli.ok("agent", "add", "bob", "--name", "Bob")
    assert cli.json("attr", "set", "agent", "bob", "demo.licence=L 7") == {"demo.licence": "L 7"}
    assert cli.json("attr", "set", "resource", "W1", "demo.made_on=\"2026-12-01\"") == \
        {"demo.made_on": "2026-12-01"}
    assert "demo.made_on" in cli.ok("attr", "show", "resource", "W1")


@pytest.mark.parametrize("args, field", [
    (("spec", "add", "gear", "--name", "Gear", "--attr", "demo.colour=pink"), "demo.colour"),
    (("spec", "add", "gear", "--name", "Gear", "--attr", "demo.colour"), "attribute"),
    (("attr", "set", "shelf", "widget", "demo.colour=red"), "owner"),
    (("attr", "set", "spec", "widget", "demo.colour=7"), "demo.colour"),
    (("attr", "show", "spec", "nothing"), "specification"),
    (("event", "record", "produce", "1", "piece", "--spec", "widget", "--note", "forbidden"), "note"),
    (("event", "record", "produce", "1", "piece", "--spec", "widget", "--attr", "demo.temperature=warm"),
     "demo.temperature"),
    (("event", "record", "produce", "1", "piece", "--spec", "widget", "--attr", "demo.temperature=12"),
     "demo.temperature"),
    (("module", "enable", "nope"), "module"),
])
def test_bad_module_input_is_one_line_and_writes_nothing(cli, args, field):
    cli.ok("module", "enable", "demo")
    cli.ok("spec", "add", "widget", "--name", "Widget", "--unit", "piece")
    before = cli.json("inventory", "--all"), cli.json("spec", "list")
    cli.fails(*args, field=field)
    assert (cli.json("inventory", "--all"), cli.json("spec", "list")) == before


def test_module_commands_are_added_and_act_only_where_enabled(cli):
    assert "demo-hello" in cli.ok("--help")
    cli.fails("demo-hello", field="module")
    cli.ok("module", "enable", "demo")
    assert cli.ok("demo-hello").strip() == "hello from demo on Coop A"


def test_a_module_command_never_hides_a_core_command(cli, install):
    class Hijacker(Demo):
        @hookimpl
        def cooplink_cli(self, app):
            app.command("inventory")(lambda: print("hijacked"))

    install(Hijacker())
    assert "hijacked" not in cli.ok("inventory")
    assert cli.json("inventory")["resources"] == []


def test_module_list_says_when_none_is_installed(cli, install):
    install()
    assert cli.ok("module", "list").strip() == "No modules are installed."
    assert cli.json("module", "list") == []


def test_a_module_that_does_not_load_is_named_in_one_line(cli, monkeypatch):
    def broken():
        raise ImportError("No module named 'cooplink_broken'")

    point = SimpleNamespace(name="broken", value="cooplink_broken.plugin", load=broken)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [point])
    plugins.installed.cache_clear()
    shown = cli("--help")
    assert shown.exit_code == 0 and "inventory" in shown.stdout  # the core's help is still there
    assert "warning: modules: module entry point broken (cooplink_broken.plugin) does not load" in shown.stderr
    line = cli.fails("inventory", field="modules")
    assert "ImportError: No module named 'cooplink_broken'" in line


def test_a_missing_enabled_module_is_one_line_at_the_command_line(cli, install):
    cli.ok("module", "enable", "demo")
    install()
    line = cli.fails("inventory", field="modules")
    assert "module demo is enabled on this node but not installed" in line


# the example module of docs/modules.md, built and installed ------------------------------------------------------
@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """docs/modules/example built into a wheel (offline, with the setuptools the test extras install) and
    installed into a folder of its own."""
    work = tmp_path_factory.mktemp("example")
    source = shutil.copytree(EXAMPLE, work / "source")  # setuptools writes build files beside the sources
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", str(source), "-w", str(work / "dist")],
                   check=True, timeout=120)
    [wheel] = (work / "dist").glob("cooplink_example-0.1.0-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(work / "site"), str(wheel)], check=True,
                   timeout=120)
    return work / "site"


@pytest.fixture
def example(example_site, monkeypatch):
    monkeypatch.syspath_prepend(str(example_site))
    plugins.installed.cache_clear()
    yield example_site
    plugins.installed.cache_clear()


def test_the_example_module_is_built_loaded_and_enforced(node, example):
    assert "example" in plugins.installed()
    node.enable_module("example")
    node.add_spec("widget", "Widget", unit="piece", attributes={"example.colour": "red"})
    with pytest.raises(VFError, match="not a valid red, green or blue"):
        node.set_attributes("specification", "widget", {"example.colour": "pink"})
    before = snapshot(node)
    with pytest.raises(VFError) as refused:
        node.record(produce(note="Counterfeit widgets"))
    assert (refused.value.field, refused.value.reason) == (
        "note", "the example module refuses notes that mention counterfeit goods")
    assert snapshot(node) == before
    node.record(produce(note="genuine widgets"))
    assert Node.open(node.home).attributes_of("specification", "widget") == {"example.colour": "red"}


def test_the_installed_script_runs_the_example_module_commands(tmp_path, example_site):
    folder = str(tmp_path / "coop-a")
    with_example = {"PYTHONPATH": str(example_site)}

    def run(*args, env=None):
        return subprocess.run([str(COOPLINK), "--node", folder, *args], capture_output=True, text=True,
                              check=False, timeout=60, env={"PATH": "/usr/bin:/bin", **(env or {})})

    assert run("init", "--name", "Coop A", "--base-url", "http://127.0.0.1:8001").returncode == 0
    assert "example" in run("--help", env=with_example).stdout
    assert run("module", "enable", "example", env=with_example).returncode == 0
    assert run("spec", "add", "widget", "--name", "Widget", "--attr", "example.colour=blue",
               env=with_example).returncode == 0
    assert run("example", "colours", env=with_example).stdout == "widget: blue\n"
    missing = run("spec", "list")  # the module is enabled here but no longer on the path
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.splitlines() == [("error: modules: module example is enabled on this node but not "
                                            "installed; install it (or disable it) before starting the node")]
