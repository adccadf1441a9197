"""The inbox through FastAPI's TestClient, the receiver on both backends: a signed transfer from a pinned peer
raises stock once however often it arrives; everything else is refused with the right status, nothing recorded."""

import datetime
import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cooplink.api.app import create_app
from cooplink.interop.jsonld import OM2, VF
from cooplink.ledger import federation as rows
from cooplink.link import keys, peers
from cooplink.link.inbox import AS_CONTEXT, receive
from cooplink.link.signatures import LIFETIME, sign
from cooplink.node import Node, RecordEvent

SENDER_URL = "http://127.0.0.1:8009"
CONTEXT = [AS_CONTEXT, {"@vocab": VF, "vf": VF, "om2": OM2}]


# what a sender builds (its outbox will): reused by the two-server tests ---------------------------------------
def transfer_activity(sender: Node, event, to: str) -> dict:
    """Create(transfer) for an event the sender recorded: the event with the resource it came from embedded,
    so the receiver keeps the lot and tracking id."""
    source = sender.resource(event.resource_inventoried_as)
    resource = {"id": source.id, "type": "EconomicResource", "conformsTo": source.conforms_to,
                "trackingIdentifier": source.tracking_identifier}
    if source.lot:
        resource["ofBatchLot"] = {"id": f"{source.id}#lot", "type": "BatchLotRecord",
                                  "batchLotCode": source.lot.batch_lot_code}
    quantity = event.resource_quantity
    return {"@context": CONTEXT, "id": sender.new_iri("activities"), "type": "Create", "actor": sender.base_url,
            "to": [to], "object": {
                "id": event.id, "type": "EconomicEvent", "action": "transfer", "provider": event.provider,
                "receiver": event.receiver, "resourceInventoriedAs": resource,
                "resourceConformsTo": source.conforms_to,
                "resourceQuantity": {"hasNumericalValue": str(quantity.value), "hasUnit": f"om2:{quantity.unit.name}"},
                "hasPointInTime": event.has_point_in_time.isoformat(), "note": event.note}}


def shipped(sender: Node, to: str, quantity: str = "7 piece", lot: str = "LOT-42"):
    """The sender makes widgets and records a transfer of some to ``to``: (event, activity)."""
    sender.add_spec("widget", "Widget", unit="piece")
    sender.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W-A", lot=lot))
    [sale] = sender.record(RecordEvent("transfer", quantity, resource="W-A", receiver=to))
    return sale, transfer_activity(sender, sale, to)


def encoded(activity: dict) -> bytes:
    return json.dumps(activity).encode()


def snapshot(node: Node) -> tuple:
    """All a refused message must leave as it was: stock, events, inbox, pinned keys."""
    with node.reading() as ledger:
        return (node.inventory(include_empty=True), ledger.event_count(), rows.inbox_rows(ledger),
                [(p.id, p.key_id, p.removed_at) for p in peers.peers(node)])


def received_stock(node: Node, spec: str = "widget") -> Decimal:
    return sum((r.onhand_quantity for r in node.inventory(spec=spec)), Decimal(0))


# fixtures -------------------------------------------------------------------------------------------------------------
class Link:
    """A receiver (the node under test) that pinned a sender; posts signed requests to the receiver's inbox."""

    def __init__(self, receiver: Node, sender: Node):
        self.receiver, self.sender = receiver, sender
        self.client = TestClient(create_app(receiver))
        self.inbox = f"{receiver.base_url}/inbox"

    def key(self) -> keys.NodeKey:
        return peers.node_key(self.sender)

    def post(self, body: bytes, key: keys.NodeKey | None = None, target: str | None = None, now=None,
             headers: dict | None = None):
        signed = sign(key or self.key(), "POST", target or self.inbox, body, now=now)
        return self.client.post("/inbox", content=body, headers={**signed, **(headers or {})})


@pytest.fixture
def sender(tmp_path) -> Node:
    return Node.init(tmp_path / "sender", "Coop S", SENDER_URL)  # on SQLite: what is tested is the receiver


@pytest.fixture
def link(node: Node, sender: Node) -> Link:
    node.add_spec("widget", "Widget (component)", unit="piece")
    peers.add_peer(node, peers.read_actor(peers.actor_document(sender), SENDER_URL))
    node.map_spec(SENDER_URL, f"{SENDER_URL}/specs/widget", "widget")
    return Link(node, sender)


