"""The `cooplink` command line: every command, its --json output, and bad input refused in one line with nothing
written. Most tests drive the typer app in-process; a few run the installed script to check real exit codes."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.node import Node

A_URL, B_URL = "http://127.0.0.1:8001", "http://127.0.0.1:8002"
COOPLINK = Path(sys.executable).with_name("cooplink")


class Cli:
    """One node's data folder, and the command line pointed at it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict | None = None):
        return self.runner.invoke(app, ["--node", str(self.folder), *args], env=env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, field: str) -> str:
        """The one-line error naming the field; returns its reason."""
        result = self(*args)
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: {field}: "), lines[0]
        assert "Traceback" not in result.output
        return lines[0].removeprefix(f"error: {field}: ")

    def state(self) -> tuple:
        """What a refused command must leave as it was: every resource and every event."""
        node = Node.open(self.folder)
        with node.reading() as ledger:
            events = ledger.event_count()
        return self.json("inventory", "--all"), events


def make_node(tmp_path: Path, name: str = "coop-a", url: str = A_URL, db: str | None = None) -> Cli:
    cli = Cli(tmp_path / name)
    cli.ok("init", "--name", name.replace("-", " ").title(), "--base-url", url, *(["--db", db] if db else []))
    return cli


@pytest.fixture
def coop_a(tmp_path, db_url) -> Cli:
    """Coop A, initialised through the CLI on the backend under test (--db), knowing widgets and flour."""
    cli = make_node(tmp_path, db=db_url)
    cli.ok("spec", "add", "widget", "--name", "Widget", "--unit", "piece")
    cli.ok("spec", "add", "flour", "--name", "Flour", "--unit", "kg")
    return cli


@pytest.fixture
def stocked(coop_a) -> Cli:
    """Coop A with 100 widgets in lot W-1 (tracking id WID-1) and 2 kg of flour."""
    coop_a.ok("event", "record", "produce", "100", "piece", "--spec", "widget", "--lot", "W-1",
              "--tracking-id", "WID-1")
    coop_a.ok("event", "record", "raise", "--quantity", "2 kg", "--spec", "flour", "--tracking-id", "FLOUR")
    return coop_a


def resources_by_tracking(cli: Cli) -> dict:
    return {r["tracking_identifier"]: r for r in cli.json("inventory", "--all")["resources"]}


# setting up a node -------------------------------------------------------------------------------------------------
def test_init_makes_a_node_that_settings_describe(tmp_path, db_url):
    cli = make_node(tmp_path, db=db_url)
    settings = cli.json("settings")
    assert settings["name"] == "Coop A"
    assert settings["base_url"] == A_URL
    assert settings["allow_negative_stock"] is False
    assert settings["database"].startswith("PostgreSQL" if db_url.startswith("postgresql") else "SQLite")


def test_init_refuses_a_folder_that_holds_a_node_and_a_base_url_that_is_not_http(tmp_path):
    cli = make_node(tmp_path)
    assert "already holds a node" in cli.fails("init", "--name", "Again", "--base-url", A_URL, field="node")
    other = Cli(tmp_path / "other")
    other.fails("init", "--name", "X", "--base-url", "ftp://x", field="base_url")
    assert not (tmp_path / "other" / "node.json").exists()


def test_a_folder_without_a_node_is_an_error(tmp_path):
    assert "no node in" in Cli(tmp_path / "empty").fails("inventory", field="node")


def test_the_node_folder_can_come_from_cooplink_home(tmp_path):
    make_node(tmp_path)
    result = CliRunner().invoke(app, ["settings", "--json"], env={"COOPLINK_HOME": str(tmp_path / "coop-a")})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Coop A"


def test_an_unreachable_database_is_one_line(tmp_path):
    cli = Cli(tmp_path / "coop-a")
    reason = cli.fails("init", "--name", "A", "--base-url", A_URL, "--db", "postgresql://nobody@127.0.0.1:1/none",
                       field="database")
    assert reason


