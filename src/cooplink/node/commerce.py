"""Orders, shipments, invoices, bills, payments and disputes (part of the Node service).

An order is a VF Agreement: a Commitment per goods line and the reciprocal Commitment to pay the total. A shipment
is a transfer event that fulfils a line's commitment. An invoice (sale) or bill (purchase) is a Claim triggered by
delivery events, priced from the order; a payment settles a Claim; a credit note is a Claim with negative lines
that reduces the one it credits. Each command is one transaction and returns what it recorded, so the wire
(activities for the peer, written with node.outbox.enqueue in the same transaction) can be built from it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cooplink.ledger import commerce as rows
from cooplink.ledger import federation
from cooplink.ledger.repository import Ledger
from cooplink.node import activities
from cooplink.node.outbox import enqueue
from cooplink.vf import agreements as money
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement, Claim, ClaimLine, Commitment, Dispute, EconomicEvent, Fulfillment, Payment
from cooplink.vf.units import Measure, conversion_factor, plain, to_decimal, unit_named

DIRECTIONS = ("sale", "purchase")
CUSTODY, RIGHTS = "transferCustody", "transferAllRights"  # shipping in two steps: custody now, the rights later


def rights_iri(custody_delivery: str) -> str:
    """The IRI of the transfer of rights that completes a custody delivery: one per delivery, known to both nodes."""
    return f"{custody_delivery}/rights"
ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderLine:
    spec: str
    quantity: Measure | str  # "10 piece"
    unit_price: Decimal | str  # per unit of the quantity, in the order's currency
    tax_rate: Decimal | str = "0"  # percent


@dataclass(frozen=True)
class LineStatus:
    commitment: Commitment
    shipped: Measure
    backordered: Measure


@dataclass(frozen=True)
class OrderView:
    agreement: Agreement
    lines: tuple[LineStatus, ...]
    fulfillments: tuple[Fulfillment, ...]

    @property
    def complete(self) -> bool:
        return all(line.backordered.value == 0 for line in self.lines)


@dataclass(frozen=True)
class Ship:
    """One order line's part of a shipment (sale) or receipt (purchase)."""

    line: int  # the order line's position, from 1
    quantity: Measure | str
    resource: str | None = None  # sale: the resource shipped from; purchase: the supplier's resource IRI
    to_resource: str | None = None
    new_to_resource: bool = False
    to_spec: str | None = None
    lot: str | None = None
    tracking_identifier: str | None = None
    id: str | None = None  # the supplier's event id, when recording a receipt
    custody: bool = False  # hand over custody only (transferCustody); the rights follow later (transfer_rights)


@dataclass(frozen=True)
class Shipment:
    events: tuple[EconomicEvent, ...]
    fulfillments: tuple[Fulfillment, ...]


