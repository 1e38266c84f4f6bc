"""A local Stripe for tests and the sandbox: PaymentIntents, refunds and signed webhooks.

It speaks what stripe-python sends (form-encoded bracketed parameters, `Authorization:
Bearer sk_…`, `Idempotency-Key`) and answers Stripe's JSON objects and error shapes. It
refuses what Stripe refuses: an unknown API key (401), another account's object or an
unknown id (404 `resource_missing`), an idempotency key reused with other parameters (400
`idempotency_error`), cancelling a succeeded intent (400
`payment_intent_unexpected_state`), refunding more than was received (400
`amount_too_large`). Events are signed as Stripe signs them (`t=…,v1=HMAC-SHA256("{t}.{body}")`)
with the account's webhook secret and delivered to the URL in the intent's
`galleria_notify_url` metadata — real Stripe sends them to the endpoint set in its dashboard —
retried on failure; `duplicate_events` sends each twice, as Stripe may.

A paid intent has a charge (`ch_…`) and a payment method (`pm_…`) whose `card.fingerprint`
is the same for the same card number, as Stripe's is: the intent names them by id
(`latest_charge`, `payment_method`, as in Stripe's events), `GET /v1/charges/{id}` and
`GET /v1/payment_methods/{id}` answer them, and `expand[]=latest_charge` on
`GET /v1/payment_intents/{id}` puts the charge in place. The sandbox page takes the card.

Never imported on production paths: tests and `galleria_sandbox_apps` (demo) only.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from galleria.testing import stripe_billing

# One signer, one form parser, one error shape for both Stripe simulators (plugins reach
# galleria.testing only through its top-level module).
StripeError = stripe_billing.StripeError
form_fields = stripe_billing.form_fields
sign = stripe_billing.sign

HTML = "text/html; charset=utf-8"


class StripeSimulator:
    """`accounts` maps a secret key to its webhook secret. `sender` posts events (an httpx
    client; tests give one with an ASGI transport into the app). Event URLs on `*.localhost`
    (the demo's shops) are sent to 127.0.0.1 with the shop's Host header, as browsers
    resolve them (RFC 6761); Python's resolver does not."""

    def __init__(self, accounts: dict[str, str], *, sender: httpx.AsyncClient | None = None,
                 retry_delays: tuple[float, ...] = (1, 5, 30),
                 duplicate_events: bool = False) -> None:
        self.accounts = accounts
        self.sender = sender
        self.retry_delays, self.duplicate_events = retry_delays, duplicate_events
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.owner: dict[str, str] = {}  # object id → secret key
        self.idempotency: dict[tuple[str, str], tuple[str, int, dict]] = {}
        self.deliveries: list[tuple[str, int]] = []  # (event type, status)
        self._tasks: set[asyncio.Task] = set()

    # -- ASGI ----------------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        try:
            status, content, kind = await self._route(scope["method"], scope["path"],
                                                      headers, body, scope)
        except StripeError as exc:
            status, content, kind = exc.status, json.dumps(exc.body).encode(), "application/json"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode())]})
        await send({"type": "http.response.body", "body": content})

    async def _route(self, method: str, path: str, headers: dict, body: bytes,
                     scope: dict) -> tuple[int, bytes, str]:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["pay"] and len(parts) == 2:
            return await self._pay_page(method, parts[1], body, scope)
        key = self._authenticate(headers)
        params = form_fields(body if method == "POST" else scope.get("query_string", b""))
        idem = headers.get("idempotency-key")
        if idem and method == "POST":
            digest = hashlib.sha256(path.encode() + body).hexdigest()
            seen = self.idempotency.get((key, idem))
            if seen is not None:
                if seen[0] != digest:
                    raise StripeError(400, "idempotency_error", "idempotency_key_in_use",
                                      "Keys for idempotent requests can only be used with the "
                                      "same parameters they were first used with.")
                return seen[1], json.dumps(seen[2]).encode(), "application/json"
        status, obj = self._api(method, parts, key, params)
        if idem and method == "POST" and status < 500:
            self.idempotency[(key, idem)] = (digest, status, obj)
        return status, json.dumps(obj).encode(), "application/json"

    def _authenticate(self, headers: dict) -> str:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or key not in self.accounts:
            raise StripeError(401, "invalid_request_error", "api_key_invalid",
                              "Invalid API Key provided")
        return key

    def _api(self, method: str, parts: list[str], key: str,
             params: dict) -> tuple[int, dict]:
        if parts[:2] == ["v1", "payment_intents"]:
            if method == "POST" and len(parts) == 2:
                return 200, self._create_intent(key, params)
            intent = self._own(self.intents, parts[2] if len(parts) > 2 else "", key)
            if method == "GET" and len(parts) == 3:
                return 200, self._expanded(intent, params)
            if method == "POST" and parts[3:] == ["cancel"]:
                return 200, self._cancel(intent)
        if parts[:2] == ["v1", "charges"] and method == "GET" and len(parts) == 3:
            return 200, self._own(self.charges, parts[2], key)
        if parts[:2] == ["v1", "payment_methods"] and method == "GET" and len(parts) == 3:
            return 200, self._own(self.payment_methods, parts[2], key)
        if parts == ["v1", "refunds"] and method == "POST":
            return 200, self._refund(key, params)
        if parts[:2] == ["v1", "refunds"] and method == "GET" and len(parts) == 3:
            return 200, self._own(self.refunds, parts[2], key)
        raise StripeError(404, "invalid_request_error", "resource_missing",
                          f"Unrecognized request URL ({method} /{'/'.join(parts)})")

    def _own(self, objects: dict, object_id: str, key: str) -> dict:
        if object_id not in objects or self.owner.get(object_id) != key:
            raise StripeError(404, "invalid_request_error", "resource_missing",
                              f"No such object: '{object_id}'")
        return objects[object_id]

    # -- objects ---------------------------------------------------------------------------
    def _create_intent(self, key: str, params: dict) -> dict:
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            amount = 0
        currency = str(params.get("currency", ""))
        if amount < 1 or len(currency) != 3 or currency != currency.lower():
            raise StripeError(400, "invalid_request_error", "parameter_invalid_integer",
                              "amount must be a positive integer and currency a lower-case "
                              "ISO code")
        intent_id = "pi_" + secrets.token_hex(12)
        intent = {"id": intent_id, "object": "payment_intent", "amount": amount,
                  "amount_received": 0, "currency": currency,
                  "status": "requires_payment_method", "livemode": False,
                  "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                  "description": params.get("description"),
                  "metadata": dict(params.get("metadata") or {}), "last_payment_error": None,
                  "latest_charge": None, "payment_method": None,
                  "created": int(time.time())}
        self.intents[intent_id] = intent
        self.owner[intent_id] = key
        return intent

    def _cancel(self, intent: dict) -> dict:
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(400, "invalid_request_error", "payment_intent_unexpected_state",
                              f"You cannot cancel this PaymentIntent because it has a status "
                              f"of {intent['status']}.")
        intent["status"] = "canceled"
        self._emit(intent, "payment_intent.canceled", intent)
        return intent

    def _refund(self, key: str, params: dict) -> dict:
        intent = self._own(self.intents, str(params.get("payment_intent", "")), key)
        if intent["status"] != "succeeded":
            raise StripeError(400, "invalid_request_error", "charge_not_refundable",
                              "This PaymentIntent has no successful charge to refund.")
        refunded = sum(r["amount"] for r in self.refunds.values()
                       if r["payment_intent"] == intent["id"] and r["status"] != "failed")
        try:
            amount = int(params.get("amount", intent["amount_received"] - refunded))
        except ValueError:
            amount = 0
        if amount < 1 or amount > intent["amount_received"] - refunded:
            raise StripeError(400, "invalid_request_error", "amount_too_large",
                              f"Refund amount ({amount}) is greater than unrefunded amount "
                              f"on charge ({intent['amount_received'] - refunded})")
        refund_id = "re_" + secrets.token_hex(12)
        refund = {"id": refund_id, "object": "refund", "amount": amount,
                  "currency": intent["currency"], "payment_intent": intent["id"],
                  "status": "succeeded", "reason": params.get("reason"),
                  "metadata": dict(params.get("metadata") or {}), "created": int(time.time())}
        self.refunds[refund_id] = refund
        self.owner[refund_id] = key
        self._emit(intent, "refund.updated", refund)
        return refund

    def _expanded(self, intent: dict, params: dict) -> dict:
        wanted = params.get("expand") or {}
        wanted = set(wanted.values()) if isinstance(wanted, dict) else {wanted}
        charge = self.charges.get(intent.get("latest_charge") or "")
        if "latest_charge" in wanted and charge is not None:
            return {**intent, "latest_charge": charge}
        return intent

    @staticmethod
    def fingerprint(card: str) -> str:
        """The card's fingerprint: the same card number, the same fingerprint."""
        digits = "".join(ch for ch in card if ch.isdigit())
        return hashlib.sha256(f"card:{digits}".encode()).hexdigest()[:16]

    def succeed(self, intent_id: str, card: str = "4242424242424242") -> dict:
        """The card was charged: what Stripe.js confirming the intent leads to."""
        intent = self.intents[intent_id]
        if intent["status"] == "requires_payment_method":
            key = self.owner[intent_id]
            digits = "".join(ch for ch in card if ch.isdigit()) or "4242424242424242"
            details = {"brand": "visa", "last4": digits[-4:], "exp_month": 12,
                       "exp_year": 2030, "fingerprint": self.fingerprint(digits)}
            method_id, charge_id = "pm_" + secrets.token_hex(12), "ch_" + secrets.token_hex(12)
            self.payment_methods[method_id] = {"id": method_id, "object": "payment_method",
                                               "type": "card", "card": details}
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "amount": intent["amount"],
                "currency": intent["currency"], "payment_intent": intent_id,
                "payment_method": method_id, "status": "succeeded", "paid": True,
                "payment_method_details": {"type": "card", "card": details}}
            self.owner[method_id] = self.owner[charge_id] = key
            intent.update(status="succeeded", amount_received=intent["amount"],
                          latest_charge=charge_id, payment_method=method_id)
            self._emit(intent, "payment_intent.succeeded", intent)
        return intent

    def decline(self, intent_id: str) -> dict:
        intent = self.intents[intent_id]
        if intent["status"] == "requires_payment_method":
            intent["last_payment_error"] = {"code": "card_declined",
                                            "message": "Your card was declined."}
            self._emit(intent, "payment_intent.payment_failed", intent)
        return intent

    # -- the shopper's page ----------------------------------------------------------------
    async def _pay_page(self, method: str, intent_id: str, body: bytes,
                        scope: dict) -> tuple[int, bytes, str]:
        intent = self.intents.get(intent_id)
        if intent is None:
            return 404, b"No such payment", "text/plain"
        if method == "POST":
            form = dict(parse_qsl(body.decode()))
            if form.get("outcome") == "decline":
                self.decline(intent_id)
            else:
                self.succeed(intent_id, form.get("card") or "4242424242424242")
        back = html.escape(intent["metadata"].get("return_url", ""))
        amount = f"{intent['amount'] / 100:.2f} {intent['currency'].upper()}"  # display only
        state = html.escape(intent["status"])
        page = f"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Stripe sandbox</title>
