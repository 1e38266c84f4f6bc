"""Per-request context: request id, the shop named by the Host, access logs and security
headers. Pure ASGI middleware so that it costs little on every request."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.domains import WELL_KNOWN_PATH
from galleria.kernel.tenancy.shops import Shop, resolve_host
from galleria.web.problems import STATUS_BY_KIND

access_log = logging.getLogger("galleria.access")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class RequestContextMiddleware(ASGIMiddleware):
    """Gives each request an id, resolves its shop, logs one JSON line, adds headers."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, domain: str) -> None:
        self.domain = domain

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        state = scope.setdefault("state", {})
        headers = dict(scope.get("headers") or [])
        request_id = request_id_of(scope)
        state["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      *response_headers(request_id)]
            await send(message)

        # The shop's cache token its host lookup reads, held for this request (shop_cache).
        with shop_cache.request_tokens():
            try:
                host = headers.get(b"host", b"").decode("latin-1")
                # A custom domain being verified is not a shop's host yet: skip resolving it.
                # Static files are the same on every host, and the error page of an unknown or
                # suspended shop needs its stylesheet from that very host (the CSP admits only
                # this origin).
                path = scope.get("path", "")
                state["shop"] = (None if path == WELL_KNOWN_PATH or path.startswith("/static/")
                                 else await resolve_host(host, self.domain))
                await next_app(scope, receive, send_with_headers)
            except Exception as exc:  # answered by the exception handlers: log their status
                status["code"] = STATUS_BY_KIND.get(getattr(exc, "kind", ""),
                                                    getattr(exc, "status_code", 500))
                raise
            finally:
                log_access(scope, request_id, status["code"], state.get("shop"), started)


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-ID (up to 64 characters), else a new one."""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id" and value:
            return value.decode("latin-1")[:64]
    return os.urandom(16).hex()  # as random as a uuid4's hex, without building the UUID


def response_headers(request_id: str) -> list[tuple[bytes, bytes]]:
    """What every answer carries besides its own headers."""
    return [*SECURITY_HEADERS, (b"x-request-id", request_id.encode())]


def log_access(scope: Scope, request_id: str, status: int, shop: Any, started: float) -> None:
    """The request's one line in the access log."""
    access_log.info(_encode({
        "request_id": request_id, "method": scope.get("method"), "path": scope.get("path"),
        "status": status, "shop": shop.slug if isinstance(shop, Shop) else None,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }).decode())


_encode = msgspec.json.Encoder().encode


def current_shop(request: Request) -> Shop:
    """The shop of this request (dependency); only on shop hosts."""
    shop = request.scope["state"].get("shop")
    if shop is None:
        raise NotFoundException("This address belongs to the platform, not to a shop")
    return shop


def shop_host_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("state", {}).get("shop") is None:
        raise NotFoundException(f"Nothing at {connection.url.path} on the platform host")


def platform_host_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("state", {}).get("shop") is not None:
        raise NotFoundException(f"Nothing at {connection.url.path} on a shop's host")


def shop_of(connection: ASGIConnection) -> Shop | None:
    state: dict[str, Any] = connection.scope.get("state", {})
    return state.get("shop")


API_PREFIXES = ("/api/v1/", "/api/admin/v1/")


def checked_api_handlers(plugin: str, handlers: list[Any]) -> list[Any]:
    """A plugin's `galleria_api_routes`, refused at build time when a path is outside the
    storefront and admin APIs (a plugin must not shadow pages or another API)."""
    for handler in handlers:
        for path in getattr(handler, "paths", None) or {getattr(handler, "path", "")}:
            if not path.startswith(API_PREFIXES):
                raise ValueError(f"plugin {plugin!r}: API route {path!r} is not under "
                                 f"{' or '.join(API_PREFIXES)}")
    return handlers


def plugin_enabled_guard(plugin: str):
    """A guard: the route exists only on shops that enabled `plugin`."""
    from galleria.kernel.tenancy.plugin_state import enabled_plugins

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        shop = shop_of(connection)
        if shop is None:
            raise NotFoundException(f"Nothing at {connection.url.path}")
        enabled = await enabled_plugins(shop.id)  # from the shop cache, or its own scope
        if plugin not in enabled:
            raise NotFoundException(f"Nothing at {connection.url.path} in this shop")

    return guard
