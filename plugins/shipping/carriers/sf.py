"""SF Express (顺丰) open platform adapter: create a waybill, query its routes.

Protocol (../shared/PROTOCOLS.md): a form POST to `{base}/std/service` with `partnerID`,
`requestID` (a UUID), `serviceCode`, `timestamp`, `msgDigest` and `msgData` (a JSON string),
where `msgDigest = base64(md5(urlencode(msgData + timestamp + checkWord)))`. The answer is
`{apiResultCode: "A1000", apiErrorMsg, apiResponseID, apiResultData: "<JSON>"}` with
`{success, errorCode: "S0000", errorMsg, msgData}` inside.

Assumptions we could not confirm against an official source are kept here, in one place:
the timestamp is sent in milliseconds; `A1006` is the code for a bad digest; route opCodes
50 = picked up, 44 = out for delivery, 80 = signed for; an unknown waybill's routes come back
as an empty list.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
import zoneinfo
from typing import Any
from urllib.parse import quote_plus

import httpx

from galleria.kernel import (
    Carrier,
    CarrierError,
    ShipmentCreated,
    ShipmentRequest,
    TrackedShipment,
    TrackingUpdate,
)

PRODUCTION_URL = "https://sfapi.sf-express.com"
SANDBOX_URL = "https://sfapi-sbox.sf-express.com"
CREATE_ORDER = "EXP_RECE_CREATE_ORDER"
SEARCH_ROUTES = "EXP_RECE_SEARCH_ROUTES"
OK, BUSINESS_OK = "A1000", "S0000"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
OP_CODES = {"50": "picked_up", "54": "picked_up", "44": "out_for_delivery",
            "80": "delivered", "8000": "delivered"}  # anything else: in transit
TIMEOUT = 15.0


def msg_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    raw = quote_plus(msg_data + timestamp + check_word, encoding="utf-8")
    return base64.b64encode(hashlib.md5(raw.encode()).digest()).decode()  # noqa: S324 (SF's protocol)


class SfExpress(Carrier):
    """One shop's SF account (partner id, check word, monthly card) and the shop's sender
    address: books waybills (with a courier pickup, 预约取件, when asked) and polls routes.
    SF does not push: `subscribe` keeps the base class's False."""

    code, name, books_pickup = "sf", "顺丰速运", True

    def __init__(self, *, base_url: str, partner_id: str, check_word: str,
                 monthly_card: str = "", sender: dict[str, str] | None = None) -> None:
        self.base_url = (base_url or PRODUCTION_URL).rstrip("/")
        self.partner_id, self.check_word = partner_id, check_word
        self.monthly_card = monthly_card
        self.sender = sender or {}

    async def create_shipment(self, request: ShipmentRequest) -> ShipmentCreated:
        return await self.create_order(request, self.sender)

    async def track(self, shipment: TrackedShipment) -> list[TrackingUpdate] | None:
        """SF's routes of its own waybills; another carrier's parcel is not SF's to poll."""
        if shipment.carrier != self.code:
            return None
        return await self.routes(shipment.tracking_number, shipment.phone)

    async def call(self, service_code: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one service call; returns the inner `msgData`. Raises CarrierError."""
        msg_data = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        form = {"partnerID": self.partner_id, "requestID": str(uuid.uuid4()),
                "serviceCode": service_code, "timestamp": timestamp,
                "msgDigest": msg_digest(msg_data, timestamp, self.check_word),
                "msgData": msg_data}
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=TIMEOUT) as client:
                response = await client.post("/std/service", data=form)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise CarrierError(f"SF Express could not be reached: {exc}") from exc
        if body.get("apiResultCode") != OK:
            raise CarrierError(f"SF Express refused the call: {body.get('apiResultCode')} "
                               f"{body.get('apiErrorMsg') or ''}".strip())
        try:
            result = json.loads(body.get("apiResultData") or "{}")
        except ValueError as exc:
            raise CarrierError("SF Express answered something unreadable") from exc
        if not result.get("success") or result.get("errorCode") != BUSINESS_OK:
            raise CarrierError(f"SF Express: {result.get('errorCode')} "
                               f"{result.get('errorMsg') or ''}".strip())
        return result.get("msgData") or {}

    async def create_order(self, request: ShipmentRequest,
                           sender: dict[str, str]) -> ShipmentCreated:
        """Book a waybill for `request` (a repeated `reference` returns the first one)."""
        address = request.address
        if address is None:
            raise CarrierError("This order has no delivery address")
        receiver = {"contactType": 2, "contact": address.name, "mobile": address.phone,
                    "country": "CN", "province": address.province, "city": address.city,
                    "county": address.district,
                    "address": " ".join(filter(None, (address.line1, address.line2)))}
        weight_kg = sum(line.weight_grams * line.quantity for line in request.lines) / 1000
        message = {
            "language": "zh-CN", "orderId": request.reference,
            "contactInfoList": [{"contactType": 1, **sender}, receiver],
            "cargoDetails": [{"name": line.name[:60], "count": line.quantity,
                              "unit": "件"} for line in request.lines],
            "monthlyCard": self.monthly_card, "expressTypeId": 1, "payMethod": 1,
            "parcelQty": 1, "totalWeight": round(weight_kg, 2) or None,
        }
        if request.pickup_window:  # 预约取件: a courier comes in this window (Beijing time)
            start, end = (t.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
                          for t in request.pickup_window)
            message.update(isDocall=1, sendStartTm=start, pickupAppointEndtime=end)
        data = await self.call(CREATE_ORDER, message)
        waybills = [w.get("waybillNo") for w in data.get("waybillNoInfoList") or []
                    if w.get("waybillType", 1) == 1 and w.get("waybillNo")]
        if not waybills:
            raise CarrierError("SF Express booked the order but returned no waybill number")
        labels = data.get("routeLabelInfo") or [{}]
        label = (labels[0] or {}).get("routeLabelData") or {}
        booked = {"courier_pickup": {"from": message["sendStartTm"],
                                     "until": message["pickupAppointEndtime"]}
                  } if request.pickup_window else {}
        return ShipmentCreated(carrier="sf", tracking_number=waybills[0],
                               label={"dest_route_label": label.get("destRouteLabel", ""),
                                      "two_dimension_code": label.get("twoDimensionCode", ""),
                                      "carrier_name": "顺丰速运", **booked})

    async def routes(self, waybill: str, phone: str = "") -> list[TrackingUpdate]:
        message: dict[str, Any] = {"language": "zh-CN", "trackingType": "1",
                                   "trackingNumber": [waybill], "methodType": "1"}
        if phone:
            message["checkPhoneNo"] = phone[-4:]
        data = await self.call(SEARCH_ROUTES, message)
        updates = []
        for route_resp in data.get("routeResps") or []:
            if route_resp.get("mailNo") != waybill:
                continue
            for route in route_resp.get("routes") or []:
                updates.append(route_update(route))
        return updates


def route_update(route: dict[str, Any]) -> TrackingUpdate:
    op_code = str(route.get("opCode", ""))
    when = dt.datetime.strptime(route["acceptTime"], "%Y-%m-%d %H:%M:%S")
    return TrackingUpdate(status=OP_CODES.get(op_code, "in_transit"),
                          occurred_at=when.replace(tzinfo=BEIJING),
                          description=str(route.get("remark", ""))[:500],
                          location=str(route.get("acceptAddress", ""))[:120],
                          raw_status=op_code)


__all__ = ["PRODUCTION_URL", "SANDBOX_URL", "SfExpress", "msg_digest", "route_update"]
