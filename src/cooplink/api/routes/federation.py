"""What peers use: the node's actor document (open to anybody) and its inbox (peers only, by signature).

The inbox takes no API token: a peer is known by the key it signs with, and nothing else gets in."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from cooplink.api.auth import NodeDep, anybody, own_url, signed_by_peer
from cooplink.link import inbox, peers

router = APIRouter(tags=["federation"])
ACTIVITY_JSON = peers.ACTIVITY_JSON

_ACTOR_EXAMPLE = {"type": "Organization", "id": "https://coop-a.example", "name": "Coop A",
                  "inbox": "https://coop-a.example/inbox",
                  "assertionMethod": [{"id": "https://coop-a.example/actor#main-key", "type": "Multikey",
                                       "controller": "https://coop-a.example",
                                       "publicKeyMultibase": "z6Mk..."}]}


@router.get("/actor", dependencies=[anybody],
            responses={200: {"content": {ACTIVITY_JSON: {"example": _ACTOR_EXAMPLE}}}})
def actor(node: NodeDep) -> JSONResponse:
    """The node's ActivityStreams actor document: who it is, where its inbox is, and the Ed25519 key its messages
    are signed with (a Multikey, FEP-521a). Open to anybody: peers pin the key from here."""
    return JSONResponse(peers.actor_document(node), media_type=ACTIVITY_JSON)


@router.post("/inbox", dependencies=[signed_by_peer], responses={
    200: {"description": "Applied, or a duplicate of an activity applied before (no second effect)."},
    400: {"description": "The body is not an ActivityStreams activity."},
    401: {"description": "Unsigned, or a signature, digest or freshness window that does not check out."},
    403: {"description": "An unknown or removed peer, or an activity about objects the sender does not own."},
    422: {"description": "Understood but not applied (nothing recorded)."}})
async def receive(request: Request, node: NodeDep) -> JSONResponse:
    """Where peers POST signed activities (RFC 9421, Ed25519). Checked before the body is read as data; applied
    in one transaction with its inbox record. Open to peers only: API tokens count for nothing here."""
    body = await request.body()
    outcome = await run_in_threadpool(inbox.receive, node, request.method, own_url(node, request),
                                      dict(request.headers), body)
    return JSONResponse(outcome.body, status_code=outcome.status)
