"""The WeChat Pay gateway (code `wechat`): Native QR codes, JSAPI / mini-program and H5
payments, verified notifications, query, close and refunds (API v3, direct merchant).

The gateway only talks to WeChat Pay; the kernel keeps the payment records and checks
amounts, currencies, shops and duplicates (see galleria.kernel's payment contract).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

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
    ValidationFailed,
)
from galleria_plugins.payments_wechat import config, signing
from galleria_plugins.payments_wechat.client import ApiError, WeChatPayClient

log = logging.getLogger("galleria_plugins.payments_wechat")
BEIJING = ZoneInfo("Asia/Shanghai")
SCENES = ("qr", "jsapi", "h5")
_MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)

# trade_state → PaymentUpdate.status. REFUND: it was paid (and refunds came after).
TRADE_STATES = {"SUCCESS": "paid", "REFUND": "paid", "NOTPAY": "pending",
                "USERPAYING": "pending", "CLOSED": "closed", "REVOKED": "closed",
                "PAYERROR": "failed"}
REFUND_STATES = {"SUCCESS": "succeeded", "PROCESSING": "pending", "CLOSED": "failed",
                 "ABNORMAL": "failed"}


class PayerUnknown(ValidationFailed):
    """A JSAPI payment whose payer the shop has no openid for: a shopper who signed in
    before the shop recorded openids, or a guest who named none. The problem's `type` ends
    in `/wechat_payer_unknown`: the mini-program signs in again with `wx.login()` (which
    records the openid) and pays once more."""

    code, title = "wechat_payer_unknown", "WeChat sign-in needed"


def rfc3339(moment: dt.datetime) -> str:
    """`time_expire` as WeChat Pay wants it: seconds, with the +08:00 offset."""
    return moment.astimezone(BEIJING).replace(microsecond=0).isoformat()


def default_scene(client: dict[str, str]) -> str:
    if client.get("openid"):
        return "jsapi"
    return "h5" if _MOBILE.search(client.get("user_agent", "")) else "qr"


class WeChatPayGateway(PaymentGateway):
    code = "wechat"
    mark = "mark.svg"
    offline = False
    pays_on_delivery = False
    partial_refunds = True

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.name = "微信支付" if shop.locale.startswith("zh") else "WeChat Pay"

    async def available(self, shop: Shop) -> bool:
        """Offered only once the merchant's credentials are complete and readable."""
        try:
            await config.load(shop)
        except GatewayError:
            return False
        return True

    async def _client(self) -> WeChatPayClient:
        credentials, base_url = await config.load(self.shop)
        return WeChatPayClient(credentials, base_url)

    # -- paying ----------------------------------------------------------------------------
    async def start_payment(self, request: PaymentRequest) -> PaymentAction:
        scene = request.scene or default_scene(request.client)
        if scene not in SCENES:
            raise ValidationFailed(f"WeChat Pay offers the scenes {', '.join(SCENES)}, "
                                   f"not “{scene}”")
        if scene == "jsapi" and not request.client.get("openid"):
            raise PayerUnknown("A JSAPI / mini-program payment needs the payer's openid: "
                               "sign in with WeChat in the mini-program first")
        client = await self._client()
        creds = client.credentials
        openid_appid = request.client.get("openid_appid", "")
        if scene == "jsapi" and openid_appid and openid_appid != creds.appid:
            raise ValidationFailed(f"The shopper signed in through the mini-program {openid_appid}"
                                   f", but WeChat Pay is set up for the AppID {creds.appid}: "
                                   "bind the mini-program's AppID in WeChat Pay's settings")
        body: dict[str, Any] = {
            "appid": creds.appid, "mchid": creds.mchid,
            "description": request.description[:127] or request.order_number,
            "out_trade_no": request.reference, "notify_url": request.notify_url,
            "time_expire": rfc3339(request.expires_at),
            "amount": {"total": request.amount, "currency": request.currency},
        }
        if scene == "jsapi":
            body["payer"] = {"openid": request.client["openid"]}
            answer = await client.post("/v3/pay/transactions/jsapi", body)
            prepay_id = _field(answer, "prepay_id")
            return PaymentAction("jsapi", signing.jsapi_parameters(
                creds.appid, prepay_id, creds.private_key), provider_reference=prepay_id)
        if scene == "h5":
            body["scene_info"] = {"payer_client_ip": request.client.get("ip") or "127.0.0.1",
                                  "h5_info": {"type": "Wap"}}
            answer = await client.post("/v3/pay/transactions/h5", body)
            # WeChat returns the shopper to `redirect_url` after paying (not proof of it).
            url = _field(answer, "h5_url") + "&redirect_url=" + quote(request.return_url, safe="")
            return PaymentAction("redirect", {"url": url})
        answer = await client.post("/v3/pay/transactions/native", body)
        code_url = _field(answer, "code_url")
        data = {"qr_code": code_url}  # the payment page draws it
        if client.base_url != config.PRODUCTION_BASE_URL:
            data["sandbox_url"] = _simulator_page(client.base_url, code_url)
        return PaymentAction("qr_code", data)

    # -- notifications ---------------------------------------------------------------------
    async def handle_notification(
        self, shop: Shop, callback: CallbackRequest,
    ) -> list[PaymentUpdate | RefundUpdate]:
        try:
            credentials, _ = await config.load(shop)
        except GatewayError as error:
            raise NotificationRejected(str(error)) from None
        try:
            signing.verify_signed(callback.headers, callback.body, credentials.wechatpay_keys)
            envelope = json.loads(callback.body)
            plain = json.loads(signing.decrypt_resource(credentials.apiv3_key,
                                                        envelope["resource"]))
            if plain.get("mchid") != credentials.mchid or (
                    "appid" in plain and plain["appid"] != credentials.appid):
                raise NotificationRejected("WeChat Pay notification for another merchant")
            return _updates(envelope, plain)
        except signing.SignatureInvalid as error:
            raise NotificationRejected(f"WeChat Pay notification: {error}") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise NotificationRejected("WeChat Pay notification is not well formed") from None

    def answer(self, accepted: bool, message: str = "") -> CallbackResponse:
        if accepted:
            return CallbackResponse(status=204)
        body = json.dumps({"code": "FAIL", "message": message or "rejected"},
                          ensure_ascii=False).encode()
        return CallbackResponse(status=400, body=body, content_type="application/json")

    # -- after the fact --------------------------------------------------------------------
    async def query(self, shop: Shop, payment: PaymentRecord) -> PaymentUpdate:
        client = await self._client()
        try:
            trade = await client.get(f"/v3/pay/transactions/out-trade-no/{payment.reference}",
                                     {"mchid": client.credentials.mchid})
        except ApiError as error:
            if error.wechat_code == "ORDER_NOT_EXIST":
                return PaymentUpdate(payment.reference, "closed")
            raise
        try:
            return _trade_update(trade)
        except (KeyError, TypeError, AttributeError):
            raise GatewayError("WeChat Pay answered a query without the trade") from None

    async def close(self, shop: Shop, payment: PaymentRecord) -> None:
        """Close an unpaid trade. Raises GatewayError if it was paid meanwhile (the
        kernel then queries it); a trade WeChat Pay never saw needs no closing."""
        client = await self._client()
        try:
            await client.post(f"/v3/pay/transactions/out-trade-no/{payment.reference}/close",
                              {"mchid": client.credentials.mchid})
        except ApiError as error:
            if error.wechat_code != "ORDER_NOT_EXIST":
                raise

    async def refund(self, request: RefundRequest) -> RefundUpdate:
        client = await self._client()
        body: dict[str, Any] = {
            "out_trade_no": request.payment.reference, "out_refund_no": request.reference,
            "notify_url": request.notify_url,
            "amount": {"refund": request.amount, "total": request.payment.amount,
                       "currency": request.currency},
        }
        if request.reason:
            body["reason"] = request.reason[:80]
        answer = await client.post("/v3/refund/domestic/refunds", body)
        return RefundUpdate(request.reference, REFUND_STATES.get(answer.get("status"), "pending"),
                            amount=(answer.get("amount") or {}).get("refund"),
                            provider_reference=answer.get("refund_id", ""))


