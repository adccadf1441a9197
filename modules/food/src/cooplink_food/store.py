"""The module's own table: each recall report run, so a node can show which recalls it made and whom they named.
Created by the module's migration (migrations/versions); this is the table as the code reads and writes it."""

import json
import secrets
from datetime import datetime, timezone

from sqlalchemy import Column, MetaData, String, Table, Text, select

from cooplink_food.recall import RecallReport

metadata = MetaData()
food_recalls = Table(
    "food_recalls", metadata,
    Column("id", String(40), primary_key=True),
    Column("lot", Text, nullable=False),
    Column("run_at", String(40), nullable=False),
    Column("customers", Text, nullable=False),  # JSON: [{"agent": IRI, "name": ..., "events": [IRI, ...]}]
)


def record_run(node, report: RecallReport) -> str:
    """Keep that this recall ran, and whom it named; returns the run's id."""
    run_id = secrets.token_hex(8)
    customers = [{"agent": c.agent, "name": c.name, "events": [r.event for r in c.received]}
                 for c in report.customers]
    with node.writing() as ledger:
        ledger.connection.execute(food_recalls.insert().values(
            id=run_id, lot=report.lot, run_at=datetime.now(timezone.utc).isoformat(),
            customers=json.dumps(customers)))
    return run_id


def recall_runs(node) -> list[dict]:
    """Every recall run on the node, oldest first."""
    with node.reading() as ledger:
        rows = ledger.connection.execute(select(food_recalls).order_by(food_recalls.c.run_at, food_recalls.c.id))
        return [{"id": r.id, "lot": r.lot, "run_at": r.run_at, "customers": json.loads(r.customers)} for r in rows]
