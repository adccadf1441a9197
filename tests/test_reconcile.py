"""Reconcile: what two linked nodes hold about what they share, compared.

- compare() alone, with hypothesis: a record set matches itself after a JSON round trip, and matches what the peer
  would say of the same things (direction, specification names, decimals and units written its way); one changed
  field is exactly one difference, naming it.
- records() of a pair linked in process (the buyer on both backends): a whole sale (order, delivery, invoice,
  payment, dispute) has no difference seen from either side; a shipment not delivered yet is one, with the message
  still pending; records name what is shared with that peer only.
- two real `cooplink serve` processes (the buyer on the backend under test, sharing the servers for the module):
  `cooplink reconcile` on both sides after a sale over the wire, a row tampered with in SQL, reads refused
  unsigned (401) or from an unknown or removed peer (403), and a peer that cannot be reached (exit 2).
"""

import contextlib
import copy
import datetime
import json
import subprocess
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner
from test_serve import wait_until_up

from cooplink.api.app import create_app
from cooplink.cli.main import app
from cooplink.link import keys, peers
from cooplink.link.delivery import Worker
from cooplink.link.signatures import LIFETIME, sign
from cooplink.node import Node, RecordEvent
from cooplink.node.commerce import OrderLine, Ship
from cooplink.node.reconcile import SECTIONS, compare, records
from cooplink.testing import COOPLINK, free_port, start_cooplink, stop_process
from cooplink.vf.units import plain

A, B = "http://127.0.0.1:8101", "http://127.0.0.1:8102"


# compare(), pure --------------------------------------------------------------------------------------------------
def _iri(kind: str):
    return st.text("0123456789abcdef", min_size=6, max_size=6).map(lambda token: f"{A}/{kind}/{token}")


_numbers = st.decimals(min_value=0, max_value=10**6, places=3).map(lambda d: str(plain(d)))
_quantities = st.fixed_dictionaries({"hasNumericalValue": _numbers,
                                     "hasUnit": st.sampled_from(["piece", "kilogram", "litre"])})
_dates = st.dates(datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)).map(datetime.date.isoformat)
_words = st.text("abcdefghij ", min_size=1, max_size=8)
_optional = st.none() | _iri("things")

_order_lines = st.fixed_dictionaries({
    "commitment": _iri("commitments"), "position": st.integers(1, 9), "spec": _iri("specs"),
    "quantity": _quantities, "unit_price": _numbers, "tax_rate": _numbers})
_orders = st.fixed_dictionaries({
    "id": _iri("agreements"), "direction": st.sampled_from(["sale", "purchase"]), "counterparty": st.just(B),
    "status": st.sampled_from(["proposed", "accepted", "rejected"]), "currency": st.sampled_from(["EUR", "CHF"]),
    "payment_terms_days": st.integers(0, 90),
    "lines": st.lists(_order_lines, max_size=3, unique_by=lambda line: line["commitment"])})
_deliveries = st.fixed_dictionaries({
    "id": _iri("events"), "action": st.just("transfer"), "provider": st.sampled_from([A, B]),
    "receiver": st.sampled_from([A, B]), "resource": _iri("resources"), "quantity": _quantities,
    "lot": st.none() | _words, "tracking_id": st.none() | _words,
    "fulfills": st.lists(st.fixed_dictionaries({"commitment": _iri("commitments"), "quantity": _quantities}),
                         max_size=2, unique_by=lambda f: f["commitment"])})
_claim_lines = st.fixed_dictionaries({
    "commitment": _optional, "spec": _iri("specs"), "quantity": _quantities, "unit_price": _numbers,
    "tax_rate": _numbers, "net": _numbers})
