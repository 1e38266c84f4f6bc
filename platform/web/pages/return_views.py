"""What pages showing return requests share (storefront order page, return form,
console): titles of kinds, reasons and steps, the carriers a shopper picks from, times on
the shop's clock, and which lines may still be asked back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from galleria.kernel.aftersales import returns
from galleria.kernel.orders.tables import OrderLine
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_

KIND_TITLES = {"return": N_("Return for a refund"), "exchange": N_("Exchange")}
REASON_TITLES = {"no_reason": N_("No reason needed"), "quality": N_("Quality problem"),
                 "wrong_item": N_("Wrong item sent"), "damaged": N_("Arrived damaged")}
STEP_TITLES = {"requested": N_("Waiting for the shop"), "approved": N_("Approved: send it back"),
               "rejected": N_("Declined"), "shipped_back": N_("Sent back"),
               "received": N_("Received by the shop"), "refunding": N_("Refund under way"),
               "refunded": N_("Refunded"), "replacement_shipped": N_("Replacement shipped")}
CARRIERS = {"sf": N_("SF Express"), "yto": N_("YTO Express"), "zto": N_("ZTO Express"),
            "sto": N_("STO Express"), "yunda": N_("Yunda Express"), "jd": N_("JD Logistics"),
            "ems": N_("EMS")}


def shop_time(shop: Shop, value: str | None) -> str:
    """An RFC 3339 time as the shop's clock shows it (`2026-12-05 17:40`)."""
    if not value:
        return ""
    try:
        zone = ZoneInfo(shop.timezone or "Asia/Shanghai")
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Shanghai")
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def return_context(shop: Shop) -> dict[str, Any]:
    """What a page showing return requests needs besides the requests."""
    return {"kind_titles": KIND_TITLES, "reason_titles": REASON_TITLES,
            "step_titles": STEP_TITLES, "carriers": CARRIERS,
            "shop_time": lambda value: shop_time(shop, value)}


async def returnable_lines(shop: Shop, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's lines with how many units may still be asked back (0: none); empty
    when nothing was delivered or the quality window has closed. Call in the shop scope."""
    delivered, at = await returns._delivered(shop.id, row["id"])
    if at is None or dt.datetime.now(dt.UTC) > at + dt.timedelta(days=returns.windows(shop)[1]):
        return []
    asked = await returns._asked_before(shop.id, row["id"])
    closed = await returns.not_returnable(shop.id, list(delivered))
    lines = []
    for line in await OrderLine.select().where(
            (OrderLine.tenant == shop.id) & (OrderLine.order == row["id"])).order_by(OrderLine.id):
        left = delivered.get(line["variant"], 0) - asked.get(line["variant"], 0)
        lines.append({"variant_id": line["variant"], "name": line["name"], "sku": line["sku"],
                      "unit_price": line["unit_price"], "left": max(left, 0),
                      "returnable": line["variant"] not in closed})
    return lines if any(line["left"] for line in lines) else []


__all__ = ["CARRIERS", "KIND_TITLES", "REASON_TITLES", "STEP_TITLES", "return_context",
           "returnable_lines", "shop_time"]
