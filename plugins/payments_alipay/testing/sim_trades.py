"""The simulated Alipay's trade book: trades, their states and the business rules the real
gateway applies (for tests and the sandbox only; see simulator.py).

Error codes are those the real gateway answers as far as PROTOCOLS.md and the public SDKs
show them; the few that could not be confirmed are marked *assumed* in `REFUSALS`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass, field

from galleria_plugins.payments_alipay import signing

WAIT, SUCCESS, FINISHED, CLOSED = "WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_FINISHED", \
    "TRADE_CLOSED"
OUT_TRADE_NO = re.compile(r"[A-Za-z0-9_]{1,64}")
REFUSALS = {
    "ACQ.TRADE_NOT_EXIST": "交易不存在",
    "ACQ.TRADE_HAS_SUCCESS": "交易已被支付",
    "ACQ.TRADE_HAS_CLOSE": "交易已经关闭",
    "ACQ.TRADE_STATUS_ERROR": "交易状态不合法",
    "ACQ.CONTEXT_INCONSISTENT": "交易信息被篡改",
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL": "退款金额超限",
    "ACQ.INVALID_PARAMETER": "参数无效",
    "ACQ.REASON_TRADE_REFUND_FEE_ERR": "退款请求号对应的退款金额不一致",  # assumed
}
_trade_numbers = itertools.count(1)
DEFAULT_BUYER = "sim@example.com"  # the cashier's login when the buyer types none


class Refused(Exception):
    """A business failure (`40004`) or bad argument (`40002`) with Alipay's sub_code."""

    def __init__(self, sub_code: str, *, code: str = "40004", sub_msg: str = "") -> None:
        super().__init__(sub_code)
        self.code, self.sub_code = code, sub_code
        self.sub_msg = sub_msg or REFUSALS.get(sub_code, sub_code)


def invalid(sub_msg: str) -> Refused:
    return Refused("ACQ.INVALID_PARAMETER", sub_msg=sub_msg)


@dataclass
class Trade:
    app_id: str
    out_trade_no: str
    total: int  # fen
    subject: str
    method: str
    notify_url: str
    return_url: str
    seller_id: str
    expires_at: dt.datetime | None
    created_at: dt.datetime
    status: str = WAIT
    trade_no: str = ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    paid_at: dt.datetime | None = None
    buyer_login: str = ""  # who paid, as they signed in to the cashier
    refunds: dict[str, int] = field(default_factory=dict)  # out_request_no → fen

    @property
    def buyer_id(self) -> str:
        """The paying account's 2088… user id: one per buyer login, as Alipay's is."""
        if not self.buyer_login:
            return ""
        digest = hashlib.sha256(self.buyer_login.strip().lower().encode()).hexdigest()
        return "2088" + f"{int(digest, 16) % 10**12:012d}"

    @property
    def buyer_logon_id(self) -> str:
        """The login masked, as Alipay shows it (`sim***@example.com`)."""
        login = self.buyer_login
        return (login[:3] + "***" + login[login.index("@"):] if "@" in login
                else login[:3] + "***" + login[-2:]) if login else ""

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())

    def public(self) -> dict[str, str]:
        """The trade as `alipay.trade.query` reports it."""
        return {"out_trade_no": self.out_trade_no, "trade_no": self.trade_no,
                "trade_status": self.status, "total_amount": signing.yuan(self.total),
                "buyer_logon_id": self.buyer_logon_id, "buyer_user_id": self.buyer_id}


