"""Reconcile: what this node holds that it shares with one peer, as canonical JSON (``records``), and what differs
between two such descriptions (``compare``, pure).

Both nodes keep the same ids for what they share (the sender's IRIs are kept), so records are matched by id. What
differs by design is normalised before comparing, never reported: the direction (a sale here is a purchase there:
compared as who sells), the specifications (each node names goods by its own: two IRIs are the same when either
node's product map says so), decimals (10 is 10.000) and units (1 kilogram is 1000 gram). The payment commitment of
an order is left out: a node that mirrored an order from an invoice names it itself.
"""

from dataclasses import dataclass
from decimal import Decimal

from cooplink.ledger import commerce, shared
from cooplink.ledger import product_map as maps
from cooplink.ledger.repository import Ledger
from cooplink.vf import agreements as money
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement, Claim, Dispute, EconomicEvent, Fulfillment, Payment
from cooplink.vf.units import Measure, plain, unit_named

SECTIONS = {"orders": "order", "deliveries": "delivery", "claims": "claim", "payments": "payment",
            "disputes": "dispute"}


# describing ---------------------------------------------------------------------------------------------------------
def records(node, peer: str) -> dict:
    """Everything this node holds that it shares with ``peer``, read in one transaction, as canonical JSON: ids
    sorted, decimals as plain strings, quantities as VF measures."""
    peer = peer.rstrip("/")
    with node.reading() as ledger:
        return {"node": node.agent_id, "peer": peer, **_shared(ledger, node.agent_id, peer),
                "product_map": {r.their_spec: r.our_spec for r in maps.maps(ledger, peer)},
                "in_flight": {"outbox": shared.outbox_counts(ledger, peer),
                              "inbox": shared.inbox_counts(ledger, peer)}}


def _shared(ledger: Ledger, us: str, peer: str) -> dict:
    orders = [commerce.agreement(ledger, i) for i in shared.agreement_ids_with(ledger, peer)]
    fulfilled = [f for order in orders for f in commerce.fulfillments_of(ledger, order)]
    claims = [commerce.claim(ledger, i) for i in shared.claim_ids_between(ledger, us, peer)]
    deliveries = sorted(set(shared.transfer_ids_between(ledger, us, peer)) | {f.event for f in fulfilled})
    payments = [p for c in claims for p in commerce.payments_of(ledger, c.id)]
    subjects = set(deliveries) | {c.id for c in claims}
    disputes = [d for d in commerce.disputes_where(ledger, open_only=False) if d.subject in subjects]
    return {"orders": [_order(o) for o in orders],
            "deliveries": [_delivery(ledger, ledger.event(i), fulfilled) for i in deliveries],
            "claims": [_claim(c) for c in claims],
            "payments": sorted((_payment(p) for p in payments), key=lambda p: p["id"]),
            "disputes": sorted((_dispute(d) for d in disputes), key=lambda d: d["id"])}


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(plain(value))


def _measure(measure: Measure | None) -> dict | None:
    return None if measure is None else {"hasNumericalValue": _number(measure.value), "hasUnit": measure.unit.name}


def _order(order: Agreement) -> dict:
    return {"id": order.id, "direction": order.direction, "counterparty": order.counterparty, "status": order.status,
            "currency": order.currency, "payment_terms_days": order.payment_terms_days,
            "lines": [{"commitment": c.id, "position": c.position, "spec": c.resource_conforms_to,
                       "quantity": _measure(c.resource_quantity), "unit_price": _number(c.unit_price),
                       "tax_rate": _number(c.tax_rate)} for c in order.lines]}


def _delivery(ledger: Ledger, event: EconomicEvent, fulfilled: list[Fulfillment]) -> dict:
    """A transfer between the two nodes: the resource it left (the provider's IRI, the same on both nodes) and the
    lot and tracking id of whichever of its resources this node holds."""
    held = ledger.resource(event.resource_inventoried_as or "") or \
        ledger.resource(event.to_resource_inventoried_as or "")
    return {"id": event.id, "action": event.action, "provider": event.provider, "receiver": event.receiver,
            "resource": event.resource_inventoried_as, "quantity": _measure(event.resource_quantity),
            "lot": held and held.lot and held.lot.batch_lot_code, "tracking_id": held and held.tracking_identifier,
            "fulfills": [{"commitment": f.commitment, "quantity": _measure(f.quantity)}
                         for f in fulfilled if f.event == event.id]}


