"""Ingest: events per second recorded through the service layer, against raw sqlite3 in the same run.

Batch: one transaction for many events, against sqlite3 executemany of rows of the same width into a table of the
same schema (same indexes). One transaction per event, against raw sqlite3 inserting and committing one row at a
time. Both sides use the node's durable settings (WAL, synchronous=FULL); the cost of FULL over NORMAL is shown too.
Aims (issue 2): batch >= 10,000 events/s and >= 1/3 of raw; one transaction per event >= 1,000 events/s.
"""

import random
import sqlite3
import sys
import uuid

from common import report, scratch_folder, scratch_node, timed
from sqlalchemy.schema import CreateIndex, CreateTable

from cooplink.ledger.schema import events
from cooplink.node import RecordEvent
from cooplink.vf.units import Measure, unit_named

BATCH = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
SINGLE = 2_000


def stock(node, lots: int = 50) -> list[str]:
    drafts = [RecordEvent("produce", "1000000 piece", spec="widget", tracking_identifier=f"LOT-{i}")
              for i in range(lots)]
    return [e.resource_inventoried_as for e in node.record(*drafts)]


def workload(resources: list[str], count: int, seed: int = 1) -> list[RecordEvent]:
    """A warehouse's day: raises and lowers, consumption and production into existing lots, in mixed units."""
    rng = random.Random(seed)
    piece, dozen = unit_named("piece"), unit_named("dozen")
    drafts = []
    for _ in range(count):
        action = rng.choice(("raise", "lower", "consume", "produce"))
        unit = dozen if rng.random() < 0.2 else piece
        drafts.append(RecordEvent(action, Measure.of(rng.randint(1, 5), unit), resource=rng.choice(resources),
                                  note="bench"))
    return drafts


def raw_rows(count: int) -> list[tuple]:
    return [_raw_row(i) for i in range(count)]


def _raw_row(i: int) -> tuple:
    """An event row as the ledger writes it: same columns, similar values."""
    return (None, f"http://127.0.0.1:8001/events/{uuid.uuid4().hex}", "consume", "http://127.0.0.1:8001",
            "http://127.0.0.1:8001", f"http://127.0.0.1:8001/resources/{i % 50:010x}", None, None,
            str(i % 5 + 1), "piece", None, None, None, None, None, None, None,
            "2026-11-26T12:00:00+00:00", None, None, "bench", None, "2026-11-26T12:00:00+00:00")


def raw_database(path, synchronous: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    connection.execute(str(CreateTable(events).compile(dialect=dialect)))
    for index in events.indexes:
        connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
    return connection


def raw_batch(connection, rows) -> None:
    placeholders = ",".join("?" * len(rows[0]))
    connection.execute("BEGIN")
    connection.executemany(f"INSERT INTO events VALUES ({placeholders})", rows)
    connection.execute("COMMIT")


def raw_single(connection, rows) -> None:
    placeholders = ",".join("?" * len(rows[0]))
    for row in rows:
        connection.execute("BEGIN")
        connection.execute(f"INSERT INTO events VALUES ({placeholders})", row)
        connection.execute("COMMIT")


def main() -> None:
    with scratch_folder("cooplink-bench-ingest-") as folder:
        node = scratch_node(folder)
        resources = stock(node)
        node.record(*workload(resources, 200, seed=3))  # warm up: imports, unit conversions, caches
        batch = workload(resources, BATCH)
        service_batch = BATCH / timed(node.record, *batch)
        singles = workload(resources, SINGLE, seed=2)
        service_single = SINGLE / timed(lambda: [node.record(d) for d in singles])
        assert node.verify().ok

        raw = raw_database(folder / "raw.sqlite3", "FULL")
        raw_batch_rate = BATCH / timed(raw_batch, raw, raw_rows(BATCH))
        raw_single_rate = SINGLE / timed(raw_single, raw, raw_rows(SINGLE))
        normal = raw_database(folder / "raw-normal.sqlite3", "NORMAL")
        raw_single_normal = SINGLE / timed(raw_single, normal, raw_rows(SINGLE))

    print(f"ingest, SQLite WAL synchronous=FULL, {BATCH:,} events in one batch, {SINGLE:,} one per transaction")
    report("service layer, one batch", service_batch, "events/s", "raw sqlite3 executemany", raw_batch_rate,
           "aim >= 10,000/s and ratio >= 0.33")
    report("service layer, one transaction per event", service_single, "events/s", "raw sqlite3 commit per row",
           raw_single_rate, "aim >= 1,000/s")
    report("raw commit per row, synchronous=FULL", raw_single_rate, "rows/s", "same with synchronous=NORMAL",
           raw_single_normal, "the price of surviving a power cut")


if __name__ == "__main__":
    main()
