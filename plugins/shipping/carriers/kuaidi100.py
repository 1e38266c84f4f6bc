"""Kuaidi100 (快递100) tracking adapter: real-time query, subscription, verified pushes.

Protocol (../shared/PROTOCOLS.md):
- query: form POST `{base}/poll/query.do` with `customer`, `param` (JSON: `com`, `num`,
  `phone`, `resultv2`) and `sign = upper(md5(param + key + customer))`;
- subscribe: form POST `{base}/poll` with `schema=json` and `param` (JSON: `company`,
  `number`, `key`, `parameters{callbackurl, salt, phone, resultv2}`) → `returnCode` "200"
  (501 already subscribed, 600 bad key, 700 bad data);
- push to our callback: form `param` (JSON) and `sign = upper(md5(param + salt))`; we answer
  `{"result": true, "returnCode": "200", "message": "成功"}`.

`lastResult.state`: 0 in transit, 1 picked up, 3 signed for, 5 out for delivery (others —
problem, returned, forwarded, customs — count as in transit). With `resultv2=1` every route
item carries its own `status` text (在途, 揽收, 派件, 签收). Unconfirmed, kept here: the query's
"no result yet" is `returnCode` 500 and a bad signature 503.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import zoneinfo
from typing import Any

import httpx

from galleria.kernel import (
    Carrier,
    CarrierError,
    TrackedShipment,
    TrackingUpdate,
    ValidationFailed,
)

PRODUCTION_URL = "https://poll.kuaidi100.com"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
STATES = {"0": "in_transit", "1": "picked_up", "3": "delivered", "5": "out_for_delivery"}
ITEM_STATUSES = {"揽收": "picked_up", "在途": "in_transit", "派件": "out_for_delivery",
                 "签收": "delivered"}
NO_RESULT = "500"
SUBSCRIBED, ALREADY_SUBSCRIBED = "200", "501"
COMPANY_CODES = {"sf": "shunfeng"}  # our carrier codes that differ from Kuaidi100's
TIMEOUT = 15.0
PUSH_ANSWER = {"result": True, "returnCode": "200", "message": "成功"}


class PushRejected(ValidationFailed):
    code, title = "push_rejected", "Push rejected"


def _md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()  # noqa: S324 (Kuaidi100's protocol)


def query_sign(param: str, key: str, customer: str) -> str:
    return _md5_upper(param + key + customer)


def push_sign(param: str, salt: str) -> str:
    return _md5_upper(param + salt)


def company_code(carrier: str) -> str:
    return COMPANY_CODES.get(carrier, carrier)


class Kuaidi100(Carrier):
    """One shop's Kuaidi100 account: a tracking service for parcels of any carrier (by the
    carrier's code), polled or pushing. It books no waybills: `create_shipment` keeps the
    base class's None."""

    code, name = "kuaidi100", "快递100"

    def __init__(self, *, base_url: str, customer: str, key: str) -> None:
        self.base_url = (base_url or PRODUCTION_URL).rstrip("/")
        self.customer, self.key = customer, key

    async def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=TIMEOUT) as client:
                response = await client.post(path, data=form)
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise CarrierError(f"Kuaidi100 could not be reached: {exc}") from exc

    async def query(self, carrier: str, number: str, phone: str = "") -> list[TrackingUpdate]:
        """The parcel's route now; [] while Kuaidi100 has nothing for it yet."""
        param = json.dumps({"com": company_code(carrier), "num": number, "phone": phone,
                            "resultv2": "1"}, ensure_ascii=False, separators=(",", ":"))
        body = await self._post("/poll/query.do", {
            "customer": self.customer, "param": param,
            "sign": query_sign(param, self.key, self.customer)})
        if str(body.get("status")) == "200" and "data" in body:
            return updates_from(body)
        if str(body.get("returnCode")) == NO_RESULT:
            return []
        raise CarrierError(f"Kuaidi100 refused the query: {body.get('returnCode')} "
                           f"{body.get('message') or ''}".strip())

    async def track(self, shipment: TrackedShipment) -> list[TrackingUpdate]:
        return await self.query(shipment.carrier, shipment.tracking_number, shipment.phone)

    async def subscribe(self, shipment: TrackedShipment, *, callback_url: str,
                        salt: str) -> bool:
        """Ask for pushes about the parcel; True when subscribed (now or before)."""
        param = json.dumps({"company": company_code(shipment.carrier),
                            "number": shipment.tracking_number, "key": self.key,
                            "parameters": {
                                "callbackurl": callback_url, "salt": salt,
                                "phone": shipment.phone,
                                "resultv2": "1"}}, ensure_ascii=False, separators=(",", ":"))
        body = await self._post("/poll", {"schema": "json", "param": param})
        code = str(body.get("returnCode"))
        if code in (SUBSCRIBED, ALREADY_SUBSCRIBED):
            return True
        raise CarrierError(f"Kuaidi100 refused the subscription: {code} "
                           f"{body.get('message') or ''}".strip())


def verify_push(param: str, sign: str, salt: str) -> dict[str, Any]:
    """The push's JSON once its signature checks out; PushRejected otherwise."""
    if not salt:
        raise PushRejected("This shop has no Kuaidi100 salt: pushes cannot be verified")
    if not param or not sign or not hmac.compare_digest(push_sign(param, salt),
                                                        sign.strip().upper()):
        raise PushRejected("Bad Kuaidi100 push signature")
    try:
        data = json.loads(param)
    except ValueError as exc:
        raise PushRejected("The push's param is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("lastResult"), dict):
        raise PushRejected("The push carries no lastResult")
    return data


def _when(item: dict[str, Any]) -> dt.datetime:
    text = item.get("ftime") or item.get("time") or ""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)


def updates_from(result: dict[str, Any]) -> list[TrackingUpdate]:
    """Route items (newest first, as Kuaidi100 sends them) → tracking updates. An item
    without its own status takes the parcel's state if it is the newest, else in transit."""
    items = [i for i in result.get("data") or [] if isinstance(i, dict)]
    overall = STATES.get(str(result.get("state", "")), "in_transit")
    updates = []
    for position, item in enumerate(items):
        status = ITEM_STATUSES.get(str(item.get("status", "")))
        if status is None:
            status = overall if position == 0 else "in_transit"
        updates.append(TrackingUpdate(
            status=status, occurred_at=_when(item),
            description=str(item.get("context", ""))[:500],
            location=str(item.get("areaName") or item.get("location") or "")[:120],
            raw_status=str(item.get("status") or result.get("state", ""))[:32]))
    return updates


__all__ = ["PRODUCTION_URL", "PUSH_ANSWER", "Kuaidi100", "PushRejected", "company_code",
           "push_sign", "query_sign", "updates_from", "verify_push"]
