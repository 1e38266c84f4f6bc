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


__all__ = ["STATUS_TITLES", "STATUS_TONES", "status_badge"]
