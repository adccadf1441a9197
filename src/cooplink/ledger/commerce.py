"""Orders, deliveries' fulfilments, claims (invoices, bills, credit notes), payments and disputes: their tables,
read and written inside the caller's transaction."""

from datetime import UTC, date, datetime

from sqlalchemy import bindparam, select, update

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import (
    agreements,
    claim_lines,
    claim_numbers,
    claim_triggers,
    claims,
    commitments,
    disputes,
    fulfillments,
    payments,
)
from cooplink.vf.model import Agreement, Claim, ClaimLine, Commitment, Dispute, Fulfillment, Payment
from cooplink.vf.units import Measure, unit_named


# The statements a sale runs for each order, invoice and bill, built once (SQLAlchemy then skips building them and
# their cache keys on every call: a good part of a command's time).
_AGREEMENT = select(agreements).where(agreements.c.id == bindparam("id"))
_LINES = select(commitments).where(commitments.c.clause_of == bindparam("id")).order_by(commitments.c.position)
_FULFILLMENTS = (select(fulfillments).where(fulfillments.c.commitment.in_(bindparam("ids", expanding=True)))
                 .order_by(fulfillments.c.commitment, fulfillments.c.event))
_CLAIMED = select(claim_triggers).where(claim_triggers.c.event.in_(bindparam("ids", expanding=True)))
_NEXT_NUMBER = (update(claim_numbers).where(claim_numbers.c.series == bindparam("_series"))
                .values(last=claim_numbers.c.last + 1).returning(claim_numbers.c.last))


def _now() -> str:
    return datetime.now(UTC).isoformat()


# orders -------------------------------------------------------------------------------------------------------------
def add_agreement(ledger: Ledger, agreement: Agreement) -> None:
    ledger.connection.execute(agreements.insert(), dict(
        id=agreement.id, direction=agreement.direction, counterparty=agreement.counterparty,
        currency=agreement.currency, payment_terms_days=agreement.payment_terms_days,
        created_on=agreement.created_on.isoformat(), name=agreement.name, note=agreement.note,
        status=agreement.status))
    ledger.connection.execute(commitments.insert(), [_commitment_row(c) for c in agreement.commitments])


def _commitment_row(c: Commitment) -> dict:
    quantity = c.resource_quantity
    return {"id": c.id, "clause_of": c.clause_of, "position": c.position, "action": c.action,
            "provider": c.provider, "receiver": c.receiver, "resource_conforms_to": c.resource_conforms_to,
            "quantity": quantity and quantity.value, "unit": quantity and quantity.unit.name,
            "unit_price": c.unit_price, "tax_rate": c.tax_rate, "amount": c.amount}


def _commitment(row) -> Commitment:
    quantity = Measure(row.quantity, unit_named(row.unit)) if row.unit else None
    return Commitment(id=row.id, clause_of=row.clause_of, position=row.position, action=row.action,
                      provider=row.provider, receiver=row.receiver, resource_conforms_to=row.resource_conforms_to,
                      resource_quantity=quantity, unit_price=row.unit_price, tax_rate=row.tax_rate,
                      amount=row.amount)


def agreement(ledger: Ledger, agreement_id: str) -> Agreement | None:
    row = ledger.connection.execute(_AGREEMENT, {"id": agreement_id}).first()
    if row is None:
        return None
    found = ledger.connection.execute(_LINES, {"id": agreement_id})
    return Agreement(id=row.id, direction=row.direction, counterparty=row.counterparty, currency=row.currency,
                     payment_terms_days=row.payment_terms_days, created_on=date.fromisoformat(row.created_on),
                     commitments=tuple(_commitment(c) for c in found), name=row.name, note=row.note,
                     status=row.status)


def set_status(ledger: Ledger, agreement_id: str, status: str) -> None:
    ledger.connection.execute(agreements.update().where(agreements.c.id == agreement_id).values(status=status))


