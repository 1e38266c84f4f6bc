"""The simulator's records: merchants, trades, refunds and notification deliveries, shaped
as WeChat Pay's API answers them (tests and the sandbox only, like simulator.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Merchant:
    mchid: str
    appids: set[str]
    serial_no: str
    public_key: rsa.RSAPublicKey
    apiv3_key: str


@dataclass
class Trade:
    mchid: str
    appid: str
    out_trade_no: str
    trade_type: str  # NATIVE, JSAPI, MWEB
    description: str
    total: int
    currency: str
    notify_url: str
    openid: str
    code: str  # the `pr` of the code_url, and the simulator page's key
    prepay_id: str
    state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunded: int = 0

    def same_order(self, body: dict[str, Any], trade_type: str) -> bool:
        amount = body.get("amount") or {}
        return (trade_type, body.get("appid"), body.get("description"), amount.get("total"),
                amount.get("currency", "CNY"), body.get("notify_url")) == (
                self.trade_type, self.appid, self.description, self.total, self.currency,
                self.notify_url)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": self.out_trade_no,
            "trade_type": self.trade_type, "trade_state": self.state,
            "trade_state_desc": STATE_DESCRIPTIONS[self.state], "attach": "",
            "amount": {"total": self.total, "currency": self.currency},
        }
        if self.transaction_id:
            data.update(transaction_id=self.transaction_id, success_time=self.success_time,
                        bank_type="OTHERS", payer={"openid": self.openid})
            data["amount"].update(payer_total=self.total, payer_currency=self.currency)
        return data


STATE_DESCRIPTIONS = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭",
                      "REFUND": "转入退款"}


@dataclass
class Refund:
    trade: Trade
    out_refund_no: str
    refund_id: str
    amount: int
    reason: str
    notify_url: str
    status: str = "PROCESSING"
    created: str = ""
    success_time: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id, "out_refund_no": self.out_refund_no,
            "transaction_id": self.trade.transaction_id, "out_trade_no": self.trade.out_trade_no,
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
            "success_time": self.success_time, "create_time": self.created,
            "status": self.status, "funds_account": "AVAILABLE",
            "amount": {"total": self.trade.total, "refund": self.amount,
                       "payer_total": self.trade.total, "payer_refund": self.amount,
                       "settlement_total": self.trade.total, "settlement_refund": self.amount,
                       "discount_refund": 0, "currency": self.trade.currency},
        }


@dataclass
class Delivery:
    """One notification and what became of each attempt to deliver it."""

    id: str
    url: str
    body: bytes
    merchant: Merchant
    statuses: list[int] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return any(200 <= status < 300 for status in self.statuses)


def now_text() -> str:
    return dt.datetime.now(BEIJING).replace(microsecond=0).isoformat()
