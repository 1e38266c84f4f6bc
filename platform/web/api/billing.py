"""Billing API: the shop's plan, limits and usage; Stripe Checkout and the Customer Portal;
and the platform's Stripe Billing webhook (on the platform host)."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from galleria.kernel import db
from galleria.kernel.billing.subscriptions import billing_state
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.billing import billing_gateway
from galleria.web.billing_usage import limits_of, usage
from galleria.web.context import platform_host_only
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent


class BillingLimits(TypedDict):
    products: int | None
    staff: int | None
    orders_per_month: int | None
    custom_domains: int | None
    plugins: list[str]
    plugins_excluded: list[str]


class BillingUsage(TypedDict):
    products: int
    staff: int
    orders_per_month: int
    custom_domains: int


class BillingAnswer(TypedDict):
    plan: str
    plan_title: str
    interval: str
    status: str
    trial_ends_at: str | None
    current_period_end: str | None
    cancel_at_period_end: bool
    grace_until: str | None
    limits: BillingLimits
    usage: BillingUsage


class RedirectUrl(TypedDict):
    url: str


class CheckoutBody(msgspec.Struct, forbid_unknown_fields=True):
    plan: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    interval: Literal["month", "year"] = "month"


class WebhookAnswer(TypedDict):
    result: str


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


class AdminBillingApi(Controller):
    path = "/api/admin/v1/billing"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin", "billing"]

    @get("", operation_id="getBilling")
    async def get_billing(self, request: Request, shop: Shop, actor: str) -> BillingAnswer:
        require_scope(request, "settings:read")
        async with db.shop_scope(shop.id):
            state = await billing_state(shop.id)
            used = await usage(shop)
        return {"plan": state.plan.name, "plan_title": state.plan.title_in(shop.locale),
                "interval": state.interval, "status": state.status,
                "trial_ends_at": _iso(state.trial_ends_at),
                "current_period_end": _iso(state.current_period_end),
                "cancel_at_period_end": state.cancel_at_period_end,
                "grace_until": _iso(state.grace_until),
                "limits": {**limits_of(state), "plugins": list(state.plan.limits.plugins),
                           "plugins_excluded": list(state.plan.limits.plugins_excluded)},
                "usage": used}

    @post("/checkout", operation_id="startBillingCheckout", status_code=201)
    async def checkout(self, request: Request, shop: Shop, actor: str, runtime: Runtime,
                       data: CheckoutBody) -> Response[RedirectUrl]:
        require_scope(request, "settings:write")

        async def work() -> Response:
            async with db.shop_scope(shop.id):
                state = await billing_state(shop.id)
            url = await billing_gateway(runtime).checkout_url(
                shop.id, shop.slug, state, data.plan, data.interval, _base(request))
            return Response({"url": url}, status_code=201)

        return await idempotent(request, shop.id, work)

    @post("/portal", operation_id="openBillingPortal", status_code=201)
    async def portal(self, request: Request, shop: Shop, actor: str,
                     runtime: Runtime) -> Response[RedirectUrl]:
        require_scope(request, "settings:write")

        async def work() -> Response:
            async with db.shop_scope(shop.id):
                state = await billing_state(shop.id)
            url = await billing_gateway(runtime).portal_url(
                state.stripe_customer, f"{_base(request)}/console/billing")
            return Response({"url": url}, status_code=201)

        return await idempotent(request, shop.id, work)


class BillingWebhookApi(Controller):
    """Stripe's events about merchants' subscriptions, sent to the platform host."""

    path = "/callbacks/billing"
    guards = [platform_host_only]
    tags = ["platform"]

    @post("/stripe", operation_id="stripeBillingWebhook", status_code=200)
    async def stripe_webhook(self, request: Request, runtime: Runtime) -> WebhookAnswer:
        gateway = billing_gateway(runtime)
        event = gateway.verify(await request.body(), request.headers.get("stripe-signature"))
        return {"result": await gateway.handle(event)}


__all__ = ["AdminBillingApi", "BillingWebhookApi"]