def _claim(claim: Claim) -> dict:
    sums = money.totals(claim.lines, claim.currency)
    return {"id": claim.id, "number": claim.number, "provider": claim.provider, "receiver": claim.receiver,
            "agreement": claim.agreement, "credits": claim.credits, "currency": claim.currency,
            "issued_on": claim.issued_on.isoformat(), "due_on": claim.due_on.isoformat(),
            "triggered_by": sorted(claim.triggered_by),
            "lines": [{"position": line.position, "commitment": line.commitment, "spec": line.resource_conforms_to,
                       "quantity": _measure(line.resource_quantity), "unit_price": _number(line.unit_price),
                       "tax_rate": _number(line.tax_rate), "net": _number(line.net)} for line in claim.lines],
            "totals": {"net": _number(sums.net), "tax": _number(sums.tax), "gross": _number(sums.gross)}}


def _payment(payment: Payment) -> dict:
    return {"id": payment.id, "settles": payment.settles, "provider": payment.provider,
            "receiver": payment.receiver, "amount": _number(payment.amount), "currency": payment.currency,
            "paid_on": payment.paid_on.isoformat()}


def _dispute(dispute: Dispute) -> dict:
    """``resolved_by`` is None while the dispute is open."""
    return {"id": dispute.id, "subject": dispute.subject, "subject_kind": dispute.subject_kind,
            "reason": dispute.reason, "expected": _number(dispute.expected), "actual": _number(dispute.actual),
            "measure": dispute.measure, "opened_by": dispute.opened_by, "resolved_by": dispute.resolved_by}


# comparing ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    what: str  # order | delivery | claim | payment | dispute
    id: str
    field: str  # the record's field, e.g. "due_on" or "lines 1 quantity"; "" when the record is on one side only
    ours: str
    theirs: str

    def __str__(self) -> str:
        where = f"{self.what} {self.id}" + (f": {self.field}" if self.field else "")
        return f"{where}: ours {self.ours}, theirs {self.theirs}"


@dataclass(frozen=True)
class _Quantity:
    value: Decimal | None
    unit: str | None

    def same_as(self, other: "_Quantity") -> bool:
        if None in (self.value, other.value, self.unit, other.unit) or self.unit == other.unit:
            return self == other
        try:
            return Measure(other.value, unit_named(other.unit)).to(unit_named(self.unit)).value == self.value
        except VFError:  # units of different kinds, or money in different currencies
            return False

    def __str__(self) -> str:
        return f"{plain(self.value) if self.value is not None else '?'} {self.unit or '?'}"


@dataclass(frozen=True)
class _Spec:
    iri: str | None

    def __str__(self) -> str:
        return str(self.iri)


_MISSING = object()  # a record or field one side does not have


def compare(ours: dict, theirs: dict) -> list[Difference]:
    """The differences between this node's records and the peer's (each as ``records`` gives them), one per field
    that differs, or per record held on one side only."""
    pairs = _spec_pairs(ours, theirs)
    found: list[Difference] = []
    for section, what in SECTIONS.items():
        facts = _FACTS[section]
        mine = {str(r["id"]): facts(r, ours.get("node")) for r in _listed(ours.get(section), "id")}
        other = {str(r["id"]): facts(r, theirs.get("node")) for r in _listed(theirs.get(section), "id")}
        for key in sorted(mine.keys() | other.keys(), key=str):
            found += _differ(what, key, "", mine.get(key, _MISSING), other.get(key, _MISSING), pairs)
    return found


def _spec_pairs(ours: dict, theirs: dict) -> set[tuple[str, str]]:
    """(their spec, our spec) pairs either node's product map declares the same goods."""
    return {(their, our) for their, our in _map(ours)} | {(their, our) for our, their in _map(theirs)}


def _map(side: dict) -> list[tuple[str, str]]:
    found = side.get("product_map")
    return [(k, v) for k, v in found.items() if isinstance(v, str)] if isinstance(found, dict) else []


def _differ(what: str, key: str, field: str, ours, theirs, pairs) -> list[Difference]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return [d for name in sorted(ours.keys() | theirs.keys(), key=str)
                for d in _differ(what, key, f"{field} {name}".strip(), ours.get(name, _MISSING),
                                 theirs.get(name, _MISSING), pairs)]
    if _same(ours, theirs, pairs):
        return []
    return [Difference(what, key, field, _shown(ours), _shown(theirs))]


