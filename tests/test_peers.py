"""Peers and keys on both backends: the actor document publishes the node's key, a peer is pinned to the key its
document shows, removed (never deleted), and a node's key rotates under a new key id with the old one kept."""

import json
import os
import stat

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cooplink.api.app import create_app
from cooplink.cli.main import app as cli
from cooplink.ledger import federation as rows
from cooplink.link import keys, peers
from cooplink.node import Node
from cooplink.vf.errors import VFError

PEER_URL = "http://127.0.0.1:8009"


@pytest.fixture
def other(tmp_path) -> Node:
    return Node.init(tmp_path / "other", "Coop B", PEER_URL)


def actor_of(node: Node) -> peers.ActorInfo:
    return peers.read_actor(peers.actor_document(node), node.base_url)


def test_the_actor_document_publishes_the_nodes_key_as_a_multikey(node):
    actor = TestClient(create_app(node)).get("/actor").json()
    key = keys.load_or_create(node.home, node.base_url)  # the same file the server made on first use
    assert actor["type"] == "Organization" and actor["id"] == node.base_url == node.agent_id
    assert actor["inbox"] == f"{node.base_url}/inbox"
    assert "https://www.w3.org/ns/activitystreams" in actor["@context"]
    [method] = actor["assertionMethod"]
    assert method == {"id": f"{node.base_url}/actor#main-key", "type": "Multikey", "controller": node.base_url,
                      "publicKeyMultibase": keys.to_multibase(key.public)}
    assert actor["publicKey"]["id"] == method["id"] and actor["publicKey"]["owner"] == node.base_url
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    assert stat.S_IMODE(os.stat(node.home / keys.KEY_FILE).st_mode) == 0o600


@pytest.mark.parametrize("change", ["id", "inbox", "controller", "key id", "not ed25519", "two keys", "no key"])
def test_an_actor_document_that_does_not_hold_together_is_refused(other, change):
    document = peers.actor_document(other)
    method = document["assertionMethod"][0]
    if change == "id":
        document["id"] = "http://127.0.0.1:9999"
    elif change == "inbox":
        document["inbox"] = "http://127.0.0.1:9999/inbox"
    elif change == "controller":
        method["controller"] = "http://127.0.0.1:9999"
    elif change == "key id":
        method["id"] = "http://127.0.0.1:9999/actor#main-key"
    elif change == "not ed25519":
        method["publicKeyMultibase"] = "z" + method["publicKeyMultibase"][3:]
    elif change == "two keys":
        document["assertionMethod"].append(dict(method, id=f"{PEER_URL}/actor#other"))
    else:
        del document["assertionMethod"]
    with pytest.raises(ValueError):
        peers.read_actor(document, PEER_URL)


def test_adding_a_peer_pins_the_key_its_document_shows(node, other):
    actor = actor_of(other)
    assert actor.fingerprint == keys.fingerprint(peers.node_key(other).public)
    peer = peers.add_peer(node, actor)
    assert (peer.id, peer.name, peer.inbox) == (PEER_URL, "Coop B", f"{PEER_URL}/inbox")
    assert (peer.key_id, peer.fingerprint, peer.removed_at) == (actor.key_id, actor.fingerprint, None)
    assert [p.id for p in peers.peers(node)] == [PEER_URL]
    with pytest.raises(VFError, match="a peer already"):
        peers.add_peer(node, actor)
    with pytest.raises(VFError, match="its own peer"):
        peers.add_peer(node, actor_of(node))


def test_a_removed_peer_stays_listed_and_can_come_back(node, other):
    peers.add_peer(node, actor_of(other))
    removed = peers.remove_peer(node, PEER_URL + "/")
    assert removed.removed_at is not None and removed.key_id is not None
    with node.reading() as ledger:
        assert rows.live_key(ledger, removed.key_id) is None  # nothing it signs is taken now
    with pytest.raises(VFError, match="removed already"):
        peers.remove_peer(node, PEER_URL)
    with pytest.raises(VFError, match="no peer"):
        peers.remove_peer(node, "http://127.0.0.1:9999")
    back = peers.add_peer(node, actor_of(other))
    assert back.removed_at is None and back.key_id == removed.key_id
    with node.reading() as ledger:
        assert rows.live_key(ledger, back.key_id).peer == PEER_URL


def test_the_same_key_id_with_another_key_is_never_pinned(node, other, tmp_path):
    peers.add_peer(node, actor_of(other))
    peers.remove_peer(node, PEER_URL)
    os.remove(other.home / keys.KEY_FILE)  # the peer lost its key and made another under the same id
    with pytest.raises(VFError, match="pinned before with another key"):
        peers.add_peer(node, actor_of(other))


def test_rotating_makes_a_new_key_under_a_new_id_and_keeps_the_old(other):
    before = peers.node_key(other)
    old, new = keys.rotate(other.home, other.base_url)
    assert old.key_id == before.key_id == f"{PEER_URL}/actor#main-key"
    assert new.key_id.startswith(f"{PEER_URL}/actor#key-") and new.key_id != old.key_id
    assert keys.fingerprint(new.public) != keys.fingerprint(old.public)
    again = peers.node_key(other)  # what the server and the outbox load from now on
    assert (again.key_id, keys.fingerprint(again.public)) == (new.key_id, keys.fingerprint(new.public))
    assert peers.actor_document(other)["assertionMethod"][0]["id"] == new.key_id
    kept = other.home / "node-key.main-key.retired.pem"
    assert keys._read(kept).public_key().public_bytes_raw() == keys.raw_public(old.public)
    for path in (other.home / keys.KEY_FILE, kept):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_cli_lists_and_removes_peers(node, other):
    peers.add_peer(node, actor_of(other))
    runner = CliRunner()
    listed = runner.invoke(cli, ["--node", str(node.home), "peer", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [shown] = json.loads(listed.output)
    assert shown["id"] == PEER_URL and shown["fingerprint"] == actor_of(other).fingerprint
    removed = runner.invoke(cli, ["--node", str(node.home), "peer", "remove", PEER_URL])
    assert removed.exit_code == 0 and "refused now" in removed.output
    again = runner.invoke(cli, ["--node", str(node.home), "peer", "remove", PEER_URL])
    assert again.exit_code == 1 and again.output.strip().startswith("error: peer: ")
    shown = runner.invoke(cli, ["--node", str(node.home), "key", "show", "--json"])
    assert json.loads(shown.output)["fingerprint"] == keys.fingerprint(peers.node_key(node).public)


def test_adding_a_peer_that_does_not_answer_is_one_line(node):
    from test_serve import free_port

    result = CliRunner().invoke(cli, ["--node", str(node.home), "peer", "add", f"http://127.0.0.1:{free_port()}",
                                      "--yes"])
    assert result.exit_code == 1 and result.output.startswith("error: url: cannot fetch")
    assert peers.peers(node) == []