<body style="font-family:system-ui;max-width:28rem;margin:2rem auto;padding:1rem">
<h1>Stripe sandbox</h1><p>{html.escape(intent.get('description') or '')}</p>
<p>Amount: <strong>{amount}</strong> · status: <strong id="status">{state}</strong></p>
<form method="post"><p><label>Card <input name="card" value="4242 4242 4242 4242"
 inputmode="numeric" autocomplete="off"></label> (test)</p>
<button name="outcome" value="succeed">Pay</button>
<button name="outcome" value="decline">Decline</button></form>
{f'<p><a href="{back}">Back to the shop</a></p>' if back else ''}</body></html>"""
        return 200, page.encode(), HTML

    # -- events ----------------------------------------------------------------------------
    def _emit(self, intent: dict, kind: str, obj: dict) -> None:
        url = intent["metadata"].get("galleria_notify_url")
        secret = self.accounts.get(self.owner[intent["id"]])
        if not url or not secret:
            return
        event = {"id": "evt_" + secrets.token_hex(12), "object": "event", "type": kind,
                 "created": int(time.time()), "livemode": False,
                 "data": {"object": json.loads(json.dumps(obj))}}
        for _ in range(2 if self.duplicate_events else 1):
            task = asyncio.get_event_loop().create_task(self._deliver(url, secret, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, secret: str, event: dict) -> None:
        payload = json.dumps(event).encode()
        target, headers = url, {"content-type": "application/json"}
        parts = urlsplit(url)
        if (parts.hostname or "").endswith(".localhost"):
            target = parts._replace(netloc=f"127.0.0.1:{parts.port or 80}").geturl()
            headers["host"] = parts.netloc
        if self.sender is None:
            self.sender = httpx.AsyncClient(timeout=10)
        sender = self.sender
        for delay in (0, *self.retry_delays):
            await asyncio.sleep(delay)
            headers["stripe-signature"] = sign(payload, secret)
            try:
                answer = await sender.post(target, content=payload, headers=headers)
                self.deliveries.append((event["type"], answer.status_code))
                if answer.status_code < 300:
                    return
            except httpx.HTTPError:
                self.deliveries.append((event["type"], 0))

    async def settle(self) -> None:
        """Wait until every event sent so far was delivered (or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


__all__ = ["StripeSimulator", "sign"]
