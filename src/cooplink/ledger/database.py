"""Opening a node's database: SQLite (WAL, durable commits) by default, PostgreSQL when its URL is given.

Writers never lose an update: on SQLite a write transaction starts with BEGIN IMMEDIATE (one writer at a time,
the others wait on the busy timeout); on PostgreSQL the resources an event changes are locked FOR UPDATE.
"""

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from cooplink.ledger.schema import metadata, settings  # noqa: F401  (metadata: the tables migrations make)
from cooplink.vf.errors import VFError

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0006"  # the newest migration; a test checks it against the migrations folder

# FULL makes every commit reach the disk before it returns: a committed event survives a power cut.
# (NORMAL in WAL mode only survives a crash of the process.) benchmarks/bench_ingest.py measures the cost.
SQLITE_SYNCHRONOUS = "FULL"


def database_url(url_or_path: str | Path) -> str:
    """A SQLAlchemy URL from what a user gives: a postgresql:// URL, a sqlite URL, or a file path."""
    text = str(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def open_engine(url_or_path: str | Path, synchronous: str = SQLITE_SYNCHRONOUS) -> Engine:
    url = database_url(url_or_path)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _make_sqlite_transactional(engine, synchronous)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _make_sqlite_transactional(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        write = connection.get_execution_options().get("cooplink_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def current_revisions(engine: Engine) -> set[str]:
    """The migrations the database stands at: the core's, and one per enabled module's branch."""
    from sqlalchemy import Column, MetaData, String, Table

    version = Table("alembic_version", MetaData(), Column("version_num", String(32)))
    try:
        with engine.connect() as connection:
            return set(connection.execute(select(version.c.version_num)).scalars())
    except (OperationalError, ProgrammingError):
        return set()


def _config(module_folders: list[Path]):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Modules keep their migrations in their own folders, each a branch labelled with the module's name.
    folders = [MIGRATIONS / "versions", *module_folders]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(f) for f in folders))
    return config


def migrate(engine: Engine, revision: str = HEAD, module_folders: list[Path] = (), down: bool = False) -> None:
    """Bring the database to a migration: the core's newest by default, or a module's branch ('food@head'),
    or back (down=True, e.g. 'food@base')."""
    from alembic import command

    config = _config(list(module_folders))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def ensure_current(engine: Engine, module_folders: list[Path] = ()) -> None:
    """Migrate only when needed, so everyday commands do not pay for loading Alembic. (Module branches are roots
    of their own, so the core's head keeps its row in alembic_version.)"""
    if HEAD in current_revisions(engine):
        return
    from alembic.util import CommandError

    try:
        migrate(engine, HEAD, module_folders)
    except CommandError as error:  # e.g. the migrations of a module whose data was kept, since uninstalled
        raise VFError("modules", f"cannot bring the database up to date: {error}; install the module whose "
                                 "migrations these are") from None
