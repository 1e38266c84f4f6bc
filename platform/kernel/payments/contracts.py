"""What payment plugins implement, and the plain data they are given and give back.

`galleria_payment_gateways(shop)` returns `PaymentGateway` subclasses' instances (the base
class below, with safe defaults). The kernel owns the payment and refund records, the order's
state and every check of money; a gateway only talks to its provider:

- `start_payment` asks the provider for a way to pay (a QR code, a redirect, a client
  secret, instructions). It never moves money and never marks anything paid.
- `handle_notification` verifies a callback the provider sent to
  `/callbacks/{plugin}/{gateway code}` (signature, timestamp, decryption) and reports what
  it says as `PaymentUpdate`s / `RefundUpdate`s. It raises `NotificationRejected` for
  anything it cannot verify; the kernel then reads nothing from it. Amount, currency, the
  order's shop and duplicates are the kernel's to check, not the gateway's.
- `answer` is how the provider wants to be answered (WeChat Pay: 204 or a JSON FAIL;
  Alipay: the text `success`; Stripe: 200).
- `query` asks the provider for a payment's state (the sweeper calls it for payments
  pending too long); `close` ends an unpaid payment (order cancelled); `refund` gives money
  back, partially or in full.

Every amount is an integer of minor units (fen, cents). Identifiers: `PaymentRequest.reference`
is the kernel's id of the payment attempt (`{order number}_{attempt}`: 6–32 characters of
digits, letters and `_`, valid as WeChat Pay's and Alipay's `out_trade_no`), and
`RefundRequest.reference` the refund's (`{payment reference}_R{n}`, valid as
`out_refund_no` / `out_request_no`). Gateways read their per-shop credentials with
`plugin_settings(shop.id, "<plugin name>")` inside these async methods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from galleria.kernel.errors import DomainError

if TYPE_CHECKING:
    from galleria.kernel.tenancy.shops import Shop

# PaymentAction.type: what the shopper's page (or app) does next.
QR_CODE = "qr_code"  # data: {"qr_code": "weixin://…" | "https://qr.alipay.com/…"}
REDIRECT = "redirect"  # data: {"url": …}  (Alipay page/wap pay, WeChat H5)
CLIENT_SECRET = "client_secret"  # noqa: S105 - an action type. data: {"client_secret", "publishable_key"}  (Stripe.js)
JSAPI = "jsapi"  # data: the parameters wx.requestPayment / WeixinJSBridge takes
INSTRUCTIONS = "instructions"  # data: {"text": …}  (bank transfer, cash on delivery)
ACTION_TYPES = (QR_CODE, REDIRECT, CLIENT_SECRET, JSAPI, INSTRUCTIONS)
# Any action may carry `sandbox_url` in its data when the gateway talks to a simulator: the
# simulator's page where the sandbox shopper pays (the demo cannot scan `weixin://` codes).
SANDBOX_URL = "sandbox_url"

# PaymentUpdate.status
PAID, PENDING, FAILED, CLOSED = "paid", "pending", "failed", "closed"
# RefundUpdate.status
SUCCEEDED = "succeeded"  # also PENDING, FAILED


class NotificationRejected(DomainError):
    """A callback the gateway could not verify (bad or missing signature, stale timestamp,
    undecryptable body, another merchant's). The message says why, for the log."""

    kind, code, title = "invalid", "notification_rejected", "Notification rejected"


class GatewayError(DomainError):
    """The provider refused or could not be reached; the message says what it answered."""

    kind, code, title = "unavailable", "gateway_error", "Payment provider error"


@dataclass(frozen=True)
class PaymentRequest:
    """What `start_payment` gets. `scene` is what the shopper's client asked for
    (`qr`, `h5`, `jsapi`, `page`, `wap`, `card`) or "" for the gateway's default; `client`
    carries `ip`, `user_agent` and, for JSAPI / mini-programs, `openid` (with
    `openid_appid`, the WeChat app it belongs to, when the shop knows it from the signed-in
    customer's mini-program sign-in)."""

    shop: Shop
    reference: str
    order_number: str
    amount: int
    currency: str
    description: str
    notify_url: str  # absolute: {shop origin}/callbacks/{plugin}/{gateway code}
    return_url: str  # the order page; never trusted as proof of payment
    expires_at: dt.datetime
    scene: str = ""
    client: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentAction:
    """What `start_payment` answers: `type` is one of ACTION_TYPES, `data` JSON-able for
    the page or app; `provider_reference` is the provider's id if it gave one already
    (Stripe's PaymentIntent id, WeChat Pay's prepay_id)."""

    type: str
    data: dict[str, Any]
    provider_reference: str = ""


@dataclass(frozen=True)
class PaymentRecord:
    """A payment as the kernel keeps it, for `query`, `close` and `refund`."""

    reference: str
    order_number: str
    method: str
    amount: int
    currency: str
    status: str
    provider_reference: str
    created_at: dt.datetime


@dataclass(frozen=True)
class PaymentUpdate:
    """A verified fact about one payment: from a notification or a query.

    `status` is PAID, PENDING, FAILED or CLOSED; `amount`/`currency` are what the provider
    says was paid (the kernel checks them against the payment). `notification_id` (the
    provider's id for the message, or a digest of it) lets the kernel log duplicates.
    """

    reference: str
    status: str
    amount: int | None = None
    currency: str | None = None
    provider_reference: str = ""
    notification_id: str = ""
    # Who paid, as the provider names them (openid, buyer_id, card fingerprint), when it
    # does: kept on the payment (`payer_ref`, prefixed with the method) and in OrderFacts,
    # so that a plugin can tell one payer from another (one referral reward per payer).
    payer_ref: str = ""


@dataclass(frozen=True)
class RefundRequest:
    shop: Shop
    reference: str
    payment: PaymentRecord
    amount: int
    currency: str
    reason: str
    notify_url: str


@dataclass(frozen=True)
class RefundUpdate:
    """A refund's state at the provider: SUCCEEDED, PENDING (a notification or query will
    tell) or FAILED."""

    reference: str
    status: str
    amount: int | None = None
    provider_reference: str = ""
    notification_id: str = ""


@dataclass(frozen=True)
class CallbackRequest:
    """A provider's HTTP callback, exactly as it arrived: `body` is the raw bytes (signatures
    cover them), `headers` have lower-case names, `path` is what follows
    `/callbacks/{plugin}/{gateway code}`."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class CallbackResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


class PaymentGateway:
    """A payment method a shop can offer: the base class of every gateway (pretix's
    `BasePaymentProvider` is the model). Subclass it, set `code` and override what your
    provider does; the defaults are safe for what you leave out.

    `code` is unique among a shop's gateways and is what shoppers choose (`wechat`,
    `alipay`, `stripe`, `cod`, `bank_transfer`); `name` is shown to them (the code when
    empty). `offline` gateways move no money online: the merchant confirms receipt by hand
    (the kernel's mark-paid, audited). `pays_on_delivery` (cash on delivery) orders are
    reviewed when placed instead of when paid. `partial_refunds` says whether `refund` may
    give back less than the whole payment. `staff_only` gateways are offered only on the
    orders staff take in the console (代客下单: cash at the counter), never at checkout.

    The rules: `start_payment` never moves money and never marks anything paid; only a
    verified notification or `query` answer does, and the kernel checks its amount.
    """

    code: str = ""
    name: str = ""
    # The brand mark shown beside the name at checkout and on the payment page: an SVG's
    # file name in the plugin's `static/` folder ("" for none).
    mark: str = ""
    offline: bool = False
    pays_on_delivery: bool = False
    partial_refunds: bool = False
    staff_only: bool = False

    @property
    def title(self) -> str:
        """What shoppers and merchants see: `name`, or the code when there is none."""
        return self.name or self.code

    async def available(self, shop: Shop) -> bool:
        """Whether this shop offers the gateway now (a per-shop switch in the plugin's
        settings, missing credentials). Default: yes."""
        return True

    async def start_payment(self, request: PaymentRequest) -> PaymentAction:
        """Ask the provider for a way to pay. Required."""
        raise NotImplementedError(f"{type(self).__name__} must implement start_payment")

    async def handle_notification(
        self, shop: Shop, callback: CallbackRequest,
    ) -> list[PaymentUpdate | RefundUpdate]:
        """Verify a provider's callback and report what it says. Default: this gateway
        takes no notifications, so every callback is refused."""
        raise NotificationRejected(f"{self.code} payments have no gateway notifications")

    def answer(self, accepted: bool, message: str = "") -> CallbackResponse:
        """How the provider wants its callback answered. Default: 200, or 400 with the
        message as text."""
        return CallbackResponse(200 if accepted else 400, message.encode(), "text/plain")

    async def query(self, shop: Shop, payment: PaymentRecord) -> PaymentUpdate:
        """The payment's state at the provider. Default: still pending (only the merchant
        knows, as with offline methods)."""
        return PaymentUpdate(payment.reference, PENDING)

    async def close(self, shop: Shop, payment: PaymentRecord) -> None:
        """End an unpaid payment (its order was cancelled). Default: nothing to close."""
        return None

    async def refund(self, request: RefundRequest) -> RefundUpdate:
        """Give money back. Default: refused — a gateway that can refund overrides it."""
        raise GatewayError(f"{self.code} payments cannot be refunded through the gateway")


__all__ = ["ACTION_TYPES", "CLIENT_SECRET", "CLOSED", "FAILED", "INSTRUCTIONS", "JSAPI",
           "PAID", "PENDING", "QR_CODE", "REDIRECT", "SANDBOX_URL", "SUCCEEDED", "CallbackRequest",
           "CallbackResponse", "GatewayError", "NotificationRejected", "PaymentAction",
           "PaymentGateway", "PaymentRecord", "PaymentRequest", "PaymentUpdate",
           "RefundRequest", "RefundUpdate"]
