"""Persistence of one node's ledger: tables, migrations, repository and unit of work, on SQLite or PostgreSQL."""
