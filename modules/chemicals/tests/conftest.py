"""Fixtures for the chemicals module's tests. ``db_url`` and ``node`` come from ``cooplink.testing`` (loaded by the
repository's conftest.py), so every node test here runs on SQLite and on PostgreSQL as the core's do."""

import pytest

from cooplink.node import Node, RecordEvent


@pytest.fixture
def chem(node: Node) -> Node:
    """Coop A with the chemicals module enabled, a partner Coop B, and 100 kg of ethanol (flammable, H225) and
    50 kg of sugar (no hazards) in stock."""
    node.enable_module("chemicals")
    node.add_agent("coop-b", "Coop B")
    node.add_spec("ethanol", "Ethanol", unit="kilogram",
                  attributes={"chemicals.hazards": ["H225", "H319"], "chemicals.un_number": "1170"})
    node.add_spec("sugar", "Sugar", unit="kilogram")
    node.record(RecordEvent("raise", "100 kg", spec="ethanol", tracking_identifier="ETH-1"),
                RecordEvent("raise", "50 kg", spec="sugar", tracking_identifier="SUG-1"))
    return node
