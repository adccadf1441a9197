"""The api_tokens table: who may use a node's API. Only a hash of each token is stored, never the token."""

from sqlalchemy import select

from cooplink.ledger.repository import Ledger
from cooplink.ledger.schema import api_tokens


def add_token(ledger: Ledger, token_id: str, name: str, role: str, token_hash: str, created_at: str) -> None:
    ledger.connection.execute(api_tokens.insert(), dict(
        id=token_id, name=name, role=role, token_hash=token_hash, created_at=created_at))


def all_tokens(ledger: Ledger) -> list:
    """Every token, revoked ones too, oldest first (rows without the hash)."""
    columns = [c for c in api_tokens.c if c.name != "token_hash"]
    return list(ledger.connection.execute(select(*columns).order_by(api_tokens.c.created_at, api_tokens.c.id)))


def token(ledger: Ledger, token_id: str):
    columns = [c for c in api_tokens.c if c.name != "token_hash"]
    return ledger.connection.execute(select(*columns).where(api_tokens.c.id == token_id)).first()


def token_by_hash(ledger: Ledger, token_hash: str):
    """The row holding this hash, revoked or not (the caller decides), or None."""
    return ledger.connection.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()


def revoke_token(ledger: Ledger, token_id: str, revoked_at: str) -> bool:
    """Mark a token revoked; False when there is no such token or it was revoked already."""
    updated = ledger.connection.execute(api_tokens.update().where(
        api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None)).values(revoked_at=revoked_at))
    return updated.rowcount == 1
