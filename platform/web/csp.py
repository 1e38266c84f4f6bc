"""Content-Security-Policy on every response, and `Secure` cookies on every HTTPS request.

The policy admits this origin only: our scripts and styles are static files, so an injected
`<script>` (or `onclick=`) does not run. Two exceptions, each as narrow as it can be:
- a page that needs an outside script asks for it for that response only with
  `allow_sources(request, STRIPE_JS)` (the pay page, when it loads Stripe.js);
- an inline block that a library writes (Swagger UI's set-up) carries the request's nonce,
  `csp_nonce(request)`; nothing else may.
`style` attributes are allowed (`style-src-attr`): the templates set a colour or a width
that way, and an attribute can neither run script nor load from elsewhere. The sandbox's
simulators (`/sandbox/…`, stand-ins for a provider's own site) may use inline styles.

Cookies: a request that came over HTTPS — directly, or through a trusted proxy's
`X-Forwarded-Proto` that uvicorn's `proxy_headers` (FORWARDED_ALLOW_IPS) turned into the
scope's scheme — gets every cookie marked `Secure`, whatever set it.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import Message, Scope

from galleria.kernel import storage

Sources = dict[str, tuple[str, ...]]

POLICY: Sources = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "style-src-attr": ("'unsafe-inline'",),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'",),
    "media-src": ("'self'",),  # product videos
    "connect-src": ("'self'",),
    "frame-src": ("'none'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "frame-ancestors": ("'none'",),
}
# What Stripe.js needs (https://docs.stripe.com/security/guide#content-security-policy):
# its script, its iframes (card fields, 3-D Secure) and its API.
STRIPE_JS: Sources = {
    "script-src": ("https://js.stripe.com",),
    "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com",),
}
_NONCED = ("script-src", "style-src")
SANDBOX_PREFIX = "/sandbox/"
SANDBOX: Sources = {"style-src": ("'unsafe-inline'",)}


def _nonce(state: dict[str, Any]) -> str:
    if "csp_nonce" not in state:
        state["csp_nonce"] = secrets.token_urlsafe(18)
    return state["csp_nonce"]


def csp_nonce(request: Request) -> str:
    """This response's nonce, for an inline block that must run (`<script nonce=…>`)."""
    return _nonce(request.scope.setdefault("state", {}))


def allow_sources(request: Request, sources: Sources) -> None:
    """Admit `sources` too, in this response's policy only."""
    extra = request.scope["state"].setdefault("csp_sources", {})
    for directive, values in sources.items():
        extra[directive] = (*extra.get(directive, ()), *values)


def media_origin() -> tuple[str, ...]:
    """Where product images live when not on this origin (S3 or a CDN: GALLERIA_S3_…);
    worked out once per configured storage."""
    try:
        current = storage.storage()
    except RuntimeError:  # no storage configured: nothing is served from elsewhere
        return ()
    known = _media_origins.get(id(current))
    if known is not None and known[0] is current:
        return known[1]
    parts = urlsplit(current.url("csp-probe"))
    origin = ((f"{parts.scheme}://{parts.netloc}",)
              if parts.scheme in ("http", "https") and parts.netloc else ())
    _media_origins.clear()  # one storage at a time
    _media_origins[id(current)] = (current, origin)
    return origin


_media_origins: dict[int, tuple[Any, tuple[str, ...]]] = {}
_NONCE_MARK = "\x00nonce\x00"
# The policy of a response that admits nothing extra, per media origin, with a mark where the
# nonce goes: every response sends one, so it is built once (a fifth of /healthz's CPU).
_plain_policies: dict[tuple[str, ...], tuple[str, str]] = {}


def policy_header(nonce: str, extra: Sources | None = None) -> str:
    if not extra:
        origin = media_origin()
        plain = _plain_policies.get(origin)
        if plain is None:
            plain = _plain_policies[origin] = (_policy(_NONCE_MARK, None), _NONCE_MARK)
        return plain[0].replace(plain[1], nonce)
    return _policy(nonce, extra)


def _policy(nonce: str, extra: Sources | None) -> str:
    extra = {**(extra or {})}
    extra["img-src"] = (*extra.get("img-src", ()), *media_origin())
    extra["media-src"] = (*extra.get("media-src", ()), *media_origin())
    directives = []
    for directive, values in POLICY.items():
        more = extra.get(directive, ())
        if directive in _NONCED and "'unsafe-inline'" not in more:  # a nonce would void it
            more = (*more, f"'nonce-{nonce}'")
        if more and values == ("'none'",):
            values = ()
        directives.append(" ".join((directive, *values, *more)))
    return "; ".join(directives)


class NoncedSwaggerUI(SwaggerRenderPlugin):
    """Swagger UI at /schema: Litestar writes its set-up as an inline script and style,
    which run under the policy only with this response's nonce."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        nonce = csp_nonce(request).encode()
        html = super().render(request, openapi_schema)
        return (html.replace(b"<script type='text/javascript'>",
                             b"<script nonce='" + nonce + b"' type='text/javascript'>")
                .replace(b"<style>", b"<style nonce='" + nonce + b"'>"))


def _secure(cookie: bytes) -> bytes:
    attributes = {part.strip().lower() for part in cookie.split(b";")[1:]}
    return cookie if b"secure" in attributes else cookie + b"; Secure"


def _requested_path(scope: Scope) -> str:
    """The path as the client sent it: a mount (the sandbox's simulators) rewrites `path`
    to the part below it before the response starts, never `raw_path`."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return str(scope.get("path", ""))


async def add_security_policy(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook (every response, a 404 of no route included): adds the
    policy, and `Secure` to the cookies of an HTTPS request."""
    if message["type"] != "http.response.start":
        return
    state = scope.setdefault("state", {})
    extra = state.get("csp_sources")
    if _requested_path(scope).startswith(SANDBOX_PREFIX):
        extra = SANDBOX
    https = scope.get("scheme") == "https"
    headers = [(name, _secure(value) if https and name.lower() == b"set-cookie" else value)
               for name, value in message.get("headers", [])]
    if not any(name.lower() == b"content-security-policy" for name, _ in headers):
        headers.append((b"content-security-policy",
                        policy_header(_nonce(state), extra).encode()))
    message["headers"] = headers


__all__ = ["POLICY", "STRIPE_JS", "NoncedSwaggerUI", "add_security_policy", "allow_sources",
           "csp_nonce", "policy_header"]
