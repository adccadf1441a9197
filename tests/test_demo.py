"""The main job: `cooplink demo` tells the two-co-op story, and what it prints is what the two ledgers hold."""

import re
import time

from typer.testing import CliRunner

from cooplink import demo
from cooplink.cli.main import app
from cooplink.node import Node


def run_demo(folder) -> str:
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 15  # a few seconds; generous for a busy CI machine
    return result.stdout


def test_a_stock_falls_by_exactly_what_b_received(tmp_path):
    out = run_demo(tmp_path)
    made, left, fell, received = map(int, re.search(
        r"Coop A's widget stock went from (\d+) to (\d+) \(−(\d+)\); Coop B received (\d+)", out).groups())
    assert made - left == fell == received == demo.SOLD
    coop_a, coop_b = Node.open(tmp_path / "coop-a"), Node.open(tmp_path / "coop-b")
    [widgets] = coop_a.inventory(spec="widget")
    assert widgets.onhand_quantity == widgets.accounting_quantity == left
    [components] = coop_b.inventory(spec="widget-component")
    assert components.onhand_quantity == received - demo.USED
    assert components.lot.batch_lot_code == demo.WIDGET_LOT


def test_both_nodes_hold_the_same_sale_event(tmp_path):
    out = run_demo(tmp_path)
    [sale_id] = set(re.findall(r"records the sale of \d+ widgets as event (\S+)", out))
    assert f"records the same event {sale_id}" in out
    coop_a, coop_b = Node.open(tmp_path / "coop-a"), Node.open(tmp_path / "coop-b")
    on_a, on_b = coop_a.event(sale_id), coop_b.event(sale_id)
    assert on_a.resource_quantity == on_b.resource_quantity
    assert on_a.resource_inventoried_as == on_b.resource_inventoried_as  # A's resource, named on both sides
    assert on_a.to_resource_inventoried_as is None and on_b.to_resource_inventoried_as.startswith(demo.B_URL)


def test_the_trace_of_c_leaves_b_and_reaches_a_lot_on_a(tmp_path):
    out = run_demo(tmp_path)
    on_b, on_a = out.split("On Coop A's node")
    assert f"lot {demo.PRODUCT_LOT}" in on_b
    [elsewhere] = re.findall(r"held in another ledger: (\S+)", on_b)
    assert elsewhere.startswith(demo.A_URL + "/resources/")
    assert f"lot {demo.WIDGET_LOT}" in on_a
    assert "process Widget run" in on_a
    assert f"Product C's widgets come from Coop A's lot {demo.WIDGET_LOT}" in on_a
    steps = Node.open(tmp_path / "coop-b").trace(demo.PRODUCT_TRACKING)
    assert [s.id for s in steps if s.kind == "elsewhere"] == [elsewhere]


def event_counts(folder) -> list[int]:
    return [Node.open(folder / name).verify().events for name in ("coop-a", "coop-b")]


def test_both_ledgers_verify_and_a_second_run_starts_afresh(tmp_path):
    run_demo(tmp_path)
    first = event_counts(tmp_path)
    out = run_demo(tmp_path)  # the folders are recreated, not added to
    assert event_counts(tmp_path) == first
    assert re.findall(r"(Coop [AB]): replayed \d+ events, checked \d+ resources: every balance equals", out) == \
        ["Coop A", "Coop B"]
    for name in ("coop-a", "coop-b"):
        assert Node.open(tmp_path / name).verify().ok
