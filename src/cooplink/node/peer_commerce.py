"""What a peer's messages record here (part of the Node service), each inside the inbox's transaction: the link
layer has checked the signature and that the peer speaks only for its own objects, and built the VF objects; these
methods check them against this node's books and record them under the peer's ids. A VFError refuses the whole
activity (nothing recorded)."""

from datetime import datetime

from cooplink.ledger import commerce as rows
from cooplink.ledger.repository import Ledger
from cooplink.vf import agreements as money
from cooplink.vf.agreements import ZERO
from cooplink.vf.errors import VFError
from cooplink.vf.model import Agreement, Claim, Dispute, EconomicEvent, Fulfillment, Payment



class PeerCommerce:
    """Mixed into Node."""

    def record_peer_order(self, ledger: Ledger, order: Agreement) -> None:
        """A sale order a supplier peer made for us (a purchase here), or a purchase order a customer peer
        proposes (a sale here, proposed until accepted)."""
        if rows.agreement(ledger, order.id) is not None:
            raise VFError("object.id", f"order {order.id} is recorded here already")
        rows.add_agreement(ledger, order)

    def peer_decided_order(self, ledger: Ledger, peer: str, order_id: str, status: str) -> None:
        """The supplier accepted or rejected the purchase order we proposed."""
        order = self._peer_order(ledger, peer, order_id, "purchase")
        if order.status != "proposed":
            raise VFError("object", f"order {order_id} is {order.status}, not proposed")
        rows.set_status(ledger, order.id, status)

    def record_peer_delivery(self, ledger: Ledger, event: EconomicEvent, order: Agreement, commitment_id: str) -> None:
        """A received transfer fulfils the line of our purchase order it names."""
        self._peer_order(ledger, event.provider, order.id, "purchase")
        if order.status != "accepted":
            raise VFError("object.fulfills", f"order {order.id} is {order.status}, not accepted")
        line = next(c for c in order.lines if c.id == commitment_id)
        received = ledger.resource(event.to_resource_inventoried_as)
        if received is not None and received.conforms_to != line.resource_conforms_to:
            raise VFError("object.resourceConformsTo", f"line {line.position} orders {line.resource_conforms_to}, "
                                                       f"but the goods map to {received.conforms_to}")
        quantity = event.resource_quantity.to(line.resource_quantity.unit, "object.resourceQuantity")
        done = sum((f.quantity.value for f in rows.fulfillments_of(ledger, order) if f.commitment == line.id), ZERO)
        if done + quantity.value > line.resource_quantity.value:
            raise VFError("object.resourceQuantity", f"line {line.position} ordered {line.resource_quantity}; "
                                                     f"{done} came before, {quantity.value} more is too much")
        rows.add_fulfillment(ledger, Fulfillment(event.id, line.id, quantity))

    def record_peer_bill(self, ledger: Ledger, order: Agreement, claim: Claim) -> None:
        """A supplier peer's invoice (or credit note) as our purchase bill, under the same claim id and number, on
        its order (mirrored from the invoice when this node does not hold it: an order from before the link)."""
        held = rows.agreement(ledger, order.id)
        if held is None:
            rows.add_agreement(ledger, order)
        elif held.direction != "purchase" or held.counterparty != claim.provider:
            raise VFError("object.agreement", f"{order.id} is not a purchase order from {claim.provider}")
        if claim.credits:
            self._check_credit(ledger, claim)
        rows.add_claim(ledger, claim)

    def _check_credit(self, ledger: Ledger, note: Claim) -> None:
        bill = rows.claim(ledger, note.credits)
        if bill is None or bill.direction != "purchase" or bill.provider != note.provider or bill.credits:
            raise VFError("object.credits", f"{note.credits} is not a bill from {note.provider} held here")
        outstanding = self._claim_view(ledger, bill).outstanding
        if -money.totals(note.lines, note.currency).gross > outstanding:
            raise VFError("object.lines", f"the credit is more than the {outstanding} {bill.currency} outstanding")

    def record_peer_payment(self, ledger: Ledger, payment: Payment) -> None:
        """A customer peer paid (part of) our invoice."""
        claim = rows.claim(ledger, payment.settles)
        if claim is None or claim.direction != "sale" or claim.receiver != payment.provider or claim.credits:
            raise VFError("object.settles", f"{payment.settles} is not an invoice of ours to {payment.provider}")
        rows.lock_claim(ledger, claim.id)
        money.check_payment(payment.amount, payment.currency, claim.currency,
                            self._claim_view(ledger, claim).outstanding)
        rows.add_payment(ledger, payment)

    def record_peer_dispute(self, ledger: Ledger, dispute: Dispute) -> None:
        """A peer disputes a delivery or a claim between it and us."""
        if self._parties(ledger, dispute.subject, dispute.subject_kind) != {self.agent_id, dispute.opened_by}:
            raise VFError("object.subject", f"{dispute.subject} is no {dispute.subject_kind} between "
                                            f"{dispute.opened_by} and this node")
        if rows.dispute(ledger, dispute.id) is not None:
            raise VFError("object.id", f"dispute {dispute.id} is recorded here already")
        rows.add_dispute(ledger, dispute)

    def peer_resolved_dispute(self, ledger: Ledger, peer: str, dispute_id: str, resolved_by: str,
                              resolved_at: datetime) -> bool:
        """The peer resolved a dispute between us; False while what resolved it (its credit note or corrected
        delivery) has not arrived here yet."""
        found = rows.dispute(ledger, dispute_id)
        if found is None or peer not in self._parties(ledger, found.subject, found.subject_kind):
            raise VFError("object", f"no dispute {dispute_id} with {peer} here")
        if not found.open:
            raise VFError("object", f"dispute {dispute_id} is resolved already")
        if rows.claim(ledger, resolved_by) is None and ledger.event(resolved_by) is None:
            return False
        rows.resolve(ledger, found.id, resolved_by, resolved_at.isoformat())
        return True

    def _peer_order(self, ledger: Ledger, peer: str, order_id: str, direction: str) -> Agreement:
        order = rows.agreement(ledger, order_id)
        if order is None or order.counterparty != peer or order.direction != direction:
            raise VFError("object", f"no {direction} order {order_id} with {peer} here")
        return order

    def _parties(self, ledger: Ledger, subject: str, kind: str) -> set[str]:
        if kind == "delivery":
            event = ledger.event(subject)
            return {event.provider, event.receiver} if event else set()
        claim = rows.claim(ledger, subject)
        return {claim.provider, claim.receiver} if claim else set()
