"""The shipping plugin's hooks: templates, same-city delivery, store pickup, SF Express and
Kuaidi100.

Configuration is the plugin's per-shop settings (JSON documents for templates, same-city
delivery and pickup points; credentials as secrets), edited in the console's plugin page
and seeded by shop templates; `config.py` and `local.py` say what they hold.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    CarrierError,
    Conflict,
    ConsolePage,
    Event,
    PluginInfo,
    PriceAdjuster,
    PricingContext,
    SettingField,
    Shop,
    TrackedShipment,
    hookimpl,
    plugin_settings,
    shop_scope,
)
from galleria_plugins.shipping import console, routes
from galleria_plugins.shipping.local import book_slot, release_slot
from galleria_plugins.shipping.methods import (
    PLUGIN,
    SameCityDelivery,
    ShopShipping,
    kuaidi100_client,
    methods_for,
    sf_client,
)
from galleria_plugins.shipping.tables import DeliverySlot, SlotBooking

log = logging.getLogger("galleria.plugins.shipping")
JSON_HELP = "JSON; see the Shipping page in the console for the format and a check"
NOT_TRACKED = ("", "pickup", "local")


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Shipping", title_zh="配送",
                      description="Shipping templates by region, same-city delivery with "
                                  "time slots, store pickup, SF Express and Kuaidi100.",
                      description_zh="运费模板（按地区）、同城配送（时段）、到店自提、顺丰与快递100。",
                      version="1.0.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    text = "text"
    return [
        SettingField("express_name", "Express name", label_zh="快递名称", default="快递"),
        SettingField("templates", "Shipping templates", type=text, label_zh="运费模板",
                     help=JSON_HELP),
        SettingField("same_city", "Same-city delivery", type=text, label_zh="同城配送",
                     help=JSON_HELP),
        SettingField("pickup_points", "Pickup points", type=text, label_zh="自提点",
                     help=JSON_HELP),
        SettingField("default_carrier", "Default carrier", label_zh="默认承运商", default="sf",
                     help="sf books waybills; other codes (yuantong, zhongtong…) are tracked "
                          "through Kuaidi100"),
        SettingField("sender_name", "Sender name", label_zh="寄件人"),
        SettingField("sender_phone", "Sender phone", label_zh="寄件电话"),
        SettingField("sender_province", "Sender province", label_zh="寄件省份"),
        SettingField("sender_city", "Sender city", label_zh="寄件城市"),
        SettingField("sender_address", "Sender address", label_zh="寄件地址"),
        SettingField("sf_partner_id", "SF partner ID", label_zh="顺丰顾客编码"),
        SettingField("sf_check_word", "SF check word", label_zh="顺丰校验码", secret=True),
        SettingField("sf_monthly_card", "SF monthly card", label_zh="顺丰月结卡号"),
        SettingField("sf_base_url", "SF API address", label_zh="顺丰接口地址",
                     default="https://sfapi.sf-express.com"),
        SettingField("kuaidi100_customer", "Kuaidi100 customer", label_zh="快递100 customer"),
        SettingField("kuaidi100_key", "Kuaidi100 key", label_zh="快递100 授权 key",
                     secret=True),
        SettingField("kuaidi100_salt", "Kuaidi100 push salt", label_zh="快递100 推送签名盐",
                     secret=True),
        SettingField("kuaidi100_base_url", "Kuaidi100 API address", label_zh="快递100 接口地址",
                     default="https://poll.kuaidi100.com"),
        SettingField("public_url", "Shop address for carrier pushes", label_zh="店铺网址",
                     help="e.g. https://myshop.example.com — Kuaidi100 pushes to "
                          "{address}/plugins/shipping/kuaidi100/push"),
    ]


@hookimpl
def galleria_shipping_methods(shop: Shop) -> list[Any]:
    return methods_for(shop)


class SlotBooker(PriceAdjuster):
    """Books the chosen same-city slot inside the order's transaction. It runs first
    (`order` 0) and gives no discount; a slot filled meanwhile refuses the order (409)."""

    order = 0
    code = "same_city_slot"

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    async def adjust(self, context: PricingContext) -> list:
        method = context.shipping_method or ""
        if not context.placing or not method.startswith("same_city_"):
            return []
        chosen = await SameCityDelivery(ShopShipping(self.shop),
                                        int(method.rsplit("_", 1)[1])).choice()
        if chosen is None:
            raise Conflict("This delivery slot no longer exists: choose another")
        _, slot, day = chosen
        await book_slot(self.shop.id, context.order_number or "", day,
                        int(method.rsplit("_", 1)[1]), slot)
        return []


@hookimpl
def galleria_price_adjusters(shop: Shop) -> list[Any]:
    return [SlotBooker(shop)]


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="shipping",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=[DeliverySlot, SlotBooking])]


@hookimpl
def galleria_routes() -> list[Any]:
    return routes.ROUTES


@hookimpl
def galleria_console_pages() -> list[ConsolePage]:
    return [ConsolePage("shipping", "Shipping", title_zh="运费与配送", icon="truck",
                        area="fulfilment", template="shipping/overview.html",
                        context=console.overview_context),
            ConsolePage("shipping-quote", "Quote tester", title_zh="运费试算", icon="activity",
                        area="fulfilment", template="shipping/quote.html",
                        context=console.quote_context)]


@hookimpl
async def galleria_order_shipped(event: Event) -> None:
    """Subscribe to Kuaidi100 pushes for a parcel (idempotent: a repeat is "501 already
    subscribed"). SF parcels are polled; pickups and our own couriers are not tracked."""
    carrier = str(event.payload.get("carrier") or "")
    number = str(event.payload.get("tracking_number") or "")
    if carrier in NOT_TRACKED or not number:
        return
    async with shop_scope(event.tenant_id):
        settings = await plugin_settings(event.tenant_id, PLUGIN)
    if carrier == "sf" and sf_client(settings) is not None:
        return  # SF's own route query follows it (the poll_tracking sweep): once is enough
    tracker = kuaidi100_client(settings)
    base, salt = (settings.get("public_url") or "").rstrip("/"), settings.get("kuaidi100_salt")
    if tracker is None or not base or not salt:
        return
    try:
        await tracker.subscribe(TrackedShipment(carrier, number), salt=salt,
                                callback_url=f"{base}/plugins/shipping/kuaidi100/push")
    except CarrierError:
        log.warning("shop %s: Kuaidi100 subscription for %s %s failed", event.tenant_id,
                    carrier, number, exc_info=True)
        raise  # retried by the outbox with backoff


@hookimpl
async def galleria_order_cancelled(event: Event) -> None:
    """A cancelled order's same-city slot place is given back (once)."""
    async with shop_scope(event.tenant_id):
        await release_slot(event.tenant_id, str(event.payload.get("number") or ""))


@hookimpl
async def galleria_order_refunded(event: Event) -> None:
    """So is a fully refunded one's, if it had not gone out yet (a place in a slot that
    has passed frees nothing anyone could book)."""
    if event.payload.get("full"):
        async with shop_scope(event.tenant_id):
            await release_slot(event.tenant_id, str(event.payload.get("number") or ""))


SANDBOX_SF = {"GALLERIA_SANDBOX": "sandbox-check-word"}
SANDBOX_KUAIDI100 = ("GALLERIA_SANDBOX", "sandbox-key")


@hookimpl
def galleria_sandbox_apps() -> list[tuple[Any, ...]]:
    """SF Express and Kuaidi100 simulators for the demo (sandbox mode only). Point a shop at
    them in its settings: SF partner `GALLERIA_SANDBOX`, check word `sandbox-check-word`,
    address `{demo}/sandbox/sf`; Kuaidi100 customer `GALLERIA_SANDBOX`, key `sandbox-key`,
    address `{demo}/sandbox/kuaidi100`. `POST /_scan` on either moves a parcel along."""
    from galleria_plugins.shipping.testing.kuaidi100 import Kuaidi100Simulator
    from galleria_plugins.shipping.testing.sf import SfSimulator

    customer, key = SANDBOX_KUAIDI100
    [(partner, check_word)] = SANDBOX_SF.items()
    return [("sf", SfSimulator(SANDBOX_SF).app,
             {"sf_partner_id": partner, "sf_check_word": check_word,
              "sf_base_url": "{sandbox_url}"}),
            ("kuaidi100", Kuaidi100Simulator(customer=customer, key=key).app,
             {"kuaidi100_customer": customer, "kuaidi100_key": key,
              "kuaidi100_base_url": "{sandbox_url}"})]