def test_agents_are_added_and_listed(coop_a):
    coop_a.ok("agent", "add", B_URL, "--name", "Coop B")
    coop_a.ok("agent", "add", "ana", "--name", "Ana", "--person", "--note", "member since 2019")
    agents = coop_a.json("agent", "list")
    assert agents[0]["id"] == A_URL  # the node itself first
    assert {(a["id"], a["name"], a["kind"]) for a in agents[1:]} == {
        (B_URL, "Coop B", "Organization"), (f"{A_URL}/agents/ana", "Ana", "Person")}
    assert "Ana" in coop_a.ok("agent", "list")
    assert "already exists" in coop_a.fails("agent", "add", "ana", "--name", "Ana again", field="@id")


def test_specs_keep_units_classifications_and_flags(coop_a):
    coop_a.ok("spec", "add", "euro", "--name", "Euro", "--money", "--substitutable",
              "--classified-as", "https://example.org/money", "--classified-as", "https://example.org/eur")
    coop_a.ok("spec", "add", "repair", "--name", "Repair", "--effort-unit", "HUR")
    specs = {s["id"].rsplit("/", 1)[1]: s for s in coop_a.json("spec", "list")}
    assert specs["flour"]["default_unit_of_resource"] == "kilogram"
    assert specs["repair"]["default_unit_of_effort"] == "hour"
    assert specs["euro"]["medium_of_exchange"] is True and specs["euro"]["substitutable"] is True
    assert specs["euro"]["resource_classified_as"] == ["https://example.org/money", "https://example.org/eur"]
    assert "kilogram" in coop_a.ok("spec", "list")
    coop_a.fails("spec", "add", "rope", "--name", "Rope", "--unit", "furlong", field="defaultUnitOfResource")


# recording events --------------------------------------------------------------------------------------------------
def test_produce_creates_a_resource_with_lot_and_tracking_id(stocked):
    widgets = resources_by_tracking(stocked)["WID-1"]
    assert widgets["accounting_quantity"] == "100" and widgets["onhand_quantity"] == "100"
    assert widgets["unit"] == "piece"
    assert widgets["lot"]["batch_lot_code"] == "W-1"
    table = stocked.ok("inventory")
    assert "W-1" in table and "WID-1" in table and "accounting" in table and "on hand" in table


def test_recording_prints_the_event_and_the_resource_it_created(coop_a):
    out = coop_a.ok("event", "record", "produce", "5", "piece", "--spec", "widget", "--name", "Blue widgets")
    assert f"event:       {A_URL}/events/" in out
    assert "(created)" in out
    recorded = coop_a.json("event", "record", "raise", "3", "piece", "--resource", resources_of(coop_a, "Blue widgets"))
    assert recorded["action"] == "raise"
    assert recorded["resource_quantity"] == {"value": "3", "unit": "piece"}


def resources_of(cli: Cli, name: str) -> str:
    [found] = [r["id"] for r in cli.json("inventory")["resources"] if r["name"] == name]
    return found


def test_a_quantity_in_another_unit_is_converted_exactly(stocked):
    stocked.ok("event", "record", "consume", "--quantity", "250 g", "--resource", "FLOUR")
    flour = resources_by_tracking(stocked)["FLOUR"]
    assert (flour["accounting_quantity"], flour["onhand_quantity"], flour["unit"]) == ("1.75", "1.75", "kilogram")


def test_inventory_filters_by_spec_location_and_emptiness(stocked):
    stocked.ok("event", "record", "raise", "1", "piece", "--spec", "widget", "--tracking-id", "SHED")
    stocked.ok("event", "record", "move", "1", "piece", "--resource", "SHED", "--to-location", "shed",
               "--tracking-id", "IN-SHED")
    assert {r["tracking_identifier"] for r in stocked.json("inventory", "--spec", "widget")["resources"]} == \
        {"WID-1", "IN-SHED"}  # SHED is empty now, so left out
    assert "SHED" in {r["tracking_identifier"] for r in stocked.json("inventory", "--all")["resources"]}
    [in_shed] = stocked.json("inventory", "--at", "shed")["resources"]
    assert in_shed["tracking_identifier"] == "IN-SHED" and in_shed["onhand_quantity"] == "1"


