"""How plans, limits and subscription statuses read on pages, in the page's language."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from galleria.kernel.billing.limits import PlanLimitReached, ShopRestricted
from galleria.kernel.billing.plans import plans
from galleria.web.i18n import N_, translations

LIMIT_NAMES = {"products": N_("products"), "staff": N_("staff seats"),
               "orders_per_month": N_("orders this month"),
               "custom_domains": N_("custom domains"), "plugins": N_("plugins")}
LIMIT_LABELS = {"products": N_("Products"), "staff": N_("Staff seats"),
                "orders_per_month": N_("Orders this month"),
                "custom_domains": N_("Custom domains")}
STATUS_NAMES = {"trialing": N_("On trial"), "active": N_("Active"),
                "past_due": N_("Payment overdue"), "restricted": N_("Restricted"),
                "suspended": N_("Suspended"), "canceled": N_("Cancelled")}


ACTION_NAMES = {
    "billing.trialing": N_("Trial started"), "billing.active": N_("Subscription active"),
    "billing.past_due": N_("Payment overdue"), "billing.restricted": N_("Shop restricted"),
    "billing.suspended": N_("Shop suspended for non-payment"),
    "billing.canceled": N_("Subscription cancelled"),
    "billing.plan_changed": N_("Plan changed"), "billing.plan_overridden": N_("Plan overridden"),
    "billing.trial_extended": N_("Trial extended"), "shop.suspended": N_("Shop suspended"),
    "shop.resumed": N_("Shop resumed"),
    "shop.impersonated": N_("Console viewed by an operator"),
    "operator.created": N_("Operator created"),
    "operator.signed_in": N_("Operator signed in"),
}
REASON_NAMES = {
    "trial_ended": N_("the trial ended unpaid"), "grace_period_over": N_("the grace period ended"),
    "restricted_period_over": N_("30 days restricted"), "paid": N_("paid"),
    "payment_failed": N_("a payment failed"), "canceled": N_("cancelled"),
}


def audit_texts(locale: str) -> dict[str, Any]:
    """Template helpers that put audit entries in the page's language."""
    _ = translations(locale).gettext

    def action_name(action: str) -> str:
        return _(ACTION_NAMES[action]) if action in ACTION_NAMES else _("Other change")

    def actor_name(actor: str) -> str:
        kind, _sep, number = actor.partition(":")
        names = {"operator": _("Operator #%(n)s"), "user": _("Staff #%(n)s")}
        if kind in names:
            return names[kind] % {"n": number}
        return {"stripe": _("Stripe"), "system": _("System"), "cli": _("Command line")}.get(
            kind, _("System"))

    def audit_reason(data: Any) -> str:
        if isinstance(data, str):
            data = json.loads(data or "{}")
        reason = str((data or {}).get("reason") or "")
        return _(REASON_NAMES[reason]) if reason in REASON_NAMES else reason

    return {"action_name": action_name, "actor_name": actor_name, "audit_reason": audit_reason}


async def billing_banner(shop: Any, locale: str) -> dict[str, Any] | None:
    """What the console says at the top of every page about the plan: overdue, restricted,
    or a limit at 80 % or more (call in the shop's scope)."""
    from galleria.kernel.billing.subscriptions import billing_state
    from galleria.web.billing_usage import near_limits, usage

    _ = translations(locale).gettext
    state = await billing_state(shop.id)
    zone = ZoneInfo(shop.timezone)
    if state.status == "past_due":
        until = state.grace_until.astimezone(zone).strftime("%Y-%m-%d") \
            if state.grace_until else ""
        return {"severe": True, "text": _(
            "A payment for your plan failed. Pay by %(date)s to keep adding products and "
            "making changes.") % {"date": until}}
    if state.read_only:
        return {"severe": True, "text": _(
            "This shop is restricted until its subscription is paid: the console is "
            "read-only except billing, and orders already placed go on as usual.")}
    near = near_limits(state, await usage(shop))
    if near:
        first = near[0]
        return {"severe": first["reached"], "text": _(
            "Your plan's limit is nearly reached: %(usage)s of %(allowed)s %(what)s.") % {
            "usage": first["usage"], "allowed": first["allowed"],
            "what": _(LIMIT_NAMES[first["limit"]])}}
    return None


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


__all__ = ["ACTION_NAMES", "LIMIT_LABELS", "LIMIT_NAMES", "STATUS_NAMES", "audit_texts",
           "billing_banner", "plan_limit_message", "plan_title"]
