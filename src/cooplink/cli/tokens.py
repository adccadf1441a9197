"""API tokens: how local users and scripts are let into a node's REST API and dashboard."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, open_node, print_json

token_app = typer.Typer(help="API tokens for the REST API and dashboard, each bound to a role.",
                        no_args_is_help=True)


@token_app.command("create")
def create(ctx: typer.Context,
           role: Annotated[str, typer.Option(
               "--role", help="viewer (reads), member (also records), admin (also manages tokens and modules).")],
           name: Annotated[str, typer.Option("--name", help="Who or what uses it, e.g. 'stock scanner'.")],
           as_json: JsonOption = False):
    """Create a token. Its secret is printed once: the node keeps only a hash of it."""
    token, secret = open_node(ctx).create_token(role, name)
    if as_json:
        print_json({**_shown(token), "token": secret})
        return
    out = console()
    out.print(f"Created {token.role} token [bold]{escape(token.name)}[/] (id {token.id}). "
              "Keep it now; it is not shown again:")
    out.print(secret, soft_wrap=True)


@token_app.command("list")
def list_tokens(ctx: typer.Context, as_json: JsonOption = False):
    """Every token, revoked ones too (never their secrets)."""
    tokens = open_node(ctx).tokens()
    if as_json:
        print_json([_shown(t) for t in tokens])
        return
    table = Table("id", "name", "role", "created", "revoked")
    for t in tokens:
        table.add_row(t.id, escape(t.name), t.role, t.created_at, t.revoked_at or "")
    console().print(table)


@token_app.command("revoke")
def revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id.")],
           as_json: JsonOption = False):
    """Revoke a token: requests carrying it are refused from now on."""
    token = open_node(ctx).revoke_token(token_id)
    if as_json:
        print_json(_shown(token))
        return
    console().print(f"Revoked token [bold]{escape(token.name)}[/] (id {token.id}).")


def _shown(token) -> dict:
    return {"id": token.id, "name": token.name, "role": token.role, "created_at": token.created_at,
            "revoked_at": token.revoked_at}
