"""The order states as people read them (GLOSSARY.md: 待付款, 已付款, …) and their badge
colours: one table for the storefront, the account pages and the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from galleria.kernel.orders import states
from galleria.web.i18n import N_

STATUS_TITLES = {
    states.PENDING_PAYMENT: N_("Pending payment"), states.PAID: N_("Paid"),
    states.UNDER_REVIEW: N_("Under review"), states.APPROVED: N_("Approved"),
    states.FULFILLING: N_("Fulfilling"), states.SHIPPED: N_("Shipped"),
    states.DELIVERED: N_("Delivered"), states.COMPLETED: N_("Completed"),
    states.CANCELLED: N_("Cancelled"), states.REFUNDING: N_("Refunding"),
    states.REFUNDED: N_("Refunded"),
}
STATUS_TONES = {
    states.PENDING_PAYMENT: "warning", states.UNDER_REVIEW: "warning",
    states.REFUNDING: "warning", states.PAID: "brand", states.APPROVED: "brand",
    states.FULFILLING: "brand", states.SHIPPED: "brand", states.DELIVERED: "success",
    states.COMPLETED: "success", states.CANCELLED: "", states.REFUNDED: "danger",
}


def status_badge(status: str, translate: Callable[[str], str]) -> dict[str, Any]:
    return {"code": status, "title": translate(STATUS_TITLES.get(status, status)),
            "tone": STATUS_TONES.get(status, "")}


# What a shopper reads (as Youzan's 微商城 shows it): the shop's review steps (审核) and its
# picking are the shop's business; to the shopper the order waits to ship until it ships.
AWAITING_SHIPMENT = N_("Awaiting shipment")
SHOPPER_TITLES = {
    **STATUS_TITLES,
    states.PAID: AWAITING_SHIPMENT, states.UNDER_REVIEW: AWAITING_SHIPMENT,
    states.APPROVED: AWAITING_SHIPMENT, states.FULFILLING: AWAITING_SHIPMENT,
}
CASH_ON_DELIVERY = N_("Cash on delivery")
# Timeline steps a shopper sees; the others are the shop's internal steps.
SHOPPER_STEPS = {
    states.PENDING_PAYMENT: N_("Order placed"), states.PAID: N_("Paid"),
    states.SHIPPED: N_("Shipped"), states.DELIVERED: N_("Delivered"),
    states.COMPLETED: N_("Completed"), states.CANCELLED: N_("Cancelled"),
    states.REFUNDING: N_("Refunding"), states.REFUNDED: N_("Refunded"),
}
TRACKING_TITLES = {"picked_up": N_("Picked up by the carrier"), "in_transit": N_("In transit"),
                   "out_for_delivery": N_("Out for delivery"), "delivered": N_("Delivered")}


def shopper_status(status: str, pays_on_delivery: bool,
                   translate: Callable[[str], str]) -> dict[str, Any]:
    """The badge on the shopper's order page: a cash-on-delivery order that has not been
    paid reads 货到付款 · 待发货 (nothing to pay now), not 待付款."""
    if status == states.PENDING_PAYMENT and pays_on_delivery:
        title = f"{translate(CASH_ON_DELIVERY)} · {translate(AWAITING_SHIPMENT)}"
        return {"code": status, "title": title, "tone": "brand"}
    return {"code": status, "title": translate(SHOPPER_TITLES.get(status, status)),
            "tone": STATUS_TONES.get(status, "")}


def shopper_timeline(entries: list[dict[str, Any]], translate: Callable[[str], str]
                     ) -> list[dict[str, Any]]:
    """The order's history without the shop's internal steps, newest first. Entries that
    change no status (a quality check, a contact attempt, a return's step — shown in its
    own card) are notes for the shop, not steps of the order."""
    return [{"title": translate(SHOPPER_STEPS[e["to_status"]]), "at": e["at"]}
            for e in reversed(entries) if e.get("to_status") in SHOPPER_STEPS
            and e.get("from_status") != e["to_status"]]


__all__ = ["SHOPPER_TITLES", "STATUS_TITLES", "STATUS_TONES", "TRACKING_TITLES",
           "shopper_status", "shopper_timeline", "status_badge"]