# what works -----------------------------------------------------------------------------------------------------------
def test_a_signed_transfer_raises_the_receivers_stock_with_the_same_event_id_and_lot(link):
    sale, activity = shipped(link.sender, link.receiver.base_url)
    response = link.post(encoded(activity))
    assert response.status_code == 200, response.text
    assert response.json() == {"id": activity["id"], "status": "applied"}
    [received] = link.receiver.inventory(spec="widget")
    assert received.onhand_quantity == Decimal(7) and received.accounting_quantity == Decimal(7)
    assert received.lot.batch_lot_code == "LOT-42" and received.tracking_identifier == "W-A"
    assert received.conforms_to == f"{link.receiver.base_url}/specs/widget"
    event = link.receiver.event(sale.id)
    assert event.id == sale.id and event.provider == SENDER_URL and event.receiver == link.receiver.base_url
    assert event.resource_inventoried_as == sale.resource_inventoried_as  # the sender's resource, kept as its IRI
    assert link.receiver.resource(sale.resource_inventoried_as) is None  # ... which is not in this ledger
    with link.receiver.reading() as ledger:
        [row] = rows.inbox_rows(ledger)
    assert (row.activity_id, row.peer, row.type, row.status) == (activity["id"], SENDER_URL, "Create", "applied")
    assert link.receiver.verify().ok


def test_delivered_ten_times_it_has_one_effect(link):
    _, activity = shipped(link.sender, link.receiver.base_url, quantity="3 piece")
    body = encoded(activity)
    answers = [link.post(body) for _ in range(10)]  # each freshly signed, as a retrying worker sends
    assert [a.status_code for a in answers] == [200] * 10
    assert [a.json()["status"] for a in answers] == ["applied"] + ["duplicate"] * 9
    assert received_stock(link.receiver) == Decimal(3)
    with link.receiver.reading() as ledger:
        assert len(rows.inbox_rows(ledger)) == 1 and ledger.event_count() == 1


def test_an_api_token_does_not_open_the_inbox(link):
    _, activity = shipped(link.sender, link.receiver.base_url)
    admin = link.receiver.create_token("admin", "not for peers")[1]
    before = snapshot(link.receiver)
    response = link.client.post("/inbox", content=encoded(activity), headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 401
    assert snapshot(link.receiver) == before


# refused, nothing recorded --------------------------------------------------------------------------------------------
def _refused(link: Link, response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    if field:
        assert response.json()["field"] == field
    return response.json()


@pytest.fixture
def sale(link):
    _, activity = shipped(link.sender, link.receiver.base_url)
    return activity


def test_unsigned_is_401(link, sale):
    before = snapshot(link.receiver)
    _refused(link, link.client.post("/inbox", content=encoded(sale)), 401, "Signature")
    assert snapshot(link.receiver) == before


@pytest.mark.parametrize("where", ["body", "target", "query"])
def test_tampered_is_401(link, sale, where):
    before = snapshot(link.receiver)
    body = encoded(sale)
    if where == "body":  # one byte changed after signing: 7 widgets become 8
        signed = sign(link.key(), "POST", link.inbox, body)
        tampered = body.replace(b'"7"', b'"8"')
        assert len(tampered) == len(body) and tampered != body
        response = link.client.post("/inbox", content=tampered, headers=signed)
    elif where == "target":  # signed for another node's inbox, replayed here
        response = link.post(body, target="http://127.0.0.1:8002/inbox")
    else:
        response = link.post(body, target=link.inbox + "?x=1")
    _refused(link, response, 401, "Signature")
    assert snapshot(link.receiver) == before


def test_a_signature_by_another_key_under_the_pinned_key_id_is_401(link, sale, tmp_path):
    forger = keys.load_or_create(tmp_path, SENDER_URL)  # same key id, another key
    assert forger.key_id == link.key().key_id
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(sale), key=forger), 401)
    assert snapshot(link.receiver) == before


@pytest.mark.parametrize("age", [LIFETIME + datetime.timedelta(minutes=2), datetime.timedelta(hours=3)])
def test_expired_or_replayed_after_the_window_is_401(link, sale, age):
    before = snapshot(link.receiver)
    then = datetime.datetime.now(datetime.UTC) - age
    _refused(link, link.post(encoded(sale), now=then), 401, "Signature")
    assert snapshot(link.receiver) == before


