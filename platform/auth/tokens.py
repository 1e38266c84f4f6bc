"""API tokens: issued for one shop, stored as a SHA-256 hash, shown once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from galleria.auth.oauth_apps import ACCESS_PREFIX as OAUTH_ACCESS_PREFIX
from galleria.auth.oauth_apps import verify_access_token
from galleria.kernel.tenancy.tables import ApiToken

PREFIX = "gal_"
# Scopes are the permission areas (galleria.auth.permissions.AREAS) × read/write; a write
# scope includes reading. These names were the first ones issued and stay valid.
ALL_SCOPES = ("catalog:read", "catalog:write", "orders:read", "orders:write",
              "fulfilment:read", "fulfilment:write", "marketing:read", "marketing:write",
              "settings:read", "settings:write", "reports:read", "reports:write")
USE_RESOLUTION = dt.timedelta(minutes=1)  # last_used_at is written at most once a minute


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

    Call inside the shop's scope; records the time of use. A connected app's access token
    (`gat_…`, galleria.auth.oauth_apps) gives {id, scopes, actor, name} after the same checks.
    """
    if token.startswith(OAUTH_ACCESS_PREFIX):
        return await verify_access_token(tenant_id, token)
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
    if last is None or now - last.replace(tzinfo=last.tzinfo or dt.UTC) > USE_RESOLUTION:
        # Conditional, so that concurrent requests write it once.
        await ApiToken.update({ApiToken.last_used_at: now}).where(
            (ApiToken.id == row["id"]) & (ApiToken.last_used_at.is_null()
                                          | (ApiToken.last_used_at < now - USE_RESOLUTION)))
    return row


async def list_tokens(tenant_id: int) -> list[dict]:
    """The shop's tokens, live ones first, newest first; never the secret. Call inside the
    shop's scope."""
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.scopes, ApiToken.created_by,
        ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at,
    ).where(ApiToken.tenant == tenant_id).order_by(ApiToken.id, ascending=False)
    return sorted(rows, key=lambda r: r["revoked_at"] is not None)


async def revoke_token(tenant_id: int, token_id: int) -> dict | None:
    """Revoke a live token of the shop; the row (name, prefix) or None if there is none."""
    rows = await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
        (ApiToken.tenant == tenant_id) & (ApiToken.id == token_id)
        & ApiToken.revoked_at.is_null()).returning(ApiToken.name, ApiToken.prefix)
    return rows[0] if rows else None