def agreement_of_commitment(ledger: Ledger, commitment_id: str) -> Agreement | None:
    found = ledger.connection.execute(select(commitments.c.clause_of).where(commitments.c.id == commitment_id))
    agreement_id = found.scalar()
    return agreement(ledger, agreement_id) if agreement_id else None


def agreement_ids(ledger: Ledger, direction: str | None = None) -> list[str]:
    query = select(agreements.c.id).order_by(agreements.c.created_on, agreements.c.id)
    if direction:
        query = query.where(agreements.c.direction == direction)
    return list(ledger.connection.execute(query).scalars())


# fulfilments --------------------------------------------------------------------------------------------------------
def add_fulfillment(ledger: Ledger, fulfillment: Fulfillment) -> None:
    ledger.connection.execute(fulfillments.insert(), dict(
        event=fulfillment.event, commitment=fulfillment.commitment, quantity=fulfillment.quantity.value))


def fulfillments_of(ledger: Ledger, agreement: Agreement) -> list[Fulfillment]:
    """Every fulfilment of the agreement's commitments, in its lines' units."""
    units = {c.id: c.resource_quantity.unit for c in agreement.lines}
    return [Fulfillment(r.event, r.commitment, Measure(r.quantity, units[r.commitment]))
            for r in ledger.connection.execute(_FULFILLMENTS, {"ids": list(units)})]


# claims -------------------------------------------------------------------------------------------------------------
def next_number(ledger: Ledger, series: str) -> int:
    """The next number of a series ("INV-2026"), in the caller's transaction: a rollback gives it back, so the
    sequence has no gaps. The UPDATE locks the series' row (PostgreSQL) until commit."""
    number = ledger.connection.execute(_NEXT_NUMBER, {"_series": series}).scalar()
    if number is None:
        ledger.connection.execute(claim_numbers.insert(), dict(series=series, last=1))
        return 1
    return number


def add_claim(ledger: Ledger, claim: Claim) -> None:
    ledger.connection.execute(claims.insert(), dict(
        id=claim.id, number=claim.number, direction=claim.direction, agreement=claim.agreement,
        provider=claim.provider, receiver=claim.receiver, currency=claim.currency,
        issued_on=claim.issued_on.isoformat(), due_on=claim.due_on.isoformat(), credits=claim.credits,
        note=claim.note, recorded_at=_now()))
    ledger.connection.execute(claim_lines.insert(), [
        {"claim": claim.id, "position": line.position, "commitment": line.commitment,
         "resource_conforms_to": line.resource_conforms_to, "quantity": line.resource_quantity.value,
         "unit": line.resource_quantity.unit.name, "unit_price": line.unit_price, "tax_rate": line.tax_rate,
         "net": line.net} for line in claim.lines])
    if claim.triggered_by:
        ledger.connection.execute(claim_triggers.insert(),
                                  [{"event": e, "claim": claim.id} for e in claim.triggered_by])


def claimed(ledger: Ledger, event_ids: list[str]) -> dict[str, str]:
    """Which of these delivery events a claim was triggered by already: event → claim."""
    if not event_ids:
        return {}
    return {r.event: r.claim for r in ledger.connection.execute(_CLAIMED, {"ids": event_ids})}


def claim(ledger: Ledger, claim_id: str) -> Claim | None:
    row = ledger.connection.execute(select(claims).where(claims.c.id == claim_id)).first()
    return row and _claim(ledger, row)


def claim_by_number(ledger: Ledger, number: str, direction: str | None = None) -> list[Claim]:
    query = select(claims).where(claims.c.number == number)
    if direction:
        query = query.where(claims.c.direction == direction)
    return [_claim(ledger, r) for r in ledger.connection.execute(query)]


def claims_where(ledger: Ledger, direction: str | None = None, agreement: str | None = None,
                 credits: str | None = None) -> list[Claim]:
    query = select(claims).order_by(claims.c.issued_on, claims.c.number)
    if direction:
        query = query.where(claims.c.direction == direction)
    if agreement:
        query = query.where(claims.c.agreement == agreement)
    if credits:
        query = query.where(claims.c.credits == credits)
    return [_claim(ledger, r) for r in ledger.connection.execute(query).all()]