def test_event_show_and_history_in_ledger_order(stocked):
    stocked.ok("event", "record", "lower", "3", "piece", "--resource", "WID-1", "--note", "broken")
    history = stocked.json("history", "WID-1")
    assert [e["action"] for e in history] == ["produce", "lower"]
    assert history[0]["seq"] < history[1]["seq"]
    shown = stocked.json("event", "show", history[1]["id"].rsplit("/", 1)[1])
    assert shown["note"] == "broken" and shown["resource_quantity"] == {"value": "3", "unit": "piece"}
    assert "broken" in stocked.ok("history", "WID-1")
    assert "lower" in stocked.ok("event", "show", history[1]["id"])
    stocked.fails("event", "show", "no-such-event", field="event")


def test_a_correction_restates_an_event_and_zero_backs_it_out(stocked):
    first, lowered = (stocked.json("event", "record", "lower", "3", "piece", "--resource", "WID-1")
                      for _ in range(2))
    correction = stocked.json("event", "correct", lowered["id"], "--quantity", "0 piece")
    assert correction["corrects"] == lowered["id"]
    assert resources_by_tracking(stocked)["WID-1"]["onhand_quantity"] == "97"
    assert "corrects:" in stocked.ok("event", "correct", first["id"], "--quantity", "1 piece")
    assert resources_by_tracking(stocked)["WID-1"]["onhand_quantity"] == "99"


# processes ---------------------------------------------------------------------------------------------------------
def test_a_process_takes_inputs_and_gives_outputs(stocked):
    stocked.ok("process-spec", "add", "baking", "--name", "Baking")
    process = stocked.json("process", "start", "Bake widgets", "--based-on", "baking")
    ref = process["id"].rsplit("/", 1)[1]
    stocked.ok("process", "add", ref, "--input", "consume", "--quantity", "500 g", "--resource", "FLOUR")
    stocked.ok("process", "add", ref, "--input", "work", "--effort", "2 hour")
    stocked.ok("process", "add", ref, "--output", "produce", "10", "piece", "--spec", "widget", "--lot", "B-1",
               "--tracking-id", "BAKED", "--expires", "2030-01-31")
    shown = stocked.json("process", "show", ref)
    assert [e["action"] for e in shown["inputs"]] == ["consume", "work"]
    assert [e["action"] for e in shown["outputs"]] == ["produce"]
    baked = resources_by_tracking(stocked)["BAKED"]
    assert baked["stage"] == f"{A_URL}/process-specs/baking"  # outputs reach the stage of the process' spec
    assert baked["lot"] == {"batch_lot_code": "B-1", "expiration_date": "2030-01-31"}
    assert "Bake widgets" in stocked.ok("process", "show", ref)

    stocked.ok("process", "finish", ref)
    assert stocked.json("process", "list")[0]["finished"] is True
    assert "finished" in stocked.ok("process", "list")
    before = stocked.state()
    assert "finished" in stocked.fails("process", "add", ref, "--input", "work", "--effort", "1 hour",
                                       field="inputOf")
    assert stocked.state() == before


def test_process_refuses_unknown_process_and_spec(coop_a):
    coop_a.fails("process", "start", "x", "--based-on", "nothing", field="basedOn")
    coop_a.fails("process", "show", "nothing", field="process")
    coop_a.fails("process", "finish", "nothing", field="process")
    assert coop_a.json("process", "list") == []


# trace, track, verify ----------------------------------------------------------------------------------------------
def test_trace_and_track_follow_a_process(stocked):
    ref = stocked.json("process", "start", "Bake")["id"]
    stocked.ok("process", "add", ref, "--input", "consume", "1", "kg", "--resource", "FLOUR")
    stocked.ok("process", "add", ref, "--output", "produce", "4", "piece", "--spec", "widget", "--lot", "B-7",
               "--tracking-id", "BAKED")
    steps = stocked.json("trace", "BAKED")
    assert [s["kind"] for s in steps] == ["resource", "event", "process", "event", "resource", "event"]
    assert [s["depth"] for s in steps] == [0, 1, 2, 3, 4, 5]
    assert steps[4]["item"]["tracking_identifier"] == "FLOUR"
    tree = stocked.ok("trace", "BAKED")
    assert "lot B-7" in tree and "process Bake" in tree and "tracking id FLOUR" in tree
    assert tree.index("lot B-7") < tree.index("tracking id FLOUR")  # the product first, its source below
    forward = stocked.json("track", "FLOUR")
    assert forward[-1]["item"]["tracking_identifier"] == "BAKED"
    assert "tracking id BAKED" in stocked.ok("track", "FLOUR")


