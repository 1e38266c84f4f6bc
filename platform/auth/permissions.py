"""Who may do what in a shop: the one table of areas, and the one check.

A shop's work falls into six areas: catalog, orders, fulfilment, marketing, settings, reports. Every
console page and every admin endpoint belongs to one of them (or is public, open to any
member, or reserved to managers or the owner); `CONSOLE_RULES` and `API_RULES` say which,
keyed by the route's path template (a prefix, matched segment by segment; the longest wins).
A route that no entry covers is refused: a new page or endpoint must be added here first.

- Roles: the **owner** may do everything, including handing the shop over; an **admin**
  everything but that; a **staff** member only what their membership's `permissions` grant,
  e.g. `["orders:write", "catalog:read"]`.
- API tokens carry scopes of the same names. `write` includes `read`.
- Reading is GET, HEAD (and OPTIONS); every other method writes.

`galleria.web.permission_guard` applies this to every request; tests list the app's routes
and check each one is covered (`tests/integration/test_permissions.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

AREAS = ("catalog", "orders", "fulfilment", "marketing", "settings", "reports")
# A token with write access to these is a full-access token (one that may call endpoints no
# area covers): the areas that existed when the first tokens were issued, so that adding an
# area (reports) does not take full access away from tokens issued before it.
FULL_ACCESS_AREAS = ("catalog", "orders", "fulfilment", "marketing", "settings")
ACCESS = ("read", "write")
ALL_PERMISSIONS = tuple(f"{area}:{access}" for area in AREAS for access in ACCESS)
MANAGERS = ("owner", "admin")

# Levels an entry may name besides an area.
PUBLIC = "public"      # no sign-in (the sign-in page itself, accepting an invitation)
MEMBER = "member"      # any member of the shop (the dashboard)
MANAGE = "managers"    # owner and admins (staff, API tokens, plugin changes)
OWNER = "owner"        # the owner alone (handing the shop over)
LEVELS = (PUBLIC, MEMBER, MANAGE, OWNER)


@dataclass(frozen=True)
class Rule:
    """What reading and what writing at a route needs: an area or one of LEVELS."""

    read: str
    write: str

    def needs(self, method: str) -> tuple[str, str]:
        """(area or level, "read"|"write") for a request with `method`."""
        access = "read" if method.upper() in ("GET", "HEAD", "OPTIONS") else "write"
        return (self.read if access == "read" else self.write), access


def _rule(entry: str | tuple[str, str]) -> Rule:
    return Rule(*entry) if isinstance(entry, tuple) else Rule(entry, entry)


# Console pages, by path template. Plugin console routes (`opt={"console": True}` under
# /plugins/<name>/) and plugin pages (/console/p/<slug>) declare their area themselves
# (`opt={"area": …}`, `ConsolePage.area`): no plugin is named here.
CONSOLE_RULES: dict[str, Rule] = {path: _rule(entry) for path, entry in {
    "/console/login": PUBLIC,
    "/console/welcome": PUBLIC,
    "/console/view-as": PUBLIC,               # an operator's read-only view (a ticket)
    "/console/logout": PUBLIC,
    "/console/logout-everywhere": PUBLIC,     # ends the caller's own sessions
    "/console/invitation": PUBLIC,
    "/console": MEMBER,                       # the dashboard (exact path only)
    "/console/products": "catalog",
    "/console/categories": "catalog",
    "/console/stock-alerts": "catalog",       # a member's own low-stock / expiry alerts
    "/console/inventory": "catalog",
    "/console/orders": "orders",
    "/console/take-order": "orders",          # 代客下单
    "/console/tasks": MEMBER,                 # everyone's own tasks; managers hand them out
    "/console/reports": "reports",
    "/console/fulfilment": "fulfilment",
    "/console/picking": "fulfilment",         # pick lists, the picking and packing screens
    "/console/returns": "orders",
    "/console/tickets": "orders",
    "/console/chat": "orders",
    "/console/faq": "settings",
    "/console/plugins": (MEMBER, MANAGE),     # members see what is on; managers change it
    "/console/settings": "settings",
    "/console/sign-in-provider": "settings",  # the shop's OpenID Connect provider
    "/console/notifications": "settings",
    "/console/webhooks": "settings",
    "/console/jobs": "settings",              # failed background jobs, run again
    "/console/audit": "settings",
    "/console/staff": MANAGE,
    "/console/billing": MANAGE,               # the plan, Stripe Checkout and the portal
    "/console/staff/transfer": OWNER,
    "/console/tokens": MANAGE,
    "/console/connect": MANAGE,               # an app asks for access: only managers grant it
    "/console/connected-apps": MANAGE,
}.items()}
EXACT_ONLY = frozenset({"/console"})

# The admin API, by path template.
_ADMIN = "/api/admin/v1"
API_RULES: dict[str, Rule] = {f"{_ADMIN}{path}": _rule(entry) for path, entry in {
    "/products": "catalog",
    "/categories": "catalog",
    "/barcodes": "catalog",
    "/inventory": "catalog",
    "/locations": "catalog",                 # stores and warehouses (门店/仓库)
    "/catalog": "catalog",
    "/orders": "orders",
    "/orders/{number}/shipments": "fulfilment",
    "/orders/{number}/fulfilment": "fulfilment",
    "/orders/{number}/pickup": "fulfilment",
    "/shipments": "fulfilment",
    "/pick-lists": "fulfilment",
    "/orders/{number}/packing": "fulfilment",
    "/box-presets": "fulfilment",
    "/delivery-alerts": "fulfilment",
    "/delivery-promises": "fulfilment",
    "/plugins": "settings",
    "/marketing": "marketing",               # marketing plugins: coupons, flash sales, gifts
    "/domains": "settings",
    "/webhooks": "settings",
    "/coupons": "marketing",
    "/promotions": "marketing",
    "/points": "marketing",
    "/review": "orders",
    "/shipping": "fulfilment",
    "/returns": "orders",
    "/tickets": "orders",
    "/faq": "settings",
    "/service-contact": "settings",
    "/reports": "reports",
    "/reviews": "orders",                    # the reviews plugin: replies and moderation
    "/tasks": "orders",
    "/billing": "settings",
}.items()}



def _lookup(table: dict[str, Rule], path: str) -> Rule | None:
    """The entry of the longest prefix of `path` (whole segments), or None."""
    path = path.rstrip("/") or "/"
    candidate = path
    while candidate:
        rule = table.get(candidate)
        if rule is not None and (candidate == path or candidate not in EXACT_ONLY):
            return rule
        if "/" not in candidate.strip("/"):
            return None
        candidate = candidate.rsplit("/", 1)[0]
    return None


def console_rule(path: str) -> Rule | None:
    """The rule of a console path template (`/console/...`), None when there is none."""
    return _lookup(CONSOLE_RULES, path)


def api_rule(path: str) -> Rule | None:
    """The rule of an admin API path template (`/api/admin/v1/...`), None when none."""
    return _lookup(API_RULES, path)


def plugin_rule(area: str | None) -> Rule:
    """The rule of a plugin's console page or console route, from the area it declares
    (`ConsolePage.area`, or `opt={"area": …}` on a route); none, or not an area: managers."""
    return _rule(area if area in AREAS else MANAGE)


# -- checks ----------------------------------------------------------------------------------
def as_list(value: Any) -> list[str]:
    """Permissions or scopes as stored (a JSON list, or its text on SQLite)."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [str(v) for v in value or [] if isinstance(v, str)]


