"""The store: migrations, durability settings, and concurrent writers on both backends."""

import multiprocessing
import signal
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from sqlalchemy import text

from cooplink.ledger.database import HEAD, MIGRATIONS, current_revisions, migrate, open_engine
from cooplink.ledger.schema import metadata
from cooplink.node import Node, RecordEvent


def test_head_constant_names_the_newest_migration():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_migrations_build_exactly_the_tables_the_code_uses(db_url):
    engine = open_engine(db_url)
    migrate(engine)
    assert current_revisions(engine) == {HEAD}
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_migrations_revert_cleanly(db_url):
    engine = open_engine(db_url)
    migrate(engine)
    migrate_down(engine)
    with engine.connect() as connection:
        leftover = [t for t in metadata.tables if engine.dialect.has_table(connection, t)]
    assert leftover == []
    migrate(engine)
    assert current_revisions(engine) == {HEAD}


def migrate_down(engine):
    migrate(engine, "base", down=True)


def test_sqlite_commits_are_durable_against_power_loss(tmp_path):
    node = Node.init(tmp_path / "n", "Coop A", "http://127.0.0.1:8001")
    with node.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: fsync at every commit


def test_a_committed_event_survives_the_process_being_killed(tmp_path, db_url):
    home = tmp_path / "node"
    node = Node.init(home, "Coop A", "http://127.0.0.1:8001", database=db_url)
    node.add_spec("widget", "Widget", unit="piece")
    script = (
        "import os, signal, sys\n"
        "from cooplink.node import Node, RecordEvent\n"
        f"node = Node.open({str(home)!r})\n"
        "[event] = node.record(RecordEvent('raise', '7 piece', spec='widget', tracking_identifier='KEEP'))\n"
        "print(event.id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    event_id = result.stdout.strip()
    assert Node.open(home).event(event_id) is not None
    assert Node.open(home).resource("KEEP").onhand_quantity == 7


def _writer(home: str, resource: str, count: int, barrier) -> None:
    node = Node.open(home)
    barrier.wait()
    for _ in range(count):
        node.record(RecordEvent("raise", "1 piece", resource=resource),
                    RecordEvent("lower", "1 piece", resource=resource),
                    RecordEvent("raise", "1 piece", resource=resource))


def test_concurrent_writers_never_lose_an_update(tmp_path, db_url):
    home = tmp_path / "node"
    node = Node.init(home, "Coop A", "http://127.0.0.1:8001", database=db_url)
    node.add_spec("widget", "Widget", unit="piece")
    [start] = node.record(RecordEvent("raise", "1 piece", spec="widget", tracking_identifier="SHARED"))
    resource = start.resource_inventoried_as
    context = multiprocessing.get_context("spawn")
    writers, each = 4, 40
    barrier = context.Barrier(writers)
    processes = [context.Process(target=_writer, args=(str(home), resource, each, barrier)) for _ in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
        assert process.exitcode == 0
    shared = node.resource(resource)
    assert shared.onhand_quantity == shared.accounting_quantity == 1 + writers * each
    report = node.verify()
    assert report.ok and report.events == 1 + writers * each * 3


def test_concurrent_writers_never_overdraw_stock(tmp_path, db_url):
    """Each writer checks stock before it lowers it: with 30 on hand and 4 writers lowering 1 at a time, exactly
    30 lowers succeed and the balance never goes below zero."""
    home = tmp_path / "node"
    node = Node.init(home, "Coop A", "http://127.0.0.1:8001", database=db_url)
    node.add_spec("widget", "Widget", unit="piece")
    [start] = node.record(RecordEvent("raise", "30 piece", spec="widget", tracking_identifier="SCARCE"))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    results = context.Queue()
    processes = [context.Process(target=_drainer, args=(str(home), start.resource_inventoried_as, barrier, results))
                 for _ in range(4)]
    for process in processes:
        process.start()
    done = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sum(done) == 30
    assert node.resource("SCARCE").onhand_quantity == 0
    assert node.verify().ok


def _drainer(home: str, resource: str, barrier, results) -> None:
    from cooplink.vf.errors import VFError

    node = Node.open(home)
    barrier.wait()
    lowered = 0
    for _ in range(20):
        try:
            node.record(RecordEvent("lower", "1 piece", resource=resource))
            lowered += 1
        except VFError:
            pass
    results.put(lowered)
