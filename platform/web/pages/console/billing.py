"""The merchant's plan and billing page (`/console/billing`): the plan, its status and
dates, each limit with what the shop uses of it, the plans to choose from, and the way to
Stripe (Checkout to subscribe, the Customer Portal to change or cancel)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.billing.plans import LIMITS, plans
from galleria.kernel.billing.subscriptions import billing_state
from galleria.kernel.errors import DomainError
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.billing import billing_gateway
from galleria.web.billing_usage import usage
from galleria.web.context import shop_host_only
from galleria.web.pages.billing_texts import LIMIT_LABELS, STATUS_NAMES
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import gettext_for, request_locale


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


class BillingPages(Controller):
    path = "/billing"
    guards = [require_staff]

    @get("/", name="console:billing")
    async def show(self, request: Request, shop: Shop, runtime: Runtime,
                   checkout: str = "") -> Response:
        return await self._page(request, shop, runtime, checkout=checkout)

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, *,
                    checkout: str = "", error: str = "", status_code: int = 200) -> Response:
        locale = request_locale(request, shop)
        zone = ZoneInfo(shop.timezone)
        async with db.shop_scope(shop.id):
            state = await billing_state(shop.id)
            used = await usage(shop)
        rows: list[dict[str, Any]] = []
        for name in LIMITS:
            allowed = state.plan.limits.of(name)
            share = min(used[name] / allowed, 1.0) if allowed else (1.0 if allowed == 0 else 0)
            rows.append({"name": LIMIT_LABELS[name], "usage": used[name], "allowed": allowed,
                         "percent": round(share * 100)})
        return await console_page(
            request, runtime, "console/billing.html", "billing", status_code=status_code,
            state=state, limit_rows=rows, plans=plans().plans, status_name=STATUS_NAMES,
            plan_title=lambda p: p.title_in(locale), checkout=checkout, error=error,
            date=lambda v: v.astimezone(zone).strftime("%Y-%m-%d") if v else "")

    @post("/checkout", name="console:billing-checkout")
    async def checkout(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        form = await request.form()
        plan, interval = str(form.get("plan") or ""), str(form.get("interval") or "month")
        if interval not in ("month", "year"):
            interval = "month"
        try:
            async with db.shop_scope(shop.id):
                state = await billing_state(shop.id)
            url = await billing_gateway(runtime).checkout_url(
                shop.id, shop.slug, state, plan, interval, _base(request))  # type: ignore[arg-type]
        except DomainError:
            _ = gettext_for(request)
            return await self._page(request, shop, runtime, status_code=422, error=_(
                "Billing is not available right now. Please try again later."))
        return Redirect(url, status_code=303)

    @post("/portal", name="console:billing-portal")
    async def portal(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        try:
            async with db.shop_scope(shop.id):
                state = await billing_state(shop.id)
            url = await billing_gateway(runtime).portal_url(
                state.stripe_customer, f"{_base(request)}/console/billing")
        except DomainError:
            _ = gettext_for(request)
            return await self._page(request, shop, runtime, status_code=422, error=_(
                "Billing is not available right now. Please try again later."))
        return Redirect(url, status_code=303)


billing_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[BillingPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["billing_console_router"]
