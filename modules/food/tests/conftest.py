"""Fixtures for the food module's tests. ``db_url`` and ``node`` come from ``cooplink.testing`` (loaded by the
repository's conftest.py), so every node test here runs on SQLite and on PostgreSQL as the core's do."""

import os
import secrets
from datetime import datetime, timezone

import pytest

from cooplink.node import Node, RecordEvent


@pytest.fixture
def food(node: Node) -> Node:
    """Coop A with the food module enabled: flour (kg, keeps 180 days, gluten) and bread (pieces, keeps 5 days,
    gluten and milk)."""
    node.enable_module("food")
    node.add_spec("flour", "Flour", unit="kilogram",
                  attributes={"food.shelf_life_days": 180, "food.allergens": ["gluten"]})
    node.add_spec("bread", "Bread", unit="piece",
                  attributes={"food.shelf_life_days": 5, "food.allergens": ["gluten", "milk"]})
    return node


@pytest.fixture
def flour_lots(food: Node) -> Node:
    """Four lots of flour, as they stand on 20 November 2026: L-0 (4 kg) expired on 1 November; L-1 (3 kg)
    expires 1 December; L-3 (5 kg) on 10 December; L-2 (10 kg) has no expiry date."""
    lots = {"L-0": ("4 kg", "2026-11-01"), "L-1": ("3 kg", "2026-12-01"), "L-2": ("10 kg", None),
            "L-3": ("5 kg", "2026-12-10")}
    food.record(*(RecordEvent("raise", quantity, spec="flour", lot=code, lot_expiration=expiry,
                              tracking_identifier=code, has_point_in_time=datetime(2026, 10, 1, tzinfo=timezone.utc))
                  for code, (quantity, expiry) in lots.items()))
    return food


@pytest.fixture
def peer_db_url(db_url, tmp_path):
    """A second database on the backend under test, for another node on the same machine."""
    if not db_url.startswith("postgresql"):
        yield str(tmp_path / "peer.sqlite3")
        return
    import psycopg

    base, schema = os.environ["COOPLINK_TEST_PG"], "peer_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def state():
    """What a refused command must leave as it was: the event count, and every resource's quantities and lot."""
    def of(node: Node) -> tuple:
        with node.reading() as ledger:
            return ledger.event_count(), sorted((r.id, r.accounting_quantity, r.onhand_quantity, r.lot)
                                                for r in ledger.all_resources())
    return of
