"""Links to an order page that messages carry (the ticket answered, the follow-up's
complaint link). A guest's access token is kept only as a digest, so a message sent later
cannot carry it; it carries `?key=`, a keyed digest of the shop and the order number made
with the app's secret (`crypto.derive_key("order-link")`). The key opens that order's
pages as the access token does, and nothing else: another order, another shop or an
altered key is the same 404 as a missing order.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from galleria.kernel.crypto import derive_key


def order_key(tenant_id: int, number: str) -> str:
    """The `key` that opens order `number` of shop `tenant_id` (32 hex digits)."""
    text = f"{tenant_id}|{number}".encode()
    return hmac.new(derive_key("order-link"), text, hashlib.sha256).hexdigest()[:32]


def is_order_key(tenant_id: int, number: str, key: str | None) -> bool:
    return bool(key) and len(key or "") == 32 and hmac.compare_digest(
        order_key(tenant_id, number), str(key))


def shop_origin(slug: str, settings: dict | None = None) -> str:
    """Where the shop's storefront is, for links in messages sent by jobs (no request at
    hand): the shop's `storefront_url` setting when set (a custom domain), else
    `https://{slug}.{GALLERIA_DOMAIN}` — `http://{slug}.localhost:8000` on the local
    development domain, where the demo serves."""
    custom = str((settings or {}).get("storefront_url") or "").rstrip("/")
    if custom.startswith(("https://", "http://")):
        return custom
    domain = (os.environ.get("GALLERIA_DOMAIN") or "localhost").strip().lower()
    if domain == "localhost" or domain.endswith(".localhost"):
        return f"http://{slug}.{domain}:8000"
    return f"https://{slug}.{domain}"


def order_link(origin: str, tenant_id: int, number: str, path: str = "") -> str:
    """`{origin}/orders/{number}{path}?key=…`: a page of the order that opens for whoever
    holds the message."""
    return f"{origin.rstrip('/')}/orders/{number}{path}?key={order_key(tenant_id, number)}"


__all__ = ["is_order_key", "order_key", "order_link", "shop_origin"]