def _simulator_page(base_url: str, code_url: str) -> str:
    """Where a browser pays this code on a simulator (sandbox and tests only)."""
    code = parse_qs(urlsplit(code_url).query).get("pr", [""])[0]
    return f"{base_url}/pay/{code}"


def _trade_update(trade: dict[str, Any], notification_id: str = "") -> PaymentUpdate:
    amount = trade.get("amount") or {}
    return PaymentUpdate(
        reference=trade["out_trade_no"],
        status=TRADE_STATES.get(trade.get("trade_state", ""), "pending"),
        amount=amount.get("total"), currency=amount.get("currency"),
        provider_reference=trade.get("transaction_id", ""), notification_id=notification_id,
        payer_ref=str((trade.get("payer") or {}).get("openid") or "")[:64],
    )


def _field(answer: dict[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise GatewayError(f"WeChat Pay's answer lacks {name}")
    return value


def _updates(envelope: dict[str, Any],
             plain: dict[str, Any]) -> list[PaymentUpdate | RefundUpdate]:
    event, notification_id = envelope.get("event_type", ""), str(envelope.get("id", ""))
    if event.startswith("TRANSACTION."):
        return [_trade_update(plain, notification_id)]
    if event.startswith("REFUND."):
        return [RefundUpdate(
            reference=plain["out_refund_no"],
            status=REFUND_STATES.get(plain.get("refund_status", ""), "pending"),
            amount=(plain.get("amount") or {}).get("refund"),
            provider_reference=plain.get("refund_id", ""), notification_id=notification_id,
        )]
    log.info("WeChat Pay notification %s of type %s ignored", notification_id, event)
    return []
