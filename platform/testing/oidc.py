"""A local OpenID Connect provider for tests and demos, served over real HTTP.

It speaks the protocol's checks for real: discovery, a JWKS with an RSA key, `/authorize`
(client, exact redirect URI, `openid` scope, PKCE S256 required) that redirects straight
back with a code for the user the test chose, and `/token` (client secret by HTTP Basic or
form, code single-use and bound to its client and redirect URI, PKCE verifier checked)
answering with an ID token signed RS256 that carries the request's nonce::

    with OidcProviderSimulator().serve() as provider:
        provider.add_client("shop", "s3cret", ["http://a.localhost/account/sign-in/oidc/callback"])
        provider.next_user = SimUser("alice", "alice@example.com", email_verified=True)
        # ... the app under test signs in against provider.issuer

`serve()` runs uvicorn on 127.0.0.1 on a free port in a thread of its own.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar, Request, Response, get, post
from litestar.response import Redirect

from galleria.testing.harness import serve_asgi

__all__ = ["OidcProviderSimulator", "SimUser"]


@dataclass
class SimUser:
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    user: SimUser
    used: bool = False


@dataclass
class OidcProviderSimulator:
    issuer: str = ""
    next_user: SimUser = field(default_factory=lambda: SimUser("sim-user", "user@example.com",
                                                               True, "Sim User"))
    # Test knobs: sign ID tokens with another nonce / audience / a key not in the JWKS.
    wrong_nonce: bool = False
    wrong_audience: bool = False
    foreign_key: bool = False
    clients: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    token_errors: list[str] = field(default_factory=list)
    _codes: dict[str, _Code] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "sim-1", "use": "sig"})
        self._foreign = RSAKey.generate_key(2048, parameters={"kid": "sim-1", "use": "sig"})
        self._lock = threading.Lock()

    def add_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = (secret, list(redirect_uris))

    # -- protocol ----------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"]}

    def authorize(self, params: dict[str, str]) -> tuple[int, str]:
        """(302, redirect URL) or (400, error text) for an authorization request."""
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or redirect_uri not in client[1]:
            return 400, "unknown client or redirect_uri not registered"
        if params.get("response_type") != "code" or "openid" not in params.get(
                "scope", "").split():
            return 400, "response_type=code and the openid scope are required"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return 400, "PKCE with S256 is required"
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(params["client_id"], redirect_uri,
                                      params["code_challenge"], params.get("nonce", ""),
                                      self.next_user)
        query = {"code": code, "state": params.get("state", "")}
        return 302, f"{redirect_uri}?{urlencode(query)}"

    def _client_of(self, request_headers: dict[str, str], form: dict[str, str]) -> str | None:
        auth = request_headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            raw = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = raw.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        known = self.clients.get(client_id)
        if known is None or not secrets.compare_digest(known[0], secret):
            return None
        return client_id

    def token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict]:
        client_id = self._client_of(headers, form)
        if client_id is None:
            return self._error(401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self._error(400, "unsupported_grant_type")
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None or code.used:
                return self._error(400, "invalid_grant")
            code.used = True
        if code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
            return self._error(400, "invalid_grant")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not secrets.compare_digest(challenge, code.challenge):
            return self._error(400, "invalid_grant")
        return 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                     "expires_in": 3600, "id_token": self.id_token(client_id, code)}

    def _error(self, status: int, error: str) -> tuple[int, dict]:
        self.token_errors.append(error)
        return status, {"error": error}

    def id_token(self, client_id: str, code: _Code) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": code.user.subject,
                  "aud": "someone-else" if self.wrong_audience else client_id,
                  "iat": now, "exp": now + 300,
                  "nonce": "not-your-nonce" if self.wrong_nonce else code.nonce,
                  "email": code.user.email, "email_verified": code.user.email_verified,
                  "name": code.user.name}
        key = self._foreign if self.foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "sim-1"}, claims, key)

    # -- serving -----------------------------------------------------------------------------
    def asgi(self) -> Litestar:
        sim = self

        @get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return sim.metadata()

        @get("/jwks")
        async def jwks() -> dict[str, Any]:
            return KeySet([sim.key]).as_dict(private=False)

        @get("/authorize")
        async def authorize(request: Request) -> Response:
            status, target = sim.authorize(dict(request.query_params))
            if status == 302:
                return Redirect(target, status_code=302)
            return Response(target, status_code=status, media_type="text/plain")

        @post("/token")
        async def token(request: Request) -> Response:
            form = {k: str(v) for k, v in (await request.form()).items()}
            status, body = sim.token(dict(request.headers), form)
            return Response(body, status_code=status, headers={"cache-control": "no-store"})

        return Litestar([discovery, jwks, authorize, token], openapi_config=None)

    @contextmanager
    def serve(self) -> Iterator[OidcProviderSimulator]:
        with serve_asgi(self.asgi()) as base_url:
            self.issuer = base_url
            yield self
