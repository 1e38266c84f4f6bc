"""Input no handler can use is refused before any handler sees it, for every route at once:
NUL characters (PostgreSQL cannot store them in text and refuses the whole statement, which
used to surface as a 500) and JSON nested deeper than any of our documents (the decoder
recurses, and ~1,000 levels exhausted the stack, another 500). Both answer 400 problem+json.

Two halves, because Litestar reads the parts of a request in two places:
- `InputGuardMiddleware` checks the path, the query string and the headers (cookies too);
- `GuardedRequest` (the app's request class, used by every extractor, `request.form()`,
  `request.json()` and the CSRF check alike) checks the body when it is first read: JSON and
  URL-encoded bodies as bytes, multipart forms field by field (uploaded files may hold NULs).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from galleria.web.i18n import N_

# Deeper than any document of our API (an order with lines with options is about 5 deep).
MAX_JSON_DEPTH = 64
# Message ids of the catalogs too: an error page shows them in the visitor's language.
NUL_DETAIL = N_("The request contains a NUL character, which no field accepts.")
DEPTH_DETAIL = N_("The JSON body is nested deeper than 64 levels.")

# `\u0000` in a JSON string is a NUL unless its backslash is itself escaped (`\\u0000`).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


class BadInput(ClientException):
    """400: input that no route accepts."""


def _has_percent_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


def json_depth(body: bytes) -> int:
    """How deeply `body` nests arrays and objects; brackets inside strings do not count."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # too few brackets to be too deep: the common case costs two counts
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _multipart_field_has_nul(body: bytes, boundary: str) -> bool:
    """A NUL in a multipart part that is not a file (files may hold any bytes)."""
    if not boundary:
        return False  # Litestar refuses the body itself
    for part in body.split(b"--" + boundary.encode("latin-1")):
        head, _, content = part.partition(b"\r\n\r\n")
        if b"\x00" in content and b"filename=" not in head.lower():
            return True
    return False


def check_body(content_type: str, options: dict[str, str], body: bytes) -> None:
    """BadInput for a NUL in a JSON, URL-encoded, text or multipart field body, or JSON
    nested too deep."""
    if not body:
        return
    if content_type == "multipart/form-data":
        if _multipart_field_has_nul(body, options.get("boundary", "")):
            raise BadInput(NUL_DETAIL)
        return
    if content_type == "application/x-www-form-urlencoded":
        if _has_percent_nul(body):
            raise BadInput(NUL_DETAIL)
        return
    if b"\x00" in body or _JSON_NUL.search(body):
        raise BadInput(NUL_DETAIL)
    if json_depth(body) > MAX_JSON_DEPTH:
        raise BadInput(DEPTH_DETAIL)


class GuardedRequest(Request):
    """The app's request class: the body is checked once, the first time anything reads it."""

    async def body(self) -> bytes:
        body = await super().body()
        state = self.scope.setdefault("state", {})
        if not state.get("body_checked"):
            state["body_checked"] = True
            check_body(*self.content_type, body)
        return body

    async def form(self) -> Any:
        form = await super().form()
        if any(isinstance(value, str) and "\x00" in value
               for _, value in form.multi_items() if not isinstance(value, UploadFile)):
            raise BadInput(NUL_DETAIL)
        return form

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:  # deeper than the decoder's stack even below our own limit
            raise BadInput(DEPTH_DETAIL) from None


class InputGuardMiddleware(ASGIMiddleware):
    """400 for a NUL in the path, the query string or any header, before routing's handlers."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if has_nul(scope):
            raise BadInput(NUL_DETAIL)
        await next_app(scope, receive, send)


def has_nul(scope: Scope) -> bool:
    """A NUL in the request's path, query string or headers (answered 400)."""
    return ("\x00" in scope.get("path", "") or _has_percent_nul(scope.get("raw_path") or b"")
            or _has_percent_nul(scope.get("query_string") or b"")
            or any(b"\x00" in name or b"\x00" in value
                   for name, value in scope.get("headers") or []))


__all__ = ["MAX_JSON_DEPTH", "BadInput", "GuardedRequest", "InputGuardMiddleware", "has_nul",
           "json_depth"]