def test_a_recorded_request_replayed_after_the_window_is_401_even_once_applied(link, sale):
    """A request captured and sent again much later: refused by the clock, before the duplicate check."""
    body = encoded(sale)
    then = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    headers = sign(link.key(), "POST", link.inbox, body, now=then)
    assert link.client.post("/inbox", content=body, headers=headers).status_code == 200
    before = snapshot(link.receiver)
    later = datetime.datetime.now(datetime.UTC) + LIFETIME + datetime.timedelta(minutes=1)
    outcome = receive(link.receiver, "POST", link.inbox, headers, body, now=later)
    assert outcome.status == 401 and "expired" in outcome.body["reason"]
    assert snapshot(link.receiver) == before


def test_an_unknown_peer_is_403(link, tmp_path):
    stranger = Node.init(tmp_path / "stranger", "Coop X", "http://127.0.0.1:8077")
    _, activity = shipped(stranger, link.receiver.base_url)
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(activity), key=peers.node_key(stranger)), 403, "Signature")
    assert snapshot(link.receiver) == before


def test_a_removed_peer_is_403(link, sale):
    peers.remove_peer(link.receiver, SENDER_URL)
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(sale)), 403, "Signature")
    assert snapshot(link.receiver) == before


@pytest.mark.parametrize("lie", ["actor", "activity id", "event id", "resource", "plain resource", "provider"])
def test_speaking_for_what_the_sender_does_not_own_is_403(link, sale, lie):
    other = "http://127.0.0.1:8077"
    if lie == "actor":
        sale["actor"] = other
    elif lie == "activity id":
        sale["id"] = f"{other}/activities/1"
    elif lie == "event id":
        sale["object"]["id"] = f"{other}/events/1"
    elif lie == "resource":
        sale["object"]["resourceInventoriedAs"]["id"] = f"{other}/resources/1"
    elif lie == "plain resource":
        sale["object"]["resourceInventoriedAs"] = f"{other}/resources/1"
    else:
        sale["object"]["provider"] = other
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(sale)), 403)
    assert snapshot(link.receiver) == before


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'{"type": "Create"}',
                                  json.dumps({"@context": AS_CONTEXT, "type": "Create", "actor": SENDER_URL}).encode(),
                                  json.dumps({"@context": "https://example.org/other", "id": f"{SENDER_URL}/a/1",
                                              "type": "Create", "actor": SENDER_URL}).encode()])
def test_malformed_is_400(link, body):
    before = snapshot(link.receiver)
    _refused(link, link.post(body), 400)
    assert snapshot(link.receiver) == before


def test_an_unmapped_specification_waits_for_review_and_nothing_is_guessed_into_stock(link, sale):
    gadget = f"{SENDER_URL}/specs/gadget"
    sale["object"]["resourceConformsTo"] = {"id": gadget, "type": "ResourceSpecification", "name": "Widgets",
                                            "defaultUnitOfResource": "om2:piece"}
    response = link.post(encoded(sale))
    assert response.status_code == 200 and response.json()["status"] == "waiting"
    assert received_stock(link.receiver) == 0
    [review] = link.receiver.mapping_reviews()
    assert (review.their_spec, review.name) == (gadget, "Widgets")
    assert review.suggestion == link.receiver.iri("specs", "widget")  # from the name
    link.receiver.approve_mapping(SENDER_URL, gadget)
    assert received_stock(link.receiver) == 7
    assert link.receiver.mapping_reviews() == []
    with link.receiver.reading() as ledger:
        assert [r.status for r in rows.inbox_rows(ledger)] == ["applied"]


def test_a_rejected_specification_refuses_what_waited_for_it(link, sale):
    gadget = f"{SENDER_URL}/specs/gadget"
    sale["object"]["resourceConformsTo"] = gadget
    assert link.post(encoded(sale)).json()["status"] == "waiting"
    link.receiver.reject_mapping(SENDER_URL, gadget)
    assert received_stock(link.receiver) == 0
    with link.receiver.reading() as ledger:
        [row] = rows.inbox_rows(ledger)
    assert row.status == "refused" and "rejected in review" in row.note


def test_a_transfer_to_another_node_is_refused(link, sale):
    sale["object"]["receiver"] = "http://127.0.0.1:8077"
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(sale)), 422, "object.receiver")
    assert snapshot(link.receiver) == before


def test_an_activity_type_without_a_handler_is_refused(link):
    body = encoded({"@context": CONTEXT, "id": f"{SENDER_URL}/activities/x", "type": "Flag", "actor": SENDER_URL})
    before = snapshot(link.receiver)
    _refused(link, link.post(body), 422, "type")
    assert snapshot(link.receiver) == before


# key rotation ---------------------------------------------------------------------------------------------------------
def rotated(link: Link):
    """The sender rotates its key: (old, new, the statement)."""
    old, new = keys.rotate(link.sender.home, link.sender.base_url)
    return old, new, peers.rotation_statement(link.sender, old, new)


