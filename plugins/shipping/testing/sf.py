"""A local SF Express open-platform simulator (an ASGI app) for tests and the demo.

It checks what the real service checks, as ../shared/PROTOCOLS.md describes it: every
common parameter present, a known `partnerID`, and `msgDigest` recomputed here (written out
again, not imported from the adapter, so that the two check each other). It answers in
SF's envelope: `apiResultCode` A1000 with `apiResultData` (a JSON string) holding
`success`/`errorCode`/`msgData`. A repeated `orderId` returns its first waybill; routes of
an unknown waybill, or asked with the wrong phone digits, come back empty.

Codes we could not confirm are assumptions: A1001 missing parameter, A1004 unknown partner
or service, A1006 bad digest; business error 8016 for an order without a receiver, 8114 /
8115 for a courier pickup (`isDocall` 1) whose `sendStartTm` / `pickupAppointEndtime` are not
"YYYY-MM-DD HH:MM:SS" or not in order. A booked pickup is kept in `orders[id]["pickup"]`.

    sim = SfSimulator({"PARTNER": "check-word"})
    sim.scan("SF1000000000001", "50", "顺丰速运 已收取快件", "杭州")
    app = sim.app  # serve it (uvicorn) and point the shop's sf_base_url at it
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import urllib.parse
import zoneinfo
from typing import Any

from litestar import Litestar, Request, post

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
REQUIRED = ("partnerID", "requestID", "serviceCode", "timestamp", "msgDigest", "msgData")


def _envelope(code: str, message: str = "", data: dict[str, Any] | None = None) -> dict:
    body: dict[str, Any] = {"apiResultCode": code, "apiErrorMsg": message,
                            "apiResponseID": "SIM" + hashlib.sha1(  # noqa: S324 (an id)
                                message.encode()).hexdigest()[:16]}
    body["apiResultData"] = json.dumps(data, ensure_ascii=False) if data is not None else None
    return body


def _ok(msg_data: dict[str, Any]) -> dict:
    return _envelope("A1000", "", {"success": True, "errorCode": "S0000", "errorMsg": None,
                                   "msgData": msg_data})


def _fail(code: str, message: str) -> dict:
    return _envelope("A1000", "", {"success": False, "errorCode": code, "errorMsg": message,
                                   "msgData": None})


class SfSimulator:
    def __init__(self, accounts: dict[str, str]) -> None:
        self.accounts = dict(accounts)  # partnerID → checkWord
        self.orders: dict[str, dict[str, Any]] = {}  # orderId → {"waybill", "phone"}
        self.routes: dict[str, list[dict[str, Any]]] = {}  # waybill → routes, oldest first
        self.calls: list[dict[str, str]] = []
        self._numbers = itertools.count(1)
        self.app = Litestar(route_handlers=self._handlers(), debug=False)

    def _handlers(self) -> list:
        @post("/std/service", status_code=200)
        async def service(request: Request) -> dict:
            form = {k: str(v) for k, v in (await request.form()).items()}
            self.calls.append(form)
            return self.handle(form)

        @post("/_scan", status_code=200)
        async def scan(request: Request) -> dict:
            """Sandbox control, not SF's API: a courier scans the parcel."""
            form = {k: str(v) for k, v in (await request.form()).items()}
            if form.get("waybill") not in self.routes:
                return {"ok": False, "error": "unknown waybill"}
            self.scan(form["waybill"], form.get("opCode", "30"), form.get("remark", ""),
                      form.get("address", ""))
            return {"ok": True}

        return [service, scan]

    @staticmethod
    def digest(msg_data: str, timestamp: str, check_word: str) -> str:
        encoded = urllib.parse.quote_plus(f"{msg_data}{timestamp}{check_word}")
        return base64.b64encode(hashlib.md5(encoded.encode("utf-8")).digest()).decode()  # noqa: S324

    def handle(self, form: dict[str, str]) -> dict:
        missing = [name for name in REQUIRED if not form.get(name)]
        if missing:
            return _envelope("A1001", f"必传参数不可为空: {', '.join(missing)}")
        check_word = self.accounts.get(form["partnerID"])
        if check_word is None:
            return _envelope("A1004", "无对应服务权限")
        expected = self.digest(form["msgData"], form["timestamp"], check_word)
        if form["msgDigest"] != expected:
            return _envelope("A1006", "数字签名无效")
        try:
            message = json.loads(form["msgData"])
        except ValueError:
            return _envelope("A1001", "msgData 不是 JSON")
        if form["serviceCode"] == "EXP_RECE_CREATE_ORDER":
            return self._create(message)
        if form["serviceCode"] == "EXP_RECE_SEARCH_ROUTES":
            return self._search(message)
        return _envelope("A1004", "无对应服务权限")

    def _create(self, message: dict[str, Any]) -> dict:
        order_id = str(message.get("orderId") or "")
        if not order_id:
            return _fail("8013", "订单号不能为空")
        if order_id in self.orders:  # a repeat: the first waybill again
            return _ok(self._created(order_id))
        receivers = [c for c in message.get("contactInfoList") or []
                     if c.get("contactType") == 2 and c.get("address")]
        if not receivers:
            return _fail("8016", "收件人信息不能为空")
        pickup = None
        if message.get("isDocall") == 1:  # 预约取件: a window of "YYYY-MM-DD HH:MM:SS"
            try:
                start, end = (dt.datetime.strptime(str(message.get(key) or ""),
                                                   "%Y-%m-%d %H:%M:%S")
                              for key in ("sendStartTm", "pickupAppointEndtime"))
            except ValueError:
                return _fail("8114", "预约取件时间格式错误")
            if not start < end:
                return _fail("8115", "预约取件截止时间须晚于开始时间")
            pickup = (start, end)
        waybill = f"SF{7000000000000 + next(self._numbers)}"
        self.orders[order_id] = {"waybill": waybill, "pickup": pickup,
                                 "phone": str(receivers[0].get("mobile") or receivers[0].get(
                                     "tel") or "")}
        self.routes.setdefault(waybill, [])
        return _ok(self._created(order_id))

    def _created(self, order_id: str) -> dict[str, Any]:
        waybill = self.orders[order_id]["waybill"]
        return {"orderId": order_id,
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": waybill}],
                "routeLabelInfo": [{"code": "1000", "routeLabelData": {
                    "waybillNo": waybill, "destRouteLabel": "571WA-010",
                    "twoDimensionCode": f"MMM={{'k1':'571WA','k5':'{waybill}'}}"}}]}

    def _search(self, message: dict[str, Any]) -> dict:
        phone = str(message.get("checkPhoneNo") or "")
        resps = []
        for number in message.get("trackingNumber") or []:
            owner = next((o for o in self.orders.values() if o["waybill"] == number), None)
            known = number in self.routes
            phone_ok = not phone or owner is None or owner["phone"].endswith(phone)
            routes = self.routes.get(number, []) if known and phone_ok else []
            resps.append({"mailNo": number, "routes": list(routes)})
        return _ok({"routeResps": resps})

    def waybill_of(self, order_id: str) -> str:
        return self.orders[order_id]["waybill"]

    def scan(self, waybill: str, op_code: str, remark: str, address: str = "",
             at: dt.datetime | None = None) -> None:
        """The parcel was scanned (what the courier's device would report)."""
        when = (at or dt.datetime.now(dt.UTC)).astimezone(BEIJING)
        self.routes.setdefault(waybill, []).append({
            "acceptTime": when.strftime("%Y-%m-%d %H:%M:%S"), "acceptAddress": address,
            "remark": remark, "opCode": op_code})


__all__ = ["SfSimulator"]
