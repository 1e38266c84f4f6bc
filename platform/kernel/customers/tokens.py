"""Shopper tokens: bearer tokens for API clients and single-use password-reset tokens.

A token is `gcs_` (sign-in) or `gcr_` (reset) + 32 random bytes. Only its SHA-256 is kept,
with the shop and the customer it belongs to: a token of another shop finds nothing. Sign-in
tokens expire after `API_TOKEN_TTL` and are revoked by signing out (or a new password);
reset tokens expire after `RESET_TTL` and are spent by their first use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from galleria.kernel import db
from galleria.kernel.customers.accounts import ACTIVE
from galleria.kernel.customers.tables import Customer, CustomerToken

API_PREFIX, RESET_PREFIX = "gcs_", "gcr_"
API_TOKEN_TTL = dt.timedelta(days=30)
RESET_TTL = dt.timedelta(minutes=30)
_MAX_LENGTH = 100


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once
    expires_at: dt.datetime


@dataclass(frozen=True)
class TokenOwner:
    token_id: int
    customer_id: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _issue(tenant_id: int, customer_id: int, purpose: str, prefix: str,
                 ttl: dt.timedelta) -> IssuedToken:
    token = prefix + secrets.token_urlsafe(32)
    now = _now()
    async with db.shop_scope(tenant_id):
        await CustomerToken.insert(CustomerToken(
            tenant=tenant_id, customer=customer_id, purpose=purpose,
            token_hash=_digest(token), created_at=now, expires_at=now + ttl))
    return IssuedToken(token, now + ttl)


async def issue_api_token(tenant_id: int, customer_id: int) -> IssuedToken:
    return await _issue(tenant_id, customer_id, "api", API_PREFIX, API_TOKEN_TTL)


def looks_like_api_token(token: str) -> bool:
    return token.startswith(API_PREFIX)


async def verify_api_token(tenant_id: int, token: str) -> TokenOwner | None:
    """Who `token` signs in, in this shop: None for an unknown, expired, revoked or
    another shop's token, and for a customer no longer active."""
    if not token.startswith(API_PREFIX) or len(token) > _MAX_LENGTH:
        return None
    now = _now()
    async with db.shop_scope(tenant_id):
        row = await CustomerToken.select(
            CustomerToken.id, CustomerToken.customer, CustomerToken.last_used_at,
            CustomerToken.customer.status.as_alias("status"),
        ).where((CustomerToken.tenant == tenant_id) & (CustomerToken.purpose == "api")
                & (CustomerToken.token_hash == _digest(token))
                & CustomerToken.revoked_at.is_null() & (CustomerToken.expires_at > now)
                ).first()
        if row is None or row["status"] != ACTIVE:
            return None
        last = row["last_used_at"]
        if last is None or now - last > dt.timedelta(minutes=1):  # not a write per request
            await CustomerToken.update({CustomerToken.last_used_at: now}).where(
                CustomerToken.id == row["id"])
    return TokenOwner(row["id"], row["customer"])


async def revoke_api_token(tenant_id: int, token_id: int) -> None:
    async with db.shop_scope(tenant_id):
        await CustomerToken.update({CustomerToken.revoked_at: _now()}).where(
            (CustomerToken.tenant == tenant_id) & (CustomerToken.id == token_id))


async def issue_reset_token(tenant_id: int, customer_id: int) -> IssuedToken:
    """A password-reset token for the customer (to be sent to them, never shown here)."""
    return await _issue(tenant_id, customer_id, "reset", RESET_PREFIX, RESET_TTL)


async def spend_reset_token(tenant_id: int, token: str) -> int | None:
    """The customer the reset token is for, spending it; None if unknown, expired or spent.
    One conditional update, so two uses at once cannot both succeed."""
    if not token.startswith(RESET_PREFIX) or len(token) > _MAX_LENGTH:
        return None
    now = _now()
    async with db.shop_scope(tenant_id):
        spent = await CustomerToken.update({CustomerToken.revoked_at: now}).where(
            (CustomerToken.tenant == tenant_id) & (CustomerToken.purpose == "reset")
            & (CustomerToken.token_hash == _digest(token))
            & CustomerToken.revoked_at.is_null() & (CustomerToken.expires_at > now)
        ).returning(CustomerToken.customer)
        if not spent:
            return None
        customer_id = spent[0]["customer"]
        active = await Customer.exists().where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id)
            & (Customer.status == ACTIVE))
    return customer_id if active else None


__all__ = ["API_TOKEN_TTL", "RESET_TTL", "IssuedToken", "TokenOwner", "issue_api_token",
           "issue_reset_token", "looks_like_api_token", "revoke_api_token",
           "spend_reset_token", "verify_api_token"]
