"""Product mapping (part of the Node service): each node names goods by its own specifications, so what a peer's
message names (its specification IRI) is mapped once to one of ours. A specification not mapped yet is never
guessed into stock: it waits in a review queue with a suggestion (from classification, then name), and the
activities that name it wait with it; approving learns the map and applies them, rejecting refuses them."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher

from cooplink.ledger import federation
from cooplink.ledger import product_map as rows
from cooplink.ledger.repository import Ledger
from cooplink.vf.errors import VFError
from cooplink.vf.model import ResourceSpecification
from cooplink.vf.units import conversion_factor, unit_named

NAME_LIKENESS = 0.6  # below this a name alone suggests nothing


@dataclass(frozen=True)
class ProductMap:
    peer: str
    their_spec: str
    our_spec: str
    learned_at: str


@dataclass(frozen=True)
class MappingReview:
    peer: str
    their_spec: str
    name: str | None
    classified_as: tuple[str, ...]
    unit: str | None
    suggestion: str | None
    first_seen_at: str
    decision: str | None  # approved | rejected | None while open
    decided_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class MappingCommands:
    """Mixed into Node: each public method one transaction."""

    def map_spec(self, peer: str, their_spec: str, our_spec: str) -> ProductMap:
        """Map a peer's specification to ours (again, if it was mapped before); an open review of it is approved,
        and the activities that waited for it are applied in the same transaction."""
        with self.writing() as ledger:
            found = self._learn(ledger, peer, their_spec, our_spec)
            self._rerun_waiting(ledger)
            return found

    def approve_mapping(self, peer: str, their_spec: str, our_spec: str | None = None) -> ProductMap:
        """Approve a review: map to ``our_spec``, by default the suggestion."""
        with self.writing() as ledger:
            review = self._open_review(ledger, peer, their_spec)
            chosen = our_spec or review.suggestion
            if not chosen:
                raise VFError("ourSpec", "no suggestion to approve: name the local specification it maps to")
            found = self._learn(ledger, review.peer, review.their_spec, chosen)
            self._rerun_waiting(ledger)
            return found

    def reject_mapping(self, peer: str, their_spec: str) -> MappingReview:
        """This node takes no such goods from that peer: the activities that wait for it are refused."""
        with self.writing() as ledger:
            review = self._open_review(ledger, peer, their_spec)
            rows.decide(ledger, review.peer, review.their_spec, "rejected", _now())
            self._rerun_waiting(ledger)
            return _review(rows.review(ledger, review.peer, review.their_spec))

    def unmap_spec(self, peer: str, their_spec: str) -> None:
        with self.writing() as ledger:
            peer_id = self._mapping_peer(ledger, peer)
            if not rows.forget(ledger, peer_id, their_spec.rstrip("/")):
                raise VFError("theirSpec", f"{their_spec} is not mapped")

    def product_maps(self, peer: str | None = None) -> list[ProductMap]:
        with self.reading() as ledger:
            return [ProductMap(r.peer, r.their_spec, r.our_spec, r.learned_at)
                    for r in rows.maps(ledger, peer and peer.rstrip("/"))]

    def mapping_reviews(self, open_only: bool = True) -> list[MappingReview]:
        with self.reading() as ledger:
            return [_review(r) for r in rows.reviews(ledger, open_only)]

    # inside the inbox's transaction ----------------------------------------------------------------------------
    def map_received_spec(self, ledger: Ledger, peer: str, theirs: dict | str, field: str) -> str | None:
        """Our specification for what a peer's message names: one of ours named by its own IRI, or the mapped one.
        None when it is not mapped yet (a review is queued, with a suggestion); VFError when the review was
        rejected."""
        their_id = _spec_id(theirs, field)
        if self.owns(their_id):
            if ledger.spec(their_id) is None:
                raise VFError(field, f"this node has no specification {their_id}")
            return their_id
        if not their_id.startswith(peer + "/"):
            raise VFError(field, f"{their_id} is neither this node's specification nor the sender's")
        ours = rows.mapped(ledger, peer, their_id)
        if ours is not None:
            return ours
        review = rows.review(ledger, peer, their_id)
        if review is not None and review.decision == "rejected":
            raise VFError(field, f"{their_id} was rejected in review: this node takes no such goods from {peer}")
        if review is None:
            described = theirs if isinstance(theirs, dict) else {}
            name, classes, unit = _described(described)
            rows.ask(ledger, peer, their_id, name, classes, unit, _suggest(ledger.specs(), name, classes, unit),
                     _now())
        return None

    def their_spec_for(self, ledger: Ledger, peer: str, our_spec: str) -> str | None:
        """The peer's specification ours is mapped from, when exactly one is: what to name in a message to it."""
        found = rows.mapped_from(ledger, peer, our_spec)
        return found[0] if len(found) == 1 else None

    # ----------------------------------------------------------------------------------------------------------
    def _learn(self, ledger: Ledger, peer: str, their_spec: str, our_spec: str) -> ProductMap:
        peer_id = self._mapping_peer(ledger, peer)
        their_spec = their_spec.rstrip("/")
        if not their_spec.startswith(peer_id + "/"):
            raise VFError("theirSpec", f"{their_spec} is not a specification of {peer_id}")
        ours = self.iri("specs", our_spec)
        if ledger.spec(ours) is None:
            raise VFError("ourSpec", f"no resource specification {our_spec!r}")
        now = _now()
        rows.learn(ledger, peer_id, their_spec, ours, now)
        review = rows.review(ledger, peer_id, their_spec)
        if review is not None and review.decision is None:
            rows.decide(ledger, peer_id, their_spec, "approved", now)
        return ProductMap(peer_id, their_spec, ours, now)

    def _mapping_peer(self, ledger: Ledger, peer: str) -> str:
        peer_id = peer.rstrip("/")
        if federation.peer(ledger, peer_id) is None:
            raise VFError("peer", f"no peer {peer!r} (see 'cooplink peer list')")
        return peer_id

    def _open_review(self, ledger: Ledger, peer: str, their_spec: str) -> MappingReview:
        found = rows.review(ledger, self._mapping_peer(ledger, peer), their_spec.rstrip("/"))
        if found is None or found.decision is not None:
            raise VFError("theirSpec", f"no open review of {their_spec}")
        return _review(found)

    def _rerun_waiting(self, ledger: Ledger) -> None:
        from cooplink.link.inbox import rerun_waiting  # the link layer applies what waited; it imports the node

        rerun_waiting(self, ledger)


