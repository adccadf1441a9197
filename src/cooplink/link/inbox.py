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

from cooplink.ledger import federation as rows
from cooplink.link import keys
from cooplink.link.peers import AS_CONTEXT
from cooplink.link.signatures import SignatureRefused, verify
from cooplink.node import RecordEvent
from cooplink.vf import agreements as money
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement, Claim, ClaimLine, Commitment
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


Handler = Callable[[object, object, Activity], str]  # (node, ledger, activity) -> inbox status (applied, ...)
handlers: dict[str, Handler] = {}


def handles(kind: str):
    def register(function: Handler) -> Handler:
        handlers[kind] = function
        return function
    return register


def receive(node, method: str, url: str, headers: dict[str, str], body: bytes, now=None) -> Outcome:
    """Verify, check and apply one inbound request; never raises for what a peer can send."""
    try:
        activity = _accepted(node, method, url, headers, body, now)
        return _apply(node, activity, body)
    except SignatureRefused as refusal:
        return Outcome(refusal.status, {"field": "Signature", "reason": refusal.reason})
    except Refused as refusal:
        return Outcome(refusal.status, {"field": refusal.field, "reason": refusal.reason})
    except VFError as error:  # the node refused the effect (e.g. a unit that does not fit): nothing was recorded
        return Outcome(422, {"field": error.field, "reason": error.reason})


def _accepted(node, method, url, headers, body, now) -> Activity:
    signers: dict[str, str] = {}
    key_id = verify(method, url, headers, body, lambda k: _pinned(node, k, signers), now=now)
    activity = Activity(parse(body), signers[key_id], key_id)
    check_speaks_for_itself(activity)
    if activity.type not in handlers:
        raise Refused(422, "type", f"this node does not take {activity.type!r} activities")
    return activity


def _pinned(node, key_id: str, signers: dict[str, str]):
    """The public key pinned under this id for a peer that is not removed; None otherwise (403)."""
    with node.reading() as ledger:
        found = rows.live_key(ledger, key_id)
    if found is None:
        return None
    signers[key_id] = found.peer
    return keys.from_multibase(found.public_key)


def _apply(node, activity: Activity, body: bytes) -> Outcome:
    try:
        with node.writing() as ledger:
            if rows.received(ledger, activity.id) is not None:
                return _duplicate(activity)
            if rows.live_key(ledger, activity.key_id) is None:  # removed or rotated since the signature check
                raise Refused(403, "Signature", f"no pinned peer key {activity.key_id!r}")
            rows.record_received(ledger, activity.id, activity.peer, activity.type[:40], body.decode("utf-8"),
                                 _now(), "applied")
            status = handlers[activity.type](node, ledger, activity)
            if status != "applied":
                rows.set_status(ledger, activity.id, status)
            else:
                rerun_waiting(node, ledger)
    except IntegrityError:  # the same activity, applied by a concurrent delivery (PostgreSQL)
        with node.reading() as ledger:
            if rows.received(ledger, activity.id) is None:
                raise
        return _duplicate(activity)
    return Outcome(200, {"id": activity.id, "status": status})


def rerun_waiting(node, ledger) -> None:
    """After an applied activity, apply the waiting ones it may have unblocked, until none moves: an invoice that
    came before its delivery ends as if it came after. One that is refused now is marked refused, with the reason."""
    progress = True
    while progress:
        progress = False
        for row in rows.waiting(ledger):
            status, note = _retried(node, ledger, row)
            if status != "waiting":
                rows.set_status(ledger, row.activity_id, status, note)
                progress = True


def _retried(node, ledger, row) -> tuple[str, str | None]:
    activity = Activity(parse(row.body.encode("utf-8")), row.peer, "")
    try:
        with ledger.connection.begin_nested():  # a refusal undoes this activity's part only
            return handlers[activity.type](node, ledger, activity), None
    except Refused as refusal:
        return "refused", f"{refusal.field}: {refusal.reason}"
    except VFError as error:
        return "refused", f"{error.field}: {error.reason}"


