"""Sign-in with OpenID Connect: the authorization code flow with PKCE, through authlib's
async httpx client, and the ID token verified with joserfc against the provider's JWKS.

Two kinds of provider configuration:

- the platform's, for merchant staff, from `GALLERIA_OIDC_ISSUER`, `GALLERIA_OIDC_CLIENT_ID`,
  `GALLERIA_OIDC_CLIENT_SECRET` (and optionally `GALLERIA_OIDC_SCOPES`, `GALLERIA_OIDC_LABEL`);
- a shop's own, for its shoppers, kept in `shop_sign_in_provider` with the client secret
  sealed at rest (`save_shop_provider`, the console's "Sign-in" settings).

The flow: `begin()` makes the provider's authorization URL and the `Pending` values (state,
nonce, PKCE verifier) that the caller keeps in the server-side session; `finish()` takes the
callback's parameters and the kept `Pending`, checks the state, trades the code (with the
verifier) for tokens and returns the verified `Identity`. Anything wrong — a forged or
missing state, an expired attempt, a code the provider refuses, an ID token with another
issuer, audience or nonce, expired or badly signed — raises `SignInRefused` (400).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from galleria.kernel import crypto, db
from galleria.kernel.access.tables import ShopSignInProvider
from galleria.kernel.errors import DomainError, Problems
from galleria.kernel.tenancy.tables import Tenant

with warnings.catch_warnings():
    # Authlib 1.9 prefers the `httpx2` package and warns when it falls back to `httpx`,
    # which it still supports and which the rest of Galleria uses.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

PENDING_TTL = 600  # seconds a sign-in may take at the provider
CACHE_TTL = 3600  # discovery documents and key sets
HTTP_TIMEOUT = 10.0
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
SHOP_FLAG = "sign_in_oidc"  # in the shop's settings: the button's label while enabled
SECRET_PURPOSE = "sign-in-provider"  # noqa: S105 (an HKDF label, not a secret)
_cache: dict[str, tuple[float, Any]] = {}


class SignInRefused(DomainError):
    """The outside sign-in cannot be trusted or did not succeed (400)."""

    kind, code, title = "refused", "sign_in_refused", "Sign-in refused"


class ProviderUnavailable(DomainError):
    kind, code, title = "unavailable", "provider_unavailable", "Sign-in provider unavailable"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    label: str = ""


@dataclass(frozen=True)
class Pending:
    """What the session keeps between `begin` and `finish` (never sent to the browser)."""

    issuer: str
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    started: float
    next: str = "/"

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> Pending | None:
        try:
            return cls(**data) if isinstance(data, dict) else None
        except TypeError:
            return None


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in (claims of a verified ID token)."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""


# -- configuration -----------------------------------------------------------------------------
def platform_provider(env: dict[str, str] | None = None) -> Provider | None:
    """The platform's provider for staff sign-in, or None when not configured."""
    env = os.environ if env is None else env
    issuer = env.get("GALLERIA_OIDC_ISSUER", "").strip().rstrip("/")
    client_id = env.get("GALLERIA_OIDC_CLIENT_ID", "").strip()
    if not issuer or not client_id:
        return None
    return Provider(issuer, client_id, env.get("GALLERIA_OIDC_CLIENT_SECRET", ""),
                    env.get("GALLERIA_OIDC_SCOPES", "openid email profile"),
                    env.get("GALLERIA_OIDC_LABEL", ""))


def _issuer_problem(issuer: str) -> str | None:
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return "an https:// URL (http:// only for a provider on this machine)"
    if parts.query or parts.fragment:
        return "no query or fragment"
    return None


async def shop_provider(tenant_id: int, *, enabled_only: bool = True) -> Provider | None:
    """The shop's OpenID Connect provider for shoppers, or None."""
    async with db.shop_scope(tenant_id):
        row = await ShopSignInProvider.select().where(
            (ShopSignInProvider.tenant == tenant_id) & (ShopSignInProvider.kind == "oidc")
        ).first()
    if row is None or (enabled_only and not row["enabled"]):
        return None
    secret = crypto.unseal(row["client_secret"], SECRET_PURPOSE).get("secret", "")
    return Provider(row["issuer"], row["client_id"], secret, row["scopes"], row["label"])


