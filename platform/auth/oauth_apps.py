"""OAuth2 apps: third-party apps registered on the platform that a shop connects.

The authorization server of RFC 6749 (authorization code grant only) with PKCE (RFC 7636,
S256 required): an app sends the shop's owner or an admin to `/oauth/authorize` on the
shop's host; they approve the app and the scopes; the app trades the code at `/oauth/token`
for an access token (`gat_…`, one hour) and a refresh token (`gar_…`, rotated on use).
Tokens are bound to that shop and those scopes and accepted by the admin API like API
tokens (`galleria.auth.tokens.verify_token`). Revoking the connection ("Connected apps" in
the console) revokes every token of it at once.

Everything secret (app secrets, codes, tokens) is kept as a SHA-256 digest only. A code is
spent by its first use, whatever follows; a code used a second time also revokes the tokens
issued for it (RFC 6749 §4.1.2: the code may have leaked).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from galleria.auth.permissions import ALL_PERMISSIONS, as_list
from galleria.kernel import db
from galleria.kernel.access.tables import OAuthApp, OAuthCode, OAuthGrant, OAuthToken
from galleria.kernel.errors import DomainError, Problems

CLIENT_PREFIX, SECRET_PREFIX = "gapp_", "gas_"
CODE_PREFIX, ACCESS_PREFIX, REFRESH_PREFIX = "gac_", "gat_", "gar_"
CODE_TTL = dt.timedelta(minutes=10)
ACCESS_TTL = dt.timedelta(hours=1)
REFRESH_TTL = dt.timedelta(days=90)
SCOPES = ALL_PERMISSIONS
_MAX = 200


class OAuthProblem(DomainError):
    """An RFC 6749 error: `error` is the protocol's code (invalid_grant, invalid_client…)."""

    kind, code, title = "invalid_request", "oauth_error", "OAuth request refused"

    def __init__(self, error: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.error, self.status = error, status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.detail}


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked request to `/oauth/authorize`."""

    app_id: int
    app_name: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str
    code_challenge: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _redirect_uri_problem(uri: str) -> str | None:
    parts = urlsplit(uri)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return "https:// addresses only (http:// only for this machine)"
    if parts.fragment or not parts.netloc or len(uri) > 500:
        return "an absolute address without a fragment, at most 500 characters"
    return None


# -- the platform's register of apps -----------------------------------------------------------
async def register_app(name: str, redirect_uris: list[str], created_by: int | None = None
                       ) -> tuple[str, str]:
    """Register an app; returns (client_id, client_secret). The secret is shown once."""
    problems = Problems()
    name = (name or "").strip()
    if not name or len(name) > 80:
        problems.add("name", "required, at most 80 characters")
    uris = [u.strip() for u in redirect_uris if u.strip()]
    if not uris or len(uris) > 10:
        problems.add("redirect_uris", "one to ten redirect URIs")
    for uri in uris:
        if why := _redirect_uri_problem(uri):
            problems.add("redirect_uris", f"{uri}: {why}")
    problems.raise_if_any("The app's details are invalid")
    client_id = CLIENT_PREFIX + secrets.token_hex(10)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    await OAuthApp.insert(OAuthApp(client_id=client_id, secret_hash=_digest(secret), name=name,
                                   redirect_uris=uris, created_by=created_by))
    return client_id, secret


async def apps_of(user_id: int) -> list[dict[str, Any]]:
    return await OAuthApp.select(OAuthApp.id, OAuthApp.client_id, OAuthApp.name,
                                 OAuthApp.redirect_uris, OAuthApp.created_at).where(
        OAuthApp.created_by == user_id).order_by(OAuthApp.id)


async def _app(client_id: str) -> dict[str, Any] | None:
    if not client_id.startswith(CLIENT_PREFIX) or len(client_id) > 64:
        return None
    return await OAuthApp.select().where(
        (OAuthApp.client_id == client_id) & OAuthApp.disabled_at.is_null()).first()


async def authenticate_client(client_id: str, secret: str) -> dict[str, Any]:
    """The app if `secret` is its secret; OAuthProblem(invalid_client, 401) otherwise."""
    app = await _app(client_id)
    expected = app["secret_hash"] if app else _digest("no app")
    if not secrets.compare_digest(expected, _digest(secret or "")) or app is None:
        raise OAuthProblem("invalid_client", "Unknown client or wrong client secret", 401)
    return app


# -- authorization -------------------------------------------------------------------------------
async def check_authorization(params: dict[str, str]) -> AuthorizationRequest:
    """Check an authorization request. Raises OAuthProblem; callers show its error as a page
    (never redirect to an unchecked redirect URI)."""
    app = await _app(params.get("client_id", ""))
    if app is None:
        raise OAuthProblem("invalid_client", "No such app is registered on Galleria")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in as_list(app["redirect_uris"]):  # exact match, nothing looser
        raise OAuthProblem("invalid_request", "The redirect URI is not one the app registered")
    if params.get("response_type") != "code":
        raise OAuthProblem("unsupported_response_type", "Only response_type=code is supported")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        raise OAuthProblem("invalid_request", "PKCE is required: code_challenge with "
                                              "code_challenge_method=S256")
    scopes = sorted(set(params.get("scope", "").split()))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise OAuthProblem("invalid_scope", "Ask for one or more of: " + " ".join(SCOPES))
    return AuthorizationRequest(app["id"], app["name"], app["client_id"], redirect_uri, scopes,
                                params.get("state", "")[:_MAX], challenge)


async def approve(tenant_id: int, request: AuthorizationRequest, user_id: int) -> str:
    """Record the shop's consent (the connection now has exactly these scopes) and return
    a fresh authorization code for the app."""
    code = CODE_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    async with db.shop_scope(tenant_id):
        where = (OAuthGrant.tenant == tenant_id) & (OAuthGrant.app == request.app_id)
        grant = await OAuthGrant.select(OAuthGrant.id).where(where).first()
        if grant is None:
            rows = await OAuthGrant.insert(OAuthGrant(
                tenant=tenant_id, app=request.app_id, scopes=request.scopes,
                granted_by=user_id, created_at=now)).returning(OAuthGrant.id)
            grant_id = rows[0]["id"]
        else:
            grant_id = grant["id"]
            await OAuthGrant.update({OAuthGrant.scopes: request.scopes,
                                     OAuthGrant.granted_by: user_id, OAuthGrant.created_at: now,
                                     OAuthGrant.revoked_at: None}).where(where)
        await OAuthCode.insert(OAuthCode(
            tenant=tenant_id, grant=grant_id, code_hash=_digest(code),
            code_challenge=request.code_challenge, redirect_uri=request.redirect_uri,
            scopes=request.scopes, created_at=now, expires_at=now + CODE_TTL))
    return code


# -- tokens ----------------------------------------------------------------------------------
def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                    ).rstrip(b"=").decode()


async def _issue(tenant_id: int, grant_id: int, scopes: list[str], code_id: int | None
                 ) -> dict[str, Any]:
    access = ACCESS_PREFIX + secrets.token_urlsafe(32)
    refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    for kind, token, ttl in (("access", access, ACCESS_TTL), ("refresh", refresh, REFRESH_TTL)):
        await OAuthToken.insert(OAuthToken(
            tenant=tenant_id, grant=grant_id, code=code_id, kind=kind, token_hash=_digest(token),
            scopes=scopes, created_at=now, expires_at=now + ttl))
    return {"access_token": access, "token_type": "Bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()), "refresh_token": refresh,
            "scope": " ".join(scopes)}


async def exchange_code(tenant_id: int, app: dict[str, Any], code: str, redirect_uri: str,
                        verifier: str) -> dict[str, Any]:
    """Trade a code for tokens (the token endpoint's response body)."""
    invalid = OAuthProblem("invalid_grant", "The code is unknown, expired, used or not yours")
    if not code.startswith(CODE_PREFIX) or len(code) > _MAX:
        raise invalid
    now = _now()
    async with db.shop_scope(tenant_id):
        spent = await OAuthCode.update({OAuthCode.used_at: now}).where(
            (OAuthCode.tenant == tenant_id) & (OAuthCode.code_hash == _digest(code))
            & OAuthCode.used_at.is_null() & (OAuthCode.expires_at > now)).returning(
            OAuthCode.id, OAuthCode.grant, OAuthCode.code_challenge, OAuthCode.redirect_uri,
            OAuthCode.scopes)
        if not spent:
            await _revoke_tokens_of_code(tenant_id, code)
    if not spent:
        raise invalid
    row = spent[0]
    async with db.shop_scope(tenant_id):
        grant = await OAuthGrant.select().where(
            (OAuthGrant.tenant == tenant_id) & (OAuthGrant.id == row["grant"])).first()
        if (grant is None or grant["app"] != app["id"] or grant["revoked_at"] is not None
                or row["redirect_uri"] != redirect_uri):
            raise invalid
        if not verifier or not secrets.compare_digest(_s256(verifier), row["code_challenge"]):
            raise OAuthProblem("invalid_grant", "The code verifier does not match (PKCE)")
        return await _issue(tenant_id, grant["id"], as_list(row["scopes"]), row["id"])


async def _revoke_tokens_of_code(tenant_id: int, code: str) -> None:
    used = await OAuthCode.select(OAuthCode.id).where(
        (OAuthCode.tenant == tenant_id) & (OAuthCode.code_hash == _digest(code))).first()
    if used is not None:
        await OAuthToken.update({OAuthToken.revoked_at: _now()}).where(
            (OAuthToken.tenant == tenant_id) & (OAuthToken.code == used["id"])
            & OAuthToken.revoked_at.is_null())


async def refresh_tokens(tenant_id: int, app: dict[str, Any], refresh: str) -> dict[str, Any]:
    """A new token pair for a refresh token, which is spent (rotation)."""
    invalid = OAuthProblem("invalid_grant", "The refresh token is unknown, expired or revoked")
    if not refresh.startswith(REFRESH_PREFIX) or len(refresh) > _MAX:
        raise invalid
    now = _now()
    async with db.shop_scope(tenant_id):
        spent = await OAuthToken.update({OAuthToken.revoked_at: now}).where(
            (OAuthToken.tenant == tenant_id) & (OAuthToken.token_hash == _digest(refresh))
            & (OAuthToken.kind == "refresh") & OAuthToken.revoked_at.is_null()
            & (OAuthToken.expires_at > now)).returning(OAuthToken.grant, OAuthToken.scopes)
        if not spent:
            raise invalid
        grant = await OAuthGrant.select().where(
            (OAuthGrant.tenant == tenant_id) & (OAuthGrant.id == spent[0]["grant"])).first()
        if grant is None or grant["app"] != app["id"] or grant["revoked_at"] is not None:
            raise invalid
        return await _issue(tenant_id, grant["id"], as_list(spent[0]["scopes"]), None)


async def verify_access_token(tenant_id: int, token: str) -> dict[str, Any] | None:
    """{id, scopes, actor} of a live access token of this shop, or None. Call inside the
    shop's scope."""
    if not token.startswith(ACCESS_PREFIX) or len(token) > _MAX:
        return None
    now = _now()
    row = await OAuthToken.select(
        OAuthToken.id, OAuthToken.scopes, OAuthToken.grant.revoked_at.as_alias("grant_revoked"),
        OAuthToken.grant.app.client_id.as_alias("client_id"),
    ).where((OAuthToken.tenant == tenant_id) & (OAuthToken.token_hash == _digest(token))
            & (OAuthToken.kind == "access") & OAuthToken.revoked_at.is_null()
            & (OAuthToken.expires_at > now)).first()
    if row is None or row["grant_revoked"] is not None:
        return None
    return {"id": row["id"], "scopes": as_list(row["scopes"]),
            "actor": f"app:{row['client_id']}", "name": row["client_id"]}


# -- the shop's connected apps -----------------------------------------------------------------
async def connected_apps(tenant_id: int) -> list[dict[str, Any]]:
    async with db.shop_scope(tenant_id):
        rows = await OAuthGrant.select(
            OAuthGrant.id, OAuthGrant.scopes, OAuthGrant.created_at,
            OAuthGrant.app.name.as_alias("app_name"),
            OAuthGrant.app.client_id.as_alias("client_id"),
        ).where((OAuthGrant.tenant == tenant_id) & OAuthGrant.revoked_at.is_null()
                ).order_by(OAuthGrant.id)
    return [{**row, "scopes": as_list(row["scopes"])} for row in rows]


async def revoke_connection(tenant_id: int, grant_id: int) -> bool:
    """Disconnect an app: the connection and every token of it stop working at once."""
    now = _now()
    async with db.shop_scope(tenant_id):
        revoked = await OAuthGrant.update({OAuthGrant.revoked_at: now}).where(
            (OAuthGrant.tenant == tenant_id) & (OAuthGrant.id == grant_id)
            & OAuthGrant.revoked_at.is_null()).returning(OAuthGrant.id)
        await OAuthToken.update({OAuthToken.revoked_at: now}).where(
            (OAuthToken.tenant == tenant_id) & (OAuthToken.grant == grant_id)
            & OAuthToken.revoked_at.is_null())
    return bool(revoked)


__all__ = [
    "ACCESS_PREFIX",
    "SCOPES",
    "AuthorizationRequest",
    "OAuthProblem",
    "approve",
    "apps_of",
    "authenticate_client",
    "check_authorization",
    "connected_apps",
    "exchange_code",
    "refresh_tokens",
    "register_app",
    "revoke_connection",
    "verify_access_token",
]