def test_verify_passes_and_exits_one_when_a_balance_drifts(tmp_path):
    cli = make_node(tmp_path)  # SQLite, so the test can tamper with the file directly
    cli.ok("spec", "add", "widget", "--name", "Widget", "--unit", "piece")
    cli.ok("event", "record", "produce", "10", "piece", "--spec", "widget", "--tracking-id", "W")
    report = cli.json("verify")
    assert report == {"ok": True, "events": 1, "resources": 1, "differences": []}
    assert "every balance equals" in cli.ok("verify")
    with sqlite3.connect(tmp_path / "coop-a" / "ledger.sqlite3") as db:
        db.execute("UPDATE resources SET onhand_quantity = '11'")
    drifted = cli("verify", "--json")
    assert drifted.exit_code == 1
    [difference] = json.loads(drifted.stdout)["differences"]
    assert "onhand_quantity" in difference and "11" in difference
    assert "1 differences" in cli("verify").stdout


# bad input: refused in one line naming the field, and nothing written ---------------------------------------------
BAD_EVENTS = [
    ("unknown action", ["event", "record", "fly", "1", "piece", "--spec", "widget"], "action"),
    ("unknown spec", ["event", "record", "produce", "1", "piece", "--spec", "gadget"], "resourceConformsTo"),
    ("zero quantity", ["event", "record", "produce", "0", "piece", "--spec", "widget"], "resourceQuantity"),
    ("negative quantity", ["event", "record", "raise", "--quantity", "-5 piece", "--resource", "WID-1"],
     "resourceQuantity"),
    ("inconvertible unit", ["event", "record", "consume", "1", "kg", "--resource", "WID-1"], "resourceQuantity"),
    ("unknown unit", ["event", "record", "consume", "1", "parsec", "--resource", "WID-1"], "resourceQuantity"),
    ("resource and spec", ["event", "record", "consume", "1", "piece", "--resource", "WID-1", "--spec", "widget"],
     "resourceConformsTo"),
    ("more than on hand", ["event", "record", "consume", "101", "piece", "--resource", "WID-1"], "resourceQuantity"),
    ("transfer more than on hand", ["event", "record", "transfer", "150", "piece", "--resource", "WID-1",
                                    "--receiver", B_URL], "resourceQuantity"),
    ("unknown resource", ["event", "record", "consume", "1", "piece", "--resource", "nothing"],
     "resourceInventoriedAs"),
    ("quantity twice", ["event", "record", "consume", "1", "piece", "--quantity", "1 piece", "--resource", "WID-1"],
     "resourceQuantity"),
    ("missing unit", ["event", "record", "consume", "1", "--resource", "WID-1"], "resourceQuantity"),
    ("expiry without lot", ["event", "record", "produce", "1", "piece", "--spec", "widget", "--expires",
                            "2030-01-01"], "expirationDate"),
    ("bad expiry", ["event", "record", "produce", "1", "piece", "--spec", "widget", "--lot", "L", "--expires",
                    "2030-13-01"], "expirationDate"),
    ("work without effort", ["event", "record", "work", "--spec", "widget"], "effortQuantity"),
    ("unknown process", ["process", "add", "nothing", "--input", "consume", "1", "piece", "--resource", "WID-1"],
     "inputOf"),
    ("input and output", ["process", "add", "p", "--input", "consume", "--output", "produce"], "action"),
    ("correct a missing event", ["event", "correct", "no-such-event", "--quantity", "1 piece"], "corrects"),
]


