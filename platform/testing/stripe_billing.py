"""A local Stripe Billing for tests and the sandbox: Checkout Sessions in subscription mode,
Customer Portal sessions, subscriptions, invoices with proration, and signed webhooks.

It speaks what stripe-python sends (form-encoded bracketed parameters, `Authorization:
Bearer sk_…`) and answers Stripe's JSON objects and error shapes, refusing what Stripe
refuses: an unknown API key (401), an unknown object or price (404 `resource_missing`), a
Checkout Session that is not in subscription mode or has no success URL (400
`parameter_missing` / `parameter_invalid_empty`). Events are signed as Stripe signs them
(`Stripe-Signature: t=…,v1=HMAC-SHA256("{t}.{body}")`) with the endpoint's secret and posted to
`webhook_url` (real Stripe: the endpoint set in its dashboard), retried on failure.
`duplicate_events` sends each twice; `hold_events` keeps them until `release()`, which can
deliver them in reverse order — Stripe promises neither once-only nor in-order delivery.

The pages a merchant sees at Stripe (`/checkout/{id}`, `/portal/{id}`) are plain HTML with
buttons: pay or decline; switch plan or cancel at the period's end.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx

HTML = "text/html; charset=utf-8"
PERIOD = {"month": 30 * 86400, "year": 365 * 86400}


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `payload` (shared with the Stripe payment plugin's
    simulator: one signing, as Stripe has one)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def form_fields(body: bytes) -> dict[str, Any]:
    """`a[b][0][c]=1` → {"a": {"b": {"0": {"c": "1"}}}}."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


class StripeError(Exception):
    def __init__(self, status: int, kind: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "code": code,
                                                     "message": message}}


def _missing(what: str, object_id: str) -> StripeError:
    return StripeError(404, "invalid_request_error", "resource_missing",
                       f"No such {what}: '{object_id}'")


