"""What a peer may read from this node: a GET signed like the inbox's POSTs (RFC 9421, over an empty body), checked
against the peer's pinned key before anything is read. No API token opens these routes, and each answers about the
requesting peer only: the records it shares with this node (for `cooplink reconcile`); with the ``trace`` grant,
where goods this node sent it came from (`cooplink trace --across`); with the ``track`` grant, where goods it sent
this node went (`cooplink track --across`, a recall)."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from cooplink.api.auth import NodeDep, SignedPeer, signed_by_peer
from cooplink.api.errors import ApiError, documented
from cooplink.api.schemas import ErrorOut
from cooplink.link import peer_reads
from cooplink.node import peer_trace, reconcile

router = APIRouter(prefix="/peer", tags=["federation"], dependencies=[signed_by_peer],
                   responses={**documented(422),
                              401: {"model": ErrorOut, "description": "Unsigned, or a signature, digest or freshness "
                                                                      "window that does not check out."},
                              403: {"model": ErrorOut, "description": "An unknown or removed peer, or (trace) what "
                                                                      "this node does not share with it."}})


Hops = Annotated[int, Query(ge=1, le=peer_reads.MAX_HOPS, description=(
    "Nodes to reach: 1 answers from this ledger alone; more asks this node's peers where the trail leaves it "
    "(each under the grant it gave this node), and they theirs."))]
Within = Annotated[float, Query(gt=0, le=peer_reads.MAX_WITHIN, description=(
    "Seconds this node may spend asking its peers."))]


@router.get("/records")
def records(peer: SignedPeer, node: NodeDep) -> JSONResponse:
    """Everything this node holds that it shares with the requesting peer, as canonical JSON: orders, deliveries,
    claims, payments, disputes; this node's product map for the peer, and its messages to and from the peer that
    are still in flight."""
    return JSONResponse(reconcile.records(node, peer))


@router.get("/trace")
def trace(resource: Annotated[str, Query(description="The IRI of a resource this node transferred to the peer.")],
          peer: SignedPeer, node: NodeDep,
          hops: Hops = 1, within: Within = peer_reads.FETCH_SECONDS) -> JSONResponse:
    """Where a resource this node transferred to the requesting peer came from, up to that transfer: only with
    the ``trace`` grant (`cooplink peer grant PEER trace`); 403 with the reason otherwise. A step held in a
    supplier's ledger carries ``across``: what the supplier answered, or why not."""
    return _trail(node, {"resource": resource}, lambda: peer_trace.trace_for_peer(node, peer, resource),
                  peer_reads.UPSTREAM, hops, within)


@router.get("/track")
def track(event: Annotated[str, Query(description="The IRI of a transfer from the peer to this node.")],
          peer: SignedPeer, node: NodeDep, hops: Hops = 1, within: Within = peer_reads.FETCH_SECONDS) -> JSONResponse:
    """Where goods the requesting peer transferred to this node went from here (the forward track from the resource
    the transfer filled, from then on), with who received what this node handed on: only with the ``track`` grant
    (`cooplink peer grant PEER track`); 403 with the reason otherwise. An event that handed goods to another peer
    of this node carries ``across``: what that peer answered, or why not."""
    return _trail(node, {"event": event}, lambda: peer_trace.track_for_peer(node, peer, event),
                  peer_reads.DOWNSTREAM, hops, within)


def _trail(node, asked: dict, read, direction: peer_reads.Direction, hops: int, within: float) -> JSONResponse:
    """This node's part of the trail (403 when it is not shared), and its peers' parts while hops are left."""
    try:
        steps = read()
    except peer_trace.NotShared as refusal:
        raise ApiError(403, refusal.field, refusal.reason) from None
    return JSONResponse({"node": node.agent_id, **asked,
                         "steps": peer_reads.follow_on(node, direction, steps, hops, within)})
