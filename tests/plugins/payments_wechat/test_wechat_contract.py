"""The kernel's payment gateway contract (galleria.testing.check_payment_gateway) with the
WeChat Pay simulator as the provider, and the plugin's settings as a merchant sees them."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from galleria.testing import check_payment_gateway
from galleria_plugins.payments_wechat.testing.simulator import WeChatPaySimulator

from .conftest import APIV3_KEY, merchant_settings


@dataclass
class WeChatDriver:
    simulator: WeChatPaySimulator
    mchid: str
    settings: dict[str, Any] = field(default_factory=dict)
    plugin: str = "payments_wechat"
    method: str = "wechat"

    async def pay(self, payment: dict[str, Any]) -> None:
        """Scan the QR code: its `pr` names the trade at the simulator."""
        code = parse_qs(urlsplit(payment["action"]["qr_code"]).query)["pr"][0]
        await self.simulator.pay(code)

    async def settle_refunds(self) -> None:
        await self.simulator.idle()

    async def is_closed(self, payment: dict[str, Any]) -> bool:
        return self.simulator.trades[(self.mchid, payment["payment_id"])].state == "CLOSED"


async def test_wechat_pay_keeps_the_payment_gateway_contract(open_shop, runtime, simulator,
                                                             merchant_key, client):
    shop = await open_shop()
    mchid, appid = "1888000001", "wxcontract0001"
    settings = merchant_settings(simulator, merchant_key, mchid, appid)
    simulator.add_merchant(mchid, [appid], settings["merchant_serial_no"],
                           merchant_key.public_key(), APIV3_KEY)
    driver = WeChatDriver(simulator, mchid, settings)
    await check_payment_gateway(client, shop.host, shop.token, runtime.host, driver)


async def test_secrets_are_never_shown_again(wechat_shop):
    ws = await wechat_shop()
    listed = await ws.handle.get("/api/admin/v1/plugins")
    [state] = [p for p in listed.json()["items"] if p["name"] == "payments_wechat"]
    assert state["enabled"] and state["title_zh"] == "微信支付"
    shown = state["settings"]
    assert shown["merchant_private_key"] == {"set": True}
    assert shown["apiv3_key"] == {"set": True}
    assert shown["mchid"] == ws.mchid and shown["api_base_url"] == ws.settings["api_base_url"]
    assert "PRIVATE KEY" not in listed.text and APIV3_KEY not in listed.text
    # Saving other settings without the secrets keeps them: payments still work.
    kept = {k: v for k, v in ws.settings.items() if k not in ("merchant_private_key",
                                                             "apiv3_key")}
    saved = await ws.handle.put("/api/admin/v1/plugins/payments_wechat",
                                json={"enabled": True, "settings": kept})
    assert saved.status_code == 200 and "PRIVATE KEY" not in saved.text
    assert await ws.gateway.available(ws.shop)
    methods = (await ws.handle.get("/api/v1/payment-methods", admin=False)).json()["items"]
    [wechat] = [m for m in methods if m["code"] == "wechat"]
    named = "微信支付" if ws.shop.locale.startswith("zh") else "WeChat Pay"  # shop's language
    assert (wechat["name"], wechat["offline"], wechat["pays_on_delivery"]) == (named, False,
                                                                               False)
