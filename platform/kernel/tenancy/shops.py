"""Shops (tenants): finding one from a request's host, and opening one."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from galleria.kernel.errors import NotFound, Problems, ShopSuspended
from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.tables import Tenant

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset({
    "www", "api", "admin", "app", "apps", "mail", "email", "smtp", "ftp", "static", "media",
    "assets", "cdn", "console", "platform", "help", "support", "docs", "status", "billing",
    "login", "signup", "auth", "oauth", "callbacks", "webhooks", "shop", "shops", "store",
    "galleria", "root", "test", "dev", "staging", "ns1", "ns2", "localhost",
})
DEFAULT_PAYMENT_TIMEOUT_MINUTES = 30


@dataclass(frozen=True)
class Shop:
    id: int
    slug: str
    name: str
    status: str
    currency: str
    locale: str
    timezone: str
    theme_color: str
    logo: str
    template: str
    plan: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def payment_timeout_minutes(self) -> int:
        return int(self.settings.get("payment_timeout_minutes", DEFAULT_PAYMENT_TIMEOUT_MINUTES))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Shop:
        settings = row.get("settings") or {}
        if isinstance(settings, str):
            settings = json.loads(settings or "{}")
        return cls(
            id=row["id"], slug=row["slug"], name=row["name"], status=row["status"],
            currency=row["currency"], locale=row["locale"], timezone=row["timezone"],
            theme_color=row["theme_color"], logo=row["logo"], template=row["template"],
            plan=row["plan"], settings=settings,
        )


def check_slug(slug: str, problems: Problems, field_name: str = "slug") -> None:
    if not SLUG_RE.match(slug or ""):
        problems.add(field_name, "3–40 characters: lowercase letters, digits and hyphens, "
                                 "not starting or ending with a hyphen")
    elif slug in RESERVED_SLUGS:
        problems.add(field_name, f"“{slug}” is reserved; choose another address")


# Every request on a shop's host reads its shop: written out once rather than built by the
# ORM each time (building the 13-column SELECT cost more CPU than running it; issue 14).
_COLUMNS = ("id", "slug", "name", "status", "currency", "locale", "timezone", "theme_color",
            "logo", "template", "plan", "settings")
_SHOP_BY_SLUG = ("SELECT id, slug, name, status, currency, locale, timezone, theme_color, "
                 "logo, template, plan, settings FROM tenant WHERE slug = {}")
# A request's host lookup: the shop's id and its cache token (see shop_cache), the shop's
# row itself then from this process's cache when it was read at that token.
_SHOP_ID_BY_SLUG = "SELECT id, cache_token FROM tenant WHERE slug = {}"
_SHOP_ID_BY_HOST = ("SELECT t.id AS id, t.cache_token AS cache_token FROM custom_domain d "
                  "JOIN tenant t ON t.id = d.tenant WHERE d.host = {} AND d.verified = {}")
_SHOP_BY_ID = ("SELECT id, slug, name, status, currency, locale, timezone, theme_color, "
               "logo, template, plan, settings, cache_token FROM tenant WHERE id = {}")


async def get_shop(slug: str) -> Shop | None:
    """The shop with this slug, read from the database (not from the cache)."""
    rows = await Tenant.raw(_SHOP_BY_SLUG, slug)
    return Shop.from_row(rows[0]) if rows else None


async def _current_shop(tenant_id: int, token: int | None) -> Shop | None:
    """Shop `tenant_id` as it is at `token` (just read): from this process's cache when it
    holds the row read at that token, else read (row and token in one statement) and kept.
    The token the request goes on with is held for its enabled plugins and settings."""
    entry = shop_cache.shops.get(tenant_id, token)
    if entry is None:
        rows = await Tenant.raw(_SHOP_BY_ID, tenant_id)
        if not rows:
            return None
        row = rows[0]
        settings = row["settings"]
        values = {**{name: row[name] for name in _COLUMNS},
                  "settings": settings if isinstance(settings, str) else json.dumps(settings)}
        entry = shop_cache.ShopRow(row["cache_token"], tuple(values.items()))
        shop_cache.shops.put(tenant_id, entry)
    shop_cache.hold(tenant_id, entry.token)
    return Shop.from_row(dict(entry.row))  # a Shop of its own: settings parsed afresh


async def get_shop_by_id(tenant_id: int) -> Shop:
    row = await Tenant.select().where(Tenant.id == tenant_id).first()
    if row is None:
        raise NotFound(f"shop {tenant_id} does not exist")
    return Shop.from_row(row)


async def list_shops() -> list[Shop]:
    rows = await Tenant.select().order_by(Tenant.id)
    return [Shop.from_row(row) for row in rows]


def slug_from_host(host: str, domain: str) -> str | None:
    """`tea.localhost:8000` with domain `localhost` → `tea`; the bare domain → None."""
    host = host.split(":", 1)[0].strip().lower().rstrip(".")
    suffix = "." + domain
    if host.endswith(suffix):
        label = host[: -len(suffix)]
        return label if label and "." not in label else ""
    return ""


class UnknownShop(NotFound):
    """A shop's host (or custom domain) that no shop has: the visitor mistyped it, or the
    shop was closed. Its own title, so the error page can say so and not offer "back to
    the shop"."""

    code, title = "unknown_shop", "No such shop"


async def resolve_host(host: str, domain: str) -> Shop | None:
    """The shop a request's Host names, or None for the platform (the bare domain).

    Raises NotFound for a host that is neither, ShopSuspended for a suspended shop.
    """
    bare = bare_host(host)
    if bare in (domain, "127.0.0.1", "::1", "[::1]", "testserver"):
        return None
    slug = slug_from_host(bare, domain)
    shop = None
    if slug:
        rows = await Tenant.raw(_SHOP_ID_BY_SLUG, slug)
    else:
        rows = await Tenant.raw(_SHOP_ID_BY_HOST, bare, True)
    if rows:
        shop = await _current_shop(rows[0]["id"], rows[0]["cache_token"])
    if shop is None:
        raise UnknownShop(f"No shop lives at {bare}")
    if not shop.is_active:
        raise ShopSuspended(f"The shop “{shop.name}” is currently suspended")
    if len(_resolved) >= _RESOLVED_HOSTS:
        _resolved.clear()
    _resolved[bare] = (shop, shop_cache.held_token(shop.id), time.monotonic())
    return shop


def bare_host(host: str) -> str:
    """A Host header as `resolve_host` looks it up: no port, lower case, no final dot."""
    return host.split(":", 1)[0].strip().lower().rstrip(".")


# Each host's last resolution in this process: (its shop, the shop's cache token, when).
_resolved: dict[str, tuple[Shop, int | None, float]] = {}
_RESOLVED_HOSTS = 10_000  # forgotten all at once beyond


def resolved_lately(host: str, within: float | None = None) -> tuple[Shop, int | None] | None:
    """The shop `host` (bare) named when this process last resolved it, with the shop's
    cache token then — if that was at most `within` seconds ago (any time: None). Only for
    answers that a moment's staleness cannot make wrong (the admission door's refusals):
    requests resolve their host themselves."""
    entry = _resolved.get(host)
    if entry is None or (within is not None and time.monotonic() - entry[2] > within):
        return None
    return entry[0], entry[1]
