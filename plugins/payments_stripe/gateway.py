"""Card payments through Stripe PaymentIntents, with stripe-python's async client.

The page gets the PaymentIntent's `client_secret` and confirms the card with Stripe.js; the
outcome arrives by webhook (`payment_intent.succeeded` / `…payment_failed` / `…canceled`,
`refund.updated`), verified with `stripe.Webhook.construct_event` and the shop's endpoint
secret. Every call carries an idempotency key derived from the kernel's reference, so a
retried start or refund never makes a second intent or refund at Stripe.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe

from galleria.kernel import (
    CallbackRequest,
    CallbackResponse,
    GatewayError,
    NotificationRejected,
    PaymentAction,
    PaymentGateway,
    PaymentRecord,
    PaymentRequest,
    PaymentUpdate,
    RefundRequest,
    RefundUpdate,
    Shop,
    plugin_settings,
)

log = logging.getLogger("galleria.plugins.payments_stripe")
PLUGIN = "payments_stripe"
STRIPE_API = "https://api.stripe.com"
TOLERANCE_SECONDS = 300
NOTIFY_URL_KEY = "galleria_notify_url"  # metadata the sandbox simulator delivers events to

INTENT_STATUS = {"succeeded": "paid", "canceled": "closed"}
REFUND_STATUS = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending",
                 "failed": "failed", "canceled": "failed"}


class StripeGateway(PaymentGateway):
    code = "stripe"
    mark = "mark.svg"
    name = "Card (Stripe)"
    offline = pays_on_delivery = False
    partial_refunds = True

    def __init__(self, shop: Shop | None = None) -> None:
        if shop is not None and shop.locale.startswith("zh"):
            self.name = "银行卡（Stripe）"  # what a Chinese shopper calls paying by card

    async def available(self, shop: Shop) -> bool:
        settings = await plugin_settings(shop.id, PLUGIN)
        return bool(settings.get("secret_key") and settings.get("publishable_key"))

    async def _client(self, shop: Shop) -> tuple[stripe.StripeClient, dict[str, Any]]:
        settings = await plugin_settings(shop.id, PLUGIN)
        if not settings.get("secret_key"):
            raise GatewayError("Stripe is not set up for this shop (no secret key)")
        base = (settings.get("api_base_url") or STRIPE_API).rstrip("/")
        client = stripe.StripeClient(settings["secret_key"], base_addresses={"api": base},
                                     http_client=stripe.HTTPXClient(allow_sync_methods=False),
                                     max_network_retries=2)
        return client, settings

    async def start_payment(self, request: PaymentRequest) -> PaymentAction:
        client, settings = await self._client(request.shop)
        try:
            intent = await client.v1.payment_intents.create_async(params={
                "amount": request.amount, "currency": request.currency.lower(),
                "automatic_payment_methods": {"enabled": True},
                "description": request.description,
                "metadata": {"reference": request.reference,
                             "order_number": request.order_number,
                             "shop": request.shop.slug, "return_url": request.return_url,
                             NOTIFY_URL_KEY: request.notify_url},
            }, options={"idempotency_key": f"galleria-{request.shop.id}-{request.reference}"})
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe refused the payment: {_message(exc)}") from exc
        data = {"client_secret": intent.client_secret,
                "publishable_key": settings.get("publishable_key", ""),
                "return_url": request.return_url}
        base = (settings.get("api_base_url") or STRIPE_API).rstrip("/")
        if base != STRIPE_API:  # a simulator: its page stands in for Stripe.js
            data["sandbox_url"] = f"{base}/pay/{intent.id}"
        return PaymentAction("client_secret", data, provider_reference=intent.id)

    async def handle_notification(self, shop: Shop, callback: CallbackRequest) -> list:
        settings = await plugin_settings(shop.id, PLUGIN)
        secret = settings.get("webhook_secret")
        if not secret:
            raise NotificationRejected("no webhook secret is set for this shop")
        try:
            event = stripe.Webhook.construct_event(
                callback.body, callback.headers.get("stripe-signature"), secret,
                tolerance=TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise NotificationRejected(f"Stripe signature: {exc}") from exc
        data = event.to_dict()
        obj = data["data"]["object"]
        if data["type"] == "payment_intent.succeeded" and isinstance(
                obj.get("latest_charge"), str):
            obj["latest_charge"] = await self._charge(shop, obj["latest_charge"])
        return _updates(data)

    async def _charge(self, shop: Shop, charge_id: str) -> dict[str, Any] | str:
        """The charge an event names by id (its card's fingerprint names the payer); the id
        alone when Stripe cannot be asked now (the payment is still applied, payer by
        customer)."""
        client, _ = await self._client(shop)
        try:
            return (await client.v1.charges.retrieve_async(charge_id)).to_dict()
        except stripe.StripeError as exc:
            log.warning("Stripe charge %s not read: %s", charge_id, _message(exc))
            return charge_id

    def answer(self, accepted: bool, message: str = "") -> CallbackResponse:
        # Stripe retries anything but 2xx for three days: refuse only what should be retried.
        return CallbackResponse(200 if accepted else 400, message.encode(), "text/plain")

    async def query(self, shop: Shop, payment: PaymentRecord) -> PaymentUpdate:
        client, _ = await self._client(shop)
        try:
            intent = await client.v1.payment_intents.retrieve_async(
                payment.provider_reference, params={"expand": ["latest_charge"]})
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {_message(exc)}") from exc
        return _intent_update(intent.to_dict())

    async def close(self, shop: Shop, payment: PaymentRecord) -> None:
        if not payment.provider_reference:
            return  # Stripe never made an intent for it
        client, _ = await self._client(shop)
        try:
            await client.v1.payment_intents.cancel_async(
                payment.provider_reference,
                options={"idempotency_key": f"galleria-{shop.id}-{payment.reference}-cancel"})
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe could not cancel: {_message(exc)}") from exc

    async def refund(self, request: RefundRequest) -> RefundUpdate:
        client, _ = await self._client(request.shop)
        try:
            refund = await client.v1.refunds.create_async(params={
                "payment_intent": request.payment.provider_reference,
                "amount": request.amount, "reason": "requested_by_customer",
                "metadata": {"reference": request.reference,
                             "order_number": request.payment.order_number},
            }, options={"idempotency_key": f"galleria-{request.shop.id}-{request.reference}"})
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe refused the refund: {_message(exc)}") from exc
        return RefundUpdate(request.reference, REFUND_STATUS.get(refund.status, "pending"),
                            refund.amount, refund.id)


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__


def _intent_update(intent: dict[str, Any], notification_id: str = "") -> PaymentUpdate:
    reference = (intent.get("metadata") or {}).get("reference", "")
    status = INTENT_STATUS.get(intent["status"], "pending")
    if intent["status"] == "requires_payment_method" and intent.get("last_payment_error"):
        status = "failed"
    return PaymentUpdate(reference, status, intent.get("amount_received") or None,
                         str(intent["currency"]).upper(), intent["id"], notification_id,
                         payer_ref=_payer(intent))


def _payer(intent: dict[str, Any]) -> str:
    """Who paid: the card's fingerprint (the same card on any account), else the customer."""
    charge = intent.get("latest_charge")
    details = (charge.get("payment_method_details") or {}) if isinstance(charge, dict) else {}
    fingerprint = (details.get("card") or {}).get("fingerprint")
    if fingerprint:
        return f"card:{fingerprint}"[:64]
    customer = intent.get("customer")
    customer = customer.get("id") if isinstance(customer, dict) else customer
    return f"customer:{customer}"[:64] if customer else ""


def _updates(event: dict[str, Any]) -> list:
    kind, obj = event["type"], event["data"]["object"]
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed",
                "payment_intent.canceled"):
        update = _intent_update(obj, event["id"])
        if kind == "payment_intent.payment_failed":
            update = PaymentUpdate(update.reference, "failed", None, update.currency,
                                   update.provider_reference, event["id"])
        return [update]
    if kind in ("refund.created", "refund.updated", "refund.failed"):
        reference = (obj.get("metadata") or {}).get("reference", "")
        return [RefundUpdate(reference, REFUND_STATUS.get(obj["status"], "pending"),
                             obj["amount"], obj["id"], event["id"])]
    return []  # other events: accepted and ignored


__all__ = ["PLUGIN", "StripeGateway"]