def _duplicate(activity: Activity) -> Outcome:
    return Outcome(200, {"id": activity.id, "status": "duplicate"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


# reading the body ----------------------------------------------------------------------------------------------------
def parse(body: bytes) -> dict:
    """The activity as JSON-LD in its compacted ActivityStreams form; Refused(400) if it is not one."""
    try:
        document = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(400, "body", f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise Refused(400, "body", "an activity is a JSON object")
    context = document.get("@context")
    if AS_CONTEXT not in (context if isinstance(context, list) else [context]):
        raise Refused(400, "@context", f"an ActivityStreams activity names {AS_CONTEXT}")
    for name in ("id", "type", "actor"):
        if not isinstance(document.get(name), str) or not document[name].strip():
            raise Refused(400, name, "missing, or not a string")
    if not document["id"].startswith(("http://", "https://")):
        raise Refused(400, "id", "an activity's id is an http(s) IRI")
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
def create(node, ledger, activity: Activity) -> str:
    thing = activity.body.get("object")
    if isinstance(thing, dict) and _term(thing.get("type")) == "Claim":
        return claim_received(node, ledger, activity.peer, thing)
    if not isinstance(thing, dict) or _term(thing.get("type")) != "EconomicEvent":
        raise Refused(422, "object", "this node takes Create of a vf:EconomicEvent or a vf:Claim only (for now)")
    if _term(thing.get("action")) != "transfer":
        raise Refused(422, "object.action", "this node takes transfer events only (for now)")
    return goods_received(node, ledger, activity.peer, thing)


def goods_received(node, ledger, peer: str, event: dict) -> str:
    """A peer's transfer to this node: recorded under the same event id, from the peer's resource (held in its
    ledger) into a new resource here of the mapped specification, lot and tracking id kept."""
    if _iri(event.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only transfer what it provides itself")
    if _iri(event.get("receiver")) != node.agent_id:
        raise Refused(422, "object.receiver", f"the transfer is not to this node ({node.agent_id})")
    source = event.get("resourceInventoriedAs")
    source = source if isinstance(source, dict) else {"id": source}
    if not (_iri(source) or "").startswith(peer + "/"):
        raise Refused(403, "object.resourceInventoriedAs", f"{_iri(source)!r} is not a resource of {peer}")
    lot = source.get("ofBatchLot") if isinstance(source.get("ofBatchLot"), dict) else {}
    node.apply(ledger, node.event_from(ledger, RecordEvent(
        "transfer", _quantity(event.get("resourceQuantity")), id=_text(event, "id"),
        resource=_iri(source) or None, provider=peer, receiver="self", new_to_resource=True,
        to_spec=mapped_spec(ledger, node, _iri(event.get("resourceConformsTo")) or _iri(source.get("conformsTo"))),
        lot=lot.get("batchLotCode"), lot_expiration=lot.get("expirationDate"),
        tracking_identifier=source.get("trackingIdentifier"), note=event.get("note"),
        has_point_in_time=_moment(event.get("hasPointInTime")))))
    return "applied"


def claim_received(node, ledger, peer: str, thing: dict) -> str:
    """A peer's invoice to this node: recorded as the matching purchase bill (same id, number, lines and totals),
    triggered by the receipts this node holds under the delivery events' ids; ``waiting`` until all are here."""
    if _iri(thing.get("provider")) != peer:
        raise Refused(403, "object.provider", "a peer can only invoice for itself")
    if _iri(thing.get("receiver")) != node.agent_id:
        raise Refused(422, "object.receiver", f"the invoice is not to this node ({node.agent_id})")
    triggers = _iris(thing.get("triggeredBy"), "object.triggeredBy")
    if any(ledger.event(event) is None for event in triggers):
        return "waiting"  # the invoice came before its delivery: applied when the delivery arrives
    for event in triggers:
        if ledger.event(event).provider != peer:
            raise Refused(403, "object.triggeredBy", f"{event} is not a delivery from {peer}")
    bill = _bill(node, ledger, peer, thing, triggers)
    node.record_peer_bill(ledger, _order(node, peer, thing, bill), bill)
    return "applied"


def _bill(node, ledger, peer: str, thing: dict, triggers: tuple[str, ...]) -> Claim:
    currency = _checked(lambda: money.currency_code(_text(thing, "currency")), "object.currency")
    lines = tuple(_claim_line(node, ledger, line, i, currency)
                  for i, line in enumerate(_list(thing.get("lines"), "object.lines")))
    claim = Claim(id=_text(thing, "id"), number=_text(thing, "invoiceNumber"), direction="purchase",
                  agreement=_text(thing, "agreement"), provider=peer, receiver=node.agent_id, currency=currency,
                  issued_on=_day(thing, "created"), due_on=_day(thing, "due"), lines=lines, triggered_by=triggers,
                  note=thing.get("note") if isinstance(thing.get("note"), str) else None)
    _check_totals(claim, thing.get("totals"))
    return claim


def _claim_line(node, ledger, line, index: int, currency: str) -> ClaimLine:
    where = f"object.lines[{index}]"
    if not isinstance(line, dict):
        raise Refused(400, where, "a line is an object")
    quantity = _quantity(line.get("resourceQuantity"))
    price, rate = _decimal(line, "unitPrice", where), _decimal(line, "taxRate", where)
    net = money.line_net(quantity.value, price, currency)
    if net != _decimal(line, "net", where):
        raise Refused(422, f"{where}.net", f"{quantity.value} at {price} is {net}, not {line.get('net')}")
    commitment = line.get("clauseOf")
    return ClaimLine(position=index + 1, resource_conforms_to=mapped_spec(ledger, node, _iri(line.get(
        "resourceConformsTo"))), resource_quantity=quantity, unit_price=price, tax_rate=rate, net=net,
        commitment=commitment if isinstance(commitment, str) else None)


def _check_totals(claim: Claim, sent) -> None:
    sums = money.totals(claim.lines, claim.currency)
    ours = {"net": sums.net, "tax": sums.tax, "gross": sums.gross}
    if not isinstance(sent, dict) or any(_decimal(sent, k, "object.totals") != v for k, v in ours.items()):
        raise Refused(422, "object.totals", f"the lines add up to {ours}, not {sent}")


def _order(node, peer: str, thing: dict, bill: Claim) -> Agreement:
    """The purchase order the bill is on, as this node mirrors it from the supplier's invoice."""
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


def mapped_spec(ledger, node, theirs: str | None) -> str:
    """STOP-GAP until product mapping: the local specification whose id ends in the same segment as the
    sender's (A's .../specs/widget is B's .../specs/widget). None found: refused, never guessed into stock."""
    if not theirs:
        raise Refused(422, "object.resourceConformsTo", "the transfer does not say what it transfers")
    ours = f"{node.base_url}/specs/{theirs.rstrip('/').rsplit('/', 1)[-1]}"
    if ledger.spec(ours) is None:
        raise Refused(422, "object.resourceConformsTo", f"no local specification is mapped to {theirs} "
                                                        f"(looked for {ours})")
    return ours


@handles("KeyRotation")
def key_rotation(node, ledger, activity: Activity) -> str:
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
    return "applied"


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


def _text(thing: dict, name: str) -> str:
    value = thing.get(name, thing.get("@" + name))
    if not isinstance(value, str):
        raise Refused(400, f"object.{name}", "missing, or not a string")
    return value


def _quantity(value) -> Measure:
    if not isinstance(value, dict):
        raise Refused(400, "object.resourceQuantity", "a transfer says how much: {hasNumericalValue, hasUnit}")
    number, unit = value.get("hasNumericalValue"), value.get("hasUnit")
    if not isinstance(number, (str, int, Decimal)) or not isinstance(unit, str):
        raise Refused(400, "object.resourceQuantity", "hasNumericalValue (a decimal) and hasUnit (a unit)")
    return Measure.of(str(number), unit_named(unit, "object.resourceQuantity.hasUnit"), "object.resourceQuantity")


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


def _checked(read, field: str):
    try:
        return read()
    except VFError as error:
        raise Refused(400, field, error.reason) from None


def _moment(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Refused(400, "object.hasPointInTime", f"not an ISO 8601 moment: {value!r}") from None
