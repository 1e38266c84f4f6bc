"""The Alipay payment gateway: page pay, wap pay and QR (precreate), notifications, query,
close and refund — the kernel's `PaymentGateway` contract over Alipay's open platform.

Protocol facts are those of shared PROTOCOLS.md "Alipay"; the signing rules live in
signing.py. Amount, currency, shop and duplicate checks of a notification are the kernel's;
this gateway verifies who sent it (signature, app_id, seller_id, freshness).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx

from galleria.kernel import (
    CallbackRequest,
    CallbackResponse,
    FieldError,
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
    ValidationFailed,
    plugin_settings,
)
from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.client import (
    DEFAULT_BASE_URL,
    AlipayClient,
    AlipayError,
    Credentials,
)

# The contract's status and action names (galleria.kernel.payments.contracts; plugins may
# import galleria.kernel only, which does not re-export these constants).
PAID, PENDING, CLOSED, SUCCEEDED = "paid", "pending", "closed", "succeeded"
QR_CODE, REDIRECT = "qr_code", "redirect"

PLUGIN = "payments_alipay"
CODE = "alipay"
CURRENCY = "CNY"  # Alipay's domestic gateway settles in yuan only
REAL_QR_CODES = "https://qr.alipay.com/"
# Phone browsers (as the WeChat Pay plugin tells them): without a scene they get wap pay.
_PHONE = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)
SCENES = {"": "page", "page": "page", "wap": "wap", "h5": "wap", "qr": "qr"}
PAY_METHODS = {"page": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
               "wap": ("alipay.trade.wap.pay", "QUICK_WAP_WAY")}
TRADE_STATES = {"WAIT_BUYER_PAY": PENDING, "TRADE_SUCCESS": PAID, "TRADE_FINISHED": PAID,
                "TRADE_CLOSED": CLOSED}
# Alipay retries an unanswered notification for about 25 hours; anything older than this
# is a replay of a captured message, not a retry. (Our rule: Alipay documents none.)
NOTIFICATION_MAX_AGE = dt.timedelta(hours=26)
CLOCK_SKEW = dt.timedelta(minutes=10)
_SUBJECT_FORBIDDEN = re.compile(r"[/=&]")  # Alipay refuses these in `subject`


class AlipayGateway(PaymentGateway):
    """Alipay for one shop. Credentials are read from the shop's plugin settings each time
    a method runs, never kept. `now` and `transport` are for tests."""

    code = CODE
    mark = "mark.svg"
    offline = False
    pays_on_delivery = False
    partial_refunds = True

    def __init__(self, shop: Shop, *, now: Callable[[], dt.datetime] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.shop = shop
        self.name = "支付宝" if shop.locale.startswith("zh") else "Alipay"  # shown to shoppers
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._transport = transport

    # -- payments -------------------------------------------------------------------------

    async def start_payment(self, request: PaymentRequest) -> PaymentAction:
        """Page and wap pay answer a redirect to the signed gateway URL (Alipay creates the
        trade once the buyer opens it); `qr` precreates the trade and answers its QR code."""
        scene = SCENES.get(request.scene)
        if not request.scene and _PHONE.search(request.client.get("user_agent", "")):
            scene = "wap"  # a phone browser: Alipay's phone cashier, which opens the app
        if scene is None:
            raise ValidationFailed("Alipay does not offer this scene", errors=[
                FieldError("scene", f"one of {', '.join(s for s in SCENES if s)}")])
        _require_cny(request.currency)
        client = await self._client(request.shop)
        biz = {"out_trade_no": request.reference, "total_amount": signing.yuan(request.amount),
               "subject": _subject(request.description, request.order_number),
               "time_expire": signing.timestamp(request.expires_at)}
        if scene == "qr":
            answer = await client.call("alipay.trade.precreate", biz,
                                       notify_url=request.notify_url)
            qr_code = str(answer.get("qr_code") or "")
            if not qr_code:
                raise GatewayError("Alipay answered the precreate without a qr_code")
            data = {"qr_code": qr_code}
            if not qr_code.startswith(REAL_QR_CODES):
                # A simulator's code (tests, sandbox mode): the page it encodes is where a
                # browser pays, as the WeChat Pay plugin offers with `sandbox_url` too.
                data["sandbox_url"] = qr_code
            return PaymentAction(QR_CODE, data)
        method, product_code = PAY_METHODS[scene]
        biz["product_code"] = product_code
        if scene == "wap":
            biz["quit_url"] = request.return_url
        url = client.page_url(method, biz, notify_url=request.notify_url,
                              return_url=request.return_url)
        return PaymentAction(REDIRECT, {"url": url})

    async def query(self, shop: Shop, payment: PaymentRecord) -> PaymentUpdate:
        """The trade's state; a page/wap trade nobody opened yet does not exist at Alipay
        (`ACQ.TRADE_NOT_EXIST`) and is reported as pending."""
        client = await self._client(shop)
        try:
            answer = await client.call("alipay.trade.query",
                                       {"out_trade_no": payment.reference})
        except AlipayError as exc:
            if exc.sub_code == "ACQ.TRADE_NOT_EXIST":
                return PaymentUpdate(payment.reference, PENDING)
            raise
        status = TRADE_STATES.get(answer.get("trade_status", ""))
        if status is None:
            raise GatewayError(f"Alipay answered an unknown trade status "
                               f"{answer.get('trade_status')!r}")
        return PaymentUpdate(payment.reference, status, amount=_fen(answer.get("total_amount")),
                             currency=CURRENCY, provider_reference=answer.get("trade_no", ""),
                             payer_ref=str(answer.get("buyer_user_id")
                                           or answer.get("buyer_id") or "")[:64])

    async def close(self, shop: Shop, payment: PaymentRecord) -> None:
        """Close an unpaid trade. One that was never opened has nothing to close; closing a
        paid trade fails (`GatewayError`), since that payment must be refunded instead."""
        client = await self._client(shop)
        try:
            await client.call("alipay.trade.close", {"out_trade_no": payment.reference})
        except AlipayError as exc:
            if exc.sub_code != "ACQ.TRADE_NOT_EXIST":
                raise

    async def refund(self, request: RefundRequest) -> RefundUpdate:
        """Refund `request.amount` of the payment under `out_request_no` = the refund's
        reference, so that a retry is recognised by Alipay and moves no money twice."""
        _require_cny(request.currency)
        client = await self._client(request.shop)
        biz = {"out_trade_no": request.payment.reference,
               "refund_amount": signing.yuan(request.amount),
               "out_request_no": request.reference}
        if request.reason:
            biz["refund_reason"] = request.reason[:256]
        answer = await client.call("alipay.trade.refund", biz)
        trade_no = answer.get("trade_no", "")
        if answer.get("fund_change") == "Y":
            return RefundUpdate(request.reference, SUCCEEDED, amount=request.amount,
                                provider_reference=trade_no)
        # "N": a repeat of a refund already made, or one still in progress: ask which.
        found = await client.call("alipay.trade.fastpay.refund.query", {
            "out_trade_no": request.payment.reference, "out_request_no": request.reference})
        if found.get("refund_status", "REFUND_SUCCESS") == "REFUND_SUCCESS" and \
                found.get("refund_amount"):
            return RefundUpdate(request.reference, SUCCEEDED,
                                amount=_fen(found["refund_amount"]), provider_reference=trade_no)
        return RefundUpdate(request.reference, PENDING, provider_reference=trade_no)

    # -- notifications --------------------------------------------------------------------

    async def handle_notification(self, shop: Shop,
                                  callback: CallbackRequest) -> list[PaymentUpdate | RefundUpdate]:
        """Verify an asynchronous notification (RSA2 over the fields minus `sign` and
        `sign_type`, then app_id, seller_id and age) and report what it says."""
        try:
            credentials = await self._credentials(shop)
        except GatewayError as exc:
            raise NotificationRejected(f"Alipay is not set up: {exc.detail}") from exc
        fields = _form(callback.body)
        if fields.get("sign_type") != signing.SIGN_TYPE:
            raise NotificationRejected("sign_type is not RSA2")
        if not signing.verify(signing.notification_content(fields), fields.get("sign", ""),
                              credentials.alipay_public_key):
            raise NotificationRejected("the signature does not verify")
        if fields.get("app_id") != credentials.app_id:
            raise NotificationRejected("the notification is for another app_id")
        if credentials.seller_id and fields.get("seller_id") != credentials.seller_id:
            raise NotificationRejected("the notification is for another seller_id")
        self._check_age(fields.get("notify_time", ""))
        return [_update(fields)]

    def answer(self, accepted: bool, message: str = "") -> CallbackResponse:
        """Alipay stops retrying only on the exact body `success`."""
        if accepted:
            return CallbackResponse(200, b"success")
        return CallbackResponse(400, b"fail")

    def _check_age(self, notify_time: str) -> None:
        try:
            sent = signing.parse_timestamp(notify_time)
        except ValueError as exc:
            raise NotificationRejected("notify_time is missing or malformed") from exc
        now = self._now()
        if sent < now - NOTIFICATION_MAX_AGE or sent > now + CLOCK_SKEW:
            raise NotificationRejected(f"notify_time {notify_time} is stale")

    # -- credentials ----------------------------------------------------------------------

    async def _credentials(self, shop: Shop) -> Credentials:
        settings = await plugin_settings(shop.id, PLUGIN)  # opens the shop's scope itself
        missing = [name for name in ("app_id", "app_private_key", "alipay_public_key")
                   if not settings.get(name)]
        if missing:
            raise GatewayError(f"Alipay settings missing: {', '.join(missing)}")
        try:
            return Credentials(
                app_id=str(settings["app_id"]),
                app_private_key=signing.load_private_key(settings["app_private_key"]),
                alipay_public_key=signing.load_public_key(settings["alipay_public_key"]),
                seller_id=str(settings.get("seller_id") or ""),
                base_url=str(settings.get("api_base_url") or DEFAULT_BASE_URL))
        except signing.SignatureError as exc:
            raise GatewayError(str(exc)) from exc

    async def _client(self, shop: Shop) -> AlipayClient:
        return AlipayClient(await self._credentials(shop), now=self._now,
                            transport=self._transport)


def _update(fields: dict[str, str]) -> PaymentUpdate | RefundUpdate:
    """A verified notification as the kernel's update. One that reports a refund
    (`out_biz_no` with `refund_fee`) is about the refund, not the payment: the trade of a
    fully refunded payment is TRADE_CLOSED, which does not make the payment unpaid."""
    reference = fields.get("out_trade_no", "")
    if not reference:
        raise NotificationRejected("out_trade_no is missing")
    trade_no, notify_id = fields.get("trade_no", ""), fields.get("notify_id", "")
    if fields.get("out_biz_no") and fields.get("refund_fee"):
        # refund_fee is the trade's refunded total, not this refund's amount: the kernel
        # knows the amount of the refund it asked for.
        return RefundUpdate(fields["out_biz_no"], SUCCEEDED, provider_reference=trade_no,
                            notification_id=notify_id)
    status = TRADE_STATES.get(fields.get("trade_status", ""))
    if status is None:
        raise NotificationRejected(f"unknown trade_status {fields.get('trade_status')!r}")
    try:
        amount = signing.fen(fields.get("total_amount", ""))
    except ValueError as exc:
        raise NotificationRejected("total_amount is not an amount in yuan") from exc
    return PaymentUpdate(reference, status, amount=amount, currency=CURRENCY,
                         provider_reference=trade_no, notification_id=notify_id,
                         payer_ref=fields.get("buyer_id", "")[:64])


def _form(body: bytes) -> dict[str, str]:
    """The notification's form fields; a field sent twice is refused, not guessed at."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotificationRejected("the body is not a form") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise NotificationRejected("a field is repeated")
    return fields


def _fen(text: str | None) -> int | None:
    try:
        return signing.fen(text or "")
    except ValueError as exc:
        raise GatewayError(f"Alipay answered an amount that is not one: {text!r}") from exc


def _require_cny(currency: str) -> None:
    if currency != CURRENCY:
        raise ValidationFailed("Alipay takes payments in CNY only", errors=[
            FieldError("currency", "must be CNY")])


def _subject(description: str, order_number: str) -> str:
    subject = " ".join(_SUBJECT_FORBIDDEN.sub(" ", description).split())[:256]
    return subject or f"Order {order_number}"


__all__ = ["CODE", "PLUGIN", "AlipayGateway"]
