"""The transactional outbox (node side): a message exists exactly when the command that wrote it committed; the
stored body is the one serialisation that is sent; dead letters are listed and put back (API and CLI)."""

import json

import pytest
from typer.testing import CliRunner

from cooplink.cli.main import app
from cooplink.ledger import outbox as rows
from cooplink.node import Node
from cooplink.node.outbox import enqueue
from cooplink.node.service import RecordEvent
from cooplink.vf.errors import VFError

PEER, INBOX = "http://127.0.0.1:8002/actor", "http://127.0.0.1:8002/inbox"


class Refused(Exception):
    pass


def ship(node: Node, quantity: str, fail_after: bool = False) -> str:
    """A command in the shape every federated command has: its own records, and its message, in one transaction."""
    with node.writing() as ledger:
        event = node.apply(ledger, node.event_from(ledger, RecordEvent(
            action="raise", spec="widget", quantity=quantity, tracking_identifier="W1")))
        activity_id = enqueue(ledger, PEER, INBOX, {"type": "Create", "object": {"id": event.id}})
        if fail_after:
            raise Refused("something after the message was written went wrong")
    return activity_id


def test_a_message_commits_with_its_command(widgets: Node):
    activity_id = ship(widgets, "5 piece")
    [message] = widgets.outbox()
    assert (message.activity_id, message.peer, message.target) == (activity_id, PEER, INBOX)
    assert (message.status, message.attempts, message.type) == ("pending", 0, "Create")
    assert widgets.resource("W1").accounting_quantity == 5


def test_a_command_that_fails_leaves_no_message_and_no_records(widgets: Node):
    with pytest.raises(Refused):
        ship(widgets, "5 piece", fail_after=True)
    assert widgets.outbox() == []
    assert widgets.inventory() == []


def test_a_command_refused_before_the_message_leaves_nothing(widgets: Node):
    with pytest.raises(VFError):  # a negative quantity is refused by the core, inside the same transaction
        ship(widgets, "-5 piece")
    assert widgets.outbox() == [] and widgets.inventory() == []


def test_each_activity_gets_a_fresh_iri_under_the_base_url_and_is_serialised_once(node: Node):
    with node.writing() as ledger:
        first = enqueue(ledger, PEER, INBOX, {"type": "Create", "object": {"name": "Wïdget"}})
        second = enqueue(ledger, PEER, INBOX, {"type": "Create", "object": {"name": "Wïdget"}})
        given = enqueue(ledger, PEER, INBOX, {"id": "http://127.0.0.1:8001/activities/mine", "type": "Update"})
    assert first != second and first.startswith(node.base_url + "/activities/")
    assert given == "http://127.0.0.1:8001/activities/mine"
    with node.reading() as ledger:
        stored = rows.rows(ledger)
    assert json.loads(stored[0].body) == {"type": "Create", "object": {"name": "Wïdget"}, "id": first}
    assert "Wïdget" in stored[0].body  # UTF-8 as is, no escapes: the stored text is exactly what is signed
    assert [r.seq for r in stored] == sorted(r.seq for r in stored)


def test_an_inbox_must_be_an_http_url(node: Node):
    with pytest.raises(VFError) as refused, node.writing() as ledger:
        enqueue(ledger, PEER, "ftp://example.org/inbox", {"type": "Create"})
    assert refused.value.field == "target"
    assert node.outbox() == []


def kill(node: Node, seq: int, error: str = "HTTP 403: no") -> None:
    """Park a message as a dead letter the way the worker does (claim, then a permanent failure)."""
    with node.writing() as ledger:
        assert rows.claim(ledger, seq, "2026-01-01T00:00:00.000000+00:00", "lease")
        assert rows.failed(ledger, seq, "lease", error, None)


def test_dead_letters_are_listed_and_retried_one_or_all(node: Node):
    with node.writing() as ledger:
        for n in range(3):
            enqueue(ledger, PEER, INBOX, {"type": "Create", "n": n})
    kill(node, 1)
    kill(node, 3)
    assert [m.seq for m in node.outbox("dead")] == [1, 3]
    assert node.outbox_counts() == {"pending": 1, "delivered": 0, "dead": 2}
    [revived] = node.retry_dead(3)
    assert (revived.seq, revived.status, revived.attempts, revived.next_attempt_at) == (3, "pending", 0, None)
    assert [m.seq for m in node.retry_dead()] == [1]
    assert node.outbox("dead") == [] and len(node.outbox("pending")) == 3


def test_retrying_what_is_not_dead_is_refused(node: Node):
    with node.writing() as ledger:
        enqueue(ledger, PEER, INBOX, {"type": "Create"})
    for seq, reason in ((1, "is pending, not dead"), (99, "no outbox message 99")):
        with pytest.raises(VFError) as refused:
            node.retry_dead(seq)
        assert reason in refused.value.reason
    with pytest.raises(VFError):
        node.outbox("lost")


def test_the_cli_lists_and_retries_dead_letters(node: Node):
    with node.writing() as ledger:
        for n in range(3):
            enqueue(ledger, PEER, INBOX, {"type": "Offer", "n": n})
    kill(node, 2, "HTTP 410: gone")
    cli = CliRunner()

    def run(*args):
        return cli.invoke(app, ["--node", str(node.home), *args])

    listed = run("outbox", "--status", "dead", "--json")
    assert listed.exit_code == 0, listed.output
    [dead] = json.loads(listed.stdout)
    assert (dead["seq"], dead["status"], dead["last_error"], dead["type"]) == (2, "dead", "HTTP 410: gone", "Offer")
    table = run("outbox")
    assert table.exit_code == 0 and "HTTP 410: gone" in table.stdout and table.stdout.count("pending") == 2
    retried = run("outbox", "retry", "2", "--json")
    assert retried.exit_code == 0 and json.loads(retried.stdout)[0]["status"] == "pending"
    again = run("outbox", "retry", "2")
    assert again.exit_code == 1 and again.stderr.strip() == "error: id: outbox message 2 is pending, not dead"
    kill(node, 1)
    kill(node, 3)
    assert "2 message(s) back to pending: 1, 3" in run("outbox", "retry", "--all-dead").stdout
    assert json.loads(run("outbox", "--status", "dead", "--json").stdout) == []
    neither = run("outbox", "retry")
    assert neither.exit_code == 1 and neither.stderr.startswith("error: id: ")
    bad = run("outbox", "--status", "lost")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: status: must be one of")
