"""The console's order pages under `/console/orders`.

- `/console/orders`: the shop's orders, newest first, with the filters as a GET form (status,
  created dates in the shop's time zone, payment method, sales channel, customer) and a
  search box (order number or phone); pages by cursor; a CSV export link with the same filters.
- `/console/orders/{number}`: lines, discounts, totals, contact and address, invoice, note,
  payments, shipments and the order history (who, when, why), with the actions the order's
  state allows: cancel (unpaid orders, with a reason), mark paid (offline methods: cash on
  delivery, bank transfer; audited by the payments service) and refund (paid orders).

Every page needs a member of the shop (`require_staff`); refunds, which send money out, need
an owner or admin.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect, Stream

from galleria.kernel import db
from galleria.kernel.errors import Conflict, DomainError, FieldError, Forbidden, ValidationFailed
from galleria.kernel.orders import states
from galleria.kernel.orders.queries import (
    OrderFilter,
    decimal_text,
    filter_params,
    list_orders,
    parse_filter,
)
from galleria.kernel.orders.service import cancel_order, get_order, order_view
from galleria.kernel.payments import gateways
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.methods import method_names
from galleria.web.pages.console.order_export import merchant_csv
from galleria.web.pages.console.shell import (
    MANAGERS,
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.order_states import name_order_parts, status_badge, timeline_reason
from galleria.web.pages.render import gettext_for, money
from galleria.web.pages.yuan import yuan_to_fen

PAGE_SIZE = 30
# Reasons the kernel writes itself, translated when shown (merchants' own are shown as typed).
DONE = {"cancelled": N_("Order cancelled; its stock is available again."),
        "paid": N_("Payment recorded."), "refunded": N_("Refund started.")}
NEED_REASON = N_("Say why, for the order history")
AT_MOST_REFUND = N_("At most %(amount)s can be refunded")
CHANNEL_NAMES = {"web": N_("Web storefront"), "mini_program": N_("Mini-program"),
                 "staff": N_("Order on behalf"), "import": N_("Imported"),
                 "api": N_("Open API")}
ACTOR_KINDS = {"guest": N_("Guest"), "customer": N_("Customer"), "token": N_("API token"),
               "system": N_("System"), "review": N_("Automatic review"),
               "gateway": N_("Payment provider")}


def _field(name: str, message: str) -> ValidationFailed:
    """A refusal shown under the form field it is about."""
    return ValidationFailed(message, errors=[FieldError(name, message)])


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _zone(shop: Shop) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_time(value: str | None, zone: dt.tzinfo) -> str:
    """An RFC 3339 time of the API, as `2026-11-29 17:14` in the shop's time zone."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")



async def actor_names(actors: set[str], translate: Any) -> dict[str, str]:
    """How the order history names who did it: staff by email, the rest by kind."""
    ids = [int(a[5:]) for a in actors if a.startswith("user:") and a[5:].isdigit()]
    emails = {r["id"]: r["email"] for r in await PlatformUser.select(
        PlatformUser.id, PlatformUser.email).where(PlatformUser.id.is_in(ids or [0]))}
    names = {}
    for actor in actors:
        kind, _sep, ident = actor.partition(":")
        if kind == "user" and ident.isdigit():
            names[actor] = emails.get(int(ident), actor)
        elif kind in ("customer", "token") and ident:
            names[actor] = f"{translate(ACTOR_KINDS[kind])} #{ident}"
        elif kind == "guest":
            names[actor] = translate(ACTOR_KINDS["guest"])
        elif kind == "review":
            names[actor] = translate(ACTOR_KINDS["review"])
        elif kind == "gateway":  # its notice: `gateway:wechat`
            names[actor] = translate(ACTOR_KINDS["gateway"])
        elif kind in ("job", "system", "demo", "sweep", "cli"):
            names[actor] = translate(ACTOR_KINDS["system"])
        else:
            names[actor] = actor
    return names


async def _offline_gateway(shop: Shop, runtime: Runtime, code: str) -> bool:
    """Whether `code` is one of the shop's offline gateways (the merchant marks it paid),
    switched off since or not: the order was placed with it."""
    for offered in await gateways.offered(shop, runtime.host, available_only=False):
        if offered.code == code:
            return offered.gateway.offline
    return False


