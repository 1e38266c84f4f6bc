"""A local Alipay: an ASGI app speaking the open platform protocol, for tests and the
sandbox demo. Never imported on production paths.

It accepts only correctly signed requests from the merchants it knows, refuses what the real
gateway refuses (bad signature, stale timestamp, unknown app or trade, an out_trade_no reused
with another amount, refunds beyond what was paid), keeps each trade's state, and sends
signed notifications to the trade's notify_url over real HTTP — again, with the same
notify_id, until the shop answers exactly `success`.

Routes (relative to where it is served):

- `GET|POST /gateway.do` — the gateway. API methods answer signed JSON; page/wap pay
  (a browser following the shop's redirect) open the trade and show the cashier.
- `GET /cashier/{token}`, `POST /cashier/{token}/pay` — the buyer's page with a "pay"
  button (also where the precreate QR code points).
- `POST /control/pay`, `POST /control/notify`, `GET /control/trades/{app_id}/{out_trade_no}`
  — for tests: pay a trade, send its last notification again (`times`), read its state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar, Request, Response

from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.testing.sim_http import API_METHODS, PAGE_METHODS, handlers
from galleria_plugins.payments_alipay.testing.sim_trades import (
    CLOSED,
    DEFAULT_BUYER,
    SUCCESS,
    Refused,
    Trade,
    TradeBook,
)

log = logging.getLogger(__name__)

MAX_SKEW = dt.timedelta(minutes=15)  # *assumed*: how far Alipay lets `timestamp` drift
# The real schedule is 4m, 10m, 10m, 1h, 2h, 6h, 15h; the simulator compresses it.
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
JSON = "application/json;charset=utf-8"


@dataclass(frozen=True)
class Merchant:
    app_id: str
    app_public_key: rsa.RSAPublicKey
    seller_id: str


@dataclass
class Delivery:
    """One notification sent: what the shop answered (`ok` only for exactly `success`)."""

    notify_id: str
    url: str
    fields: dict[str, str]
    status: int = 0
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.body.strip() == "success"


@dataclass
class AlipaySimulator:
    """The simulated gateway. `alipay_private_key` signs its answers and notifications
    (generated when not given; shops verify with `alipay_public_key_pem`). `notify_transport`
    routes notifications (an `httpx.ASGITransport` of the shop app in tests); without it they
    go over the network, `*.localhost` to 127.0.0.1. `duplicates` sends each notification
    that many extra times; `retry_delays` (seconds) paces the retries."""

    alipay_private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    mount_path: str = ""
    notify_transport: httpx.AsyncBaseTransport | None = None
    duplicates: int = 0
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    book: TradeBook = field(default_factory=TradeBook)
    deliveries: list[Delivery] = field(default_factory=list)
    _tasks: set[asyncio.Task] = field(default_factory=set)

    def add_merchant(self, app_id: str, app_public_key: rsa.RSAPublicKey | str,
                     seller_id: str) -> None:
        key = (signing.load_public_key(app_public_key) if isinstance(app_public_key, str)
               else app_public_key)
        self.merchants[app_id] = Merchant(app_id, key, seller_id)

    @property
    def alipay_public_key_pem(self) -> str:
        return self.alipay_private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode()

    def trade(self, app_id: str, out_trade_no: str) -> Trade:
        return self.book.get(app_id, out_trade_no, self.now())

    # -- the gateway ----------------------------------------------------------------------

    def check_request(self, params: dict[str, str]) -> tuple[Merchant, str, dict[str, Any]]:
        """What every gateway request must pass, in Alipay's order: app, signature type,
        signature, timestamp, method and biz_content. Returns (merchant, method, biz)."""
        merchant = self.merchants.get(params.get("app_id", ""))
        if merchant is None:
            raise Refused("isv.invalid-app-id", code="40002", sub_msg="无效的AppID参数")
        if params.get("sign_type") != signing.SIGN_TYPE:
            raise Refused("isv.invalid-signature-type", code="40002", sub_msg="无效的签名类型")
        if not signing.verify(signing.request_content(params), params.get("sign", ""),
                              merchant.app_public_key):
            raise Refused("isv.invalid-signature", code="40002", sub_msg="验签出错")
        try:
            sent = signing.parse_timestamp(params.get("timestamp", ""))
        except ValueError:
            sent = None
        if sent is None or abs(self.now() - sent) > MAX_SKEW:
            raise Refused("isv.invalid-timestamp", code="40002", sub_msg="非法的时间戳参数")
        method = params.get("method", "")
        if method not in PAGE_METHODS + API_METHODS:
            raise Refused("isv.invalid-method", code="40002", sub_msg="不存在的方法名")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            raise Refused("isv.invalid-parameter", code="40002", sub_msg="biz_content 无效")
        return merchant, method, biz

    async def api(self, merchant: Merchant, method: str, biz: dict[str, Any],
                  params: dict[str, str], base: str) -> dict[str, Any]:
        """Run an API method; returns the `…_response` payload (code 10000)."""
        now, app_id = self.now(), merchant.app_id
        if method == "alipay.trade.precreate":
            trade = self.book.open(app_id, merchant.seller_id, method, biz,
                                   notify_url=params.get("notify_url", ""), return_url="",
                                   now=now)
            return {"out_trade_no": trade.out_trade_no,
                    "qr_code": f"{base}/cashier/{trade.token}"}
        trade = self.book.get(app_id, str(biz.get("out_trade_no", "")), now)
        if method == "alipay.trade.query":
            return trade.public()
        if method == "alipay.trade.close":
            self.book.close(trade)
            return {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}
        if method == "alipay.trade.refund":
            moved = self.book.refund(trade, biz)
            if moved:
                self._spawn(self.notify(trade, refund=str(biz.get("out_request_no") or
                                                          trade.out_trade_no)))
            return {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no,
                    "fund_change": "Y" if moved else "N",
                    "refund_fee": signing.yuan(trade.refunded),
                    "buyer_logon_id": trade.buyer_logon_id}
        # alipay.trade.fastpay.refund.query: an unknown request answers 10000 with no amount
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        found = {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no,
                 "out_request_no": request_no}
        if request_no in trade.refunds:
            found.update(refund_amount=signing.yuan(trade.refunds[request_no]),
                         total_amount=signing.yuan(trade.total), refund_status="REFUND_SUCCESS")
        return found

    def respond(self, method: str, payload: dict[str, Any]) -> Response:
        body = signing.signed_response(method, payload, self.alipay_private_key)
        return Response(body.encode(), media_type=JSON, status_code=200)

    def refusal(self, method: str, refused: Refused) -> Response:
        msg = "Business Failed" if refused.code == "40004" else "Invalid Arguments"
        return self.respond(method, {"code": refused.code, "msg": msg,
                                     "sub_code": refused.sub_code, "sub_msg": refused.sub_msg})

    # -- paying and notifying -------------------------------------------------------------

    async def pay(self, trade: Trade, buyer: str = DEFAULT_BUYER) -> Delivery | None:
        """The buyer pays, signed in to the cashier as `buyer` (their login, which names
        the `buyer_id` Alipay reports): the trade succeeds and its notification is sent
        (awaited, with its `duplicates`; retries follow in the background)."""
        self.book.pay(trade, self.now(), buyer)
        return await self.notify(trade)

    def notification(self, trade: Trade, refund: str = "") -> dict[str, str]:
        now = signing.timestamp(self.now())
        fields = {
            "notify_time": now, "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16), "charset": "utf-8", "version": "1.0",
            "app_id": trade.app_id, "auth_app_id": trade.app_id, "seller_id": trade.seller_id,
            "buyer_id": trade.buyer_id, "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no, "trade_status": trade.status,
            "total_amount": signing.yuan(trade.total), "subject": trade.subject,
            "gmt_create": signing.timestamp(trade.created_at),
        }
        if trade.paid_at is not None:
            paid = signing.yuan(trade.total)
            fields.update(gmt_payment=signing.timestamp(trade.paid_at), receipt_amount=paid,
                          buyer_pay_amount=paid, invoice_amount=paid)
        if refund:
            fields.update(out_biz_no=refund, refund_fee=signing.yuan(trade.refunded),
                          gmt_refund=now)
        return signing.sign_notification(fields, self.alipay_private_key)

    async def notify(self, trade: Trade, refund: str = "", *,
                     fields: dict[str, str] | None = None) -> Delivery | None:
        """Send a notification (or `fields` again); retried with the same notify_id until
        the shop answers `success`. Returns the first delivery."""
        if not trade.notify_url:
            return None
        fields = fields or self.notification(trade, refund)
        delivery = await self.deliver(trade.notify_url, fields)
        for _ in range(self.duplicates):
            await self.deliver(trade.notify_url, fields)
        if not delivery.ok:
            self._spawn(self._retry(trade.notify_url, fields))
        return delivery

    async def deliver(self, url: str, fields: dict[str, str]) -> Delivery:
        delivery = Delivery(fields["notify_id"], url, fields)
        self.deliveries.append(delivery)
        target, headers = _route(url, self.notify_transport is None)
        try:
            async with httpx.AsyncClient(transport=self.notify_transport, timeout=15) as http:
                response = await http.post(target, data=fields, headers=headers)
            delivery.status, delivery.body = response.status_code, response.text
        except httpx.HTTPError as exc:
            log.warning("alipay simulator: notification to %s failed: %s", url, exc)
        return delivery

    async def _retry(self, url: str, fields: dict[str, str]) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if (await self.deliver(url, fields)).ok:
                return

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the notifications in flight (tests call it before asserting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def return_link(self, trade: Trade) -> str:
        """return_url with what the browser brings back: signed, and never proof of
        payment (the shop waits for the notification or queries). "" before payment."""
        if not trade.return_url or trade.status != SUCCESS:
            return ""
        separator = "&" if "?" in trade.return_url else "?"
        return f"{trade.return_url}{separator}{urlencode(self._return_params(trade))}"

    def _return_params(self, trade: Trade) -> dict[str, str]:
        fields = {"method": f"{trade.method}.return", "app_id": trade.app_id,
                  "auth_app_id": trade.app_id, "charset": "utf-8", "version": "1.0",
                  "timestamp": signing.timestamp(self.now()), "seller_id": trade.seller_id,
                  "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no,
                  "total_amount": signing.yuan(trade.total)}
        return signing.sign_notification(fields, self.alipay_private_key)

    # -- the ASGI app ---------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        """Where the browser reaches this simulator: under the mount's root_path when
        mounted (sandbox mode), else `mount_path`."""
        root = request.scope.get("root_path") or self.mount_path
        return f"{request.url.scheme}://{request.url.netloc}{root}"

    def build_app(self) -> Litestar:
        return Litestar(route_handlers=handlers(self), debug=False)


def _route(url: str, rewrite_localhost: bool) -> tuple[str, dict[str, str]]:
    """`http://shop.localhost:8000/…` cannot be resolved everywhere: connect to 127.0.0.1
    and keep the shop's Host header, as a browser on the same machine would."""
    parsed = httpx.URL(url)
    if rewrite_localhost and (parsed.host == "localhost" or parsed.host.endswith(".localhost")):
        host = parsed.host if parsed.port is None else f"{parsed.host}:{parsed.port}"
        return str(parsed.copy_with(host="127.0.0.1")), {"host": host}
    return url, {}


__all__ = ["CLOSED", "SUCCESS", "AlipaySimulator", "Delivery", "Merchant"]
