"""What every command shares: the node it works on, output for people or for scripts, and one-line errors."""

import os
import sys
from typing import Annotated, NoReturn

import typer
from typer.core import TyperGroup

from cooplink.vf.errors import VFError

JsonOption = Annotated[bool, typer.Option("--json", help="Print plain JSON for scripts.")]


class CommandGroup(TyperGroup):
    """The root command: turns the errors a user can cause into one line on stderr and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VFError as error:
            fail(error.field, error.reason)
        except FileNotFoundError as error:  # no node.json in the data folder
            fail("node", str(error))
        except Exception as error:
            reason = _database_trouble(error)
            if reason is None:
                raise  # a bug: keep its traceback
            fail("database", reason)


def _database_trouble(error: Exception) -> str | None:
    """Why the database could not be used (unreachable server, locked file), or None for any other error."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return None
    return str(error.orig or error).strip().splitlines()[0]


def fail(field: str, reason: str) -> NoReturn:
    typer.echo(f"error: {field}: {' '.join(reason.split())}", err=True)
    raise typer.Exit(1)


def open_node(ctx: typer.Context):
    """The node in the folder given by --node, else $COOPLINK_HOME, else ./.cooplink."""
    from cooplink.node.service import Node  # the database layer loads only when a command needs it

    return Node.open(ctx.obj)


def console():
    from rich.console import Console

    out = Console(highlight=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        # Piped output (scripts, tests) gets room for full IRIs instead of rich's 80-column default.
        out = Console(highlight=False, width=200)
    return out


def print_json(value) -> None:
    from cooplink.cli.render import dumps

    typer.echo(dumps(value))