def _same(ours, theirs, pairs) -> bool:
    if isinstance(ours, _Quantity) and isinstance(theirs, _Quantity):
        return ours.same_as(theirs)
    if isinstance(ours, _Spec) and isinstance(theirs, _Spec):
        return ours == theirs or (theirs.iri, ours.iri) in pairs
    return type(ours) is type(theirs) and ours == theirs


def _shown(value) -> str:
    if value is _MISSING:
        return "missing"
    if isinstance(value, dict):
        return "present"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return "none" if value is None else str(value)


# what is compared, record by record: perspective-free values ------------------------------------------------------
def _decimal(value) -> Decimal | str | None:
    """A number as a Decimal (10 and 10.000 alike); anything else as the text it was sent as."""
    if value is None or isinstance(value, bool):
        return value
    try:
        number = Decimal(str(value))
        return plain(number) if number.is_finite() else str(value)
    except (ArithmeticError, ValueError):
        return str(value)


def _quantity(value) -> _Quantity | None:
    if not isinstance(value, dict):
        return None
    return _measured(value.get("hasNumericalValue"), value.get("hasUnit"))


def _measured(number, unit) -> _Quantity:
    number = _decimal(number)
    return _Quantity(number if isinstance(number, Decimal) else None, unit if isinstance(unit, str) else None)


def _listed(records, key: str) -> list[dict]:
    """The records of a list that have the key they are matched by (a peer's malformed ones are left out)."""
    return [r for r in records if isinstance(r, dict) and key in r] if isinstance(records, list) else []


def _spec(value) -> _Spec:
    return _Spec(value if isinstance(value, str) or value is None else str(value))


def _order_facts(order: dict, node: str) -> dict:
    seller = node if order.get("direction") == "sale" else order.get("counterparty")
    return {"direction": f"{seller} sells", "status": order.get("status"), "currency": order.get("currency"),
            "payment_terms_days": order.get("payment_terms_days"),
            "lines": {str(line["commitment"]): {"position": line.get("position"), "spec": _spec(line.get("spec")),
                                           "quantity": _quantity(line.get("quantity")),
                                           "unit_price": _decimal(line.get("unit_price")),
                                           "tax_rate": _decimal(line.get("tax_rate"))}
                      for line in _listed(order.get("lines"), "commitment")}}


def _delivery_facts(delivery: dict, node: str) -> dict:
    return {**{name: delivery.get(name) for name in ("action", "provider", "receiver", "resource", "lot",
                                                     "tracking_id")},
            "quantity": _quantity(delivery.get("quantity")),
            "fulfills": {str(f["commitment"]): _quantity(f.get("quantity"))
                         for f in _listed(delivery.get("fulfills"), "commitment")}}


def _claim_facts(claim: dict, node: str) -> dict:
    totals = claim.get("totals") if isinstance(claim.get("totals"), dict) else {}
    return {**{name: claim.get(name) for name in ("number", "provider", "receiver", "agreement", "credits",
                                                  "currency", "issued_on", "due_on")},
            "triggered_by": tuple(sorted(map(str, claim.get("triggered_by") or []))),
            "totals": {name: _decimal(totals.get(name)) for name in ("net", "tax", "gross")},
            "lines": {str(line["position"]): {"commitment": line.get("commitment"), "spec": _spec(line.get("spec")),
                                              "quantity": _quantity(line.get("quantity")),
                                              **{name: _decimal(line.get(name))
                                                 for name in ("unit_price", "tax_rate", "net")}}
                      for line in _listed(claim.get("lines"), "position")}}


def _payment_facts(payment: dict, node: str) -> dict:
    return {**{name: payment.get(name) for name in ("settles", "provider", "receiver", "currency", "paid_on")},
            "amount": _decimal(payment.get("amount"))}


def _dispute_facts(dispute: dict, node: str) -> dict:
    """Expected and actual in the dispute's measure: a unit (delivery, converted) or a currency (claim)."""
    measure = dispute.get("measure")
    return {**{name: dispute.get(name) for name in ("subject", "subject_kind", "reason", "opened_by")},
            "expected": _measured(dispute.get("expected"), measure),
            "actual": _measured(dispute.get("actual"), measure),
            "resolved_by": dispute.get("resolved_by") or "open"}


_FACTS = {"orders": _order_facts, "deliveries": _delivery_facts, "claims": _claim_facts,
          "payments": _payment_facts, "disputes": _dispute_facts}
