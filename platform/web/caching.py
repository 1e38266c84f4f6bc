"""HTTP caching: what a browser (or a proxy) may keep, and 304 answers to revalidations.

- `/static/…?v=<hash>` (see `pages.render.static_url`) and `/media/` files whose name holds
  a random token (product pictures are stored once under a fresh name and never rewritten)
  are kept for a year, `immutable`: a new file gets a new URL.
- Other static and media files (a shop's logo keeps its name) may be kept but are checked
  again each time (`no-cache`); the ETag the file response carries makes that a 304.
- HTML pages change with the visitor's language and session (cart count, who is signed in):
  `private, no-cache` and `Vary: Accept-Language, Cookie`, so no shared cache hands one
  shopper's page to another.

A conditional GET/HEAD whose `If-None-Match` names the response's ETag is answered 304
without a body. Compression (gzip, `app.COMPRESSION`) wraps this middleware, so the 304's
empty body is never compressed.
"""

from __future__ import annotations

import re

from litestar.config.compression import CompressionConfig
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# gzip only: brotli would need a compiled package for a few more per cent on text that is
# cached for a year anyway. Pictures (/media/) are JPEG/WebP already; level 6 is zlib's
# default, most of level 9's gain for a fraction of its CPU.
COMPRESSION = CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6,
                                exclude="^/media/")
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"public, no-cache"
PAGE = b"private, no-cache"
PAGE_VARY = (b"Accept-Language", b"Cookie")
# A stored name with a random hex token of 16+ characters (`secrets.token_hex(8)`).
_HASHED_NAME = re.compile(r"/[0-9a-f]{16,}[^/]*$")
_VERSIONED = re.compile(rb"(^|&)v=[0-9a-f]+(&|$)")
# Headers a 304 keeps (RFC 9110 §15.4.5); the body's own headers go.
_KEPT_ON_304 = {b"cache-control", b"etag", b"vary", b"expires", b"date", b"content-location",
                b"last-modified", b"x-request-id", b"content-security-policy"}


def cache_control_for(path: str, query: bytes, content_type: bytes) -> bytes | None:
    """The `Cache-Control` value a response gets, or None to leave it as the handler set it."""
    if path.startswith("/static/"):
        return IMMUTABLE if _VERSIONED.search(query) else REVALIDATE
    if path.startswith("/media/"):
        return IMMUTABLE if _HASHED_NAME.search(path) else REVALIDATE
    if content_type.startswith(b"text/html"):
        return PAGE
    return None


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`."""
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == bare for tag in if_none_match.split(b","))


def _with_vary(headers: list[tuple[bytes, bytes]], names: tuple[bytes, ...]) -> None:
    present = {v.strip().lower() for k, value in headers if k.lower() == b"vary"
               for v in value.split(b",")}
    missing = [n for n in names if n.lower() not in present]
    if missing:
        headers.append((b"vary", b", ".join(missing)))


class CachingMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")
        query = scope.get("query_string", b"")
        request_headers = dict(scope.get("headers") or [])
        if_none_match = (request_headers.get(b"if-none-match", b"")
                         if scope.get("method") in ("GET", "HEAD") else b"")
        not_modified = False

        async def send_cached(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower(): v for k, v in headers}
                value = cache_control_for(path, query, names.get(b"content-type", b""))
                if value is not None and (value != PAGE or b"cache-control" not in names):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", value))
                if value == PAGE:
                    _with_vary(headers, PAGE_VARY)
                etag = names.get(b"etag")
                if (message["status"] == 200 and etag and if_none_match
                        and _etag_matches(if_none_match, etag)):
                    not_modified = True
                    headers = [(k, v) for k, v in headers if k.lower() in _KEPT_ON_304]
                    message = {**message, "status": 304}
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body"):
                    return  # the file's chunks: a 304 has no body
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await next_app(scope, receive, send_cached)
