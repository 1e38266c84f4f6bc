"""How plans, limits and subscription statuses read on pages, in the page's language."""

from __future__ import annotations

from galleria.kernel.billing.limits import PlanLimitReached, ShopRestricted
from galleria.kernel.billing.plans import plans
from galleria.web.i18n import N_, translations

LIMIT_NAMES = {"products": N_("products"), "staff": N_("staff seats"),
               "orders_per_month": N_("orders this month"),
               "custom_domains": N_("custom domains"), "plugins": N_("plugins")}
STATUS_NAMES = {"trialing": N_("On trial"), "active": N_("Active"),
                "past_due": N_("Payment overdue"), "restricted": N_("Restricted"),
                "suspended": N_("Suspended"), "canceled": N_("Cancelled")}


def plan_title(name: str, locale: str) -> str:
    plan = plans().get(name)
    return plan.title_in(locale) if plan else name


def plan_limit_message(exc: PlanLimitReached | ShopRestricted, locale: str) -> str:
    """The refusal as a sentence the merchant reads, with what to do."""
    _ = translations(locale).gettext
    if isinstance(exc, ShopRestricted):
        return _("This shop is restricted until its subscription is paid. "
                 "Pay or change the plan under Billing to make changes again.")
    extra = exc.extra
    title = plan_title(str(extra.get("plan", "")), locale)
    if extra.get("limit") == "plugins":
        return _("The %(plan)s plan does not include this plugin. Upgrade under Billing "
                 "to enable it.") % {"plan": title}
    what = _(LIMIT_NAMES.get(str(extra.get("limit")), N_("items")))
    return _("The %(plan)s plan allows %(allowed)s %(what)s and this shop has "
             "%(usage)s. Upgrade under Billing to add more.") % {
        "plan": title, "allowed": extra.get("allowed"), "what": what,
        "usage": extra.get("usage")}


__all__ = ["LIMIT_NAMES", "STATUS_NAMES", "plan_limit_message", "plan_title"]
