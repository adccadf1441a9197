"""API tokens of a node's local users and scripts, each bound to a role (part of the Node service).

A token is shown once, when it is created; the node keeps only its SHA-256. Tokens are 256-bit random secrets,
so an unsalted fast hash is enough: nobody can guess a preimage, and lookups stay one indexed read.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cooplink.ledger import tokens as rows
from cooplink.vf.errors import VFError

ROLES = ("viewer", "member", "admin")  # each may do what the one before it may, and more
PREFIX = "cl_"


@dataclass(frozen=True)
class ApiToken:
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token(row) -> ApiToken:
    return ApiToken(id=row.id, name=row.name, role=row.role, created_at=row.created_at, revoked_at=row.revoked_at)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenCommands:
    """Mixed into Node: each method one transaction, like every other command."""

    def create_token(self, role: str, name: str) -> tuple[ApiToken, str]:
        """A new token for the role: returns it with its secret, which is never shown again."""
        if role not in ROLES:
            raise VFError("role", f"must be one of {', '.join(ROLES)}, not {role!r}")
        if not name.strip():
            raise VFError("name", "give the token a name (who or what uses it)")
        secret = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(id=secrets.token_hex(6), name=name.strip(), role=role, created_at=_now())
        with self.writing() as ledger:
            rows.add_token(ledger, token.id, token.name, role, _hash(secret), token.created_at)
        return token, secret

    def tokens(self) -> list[ApiToken]:
        with self.reading() as ledger:
            return [_token(row) for row in rows.all_tokens(ledger)]

    def revoke_token(self, token_id: str) -> ApiToken:
        with self.writing() as ledger:
            if not rows.revoke_token(ledger, token_id, _now()):
                found = rows.token(ledger, token_id)
                raise VFError("token", f"token {token_id!r} was revoked already" if found
                              else f"no token {token_id!r}")
            return _token(rows.token(ledger, token_id))

    def authenticate(self, secret: str | None) -> tuple[str, str] | None:
        """(token id, role) for an active token's secret, else None. The row is found by the secret's hash (a
        lookup that reveals nothing about the secret) and the hashes compared in constant time."""
        if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
            return None
        digest = _hash(secret)
        with self.reading() as ledger:
            row = rows.token_by_hash(ledger, digest)
        if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
            return None
        return row.id, row.role