async def shop_provider_settings(tenant_id: int) -> dict[str, Any]:
    """The shop's provider settings for the console form: the secret only as `has_secret`."""
    async with db.shop_scope(tenant_id):
        row = await ShopSignInProvider.select().where(
            (ShopSignInProvider.tenant == tenant_id) & (ShopSignInProvider.kind == "oidc")
        ).first()
    if row is None:
        return {"issuer": "", "client_id": "", "scopes": "openid email profile", "label": "",
                "enabled": False, "has_secret": False}
    return {"issuer": row["issuer"], "client_id": row["client_id"], "scopes": row["scopes"],
            "label": row["label"], "enabled": row["enabled"],
            "has_secret": bool(row["client_secret"])}


async def save_shop_provider(tenant_id: int, *, issuer: str, client_id: str,
                             client_secret: str = "", scopes: str = "openid email profile",
                             label: str = "", enabled: bool = True) -> None:
    """Create or update the shop's provider. An empty `client_secret` keeps the stored one.
    Raises ValidationFailed for a bad issuer URL, a missing client id or scopes without
    `openid`."""
    issuer, client_id, scopes = issuer.strip().rstrip("/"), client_id.strip(), scopes.strip()
    problems = Problems()
    if why := _issuer_problem(issuer):
        problems.add("issuer", why)
    if not client_id or len(client_id) > 255:
        problems.add("client_id", "required, at most 255 characters")
    if "openid" not in scopes.split() or len(scopes) > 255:
        problems.add("scopes", "space-separated scopes that include openid")
    if len(label) > 60:
        problems.add("label", "at most 60 characters")
    problems.raise_if_any("The sign-in provider settings are invalid")
    values = {ShopSignInProvider.issuer: issuer, ShopSignInProvider.client_id: client_id,
              ShopSignInProvider.scopes: scopes, ShopSignInProvider.label: label.strip(),
              ShopSignInProvider.enabled: enabled,
              ShopSignInProvider.updated_at: _utcnow()}
    if client_secret:
        values[ShopSignInProvider.client_secret] = crypto.seal({"secret": client_secret},
                                                               SECRET_PURPOSE)
    async with db.shop_scope(tenant_id):
        where = (ShopSignInProvider.tenant == tenant_id) & (ShopSignInProvider.kind == "oidc")
        if await ShopSignInProvider.exists().where(where):
            await ShopSignInProvider.update(values).where(where)
        else:
            await ShopSignInProvider.insert(ShopSignInProvider(
                tenant=tenant_id, kind="oidc", **{c._meta.name: v for c, v in values.items()}))
    await flag_shop(tenant_id, (label.strip() or "SSO") if enabled else None)


async def flag_shop(tenant_id: int, label: str | None, key: str = SHOP_FLAG) -> None:
    """Keep a sign-in button's label (None: no button) in the shop's settings, which every
    request of the shop reads anyway: the storefront's sign-in page needs no query of its
    own to show it."""
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    settings = {k: v for k, v in settings.items() if k != key}
    if label:
        settings[key] = label
    await Tenant.update({Tenant.settings: settings}).where(Tenant.id == tenant_id)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- provider metadata and keys ------------------------------------------------------------------
async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(url, headers={"accept": "application/json"})
            response.raise_for_status()
            body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"The sign-in provider could not be reached ({url})") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"The sign-in provider sent no JSON object at {url}")
    return body