def _review(row) -> MappingReview:
    return MappingReview(peer=row.peer, their_spec=row.their_spec, name=row.name,
                         classified_as=tuple(json.loads(row.classified_as)), unit=row.unit,
                         suggestion=row.suggestion, first_seen_at=row.first_seen_at, decision=row.decision,
                         decided_at=row.decided_at)


def _spec_id(theirs, field: str) -> str:
    spec_id = theirs.get("id") if isinstance(theirs, dict) else theirs
    if not isinstance(spec_id, str) or not spec_id.startswith(("http://", "https://")):
        raise VFError(field, "name the specification by its IRI")
    return spec_id.rstrip("/")


def _described(spec: dict) -> tuple[str | None, list[str], str | None]:
    """Name, classifications and unit as the peer describes its specification (each may be missing)."""
    name = spec.get("name") if isinstance(spec.get("name"), str) else None
    classes = spec.get("resourceClassifiedAs")
    classes = [c for c in (classes if isinstance(classes, list) else [classes]) if isinstance(c, str)]
    try:
        unit = unit_named(spec["defaultUnitOfResource"]).name if isinstance(spec.get("defaultUnitOfResource"),
                                                                              str) else None
    except VFError:  # a unit this node does not know suggests nothing
        unit = None
    return name, classes, unit


def _suggest(specs: list[ResourceSpecification], name: str | None, classes: list[str],
             unit: str | None) -> str | None:
    """The local specification most like the peer's: most shared classifications first, then the likest name;
    never one whose unit cannot hold the peer's quantities."""
    best, best_score = None, (0, 0.0, 0.0)
    for spec in specs:
        if not _unit_fits(spec, unit):
            continue
        shared = len(set(classes) & set(spec.resource_classified_as))
        score = (shared, *_likeness(name or "", spec.name))
        if (shared or score[1] >= NAME_LIKENESS) and score > best_score:
            best, best_score = spec.id, score
    return best


def _likeness(theirs: str, ours: str) -> tuple[float, float]:
    """How alike two names are: their likest pair of words ("Widgets" and "Widget (component)"), then the whole."""
    def words(text: str) -> list[str]:
        return [w for w in "".join(c if c.isalnum() else " " for c in text.casefold()).split() if len(w) > 2]

    pairs = [SequenceMatcher(None, a, b).ratio() for a in words(theirs) for b in words(ours)]
    return max(pairs, default=0.0), SequenceMatcher(None, theirs.casefold(), ours.casefold()).ratio()


def _unit_fits(spec: ResourceSpecification, unit: str | None) -> bool:
    if unit is None or spec.default_unit_of_resource is None:
        return True
    try:
        conversion_factor(unit_named(unit), spec.default_unit_of_resource)
    except VFError:
        return False
    return True
