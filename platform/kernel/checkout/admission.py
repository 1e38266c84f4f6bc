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

The buyers of a burst who arrive together are admitted together by the web layer's door
(galleria/web/admission_door.py): `admit_together` reads all their carts in one statement
and asks each gating adjuster once (`PriceAdjuster.admit_many`); the door answers the refused
itself and hands the others' tickets to `admission(..., admitted=...)`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.contracts import AdmissionTicket, PriceAdjuster
from galleria.kernel.checkout.tables import Cart
from galleria.kernel.errors import DomainError
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
# Many carts at once (the door's batch): the same, with each row's cart token.
_WANTED_MANY = ("SELECT c.token AS token, l.variant AS variant, l.quantity AS quantity "
                "FROM cart_line l JOIN cart c ON c.tenant = l.tenant AND c.id = l.cart "
                "WHERE c.tenant = {} AND c.token IN ({}) AND c.order_number = '' "
                "AND l.quantity > 0")
_WANTED_MANY_PG = ("SELECT wanted_token AS token, wanted_variant AS variant, "
                   "wanted_quantity AS quantity FROM galleria_carts_wanted({}, {})")
_SQLITE_BATCH = 500  # carts per statement: SQLite's bound parameters are limited
# The tickets of the request being served, for the adjusters' `adjust` (admission_tickets).
_tickets: ContextVar[Sequence[AdmissionTicket]] = ContextVar("galleria_admission_tickets",
                                                            default=())
# Per shop: until when (monotonic) admission can be left to `admission` in the app, because
# it took and refused nothing lately (the door then lets the shop's orders straight through).
QUIET_SECONDS = 1.0  # gating plugins enabled, nobody taken or refused
IDLE_SECONDS = 60.0  # no gating plugin enabled: only a change of plugins makes it gate
_quiet_until: dict[int, float] = {}
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


class _ManyLookup:
    """Several carts' lines, read once, on demand, in one statement (SQLite: per 500)."""

    def __init__(self, tenant_id: int, cart_tokens: list[str]) -> None:
        self.tenant_id, self.cart_tokens = tenant_id, cart_tokens
        self.lines: dict[str, dict[int, int]] | None = None

    async def wanted(self, tokens: list[str]) -> list[dict[int, int]]:
        if self.lines is None:
            self.lines = {token: {} for token in self.cart_tokens}
            for row in await self._read():
                self.lines[row["token"]][row["variant"]] = row["quantity"]
        return [dict(self.lines.get(token, {})) for token in tokens]

    async def _read(self) -> list[dict[str, Any]]:
        tokens = list(dict.fromkeys(self.cart_tokens))
        if db.database().is_postgres:  # one statement, its own RLS scope (kernel_0018)
            return await Cart.raw(_WANTED_MANY_PG, self.tenant_id, tokens)
        rows: list[dict[str, Any]] = []
        for start in range(0, len(tokens), _SQLITE_BATCH):
            part = tokens[start:start + _SQLITE_BATCH]
            marks = ", ".join(["{}"] * len(part))
            rows += await Cart.raw(_WANTED_MANY.format("{}", marks), self.tenant_id, *part)
        return rows


def admission_tickets() -> Sequence[AdmissionTicket]:
    """The tickets the adjusters' `admit` handed back for the request being served (inside
    `admission`'s block: an adjuster's `adjust` with `placing` finds its own among them)."""
    return _tickets.get()


@asynccontextmanager
async def admission(shop: Shop, host: PluginHost, cart_token: str, locale: str, *,
                    admitted: Sequence[AdmissionTicket] | None = None) -> AsyncIterator[None]:
    """Admit the buyer of cart `cart_token`, then run the block (placing the order): raises
    the first refusal of an adjuster's `admit` (of a plugin the shop enabled) before the
    block runs. The tickets the adjusters handed back are closed once when the block ends,
    however it ends (and those taken before a refusal, at the refusal). Enter it outside
    any shop scope.

    `admitted`: the buyer was admitted already, by the door with these tickets; they are the
    block's, and the door closes them when the request ends."""
    if admitted is not None:
        reset = _tickets.set(tuple(admitted))
        try:
            yield
        finally:
            _tickets.reset(reset)
        return
    tickets: list[AdmissionTicket] = []
    reset = _tickets.set(tickets)
    try:
        await _admit(shop, host, cart_token, locale, tickets)
        yield
    finally:
        _tickets.reset(reset)
        await close_tickets(tickets)