async def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, cached; its `issuer` must be the configured one."""
    cached = _cache.get(issuer)
    if cached and time.monotonic() - cached[0] < CACHE_TTL:
        return cached[1]
    meta = await _get_json(f"{issuer}/.well-known/openid-configuration")
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if meta.get("issuer") != issuer or not all(isinstance(meta.get(k), str) for k in needed):
        raise ProviderUnavailable("The provider's discovery document does not describe "
                                  f"the issuer {issuer}")
    _cache[issuer] = (time.monotonic(), meta)
    return meta


async def _key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    cached = _cache.get(jwks_uri)
    if cached and not refresh and time.monotonic() - cached[0] < CACHE_TTL:
        return cached[1]
    try:
        keys = KeySet.import_key_set(await _get_json(jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise ProviderUnavailable("The provider's signing keys are unreadable") from exc
    _cache[jwks_uri] = (time.monotonic(), keys)
    return keys


def forget_provider(issuer: str) -> None:
    """Drop the cached metadata and keys of a provider (after its settings change)."""
    meta = _cache.pop(issuer, None)
    if meta:
        _cache.pop(meta[1].get("jwks_uri", ""), None)


# -- the flow ------------------------------------------------------------------------------------
def _client(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(client_id=provider.client_id, client_secret=provider.client_secret,
                             scope=provider.scopes, redirect_uri=redirect_uri,
                             code_challenge_method="S256", timeout=HTTP_TIMEOUT)


async def begin(provider: Provider, redirect_uri: str, next_path: str = "/"
                ) -> tuple[str, Pending]:
    """The URL to send the browser to, and the values to keep in the session."""
    meta = await discover(provider.issuer)
    pending = Pending(issuer=provider.issuer, state=secrets.token_urlsafe(32),
                      nonce=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(48),
                      redirect_uri=redirect_uri, started=time.time(), next=next_path)
    async with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
            code_verifier=pending.verifier)
    return url, pending


async def finish(provider: Provider, pending: Pending | None, *, state: str | None,
                 code: str | None, error: str | None = None) -> Identity:
    """Complete the sign-in from the callback's query parameters; raises SignInRefused."""
    if pending is None or not state or not secrets.compare_digest(
            state.encode(), pending.state.encode()):
        raise SignInRefused("This sign-in was not started here or has already been used; "
                            "please start again")
    if pending.issuer != provider.issuer or time.time() - pending.started > PENDING_TTL:
        raise SignInRefused("This sign-in took too long; please start again")
    if error or not code:
        raise SignInRefused(f"The provider did not sign you in ({error or 'no code'})")
    meta = await discover(provider.issuer)
    try:
        async with _client(provider, pending.redirect_uri) as client:
            token = await client.fetch_token(meta["token_endpoint"], code=code,
                                             code_verifier=pending.verifier)
    except (OAuth2Error, OAuthError) as exc:  # the provider answered with an error
        raise SignInRefused(f"The provider refused the sign-in code ({exc.error})") from exc
    except httpx.HTTPError as exc:
        raise ProviderUnavailable("The sign-in provider could not be reached") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("The provider sent no ID token")
    return await verify_id_token(provider, meta, id_token, pending.nonce)


async def verify_id_token(provider: Provider, meta: dict[str, Any], id_token: str,
                          nonce: str) -> Identity:
    """The identity in `id_token` if it is signed by one of the provider's keys, for this
    client, from this issuer, unexpired and carrying `nonce`; SignInRefused otherwise."""
    keys = await _key_set(meta["jwks_uri"])
    try:
        try:
            token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
        except (JoseError, ValueError):  # perhaps a rotated key: fetch the set once more
            keys = await _key_set(meta["jwks_uri"], refresh=True)
            token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True}, sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SignInRefused("The provider's ID token is not valid for this sign-in") from exc
    claims = token.claims
    return Identity(
        issuer=provider.issuer, subject=str(claims["sub"]),
        email=str(claims.get("email") or "").strip().lower(),
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or "")[:60])


__all__ = ["Identity", "Pending", "Provider", "ProviderUnavailable", "SignInRefused", "begin",
           "discover", "finish", "flag_shop", "forget_provider", "platform_provider",
           "save_shop_provider", "shop_provider", "shop_provider_settings", "verify_id_token"]