_claims = st.fixed_dictionaries({
    "id": _iri("claims"), "number": _words, "provider": st.just(A), "receiver": st.just(B),
    "agreement": _iri("agreements"), "credits": _optional, "currency": st.just("EUR"), "issued_on": _dates,
    "due_on": _dates, "triggered_by": st.lists(_iri("events"), max_size=2, unique=True).map(sorted),
    "lines": st.lists(_claim_lines, max_size=3).map(lambda lines: [{"position": i, **line}
                                                                   for i, line in enumerate(lines, 1)]),
    "totals": st.fixed_dictionaries({"net": _numbers, "tax": _numbers, "gross": _numbers})})
_payments = st.fixed_dictionaries({
    "id": _iri("events"), "settles": _iri("claims"), "provider": st.just(B), "receiver": st.just(A),
    "amount": _numbers, "currency": st.just("EUR"), "paid_on": _dates})
_disputes = st.fixed_dictionaries({
    "id": _iri("disputes"), "subject": _iri("events"), "subject_kind": st.just("delivery"), "reason": _words,
    "expected": _numbers, "actual": _numbers, "measure": st.sampled_from(["piece", "kilogram"]),
    "opened_by": st.sampled_from([A, B]), "resolved_by": _optional})


def _section(records_of):
    return st.lists(records_of, max_size=3, unique_by=lambda r: r["id"])


record_sets = st.fixed_dictionaries({
    "node": st.just(A), "peer": st.just(B), "orders": _section(_orders), "deliveries": _section(_deliveries),
    "claims": _section(_claims), "payments": _section(_payments), "disputes": _section(_disputes),
    "product_map": st.just({}), "in_flight": st.just({"outbox": {"pending": 0, "dead": 0},
                                                      "inbox": {"waiting": 0, "refused": 0}})})
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(record_sets)
def test_any_record_set_matches_itself_after_a_json_round_trip(ours):
    assert compare(ours, json.loads(json.dumps(ours))) == []


def as_the_peer_says_it(ours: dict) -> dict:
    """The same records as the peer describes them: directions seen from there, specifications named its way
    (with its product map saying so), decimals with trailing zeros, kilograms in grams."""
    theirs = copy.deepcopy(ours)
    theirs.update(node=B, peer=A, product_map={})
    for order in theirs["orders"]:
        order.update(direction={"sale": "purchase", "purchase": "sale"}[order["direction"]], counterparty=A)
    for line in _lines(theirs):  # its product map: our spec -> its own
        theirs["product_map"][line["spec"]] = line["spec"] = line["spec"].replace(A, B)
    for measure in _quantities_in(theirs):
        if measure["hasUnit"] == "kilogram":
            measure.update(hasNumericalValue=str(Decimal(measure["hasNumericalValue"]) * 1000), hasUnit="gram")
        else:
            measure["hasNumericalValue"] = f"{Decimal(measure['hasNumericalValue']):.4f}"
    for claim in theirs["claims"]:
        claim["totals"] = {name: f"{Decimal(value):.3f}" for name, value in claim["totals"].items()}
    return theirs


def _lines(side: dict) -> list[dict]:
    return [line for section in ("orders", "claims") for record in side[section] for line in record["lines"]]


def _quantities_in(side: dict) -> list[dict]:
    return [line["quantity"] for line in _lines(side)] + [d["quantity"] for d in side["deliveries"]] + \
        [f["quantity"] for d in side["deliveries"] for f in d["fulfills"]]


@SETTINGS
@given(record_sets)
def test_what_differs_by_design_is_normalised_not_reported(ours):
    theirs = as_the_peer_says_it(ours)
    assert compare(ours, theirs) == []
    assert compare(theirs, ours) == []


def _mutable(section: str, record: dict) -> list[tuple[tuple, str]]:
    """Every field of a record whose change is one difference: (its path in the record, the field reported). Ids
    (what records and lines are matched by) are left out: changing one is a record missing on each side."""
    plain = [name for name in record if name not in ("id", "lines", "fulfills", "totals", "counterparty",
                                                     "measure")]
    found = [((name,), name) for name in plain]
    if section == "orders":
        found += [(("lines", i, name), f"lines {line['commitment']} {name}") for i, line in enumerate(record["lines"])
                  for name in line if name != "commitment"]
    if section == "claims":
        found += [(("totals", name), f"totals {name}") for name in record["totals"]]
        found += [(("lines", i, name), f"lines {line['position']} {name}") for i, line in enumerate(record["lines"])
                  for name in line if name != "position"]
    if section == "deliveries":
        found += [(("fulfills", i, "quantity"), f"fulfills {f['commitment']}")
                  for i, f in enumerate(record["fulfills"])]
    return found


