"""Stripe Billing for merchants' subscriptions: the platform's own Stripe account.

Checkout Sessions in subscription mode (upgrade, first payment), Customer Portal sessions
(downgrade, cancel, card), and signed webhooks. A webhook is verified with
`stripe.Webhook.construct_event`; then the subscription it concerns is retrieved from Stripe
and the shop's row is made to say what Stripe says *now* — so duplicates and out-of-order
deliveries end in the same, current state — and the event id is recorded as applied.
The adapter is configured from settings (`GALLERIA_BILLING_STRIPE_*`); in sandbox mode and
in tests its API base is the local simulator (galleria.testing.stripe_billing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from galleria.kernel import db
from galleria.kernel.billing import subscriptions
from galleria.kernel.billing.plans import Interval, plans
from galleria.kernel.errors import Conflict, DomainError, NotFound, Unauthorized, ValidationFailed
from galleria.runtime import Runtime

TOLERANCE_SECONDS = 300
EVENTS = frozenset({"checkout.session.completed", "customer.subscription.created",
                    "customer.subscription.updated", "customer.subscription.deleted",
                    "invoice.paid", "invoice.payment_failed"})


class BillingUnavailable(DomainError):
    kind, code, title = "unavailable", "billing_unavailable", "Billing unavailable"


@dataclass
class StripeBilling:
    secret_key: str
    webhook_secret: str
    api_base: str = "https://api.stripe.com"

    def _client(self) -> stripe.StripeClient:
        if not self.secret_key:
            raise BillingUnavailable("Billing is not set up on this platform "
                                     "(GALLERIA_BILLING_STRIPE_SECRET_KEY)")
        return stripe.StripeClient(self.secret_key,
                                   base_addresses={"api": self.api_base.rstrip("/")},
                                   http_client=stripe.HTTPXClient(allow_sync_methods=False),
                                   max_network_retries=2)

    async def checkout_url(self, tenant_id: int, slug: str, state: subscriptions.BillingState,
                           plan: str, interval: Interval, return_base: str) -> str:
        """A Checkout Session for `plan`; a shop already subscribed changes plans in the
        portal instead (Stripe prorates there)."""
        chosen = plans().get(plan)
        if chosen is None:
            raise ValidationFailed(f"No plan named “{plan}”")
        if state.stripe_subscription and state.status not in ("canceled",):
            return await self.portal_url(state.stripe_customer, f"{return_base}/console/billing")
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": chosen.stripe_price(interval), "quantity": 1}],
            "client_reference_id": str(tenant_id),
            "metadata": {"tenant": str(tenant_id), "shop": slug, "plan": plan,
                         "interval": interval},
            "subscription_data": {"metadata": {"tenant": str(tenant_id), "shop": slug}},
            "success_url": f"{return_base}/console/billing?checkout=done",
            "cancel_url": f"{return_base}/console/billing?checkout=cancelled",
        }
        if state.stripe_customer:
            params["customer"] = state.stripe_customer
        try:
            session = await self._client().v1.checkout.sessions.create_async(params=params)
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the checkout: {_message(exc)}") from exc
        return session.url

    async def portal_url(self, customer: str, return_url: str) -> str:
        if not customer:
            raise Conflict("This shop has no subscription to manage yet: choose a plan")
        try:
            session = await self._client().v1.billing_portal.sessions.create_async(
                params={"customer": customer, "return_url": return_url})
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe refused the portal: {_message(exc)}") from exc
        return session.url

    async def subscription(self, subscription_id: str) -> dict[str, Any]:
        try:
            sub = await self._client().v1.subscriptions.retrieve_async(subscription_id)
        except stripe.StripeError as exc:
            raise BillingUnavailable(f"Stripe: {_message(exc)}") from exc
        return sub.to_dict()

    def verify(self, body: bytes, signature: str | None) -> dict[str, Any]:
        if not self.webhook_secret:
            raise BillingUnavailable("No billing webhook secret is set")
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret,
                                                   tolerance=TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise Unauthorized(f"Stripe signature: {exc}") from exc
        return event.to_dict()

    async def handle(self, event: dict[str, Any]) -> str:
        """Apply a verified event (once); returns what was done, for the answer's body."""
        kind, obj = event.get("type", ""), (event.get("data") or {}).get("object") or {}
        if kind not in EVENTS:
            return "ignored"
        sub_id = obj.get("subscription") if kind.startswith(("invoice.", "checkout.")) \
            else obj.get("id")
        if isinstance(sub_id, dict):
            sub_id = sub_id.get("id")
        tenant_id = _tenant_in(obj) or await subscriptions.tenant_for_stripe(
            obj.get("customer") or "", sub_id or "")
        if tenant_id is None:
            raise NotFound(f"No shop for Stripe {kind} {obj.get('id')}")
        current = await self.subscription(sub_id) if sub_id else None
        async with db.shop_scope(tenant_id):
            if not await subscriptions.first_time(event["id"], kind, tenant_id):
                return "duplicate"
            if kind == "checkout.session.completed":
                await subscriptions.link_customer(tenant_id, obj.get("customer") or "",
                                                  sub_id or "")
            if current is not None:
                await subscriptions.apply_stripe_subscription(tenant_id, current)
        return "applied"


def _tenant_in(obj: dict[str, Any]) -> int | None:
    meta = obj.get("metadata") or {}
    for value in (meta.get("tenant"), obj.get("client_reference_id"),
                  ((obj.get("subscription_details") or {}).get("metadata") or {}).get("tenant")):
        if value and str(value).isdigit():
            return int(value)
    return None


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__


def billing_gateway(runtime: Runtime) -> StripeBilling:
    """The platform's Stripe Billing adapter (one per runtime; tests and the sandbox point
    it at the simulator by replacing `runtime.extra["billing"]`)."""
    gateway = runtime.extra.get("billing")
    if gateway is None:
        settings = runtime.settings
        gateway = StripeBilling(settings.billing_stripe_secret_key,
                                settings.billing_stripe_webhook_secret,
                                settings.billing_stripe_api_base)
        runtime.extra["billing"] = gateway
    return gateway


__all__ = ["BillingUnavailable", "StripeBilling", "billing_gateway"]
