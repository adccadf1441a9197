"""API tokens: created for a role and shown once, kept only as a hash, listed without secrets, revoked for good
(service and command line, both backends)."""

import hashlib
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.ledger.schema import api_tokens
from cooplink.node import Node, NodeError


def stored_rows(node: Node) -> list:
    with node.reading() as ledger:
        return list(ledger.connection.execute(select(api_tokens)))


def test_a_token_is_a_random_secret_of_which_only_the_hash_is_kept(node: Node):
    token, secret = node.create_token("member", "stock scanner")
    assert secret.startswith("cl_") and len(secret) == 3 + 43  # 32 random bytes, urlsafe base64 without padding
    assert (token.role, token.name, token.revoked_at) == ("member", "stock scanner", None)
    [row] = stored_rows(node)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([str(v) for v in row])
    other = node.create_token("member", "stock scanner")[1]
    assert other != secret


def test_authenticate_gives_the_token_and_its_role_and_nothing_for_anything_else(node: Node):
    viewer, viewer_secret = node.create_token("viewer", "wall screen")
    admin, admin_secret = node.create_token("admin", "treasurer")
    assert node.authenticate(viewer_secret) == (viewer.id, "viewer")
    assert node.authenticate(admin_secret) == (admin.id, "admin")
    for wrong in (None, "", "cl_", admin_secret[:-1], admin_secret + "x", admin_secret[3:], "Bearer " + admin_secret,
                  hashlib.sha256(admin_secret.encode()).hexdigest(), "cl_" + "A" * 500):
        assert node.authenticate(wrong) is None, wrong


def test_a_revoked_token_no_longer_authenticates_and_stays_listed(node: Node):
    token, secret = node.create_token("admin", "old laptop")
    kept, kept_secret = node.create_token("viewer", "kept")
    revoked = node.revoke_token(token.id)
    assert revoked.revoked_at is not None and not revoked.active
    assert node.authenticate(secret) is None
    assert node.authenticate(kept_secret) == (kept.id, "viewer")
    listed = {t.id: t for t in node.tokens()}
    assert listed[token.id].revoked_at == revoked.revoked_at and listed[kept.id].active
    with pytest.raises(NodeError) as twice:
        node.revoke_token(token.id)
    assert twice.value.field == "token" and "already" in twice.value.reason
    with pytest.raises(NodeError) as unknown:
        node.revoke_token("nope")
    assert unknown.value.field == "token" and "no token" in unknown.value.reason


@pytest.mark.parametrize("role, name, field", [("owner", "x", "role"), ("Admin", "x", "role"),
                                               ("viewer", "  ", "name")])
def test_a_token_needs_a_known_role_and_a_name(node: Node, role, name, field):
    with pytest.raises(NodeError) as refused:
        node.create_token(role, name)
    assert refused.value.field == field
    assert stored_rows(node) == []


# the command line -------------------------------------------------------------------------------------------------
def cli(node: Node, *args: str):
    return CliRunner().invoke(app, ["--node", str(node.home), "token", *args])


def test_token_commands_create_list_and_revoke(node: Node):
    created = cli(node, "create", "--role", "member", "--name", "scanner", "--json")
    assert created.exit_code == 0, created.output
    shown = json.loads(created.stdout)
    assert shown["role"] == "member" and shown["token"].startswith("cl_")
    assert node.authenticate(shown["token"]) == (shown["id"], "member")

    people = cli(node, "create", "--role", "viewer", "--name", "wall screen")
    assert people.exit_code == 0 and "not shown again" in people.stdout
    secret = people.stdout.strip().splitlines()[-1]
    assert node.authenticate(secret)[1] == "viewer"

    listed = json.loads(cli(node, "list", "--json").stdout)
    assert sorted(t["name"] for t in listed) == ["scanner", "wall screen"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert shown["token"] not in cli(node, "list").stdout

    revoked = cli(node, "revoke", shown["id"], "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked_at"]
    assert node.authenticate(shown["token"]) is None


def test_token_commands_refuse_bad_input_in_one_line(node: Node):
    for args, field in ((("create", "--role", "boss", "--name", "x"), "role"), (("revoke", "nope"), "token")):
        result = cli(node, *args)
        assert result.exit_code == 1
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]
        assert result.stderr.startswith(f"error: {field}: ")
    assert node.tokens() == []