def _changed(value):
    if value in ("sale", "purchase"):
        return {"sale": "purchase", "purchase": "sale"}[value]
    if isinstance(value, dict):
        return {**value, "hasNumericalValue": str(Decimal(value["hasNumericalValue"]) + 1)}
    if isinstance(value, list):
        return value + [f"{A}/events/added"]
    if isinstance(value, int):
        return value + 1
    if value is None:
        return f"{A}/things/changed"
    try:
        return str(Decimal(value) + 1)
    except ArithmeticError:
        return value + "-changed"


@SETTINGS
@given(st.data())
def test_one_changed_field_is_exactly_one_difference_naming_it(data):
    ours = data.draw(record_sets.filter(lambda r: any(r[s] for s in SECTIONS)))
    section = data.draw(st.sampled_from([s for s in SECTIONS if ours[s]]))
    theirs = json.loads(json.dumps(ours))
    record = data.draw(st.sampled_from(theirs[section]))
    path, field = data.draw(st.sampled_from(_mutable(section, record)))
    *parents, last = path
    holder = record
    for step in parents:
        holder = holder[step]
    holder[last] = _changed(holder[last])
    [difference] = compare(ours, theirs)
    assert (difference.what, difference.id, difference.field) == (SECTIONS[section], record["id"], field)
    assert difference.field in str(difference)


@SETTINGS
@given(record_sets.filter(lambda r: r["claims"]))
def test_a_record_held_on_one_side_only_is_one_difference(ours):
    theirs = json.loads(json.dumps(ours))
    gone = theirs["claims"].pop()
    [difference] = compare(ours, theirs)
    assert (difference.what, difference.id, difference.field, difference.ours, difference.theirs) == \
        ("claim", gone["id"], "", "present", "missing")


def test_quantities_compare_across_units_of_one_kind_only():
    def delivery(value: str, unit: str) -> dict:
        return {"node": A, "deliveries": [{"id": f"{A}/events/e", "quantity": {"hasNumericalValue": value,
                                                                              "hasUnit": unit}}]}

    assert compare(delivery("1.5", "kilogram"), delivery("1500.000", "gram")) == []
    assert compare(delivery("10", "piece"), delivery("10.0", "one")) == []
    [difference] = compare(delivery("1", "kilogram"), delivery("1", "litre"))
    assert str(difference) == f"delivery {A}/events/e: quantity: ours 1 kilogram, theirs 1 litre"


# records() of a pair linked in process ---------------------------------------------------------------------------
class Pair:
    """A seller (SQLite) and a buyer (the backend under test), pinned to each other; messages delivered by the
    real delivery worker, through each receiver's app in process."""

    def __init__(self, seller: Node, buyer: Node):
        self.seller, self.buyer = seller, buyer
        self.apps = {seller.base_url: TestClient(create_app(seller)), buyer.base_url: TestClient(create_app(buyer))}

    def deliver(self, sender: Node, to: Node) -> None:
        tally = Worker(sender, client=self.apps[to.base_url]).run_once()
        assert tally.dead == 0 and tally.retried == 0, sender.outbox()

    def sale(self, ordered: str = "4 piece", shipped: str = "4 piece") -> tuple[str, str]:
        """A sale to the buyer, shipped and invoiced, all delivered: (order, invoice)."""
        order = self.seller.create_order("sale", self.buyer.base_url, [OrderLine("widget", ordered, "2.35", "19")],
                                         "EUR").id
        self.seller.ship(order, Ship(1, shipped, resource="W-A"))
        invoice = self.seller.create_invoice(order).claim.id
        self.deliver(self.seller, self.buyer)
        return order, invoice

    def differences(self) -> tuple[list, list]:
        return (compare(records(self.seller, self.buyer.base_url), records(self.buyer, self.seller.base_url)),
                compare(records(self.buyer, self.seller.base_url), records(self.seller, self.buyer.base_url)))