def grants(held: list[str] | tuple[str, ...], area: str, access: str) -> bool:
    """Whether permissions (or token scopes) `held` allow `access` to `area`."""
    return f"{area}:{access}" in held or (access == "read" and f"{area}:write" in held)


def staff_may(staff: dict[str, Any], need: str, access: str) -> bool:
    """Whether the member `staff` ({"role", "permissions"}) meets `need` (an area or a level)
    for `access`."""
    role = staff.get("role")
    if need in (PUBLIC, MEMBER):
        return role is not None or need == PUBLIC
    if need == OWNER:
        return role == "owner"
    if role in MANAGERS:
        return True
    if need == MANAGE or need not in AREAS:
        return False
    return role == "staff" and grants(as_list(staff.get("permissions")), need, access)


def token_may(scopes: list[str], need: str, access: str) -> bool:
    """Whether a token with `scopes` meets `need` for `access`: tokens act only within the
    areas (levels such as managers or owner are never a token's)."""
    return need == PUBLIC or (need in AREAS and grants(scopes, need, access))


def may_open(staff: dict[str, Any], path: str) -> bool:
    """Whether `staff` may read the console page at `path` (to show or hide links; a plugin
    page's rule comes from its declared area: `may_open_area`)."""
    rule = console_rule(path)
    return rule is not None and staff_may(staff, rule.read, "read")


def may_open_area(staff: dict[str, Any], area: str | None) -> bool:
    """Whether `staff` may read a plugin page that declares `area`."""
    return staff_may(staff, plugin_rule(area).read, "read")


def clean_permissions(values: list[str]) -> list[str]:
    """Known permissions only, one per area (write when both are given), in table order."""
    chosen = set(values)
    kept = []
    for area in AREAS:
        if f"{area}:write" in chosen:
            kept.append(f"{area}:write")
        elif f"{area}:read" in chosen:
            kept.append(f"{area}:read")
    return kept


__all__ = ["ACCESS", "ALL_PERMISSIONS", "API_RULES", "AREAS", "CONSOLE_RULES", "LEVELS",
           "MANAGE", "MANAGERS", "MEMBER", "OWNER", "PUBLIC", "Rule",
           "api_rule", "as_list", "clean_permissions", "console_rule", "grants", "may_open",
           "may_open_area", "plugin_rule", "staff_may", "token_may"]