class StripeBillingSimulator:
    """`prices` maps a price id to (amount in minor units, currency, interval). One account:
    `secret_key` for the API, `webhook_secret` for the events sent to `webhook_url`."""

    def __init__(self, prices: dict[str, tuple[int, str, str]], *, secret_key: str,
                 webhook_secret: str, webhook_url: str = "",
                 sender: httpx.AsyncClient | None = None,
                 retry_delays: tuple[float, ...] = (1, 5, 30)) -> None:
        self.prices = prices
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.webhook_url, self.sender, self.retry_delays = webhook_url, sender, retry_delays
        self.url = ""  # where the simulator is served (set by whoever serves it)
        self.duplicate_events = self.hold_events = False
        self.held: list[dict[str, Any]] = []
        self.sessions: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.deliveries: list[tuple[str, int]] = []  # (event type, answer status)
        self._clock = int(time.time())
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def for_plans(cls, catalogue: Any, **kwargs: Any) -> StripeBillingSimulator:
        """A simulator selling the platform's plans (galleria.kernel.billing.plans)."""
        prices = {plan.stripe_price(interval): (plan.price(interval), plan.currency.lower(),
                                                interval)
                  for plan in catalogue.plans for interval in ("month", "year")}
        return cls(prices, **kwargs)

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
            status, content, kind = self._route(scope["method"], scope["path"], headers, body)
        except StripeError as exc:
            status, content, kind = exc.status, json.dumps(exc.body).encode(), "application/json"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode())]})
        await send({"type": "http.response.body", "body": content})

    def _route(self, method: str, path: str, headers: dict,
               body: bytes) -> tuple[int, bytes, str]:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["checkout"] and len(parts) == 2:
            return self._checkout_page(method, parts[1], body)
        if parts[:1] == ["portal"] and len(parts) == 2:
            return self._portal_page(method, parts[1], body)
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or key != self.secret_key:
            raise StripeError(401, "invalid_request_error", "api_key_invalid",
                              "Invalid API Key provided")
        params = form_fields(body) if method == "POST" else {}
        return 200, json.dumps(self._api(method, parts, params)).encode(), "application/json"

    def _api(self, method: str, parts: list[str], params: dict) -> dict:
        if parts == ["v1", "checkout", "sessions"] and method == "POST":
            return self._create_session(params)
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4 and method == "GET":
            return self._get(self.sessions, "checkout.session", parts[3])
        if parts == ["v1", "billing_portal", "sessions"] and method == "POST":
            return self._create_portal(params)
        if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            sub = self._get(self.subscriptions, "subscription", parts[2])
            if method == "GET":
                return sub
            if method == "POST":
                return self._update_subscription(sub, params)
            if method == "DELETE":
                return self._delete(sub)
        if parts[:2] == ["v1", "invoices"] and len(parts) == 3 and method == "GET":
            return self._get(self.invoices, "invoice", parts[2])
        raise StripeError(404, "invalid_request_error", "resource_missing",
                          f"Unrecognized request URL ({method} /{'/'.join(parts)})")

    @staticmethod
    def _get(objects: dict, what: str, object_id: str) -> dict:
        if object_id not in objects:
            raise _missing(what, object_id)
        return objects[object_id]

    # -- objects ---------------------------------------------------------------------------
    def _now(self) -> int:
        # Strictly increasing: events made in one second still order by `created`.
        self._clock = max(self._clock + 1, int(time.time()))
        return self._clock

    def _price(self, price_id: str) -> dict:
        if price_id not in self.prices:
            raise _missing("price", price_id)
        amount, currency, interval = self.prices[price_id]
        return {"id": price_id, "object": "price", "unit_amount": amount, "currency": currency,
                "recurring": {"interval": interval}}

    def _create_session(self, params: dict) -> dict:
        if params.get("mode") != "subscription":
            raise StripeError(400, "invalid_request_error", "parameter_invalid_empty",
                              "This simulator makes Checkout Sessions in subscription mode")
        if not params.get("success_url"):
            raise StripeError(400, "invalid_request_error", "parameter_missing",
                              "Missing required param: success_url.")
        item = (params.get("line_items") or {}).get("0") or {}
        price = self._price(str(item.get("price", "")))
        customer = params.get("customer") or ""
        if customer and customer not in self.customers:
            raise _missing("customer", customer)
        session_id = "cs_test_" + secrets.token_hex(12)
        session = {"id": session_id, "object": "checkout.session", "mode": "subscription",
                   "status": "open", "payment_status": "unpaid",
                   "url": f"{self.url}/checkout/{session_id}", "customer": customer or None,
                   "subscription": None, "client_reference_id": params.get("client_reference_id"),
                   "metadata": dict(params.get("metadata") or {}),
                   "subscription_data": dict(params.get("subscription_data") or {}),
                   "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
                   "price": price["id"], "amount_total": price["unit_amount"],
                   "currency": price["currency"], "created": self._now()}
        self.sessions[session_id] = session
        return {k: v for k, v in session.items() if k not in ("subscription_data", "price")}

    def _create_portal(self, params: dict) -> dict:
        customer = str(params.get("customer", ""))
        if customer not in self.customers:
            raise _missing("customer", customer)
        portal_id = "bps_" + secrets.token_hex(12)
        portal = {"id": portal_id, "object": "billing_portal.session", "customer": customer,
                  "return_url": params.get("return_url"), "url": f"{self.url}/portal/{portal_id}",
                  "created": self._now()}
        self.portal_sessions[portal_id] = portal
        return portal

    def _invoice(self, sub: dict, amount: int, reason: str, paid: bool) -> dict:
        invoice_id = "in_" + secrets.token_hex(12)
        invoice = {"id": invoice_id, "object": "invoice", "customer": sub["customer"],
                   "subscription": sub["id"], "amount_due": amount,
                   "amount_paid": amount if paid else 0, "currency": sub["currency"],
                   "billing_reason": reason, "status": "paid" if paid else "open",
                   "subscription_details": {"metadata": dict(sub["metadata"])},
                   "created": self._now()}
        self.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    def complete_checkout(self, session_id: str, *, pay: bool = True) -> dict:
        """The merchant paid on Stripe's checkout page: a customer, a subscription, its
        first invoice, and the events Stripe sends for them."""
        session = self._get(self.sessions, "checkout.session", session_id)
        if session["status"] != "open":
            return session
        if not pay:
            return session
        customer = session["customer"] or "cus_" + secrets.token_hex(10)
        self.customers.setdefault(customer, {"id": customer, "object": "customer"})
        price = self._price(session["price"])
        now = self._now()
        sub_id = "sub_" + secrets.token_hex(12)
        period_end = now + PERIOD[price["recurring"]["interval"]]
        sub = {"id": sub_id, "object": "subscription", "customer": customer,
               "status": "active", "currency": price["currency"],
               "items": {"object": "list", "data": [{
                   "id": "si_" + secrets.token_hex(8), "price": price, "quantity": 1,
                   "current_period_end": period_end}]},
               "current_period_start": now, "current_period_end": period_end,
               "cancel_at_period_end": False, "canceled_at": None,
               "metadata": dict((session["subscription_data"] or {}).get("metadata") or {}),
               "latest_invoice": None, "created": now}
        self.subscriptions[sub_id] = sub
        invoice = self._invoice(sub, price["unit_amount"], "subscription_create", paid=True)
        session.update(status="complete", payment_status="paid", customer=customer,
                       subscription=sub_id)
        public = {k: v for k, v in session.items() if k not in ("subscription_data", "price")}
        self._emit("customer.subscription.created", sub)
        self._emit("invoice.paid", invoice)
        self._emit("checkout.session.completed", public)
        return session

    def _update_subscription(self, sub: dict, params: dict) -> dict:
        if sub["status"] == "canceled":
            raise StripeError(400, "invalid_request_error", "resource_missing",
                              "A canceled subscription can no longer be updated.")
        item = (params.get("items") or {}).get("0") or {}
        if item.get("price"):
            self.change_price(sub["id"], str(item["price"]))
        if "cancel_at_period_end" in params:
            self.set_cancel_at_period_end(sub["id"], params["cancel_at_period_end"] == "true")
        return sub

    def change_price(self, sub_id: str, price_id: str) -> dict:
        """Upgrade or downgrade now, prorated as Stripe does by default: credit for the unused
        time on the old price, a charge for the rest of the period on the new one."""
        sub = self.subscriptions[sub_id]
        new = self._price(price_id)
        old = sub["items"]["data"][0]["price"]
        now = self._now()
        left = max(sub["current_period_end"] - now, 0) / max(
            sub["current_period_end"] - sub["current_period_start"], 1)
        proration = round((new["unit_amount"] - old["unit_amount"]) * left)
        sub["items"]["data"][0]["price"] = new
        if proration > 0:
            self._emit("invoice.paid", self._invoice(sub, proration, "subscription_update",
                                                     paid=True))
        self._emit("customer.subscription.updated", sub)
        return sub

    def set_cancel_at_period_end(self, sub_id: str, cancel: bool = True) -> dict:
        sub = self.subscriptions[sub_id]
        sub["cancel_at_period_end"] = cancel
        self._emit("customer.subscription.updated", sub)
        return sub

    def _delete(self, sub: dict) -> dict:
        sub.update(status="canceled", canceled_at=self._now())
        self._emit("customer.subscription.deleted", sub)
        return sub

    def renew(self, sub_id: str, *, pay: bool = True) -> dict:
        """The period ended: a subscription set to cancel ends; any other is invoiced for the
        next period, and the payment succeeds or fails (then `past_due`, as with Smart
        Retries still trying)."""
        sub = self.subscriptions[sub_id]
        if sub["cancel_at_period_end"]:
            return self._delete(sub)
        price = sub["items"]["data"][0]["price"]
        start = sub["current_period_end"]
        sub["current_period_start"] = start
        sub["current_period_end"] = start + PERIOD[price["recurring"]["interval"]]
        sub["items"]["data"][0]["current_period_end"] = sub["current_period_end"]
        invoice = self._invoice(sub, price["unit_amount"], "subscription_cycle", paid=pay)
        sub["status"] = "active" if pay else "past_due"
        self._emit("invoice.paid" if pay else "invoice.payment_failed", invoice)
        self._emit("customer.subscription.updated", sub)
        return sub

    def pay_open_invoice(self, sub_id: str) -> dict:
        """The merchant updated the card and the open invoice was paid."""
        sub = self.subscriptions[sub_id]
        invoice = self.invoices[sub["latest_invoice"]]
        invoice.update(status="paid", amount_paid=invoice["amount_due"])
        sub["status"] = "active"
        self._emit("invoice.paid", invoice)
        self._emit("customer.subscription.updated", sub)
        return sub

    # -- the merchant's pages at "Stripe" -----------------------------------------------------
    def _checkout_page(self, method: str, session_id: str,
                       body: bytes) -> tuple[int, bytes, str]:
        session = self.sessions.get(session_id)
        if session is None:
            return 404, b"No such checkout session", "text/plain"
        if method == "POST":
            outcome = dict(parse_qsl(body.decode())).get("outcome", "pay")
            if outcome == "pay":
                self.complete_checkout(session_id)
                back = html.escape(session["success_url"])
                return 200, self._page("Checkout", (
                    f"<meta http-equiv='refresh' content='1;url={back}'>"
                    f"<p id='status'>complete</p><p><a id='return' href='{back}'>"
                    "Return to the shop</a></p>")), HTML
            return 200, self._page("Checkout", "<p>Your card was declined.</p>"), HTML
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        content = (f"<p>Subscription: <strong>{html.escape(session['price'])}</strong></p>"
                   f"<p>Amount: <strong>{amount}</strong> · status: "
                   f"<strong id='status'>{html.escape(session['status'])}</strong></p>"
                   "<form method='post'><p>Card: 4242 4242 4242 4242 (test)</p>"
                   "<button name='outcome' value='pay' id='pay'>Subscribe</button> "
                   "<button name='outcome' value='decline'>Decline</button></form>"
                   f"<p><a href='{html.escape(session['cancel_url'] or '')}'>Back</a></p>")
        return 200, self._page("Checkout", content), HTML

    def _portal_page(self, method: str, portal_id: str, body: bytes) -> tuple[int, bytes, str]:
        portal = self.portal_sessions.get(portal_id)
        if portal is None:
            return 404, b"No such portal session", "text/plain"
        subs = [s for s in self.subscriptions.values()
                if s["customer"] == portal["customer"] and s["status"] != "canceled"]
        if method == "POST" and subs:
            form = dict(parse_qsl(body.decode()))
            if form.get("price"):
                self.change_price(subs[0]["id"], form["price"])
            elif form.get("cancel"):
                self.set_cancel_at_period_end(subs[0]["id"], form["cancel"] == "yes")
        rows = ""
        if subs:
            current = subs[0]["items"]["data"][0]["price"]["id"]
            rows = "".join(
                f"<li>{html.escape(pid)} — {amount / 100:.2f} {cur.upper()}/{interval} "
                + ("<strong>(current)</strong>" if pid == current else
                   f"<form method='post' style='display:inline'><button name='price' "
                   f"value='{html.escape(pid)}'>Switch</button></form>") + "</li>"
                for pid, (amount, cur, interval) in self.prices.items())
            rows = (f"<ul>{rows}</ul><form method='post'><button name='cancel' value='yes'>"
                    "Cancel at period end</button></form>")
        back = html.escape(portal.get("return_url") or "")
        return 200, self._page("Customer portal",
                               rows + f"<p><a id='back' href='{back}'>Back</a></p>"), HTML

    @staticmethod
    def _page(title: str, content: str) -> bytes:
        return (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Stripe sandbox: "
                f"{title}</title><body style='font-family:system-ui;max-width:32rem;margin:2rem "
                f"auto'><h1>Stripe sandbox · {title}</h1>{content}</body></html>").encode()

    # -- events ----------------------------------------------------------------------------
    def _emit(self, kind: str, obj: dict) -> None:
        event = {"id": "evt_" + secrets.token_hex(12), "object": "event", "type": kind,
                 "created": self._now(), "livemode": False, "api_version": "2024-06-20",
                 "data": {"object": json.loads(json.dumps(obj))}}
        if self.hold_events:
            self.held.append(event)
            return
        self._send(event)

    def _send(self, event: dict) -> None:
        if not self.webhook_url:
            return
        for _ in range(2 if self.duplicate_events else 1):
            task = asyncio.get_event_loop().create_task(self._deliver(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def release(self, *, reverse: bool = False) -> list[dict]:
        """Send the held events (newest first with `reverse`); returns them."""
        events, self.held = self.held, []
        for event in reversed(events) if reverse else events:
            self._send(event)
        return events

    async def _deliver(self, event: dict) -> None:
        payload = json.dumps(event).encode()
        if self.sender is None:
            self.sender = httpx.AsyncClient(timeout=10)
        for delay in (0, *self.retry_delays):
            await asyncio.sleep(delay)
            headers = {"content-type": "application/json",
                       "stripe-signature": sign(payload, self.webhook_secret)}
            try:
                answer = await self.sender.post(self.webhook_url, content=payload,
                                                headers=headers)
                self.deliveries.append((event["type"], answer.status_code))
                if answer.status_code < 300:
                    return
            except httpx.HTTPError:
                self.deliveries.append((event["type"], 0))

    async def settle(self) -> None:
        """Wait until every event sent so far was delivered (or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


__all__ = ["StripeBillingSimulator", "sign"]
