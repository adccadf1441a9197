"""A node's data folder: where its database lives (node.json) and, by default, the SQLite file itself."""

import json
import os
from pathlib import Path

CONFIG = "node.json"
SQLITE_FILE = "ledger.sqlite3"


def node_home(path: str | Path | None = None) -> Path:
    """The folder given, else $COOPLINK_HOME, else ./.cooplink."""
    return Path(path or os.environ.get("COOPLINK_HOME") or ".cooplink").expanduser().resolve()


def database_of(home: Path) -> str:
    config = home / CONFIG
    if not config.exists():
        raise FileNotFoundError(f"no node in {home} (run 'cooplink init' there first)")
    return json.loads(config.read_text())["database"]


def write_config(home: Path, database: str | None) -> str:
    home.mkdir(parents=True, exist_ok=True)
    database = database or str(home / SQLITE_FILE)
    (home / CONFIG).write_text(json.dumps({"database": database}, indent=2) + "\n")
    return database
