"""The order states as people read them (GLOSSARY.md: 待付款, 已付款, …) and their badge
colours: one table for the storefront, the account pages and the console."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from galleria.kernel.orders import states
from galleria.web.i18n import N_
from galleria.web.methods import MethodNames
from galleria.web.pages.carriers import carrier_name

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
PAYMENT_TITLES = {"pending": N_("Awaiting payment"), "paid": N_("Paid"),
                  "failed": N_("Payment failed"), "closed": N_("Closed")}
SHIPMENT_TITLES = {"shipped": N_("Shipped"), "ready_for_pickup": N_("Ready for pickup"),
                   "delivered": N_("Delivered")}
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


# The reasons the kernel writes into an order's history, as patterns (galleria.kernel.orders,
# payments, aftersales, review, fulfilment); anything else is a person's own words, shown as is.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message) for pattern, message in (
        (r"^placed$", N_("Order placed")),
        (r"^not paid in time$", N_("Not paid in time")),
        (r"^delivered$", N_("Delivered")),
        (r"^ready for pickup$", N_("Ready for pickup")),
        (r"^shipped:$", N_("Shipped")),
        (r"^shipped: (?P<carrier>\S+)$", N_("Shipped by %(carrier)s")),
        (r"^shipped: (?P<carrier>\S+) (?P<number>\S+)$",
         N_("Shipped by %(carrier)s, waybill %(number)s")),
        (r"^picking$", N_("Picking started")),
        (r"^lines cancelled$", N_("Lines cancelled")),
        (r"^lines cancelled: (?P<note>.+)$", N_("Lines cancelled: %(note)s")),
        (r"^(?:paid: )?(?P<method>[\w-]+) payment (?P<reference>\S+)$",
         N_("Paid by %(method)s (%(reference)s)")),
        (r"^partial refund of (?P<amount>\d+)$", N_("Partial refund of %(amount)s")),
        (r"^partial refund of (?P<amount>\d+): (?P<note>.+)$",
         N_("Partial refund of %(amount)s: %(note)s")),
        (r"^refund (?P<reference>\S+) under way$", N_("Refund %(reference)s under way")),
        (r"^return #(?P<id>\d+)$", N_("Return #%(id)s")),
        (r"^return #(?P<id>\d+): not resellable$", N_("Return #%(id)s: written off")),
        (r"^completed (?P<days>\d+) days after delivery$",
         N_("Completed %(days)s days after delivery")),
        (r"^rejected: (?P<note>.+)$", N_("Rejected: %(note)s")),
        (r"^approved automatically$", N_("Approved automatically")),
    ))


def timeline_reason(reason: str | None, translate: Callable[[str], str], *,
                    money: Callable[[int], str], method_name: Callable[[str], str]) -> str:
    """An order history entry's reason in the reader's language: the kernel's own phrases
    translated (amounts as money, method codes as their names), people's words as written."""
    if not reason:
        return ""
    if reason in STATUS_TITLES:  # a transition that names its target state
        return translate(STATUS_TITLES[reason])
    for pattern, message in _REASONS:
        found = pattern.match(reason)
        if found:
            values = found.groupdict()
            if "amount" in values:
                values["amount"] = money(int(values["amount"]))
            if "method" in values:
                values["method"] = method_name(values["method"])
            if "carrier" in values:
                values["carrier"] = carrier_name(values["carrier"], translate)
            return translate(message) % values
    return reason


def name_order_parts(view: dict[str, Any], names: MethodNames,
                     translate: Callable[[str], str]) -> None:
    """Give an order view's methods, payments and shipments the names people read (kept
    beside their codes): `payment_name`, `shipping_name`, each payment's `method_name` and
    `status_title`, each shipment's `carrier_title` and `status_title`."""
    view["payment_name"] = names.payment_name(view.get("payment_method"))
    view["shipping_name"] = names.shipping_name(view.get("shipping_method"))
    for payment in view.get("payments") or []:
        payment["method_name"] = names.payment_name(payment.get("method"))
        payment["status_title"] = translate(PAYMENT_TITLES.get(payment.get("status") or "",
                                                               payment.get("status") or ""))
    for shipment in view.get("shipments") or []:
        label = shipment.get("label") or {}
        shipment["carrier_title"] = (
            (label.get("carrier_name") if isinstance(label, dict) else "")
            or carrier_name(shipment.get("carrier"), translate)
            or names.shipping_name(shipment.get("method")))
        status = shipment.get("tracking_status") or shipment.get("status") or ""
        shipment["status_title"] = translate(
            TRACKING_TITLES.get(status) or SHIPMENT_TITLES.get(status) or status)


__all__ = [
    "PAYMENT_TITLES",
    "SHIPMENT_TITLES",
    "SHOPPER_TITLES",
    "STATUS_TITLES",
    "STATUS_TONES",
    "TRACKING_TITLES",
    "name_order_parts",
    "shopper_status",
    "shopper_timeline",
    "status_badge",
    "timeline_reason",
]