class TradeBook:
    """Every simulated merchant's trades, keyed by (app_id, out_trade_no)."""

    def __init__(self) -> None:
        self.trades: dict[tuple[str, str], Trade] = {}
        self.by_token: dict[str, Trade] = {}

    def get(self, app_id: str, out_trade_no: str, now: dt.datetime) -> Trade:
        trade = self.trades.get((app_id, out_trade_no))
        if trade is None:
            raise Refused("ACQ.TRADE_NOT_EXIST")
        self._expire(trade, now)
        return trade

    def by_page(self, token: str, now: dt.datetime) -> Trade | None:
        trade = self.by_token.get(token)
        if trade is not None:
            self._expire(trade, now)
        return trade

    def open(self, app_id: str, seller_id: str, method: str, biz: dict, *, notify_url: str,
             return_url: str, now: dt.datetime) -> Trade:
        """Create the trade (precreate, or a buyer opening a page/wap URL), or find the same
        one again. The same out_trade_no with other terms is refused, as Alipay does."""
        out_trade_no = str(biz.get("out_trade_no", ""))
        if not OUT_TRADE_NO.fullmatch(out_trade_no):
            raise invalid("out_trade_no must be 1-64 letters, digits or _")
        total = _amount(biz.get("total_amount"))
        subject = str(biz.get("subject", "")).strip()
        if not subject:
            raise invalid("subject is required")
        expires_at = None
        if biz.get("time_expire"):
            try:
                expires_at = signing.parse_timestamp(str(biz["time_expire"]))
            except ValueError as exc:
                raise invalid("time_expire is malformed") from exc
        existing = self.trades.get((app_id, out_trade_no))
        if existing is not None:
            self._expire(existing, now)
            if existing.total != total:
                raise Refused("ACQ.CONTEXT_INCONSISTENT")
            if existing.status in (SUCCESS, FINISHED):
                raise Refused("ACQ.TRADE_HAS_SUCCESS")
            if existing.status == CLOSED:
                raise Refused("ACQ.TRADE_HAS_CLOSE")
            return existing
        if expires_at is not None and expires_at <= now:
            raise invalid("time_expire is in the past")
        trade = Trade(app_id, out_trade_no, total, subject, method, notify_url, return_url,
                      seller_id, expires_at, now)
        self.trades[(app_id, out_trade_no)] = trade
        self.by_token[trade.token] = trade
        return trade

    def pay(self, trade: Trade, now: dt.datetime, buyer: str = DEFAULT_BUYER) -> None:
        """`buyer`: the login the buyer signed in to the cashier with (names `buyer_id`)."""
        self._expire(trade, now)
        if trade.status != WAIT:
            raise Refused("ACQ.TRADE_HAS_SUCCESS" if trade.status in (SUCCESS, FINISHED)
                          else "ACQ.TRADE_HAS_CLOSE")
        trade.status, trade.paid_at = SUCCESS, now
        trade.buyer_login = buyer.strip()[:100] or DEFAULT_BUYER
        trade.trade_no = f"{now.astimezone(signing.BEIJING):%Y%m%d}2200{next(_trade_numbers):014d}"

    def close(self, trade: Trade) -> None:
        if trade.status != WAIT:
            raise Refused("ACQ.TRADE_STATUS_ERROR")
        trade.status = CLOSED

    def refund(self, trade: Trade, biz: dict) -> bool:
        """Refund under `out_request_no` (defaults to out_trade_no, as at Alipay): returns
        whether money moved (`fund_change`). A repeat of the same request moves nothing
        (fund_change N); the same request number with another amount is refused."""
        amount = _amount(biz.get("refund_amount"))
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        if request_no in trade.refunds:
            if trade.refunds[request_no] != amount:
                raise Refused("ACQ.REASON_TRADE_REFUND_FEE_ERR")
            return False
        if trade.status != SUCCESS:
            raise Refused("ACQ.TRADE_STATUS_ERROR")
        if trade.refunded + amount > trade.total:
            raise Refused("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
        trade.refunds[request_no] = amount
        if trade.refunded == trade.total:
            trade.status = CLOSED  # a fully refunded trade is closed
        return True

    @staticmethod
    def _expire(trade: Trade, now: dt.datetime) -> None:
        if trade.status == WAIT and trade.expires_at is not None and trade.expires_at <= now:
            trade.status = CLOSED


def _amount(value: object) -> int:
    try:
        amount = signing.fen(str(value or ""))
    except ValueError as exc:
        raise invalid("amount must be yuan with at most 2 decimals") from exc
    if not 1 <= amount <= signing.MAX_AMOUNT_FEN:
        raise invalid("amount must be between 0.01 and 100000000")
    return amount