async def close_tickets(tickets: Sequence[AdmissionTicket]) -> None:
    """Close each ticket (once: the caller owns them); a failure is logged, not raised."""
    for ticket in tickets:
        try:
            await ticket.close()
        except Exception:
            log.exception("admission ticket %r: close failed", ticket)


async def admit_together(shop: Shop, host: PluginHost, cart_tokens: list[str],
                         locales: list[str]) -> list[list[AdmissionTicket] | DomainError]:
    """Admit several buyers of `shop` at once (the door's batch): per buyer, in order, the
    tickets taken for it or the refusal. All their carts are read in one statement, the
    first time an adjuster asks; each gating adjuster is asked once (`admit_many`) for the
    buyers no earlier one refused. A refused buyer's tickets are closed here. An adjuster
    that raises fails the batch: what was taken is given back and the error propagates
    (the door then lets the buyers through to `admission`)."""
    outcomes: list[list[AdmissionTicket] | DomainError] = [[] for _ in cart_tokens]
    gating = await _gating_adjusters(shop, host)
    lookup = _ManyLookup(shop.id, cart_tokens)
    try:
        for plugin, adjuster in gating:
            asked = [i for i, outcome in enumerate(outcomes)
                     if not isinstance(outcome, DomainError)]
            if not asked:
                break
            tokens = [cart_tokens[i] for i in asked]

            async def wanted(tokens: list[str] = tokens) -> list[dict[int, int]]:
                return await lookup.wanted(tokens)

            answers = await adjuster.admit_many(shop, wanted, [locales[i] for i in asked])
            if len(answers) != len(asked):
                await close_tickets([a for a in answers if isinstance(a, AdmissionTicket)])
                raise RuntimeError(f"{plugin}: admit_many answered {len(answers)} of "
                                   f"{len(asked)} buyers")
            for i, answer in zip(asked, answers, strict=True):
                taken = outcomes[i]
                assert isinstance(taken, list)
                if isinstance(answer, DomainError):
                    outcomes[i] = answer
                    await close_tickets(taken)
                elif isinstance(answer, AdmissionTicket):
                    taken.append(answer)
    except BaseException:
        await close_tickets([t for o in outcomes if isinstance(o, list) for t in o])
        raise
    _note(shop.id, gating=bool(gating), acted=any(outcomes))
    return outcomes


async def _admit(shop: Shop, host: PluginHost, cart_token: str, locale: str,
                 tickets: list[AdmissionTicket]) -> None:
    gating = await _gating_adjusters(shop, host)
    acted = True  # a refusal raises: the shop is gating now
    try:
        lookup = _Lookup(shop.id, cart_token)
        for _plugin, adjuster in gating:
            ticket = await adjuster.admit(shop, lookup.wanted, locale)
            if isinstance(ticket, AdmissionTicket):
                tickets.append(ticket)
        acted = bool(tickets)
    finally:
        _note(shop.id, gating=bool(gating), acted=acted)


async def _gating_adjusters(shop: Shop, host: PluginHost) -> list[tuple[str, Any]]:
    """(plugin, adjuster) of the shop's enabled plugins whose adjusters define `admit`, in
    the order they are asked (the plugins', then each one's adjusters by order and code)."""
    plugins = _gating_plugins(host, shop)
    enabled = await enabled_plugins(shop.id) if plugins else frozenset()
    return [(plugin, adjuster) for plugin in plugins if plugin in enabled
            for adjuster in sorted((a for a in _adjusters(host, plugin, shop) if _gates(a)),
                                   key=lambda a: (a.order, a.code))]


def _note(tenant_id: int, *, gating: bool, acted: bool) -> None:
    if acted:
        _quiet_until.pop(tenant_id, None)
    else:
        _quiet_until[tenant_id] = time.monotonic() + (QUIET_SECONDS if gating else IDLE_SECONDS)


def quiet(tenant_id: int) -> bool:
    """Whether the shop's admission took and refused nothing lately (see QUIET_SECONDS):
    the door need not gather its buyers."""
    return _quiet_until.get(tenant_id, 0.0) > time.monotonic()


__all__ = ["admission", "admission_tickets", "admit_together", "close_tickets", "quiet"]
