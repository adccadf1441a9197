"""Reading from a peer: GET {peer}/peer/... signed like the inbox's POSTs (RFC 9421, Ed25519, over an empty body),
and what this node does with the answers: reconcile (compare the records both nodes hold about what they share)
and trace across nodes (follow a trail into the ledger of the peer the goods came from)."""

from dataclasses import dataclass

import httpx

from cooplink.link import peers
from cooplink.link.peers import Peer
from cooplink.link.signatures import sign
from cooplink.node.reconcile import Difference, compare, records
from cooplink.vf.errors import VFError
from cooplink.vf.trace import Step

FETCH_SECONDS = 5.0


class Unreachable(VFError):
    """The peer did not answer (down, wrong address, too slow)."""


class ReadRefused(VFError):
    """The peer answered, but not with what was asked: a refusal (401 it does not know our key, 403 we are not
    its peer or hold no grant) or an answer this node cannot read."""

    def __init__(self, status: int | None, field: str, reason: str):
        super().__init__(field, reason)
        self.status = status


def fetch(node, peer: Peer | str, path: str, params: dict[str, str] | None = None, timeout: float = FETCH_SECONDS):
    """GET ``path`` (with its query) from the peer (a Peer, or its URL), signed with this node's key; the JSON it
    answers. Unreachable when it does not answer, ReadRefused when it refuses."""
    peer = peer if isinstance(peer, Peer) else live_peer(node, peer)
    url = httpx.URL(f"{peer.id}{path}", params=params or None)
    headers = {**sign(peers.node_key(node), "GET", str(url), b""), "Accept": "application/json"}
    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        raise Unreachable("peer", f"cannot reach {peer.name} at {peer.id}: {error or type(error).__name__}") from None
    if not response.is_success:
        raise ReadRefused(response.status_code, "peer", f"{peer.name} refused ({response.status_code}): "
                                                        f"{_reason(response)}")
    try:
        return response.json()
    except ValueError:
        raise ReadRefused(None, "peer", f"{peer.name} answered {path} with no JSON") from None


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or "no reason given"
    if isinstance(body, dict) and "reason" in body:
        return f"{body.get('field')}: {body['reason']}"
    return str(body)[:200]


def live_peer(node, ref: str) -> Peer:
    found = peers.peer(node, ref)
    if found.removed_at is not None:
        raise VFError("peer", f"{found.id} was removed (cooplink peer add brings it back)")
    return found


# reconcile ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reconciliation:
    peer: Peer
    differences: list[Difference]
    ours: dict  # in flight here: {"outbox": {pending, dead} to the peer, "inbox": {waiting, refused} from it}
    theirs: dict  # the same, on the peer, about this node


def reconcile(node, ref: str, timeout: float = FETCH_SECONDS) -> Reconciliation:
    """Ask the peer for the records it shares with this node and compare them with ours."""
    peer = live_peer(node, ref)
    theirs = fetch(node, peer, "/peer/records", timeout=timeout)
    _check_records(theirs, peer, node)
    ours = records(node, peer.id)
    in_flight = theirs.get("in_flight") if isinstance(theirs.get("in_flight"), dict) else {}
    return Reconciliation(peer, compare(ours, theirs), ours["in_flight"], in_flight)


def _check_records(theirs, peer: Peer, node) -> None:
    if not isinstance(theirs, dict) or (theirs.get("node"), theirs.get("peer")) != (peer.id, node.agent_id):
        shown = (theirs.get("node"), theirs.get("peer")) if isinstance(theirs, dict) else type(theirs).__name__
        raise ReadRefused(None, "peer", f"{peer.name} answered with records of another pair of nodes: {shown}")


# trace across nodes ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Followed:
    """What the peer holding a resource the local trace reached (an elsewhere step) said of its trail."""

    peer: Peer
    steps: list[dict]  # the peer's steps, as GET /peer/trace gives them (its depths start at 0)
    reason: str | None = None  # why the step stays elsewhere (refused, unreachable); None when followed


def trace_across(node, ref: str, timeout: float = FETCH_SECONDS) -> tuple[list, dict[str, Followed]]:
    """The local trace, and for each elsewhere step under a live peer's URL what that peer answered."""
    steps = node.trace(ref)
    live = [p for p in peers.peers(node) if p.removed_at is None]
    followed = {}
    for step in steps:
        owner = _owner(step, live)
        if owner is not None:
            followed[step.id] = ask_trace(node, owner, step.id, timeout)
    return steps, followed


def _owner(step: Step, live: list[Peer]) -> Peer | None:
    if step.kind != "elsewhere":
        return None
    return next((p for p in live if step.id.startswith(p.id + "/")), None)


def ask_trace(node, peer: Peer, resource: str, timeout: float = FETCH_SECONDS) -> Followed:
    """The peer's trail of a resource it sent us; a refusal or silence is a reason, never an error."""
    try:
        answer = fetch(node, peer, "/peer/trace", {"resource": resource}, timeout)
    except VFError as error:
        return Followed(peer, [], error.reason)
    steps = answer.get("steps") if isinstance(answer, dict) else None
    if not isinstance(steps, list):
        return Followed(peer, [], f"{peer.name} answered no steps")
    return Followed(peer, [s for s in steps if isinstance(s, dict)])
