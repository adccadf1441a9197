"""`cooplink chemicals …` through the real `cooplink` command (the core finds it through the cooplink_cli hook)."""

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.node import Node
from cooplink_chemicals import licences

UNTIL = licences.today() + timedelta(days=200)


class Cli:
    def __init__(self, folder):
        self.folder = folder
        self.runner = CliRunner()

    def __call__(self, *args):
        return self.runner.invoke(app, ["--node", str(self.folder), *args])

    def ok(self, *args) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def json(self, *args):
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args, field: str) -> str:
        result = self(*args)
        assert result.exit_code == 1, result.output
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {field}: "), line
        return line.removeprefix(f"error: {field}: ")


@pytest.fixture
def cli(db_url, tmp_path) -> Cli:
    cli = Cli(tmp_path / "coop-a")
    cli.ok("init", "--name", "Coop A", "--base-url", "http://127.0.0.1:8001", "--db", db_url)
    cli.ok("agent", "add", "coop-b", "--name", "Coop B")
    cli.ok("spec", "add", "ethanol", "--name", "Ethanol", "--unit", "kg")
    return cli


@pytest.fixture
def enabled(cli) -> Cli:
    cli.ok("module", "enable", "chemicals")
    return cli


@pytest.mark.parametrize("command", [("licence", "list"), ("hazards", "ethanol"),
                                     ("licence", "add", "coop-b", "--category", "flammable", "--number", "F",
                                      "--until", "2030-01-01"),
                                     ("licence", "revoke", "coop-b", "F")])
def test_every_command_refuses_where_the_module_is_not_enabled(cli, command):
    assert "chemicals" in cli.fails("chemicals", *command, field="module")


def test_classify_and_show_a_specifications_hazards(enabled):
    enabled.ok("chemicals", "classify", "ethanol", "--hazard", "h225", "--hazard", "H319", "--un-number", "UN1170")
    shown = enabled.json("chemicals", "hazards", "ethanol")
    assert shown["un_number"] == "1170"
    assert [(h["code"], h["licence"]) for h in shown["hazards"]] == [("H225", "flammable"), ("H319", None)]
    assert shown["hazards"][0]["statement"] == "Highly flammable liquid and vapour"
    assert shown["licences_required"] == ["flammable"]
    text = enabled.ok("chemicals", "hazards", "ethanol")
    assert "UN1170" in text and "Causes serious eye irritation" in text and "needs: flammable" in text


def test_an_unknown_hazard_code_is_refused_in_one_line_naming_the_attribute(enabled):
    reason = enabled.fails("chemicals", "classify", "ethanol", "--hazard", "H225", "--hazard", "H999",
                           field="chemicals.hazards")
    assert "H999" in reason
    assert enabled.json("chemicals", "hazards", "ethanol")["hazards"] == []


def test_licences_are_added_listed_and_revoked(enabled):
    out = enabled.ok("chemicals", "licence", "add", "coop-b", "--category", "flammable", "--category", "corrosive",
                     "--number", "FC-7", "--until", UNTIL.isoformat())
    assert "FC-7" in out and "corrosive, flammable" in out
    listed = enabled.json("chemicals", "licence", "list")
    assert [(r["category"], r["number"], r["valid_until"], r["status"]) for r in listed] == [
        ("corrosive", "FC-7", UNTIL.isoformat(), "valid"), ("flammable", "FC-7", UNTIL.isoformat(), "valid")]
    assert listed[0]["agent"] == "http://127.0.0.1:8001/agents/coop-b"
    assert "Coop B" in enabled.ok("chemicals", "licence", "list")
    enabled.ok("chemicals", "licence", "revoke", "coop-b", "FC-7")
    assert {r["status"] for r in enabled.json("chemicals", "licence", "list")} == {"revoked"}
    enabled.fails("chemicals", "licence", "revoke", "coop-b", "FC-7", field="number")


def test_bad_licence_input_is_refused_in_one_line(enabled):
    enabled.fails("chemicals", "licence", "add", "coop-b", "--category", "radioactive", "--number", "R",
                  "--until", UNTIL.isoformat(), field="category")
    enabled.fails("chemicals", "licence", "add", "coop-b", "--category", "toxic", "--number", "T",
                  "--until", "next year", field="valid_until")
    assert enabled.json("chemicals", "licence", "list") == []


def test_a_transfer_at_the_command_line_is_refused_with_the_modules_message(enabled):
    enabled.ok("chemicals", "classify", "ethanol", "--hazard", "H225")
    enabled.ok("event", "record", "raise", "100", "kg", "--spec", "ethanol", "--tracking-id", "ETH-1")
    reason = enabled.fails("event", "record", "transfer", "10", "kg", "--resource", "ETH-1", "--receiver", "coop-b",
                           field="receiver")
    assert reason.startswith("chemicals: Coop B holds no valid licence for flammable goods (H225)")
    assert Node.open(enabled.folder).resource("ETH-1").onhand_quantity == 100
    enabled.ok("chemicals", "licence", "add", "coop-b", "--category", "flammable", "--number", "F-1",
               "--until", UNTIL.isoformat())
    enabled.ok("event", "record", "transfer", "10", "kg", "--resource", "ETH-1", "--receiver", "coop-b")
    assert Node.open(enabled.folder).resource("ETH-1").onhand_quantity == 90
