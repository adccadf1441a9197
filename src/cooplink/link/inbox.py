"""Receiving: what a peer POSTs to this node's inbox.

In this order, and nothing is recorded unless all of it passes:
1. the RFC 9421 signature, digest, freshness and pinned key (signatures.verify), before the body is parsed;
2. the body as an ActivityStreams 2.0 activity (malformed: 400);
3. the activity speaks for the peer that signed it, about objects under that peer's base URL (else 403);
4. one transaction: the inbox row (by activity id) and the effect, by ``handlers[activity type]``. An activity
   already in the inbox is answered 200 with no second effect.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from cooplink.ledger import commerce as commerce_rows
from cooplink.ledger import federation as rows
from cooplink.link import keys
from cooplink.link.peers import AS_CONTEXT
from cooplink.link.signatures import SignatureRefused
from cooplink.link.signers import signer
from cooplink.node import RecordEvent
from cooplink.node.commerce import CUSTODY, RIGHTS, rights_iri
from cooplink.vf import agreements as money
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement, Claim, ClaimLine, Commitment, Dispute, Payment
from cooplink.vf.units import Measure, to_decimal, unit_named


class Refused(Exception):
    """Why an inbound activity is refused, with the HTTP status to answer."""

    def __init__(self, status: int, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.status, self.field, self.reason = status, field, reason


@dataclass(frozen=True)
class Activity:
    body: dict
    peer: str  # the actor IRI of the peer that signed it
    key_id: str  # the key it was signed with

    @property
    def id(self) -> str:
        return self.body["id"]

    @property
    def type(self) -> str:
        return self.body["type"]


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict


class Waiting(Exception):
    """The activity names what is not here yet (its delivery, a specification to map): it is kept with status
    ``waiting`` and tried again after each applied activity. A handler raises it before writing any effect."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


Handler = Callable[[object, object, Activity], None]  # (node, ledger, activity): apply, or raise Waiting / Refused
handlers: dict[str, Handler] = {}


def handles(kind: str):
    def register(function: Handler) -> Handler:
        handlers[kind] = function
        return function
    return register


BATCH_LIMIT = 100  # activities in one signed OrderedCollection


def receive(node, method: str, url: str, headers: dict[str, str], body: bytes, now=None) -> Outcome:
    """Verify, check and apply one inbound request, an activity or an OrderedCollection of them (a sender's run of
    messages, signed once and applied in one transaction, each activity in a savepoint of its own); never raises for
    what a peer can send."""
    try:
        signed = signer(node, method, url, headers, body, now)
        document = parse(body)
        if document["type"] == "OrderedCollection":
            return _apply_batch(node, [_accepted(item, signed) for item in _items(document, signed.peer)],
                                document["id"])
        return _apply_one_alone(node, _accepted(document, signed))
    except SignatureRefused as refusal:
        return Outcome(refusal.status, {"field": "Signature", "reason": refusal.reason})
    except Refused as refusal:
        return Outcome(refusal.status, {"field": refusal.field, "reason": refusal.reason})


def _accepted(document: dict, signed) -> Activity:
    activity = Activity(document, signed.peer, signed.key_id)
    check_speaks_for_itself(activity)
    if activity.type not in handlers:
        raise Refused(422, "type", f"this node does not take {activity.type!r} activities")
    return activity


def _items(collection: dict, peer: str) -> list[dict]:
    items = collection.get("orderedItems")
    if not isinstance(items, list) or not 0 < len(items) <= BATCH_LIMIT:
        raise Refused(400, "orderedItems", f"a list of 1 to {BATCH_LIMIT} activities")
    if collection["actor"].rstrip("/") != peer or not collection["id"].startswith(peer + "/"):
        raise Refused(403, "actor", f"a collection sent by {peer} is its own, under its URL")
    return [shape(item, f"orderedItems[{i}]") for i, item in enumerate(items)]


