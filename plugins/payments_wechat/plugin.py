"""Hook implementations of the `payments_wechat` plugin."""

from __future__ import annotations

from galleria.kernel import PluginInfo, SettingField, Shop, hookimpl
from galleria_plugins.payments_wechat.config import SETTINGS
from galleria_plugins.payments_wechat.gateway import WeChatPayGateway


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="WeChat Pay", title_zh="微信支付",
        description="WeChat Pay API v3 (direct merchant): QR codes on desktop, H5 in mobile "
                    "browsers, JSAPI in WeChat and mini-programs; refunds in full or in part.",
        description_zh="微信支付 APIv3（直连商户）：电脑端扫码（Native）、手机浏览器 H5、"
                       "微信内与小程序 JSAPI 支付；支持全额和部分退款。",
        version="1.0",
    )


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return list(SETTINGS)


@hookimpl
def galleria_payment_gateways(shop: Shop) -> list[WeChatPayGateway]:
    """WeChat Pay settles in CNY only: shops in other currencies get no gateway."""
    if shop.currency != "CNY":
        return []
    return [WeChatPayGateway(shop)]


@hookimpl
def galleria_sandbox_apps() -> list[tuple[str, object, dict]]:
    """The WeChat Pay simulator at `/sandbox/wechat/`, with the demo shops' settings for it
    (sandbox mode only: the platform calls this hook only then, so the simulator and its
    published demo keys are imported only then)."""
    from galleria_plugins.payments_wechat.sandbox import sandbox_settings, sandbox_simulator

    return [("wechat", sandbox_simulator().app, sandbox_settings("{sandbox_url}"))]


@hookimpl
def galleria_sandbox_settings(tenant_id: int, sandbox_url: str) -> dict:
    """The shop's own sandbox merchant at the simulator above (sandbox mode only)."""
    from galleria_plugins.payments_wechat.sandbox import open_account

    return open_account(tenant_id, sandbox_url)
