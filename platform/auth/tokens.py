"""API tokens: issued for one shop, stored as a SHA-256 hash, shown once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from galleria.kernel.tenancy.tables import ApiToken

PREFIX = "gal_"
ALL_SCOPES = ("catalog:read", "catalog:write", "orders:read", "orders:write",
              "fulfilment:write", "marketing:write", "settings:write")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(tenant_id: int, name: str, scopes: list[str] | None = None,
                      created_by: int | None = None) -> str:
    """Create a token for the shop and return it; only its hash is kept."""
    token = PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(ApiToken(
        tenant=tenant_id, name=name, token_hash=_digest(token), prefix=token[:10],
        scopes=list(scopes or ALL_SCOPES), created_by=created_by,
    ))
    return token


async def verify_token(tenant_id: int, token: str) -> dict | None:
    """The live token row for `token` in this shop, or None (another shop's token is None).

    Call inside the shop's scope; records the time of use.
    """
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = await ApiToken.select().where(
        (ApiToken.tenant == tenant_id) & (ApiToken.token_hash == _digest(token))
        & ApiToken.revoked_at.is_null()
    ).first()
    if row is None:
        return None
    now = dt.datetime.now(dt.UTC)
    last = row["last_used_at"]
    if last is None or now - last.replace(tzinfo=last.tzinfo or dt.UTC) > dt.timedelta(minutes=1):
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return row