def _apply_one_alone(node, activity: Activity) -> Outcome:
    """One activity, in a transaction of its own: refused, it records nothing (the answer carries the status)."""
    [result] = _apply_batch(node, [activity], activity.id).body["items"]
    if isinstance(result["status"], int):
        return Outcome(result["status"], {"field": result["field"], "reason": result["reason"]})
    return Outcome(200, result)


def _apply_batch(node, activities: list[Activity], batch_id: str) -> Outcome:
    with node.writing() as ledger:
        if rows.live_key(ledger, activities[0].key_id) is None:  # removed or rotated since the signature check
            raise Refused(403, "Signature", f"no pinned peer key {activities[0].key_id!r}")
        results = [_apply(node, ledger, activity) for activity in activities]
        if any(result["status"] == "applied" for result in results):
            rerun_waiting(node, ledger)  # once for the run: what waited may have come in any of its activities
    return Outcome(200, {"id": batch_id, "items": results})


def _apply(node, ledger, activity: Activity) -> dict:
    """The inbox row and the effect, in a savepoint: a refusal (its HTTP status in the result) or a concurrent copy
    (PostgreSQL: it meets this one's row on its primary key) undo this activity's part only."""
    if rows.received(ledger, activity.id) is not None:
        return _duplicate(activity)
    try:
        with ledger.savepoint():
            rows.record_received(ledger, activity.id, activity.peer, activity.type[:40],
                                 json.dumps(activity.body, default=str, ensure_ascii=False), _now(), "applied")
            try:
                handlers[activity.type](node, ledger, activity)
                status = "applied"
            except Waiting as wait:
                status = "waiting"
                rows.set_status(ledger, activity.id, status, wait.reason)
    except Refused as refusal:
        return {"id": activity.id, "status": refusal.status, "field": refusal.field, "reason": refusal.reason}
    except VFError as error:  # the node refused the effect (e.g. a unit that does not fit)
        return {"id": activity.id, "status": 422, "field": error.field, "reason": error.reason}
    except IntegrityError:
        if rows.received(ledger, activity.id) is None:
            raise
        return _duplicate(activity)
    return {"id": activity.id, "status": status}


def rerun_waiting(node, ledger) -> None:
    """After an applied activity (or a learned product map), apply the waiting ones it may have unblocked, until
    none moves: an invoice that came before its delivery ends as if it came after. One that is refused now is marked
    refused, with the reason."""
    progress = True
    while progress:
        progress = False
        for row in rows.waiting(ledger):
            status, note = _retried(node, ledger, row)
            if status != "waiting":
                progress = True
            if (status, note) != (row.status, row.note):
                rows.set_status(ledger, row.activity_id, status, note)


def _retried(node, ledger, row) -> tuple[str, str | None]:
    activity = Activity(parse(row.body.encode("utf-8")), row.peer, "")
    try:
        with ledger.savepoint():  # a refusal undoes this activity's part only
            try:
                handlers[activity.type](node, ledger, activity)
                return "applied", None
            except Waiting as wait:  # still waiting: keep what it queued for review
                return "waiting", wait.reason
    except Refused as refusal:
        return "refused", f"{refusal.field}: {refusal.reason}"
    except VFError as error:
        return "refused", f"{error.field}: {error.reason}"


def _duplicate(activity: Activity) -> dict:
    return {"id": activity.id, "status": "duplicate"}


def _now() -> str:
    return datetime.now(UTC).isoformat()


# reading the body ----------------------------------------------------------------------------------------------------
def parse(body: bytes) -> dict:
    """The activity (or collection of them) as JSON-LD in its compacted ActivityStreams form; Refused(400) if it is
    not one."""
    try:
        document = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(400, "body", f"not valid JSON: {error}") from None
    return shape(document)


def shape(document, where: str = "") -> dict:
    prefix = f"{where}." if where else ""
    if not isinstance(document, dict):
        raise Refused(400, where or "body", "an activity is a JSON object")
    context = document.get("@context")
    if AS_CONTEXT not in (context if isinstance(context, list) else [context]):
        raise Refused(400, f"{prefix}@context", f"an ActivityStreams activity names {AS_CONTEXT}")
    for name in ("id", "type", "actor"):
        if not isinstance(document.get(name), str) or not document[name].strip():
            raise Refused(400, prefix + name, "missing, or not a string")
    if not document["id"].startswith(("http://", "https://")):
        raise Refused(400, f"{prefix}id", "an activity's id is an http(s) IRI")
    return document


