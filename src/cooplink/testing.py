"""Pytest fixtures for cooplink and its modules' tests (the repository's conftest.py loads them; a module's own
test suite can too, with ``pytest_plugins = ["cooplink.testing"]``).

Every test that asks for ``db_url`` (or ``node``) runs twice: on SQLite and on PostgreSQL. PostgreSQL comes from
$COOPLINK_TEST_PG (scripts/test-postgres starts one and sets it; `make test` does both). Each PostgreSQL test gets
a schema of its own, so tests never see each other's rows. Set COOPLINK_TEST_DB=sqlite to run on SQLite alone.
"""

import os
import secrets
from pathlib import Path

import pytest

from cooplink.node import Node
# Real processes on loopback (servers and workers started with the installed `cooplink` script) live in
# cooplink.processes, shared with the demo; tests and benchmarks may import them from here too.
from cooplink.processes import COOPLINK, free_port, start_cooplink, stop_process

__all__ = ["COOPLINK", "free_port", "start_cooplink", "stop_process"]

BACKENDS = ["sqlite", "postgresql"] if os.environ.get("COOPLINK_TEST_DB", "all") == "all" else \
    [os.environ["COOPLINK_TEST_DB"]]


def pytest_report_header(config):
    return f"cooplink ledger backends: {', '.join(BACKENDS)}"


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    yield from _database(request.param, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request, tmp_path_factory):
    """As db_url, once for a whole test module: for tests that share server processes (pytest runs the module's
    tests on one backend, then on the other)."""
    yield from _database(request.param, tmp_path_factory.mktemp("module-db"))


def _database(backend: str, folder: Path):
    if backend == "sqlite":
        yield str(folder / "ledger.sqlite3")
        return
    base = os.environ.get("COOPLINK_TEST_PG")
    if not base:
        pytest.fail("COOPLINK_TEST_PG is not set: run the suite with `make test` (which starts PostgreSQL), "
                    "or set COOPLINK_TEST_DB=sqlite to test SQLite alone")
    yield from _postgres_schema(base)


def _postgres_schema(base: str):
    import psycopg

    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def node(db_url, tmp_path) -> Node:
    """A fresh node, 'Coop A', on the backend under test."""
    return Node.init(tmp_path / "node-a", "Coop A", "http://127.0.0.1:8001", database=db_url)


@pytest.fixture
def widgets(node: Node) -> Node:
    """A node that knows widgets (counted in pieces) and flour (weighed in kilograms)."""
    node.add_spec("widget", "Widget", unit="piece")
    node.add_spec("flour", "Flour", unit="kilogram")
    return node

