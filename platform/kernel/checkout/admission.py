"""Admission: turn a buyer away before the order's transaction opens (issue 14).

When a flash sale's quota is gone, hundreds of late buyers would each open the placing
transaction — take a pooled connection, insert an order, claim the cart, price it — only
to be refused with 409 `sold_out`, and the buyers who could still succeed queue behind
them. `admission` asks the price adjusters that define `admit` first: they answer from
memory or Redis and may raise (the refusal is the answer). An adjuster may take something
for the buyer there (a flash sale's units, from its Redis counter) and hand back an
`AdmissionTicket`: `admission` closes every ticket exactly once when the request's work is
over — the order committed or not, whatever was raised, the task cancelled — and the
adjuster gives back what no committed order kept. The database's exact checks inside the
transaction still decide who gets the units.

Cheap when nobody is refused: only the shop's enabled plugins are asked, and those come from
the process's shop cache (no statement while the shop is unchanged; tenancy/shop_cache.py).
The cart's lines are read only when an adjuster asks for them, in one statement and no
transaction (on PostgreSQL a function that sets the shop's row-level security scope for
that statement: migration kernel_0017).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.contracts import AdmissionTicket, PriceAdjuster
from galleria.kernel.checkout.tables import Cart
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop

log = logging.getLogger("galleria.checkout")
HOOK = "galleria_price_adjusters"
# The cart's variants and quantities, in one statement; a cart already placed answers no
# rows (the transaction then names the order placed from it, 409 `cart_placed`).
_WANTED = ("SELECT l.variant AS variant, l.quantity AS quantity FROM cart_line l "
           "JOIN cart c ON c.tenant = l.tenant AND c.id = l.cart "
           "WHERE c.tenant = {} AND c.token = {} AND c.order_number = '' "
           "AND l.quantity > 0")
# The same as one statement on PostgreSQL, setting the shop's RLS scope for itself: outside
# a transaction it is its own, so the setting ends with it (migration kernel_0017).
_WANTED_PG = ("SELECT wanted_variant AS variant, wanted_quantity AS quantity "
              "FROM galleria_cart_wanted({}, {})")
# Per host: the installed plugins with an adjuster that defines `admit` (learnt once). The
# host is kept with its entry, so that another host never meets a reused id's answer.
_gating: dict[int, tuple[PluginHost, list[str]]] = {}


def _gates(adjuster: Any) -> bool:
    return isinstance(adjuster, PriceAdjuster) and type(adjuster).admit is not PriceAdjuster.admit


def _gating_plugins(host: PluginHost, shop: Shop) -> list[str]:
    entry = _gating.get(id(host))
    known = entry[1] if entry is not None and entry[0] is host else None
    if known is None:
        known = [name for name in host.names() if any(map(_gates, _adjusters(host, name, shop)))]
        _gating[id(host)] = (host, known)
    return known


def _adjusters(host: PluginHost, plugin: str, shop: Shop) -> list[Any]:
    """`plugin`'s adjusters for `shop`; none when its hook fails (logged): admitting is
    never the place where an order fails for a plugin's bug — pricing decides then."""
    try:
        return host.collect(HOOK, [plugin], shop=shop)
    except Exception:
        log.warning("plugin %s: galleria_price_adjusters failed; not asked to admit", plugin,
                    exc_info=True)
        return []


class _Lookup:
    """The cart's lines, read once, on demand."""

    def __init__(self, tenant_id: int, cart_token: str) -> None:
        self.tenant_id, self.cart_token = tenant_id, cart_token
        self.lines: dict[int, int] | None = None

    async def wanted(self) -> dict[int, int]:
        if self.lines is None:
            self.lines = {row["variant"]: row["quantity"] for row in await self._read()}
        return dict(self.lines)

    async def _read(self) -> list[dict[str, Any]]:
        if db.in_transaction():  # inside a scope (only a caller that broke the rule)
            async with db.shop_scope(self.tenant_id):
                return await Cart.raw(_WANTED, self.tenant_id, self.cart_token)
        if db.database().is_postgres:  # one statement, its own RLS scope (kernel_0017)
            return await Cart.raw(_WANTED_PG, self.tenant_id, self.cart_token)
        # SQLite: no row-level security; one read needs no transaction (the shop filter is
        # in the statement).
        return await Cart.raw(_WANTED, self.tenant_id, self.cart_token)


@asynccontextmanager
async def admission(shop: Shop, host: PluginHost, cart_token: str,
                    locale: str) -> AsyncIterator[None]:
    """Admit the buyer of cart `cart_token`, then run the block (placing the order): raises
    the first refusal of an adjuster's `admit` (of a plugin the shop enabled) before the
    block runs. The tickets the adjusters handed back are closed once when the block ends,
    however it ends (and those taken before a refusal, at the refusal). Enter it outside
    any shop scope."""
    tickets: list[AdmissionTicket] = []
    try:
        await _admit(shop, host, cart_token, locale, tickets)
        yield
    finally:
        for ticket in tickets:
            try:
                await ticket.close()
            except Exception:
                log.exception("admission ticket %r: close failed", ticket)


async def _admit(shop: Shop, host: PluginHost, cart_token: str, locale: str,
                 tickets: list[AdmissionTicket]) -> None:
    plugins = _gating_plugins(host, shop)
    if not plugins:
        return
    enabled = await enabled_plugins(shop.id)
    lookup = _Lookup(shop.id, cart_token)
    for plugin in plugins:
        if plugin not in enabled:
            continue
        adjusters = sorted((a for a in _adjusters(host, plugin, shop) if _gates(a)),
                           key=lambda a: (a.order, a.code))
        for adjuster in adjusters:
            ticket = await adjuster.admit(shop, lookup.wanted, locale)
            if isinstance(ticket, AdmissionTicket):
                tickets.append(ticket)


__all__ = ["admission"]