def test_a_rotation_signed_by_the_old_key_pins_the_new_and_keeps_the_link(link):
    old, new, statement = rotated(link)
    assert new.key_id != old.key_id and peers.node_key(link.sender).key_id == new.key_id
    response = link.post(encoded(statement), key=old)
    assert response.status_code == 200, response.text
    [peer] = peers.peers(link.receiver)
    assert (peer.key_id, peer.fingerprint, peer.removed_at) == (new.key_id, keys.fingerprint(new.public), None)
    with link.receiver.reading() as ledger:
        assert rows.key(ledger, old.key_id).retired_at is not None
    _, sale = shipped(link.sender, link.receiver.base_url)
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(sale), key=old), 403, "Signature")  # the old key is retired
    assert snapshot(link.receiver) == before
    assert link.post(encoded(sale), key=new).status_code == 200  # the new one signs now
    assert received_stock(link.receiver) == Decimal(7)


def test_a_rotation_signed_by_the_new_key_is_refused(link):
    _, new, statement = rotated(link)
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(statement), key=new), 403, "Signature")
    assert snapshot(link.receiver) == before


def test_a_rotation_naming_another_old_key_is_refused(link):
    old, _, statement = rotated(link)
    statement["oldKey"] = f"{SENDER_URL}/actor#some-other-key"
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(statement), key=old), 403, "oldKey")
    assert snapshot(link.receiver) == before


def test_a_rotation_by_a_stranger_for_the_peer_is_refused(link, tmp_path):
    """Someone else's key cannot move the peer to a key of their choosing."""
    stranger = Node.init(tmp_path / "stranger", "Coop X", "http://127.0.0.1:8077")
    peers.add_peer(link.receiver, peers.read_actor(peers.actor_document(stranger), stranger.base_url))
    _, _, statement = rotated(link)
    before = snapshot(link.receiver)
    _refused(link, link.post(encoded(statement), key=peers.node_key(stranger)), 403, "actor")
    assert snapshot(link.receiver) == before


# a run of activities in one request -------------------------------------------------------------------------------
def run_of(link: Link, *activities: dict) -> bytes:
    return encoded({"@context": AS_CONTEXT, "type": "OrderedCollection", "id": f"{SENDER_URL}/batches/1",
                    "actor": SENDER_URL, "orderedItems": list(activities)})


def more(link: Link, quantity: str) -> dict:
    [event] = link.sender.record(RecordEvent("transfer", quantity, resource="W-A", receiver=link.receiver.base_url))
    return transfer_activity(link.sender, event, link.receiver.base_url)


def test_a_run_is_applied_in_order_and_a_refused_activity_in_it_changes_nothing(link, sale):
    wrong = more(link, "1 piece")
    wrong["object"]["receiver"] = "http://127.0.0.1:8077"
    last = more(link, "2 piece")
    response = link.post(run_of(link, sale, wrong, last, sale))
    assert response.status_code == 200, response.text
    assert [(i["id"], i["status"]) for i in response.json()["items"]] == [
        (sale["id"], "applied"), (wrong["id"], 422), (last["id"], "applied"), (sale["id"], "duplicate")]
    assert response.json()["items"][1]["field"] == "object.receiver"
    assert received_stock(link.receiver) == Decimal(9)
    with link.receiver.reading() as ledger:
        assert sorted(r.activity_id for r in rows.inbox_rows(ledger)) == sorted([sale["id"], last["id"]])
    assert link.receiver.verify().ok


@pytest.mark.parametrize("flaw", ["foreign item", "not an activity", "empty", "too long", "foreign collection"])
def test_a_run_that_is_not_the_senders_own_or_not_well_formed_is_refused_whole(link, sale, flaw):
    body = json.loads(run_of(link, sale, more(link, "1 piece")))
    items = body["orderedItems"]
    if flaw == "foreign item":
        items[1]["actor"] = "http://127.0.0.1:8077"
    elif flaw == "not an activity":
        items[1] = {"id": f"{SENDER_URL}/x"}
    elif flaw == "empty":
        body["orderedItems"] = []
    elif flaw == "too long":
        body["orderedItems"] = [sale] * 101
    else:
        body["id"] = "http://127.0.0.1:8077/batches/1"
    before = snapshot(link.receiver)
    response = link.post(encoded(body))
    assert response.status_code in (400, 403), response.text
    assert snapshot(link.receiver) == before