@dataclass(frozen=True)
class ClaimView:
    claim: Claim
    totals: money.Totals
    paid: Decimal
    credited: Decimal  # by credit notes, as a positive amount
    outstanding: Decimal
    status: str  # open | partially paid | paid | credit note
    payments: tuple[Payment, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _amount(value, field: str) -> Decimal:
    if isinstance(value, float):
        raise VFError(field, "give money as a decimal string or Decimal, never a float")
    return to_decimal(value, field)


class CommerceCommands:
    """Mixed into Node: each public method one transaction."""

    # orders ---------------------------------------------------------------------------------------------------
    def create_order(self, direction: str, counterparty: str, lines: list[OrderLine], currency: str,
                     payment_terms_days: int = 30, name: str | None = None, note: str | None = None,
                     created_on: date | None = None) -> Agreement:
        if direction not in DIRECTIONS:
            raise VFError("direction", f"an order is a sale or a purchase, not {direction!r}")
        currency = money.currency_code(currency)
        if not lines:
            raise VFError("commitments", "an order needs at least one line")
        if payment_terms_days < 0:
            raise VFError("paymentTerms", f"must be zero days or more, got {payment_terms_days}")
        with self.writing() as ledger:
            other = self._agent(ledger, counterparty, "counterparty")
            if other == self.agent_id:
                raise VFError("counterparty", "an order is with another agent, not this node's own")
            agreement_id = self.new_iri("agreements")
            seller, buyer = (self.agent_id, other) if direction == "sale" else (other, self.agent_id)
            goods = [self._commitment(ledger, agreement_id, i, line, seller, buyer, currency)
                     for i, line in enumerate(lines, 1)]
            total = money.totals([_priced(c, c.resource_quantity, currency) for c in goods], currency).gross
            pay = Commitment(id=self.new_iri("commitments"), clause_of=agreement_id, position=0, action="transfer",
                             provider=buyer, receiver=seller, amount=total)
            peer = live_peer(ledger, other)
            # a purchase from a peer is a proposal until the supplier accepts it on its node
            status = "proposed" if peer is not None and direction == "purchase" else "accepted"
            agreement = Agreement(id=agreement_id, direction=direction, counterparty=other, currency=currency,
                                  payment_terms_days=payment_terms_days, created_on=created_on or _now().date(),
                                  commitments=(pay, *goods), name=name, note=note, status=status)
            rows.add_agreement(ledger, agreement)
            if peer is not None:
                self._tell(ledger, peer, "Offer" if status == "proposed" else "Create", activities.agreement(
                    agreement, seller, buyer, self._spec_namer(ledger, peer.id)))
        return agreement

    def accept_order(self, ref: str) -> Agreement:
        """Accept a purchase order a customer peer sent: it becomes a sale order here, and the customer is told."""
        return self._decide_order(ref, "accepted", "Accept")

    def reject_order(self, ref: str, reason: str | None = None) -> Agreement:
        return self._decide_order(ref, "rejected", "Reject", reason)

    def _decide_order(self, ref: str, status: str, kind: str, reason: str | None = None) -> Agreement:
        with self.writing() as ledger:
            agreement = self._agreement(ledger, ref)
            if agreement.status != "proposed" or agreement.direction != "sale":
                raise VFError("order", f"{ref!r} is not a customer's proposed order (it is a {agreement.direction}, "
                                       f"{agreement.status})")
            rows.set_status(ledger, agreement.id, status)
            peer = live_peer(ledger, agreement.counterparty)
            if peer is not None:
                self._tell(ledger, peer, kind, agreement.id, **({"summary": reason} if reason else {}))
            return rows.agreement(ledger, agreement.id)

    def _commitment(self, ledger: Ledger, agreement_id: str, position: int, line: OrderLine, seller: str,
                    buyer: str, currency: str) -> Commitment:
        field = f"commitments[{position}]"
        spec_id = self.iri("specs", line.spec)
        spec = ledger.spec(spec_id)
        if spec is None:
            raise VFError(f"{field}.resourceConformsTo", f"no resource specification {line.spec!r}")
        quantity = line.quantity if isinstance(line.quantity, Measure) else \
            Measure.parse(line.quantity, f"{field}.resourceQuantity")
        money.positive(quantity.value, f"{field}.resourceQuantity")
        if spec.default_unit_of_resource:  # counted things are not ordered by weight
            conversion_factor(quantity.unit, spec.default_unit_of_resource, f"{field}.resourceQuantity")
        price = money.positive(_amount(line.unit_price, f"{field}.unitPrice"), f"{field}.unitPrice")
        rate = money.tax_rate(_amount(line.tax_rate, f"{field}.taxRate"), f"{field}.taxRate")
        return Commitment(id=self.new_iri("commitments"), clause_of=agreement_id, position=position,
                          action="transfer", provider=seller, receiver=buyer, resource_conforms_to=spec_id,
                          resource_quantity=Measure(plain(quantity.value), quantity.unit), unit_price=price,
                          tax_rate=rate)

    def order(self, ref: str) -> OrderView:
        with self.reading() as ledger:
            return self._order_view(ledger, self._agreement(ledger, ref))

    def orders(self, direction: str | None = None) -> list[OrderView]:
        with self.reading() as ledger:
            return [self._order_view(ledger, rows.agreement(ledger, i)) for i in rows.agreement_ids(ledger, direction)]

    def _agreement(self, ledger: Ledger, ref: str, field: str = "order") -> Agreement:
        found = rows.agreement(ledger, self.iri("agreements", ref)) if ref else None
        if found is None:
            raise VFError(field, f"no order {ref!r}")
        return found

    def _order_view(self, ledger: Ledger, agreement: Agreement) -> OrderView:
        done = rows.fulfillments_of(ledger, agreement)
        lines = []
        for line in agreement.lines:
            shipped = sum((f.quantity.value for f in done if f.commitment == line.id), ZERO)
            unit = line.resource_quantity.unit
            lines.append(LineStatus(line, Measure(plain(shipped), unit),
                                    Measure(plain(max(line.resource_quantity.value - shipped, ZERO)), unit)))
        return OrderView(agreement, tuple(lines), tuple(done))

    # shipping -------------------------------------------------------------------------------------------------
    def ship(self, order: str, *parts: Ship) -> Shipment:
        """Record the transfer events of a shipment (sale) or receipt (purchase), each fulfilling an order line;
        a line may be shipped in several parts, never beyond what was ordered."""
        if not parts:
            raise VFError("fulfills", "a shipment needs at least one line")
        events, done = [], []
        with self.writing() as ledger:
            view = self._order_view(ledger, self._agreement(ledger, order))
            _check_shippable(ledger, view.agreement)
            left = {s.commitment.position: s for s in view.lines}
            for part in parts:
                status = left.get(part.line)
                if status is None:
                    raise VFError("fulfills", f"the order has no line {part.line}")
                event, fulfillment = self._ship_one(ledger, view.agreement, status, part)
                left[part.line] = LineStatus(status.commitment, status.shipped,
                                             Measure(status.backordered.value - fulfillment.quantity.value,
                                                     status.backordered.unit))
                events.append(event)
                done.append(fulfillment)
            self._tell_shipped(ledger, view.agreement, events, done)
        return Shipment(tuple(events), tuple(done))

    def _tell_shipped(self, ledger: Ledger, agreement: Agreement, events: list[EconomicEvent],
                      done: list[Fulfillment | None]) -> None:
        """A sale's shipment (or its rights) reaches a customer that is a pinned peer, one Create per event."""
        peer = _customer_peer(ledger, agreement)
        if peer is None:
            return
        spec = self._spec_namer(ledger, peer.id)
        for event, fulfillment in zip(events, done):
            thing = activities.shipped_event(event, ledger.resource(event.resource_inventoried_as),
                                             fulfillment and fulfillment.commitment, agreement.id, spec)
            self._tell(ledger, peer, "Create", thing)

    def _tell_invoiced(self, ledger: Ledger, agreement: Agreement, claim: Claim) -> None:
        """A sale's invoice (or credit note) reaches a customer that is a pinned peer, as a Create of the Claim."""
        peer = _customer_peer(ledger, agreement)
        if peer:
            self._tell(ledger, peer, "Create",
                       activities.invoice_claim(claim, agreement, self._spec_namer(ledger, peer.id)))

    def _tell(self, ledger: Ledger, peer, kind: str, thing: dict | str, **extra) -> None:
        """Write the activity for the peer into the outbox, in the caller's transaction."""
        enqueue(ledger, peer.id, peer.inbox, {"id": self.new_iri("activities"),
                                              **activities.activity(kind, self.agent_id, peer.id, thing, **extra)})

    def _spec_namer(self, ledger: Ledger, peer: str):
        """How messages to ``peer`` name a specification of ours: as the peer's own when we mapped it from one,
        else ours, described so the peer can map it."""
        def name(spec_id: str) -> dict | str:
            return self.their_spec_for(ledger, peer, spec_id) or activities.described_spec(ledger.spec(spec_id))
        return name

    def _ship_one(self, ledger: Ledger, agreement: Agreement, status: LineStatus,
                  part: Ship) -> tuple[EconomicEvent, Fulfillment]:
        from cooplink.node.service import RecordEvent  # service imports this module

        line = status.commitment
        quantity = part.quantity if isinstance(part.quantity, Measure) else Measure.parse(part.quantity)
        money.positive(quantity.value, "resourceQuantity")
        in_line_unit = quantity.to(line.resource_quantity.unit, "resourceQuantity")
        if in_line_unit.value > status.backordered.value:
            raise VFError("resourceQuantity", f"line {line.position} has {status.backordered} left to ship, "
                                              f"not {in_line_unit}")
        sale = agreement.direction == "sale"
        if sale:
            self._check_shipped_spec(ledger, part, line)
        draft = RecordEvent(CUSTODY if part.custody else "transfer", quantity, resource=part.resource,
                            to_resource=part.to_resource, new_to_resource=part.new_to_resource, lot=part.lot,
                            # goods received land in a resource of the line's (our own) specification
                            to_spec=part.to_spec or (None if sale else line.resource_conforms_to),
                            tracking_identifier=part.tracking_identifier, id=part.id,
                            provider=None if sale else agreement.counterparty,
                            receiver=agreement.counterparty if sale else "self",
                            realization_of=agreement.id, note=f"order line {line.position}")
        event = self.apply(ledger, self.event_from(ledger, draft))
        fulfillment = Fulfillment(event.id, line.id, in_line_unit)
        rows.add_fulfillment(ledger, fulfillment)
        return event, fulfillment

    def _check_shipped_spec(self, ledger: Ledger, part: Ship, line: Commitment) -> None:
        if not part.resource:
            raise VFError("resourceInventoriedAs", f"name the resource line {line.position} is shipped from")
        resource = ledger.resource(self.resource_iri(ledger, part.resource))
        if resource is not None and resource.conforms_to != line.resource_conforms_to:
            raise VFError("resourceInventoriedAs", f"{part.resource!r} is not a {line.resource_conforms_to}, "
                                                   f"which line {line.position} is for")

    def transfer_rights(self, order: str, deliveries: list[str] | None = None) -> list[EconomicEvent]:
        """The rights to goods an order's deliveries handed over in custody only (`ship --custody`): one
        transferAllRights per such delivery (by default, every one still waiting for it), of the same goods from the
        same resource, under the IRI ``{delivery}/rights``, so a delivery's rights are never transferred twice and
        the customer's node knows which of its receipts they complete. A linked customer is told."""
        from cooplink.node.service import RecordEvent  # service imports this module

        with self.writing() as ledger:
            agreement = self._agreement(ledger, order)
            custody = [e for e in (ledger.event(f.event) for f in rows.fulfillments_of(ledger, agreement))
                       if e.action == CUSTODY]
            if deliveries is not None:
                wanted = {self.iri("events", ref) for ref in deliveries}
                unknown = wanted - {e.id for e in custody}
                if unknown:
                    raise VFError("delivery", f"{sorted(unknown)[0]} is no custody delivery of this order")
                custody = [e for e in custody if e.id in wanted]
            waiting = [e for e in custody if ledger.event(rights_iri(e.id)) is None]
            if not waiting:
                raise VFError("delivery", "no delivery of this order waits for its rights (ship --custody first)")
            done = [self.apply(ledger, self.event_from(ledger, RecordEvent(
                RIGHTS, e.resource_quantity, id=rights_iri(e.id), resource=e.resource_inventoried_as,
                to_resource=e.to_resource_inventoried_as, provider=e.provider, receiver=e.receiver,
                realization_of=agreement.id, note=f"rights to the goods of {e.id}"))) for e in waiting]
            self._tell_shipped(ledger, agreement, done, [None] * len(done))
        return done

    # invoices and bills ---------------------------------------------------------------------------------------
    def create_invoice(self, order: str, deliveries: list[str] | None = None, issued_on: date | None = None,
                       number: str | None = None, note: str | None = None) -> ClaimView:
        """A Claim for deliveries of an order (by default, all not yet claimed), priced from the order. A sale's
        invoice takes the next number of the year (INV-2026-0001) in the same transaction; a purchase bill keeps
        the supplier's number."""
        with self.writing() as ledger:
            agreement = self._agreement(ledger, order)
            issued = issued_on or _now().date()
            claimed = self._deliveries(ledger, agreement, deliveries)
            lines = _claim_lines(agreement, claimed)
            number = self._claim_number(ledger, agreement, number, "INV", issued)
            seller, buyer = agreement.payment.receiver, agreement.payment.provider
            claim = Claim(id=self.new_iri("claims"), number=number, direction=agreement.direction,
                          agreement=agreement.id, provider=seller, receiver=buyer, currency=agreement.currency,
                          issued_on=issued, due_on=issued + timedelta(days=agreement.payment_terms_days),
                          lines=lines, triggered_by=tuple(sorted({f.event for f in claimed})), note=note)
            rows.add_claim(ledger, claim)
            self._tell_invoiced(ledger, agreement, claim)
            return _new_claim_view(claim)

    def record_bill(self, order: str, number: str, deliveries: list[str] | None = None,
                    issued_on: date | None = None, note: str | None = None) -> ClaimView:
        """The buyer's side of a supplier's invoice, on a purchase order."""
        with self.reading() as ledger:
            if self._agreement(ledger, order).direction != "purchase":
                raise VFError("order", f"{order!r} is a sale; a bill is recorded on a purchase order")
        return self.create_invoice(order, deliveries, issued_on, number, note)

    def _deliveries(self, ledger: Ledger, agreement: Agreement, refs: list[str] | None) -> list[Fulfillment]:
        done = rows.fulfillments_of(ledger, agreement)
        already = rows.claimed(ledger, sorted({f.event for f in done}))
        if refs is None:
            chosen = [f for f in done if f.event not in already]
            if not chosen:
                raise VFError("delivery", "the order has no delivery that is not invoiced yet")
            return chosen
        ids = [self.iri("events", r) for r in refs]
        for ref, event_id in zip(refs, ids):
            if not any(f.event == event_id for f in done):
                raise VFError("delivery", f"{ref!r} delivered nothing of this order")
            if event_id in already:
                raise VFError("delivery", f"{ref!r} is invoiced already ({already[event_id]})")
        return [f for f in done if f.event in ids]

    def _claim_number(self, ledger: Ledger, agreement: Agreement, given: str | None, prefix: str,
                      issued: date) -> str:
        if agreement.direction == "purchase":
            if not (given and given.strip()):
                raise VFError("number", "a bill keeps its supplier's invoice number: give it")
            return given.strip()
        if given:
            raise VFError("number", "this node numbers its own invoices; give no number")
        series = f"{prefix}-{issued.year}"
        return f"{series}-{rows.next_number(ledger, series):04d}"

    def invoice(self, ref: str) -> ClaimView:
        with self.reading() as ledger:
            return self._claim_view(ledger, self._claim(ledger, ref))

    def invoices(self, direction: str = "sale", order: str | None = None) -> list[ClaimView]:
        with self.reading() as ledger:
            agreement = self._agreement(ledger, order).id if order else None
            return [self._claim_view(ledger, c) for c in rows.claims_where(ledger, direction, agreement)]

    def bills(self) -> list[ClaimView]:
        return self.invoices("purchase")

    def _claim(self, ledger: Ledger, ref: str, field: str = "claim") -> Claim:
        found = rows.claim(ledger, self.iri("claims", ref)) if ref else None
        if found is None and ref:
            by_number = rows.claim_by_number(ledger, ref)
            if len(by_number) > 1:
                raise VFError(field, f"{ref!r} numbers {len(by_number)} claims; use its id")
            found = by_number[0] if by_number else None
        if found is None:
            raise VFError(field, f"no invoice or bill {ref!r}")
        return found

    def _claim_view(self, ledger: Ledger, claim: Claim) -> ClaimView:
        sums = money.totals(claim.lines, claim.currency)
        paid = sum((p.amount for p in rows.payments_of(ledger, claim.id)), ZERO)
        if claim.credits:
            nothing = money.round_money(ZERO, claim.currency)  # 0.00, as every amount of the claim is written
            return ClaimView(claim, sums, paid, nothing, nothing, "credit note",
                             tuple(rows.payments_of(ledger, claim.id)))
        credited = -sum((money.totals(c.lines, c.currency).gross for c in rows.claims_where(ledger, credits=claim.id)),
                        ZERO)
        return ClaimView(claim, sums, paid, credited, sums.gross - paid - credited,
                         money.status(sums.gross, paid + credited), tuple(rows.payments_of(ledger, claim.id)))

    # payments -------------------------------------------------------------------------------------------------
    def pay(self, claim: str, amount: Decimal | str, currency: str, paid_on: date | None = None,
            note: str | None = None) -> Payment:
        """Record a payment event that settles (part of) a claim; more than is outstanding is refused."""
        value = _amount(amount, "amount")
        code = money.currency_code(currency)
        with self.writing() as ledger:
            found = self._claim(ledger, claim)
            if found.credits:
                raise VFError("settles", f"{found.number} is a credit note; pay the invoice it credits")
            rows.lock_claim(ledger, found.id)
            money.check_payment(value, code, found.currency, self._claim_view(ledger, found).outstanding)
            payment = Payment(id=self.new_iri("events"), settles=found.id, provider=found.receiver,
                              receiver=found.provider, amount=value, currency=code, paid_on=paid_on or _now().date(),
                              note=note)
            rows.add_payment(ledger, payment)
            supplier = live_peer(ledger, found.provider) if found.direction == "purchase" else None
            if supplier is not None:  # the supplier's node marks its invoice paid
                self._tell(ledger, supplier, "Create", activities.payment_event(payment))
        return payment

    # disputes -------------------------------------------------------------------------------------------------
    def open_dispute(self, subject: str, reason: str, expected: Measure | Decimal | str,
                     actual: Measure | Decimal | str, adjust_stock: bool = True) -> Dispute:
        """A delivery (quantities expected and received) or a claim (amounts expected and billed) is disputed. When
        this node received less than the delivery says, its stock is lowered by the difference in the same
        transaction (unless ``adjust_stock`` is False): the books hold what is on the shelf."""
        if not (reason and reason.strip()):
            raise VFError("reason", "say what is wrong")
        with self.writing() as ledger:
            kind, measure, want, got = self._disputed(ledger, subject, expected, actual)
            if want == got:
                raise VFError("actual", f"expected and actual are both {want} {measure}: nothing is in dispute")
            dispute = Dispute(id=self.new_iri("disputes"), subject=self._subject_id(ledger, subject, kind),
                              subject_kind=kind, reason=reason.strip(), expected=want, actual=got, measure=measure,
                              opened_at=_now(), opened_by=self.agent_id)
            rows.add_dispute(ledger, dispute)
            if adjust_stock and kind == "delivery" and got < want:
                self._received_less(ledger, dispute)
            peer = self._dispute_peer(ledger, dispute)
            if peer is not None:
                self._tell(ledger, peer, "Create", activities.dispute(dispute))
        return dispute

    def _received_less(self, ledger: Ledger, dispute: Dispute) -> None:
        from cooplink.node.service import RecordEvent  # service imports this module

        event = ledger.event(dispute.subject)
        if event.receiver != self.agent_id or not event.to_resource_inventoried_as:
            return  # not goods this node received: nothing of ours to lower
        if event.action == CUSTODY and ledger.event(rights_iri(event.id)) is None:
            raise VFError("subject", "those goods are held in custody only, the supplier's until their rights come: "
                                     "this node has none of its own to lower (open the dispute with --keep-stock)")
        missing = Measure(plain(dispute.expected - dispute.actual), unit_named(dispute.measure))
        self.apply(ledger, self.event_from(ledger, RecordEvent(
            "lower", missing, resource=event.to_resource_inventoried_as,
            note=f"received less than delivered ({dispute.reason}); dispute {dispute.id}")))

    def _dispute_peer(self, ledger: Ledger, dispute: Dispute):
        """The live peer on the other side of the disputed delivery or claim, if it is one."""
        if dispute.subject_kind == "delivery":
            event = ledger.event(dispute.subject)
            sides = (event.provider, event.receiver)
        else:
            claim = rows.claim(ledger, dispute.subject)
            sides = (claim.provider, claim.receiver)
        other = next((side for side in sides if side != self.agent_id), None)
        return live_peer(ledger, other) if other else None

    def _disputed(self, ledger: Ledger, subject: str, expected, actual) -> tuple[str, str, Decimal, Decimal]:
        event = ledger.event(self.iri("events", subject))
        if event is not None:
            want = _measure(expected, "expected")
            got = _measure(actual, "actual").to(want.unit, "actual")
            return "delivery", want.unit.name, _not_negative(want.value, "expected"), _not_negative(got.value, "actual")
        claim = self._claim(ledger, subject, "subject")
        want, got = _amount(expected, "expected"), _amount(actual, "actual")
        return "claim", claim.currency, _not_negative(want, "expected"), _not_negative(got, "actual")

    def _subject_id(self, ledger: Ledger, subject: str, kind: str) -> str:
        return self.iri("events", subject) if kind == "delivery" else self._claim(ledger, subject).id

    def disputes(self, open_only: bool = True) -> list[Dispute]:
        with self.reading() as ledger:
            return rows.disputes_where(ledger, open_only)

    def resolve_dispute(self, dispute: str, credit: dict[int, Measure | str] | None = None,
                        corrected_by: str | None = None, invoice: str | None = None) -> Dispute:
        """Close a dispute by a credit note (invoice lines and the quantities credited on them; the invoice is the
        disputed claim, or the one the disputed delivery triggered) or by a corrected delivery (an event)."""
        if (credit is None) == (corrected_by is None):
            raise VFError("resolvedBy", "resolve by a credit note or by a corrected delivery, one of the two")
        with self.writing() as ledger:
            found = rows.dispute(ledger, self.iri("disputes", dispute))
            if found is None:
                raise VFError("dispute", f"no dispute {dispute!r}")
            if not found.open:
                raise VFError("dispute", f"dispute {dispute!r} is resolved already")
            if credit is not None:
                target = self._claim(ledger, invoice) if invoice else self._disputed_claim(ledger, found)
                if target.direction == "purchase" and live_peer(ledger, target.provider) is not None:
                    raise VFError("credit", f"{target.provider} is a linked peer: its node issues the credit note")
                resolved_by = self._credit_note(ledger, target, credit).id
            else:
                if ledger.event(self.iri("events", corrected_by)) is None:
                    raise VFError("resolvedBy", f"no event {corrected_by!r}")
                resolved_by = self.iri("events", corrected_by)
            rows.resolve(ledger, found.id, resolved_by)
            resolved = rows.dispute(ledger, found.id)
            peer = self._dispute_peer(ledger, resolved)
            if peer is not None:  # after the credit note's own message, if any: the peer applies them in order
                self._tell(ledger, peer, "Update", resolved.id, result=activities.dispute_resolved(resolved))
            return resolved

    def _disputed_claim(self, ledger: Ledger, dispute: Dispute) -> Claim:
        if dispute.subject_kind == "claim":
            return rows.claim(ledger, dispute.subject)
        claim_id = rows.claimed(ledger, [dispute.subject]).get(dispute.subject)
        if claim_id is None:
            raise VFError("invoice", "the disputed delivery is not invoiced; name the invoice to credit")
        return rows.claim(ledger, claim_id)

    def credit_note(self, invoice: str, credit: dict[int, Measure | str], note: str | None = None) -> ClaimView:
        with self.writing() as ledger:
            claim = self._credit_note(ledger, self._claim(ledger, invoice), credit, note)
            return self._claim_view(ledger, claim)

    def _credit_note(self, ledger: Ledger, invoice: Claim, credit: dict[int, Measure | str],
                     note: str | None = None) -> Claim:
        if invoice.credits:
            raise VFError("credits", f"{invoice.number} is itself a credit note")
        if not credit:
            raise VFError("lines", "a credit note needs at least one line")
        lines = tuple(_credit_line(invoice, i, position, quantity)
                      for i, (position, quantity) in enumerate(sorted(credit.items()), 1))
        outstanding = self._claim_view(ledger, invoice).outstanding
        if -money.totals(lines, invoice.currency).gross > outstanding:
            raise VFError("lines", f"the credit is more than the {outstanding} {invoice.currency} outstanding")
        issued = _now().date()
        agreement = rows.agreement(ledger, invoice.agreement)
        number = self._claim_number(ledger, agreement, f"CN-{invoice.number}" if invoice.direction == "purchase"
                                    else None, "CN", issued)
        claim = Claim(id=self.new_iri("claims"), number=number, direction=invoice.direction,
                      agreement=invoice.agreement, provider=invoice.provider, receiver=invoice.receiver,
                      currency=invoice.currency, issued_on=issued, due_on=issued, lines=lines, credits=invoice.id,
                      note=note)
        rows.add_claim(ledger, claim)
        self._tell_invoiced(ledger, agreement, claim)
        return claim


def _new_claim_view(claim: Claim) -> ClaimView:
    """A claim just written: nothing paid or credited yet (no need to ask the database)."""
    sums = money.totals(claim.lines, claim.currency)
    nothing = money.round_money(ZERO, claim.currency)
    return ClaimView(claim, sums, nothing, nothing, sums.gross, money.status(sums.gross, ZERO), ())


def live_peer(ledger: Ledger, agent: str):
    """The peer row of an agent that is a live pinned peer; None otherwise (nothing is told to it)."""
    peer = federation.peer(ledger, agent)
    return peer if peer is not None and peer.removed_at is None else None


def _customer_peer(ledger: Ledger, agreement: Agreement):
    return live_peer(ledger, agreement.counterparty) if agreement.direction == "sale" else None


def _check_shippable(ledger: Ledger, agreement: Agreement) -> None:
    if agreement.status != "accepted":
        raise VFError("order", f"the order is {agreement.status}: only an accepted order is shipped"
                               + (" (cooplink order accept)" if agreement.status == "proposed" else ""))
    if agreement.direction == "purchase" and live_peer(ledger, agreement.counterparty) is not None:
        raise VFError("order", f"{agreement.counterparty} is a linked peer: its deliveries arrive by themselves")


def _priced(line: Commitment, quantity: Measure, currency: str, position: int | None = None) -> ClaimLine:
    return ClaimLine(position=position or line.position, resource_conforms_to=line.resource_conforms_to,
                     resource_quantity=quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
                     net=money.line_net(quantity.value, line.unit_price, currency), commitment=line.id)


def _claim_lines(agreement: Agreement, delivered: list[Fulfillment]) -> tuple[ClaimLine, ...]:
    """One line per order line delivered, its quantity the sum of the deliveries claimed (in the line's unit)."""
    lines = []
    for commitment in agreement.lines:
        quantity = sum((f.quantity.value for f in delivered if f.commitment == commitment.id), ZERO)
        if quantity:
            measure = Measure(plain(quantity), commitment.resource_quantity.unit)
            lines.append(_priced(commitment, measure, agreement.currency, len(lines) + 1))
    return tuple(lines)


def _credit_line(invoice: Claim, position: int, invoice_line: int, quantity: Measure | str) -> ClaimLine:
    line = next((each for each in invoice.lines if each.position == invoice_line), None)
    if line is None:
        raise VFError("lines", f"{invoice.number} has no line {invoice_line}")
    measure = _measure(quantity, "resourceQuantity").to(line.resource_quantity.unit, "resourceQuantity")
    money.positive(measure.value, "resourceQuantity")
    if measure.value > line.resource_quantity.value:
        raise VFError("resourceQuantity", f"line {invoice_line} invoiced {line.resource_quantity}, "
                                          f"not {measure} to credit")
    negative = Measure(-measure.value, measure.unit)
    return ClaimLine(position=position, resource_conforms_to=line.resource_conforms_to, resource_quantity=negative,
                     unit_price=line.unit_price, tax_rate=line.tax_rate,
                     net=money.line_net(negative.value, line.unit_price, invoice.currency),
                     commitment=line.commitment)


def _measure(value: Measure | str, field: str) -> Measure:
    return value if isinstance(value, Measure) else Measure.parse(str(value), field)


def _not_negative(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise VFError(field, f"must be zero or more, got {value}")
    return value
