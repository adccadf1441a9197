"""Moving a ledger in and out as ValueFlows 1.0 JSON-LD (or YAML-LD) files."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import JsonOption, console, open_node, print_json
from cooplink.cli.render import dumps, jsonable
from cooplink.vf.errors import VFError

import_app = typer.Typer(help="Import records from a file.", no_args_is_help=True)
export_app = typer.Typer(help="Export this node's records to a file.", no_args_is_help=True)


@import_app.command("vf")
def import_vf(ctx: typer.Context,
              file: Annotated[Path, typer.Argument(help="A VF 1.0 JSON-LD or YAML-LD file.")],
              as_json: JsonOption = False):
    """Import a VF file: all of it in one transaction, or nothing if any of it is refused."""
    from cooplink.interop.vf_jsonld import import_document, load_document  # written alongside; loaded when used

    node = open_node(ctx)
    report = import_document(node, load_document(file))
    if as_json:
        print_json(report)
        return
    out = console()
    counts = {k: v for k, v in jsonable(report).items() if k != "warnings"}
    kept = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v) or "nothing"
    out.print(f"Imported {escape(str(file))}: {kept}")
    for warning in getattr(report, "warnings", ()):
        out.print(f"  [yellow]warning:[/] {escape(str(warning))}")


@export_app.command("vf")
def export_vf(ctx: typer.Context,
              out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None):
    """Export this node's ledger as a VF 1.0 JSON-LD document."""
    from cooplink.interop.vf_jsonld import export_document

    text = dumps(export_document(open_node(ctx))) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise VFError("out", f"cannot write {out}: {error.strerror}") from None
    typer.echo(f"Exported this node's ledger to {out}")
