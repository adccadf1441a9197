"""What a node tells a peer, as ActivityStreams 2.0 activities carrying VF objects (the FEP-d767 shape of
docs/federation.md): pure dict building from what a command recorded. Money, quantities and rates are decimal
strings; dates are ISO 8601. The outbox gives each activity its id.

A specification is named as the receiver knows it when this node has mapped the receiver's one to its own (an IRI
under the receiver's URL); otherwise it is this node's own, described (name, classifications, unit) so the receiver
can map it once. ``spec`` below is that naming function."""

from collections.abc import Callable

from cooplink.vf import agreements as money
from cooplink.vf.model import (Agreement, Claim, ClaimLine, Commitment, Dispute, EconomicEvent, EconomicResource,
                               Payment, ResourceSpecification)
from cooplink.vf.units import Measure

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
VF = "https://w3id.org/valueflows/ont/vf#"
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"
CL = "https://cooplink.coop/ns#"  # the few terms VF 1.0 has none for (a dispute, an order's status)
CONTEXT = [AS_CONTEXT, {"@vocab": VF, "vf": VF, "om2": OM2, "cl": CL}]

SpecNamer = Callable[[str], dict | str]


def activity(kind: str, actor: str, to: str, thing: dict | str, **extra) -> dict:
    return {"@context": CONTEXT, "type": kind, "actor": actor, "to": [to], "object": thing, **extra}


def create(actor: str, to: str, thing: dict) -> dict:
    return activity("Create", actor, to, thing)


def quantity(measure: Measure) -> dict:
    return {"hasNumericalValue": str(measure.value), "hasUnit": f"om2:{measure.unit.name}"}


def money_quantity(amount, currency: str) -> dict:
    """An amount of money: ISO 4217 code as the unit."""
    return {"hasNumericalValue": str(amount), "hasUnit": currency}


def described_spec(spec: ResourceSpecification) -> dict:
    described = {"id": spec.id, "type": "ResourceSpecification", "name": spec.name,
                 "resourceClassifiedAs": list(spec.resource_classified_as)}
    if spec.default_unit_of_resource:
        described["defaultUnitOfResource"] = f"om2:{spec.default_unit_of_resource.name}"
    return described


# orders --------------------------------------------------------------------------------------------------------------
def agreement(order: Agreement, seller: str, buyer: str, spec: SpecNamer) -> dict:
    """An order: the goods lines (stipulates) and the reciprocal payment (stipulatesReciprocal)."""
    pay = order.payment
    return {"id": order.id, "type": "Agreement", "name": order.name, "note": order.note,
            "created": order.created_on.isoformat(), "currency": order.currency,
            "paymentTermsDays": order.payment_terms_days, "provider": seller, "receiver": buyer,
            "stipulates": [_goods(line, spec) for line in order.lines],
            "stipulatesReciprocal": [{"id": pay.id, "type": "Commitment", "action": "transfer",
                                      "provider": pay.provider, "receiver": pay.receiver,
                                      "resourceQuantity": money_quantity(pay.amount, order.currency)}]}


def _goods(line: Commitment, spec: SpecNamer) -> dict:
    return {"id": line.id, "type": "Commitment", "position": line.position, "action": line.action,
            "provider": line.provider, "receiver": line.receiver, "resourceConformsTo": spec(line.resource_conforms_to),
            "resourceQuantity": quantity(line.resource_quantity), "unitPrice": str(line.unit_price),
            "taxRate": str(line.tax_rate)}


# shipments -----------------------------------------------------------------------------------------------------------
def shipped_event(event: EconomicEvent, source: EconomicResource, fulfills: str | None, order: str,
                  spec: SpecNamer) -> dict:
    """A transfer of a sale's shipment (or of its custody, or later of its rights), with the resource it came from
    embedded (lot and tracking id kept)."""
    return {"id": event.id, "type": "EconomicEvent", "action": event.action, "provider": event.provider,
            "receiver": event.receiver, "resourceInventoriedAs": _resource(source),
            "resourceConformsTo": spec(source.conforms_to), "resourceQuantity": quantity(event.resource_quantity),
            "hasPointInTime": event.has_point_in_time.isoformat(), "fulfills": fulfills,
            "realizationOf": order, "note": event.note}


def _resource(source: EconomicResource) -> dict:
    resource = {"id": source.id, "type": "EconomicResource", "conformsTo": source.conforms_to,
                "trackingIdentifier": source.tracking_identifier}
    if source.lot:
        resource["ofBatchLot"] = {"id": f"{source.id}#lot", "type": "BatchLotRecord",
                                  "batchLotCode": source.lot.batch_lot_code,
                                  "expirationDate": source.lot.expiration_date and
                                  source.lot.expiration_date.isoformat()}
    return resource


# invoices and credit notes -------------------------------------------------------------------------------------------
def invoice_claim(claim: Claim, order: Agreement, spec: SpecNamer) -> dict:
    """An invoice (or a credit note: ``credits`` names the invoice it reduces) as a vf:Claim triggered by its
    deliveries, with its lines, taxes, totals and due date."""
    sums = money.totals(claim.lines, claim.currency)
    return {"id": claim.id, "type": "Claim", "provider": claim.provider, "receiver": claim.receiver,
            "triggeredBy": list(claim.triggered_by), "agreement": order.id, "invoiceNumber": claim.number,
            "credits": claim.credits, "created": claim.issued_on.isoformat(), "due": claim.due_on.isoformat(),
            "currency": claim.currency, "paymentTermsDays": order.payment_terms_days,
            "lines": [_line(line, spec) for line in claim.lines],
            "totals": {"net": str(sums.net), "tax": str(sums.tax), "gross": str(sums.gross)}, "note": claim.note}


def _line(line: ClaimLine, spec: SpecNamer) -> dict:
    return {"position": line.position, "resourceConformsTo": spec(line.resource_conforms_to),
            "resourceQuantity": quantity(line.resource_quantity), "unitPrice": str(line.unit_price),
            "taxRate": str(line.tax_rate), "net": str(line.net), "clauseOf": line.commitment}


# payments and disputes -----------------------------------------------------------------------------------------------
def payment_event(payment: Payment) -> dict:
    """A payment: a transfer of money that settles a claim."""
    return {"id": payment.id, "type": "EconomicEvent", "action": "transfer", "provider": payment.provider,
            "receiver": payment.receiver, "settles": payment.settles,
            "resourceQuantity": money_quantity(payment.amount, payment.currency),
            "hasPointInTime": payment.paid_on.isoformat(), "note": payment.note}


def dispute(found: Dispute) -> dict:
    return {"id": found.id, "type": "cl:Dispute", "subject": found.subject, "subjectKind": found.subject_kind,
            "reason": found.reason, "expected": str(found.expected), "actual": str(found.actual),
            "measure": found.measure, "opened": found.opened_at.isoformat(), "openedBy": found.opened_by}


def dispute_resolved(found: Dispute) -> dict:
    """Told as an Update naming the dispute (not embedding it: it may be the peer's own object)."""
    return {"resolvedBy": found.resolved_by, "resolvedAt": found.resolved_at and found.resolved_at.isoformat()}