def link(seller: Node, buyer: Node) -> None:
    """Each pins the other; the buyer maps the seller's widgets to its own components."""
    seller.add_spec("widget", "Widget", unit="piece")
    seller.record(RecordEvent("raise", "100 piece", spec="widget", tracking_identifier="W-A", lot="LOT-7"))
    buyer.add_spec("component", "Component", unit="piece")
    peers.add_peer(seller, peers.read_actor(peers.actor_document(buyer), buyer.base_url))
    peers.add_peer(buyer, peers.read_actor(peers.actor_document(seller), seller.base_url))
    buyer.map_spec(seller.base_url, f"{seller.base_url}/specs/widget", "component")


@pytest.fixture
def pair(node: Node, tmp_path) -> Pair:
    seller = Node.init(tmp_path / "seller", "Coop S", A)
    link(seller, node)
    return Pair(seller, node)


def test_a_whole_sale_with_payment_and_dispute_has_no_difference_from_either_side(pair):
    _, invoice = pair.sale()
    pair.buyer.pay(invoice, "5.00", "EUR")
    [received] = [e for e in pair.buyer.history("W-A") if e.action == "transfer"]
    pair.buyer.open_dispute(received.id, "one was broken", "4 piece", "3 piece")
    pair.deliver(pair.buyer, pair.seller)
    assert pair.differences() == ([], [])
    mine = records(pair.seller, pair.buyer.base_url)
    assert [len(mine[s]) for s in ("orders", "deliveries", "claims", "payments", "disputes")] == [1, 1, 1, 1, 1]
    assert mine["payments"][0]["amount"] == "5" and mine["claims"][0]["totals"]["gross"] == "11.19"


def test_a_shipment_not_delivered_yet_is_a_difference_with_its_message_pending(pair):
    order, _ = pair.sale(ordered="10 piece")
    assert pair.differences() == ([], [])
    shipment = pair.seller.ship(order, Ship(1, "1 piece", resource="W-A"))
    [difference], _ = pair.differences()
    assert (difference.what, difference.id, difference.ours, difference.theirs) == \
        ("delivery", shipment.events[0].id, "present", "missing")
    assert records(pair.seller, pair.buyer.base_url)["in_flight"]["outbox"] == {"pending": 1, "dead": 0}
    pair.deliver(pair.seller, pair.buyer)
    assert pair.differences() == ([], [])


def test_records_name_only_what_is_shared_with_that_peer(pair):
    pair.sale()
    pair.seller.add_agent("walkin", "Walk-in customer")
    other = pair.seller.create_order("sale", "walkin", [OrderLine("widget", "2 piece", "1.00")], "EUR").id
    pair.seller.ship(other, Ship(1, "2 piece", resource="W-A"))
    pair.seller.create_invoice(other)
    mine = records(pair.seller, pair.buyer.base_url)
    assert {o["counterparty"] for o in mine["orders"]} == {pair.buyer.base_url}
    assert all(pair.buyer.base_url in (d["provider"], d["receiver"]) for d in mine["deliveries"])
    assert len(mine["claims"]) == 1 and records(pair.seller, f"{pair.seller.base_url}/agents/walkin")["claims"]
    assert json.loads(json.dumps(mine, sort_keys=True)) == mine  # plain JSON: no Decimal, no date objects


