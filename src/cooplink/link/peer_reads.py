"""Reading from a peer: GET {peer}/peer/... signed like the inbox's POSTs (RFC 9421, Ed25519, over an empty body),
and what this node does with the answers: reconcile (compare the records both nodes hold about what they share)
and trace across nodes (follow a trail into the ledger of the peer the goods came from, and on up the chain)."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cooplink.link import peers
from cooplink.link.peers import Peer
from cooplink.link.signatures import sign
from cooplink.node.reconcile import Difference, compare, records
from cooplink.vf.errors import VFError

FETCH_SECONDS = 5.0
MAX_HOPS = 4  # nodes a trace may reach beyond the one that asks; each node asks only its own suppliers
MAX_WITHIN = 30.0  # seconds: the longest a peer may ask this node to spend following a trail for it
MIN_ASK = 0.2  # seconds: with less than this left, an upstream ask is not made (it could not be answered in time)


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
    headers = {**sign(peers.key_for(node, peer.id), "GET", str(url), b""), "Accept": "application/json"}
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


# trace and track across nodes ----------------------------------------------------------------------------------------
# A trail leaves this ledger two ways: backwards (trace) at a step held in a supplier's ledger, which the supplier
# is asked about (GET /peer/trace?resource=, its `trace` grant); forwards (track) at an event that handed goods to
# a customer, which the customer is asked about (GET /peer/track?event=, its `track` grant). Either way, with hops
# left, the node asked does the same with its own peers: one step at a time, each under its own grant.
@dataclass(frozen=True)
class Direction:
    path: str  # the peer read
    param: str  # what it is asked about
    holder: Callable[[str, dict], str | None]  # (this node's id, a step as JSON) -> the IRI the step leaves to
    within: bool  # that IRI lies under the peer's URL (a resource it holds), else it is the peer itself


def _supplier_holding(_: str, step: dict) -> str | None:
    return step["id"] if step.get("kind") == "elsewhere" else None


def _customer_given(node_id: str, step: dict) -> str | None:
    receiver = step.get("receiver")
    return receiver if step.get("kind") == "event" and isinstance(receiver, str) and receiver != node_id else None


UPSTREAM = Direction("/peer/trace", "resource", _supplier_holding, within=True)
DOWNSTREAM = Direction("/peer/track", "event", _customer_given, within=False)


@dataclass(frozen=True)
class Followed:
    """What a peer said of the trail where it leaves this ledger (its steps), or why it said nothing."""

    peer: Peer
    steps: list[dict]  # the peer's steps, as GET /peer/trace or /peer/track gives them (its depths start at 0)
    reason: str | None = None  # why the trail stops here (refused, unreachable); None when followed

    def as_json(self) -> dict:
        return {"peer": self.peer.id, "name": self.peer.name, "steps": self.steps, "reason": self.reason}


def trace_across(node, ref: str, timeout: float = FETCH_SECONDS,
                 hops: int = MAX_HOPS) -> tuple[list, dict[str, Followed]]:
    """The local trace, and for each elsewhere step under a live peer's URL what that peer answered; with hops > 1
    the peer follows its own suppliers likewise (each under its own grant), up to ``hops`` nodes away."""
    return _across(node, node.trace, ref, UPSTREAM, timeout, hops)


def track_across(node, ref: str, timeout: float = FETCH_SECONDS,
                 hops: int = MAX_HOPS) -> tuple[list, dict[str, Followed]]:
    """The local track, and for each event that handed the goods to a live peer what that peer answered of where
    they went; with hops > 1 the peer follows its own customers likewise (each under its own grant)."""
    return _across(node, node.track, ref, DOWNSTREAM, timeout, hops)


def _across(node, walk, ref: str, direction: Direction, timeout: float, hops: int):
    if not 1 <= hops <= MAX_HOPS:
        raise VFError("hops", f"from 1 to {MAX_HOPS} nodes, not {hops}")
    steps = walk(ref)
    live = _live_peers(node)
    followed = {}
    for step in steps:
        peer = _peer_at(direction, direction.holder(node.agent_id, _plain(step)), live)
        if peer is not None:
            followed[step.id] = ask(node, direction, peer, step.id, timeout, hops)
    return steps, followed


def _plain(step) -> dict:
    """What Direction.holder reads of a local step."""
    receiver = getattr(step.item, "receiver", None) if step.kind == "event" else None
    return {"kind": step.kind, "id": step.id, "receiver": receiver}


def follow_on(node, direction: Direction, steps: list[dict], hops: int, within: float) -> list[dict]:
    """A trail this node answers a peer with, its steps that leave this ledger towards this node's own live peers
    asked of them, on behalf of the peer that asked, while hops are left: each such step gets ``across`` (what
    that peer answered, or why not). One step at a time: a node answers its own peer only, under the grant it gave
    that peer, and that peer passes the trail on to those it granted the same. All the asks share ``within``
    seconds, so the answer reaches the asking peer before it gives up."""
    if hops <= 1:
        return steps
    deadline = time.monotonic() + within
    live = _live_peers(node)
    answered = []
    for step in steps:
        peer = _peer_at(direction, direction.holder(node.agent_id, step), live)
        if peer is not None:
            left = deadline - time.monotonic()
            found = ask(node, direction, peer, step["id"], left, hops - 1) if left >= MIN_ASK else \
                Followed(peer, [], f"no time left to ask {peer.name}")
            step = {**step, "across": found.as_json()}
        answered.append(step)
    return answered


def peer_at(node, direction: Direction, iri: str) -> Peer | None:
    """The live peer of this node that a trail leaving it towards ``iri`` reaches (None: no peer of ours)."""
    return _peer_at(direction, iri, _live_peers(node))


def _live_peers(node) -> list[Peer]:
    return [p for p in peers.peers(node) if p.removed_at is None]


def _peer_at(direction: Direction, iri: str | None, live: list[Peer]) -> Peer | None:
    """The live peer the trail leaves to: the one holding the IRI, or the one it names."""
    if iri is None:
        return None
    return next((p for p in live if (iri.startswith(p.id + "/") if direction.within else iri == p.id)), None)


def ask(node, direction: Direction, peer: Peer, about: str, timeout: float = FETCH_SECONDS,
        hops: int = 1) -> Followed:
    """The peer's trail from ``about`` (with hops > 1, followed on by the peer, which gets four fifths of our
    timeout for that); a refusal or silence is a reason, never an error."""
    params = {direction.param: about}
    if hops > 1:
        params.update(hops=str(min(hops, MAX_HOPS)), within=f"{min(timeout * 0.8, MAX_WITHIN):.3f}")
    try:
        answer = fetch(node, peer, direction.path, params, timeout)
    except VFError as error:
        return Followed(peer, [], error.reason)
    steps = answer.get("steps") if isinstance(answer, dict) else None
    if not isinstance(steps, list):
        return Followed(peer, [], f"{peer.name} answered no steps")
    return Followed(peer, _kept(steps, hops))


def _kept(steps: list, hops: int) -> list[dict]:
    """A peer's steps as this node keeps them: dicts only, and what it says its own peers answered only as deep as
    was asked and in the shape asked for (a peer's answer is data, never trusted to be well formed)."""
    kept = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        step, across = dict(step), step.get("across")
        step.pop("across", None)
        if hops > 1 and isinstance(across, dict) and isinstance(across.get("steps"), list) \
                and all(isinstance(across.get(k), str) for k in ("peer", "name")) \
                and isinstance(across.get("reason"), str | None):
            step["across"] = {"peer": across["peer"], "name": across["name"],
                              "steps": _kept(across["steps"], hops - 1), "reason": across["reason"]}
        kept.append(step)
    return kept