async def _payment_methods(shop: Shop, runtime: Runtime) -> list[dict[str, str]]:
    """Every method the shop's orders may carry, for the filter."""
    return [{"code": o.code, "name": o.gateway.title}
            for o in await gateways.offered(shop, runtime.host, available_only=False)]


def _query(filters: OrderFilter, **extra: str) -> str:
    return urlencode({**filter_params(filters), **extra})


class OrderPages(Controller):
    path = "/orders"
    guards = [require_staff]

    @get("/", name="console:orders")
    async def orders(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        params = request.query_params
        typed = {name: params.get(name) or "" for name in (
            "created_from", "created_to", "payment_method", "customer", "q", "channel")}
        typed["status"] = [s for s in params.getall("status", []) if s]
        errors: dict[str, str] = {}
        try:
            filters = parse_filter(**typed)
        except ValidationFailed as exc:
            errors = {e.field: e.message for e in exc.errors}
            filters = OrderFilter()
        cursor = params.get("cursor") or ""
        before_id = int(cursor) if cursor.isdigit() else None
        zone = _zone(shop)
        async with db.shop_scope(shop.id):
            rows = [] if errors else await list_orders(
                shop.id, filters, timezone=shop.timezone, before_id=before_id,
                limit=PAGE_SIZE + 1)
            methods = await _payment_methods(shop, runtime)
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        names = await method_names(shop, runtime)
        for row in rows:
            row["payment_name"] = names.payment_name(row["payment_method"])
            row["badge"] = status_badge(row["status"], translate)
            row["created_local"] = local_time(row["created_at"], zone)
            row["total_text"] = money(row["total"], row["currency"])
            row["channel_name"] = translate(CHANNEL_NAMES.get(row["channel"], row["channel"]))
        next_url = ("/console/orders?" + _query(filters, cursor=str(
            rows[-1].pop("_position")["id"]))) if more and rows else ""
        chosen = set(filters.statuses) or set(typed["status"])
        return await console_page(
            request, runtime, "console/orders.html", "orders",
            status_code=422 if errors else 200, orders=rows, typed=typed, errors=errors,
            statuses=[{**status_badge(s, translate), "checked": s in chosen}
                      for s in states.STATES],
            methods=methods, channels=[{"code": code, "name": translate(name)}
                                       for code, name in CHANNEL_NAMES.items()],
            filtered=bool(filter_params(filters)) or bool(errors),
            next_url=next_url, first_url="/console/orders?" + _query(filters)
            if before_id else "", export_url="/console/orders/export.csv?" + _query(filters))

    @get("/export.csv", name="console:orders-export")
    async def export(self, request: Request, shop: Shop, runtime: Runtime) -> Stream:
        params = request.query_params
        filters = parse_filter(
            status=[s for s in params.getall("status", []) if s],
            **{name: params.get(name) or "" for name in (
                "created_from", "created_to", "payment_method", "customer", "q",
                "channel")})
        translate = gettext_for(request)
        return merchant_csv(shop, filters, await method_names(shop, runtime), translate,
                            translate("orders") + f"-{shop.slug}.csv")

    @get("/{number:str}", name="console:order")
    async def order(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                    done: str = "") -> Response:
        return await self._detail(request, shop, runtime, number[:20], done=done)

    async def _detail(self, request: Request, shop: Shop, runtime: Runtime, number: str, *,
                      done: str = "", failed: dict[str, Any] | None = None,
                      status_code: int = 200) -> Response:
        translate = gettext_for(request)
        zone = _zone(shop)
        async with db.shop_scope(shop.id):
            row = await get_order(shop.id, number)
            view = await order_view(shop.id, row, staff=True)
            offline = await _offline_gateway(shop, runtime, view["payment_method"])
            names = await actor_names({e["actor"] for e in view["timeline"]}, translate)
        names_of = await method_names(shop, runtime)
        currency = view["currency"]
        name_order_parts(view, names_of, translate)
        for entry in view["timeline"]:
            entry["who"] = names.get(entry["actor"], entry["actor"])
            entry["at_local"] = local_time(entry["at"], zone)
            entry["to_badge"] = status_badge(entry["to_status"], translate)
            entry["reason_text"] = timeline_reason(
                entry["reason"], translate, money=lambda amount: money(amount, currency),
                method_name=names_of.payment_name)
        status = view["status"]
        unpaid = view["paid_at"] is None
        refundable = view["total"] - view["refunded_total"]
        paid = [p for p in view.get("payments") or [] if p["status"] == "paid"]
        if paid:  # a refund the gateway has not confirmed yet is already held on its payment
            refundable = min(refundable, sum(p["amount"] - p["refunded"] for p in paid))
        actions = {
            "cancel": unpaid and states.can_transition(status, states.CANCELLED),
            "mark_paid": unpaid and offline and status not in states.FINAL,
            "refund": not unpaid and refundable > 0
            and states.can_transition(status, states.REFUNDED)
            and staff_of(request)["role"] in MANAGERS,
        }
        return await console_page(
            request, runtime, "console/orders_detail.html", "orders", status_code=status_code,
            order=view, badge=status_badge(status, translate), actions=actions,
            channel_name=translate(CHANNEL_NAMES.get(view["channel"], view["channel"])),
            created_local=local_time(view["created_at"], zone),
            paid_local=local_time(view["paid_at"], zone),
            refundable_text=decimal_text(refundable, view["currency"]),
            done=translate(DONE[done]) if done in DONE else "",
            failed=failed or {})

    async def _act(self, request: Request, shop: Shop, runtime: Runtime, number: str,
                   form_name: str, values: dict[str, str], work: Any) -> Response:
        """Run an action; on a refusal show the order again with the reason by its form."""
        try:
            await work()
        except DomainError as exc:
            status = 422 if exc.kind == "invalid" else 409
            by_field = {e.field: e.message for e in exc.errors if e.field in values}
            message = "; ".join(e.message for e in exc.errors
                                if e.field not in by_field) or ("" if by_field else exc.detail)
            return await self._detail(request, shop, runtime, number, status_code=status,
                                      failed={"form": form_name, "values": values,
                                              "error": message, "errors": by_field})
        return Redirect(f"/console/orders/{number}?done={form_name}", status_code=303)

    @post("/{number:str}/cancel", name="console:order-cancel")
    async def cancel(self, request: Request, shop: Shop, runtime: Runtime,
                     number: str) -> Response:
        form = await request.form()
        reason = str(form.get("reason") or "").strip()[:500]
        number = number[:20]

        async def work() -> None:
            if not reason:
                raise ValidationFailed(gettext_for(request)(NEED_REASON))
            await cancel_order(shop.id, number, actor=_actor(request), reason=reason)

        return await self._act(request, shop, runtime, number, "cancelled",
                               {"reason": reason}, work)

    @post("/{number:str}/mark-paid", name="console:order-mark-paid")
    async def mark_paid(self, request: Request, shop: Shop, runtime: Runtime,
                        number: str) -> Response:
        from galleria.kernel.payments.service import mark_paid

        form = await request.form()
        note = str(form.get("note") or "").strip()[:500]
        number = number[:20]

        async def work() -> None:
            await mark_paid(shop, runtime.host, number, actor=_actor(request), note=note)

        return await self._act(request, shop, runtime, number, "paid", {"note": note}, work)

    @post("/{number:str}/refund", name="console:order-refund")
    async def refund(self, request: Request, shop: Shop, runtime: Runtime,
                     number: str) -> Response:
        from galleria.kernel.payments.refunds import refund_order

        if staff_of(request)["role"] not in MANAGERS:
            raise Forbidden("Only the shop's owner and admins can refund")
        translate = gettext_for(request)
        form = await request.form()
        values = {"amount": str(form.get("amount") or "").strip()[:20],
                  "reason": str(form.get("reason") or "").strip()[:500]}
        number = number[:20]

        async def work() -> None:
            try:
                amount = yuan_to_fen(values["amount"])
            except ValueError as exc:
                raise _field("amount", translate(str(exc))) from exc
            if not values["reason"]:
                raise _field("reason", translate(NEED_REASON))
            try:
                await refund_order(shop, runtime.host, number, amount,
                                   actor=_actor(request), reason=values["reason"])
            except Conflict as exc:
                left = exc.extra.get("refundable")
                if left is None:
                    raise
                raise _field("amount", translate(AT_MOST_REFUND) % {
                    "amount": money(left, shop.currency)}) from exc

        return await self._act(request, shop, runtime, number, "refunded", values, work)


orders_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[OrderPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["orders_console_router"]