# two real servers -------------------------------------------------------------------------------------------------
class Served:
    """A seller (SQLite) and a buyer (the backend under test), each served by `cooplink serve` (without the
    delivery worker: the tests deliver when they choose), pinned to each other. The command line runs in this
    process (typer's runner), against the real servers."""

    def __init__(self, seller: Node, buyer: Node):
        self.seller, self.buyer = seller, buyer
        self.http = httpx.Client(timeout=10)
        self.runner = CliRunner()

    def cli(self, node: Node, *args: str):
        """`cooplink --node HOME ARGS…`: its exit_code, stdout and stderr."""
        return self.runner.invoke(app, ["--node", str(node.home), *args])

    def deliver(self, sender: Node) -> None:
        """One pass of the delivery worker over the sender's outbox, to the real servers."""
        with httpx.Client(timeout=10) as client:
            tally = Worker(sender, client=client).run_once()
        assert tally.dead == 0 and tally.retried == 0, sender.outbox()

    def get(self, node: Node, path: str, key: keys.NodeKey, signed_for: str | None = None, now=None):
        """GET a peer read from ``node``'s server, signed with ``key`` (for ``signed_for``, default the URL)."""
        url = f"{node.base_url}{path}"
        return self.http.get(url, headers=sign(key, "GET", signed_for or url, b"", now=now))


@contextlib.contextmanager
def serving(seller: Node, buyer: Node, folder, *more: Node):
    """Served: seller, buyer (and any more nodes) each behind its own `cooplink serve`, stopped at the end."""
    processes = []
    try:
        for node in (seller, buyer, *more):
            port = node.base_url.rsplit(":", 1)[1]
            processes.append(start_cooplink(node.home, folder / f"{node.home.name}.log", "serve", "--port", port,
                                            "--log-level", "warning", "--no-deliver"))
        for node, process in zip((seller, buyer, *more), processes):
            wait_until_up(node.base_url, process, folder / f"{node.home.name}.log")
        served = Served(seller, buyer)
        yield served
        served.http.close()
    finally:
        for process in processes:
            stop_process(process)