def _claim(ledger: Ledger, row) -> Claim:
    lines = ledger.connection.execute(select(claim_lines).where(claim_lines.c.claim == row.id)
                                      .order_by(claim_lines.c.position))
    triggers = ledger.connection.execute(select(claim_triggers.c.event).where(claim_triggers.c.claim == row.id)
                                         .order_by(claim_triggers.c.event)).scalars()
    return Claim(id=row.id, number=row.number, direction=row.direction, agreement=row.agreement,
                 provider=row.provider, receiver=row.receiver, currency=row.currency,
                 issued_on=date.fromisoformat(row.issued_on), due_on=date.fromisoformat(row.due_on),
                 lines=tuple(ClaimLine(position=r.position, resource_conforms_to=r.resource_conforms_to,
                                       resource_quantity=Measure(r.quantity, unit_named(r.unit)),
                                       unit_price=r.unit_price, tax_rate=r.tax_rate, net=r.net,
                                       commitment=r.commitment) for r in lines),
                 triggered_by=tuple(triggers), credits=row.credits, note=row.note)


# payments -----------------------------------------------------------------------------------------------------------
def add_payment(ledger: Ledger, payment: Payment) -> None:
    ledger.connection.execute(payments.insert(), dict(
        id=payment.id, settles=payment.settles, provider=payment.provider, receiver=payment.receiver,
        amount=payment.amount, currency=payment.currency, paid_on=payment.paid_on.isoformat(), note=payment.note,
        recorded_at=_now()))


def payments_of(ledger: Ledger, claim_id: str) -> list[Payment]:
    query = select(payments).where(payments.c.settles == claim_id).order_by(payments.c.recorded_at, payments.c.id)
    return [Payment(id=r.id, settles=r.settles, provider=r.provider, receiver=r.receiver, amount=r.amount,
                    currency=r.currency, paid_on=date.fromisoformat(r.paid_on), note=r.note)
            for r in ledger.connection.execute(query)]


def lock_claim(ledger: Ledger, claim_id: str) -> None:
    """Hold the claim's row until commit, so two payments cannot both see the same outstanding amount."""
    ledger.connection.execute(select(claims.c.id).where(claims.c.id == claim_id).with_for_update())


# disputes -----------------------------------------------------------------------------------------------------------
def add_dispute(ledger: Ledger, dispute: Dispute) -> None:
    ledger.connection.execute(disputes.insert(), dict(
        id=dispute.id, subject=dispute.subject, subject_kind=dispute.subject_kind, reason=dispute.reason,
        expected=dispute.expected, actual=dispute.actual, measure=dispute.measure,
        opened_at=dispute.opened_at.isoformat(), opened_by=dispute.opened_by))


def dispute(ledger: Ledger, dispute_id: str) -> Dispute | None:
    row = ledger.connection.execute(select(disputes).where(disputes.c.id == dispute_id).with_for_update()).first()
    return row and _dispute(row)


def disputes_where(ledger: Ledger, open_only: bool = True) -> list[Dispute]:
    query = select(disputes).order_by(disputes.c.opened_at, disputes.c.id)
    if open_only:
        query = query.where(disputes.c.resolved_by.is_(None))
    return [_dispute(r) for r in ledger.connection.execute(query)]


def resolve(ledger: Ledger, dispute_id: str, resolved_by: str, resolved_at: str | None = None) -> None:
    ledger.connection.execute(disputes.update().where(disputes.c.id == dispute_id)
                              .values(resolved_by=resolved_by, resolved_at=resolved_at or _now()))


def _dispute(row) -> Dispute:
    return Dispute(id=row.id, subject=row.subject, subject_kind=row.subject_kind, reason=row.reason,
                   expected=row.expected, actual=row.actual, measure=row.measure,
                   opened_at=datetime.fromisoformat(row.opened_at), resolved_by=row.resolved_by,
                   resolved_at=row.resolved_at and datetime.fromisoformat(row.resolved_at), opened_by=row.opened_by)