@pytest.mark.parametrize("case, args, field", BAD_EVENTS, ids=[c[0] for c in BAD_EVENTS])
def test_bad_input_is_refused_and_writes_nothing(stocked, case, args, field):
    before = stocked.state()
    stocked.fails(*args, field=field)
    assert stocked.state() == before


def test_correcting_an_event_twice_is_refused(stocked):
    [produced] = stocked.json("history", "WID-1")
    stocked.ok("event", "correct", produced["id"], "--quantity", "90 piece")
    before = stocked.state()
    assert "already corrected" in stocked.fails("event", "correct", produced["id"], "--quantity", "80 piece",
                                                field="corrects")
    assert stocked.state() == before
    assert resources_by_tracking(stocked)["WID-1"]["onhand_quantity"] == "90"


def test_negative_stock_is_refused_until_the_node_allows_it(stocked):
    consume = ("event", "record", "consume", "120", "piece", "--resource", "WID-1")
    stocked.fails(*consume, field="resourceQuantity")
    assert "negative stock" not in stocked.ok("inventory")
    assert stocked.json("inventory")["allow_negative_stock"] is False

    assert stocked.json("settings", "--allow-negative-stock")["allow_negative_stock"] is True
    stocked.ok(*consume)
    assert resources_by_tracking(stocked)["WID-1"]["onhand_quantity"] == "-20"
    assert stocked.json("inventory")["allow_negative_stock"] is True
    assert "This node allows negative stock" in stocked.ok("inventory")
    assert stocked.json("verify")["ok"] is True

    stocked.ok("settings", "--no-allow-negative-stock")
    stocked.fails("event", "record", "consume", "1", "piece", "--resource", "WID-1", field="resourceQuantity")


# two nodes on one machine ------------------------------------------------------------------------------------------
def test_goods_sold_by_one_node_are_received_by_another(tmp_path):
    coop_a, coop_b = make_node(tmp_path, "coop-a", A_URL), make_node(tmp_path, "coop-b", B_URL)
    coop_a.ok("spec", "add", "widget", "--name", "Widget", "--unit", "piece")
    coop_a.ok("event", "record", "produce", "100", "piece", "--spec", "widget", "--lot", "W-1", "--tracking-id", "W")
    sale = coop_a.json("event", "record", "transfer", "40", "piece", "--resource", "W", "--receiver", B_URL)
    assert sale["to_resource_inventoried_as"] is None  # the receiving side is B's ledger

    coop_b.ok("agent", "add", A_URL, "--name", "Coop A")
    coop_b.ok("spec", "add", "component", "--name", "Widget component", "--unit", "piece")
    receipt = coop_b.json("event", "record", "transfer", "40", "piece", "--id", sale["id"],
                          "--resource", sale["resource_inventoried_as"], "--provider", A_URL, "--receiver", "self",
                          "--new-to-resource", "--to-spec", "component", "--lot", "W-1", "--tracking-id", "W")
    assert receipt["id"] == sale["id"]

    assert resources_by_tracking(coop_a)["W"]["onhand_quantity"] == "60"
    received = resources_by_tracking(coop_b)["W"]
    assert received["onhand_quantity"] == "40"
    assert received["conforms_to"] == f"{B_URL}/specs/component"
    assert received["lot"]["batch_lot_code"] == "W-1"
    steps = coop_b.json("trace", "W")
    assert steps[-1] == {"depth": 2, "kind": "elsewhere", "item": {"id": sale["resource_inventoried_as"]}}
    assert f"held in another ledger: {sale['resource_inventoried_as']}" in coop_b.ok("trace", "W")
    assert "from Coop A to Coop B" in coop_b.ok("trace", "W")
    assert coop_a.json("verify")["ok"] and coop_b.json("verify")["ok"]


# VF files in and out --------------------------------------------------------------------------------------------
VF_EXAMPLES = Path(__file__).parent / "data" / "valueflows"


