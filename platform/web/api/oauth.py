"""The OAuth2 endpoints of a shop's host for connected apps (galleria.auth.oauth_apps).

- `GET /oauth/authorize` — where an app sends the shop's owner or admin; the consent page
  itself is in the console (`/console/connect`, behind the console's sign-in).
- `POST /oauth/token` — `grant_type=authorization_code` (with `code_verifier`) or
  `refresh_token`; the client authenticates with HTTP Basic or `client_id` +
  `client_secret` in the form. Answers RFC 6749 JSON (`{"error": …}` on failure), never cached.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth import oauth_apps
from galleria.auth.oauth_apps import OAuthProblem
from galleria.kernel.errors import RateLimited
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
TOKEN_PER_IP = (60, 60)


@get("/oauth/authorize", name="oauth:authorize")
async def authorize(request: Request) -> Response:
    """To the console's consent page, with the request's parameters as they came."""
    query = request.url.query
    return Redirect(f"/console/connect?{query}" if query else "/console/connect",
                    status_code=303)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthProblem("invalid_client", "Malformed Basic credentials", 401) from exc
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


@post("/oauth/token", name="oauth:token")
async def token(request: Request, shop: Shop, runtime: Runtime) -> Response:
    try:
        ip = request.client.host if request.client else "unknown"
        await runtime.limiter.hit(f"oauth-token:{ip}", *TOKEN_PER_IP)
        form = {k: str(v) for k, v in (await request.form()).items()}
        app = await oauth_apps.authenticate_client(*_client_credentials(request, form))
        grant_type = form.get("grant_type", "")
        body: dict[str, Any]
        if grant_type == "authorization_code":
            body = await oauth_apps.exchange_code(shop.id, app, form.get("code", ""),
                                                  form.get("redirect_uri", ""),
                                                  form.get("code_verifier", ""))
        elif grant_type == "refresh_token":
            body = await oauth_apps.refresh_tokens(shop.id, app, form.get("refresh_token", ""))
        else:
            raise OAuthProblem("unsupported_grant_type",
                               "grant_type is authorization_code or refresh_token")
    except OAuthProblem as exc:
        headers = dict(NO_STORE)
        if exc.status == 401:
            headers["www-authenticate"] = 'Basic realm="galleria"'
        return Response(exc.body(), status_code=exc.status, headers=headers)
    except RateLimited as exc:
        return Response({"error": "slow_down", "error_description": exc.detail},
                        status_code=429, headers=NO_STORE)
    return Response(body, status_code=200, headers=NO_STORE)


oauth_router = Router(path="/", guards=[shop_host_only], route_handlers=[authorize, token],
                      include_in_schema=False)

__all__ = ["oauth_router"]
