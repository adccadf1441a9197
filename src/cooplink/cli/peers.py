"""Peers and this node's key: `cooplink peer add|list|remove|grant|revoke`, `cooplink key show|rotate`."""

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cooplink.cli.common import JsonOption, console, fail, open_node, print_json

peer_app = typer.Typer(help="The nodes this one exchanges signed messages with, each pinned to its key.",
                       no_args_is_help=True)
key_app = typer.Typer(help="This node's Ed25519 key, published in its actor document.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(peer_app, name="peer")
    app.add_typer(key_app, name="key")


@peer_app.command("add")
def add(ctx: typer.Context, url: Annotated[str, typer.Argument(help="The peer's base URL, e.g. https://coop-b.example")],
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Pin without asking.")] = False,
        as_json: JsonOption = False):
    """Fetch the peer's actor document, show its key fingerprint, and pin that key."""
    from cooplink.link import peers

    node = open_node(ctx)
    actor = peers.fetch_actor(url)
    if not yes:
        typer.echo(f"{actor.name} ({actor.id}) signs with key {actor.key_id}\nfingerprint {actor.fingerprint}",
                   err=True)
        if not typer.confirm("Compare it with what the peer tells you another way. Pin it?", err=True):
            fail("peer", "not pinned")
    peer = peers.add_peer(node, actor)
    if as_json:
        print_json(peer.shown())
        return
    console().print(f"Pinned [bold]{escape(peer.name)}[/] ({peer.id}), key {peer.key_id}\n"
                    f"fingerprint {peer.fingerprint}")


@peer_app.command("list")
def list_peers(ctx: typer.Context, as_json: JsonOption = False):
    """Every peer, removed ones too, with the key pinned for it now."""
    from cooplink.link import peers

    found = peers.peers(open_node(ctx))
    if as_json:
        print_json([p.shown() for p in found])
        return
    table = Table("peer", "name", "key", "fingerprint", "added", "removed", "grants")
    for p in found:
        table.add_row(p.id, escape(p.name), p.key_id or "", p.fingerprint or "", p.added_at, p.removed_at or "",
                      ", ".join(p.grants))
    console().print(table)


@peer_app.command("remove")
def remove(ctx: typer.Context, peer: Annotated[str, typer.Argument(metavar="PEER", help="The peer's URL.")],
           as_json: JsonOption = False):
    """Stop taking messages from a peer (they are refused with 403); what it sent before stays."""
    from cooplink.link import peers

    removed = peers.remove_peer(open_node(ctx), peer)
    if as_json:
        print_json(removed.shown())
        return
    console().print(f"Removed peer [bold]{escape(removed.name)}[/] ({removed.id}); its messages are refused now.")


Scope = Annotated[str, typer.Argument(metavar="SCOPE", help="What the peer may read: trace (where goods this node "
                                                            "sent it came from).")]


@peer_app.command("grant")
def grant(ctx: typer.Context, peer: Annotated[str, typer.Argument(metavar="PEER", help="The peer's URL.")],
          scope: Scope, as_json: JsonOption = False):
    """Let a peer read more of this node: `trace` lets it follow goods this node sent it back to their sources."""
    _change_grant(ctx, peer, scope, as_json, granting=True)


@peer_app.command("revoke")
def revoke(ctx: typer.Context, peer: Annotated[str, typer.Argument(metavar="PEER", help="The peer's URL.")],
           scope: Scope, as_json: JsonOption = False):
    """Take a grant back: the peer's next read of that scope is refused."""
    _change_grant(ctx, peer, scope, as_json, granting=False)


def _change_grant(ctx: typer.Context, ref: str, scope: str, as_json: bool, granting: bool) -> None:
    from cooplink.link import peers

    changed = (peers.grant if granting else peers.revoke)(open_node(ctx), ref, scope)
    if as_json:
        print_json(changed.shown())
        return
    done = "Granted" if granting else "Revoked"
    console().print(f"{done} {scope} for [bold]{escape(changed.name)}[/] ({changed.id}); it holds: "
                    f"{', '.join(changed.grants) or 'no grants'}.")


@key_app.command("show")
def show(ctx: typer.Context, as_json: JsonOption = False):
    """This node's current key id and fingerprint (what a peer compares when it pins the key)."""
    from cooplink.link import keys, peers

    key = peers.node_key(open_node(ctx))
    shown = {"key_id": key.key_id, "fingerprint": keys.fingerprint(key.public),
             "publicKeyMultibase": keys.to_multibase(key.public)}
    if as_json:
        print_json(shown)
        return
    console().print(f"key {key.key_id}\nfingerprint {shown['fingerprint']}")


@key_app.command("rotate")
def rotate(ctx: typer.Context, as_json: JsonOption = False):
    """Replace this node's key. Each peer is told, in a statement signed with the old key, and pins the new one
    (a peer that is away is told by the delivery worker when it is back)."""
    from cooplink.link import keys, peers

    old, new, outcomes = peers.rotate_key(open_node(ctx))
    if as_json:
        print_json({"old_key": old.key_id, "new_key": new.key_id, "fingerprint": keys.fingerprint(new.public),
                    "peers": outcomes})
        return
    out = console()
    out.print(f"New key {new.key_id}\nfingerprint {keys.fingerprint(new.public)}\n(old key {old.key_id} kept)")
    for peer_id, outcome in outcomes.items():
        out.print(f"  {peer_id}: {escape(outcome)}")
