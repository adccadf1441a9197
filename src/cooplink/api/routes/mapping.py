"""Product maps: which of this node's specifications a peer's specification is, and the review queue of those a
peer's messages named before anybody mapped them (the messages wait until a member decides)."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cooplink.api.auth import NodeDep, member, viewer
from cooplink.api.errors import documented
from cooplink.vf.errors import VFError

router = APIRouter(prefix="/mappings", tags=["product mapping"], responses=documented(400, 401, 403, 422))


class MapIn(BaseModel):
    peer: str = Field(description="The peer's URL.", examples=["https://coop-a.example"])
    their_spec: str = Field(description="The peer's specification IRI.",
                            examples=["https://coop-a.example/specs/widget"])
    our_spec: str | None = Field(None, description="This node's specification (ref or IRI); approving without "
                                                   "one takes the review's suggestion.", examples=["widget"])


class MapOut(BaseModel):
    peer: str
    their_spec: str
    our_spec: str
    learned_at: str


class ReviewOut(BaseModel):
    peer: str
    their_spec: str
    name: str | None
    classified_as: list[str]
    unit: str | None
    suggestion: str | None
    first_seen_at: str
    decision: str | None
    decided_at: str | None


def _review(found) -> ReviewOut:
    return ReviewOut(**{**found.__dict__, "classified_as": list(found.classified_as)})


@router.get("", dependencies=[viewer])
def maps(node: NodeDep, peer: str | None = None) -> list[MapOut]:
    """Every map learned (of one peer, with ?peer=)."""
    return [MapOut(**m.__dict__) for m in node.product_maps(peer)]


@router.post("", dependencies=[member], status_code=201)
def add_map(body: MapIn, node: NodeDep) -> MapOut:
    """Map a peer's specification to ours; the messages that waited for it are applied in the same transaction."""
    if not body.our_spec:
        raise VFError("our_spec", "name the local specification it maps to")
    return MapOut(**node.map_spec(body.peer, body.their_spec, body.our_spec).__dict__)


@router.get("/reviews", dependencies=[viewer])
def reviews(node: NodeDep, all: bool = False) -> list[ReviewOut]:
    """Specifications peers named that are not mapped yet, each with a suggestion (open ones; ?all=true: all)."""
    return [_review(r) for r in node.mapping_reviews(open_only=not all)]


@router.post("/reviews/approve", dependencies=[member])
def approve(body: MapIn, node: NodeDep) -> MapOut:
    """Approve a review: learn the map (to our_spec, by default the suggestion) and apply what waited."""
    return MapOut(**node.approve_mapping(body.peer, body.their_spec, body.our_spec).__dict__)


@router.post("/reviews/reject", dependencies=[member])
def reject(body: MapIn, node: NodeDep) -> ReviewOut:
    """This node takes no such goods from the peer: what waited for it is refused."""
    return _review(node.reject_mapping(body.peer, body.their_spec))
