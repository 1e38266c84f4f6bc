"""The one check every place a plan limit applies calls (admin API, console, CSV import,
plugin enable, staff invitations, custom domains).

The caller counts what the shop has (`in_use`); this module knows the plan. Over the limit
is `PlanLimitReached`: a 403 problem whose `type` ends in `/plan-limit`, with the limit, the
usage and where to upgrade. Shoppers' orders are never checked here.
"""

from __future__ import annotations

from galleria.kernel.billing.subscriptions import billing_state
from galleria.kernel.errors import Forbidden
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.tables import CustomDomain

UPGRADE_PATH = "/console/billing"  # on the shop's host
WARN_AT = 0.8  # the console warns from 80 % of a limit


class PlanLimitReached(Forbidden):
    code, title = "plan-limit", "Plan limit reached"


class ShopRestricted(Forbidden):
    code, title = "billing-restricted", "Shop restricted for an unpaid subscription"


async def ensure_room(tenant_id: int, limit: str, in_use: int, adding: int = 1) -> None:
    """Raise PlanLimitReached unless the shop may have `adding` more of `limit` on top of
    the `in_use` it has. Also refuses while the shop is restricted for non-payment."""
    state = await billing_state(tenant_id)
    await ensure_writable(tenant_id)
    allowed = state.plan.limits.of(limit)
    if allowed is not None and in_use + adding > allowed:
        raise PlanLimitReached(
            f"The {state.plan.title.en} plan allows {allowed} {limit.replace('_', ' ')}; "
            f"this shop has {in_use}. Upgrade the plan to add more.",
            limit=limit, allowed=allowed, usage=in_use, plan=state.plan.name,
            upgrade_url=UPGRADE_PATH)


async def ensure_plugin_allowed(tenant_id: int, plugin: str) -> None:
    state = await billing_state(tenant_id)
    await ensure_writable(tenant_id)
    if not state.plan.limits.allows_plugin(plugin):
        raise PlanLimitReached(
            f"The plugin “{plugin}” is not part of the {state.plan.title.en} plan. "
            "Upgrade the plan to enable it.",
            limit="plugins", allowed=0, usage=0, plugin=plugin, plan=state.plan.name,
            upgrade_url=UPGRADE_PATH)


async def ensure_plugin_change_allowed(tenant_id: int, plugin: str, enabled: bool) -> None:
    """Turning a plugin on needs the plan to include it; turning one off, or changing the
    settings of one already on, is always allowed (a downgrade never breaks a running shop
    behind its back)."""
    if enabled and plugin not in await enabled_plugins(tenant_id):
        await ensure_plugin_allowed(tenant_id, plugin)


async def ensure_domain_room(tenant_id: int) -> None:
    used = await CustomDomain.count().where(CustomDomain.tenant == tenant_id)
    await ensure_room(tenant_id, "custom_domains", used)


async def ensure_writable(tenant_id: int) -> None:
    """Refuse changes (other than billing) while the shop is restricted for non-payment."""
    state = await billing_state(tenant_id)
    if state.read_only:
        raise ShopRestricted(
            "This shop is restricted until its subscription is paid: pay or change the "
            "plan under Billing to make changes again.", upgrade_url=UPGRADE_PATH,
            billing_status=state.status)


__all__ = ["UPGRADE_PATH", "WARN_AT", "PlanLimitReached", "ShopRestricted",
           "ensure_domain_room", "ensure_plugin_allowed", "ensure_plugin_change_allowed",
           "ensure_room", "ensure_writable"]
