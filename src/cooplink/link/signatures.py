"""Signed requests between nodes: RFC 9421 HTTP Message Signatures with Ed25519, over the method, the target URI
and the body's RFC 9530 Content-Digest, with created/expires. The receiver checks all of it, and that the key is
the one it pinned for the sender, before it reads a byte of the body as data."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms
from http_message_signatures.exceptions import HTTPMessageSignaturesException, InvalidSignature
from http_message_signatures.resolvers import HTTPSignatureKeyResolver

from cooplink.link.keys import NodeKey

COVERED = ("@method", "@target-uri", "content-digest")
LIFETIME = datetime.timedelta(minutes=5)  # a signature is good this long after it was made
CLOCK_SKEW = datetime.timedelta(seconds=30)
TAG = "cooplink"


class SignatureRefused(Exception):
    """Why a request was refused, and the HTTP status to answer with (401 unsigned or bad, 403 unknown key)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Request:
    """The parts of an HTTP request a signature covers (the library's message interface)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key: NodeKey):
        self.key = key

    def resolve_private_key(self, key_id: str):
        return self.key.private

    def resolve_public_key(self, key_id: str):
        return self.key.public


class _Pinned(HTTPSignatureKeyResolver):
    def __init__(self, lookup: Callable[[str], Ed25519PublicKey | None]):
        self.lookup = lookup
        self.unknown: str | None = None

    def resolve_public_key(self, key_id: str):
        key = self.lookup(key_id)
        if key is None:
            self.unknown = key_id  # the library wraps what we raise: remember why, to answer 403
            raise SignatureRefused(403, f"no pinned peer key {key_id!r}")
        return key

    def resolve_private_key(self, key_id: str):
        raise SignatureRefused(500, "a verifier never signs")


def sign(key: NodeKey, method: str, url: str, body: bytes, now: datetime.datetime | None = None) -> dict[str, str]:
    """The headers that sign this request: Content-Digest, Signature-Input, Signature."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    request = Request(method.upper(), url, {"Content-Type": "application/activity+json"})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_OneKey(key))
    signer.sign(request, key_id=key.key_id, created=now, expires=now + LIFETIME, label="sig1", tag=TAG,
                covered_component_ids=COVERED, body=body)
    return request.headers


def verify(method: str, url: str, headers: dict[str, str], body: bytes,
           pinned_key: Callable[[str], Ed25519PublicKey | None],
           now: datetime.datetime | None = None) -> str:
    """The key id that signed the request, or SignatureRefused. Checks the signature over method, target and
    digest, the digest against the body, the key against the pinned ones, and created/expires against the clock."""
    if not any(name.lower() == "signature" for name in headers):
        raise SignatureRefused(401, "the request is not signed")
    request = Request(method.upper(), url, dict(headers))
    pinned = _Pinned(pinned_key)
    verifier = _Verifier(now or datetime.datetime.now(datetime.timezone.utc), pinned)
    try:
        [result] = verifier.verify(request, max_age=LIFETIME + CLOCK_SKEW, expect_tag=TAG,
                                   require_components=COVERED, body=body)
    except SignatureRefused as refusal:
        raise SignatureRefused(refusal.status, refusal.reason) from None
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError) as error:
        if pinned.unknown is not None:
            raise SignatureRefused(403, f"no pinned peer key {pinned.unknown!r}") from None
        raise SignatureRefused(401, f"signature refused: {error or 'it does not match the request'}") from None
    return result.parameters["keyid"]


class _Verifier(HTTPMessageVerifier):
    """The library's verifier, with the freshness window on a clock we choose (tests move it) and both
    created and expires required."""

    def __init__(self, now: datetime.datetime, resolver: HTTPSignatureKeyResolver):
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
        self.now = now

    def validate_created_and_expires(self, sig_input, max_age=None):
        params = sig_input.params
        if "created" not in params or "expires" not in params:
            raise SignatureRefused(401, "a signature must say when it was created and when it expires")
        created = self._parse_integer_timestamp(params["created"], field_name="created")
        expires = self._parse_integer_timestamp(params["expires"], field_name="expires")
        if created > self.now + CLOCK_SKEW:
            raise SignatureRefused(401, "signature created in the future")
        if expires < self.now - CLOCK_SKEW:
            raise SignatureRefused(401, "signature expired")
        if self.now - created > LIFETIME + CLOCK_SKEW:
            raise SignatureRefused(401, "signature too old: replayed outside its window")
