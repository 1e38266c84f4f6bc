"""Billing: plans (data files), a shop's subscription and its dunning path, and the limit
checks. Stripe is reached by the web layer's adapter (galleria.web.billing); this area
keeps the state, whatever told it."""

from galleria.kernel.billing.limits import (
    PlanLimitReached,
    ShopRestricted,
    ensure_plugin_allowed,
    ensure_room,
    ensure_writable,
)
from galleria.kernel.billing.plans import Plan, plans
from galleria.kernel.billing.subscriptions import BillingState, billing_state

__all__ = ["BillingState", "Plan", "PlanLimitReached", "ShopRestricted", "billing_state",
           "ensure_plugin_allowed", "ensure_room", "ensure_writable", "plans"]
