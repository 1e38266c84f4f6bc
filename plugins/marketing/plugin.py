"""The marketing plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    ChoiceSource,
    Event,
    PluginInfo,
    SettingField,
    Shop,
    StorefrontLink,
    hookimpl,
    plugin_settings,
    shop_scope,
)
from galleria_plugins.marketing import (
    api,
    console,
    coupons,
    promotions,
    redemption,
    storefront,
)
from galleria_plugins.marketing.coupon_pricing import CouponAdjuster
from galleria_plugins.marketing.promotions import PromotionAdjuster
from galleria_plugins.marketing.tables import TABLES

PLUGIN = "marketing"
# When a used coupon returns to the shopper (and its use to the coupon's count).
RETURN_ON_CANCEL_OR_REFUND, RETURN_ON_CANCEL, RETURN_NEVER = (
    "cancel_or_refund", "cancel", "never")


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Coupons and promotions", title_zh="优惠券与促销",
                      description="Coupons (code and claimable, with a wallet), limited-time "
                                  "discounts, threshold and quantity deals.",
                      description_zh="优惠券（口令券、领券中心与券包）、限时折扣、满减满折、"
                                     "第二件半价。", version="2.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField(
            "coupon_return", "Give used coupons back when", "choice",
            label_zh="已用优惠券退回", default=RETURN_ON_CANCEL_OR_REFUND,
            choices=(RETURN_ON_CANCEL_OR_REFUND, RETURN_ON_CANCEL, RETURN_NEVER),
            help="cancel_or_refund: the order is cancelled, all its lines are cancelled or "
                 "it is fully refunded; cancel: only when cancelled; never."),
    ]


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="marketing",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_price_adjusters(shop: Shop) -> list[Any]:
    # 满减 tiers are promotions (the old settings tiers were moved: upgrade.py)
    return [PromotionAdjuster(), CouponAdjuster()]


async def _give_back(tenant_id: int, number: str, *, refund: bool) -> None:
    async with shop_scope(tenant_id):
        policy = (await plugin_settings(tenant_id, PLUGIN)).get(
            "coupon_return") or RETURN_ON_CANCEL_OR_REFUND
        await promotions.give_back(tenant_id, number)  # figures count sales that stayed
        if policy == RETURN_NEVER or (refund and policy != RETURN_ON_CANCEL_OR_REFUND):
            return
        await redemption.give_back(tenant_id, number)


@hookimpl
async def galleria_order_cancelled(event: Event) -> None:
    await _give_back(event.tenant_id, event.payload["number"], refund=False)


@hookimpl
async def galleria_order_lines_cancelled(event: Event) -> None:
    if event.payload.get("all_cancelled"):
        await _give_back(event.tenant_id, event.payload["number"], refund=False)


@hookimpl
async def galleria_order_refunded(event: Event) -> None:
    if event.payload.get("full"):
        await _give_back(event.tenant_id, event.payload["number"], refund=True)


async def _coupon_options(tenant_id: int) -> list[tuple[Any, str]]:
    """The shop's coupons by name (its code when unnamed), newest first: what reward
    settings (referral, birthday) pick from; their ids are what the settings keep."""
    return [(row["id"], row["name"] or row["code"])
            for row in await coupons.list_coupons(tenant_id)]


@hookimpl
def galleria_setting_choices() -> list[ChoiceSource]:
    return [ChoiceSource("coupons", _coupon_options)]


@hookimpl
async def galleria_reward_granted(event: Event) -> None:
    """A reward of kind `coupon` (a referral reward, a birthday coupon): the coupon the
    granting plugin's settings chose goes into the shopper's wallet, once per `ref` — the
    shop's newest active coupon named `coupon_name` when one is, else `coupon_id`. Other
    kinds are another plugin's to pay."""
    payload = event.payload
    coupon_id, customer_id = payload.get("coupon_id"), payload.get("customer_id")
    name = payload.get("coupon_name")
    if payload.get("kind") != "coupon" or not customer_id or not (
            type(coupon_id) is int or (isinstance(name, str) and name)):
        return
    async with shop_scope(event.tenant_id):
        if isinstance(name, str) and name:  # by name (a member level's own); else the id
            coupon_id = await coupons.coupon_named(event.tenant_id, name) or coupon_id
        if type(coupon_id) is not int or not coupon_id:
            return
        await redemption.issue_reward(event.tenant_id, coupon_id, int(customer_id),
                                      str(payload.get("ref") or f"event:{event.id}"))


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return console.ROUTES + storefront.ROUTES


@hookimpl
def galleria_storefront_links(shop: Shop) -> list[StorefrontLink]:
    return [StorefrontLink("product", "Get coupons", f"{storefront.BASE}/centre?product="
                           "{product_id}", title_zh="领券"),
            StorefrontLink("account", "My coupons", f"{storefront.BASE}/wallet",
                           title_zh="我的优惠券"),
            StorefrontLink("account", "Coupon centre", f"{storefront.BASE}/centre",
                           title_zh="领券中心")]


@hookimpl
def galleria_api_routes() -> list[Any]:
    return api.ROUTES
