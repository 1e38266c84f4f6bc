"""What the picking pages say: modes, statuses and the refused scans, in the merchant's
language (the kernel's reasons are codes; the words are here, through the catalogs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from galleria.web.i18n import N_

MODES = {"order": N_("Order by order"), "wave": N_("Wave, then sort into orders")}
STATUSES = {"open": N_("Being picked"), "picked": N_("Picked")}
REFUSALS = {
    "unknown_barcode": N_("No product in this shop has barcode %(scanned)s"),
    "wrong_product": N_("Wrong product: %(sku)s is not in this order"),
    "too_many": N_("Too many: %(units)s scanned, only %(left)s left to pick"),
    "expired_lot": N_("Lot %(lot_code)s expired on %(expires_on)s: do not pick it"),
    "wrong_lot": N_("Take lot %(take)s first (it expires sooner)"),
}
ALERT_KINDS = {
    "late_to_ship": N_("Late to ship"), "no_tracking_update": N_("No tracking news"),
    "late_delivery": N_("Not delivered in the promised time"),
    "delivery_failed": N_("Delivery failed"), "returned": N_("Returned to sender"),
}
PACKING_ERRORS = {
    "not_picked": N_("Pick every item of this order first"),
    "quality_check_needed": N_("Record a passed quality check first"),
}


def refusal_message(exc: Any, translate: Callable[[str], str]) -> str:
    """The refused scan's reason in the page's language, with what the picker needs."""
    template = REFUSALS.get(exc.reason)
    if template is None:
        return exc.detail
    values = {"scanned": "", "sku": "", "units": "", "left": "", "lot_code": "",
              "expires_on": "", "take": "", **exc.extra}
    return translate(template) % values


__all__ = ["ALERT_KINDS", "MODES", "PACKING_ERRORS", "REFUSALS", "STATUSES", "refusal_message"]