@pytest.fixture(scope="module")
def served(module_db_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    seller = Node.init(folder / "seller", "Coop S", f"http://127.0.0.1:{free_port()}")
    buyer = Node.init(folder / "buyer", "Coop B", f"http://127.0.0.1:{free_port()}", database=module_db_url)
    link(seller, buyer)
    with serving(seller, buyer, folder) as both:
        yield both


@contextlib.contextmanager
def tampered(node: Node, table: str, column: str, value, key: str):
    """A test-only change of one row, put back afterwards."""
    with node.reading() as ledger:
        before = ledger.connection.execute(text(f"SELECT {column} FROM {table} WHERE id = :key"),
                                           {"key": key}).scalar_one()
    update = text(f"UPDATE {table} SET {column} = :value WHERE id = :key")
    with node.writing() as ledger:
        ledger.connection.execute(update, {"value": value, "key": key})
    try:
        yield before
    finally:
        with node.writing() as ledger:
            ledger.connection.execute(update, {"value": before, "key": key})


def test_cooplink_reconcile_after_a_sale_over_the_wire_then_a_tampered_row_is_the_one_difference(served):
    seller, buyer = served.seller, served.buyer
    order = seller.create_order("sale", buyer.base_url, [OrderLine("widget", "4 piece", "2.35", "19")], "EUR").id
    seller.ship(order, Ship(1, "4 piece", resource="W-A"))
    invoice = seller.create_invoice(order).claim
    delivered = served.cli(seller, "deliver", "--once", "--json")
    assert delivered.exit_code == 0 and json.loads(delivered.stdout)["delivered"] >= 3, delivered.output
    assert (seller.outbox_counts()["pending"], seller.outbox_counts()["dead"]) == (0, 0)
    installed = subprocess.run([str(COOPLINK), "--node", str(seller.home), "reconcile", buyer.base_url],
                               capture_output=True, text=True, timeout=60, check=False)  # the real script, once
    assert installed.returncode == 0 and installed.stdout.startswith("no differences"), installed.stderr
    result = served.cli(buyer, "reconcile", seller.base_url)
    assert result.exit_code == 0 and result.stdout.startswith("no differences"), result.output

    with tampered(buyer, "claims", "due_on", "2099-01-31", invoice.id) as due:
        mine = served.cli(seller, "reconcile", buyer.base_url, "--json")
        assert mine.exit_code == 1, mine.output
        [difference] = json.loads(mine.stdout)["differences"]
        assert difference == {"what": "claim", "id": invoice.id, "field": "due_on", "ours": due,
                              "theirs": "2099-01-31"}
        theirs = served.cli(buyer, "reconcile", seller.base_url)
        assert theirs.exit_code == 1
        [line] = [line for line in theirs.stdout.splitlines() if invoice.id in line]
        assert line == f"claim {invoice.id}: due_on: ours 2099-01-31, theirs {due}"
    assert served.cli(buyer, "reconcile", seller.base_url).exit_code == 0


def test_reconcile_shows_what_is_still_in_flight(served):
    seller, buyer = served.seller, served.buyer
    order = seller.create_order("sale", buyer.base_url, [OrderLine("widget", "2 piece", "2.35", "19")], "EUR").id
    served.deliver(seller)
    shipment = seller.ship(order, Ship(1, "2 piece", resource="W-A"))
    result = served.cli(buyer, "reconcile", seller.base_url)
    assert result.exit_code == 1
    assert f"delivery {shipment.events[0].id}: ours missing, theirs present" in result.stdout
    assert "Coop S's outbox to us 1 pending, 0 dead" in result.stdout and "reconcile again" in result.stdout
    served.deliver(seller)
    assert served.cli(buyer, "reconcile", seller.base_url).exit_code == 0


def test_peer_reads_are_refused_unsigned_tampered_or_expired_401_unknown_or_removed_403(served, tmp_path):
    seller, buyer = served.seller, served.buyer
    key = peers.node_key(seller)
    records_url = f"{buyer.base_url}/peer/records"
    admin = buyer.create_token("admin", "not for peers")[1]
    stranger = Node.init(tmp_path / "x", "Coop X", f"http://127.0.0.1:{free_port()}")
    cases = {
        "unsigned": (served.http.get(records_url), 401),
        "an API token": (served.http.get(records_url, headers={"Authorization": f"Bearer {admin}"}), 401),
        "signed for another query": (served.get(buyer, "/peer/trace?resource=x", key,
                                                signed_for=f"{buyer.base_url}/peer/trace?resource=y"), 401),
        "expired": (served.get(buyer, "/peer/records", key,
                               now=datetime.datetime.now(datetime.UTC) - 2 * LIFETIME), 401),
        "unknown peer": (served.get(buyer, "/peer/records", peers.node_key(stranger)), 403),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, (name, response.text)
        assert response.json()["field"] == "Signature", name
    assert served.get(buyer, "/peer/records", key).status_code == 200

    peers.remove_peer(buyer, seller.base_url)
    try:
        assert served.get(buyer, "/peer/records", key).status_code == 403
        refused = served.cli(seller, "reconcile", buyer.base_url)
        assert refused.exit_code == 2 and refused.stderr.startswith("error: peer: Coop B refused (403)")
    finally:
        peers.add_peer(buyer, peers.read_actor(peers.actor_document(seller), seller.base_url))
    assert served.get(buyer, "/peer/records", key).status_code == 200


def test_a_peer_that_cannot_be_reached_is_exit_2(served, tmp_path):
    silent = Node.init(tmp_path / "silent", "Coop Q", f"http://127.0.0.1:{free_port()}")  # pinned, never served
    peers.add_peer(served.seller, peers.read_actor(peers.actor_document(silent), silent.base_url))
    try:
        result = served.cli(served.seller, "reconcile", silent.base_url, "--timeout", "2")
        assert result.exit_code == 2 and result.stderr.startswith("error: peer: cannot reach Coop Q"), result.output
    finally:
        peers.remove_peer(served.seller, silent.base_url)
