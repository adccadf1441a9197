"""What a sale tells the customer's node, as ActivityStreams 2.0 activities carrying VF objects (the FEP-d767
shape of docs/federation.md): pure dict building from what a command recorded. Money, quantities and rates are
decimal strings; dates are ISO 8601. The outbox gives each activity its id."""

from cooplink.vf import agreements as money
from cooplink.vf.model import Agreement, Claim, ClaimLine, EconomicEvent, EconomicResource
from cooplink.vf.units import Measure

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
VF = "https://w3id.org/valueflows/ont/vf#"
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"
CONTEXT = [AS_CONTEXT, {"@vocab": VF, "vf": VF, "om2": OM2}]


def create(actor: str, to: str, thing: dict) -> dict:
    return {"@context": CONTEXT, "type": "Create", "actor": actor, "to": [to], "object": thing}


def quantity(measure: Measure) -> dict:
    return {"hasNumericalValue": str(measure.value), "hasUnit": f"om2:{measure.unit.name}"}


def shipped_event(event: EconomicEvent, source: EconomicResource, fulfills: str, agreement: str) -> dict:
    """A transfer of a sale's shipment, with the resource it came from embedded (lot and tracking id kept)."""
    return {"id": event.id, "type": "EconomicEvent", "action": "transfer", "provider": event.provider,
            "receiver": event.receiver, "resourceInventoriedAs": _resource(source),
            "resourceConformsTo": source.conforms_to, "resourceQuantity": quantity(event.resource_quantity),
            "hasPointInTime": event.has_point_in_time.isoformat(), "fulfills": fulfills,
            "realizationOf": agreement, "note": event.note}


def _resource(source: EconomicResource) -> dict:
    resource = {"id": source.id, "type": "EconomicResource", "conformsTo": source.conforms_to,
                "trackingIdentifier": source.tracking_identifier}
    if source.lot:
        resource["ofBatchLot"] = {"id": f"{source.id}#lot", "type": "BatchLotRecord",
                                  "batchLotCode": source.lot.batch_lot_code,
                                  "expirationDate": source.lot.expiration_date and
                                  source.lot.expiration_date.isoformat()}
    return resource


def invoice_claim(claim: Claim, agreement: Agreement) -> dict:
    """An invoice as a vf:Claim triggered by its deliveries, with its lines, taxes, totals and due date."""
    sums = money.totals(claim.lines, claim.currency)
    return {"id": claim.id, "type": "Claim", "provider": claim.provider, "receiver": claim.receiver,
            "triggeredBy": list(claim.triggered_by), "agreement": agreement.id, "invoiceNumber": claim.number,
            "created": claim.issued_on.isoformat(), "due": claim.due_on.isoformat(), "currency": claim.currency,
            "paymentTermsDays": agreement.payment_terms_days, "lines": [_line(line) for line in claim.lines],
            "totals": {"net": str(sums.net), "tax": str(sums.tax), "gross": str(sums.gross)}, "note": claim.note}


def _line(line: ClaimLine) -> dict:
    return {"position": line.position, "resourceConformsTo": line.resource_conforms_to,
            "resourceQuantity": quantity(line.resource_quantity), "unitPrice": str(line.unit_price),
            "taxRate": str(line.tax_rate), "net": str(line.net), "clauseOf": line.commitment}
