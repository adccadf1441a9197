"""Who may do what. Closed by default: every route declares the least role it needs, and create_app refuses to
start if a route declares none.

Roles are ordered; each may do all that the ones before it may:

- viewer: read everything (inventory, resources, history, trace, events, specs, processes, modules);
- member: also record events, corrections, processes and specifications, and use module routes;
- admin:  also verify the ledger, manage API tokens, and enable or disable modules.

Peers are no role: they use only the routes declared ``peer`` (the inbox, and the signed reads under /peer/),
authenticated by signature.

Scripts send ``Authorization: Bearer <token>``. A browser may instead carry the token in the cookie POST /login
sets; the cookie counts only for GET and HEAD, so a form on another site can never make a write with it.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cooplink.api.errors import ApiError
from cooplink.link.signatures import SignatureRefused
from cooplink.link.signers import signer
from cooplink.node import Node
from cooplink.node.tokens import ROLES

COOKIE = "cooplink_token"
SAFE_METHODS = ("GET", "HEAD")
bearer = HTTPBearer(auto_error=False, description="An API token: `cooplink token create --role ROLE --name NAME`.")


@dataclass(frozen=True)
class Caller:
    token_id: str
    role: str


def node_of(request: Request) -> Node:
    return request.app.state.node


NodeDep = Annotated[Node, Depends(node_of)]  # the node the app serves


def _secret(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    if credentials is not None:
        return credentials.credentials
    if "authorization" in request.headers:  # present but not "Bearer <token>": no fallback to the cookie
        return None
    return request.cookies.get(COOKIE) if request.method in SAFE_METHODS else None


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    found = node_of(request).authenticate(_secret(request, credentials))
    if found is None:
        raise ApiError(401, "Authorization", "a valid API token is required (Authorization: Bearer <token>)",
                       headers={"WWW-Authenticate": "Bearer"})
    return Caller(*found)


def require(role: str):
    """A dependency admitting callers whose role is ``role`` or above."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {ROLES}")

    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if ROLES.index(who.role) < ROLES.index(role):
            raise ApiError(403, "role", f"this needs the {role} role; the token has {who.role}")
        return who

    check.least_role = role
    return check


def public() -> None:
    """Declares a route open to anybody (only /actor, /health and the login form)."""


public.least_role = None



def peer() -> None:
    """Declares a route for peers only (POST /inbox, GET /peer/...): a peer is known by its RFC 9421 signature,
    which the route checks itself (the inbox with its body's digest; the reads through ``SignedPeer``). API tokens
    count for nothing there."""


peer.least_role = "peer"


def own_url(node: Node, request: Request) -> str:
    """The URL a peer signed: this node's base URL as it names itself (not the Host header), with the path and
    query asked for, so a request signed for another node, path or query fails."""
    return f"{node.base_url}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")


def requesting_peer(request: Request) -> str:
    """The peer that signed this bodiless request (a GET signed like the inbox's POSTs, over an empty body),
    checked against its pinned key before anything is read: 401 unsigned, tampered or expired; 403 an unknown or
    removed peer."""
    node = node_of(request)
    try:
        return signer(node, request.method, own_url(node, request), dict(request.headers), b"").peer
    except SignatureRefused as refusal:
        raise ApiError(refusal.status, "Signature", refusal.reason) from None


SignedPeer = Annotated[str, Depends(requesting_peer)]  # the actor IRI of the peer that signed the request

anybody = Depends(public)
signed_by_peer = Depends(peer)
viewer, member, admin = (Depends(require(r)) for r in ROLES)


def declared_role(route) -> tuple[bool, str | None]:
    """Whether the route declares who may use it (anywhere among its dependencies), and the least role."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if hasattr(dependency.call, "least_role"):
            return True, dependency.call.least_role
        pending.extend(dependency.dependencies)
    return False, None
