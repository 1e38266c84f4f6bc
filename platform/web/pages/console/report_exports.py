"""The words of the reports' files in the staff member's language: the kernel builds the
rows (`galleria.kernel.reports.export_rows`), in the request or in a background job, from
the labels given here already translated (method names from the shop's plugins, reason and
kind titles from the catalogs)."""

from __future__ import annotations

from typing import Any

from galleria.kernel.reports import export_rows
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.i18n import N_
from galleria.web.methods import method_names
from galleria.web.pages.return_views import REASON_TITLES

# Marketing sources: a discount's `data.kind` or its adjuster's code, as the first-party
# marketing plugins write them (docs/plugins.md, price adjusters); any other source shows as
# "Other discount".
SOURCE_TITLES = {"coupon": N_("Coupons"), "promotion": N_("Promotions"),
                 "flash_sale": N_("Flash sales"), "points": N_("Points redeemed"),
                 "gift": N_("Free gifts"), "member_discount": N_("Member prices"),
                 "member_free_shipping": N_("Member free shipping"),
                 "full_reduction": N_("Spend-and-save discounts")}
KIND_TITLES = {"return": N_("Return or exchange"), "cancellation": N_("Cancelled before shipping")}


def word_labels(translate: Any) -> dict[str, Any]:
    """The labels that need no database: fixed words and titles of codes."""
    return {"no_category": translate("No category"), "none": translate("None"),
            "other_method": translate("Other method"), "no_reason": translate("No reason given"),
            "customer": translate("Customer #%(id)s"),
            "kinds": {key: translate(title) for key, title in KIND_TITLES.items()},
            "reasons": {key: translate(title) for key, title in REASON_TITLES.items()},
            "sources": {key: translate(title) for key, title in SOURCE_TITLES.items()},
            "other_source": translate("Other discount")}


async def export_labels(shop: Shop, runtime: Runtime, translate: Any) -> dict[str, Any]:
    """Every label a report file may need (JSON-able: a background export keeps them)."""
    known = await method_names(shop, runtime)
    return {**word_labels(translate),
            "payment_methods": {code: str(name) for code, name in known.payment.items()},
            "shipping_methods": {code: str(name) for code, name in known.shipping.items()}}


def reason_rows(rows: list[dict[str, Any]], translate: Any) -> list[dict[str, Any]]:
    return export_rows.reason_rows(rows, word_labels(translate))
