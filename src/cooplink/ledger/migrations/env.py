"""Alembic environment: migrations run on the connection cooplink hands over (see ledger/database.py)."""

from alembic import context

from cooplink.ledger.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    from cooplink.ledger.database import open_engine

    url = context.get_x_argument(as_dictionary=True).get("db") or context.config.get_main_option("sqlalchemy.url")
    connection = open_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
