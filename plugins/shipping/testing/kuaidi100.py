"""A local Kuaidi100 simulator (an ASGI app) for tests and the demo: real-time query,
subscription, and pushes signed as Kuaidi100 signs them.

Checks, as ../shared/PROTOCOLS.md describes: the query's `sign = upper(md5(param + key +
customer))` (recomputed here, not imported from the adapter); the subscription's key and
fields (600 bad key, 700 bad data, 501 duplicate). Pushes are POSTed as a form `param` +
`sign = upper(md5(param + salt))` to the subscription's callback URL; `push(..., sign=...)`
can forge a bad one. Unconfirmed codes kept as assumptions: 503 bad query signature, 500 no
result yet.

    sim = Kuaidi100Simulator(customer="CUST", key="KEY")
    sim.scan("YT123", "yuantong", "【杭州市】已揽收", "揽收", state="1")
    await sim.push("YT123", client)  # client: an httpx.AsyncClient reaching the shop
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

import httpx
from litestar import Litestar, Request, post

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def _sign(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324 (their protocol)


class Kuaidi100Simulator:
    def __init__(self, *, customer: str, key: str) -> None:
        self.customer, self.key = customer, key
        self.parcels: dict[str, dict[str, Any]] = {}  # number → {"com", "state", "data"}
        self.subscriptions: dict[str, dict[str, Any]] = {}  # number → parameters
        self.app = Litestar(route_handlers=self._handlers(), debug=False)

    def _handlers(self) -> list:
        @post("/poll/query.do", status_code=200)
        async def query(request: Request) -> dict:
            return self.query({k: str(v) for k, v in (await request.form()).items()})

        @post("/poll", status_code=200)
        async def subscribe(request: Request) -> dict:
            return self.subscribe({k: str(v) for k, v in (await request.form()).items()})

        @post("/_scan", status_code=200)
        async def scan(request: Request) -> dict:
            """Sandbox control, not Kuaidi100's API: a scan, pushed to the subscriber."""
            form = {k: str(v) for k, v in (await request.form()).items()}
            number = form.get("number", "")
            if number not in self.subscriptions:
                return {"ok": False, "error": "not subscribed"}
            self.scan(number, self.subscriptions[number]["company"], form.get("context", ""),
                      form.get("status", "在途"), state=form.get("state", "0"))
            url = urlsplit(self.subscriptions[number]["callbackurl"])
            async with httpx.AsyncClient(base_url=f"{url.scheme}://{url.netloc}") as client:
                answer = await self.push(number, client)
            return {"ok": answer.status_code == 200, "answer": answer.text}

        return [query, subscribe, scan]

    def query(self, form: dict[str, str]) -> dict:
        param = form.get("param", "")
        if (form.get("customer") != self.customer
                or form.get("sign") != _sign(param + self.key + self.customer)):
            return {"result": False, "returnCode": "503", "message": "验证签名失败"}
        try:
            asked = json.loads(param)
        except ValueError:
            return {"result": False, "returnCode": "400", "message": "提交的数据不完整"}
        parcel = self.parcels.get(str(asked.get("num")))
        if parcel is None or parcel["com"] != asked.get("com") or not parcel["data"]:
            return {"result": False, "returnCode": "500", "message": "查询无结果，请隔段时间再查"}
        return self._result(str(asked["num"]), parcel)

    def subscribe(self, form: dict[str, str]) -> dict:
        try:
            param = json.loads(form.get("param", ""))
        except ValueError:
            param = None
        if form.get("schema") != "json" or not isinstance(param, dict):
            return {"result": False, "returnCode": "700", "message": "不支持的快递公司或数据错误"}
        if param.get("key") != self.key:
            return {"result": False, "returnCode": "600", "message": "您不是合法的订阅者"}
        parameters = param.get("parameters") or {}
        if not param.get("company") or not param.get("number") or not parameters.get(
                "callbackurl"):
            return {"result": False, "returnCode": "700", "message": "不支持的快递公司或数据错误"}
        number = str(param["number"])
        if number in self.subscriptions:
            return {"result": False, "returnCode": "501", "message": "重复订阅"}
        self.subscriptions[number] = {"company": param["company"], **parameters}
        self.parcels.setdefault(number, {"com": param["company"], "state": "0", "data": []})
        return {"result": True, "returnCode": "200", "message": "提交成功"}

    @staticmethod
    def _result(number: str, parcel: dict[str, Any]) -> dict:
        return {"message": "ok", "nu": number, "ischeck": "1" if parcel["state"] == "3"
                else "0", "condition": "F00", "com": parcel["com"], "status": "200",
                "state": parcel["state"], "data": list(parcel["data"])}

    def scan(self, number: str, com: str, context: str, status: str, *, state: str,
             area: str = "", at: dt.datetime | None = None) -> None:
        """A new route item (newest first, as Kuaidi100 lists them)."""
        parcel = self.parcels.setdefault(number, {"com": com, "state": state, "data": []})
        when = (at or dt.datetime.now(dt.UTC)).astimezone(BEIJING).strftime(
            "%Y-%m-%d %H:%M:%S")
        parcel["state"] = state
        parcel["data"].insert(0, {"time": when, "ftime": when, "context": context,
                                  "status": status, "areaName": area})

    async def push(self, number: str, client: httpx.AsyncClient, *, sign: str | None = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        """POST the parcel's state to its subscription's callback URL through `client`."""
        subscription = self.subscriptions[number]
        param = json.dumps({"status": "polling", "billstatus": "got", "message": "",
                            "lastResult": self._result(number, self.parcels[number])},
                           ensure_ascii=False, separators=(",", ":"))
        url = urlsplit(subscription["callbackurl"])
        return await client.post(url.path, data={
            "param": param, "sign": sign if sign is not None else _sign(
                param + subscription.get("salt", ""))}, headers=headers)


__all__ = ["Kuaidi100Simulator"]
