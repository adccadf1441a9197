"""Signed requests between nodes: what a receiver accepts, and everything it must refuse."""

import datetime
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cooplink.link.keys import fingerprint, from_multibase, load_or_create, to_multibase
from cooplink.link.signatures import LIFETIME, SignatureRefused, sign, verify

INBOX = "http://127.0.0.1:8002/inbox"
BODY = b'{"type": "Create", "object": {"type": "EconomicEvent", "action": "transfer"}}'
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def key_a(tmp_path):
    (tmp_path / "a").mkdir()
    return load_or_create(tmp_path / "a", "http://127.0.0.1:8001")


@pytest.fixture
def key_b(tmp_path):
    (tmp_path / "b").mkdir()
    return load_or_create(tmp_path / "b", "http://127.0.0.1:8003")


def pins(*keys):
    return {key.key_id: key.public for key in keys}.get


def refused(headers, body=BODY, url=INBOX, method="POST", pinned=None, now=NOW) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as caught:
        verify(method, url, headers, body, pinned, now=now)
    return caught.value


def test_a_signed_request_is_accepted_with_its_key_id(key_a):
    headers = sign(key_a, "POST", INBOX, BODY, now=NOW)
    assert verify("POST", INBOX, headers, BODY, pins(key_a), now=NOW) == key_a.key_id
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert '"@method" "@target-uri" "content-digest"' in headers["Signature-Input"]


def test_the_key_is_kept_and_private(tmp_path, key_a):
    again = load_or_create(tmp_path / "a", "http://127.0.0.1:8001")
    assert fingerprint(again.public) == fingerprint(key_a.public)
    mode = os.stat(tmp_path / "a" / "node-key.pem").st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_the_public_key_round_trips_through_multibase(key_a):
    text = to_multibase(key_a.public)
    assert text.startswith("z6Mk")  # every Ed25519 multikey does
    assert fingerprint(from_multibase(text)) == fingerprint(key_a.public)
    with pytest.raises(ValueError):
        from_multibase("z" + text[2:])


def test_unsigned_is_refused(key_a):
    assert refused({"Content-Type": "application/activity+json"}, pinned=pins(key_a)).status == 401


def test_signed_by_an_unknown_or_removed_peer_is_refused(key_a, key_b):
    headers = sign(key_b, "POST", INBOX, BODY, now=NOW)
    error = refused(headers, pinned=pins(key_a))
    assert error.status == 403 and key_b.key_id in error.reason


def test_a_key_that_is_not_the_pinned_one_is_refused(key_a, key_b):
    """B claims A's key id but signs with its own key: the pinned key does not verify it."""
    forged = type(key_b)(key_id=key_a.key_id, private=key_b.private)
    assert refused(sign(forged, "POST", INBOX, BODY, now=NOW), pinned=pins(key_a)).status == 401


@pytest.mark.parametrize("change", ["body", "target", "method"])
def test_tampering_is_refused(key_a, change):
    headers = sign(key_a, "POST", INBOX, BODY, now=NOW)
    body, url, method = BODY, INBOX, "POST"
    if change == "body":
        body = BODY.replace(b"transfer", b"transfar")
    elif change == "target":
        url = "http://127.0.0.1:8002/inboy"
    else:
        method = "PUT"
    assert refused(headers, body=body, url=url, method=method, pinned=pins(key_a)).status == 401


def test_a_forged_digest_for_a_changed_body_is_refused(key_a):
    from http_message_signatures.digests import ContentDigest

    headers = sign(key_a, "POST", INBOX, BODY, now=NOW)
    changed = BODY + b" "
    headers["Content-Digest"] = ContentDigest.create(changed)
    assert refused(headers, body=changed, pinned=pins(key_a)).status == 401


def test_expired_and_replayed_outside_the_window_are_refused(key_a):
    headers = sign(key_a, "POST", INBOX, BODY, now=NOW)
    assert "expired" in refused(headers, pinned=pins(key_a), now=NOW + LIFETIME + datetime.timedelta(minutes=2)).reason


def test_a_signature_from_the_future_is_refused(key_a):
    headers = sign(key_a, "POST", INBOX, BODY, now=NOW + datetime.timedelta(hours=1))
    assert "future" in refused(headers, pinned=pins(key_a), now=NOW).reason


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(BODY) - 1), byte=st.integers(min_value=0, max_value=255))
def test_any_one_byte_change_of_the_body_is_refused(tmp_path_factory, position, byte):
    folder = tmp_path_factory.mktemp("key")
    key = load_or_create(folder, "http://127.0.0.1:8001")
    headers = sign(key, "POST", INBOX, BODY, now=NOW)
    changed = BODY[:position] + bytes([byte]) + BODY[position + 1:]
    if changed == BODY:
        return
    with pytest.raises(SignatureRefused):
        verify("POST", INBOX, headers, changed, pins(key), now=NOW)
