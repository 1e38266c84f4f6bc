"""A WeChat Pay API v3 stand-in for tests and the sandbox demo (never imported on
production paths).

It speaks the real protocol (PROTOCOLS.md, "WeChat Pay API v3"): it accepts only requests
signed by a registered merchant's key with a fresh timestamp, signs every answer with its
own "WeChat Pay" key, keeps trades (NOTPAY → SUCCESS / CLOSED, REFUND after refunds) and
refunds (PROCESSING → SUCCESS), rejects what WeChat Pay rejects, and sends notifications
(AES-256-GCM resources, signed headers) to `notify_url` over HTTP, retrying until it gets a
2xx. A page at `/pay/{code}` with a "pay" button completes a payment, as a phone would.

`WeChatPaySimulator.app` is the ASGI app; serve it on a port (tests) or mount it under
`/sandbox/wechat/` (the demo). Trade logic lives here, the HTTP side in simulator_http.py,
the records in simulator_records.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from galleria_plugins.payments_wechat import signing
from galleria_plugins.payments_wechat.testing.simulator_http import build_app
from galleria_plugins.payments_wechat.testing.simulator_records import (
    Delivery,
    Merchant,
    Refund,
    Trade,
    now_text,
)

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
# WeChat Pay's retry schedule in seconds (PROTOCOLS.md); tests pass shorter ones.
RETRY_DELAYS = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800,
                21600, 21600)


class Refusal(Exception):
    """What WeChat Pay answers instead of doing something: HTTP status, code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class LocalhostTransport(httpx.AsyncHTTPTransport):
    """Sends `*.localhost` requests to 127.0.0.1 with the Host header kept (the demo's
    shop hosts; the resolver may not know subdomains of localhost)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith(".localhost"):
            request.url = request.url.copy_with(host="127.0.0.1")
        return await super().handle_async_request(request)


class WeChatPaySimulator:
    """WeChat Pay for any number of merchants. `public_key_id` is the serial written on
    every answer and notification (`PUB_KEY_ID_…`, or a certificate's hex serial)."""

    def __init__(self, *, platform_key: rsa.RSAPrivateKey | None = None,
                 public_key_id: str = "PUB_KEY_ID_0000000000000000000000000000000001",
                 public_url: str = "", sender: httpx.AsyncClient | None = None,
                 retry_delays: Sequence[float] = RETRY_DELAYS, refund_delay: float = 0.2,
                 require_https: bool = False, duplicate_notifications: bool = False) -> None:
        self.platform_key = platform_key or signing.new_key()
        self.public_key_id = public_key_id
        self.public_url = public_url.rstrip("/")
        self.sender = sender
        self.retry_delays = tuple(retry_delays)
        self.refund_delay = refund_delay
        self.require_https = require_https
        self.duplicate_notifications = duplicate_notifications
        self.merchants: dict[str, Merchant] = {}
        self.trades: dict[tuple[str, str], Trade] = {}
        self.refunds: dict[tuple[str, str], Refund] = {}
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task] = set()
        self.app = build_app(self)

    @property
    def public_key_pem(self) -> str:
        return signing.public_pem(self.platform_key)

    def add_merchant(self, mchid: str, appids: Sequence[str], serial_no: str,
                     public_key: rsa.RSAPublicKey | str, apiv3_key: str) -> Merchant:
        if isinstance(public_key, str):
            public_key = signing.load_public_key(public_key)
        merchant = Merchant(mchid, set(appids), serial_no, public_key, apiv3_key)
        self.merchants[mchid] = merchant
        return merchant

    # -- requests ------------------------------------------------------------------------
    def authenticate(self, method: str, path_and_query: str, headers: dict[str, str],
                     body: bytes) -> Merchant:
        """The merchant whose key signed this request; Refusal 401 SIGN_ERROR otherwise."""
        try:
            fields = signing.parse_authorization(headers.get("authorization", ""))
            signing.check_fresh(fields["timestamp"])
        except signing.SignatureInvalid as error:
            raise Refusal(401, "SIGN_ERROR", str(error)) from None
        merchant = self.merchants.get(fields["mchid"])
        if merchant is None or fields["serial_no"] != merchant.serial_no:
            raise Refusal(401, "SIGN_ERROR", "unknown merchant or certificate serial")
        message = signing.request_message(method, path_and_query, fields["timestamp"],
                                          fields["nonce_str"], body)
        if not signing.rsa_verify(merchant.public_key, message, fields["signature"]):
            raise Refusal(401, "SIGN_ERROR", "签名错误")
        return merchant

    def signed(self, body: bytes) -> dict[str, str]:
        return signing.signed_headers(self.platform_key, self.public_key_id, body)

    # -- trades --------------------------------------------------------------------------
    def create_trade(self, merchant: Merchant, trade_type: str,
                     body: dict[str, Any]) -> Trade:
        self._check_order(merchant, trade_type, body)
        key = (merchant.mchid, body["out_trade_no"])
        existing = self.trades.get(key)
        if existing is not None:
            if existing.state == "SUCCESS" or existing.state == "REFUND":
                raise Refusal(400, "ORDERPAID", "该订单已支付")
            if existing.state == "CLOSED":
                raise Refusal(400, "ORDER_CLOSED", "该订单已关闭")
            if not existing.same_order(body, trade_type):
                raise Refusal(400, "INVALID_REQUEST", "201 商户订单号重复")
            return existing
        amount = body["amount"]
        trade = Trade(
            mchid=merchant.mchid, appid=body["appid"], out_trade_no=body["out_trade_no"],
            trade_type=trade_type, description=body["description"], total=amount["total"],
            currency=amount.get("currency", "CNY"), notify_url=body["notify_url"],
            openid=(body.get("payer") or {}).get("openid", ""),
            code=secrets.token_urlsafe(12).replace("-", "x").replace("_", "y"),
            prepay_id="wx" + secrets.token_hex(15),
        )
        self.trades[key] = trade
        return trade

    def _check_order(self, merchant: Merchant, trade_type: str, body: dict[str, Any]) -> None:
        def bad(message: str) -> Refusal:
            return Refusal(400, "PARAM_ERROR", message)

        if body.get("mchid") != merchant.mchid:
            raise bad("mchid 与请求签名的商户号不一致")
        if body.get("appid") not in merchant.appids:
            raise Refusal(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        if not isinstance(body.get("description"), str) or \
                not 0 < len(body["description"]) <= 127:
            raise bad("description 长度应为 1-127")
        if not OUT_TRADE_NO.match(str(body.get("out_trade_no", ""))):
            raise bad("out_trade_no 应为 6-32 位数字、字母、_-|*")
        notify = urlsplit(str(body.get("notify_url", "")))
        if notify.scheme not in (("https",) if self.require_https else ("https", "http")) \
                or not notify.netloc or notify.query:
            raise bad("notify_url 应为不带参数的 https 地址")
        amount = body.get("amount") or {}
        if type(amount.get("total")) is not int or amount["total"] < 1:
            raise bad("amount.total 应为正整数（分）")
        if amount.get("currency", "CNY") != "CNY":
            raise bad("amount.currency 仅支持 CNY")
        if trade_type == "JSAPI" and not (body.get("payer") or {}).get("openid"):
            raise bad("JSAPI 下单缺少 payer.openid")
        if trade_type == "MWEB" and not (body.get("scene_info") or {}).get("payer_client_ip"):
            raise bad("H5 下单缺少 scene_info.payer_client_ip")

    def trade(self, mchid: str, out_trade_no: str) -> Trade:
        trade = self.trades.get((mchid, out_trade_no))
        if trade is None:
            raise Refusal(404, "ORDER_NOT_EXIST", "订单不存在")
        return trade

    def trade_by_code(self, code: str) -> Trade:
        for trade in self.trades.values():
            if code in (trade.code, trade.prepay_id, trade.out_trade_no):
                return trade
        raise Refusal(404, "ORDER_NOT_EXIST", "订单不存在")

    def close(self, merchant: Merchant, out_trade_no: str) -> None:
        trade = self.trade(merchant.mchid, out_trade_no)
        if trade.state in ("SUCCESS", "REFUND"):
            raise Refusal(400, "ORDERPAID", "订单已支付")
        trade.state = "CLOSED"

    async def pay(self, code: str, openid: str = "") -> Trade:
        """The shopper pays (the page's button, or a test): SUCCESS, then a
        TRANSACTION.SUCCESS notification. Paying a paid trade changes nothing."""
        trade = self.trade_by_code(code)
        if trade.state == "CLOSED":
            raise Refusal(400, "ORDER_CLOSED", "订单已关闭")
        if trade.state == "NOTPAY":
            trade.state, trade.success_time = "SUCCESS", now_text()
            trade.transaction_id = "4200" + time.strftime("%Y%m%d") + secrets.token_hex(7)
            trade.openid = trade.openid or openid or "o" + secrets.token_urlsafe(20)
            await self.notify(trade.mchid, trade.notify_url, "TRANSACTION.SUCCESS", "支付成功",
                              "transaction", trade.as_json())
        return trade

    # -- refunds -------------------------------------------------------------------------
    def refund(self, merchant: Merchant, body: dict[str, Any]) -> Refund:
        out_trade_no = body.get("out_trade_no") or ""
        trade = self.trades.get((merchant.mchid, out_trade_no))
        if trade is None:
            raise Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        amount, out_refund_no = body.get("amount") or {}, str(body.get("out_refund_no") or "")
        if not 0 < len(out_refund_no) <= 64:
            raise Refusal(400, "PARAM_ERROR", "out_refund_no 长度应为 1-64")
        existing = self.refunds.get((merchant.mchid, out_refund_no))
        if existing is not None:
            if existing.amount != amount.get("refund") or existing.trade is not trade:
                raise Refusal(400, "INVALID_REQUEST", "退款单号重复，且参数与首次请求不一致")
            return existing
        if trade.state not in ("SUCCESS", "REFUND"):
            raise Refusal(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if amount.get("total") != trade.total or amount.get("currency", "CNY") != trade.currency:
            raise Refusal(400, "PARAM_ERROR", "amount.total 或 currency 与订单不一致")
        if type(amount.get("refund")) is not int or amount["refund"] < 1:
            raise Refusal(400, "PARAM_ERROR", "amount.refund 应为正整数（分）")
        if amount["refund"] > trade.total - trade.refunded:
            raise Refusal(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        refund = Refund(trade, out_refund_no, "5030" + secrets.token_hex(12), amount["refund"],
                        str(body.get("reason") or ""), str(body.get("notify_url") or ""),
                        created=now_text())
        trade.refunded += refund.amount
        trade.state = "REFUND"
        self.refunds[(merchant.mchid, out_refund_no)] = refund
        self._background(self._settle(refund))
        return refund

    async def _settle(self, refund: Refund) -> None:
        await asyncio.sleep(self.refund_delay)
        refund.status, refund.success_time = "SUCCESS", now_text()
        if refund.notify_url:
            data = refund.as_json()
            await self.notify(refund.trade.mchid, refund.notify_url, "REFUND.SUCCESS",
                              "退款成功", "refund", {
                                  "mchid": refund.trade.mchid, **data,
                                  "refund_status": refund.status,
                                  "amount": {k: data["amount"][k] for k in (
                                      "total", "refund", "payer_total", "payer_refund")}})

    # -- notifications -------------------------------------------------------------------
    async def notify(self, mchid: str, url: str, event_type: str, summary: str,
                     original_type: str, plaintext: dict[str, Any]) -> Delivery:
        """Encrypt, sign and send a notification; failed attempts are retried on the
        schedule in the background. Returns after the first attempt."""
        merchant = self.merchants[mchid]
        envelope = {
            "id": str(uuid.uuid4()), "create_time": now_text(),
            "resource_type": "encrypt-resource", "event_type": event_type,
            "summary": summary,
            "resource": signing.encrypt_resource(
                merchant.apiv3_key, json.dumps(plaintext, ensure_ascii=False).encode(),
                original_type, original_type),
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        delivery = Delivery(envelope["id"], url, body, merchant)
        self.deliveries.append(delivery)
        await self.send(delivery)
        if self.duplicate_notifications:
            await self.send(delivery)
        if not delivery.delivered:
            self._background(self._retry(delivery))
        return delivery

    async def send(self, delivery: Delivery) -> int:
        """One attempt, signed afresh (timestamp and nonce) as WeChat Pay does."""
        headers = {"Content-Type": "application/json", **self.signed(delivery.body)}
        try:
            if self.sender is not None:
                response = await self.sender.post(delivery.url, content=delivery.body,
                                                  headers=headers)
            else:
                async with httpx.AsyncClient(transport=LocalhostTransport(),
                                             timeout=5.0) as http:
                    response = await http.post(delivery.url, content=delivery.body,
                                               headers=headers)
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        delivery.statuses.append(status)
        return status

    async def _retry(self, delivery: Delivery) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if 200 <= await self.send(delivery) < 300:
                return

    def last_delivery(self, out_trade_no: str) -> Delivery:
        for delivery in reversed(self.deliveries):
            if out_trade_no.encode() in self._plain(delivery):
                return delivery
        raise LookupError(out_trade_no)

    def _plain(self, delivery: Delivery) -> bytes:
        resource = json.loads(delivery.body)["resource"]
        return signing.decrypt_resource(delivery.merchant.apiv3_key, resource)

    # -- background work ---------------------------------------------------------------------
    def _background(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until refunds settled and retries finished (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