def test_import_vf_records_a_file_and_reports_what_it_kept(coop_a):
    report = coop_a.json("import", "vf", str(VF_EXAMPLES / "simple-manufacturing.yaml"))
    assert report["events"] == 5 and report["processes"] == 1
    assert any("only referenced" in w for w in report["warnings"])
    plywood = [r for r in coop_a.json("inventory")["resources"]
               if r["id"] == "https://manufacturing.example/3129ca8b-fcda-45be-bbda-294dc924d3b9"]
    assert [p["onhand_quantity"] for p in plywood] == ["127"]  # 130 sheets before, 3 consumed
    assert coop_a.json("verify")["ok"] is True


def test_import_vf_prints_counts_and_warnings(tmp_path):
    cli = make_node(tmp_path)
    out = cli.ok("import", "vf", str(VF_EXAMPLES / "simple-retail-exchange-without-commitments.yaml"))
    assert out.startswith("Imported ") and "2 events" in out
    assert "warning: Agreement skipped" in out


def test_export_vf_reads_back_into_another_node(stocked, tmp_path):
    stocked.ok("event", "record", "lower", "3", "piece", "--resource", "WID-1")
    document = json.loads(stocked.ok("export", "vf"))
    assert "@context" in document
    target = tmp_path / "coop-a.jsonld"
    assert str(target) in stocked.ok("export", "vf", "--out", str(target))
    assert json.loads(target.read_text()) == document

    coop_b = make_node(tmp_path, "coop-b", B_URL)
    assert coop_b.json("import", "vf", str(target))["events"] == 3
    assert resources_by_tracking(coop_b) == resources_by_tracking(stocked)
    assert coop_b.json("verify")["ok"] is True


def test_a_malformed_import_file_is_refused_whole(stocked, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"@context": {"@vocab": "https://w3id.org/valueflows/ont/vf#"}, "@graph": [
        {"@id": "https://x.example/e1", "@type": "EconomicEvent", "action": "raise", "provider": A_URL,
         "receiver": A_URL, "resourceInventoriedAs": stocked.json("inventory")["resources"][0]["id"],
         "resourceQuantity": {"hasUnit": "piece", "hasNumericalValue": "5"}},
        {"@id": "https://x.example/e2", "@type": "EconomicEvent", "action": "fly", "provider": A_URL,
         "receiver": A_URL, "resourceConformsTo": f"{A_URL}/specs/widget",
         "resourceQuantity": {"hasUnit": "piece", "hasNumericalValue": "1"}}]}))
    before = stocked.state()
    reason = stocked.fails("import", "vf", str(broken), field="$.@graph[1].action")  # where in the file
    assert "unknown action 'fly'" in reason
    assert stocked.state() == before
    (tmp_path / "bad.json").write_text("{not json")
    stocked.fails("import", "vf", str(tmp_path / "bad.json"), field="file")
    stocked.fails("import", "vf", str(tmp_path / "missing.yaml"), field="file")
    stocked.fails("export", "vf", "--out", str(tmp_path / "no" / "such" / "dir.json"), field="out")
    assert stocked.state() == before


# the installed script ----------------------------------------------------------------------------------------------
def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(COOPLINK), *args], check=False, capture_output=True, text=True, timeout=60)


def test_the_installed_script_exits_non_zero_with_one_line_and_no_traceback(tmp_path):
    node = str(tmp_path / "coop-a")
    assert run_script("--node", node, "init", "--name", "Coop A", "--base-url", A_URL).returncode == 0
    assert run_script("--node", node, "spec", "add", "widget", "--name", "Widget", "--unit", "piece").returncode == 0
    bad = run_script("--node", node, "event", "record", "produce", "-1", "piece", "--spec", "widget")
    assert bad.returncode != 0  # click reads -1 as an unknown option: a usage error
    bad = run_script("--node", node, "event", "record", "produce", "--quantity", "-1 piece", "--spec", "widget")
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == ["error: resourceQuantity: must be more than zero, got -1"]
    assert bad.stdout == ""
    listed = run_script("--node", node, "inventory", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)["resources"] == []


def test_the_installed_script_starts_without_loading_the_database_layer():
    probe = "import sys, cooplink.cli.main; print(sorted(m for m in ('sqlalchemy', 'pint', 'alembic') " \
            "if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    assert run_script("--help").returncode == 0