def check_speaks_for_itself(activity: Activity) -> None:
    """The actor is the signer, and every object the activity carries has an id under the signer's URL: a peer
    cannot speak for resources it does not own."""
    if activity.body["actor"].rstrip("/") != activity.peer:
        raise Refused(403, "actor", f"signed by {activity.peer}, but the activity says its actor is "
                                    f"{activity.body['actor']!r}")
    for where, iri in _ids(activity.body, "activity"):
        if not isinstance(iri, str) or not iri.startswith(activity.peer + "/"):
            raise Refused(403, where, f"{iri!r} is not under the sender's own URL {activity.peer}/")


def _ids(value, where: str):
    """(path, id) of the activity and of every object embedded in it."""
    if isinstance(value, dict):
        for key in ("id", "@id"):
            if key in value:
                yield f"{where}.{key}", value[key]
        for key, inner in value.items():
            if key != "@context":
                yield from _ids(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _ids(inner, f"{where}[{index}]")


# handlers -----------------------------------------------------------------------------------------------------------
@handles("Create")
def create(node, ledger, activity: Activity) -> None:
    thing = _object(activity)
    kind = _term(thing.get("type"))
    if kind == "EconomicEvent" and "settles" in thing:
        return payment_received(node, ledger, activity.peer, thing)
    if kind == "EconomicEvent":
        action = _term(thing.get("action"))
        if action == RIGHTS:
            return rights_received(node, ledger, activity.peer, thing)
        if action not in ("transfer", CUSTODY):
            raise Refused(422, "object.action", f"this node takes transfer, {CUSTODY} and {RIGHTS} events only")
        return goods_received(node, ledger, activity.peer, thing, action)
    if kind not in CREATED:
        raise Refused(422, "object.type", f"this node takes Create of {', '.join(sorted(CREATED))}, not {kind!r}")
    return CREATED[kind](node, ledger, activity.peer, thing)


def goods_received(node, ledger, peer: str, event: dict, action: str = "transfer") -> None:
    """A peer's transfer (or transfer of custody) to this node: recorded under the same event id, from the peer's
    resource (held in its ledger) into a new resource here of the mapped specification, lot and tracking id kept; it
    fulfils the line of our purchase order it names."""
    if _iri(event.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only transfer what it provides itself")
    _to_this_node(node, event, "the transfer")
    source = event.get("resourceInventoriedAs")
    source = source if isinstance(source, dict) else {"id": source}
    if not (_iri(source) or "").startswith(peer + "/"):
        raise Refused(403, "object.resourceInventoriedAs", f"{_iri(source)!r} is not a resource of {peer}")
    quantity = _quantity(event.get("resourceQuantity"))
    [spec] = mapped_specs(node, ledger, peer, [(event.get("resourceConformsTo") or source.get("conformsTo"),
                                                "object.resourceConformsTo")])
    order, fulfills = _fulfilled_order(ledger, event.get("fulfills"))
    lot = source.get("ofBatchLot") if isinstance(source.get("ofBatchLot"), dict) else {}
    recorded = node.apply(ledger, node.event_from(ledger, RecordEvent(
        action, quantity, id=_text(event, "id"), resource=_iri(source) or None, provider=peer, receiver="self",
        new_to_resource=True, to_spec=spec, lot=lot.get("batchLotCode"), lot_expiration=lot.get("expirationDate"),
        tracking_identifier=source.get("trackingIdentifier"), note=event.get("note"),
        realization_of=order and order.id, has_point_in_time=_moment(event.get("hasPointInTime")))))
    if order is not None:
        node.record_peer_delivery(ledger, recorded, order, fulfills)


def rights_received(node, ledger, peer: str, event: dict) -> None:
    """A peer's transfer of the rights to goods it handed over in custody before: recorded under the same id
    (``{custody delivery}/rights``), into the resource that delivery filled here; it waits for that delivery."""
    if _iri(event.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only transfer rights it holds itself")
    _to_this_node(node, event, "the transfer of rights")
    rights = _text(event, "id")
    custody_id = rights.removesuffix("/rights")
    if rights_iri(custody_id) != rights:
        raise Refused(422, "object.id", "a transfer of rights is named after the custody delivery it completes: "
                                        "{delivery}/rights")
    receipt = ledger.event(custody_id)
    if receipt is None:
        raise Waiting(f"object.id: the custody delivery {custody_id} has not arrived yet")
    source = event.get("resourceInventoriedAs")
    quantity = _quantity(event.get("resourceQuantity"))
    if receipt.action != CUSTODY or receipt.provider != peer or receipt.receiver != node.agent_id:
        raise Refused(422, "object.id", f"{custody_id} is not a custody delivery from {peer} to this node")
    delivered = receipt.resource_quantity
    if _iri(source if isinstance(source, dict) else {"id": source}) != receipt.resource_inventoried_as \
            or quantity.to(delivered.unit, "object.resourceQuantity").value != delivered.value:
        raise Refused(422, "object.resourceQuantity", f"the rights are to the goods of {custody_id}: {delivered} "
                                                      f"from {receipt.resource_inventoried_as}")
    node.apply(ledger, node.event_from(ledger, RecordEvent(
        RIGHTS, delivered, id=rights, resource=receipt.resource_inventoried_as, provider=peer, receiver="self",
        to_resource=receipt.to_resource_inventoried_as, realization_of=receipt.realization_of,
        note=event.get("note"), has_point_in_time=_moment(event.get("hasPointInTime")))))


def _fulfilled_order(ledger, fulfills) -> tuple[object, str | None]:
    """Our order whose line the delivery names, when we hold it (an order from before the link we do not)."""
    if fulfills is None:
        return None, None
    if not isinstance(fulfills, str):
        raise Refused(400, "object.fulfills", "the IRI of the order line (a Commitment)")
    return commerce_rows.agreement_of_commitment(ledger, fulfills), fulfills


def claim_received(node, ledger, peer: str, thing: dict) -> None:
    """A peer's invoice or credit note to this node: recorded as the matching purchase bill (same id, number, lines
    and totals), triggered by the receipts this node holds under the delivery events' ids; waits until all are
    here."""
    if _iri(thing.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only invoice for itself")
    _to_this_node(node, thing, "the invoice")
    credits = thing.get("credits")
    triggers = _iris(thing.get("triggeredBy"), "object.triggeredBy") if not credits else ()
    held = {event: ledger.event(event) for event in triggers}
    missing = [event for event, found in held.items() if found is None]
    if missing:
        raise Waiting(f"object.triggeredBy: delivery {missing[0]} has not arrived yet")
    for event, found in held.items():
        if found.provider != peer:
            raise Refused(403, "object.triggeredBy", f"{event} is not a delivery from {peer}")
    if credits is not None and not isinstance(credits, str):
        raise Refused(400, "object.credits", "the IRI of the invoice it credits")
    bill = _bill(node, ledger, peer, thing, triggers, credits)
    node.record_peer_bill(ledger, _order(node, peer, thing, bill), bill)


def _bill(node, ledger, peer: str, thing: dict, triggers: tuple[str, ...], credits: str | None) -> Claim:
    currency = _currency(thing.get("currency"), "object.currency")
    lines = _list(thing.get("lines"), "object.lines")
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise Refused(400, f"object.lines[{index}]", "a line is an object")
    specs = mapped_specs(node, ledger, peer, [(line.get("resourceConformsTo"), f"object.lines[{i}].resourceConformsTo")
                                              for i, line in enumerate(lines)])
    claim = Claim(id=_text(thing, "id"), number=_text(thing, "invoiceNumber"), direction="purchase",
                  agreement=_text(thing, "agreement"), provider=peer, receiver=node.agent_id, currency=currency,
                  issued_on=_day(thing, "created"), due_on=_day(thing, "due"),
                  lines=tuple(_claim_line(line, i, spec, currency) for i, (line, spec) in enumerate(zip(lines, specs))),
                  triggered_by=triggers, credits=credits, note=_note(thing))
    _check_totals(claim, thing.get("totals"))
    return claim


def _claim_line(line: dict, index: int, spec: str, currency: str) -> ClaimLine:
    where = f"object.lines[{index}]"
    quantity = _quantity(line.get("resourceQuantity"), f"{where}.resourceQuantity")
    price, rate = _decimal(line, "unitPrice", where), _decimal(line, "taxRate", where)
    net = money.line_net(quantity.value, price, currency)
    if net != _decimal(line, "net", where):
        raise Refused(422, f"{where}.net", f"{quantity.value} at {price} is {net}, not {line.get('net')}")
    commitment = line.get("clauseOf")
    return ClaimLine(position=index + 1, resource_conforms_to=spec, resource_quantity=quantity, unit_price=price,
                     tax_rate=rate, net=net, commitment=commitment if isinstance(commitment, str) else None)


def _check_totals(claim: Claim, sent) -> None:
    sums = money.totals(claim.lines, claim.currency)
    ours = {"net": sums.net, "tax": sums.tax, "gross": sums.gross}
    if not isinstance(sent, dict) or any(_decimal(sent, k, "object.totals") != v for k, v in ours.items()):
        raise Refused(422, "object.totals", f"the lines add up to {ours}, not {sent}")


def _order(node, peer: str, thing: dict, bill: Claim) -> Agreement:
    """The purchase order the bill is on, as this node mirrors it from the supplier's invoice (used only when this
    node does not hold the order: one made before the two nodes were linked)."""
    terms = thing.get("paymentTermsDays")
    days = terms if isinstance(terms, int) else (bill.due_on - bill.issued_on).days
    goods = tuple(Commitment(id=line.commitment or f"{bill.id}#line-{line.position}", clause_of=bill.agreement,
                             position=line.position, action="transfer", provider=peer, receiver=node.agent_id,
                             resource_conforms_to=line.resource_conforms_to, resource_quantity=line.resource_quantity,
                             unit_price=line.unit_price, tax_rate=line.tax_rate) for line in bill.lines)
    pay = Commitment(id=f"{bill.agreement}#payment", clause_of=bill.agreement, position=0, action="transfer",
                     provider=node.agent_id, receiver=peer, amount=money.totals(bill.lines, bill.currency).gross)
    return Agreement(id=bill.agreement, direction="purchase", counterparty=peer, currency=bill.currency,
                     payment_terms_days=days, created_on=bill.issued_on, commitments=(pay, *goods))


def mapped_specs(node, ledger, peer: str, named: list[tuple[object, str]]) -> list[str]:
    """This node's specification for each one the peer names (field names where, for errors). Any not mapped yet
    is queued for review (all of them, not only the first), and the activity waits: nothing is guessed."""
    ours = []
    for theirs, field in named:
        if not theirs:
            raise Refused(422, field, "name the resource specification")
        ours.append(_checked(lambda: node.map_received_spec(ledger, peer, theirs, field), field, 422))
    missing = [_iri(theirs) for (theirs, _), spec in zip(named, ours) if spec is None]
    if missing:
        raise Waiting(f"not mapped yet: {', '.join(missing)} (cooplink map review)")
    return ours


# orders ---------------------------------------------------------------------------------------------------------
def order_created(node, ledger, peer: str, thing: dict) -> None:
    """A supplier peer's sale order for us: our purchase order, accepted."""
    node.record_peer_order(ledger, _agreement(node, ledger, peer, thing, "purchase", "accepted"))


@handles("Offer")
def order_offered(node, ledger, activity: Activity) -> None:
    """A customer peer proposes a purchase order: our sale order, proposed until we accept it."""
    thing = _object(activity)
    if _term(thing.get("type")) != "Agreement":
        raise Refused(422, "object.type", "this node takes Offer of an Agreement (an order) only")
    node.record_peer_order(ledger, _agreement(node, ledger, activity.peer, thing, "sale", "proposed"))


@handles("Accept")
def order_accepted(node, ledger, activity: Activity) -> None:
    node.peer_decided_order(ledger, activity.peer, _named(activity), "accepted")


@handles("Reject")
def order_rejected(node, ledger, activity: Activity) -> None:
    node.peer_decided_order(ledger, activity.peer, _named(activity), "rejected")


def _agreement(node, ledger, peer: str, thing: dict, direction: str, status: str) -> Agreement:
    """The order as this node records it: its direction seen from here, lines in our specifications."""
    seller, buyer = (peer, node.agent_id) if direction == "purchase" else (node.agent_id, peer)
    if (_iri(thing.get("provider")), _iri(thing.get("receiver"))) != (seller, buyer):
        raise Refused(403, "object.provider", f"an order between {peer} and this node, with {seller} selling")
    order_id = _text(thing, "id")
    currency = _currency(thing.get("currency"), "object.currency")
    goods = _list(thing.get("stipulates"), "object.stipulates")
    for index, line in enumerate(goods):
        if not isinstance(line, dict):
            raise Refused(400, f"object.stipulates[{index}]", "a Commitment is an object")
    specs = mapped_specs(node, ledger, peer, [(line.get("resourceConformsTo"),
                                               f"object.stipulates[{i}].resourceConformsTo")
                                              for i, line in enumerate(goods)])
    lines = [_commitment(line, i, spec, order_id, seller, buyer) for i, (line, spec) in enumerate(zip(goods, specs))]
    if sorted(c.position for c in lines) != list(range(1, len(lines) + 1)):
        raise Refused(400, "object.stipulates", "lines are numbered 1, 2, ... once each")
    total = money.totals([ClaimLine(c.position, c.resource_conforms_to, c.resource_quantity, c.unit_price, c.tax_rate,
                                    money.line_net(c.resource_quantity.value, c.unit_price, currency), c.id)
                          for c in lines], currency).gross
    pay = _reciprocal(thing, order_id, buyer, seller, total, currency)
    terms = thing.get("paymentTermsDays")
    if not isinstance(terms, int) or terms < 0:
        raise Refused(400, "object.paymentTermsDays", "a whole number of days, zero or more")
    return Agreement(id=order_id, direction=direction, counterparty=peer, currency=currency, payment_terms_days=terms,
                     created_on=_day(thing, "created"), commitments=(pay, *lines), name=_note(thing, "name"),
                     note=_note(thing), status=status)


def _commitment(line: dict, index: int, spec: str, order_id: str, seller: str, buyer: str) -> Commitment:
    where = f"object.stipulates[{index}]"
    if (_iri(line.get("provider")), _iri(line.get("receiver"))) != (seller, buyer):
        raise Refused(400, f"{where}.provider", f"a goods line goes from {seller} to {buyer}")
    position = line.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise Refused(400, f"{where}.position", "the line's number, from 1")
    quantity = _quantity(line.get("resourceQuantity"), f"{where}.resourceQuantity")
    price = _checked(lambda: money.positive(_decimal(line, "unitPrice", where), "unitPrice"), f"{where}.unitPrice")
    rate = _checked(lambda: money.tax_rate(_decimal(line, "taxRate", where), "taxRate"), f"{where}.taxRate")
    _checked(lambda: money.positive(quantity.value, "resourceQuantity"), f"{where}.resourceQuantity")
    return Commitment(id=_text(line, "id", where), clause_of=order_id, position=position, action="transfer",
                      provider=seller, receiver=buyer, resource_conforms_to=spec, resource_quantity=quantity,
                      unit_price=price, tax_rate=rate)


def _reciprocal(thing: dict, order_id: str, buyer: str, seller: str, total, currency: str) -> Commitment:
    [pay] = _list(thing.get("stipulatesReciprocal"), "object.stipulatesReciprocal")[:1] or [None]
    where = "object.stipulatesReciprocal[0]"
    if not isinstance(pay, dict):
        raise Refused(400, where, "the payment Commitment is an object")
    amount = _money(pay.get("resourceQuantity"), currency, f"{where}.resourceQuantity")
    if amount != total:
        raise Refused(422, f"{where}.resourceQuantity", f"the lines add up to {total} {currency}, not {amount}")
    return Commitment(id=_text(pay, "id", where), clause_of=order_id, position=0, action="transfer", provider=buyer,
                      receiver=seller, amount=amount)


# payments and disputes ------------------------------------------------------------------------------------------
def payment_received(node, ledger, peer: str, thing: dict) -> None:
    """A customer peer's payment of our invoice: recorded under its event id; the invoice is then (partly) paid."""
    if _iri(thing.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only pay for itself")
    _to_this_node(node, thing, "the payment")
    amount_of = thing.get("resourceQuantity") if isinstance(thing.get("resourceQuantity"), dict) else {}
    currency = _currency(amount_of.get("hasUnit"), "object.resourceQuantity.hasUnit")
    node.record_peer_payment(ledger, Payment(
        id=_text(thing, "id"), settles=_text(thing, "settles"), provider=peer, receiver=node.agent_id,
        amount=_money(amount_of, currency, "object.resourceQuantity"), currency=currency,
        paid_on=_day(thing, "hasPointInTime"), note=_note(thing)))


def dispute_received(node, ledger, peer: str, thing: dict) -> None:
    """A peer disputes a delivery (quantities) or a claim (amounts) between it and us."""
    if _iri(thing.get("openedBy")) != peer:
        raise Refused(403, "object.openedBy", "a peer opens disputes for itself only")
    kind = thing.get("subjectKind")
    if kind not in ("delivery", "claim"):
        raise Refused(400, "object.subjectKind", "delivery or claim")
    reason = _text(thing, "reason")
    if not reason.strip():
        raise Refused(400, "object.reason", "say what is wrong")
    node.record_peer_dispute(ledger, Dispute(
        id=_text(thing, "id"), subject=_text(thing, "subject"), subject_kind=kind, reason=reason,
        expected=_decimal(thing, "expected", "object"), actual=_decimal(thing, "actual", "object"),
        measure=_text(thing, "measure"), opened_at=_moment(_text(thing, "opened"), "object.opened"), opened_by=peer))


@handles("Update")
def dispute_resolved(node, ledger, activity: Activity) -> None:
    """The peer resolved a dispute between us, by its credit note or corrected delivery (waits until that is here)."""
    result = activity.body.get("result")
    if not isinstance(result, dict):
        raise Refused(400, "result", "what resolved the dispute: {resolvedBy, resolvedAt}")
    resolved_by = _text(result, "resolvedBy", "result")
    resolved_at = _moment(result.get("resolvedAt"), "result.resolvedAt") or datetime.now(UTC)
    if not node.peer_resolved_dispute(ledger, activity.peer, _named(activity), resolved_by, resolved_at):
        raise Waiting(f"result.resolvedBy: {resolved_by} has not arrived yet")


CREATED = {"Claim": claim_received, "Agreement": order_created, "Dispute": dispute_received}


@handles("KeyRotation")
def key_rotation(node, ledger, activity: Activity) -> None:
    """'new key X replaces old key Y', signed with Y: pin X, retire Y, keep the link (docs/federation.md)."""
    body = activity.body
    if body.get("oldKey") != activity.key_id:
        raise Refused(403, "oldKey", "a rotation is signed by the key it retires")
    new = body.get("newKey")
    if not isinstance(new, dict) or new.get("controller") != activity.peer or not isinstance(new.get("id"), str):
        raise Refused(400, "newKey", "a Multikey controlled by the sender, with an id")
    try:
        keys.from_multibase(str(new.get("publicKeyMultibase")))
    except ValueError as error:
        raise Refused(400, "newKey.publicKeyMultibase", str(error)) from None
    if rows.key(ledger, new["id"]) is not None:
        raise Refused(409, "newKey.id", f"key {new['id']} was pinned before; a rotation brings a new key")
    now = _now()
    rows.retire_keys(ledger, activity.peer, now)
    rows.pin_key(ledger, new["id"], activity.peer, new["publicKeyMultibase"], now)


# small readers ------------------------------------------------------------------------------------------------------
def _term(value) -> str | None:
    """'vf:EconomicEvent', 'EconomicEvent' or the full IRI: the local name."""
    if not isinstance(value, str):
        return None
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _iri(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("id", value.get("@id"))
    return value.rstrip("/") if isinstance(value, str) else None


def _object(activity: Activity) -> dict:
    thing = activity.body.get("object")
    if not isinstance(thing, dict):
        raise Refused(400, "object", f"a {activity.type} carries its object embedded")
    return thing


def _named(activity: Activity) -> str:
    """The IRI of the (not embedded) object an Accept, Reject or Update is about."""
    named = _iri(activity.body.get("object"))
    if not named or isinstance(activity.body.get("object"), dict):
        raise Refused(400, "object", f"a {activity.type} names its object by IRI")
    return named


def _to_this_node(node, thing: dict, what: str) -> None:
    if _iri(thing.get("receiver")) != node.agent_id:
        raise Refused(422, "object.receiver", f"{what} is not to this node ({node.agent_id})")


def _text(thing: dict, name: str, where: str = "object") -> str:
    value = thing.get(name, thing.get("@" + name))
    if not isinstance(value, str):
        raise Refused(400, f"{where}.{name}", "missing, or not a string")
    return value


def _note(thing: dict, name: str = "note") -> str | None:
    return thing.get(name) if isinstance(thing.get(name), str) else None


def _quantity(value, field: str = "object.resourceQuantity") -> Measure:
    if not isinstance(value, dict):
        raise Refused(400, field, "how much: {hasNumericalValue, hasUnit}")
    number, unit = value.get("hasNumericalValue"), value.get("hasUnit")
    if not isinstance(number, (str, int, Decimal)) or not isinstance(unit, str):
        raise Refused(400, field, "hasNumericalValue (a decimal) and hasUnit (a unit)")
    return Measure.of(str(number), unit_named(unit, f"{field}.hasUnit"), field)


def _money(value, currency: str, field: str) -> Decimal:
    """An amount in ``currency``: {hasNumericalValue, hasUnit: the ISO 4217 code}."""
    if not isinstance(value, dict) or value.get("hasUnit") != currency:
        raise Refused(400, field, f"an amount of {currency}: {{hasNumericalValue, hasUnit: {currency!r}}}")
    return _decimal(value, "hasNumericalValue", field)


def _currency(value, field: str) -> str:
    return _checked(lambda: money.currency_code(value if isinstance(value, str) else ""), field)


def _iris(value, field: str) -> tuple[str, ...]:
    found = tuple(_iri(each) for each in _list(value, field))
    if not found or None in found:
        raise Refused(400, field, "a list of event IRIs")
    return found


def _list(value, field: str) -> list:
    if not isinstance(value, list) or not value:
        raise Refused(400, field, "a non-empty list")
    return value


def _decimal(thing: dict, name: str, where: str) -> Decimal:
    value = thing.get(name)
    if isinstance(value, float) or not isinstance(value, (str, int, Decimal)):
        raise Refused(400, f"{where}.{name}", "a decimal, as a string")
    return _checked(lambda: to_decimal(value, name), f"{where}.{name}")


def _day(thing: dict, name: str) -> date:
    try:
        return date.fromisoformat(_text(thing, name))
    except ValueError:
        raise Refused(400, f"object.{name}", f"not an ISO 8601 date: {thing.get(name)!r}") from None


def _checked(read, field: str, status: int = 400):
    try:
        return read()
    except VFError as error:
        raise Refused(status, field, error.reason) from None


def _moment(value, field: str = "object.hasPointInTime"):
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Refused(400, field, f"not an ISO 8601 moment: {value!r}") from None
