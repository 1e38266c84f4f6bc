"""The `payments_alipay` plugin's hooks: its description, settings and gateway, and the
simulated Alipay for sandbox mode."""

from __future__ import annotations

from typing import Any

from galleria.kernel import PluginInfo, SettingField, Shop, hookimpl
from galleria_plugins.payments_alipay.client import DEFAULT_BASE_URL
from galleria_plugins.payments_alipay.gateway import CURRENCY, AlipayGateway


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="Alipay", title_zh="支付宝",
        description="Alipay payments: desktop page pay, mobile wap pay and QR codes; "
                    "refunds in full or in part.",
        description_zh="支付宝收款：电脑网站支付、手机网站支付和扫码支付；支持全额及部分退款。")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("app_id", "App ID", label_zh="应用 APPID", required=True,
                     help="The app's APPID on the Alipay open platform."),
        SettingField("app_private_key", "App private key", type="text",
                     label_zh="应用私钥", required=True, secret=True,
                     help="RSA2 (2048-bit) private key, PEM or the bare base64 Alipay's "
                          "key tool makes."),
        SettingField("alipay_public_key", "Alipay public key", type="text",
                     label_zh="支付宝公钥", required=True, secret=True,
                     help="Alipay's public key from the app's signing settings (not the "
                          "app's own public key)."),
        SettingField("seller_id", "Seller ID (PID)", label_zh="卖家支付宝用户号（PID）",
                     required=True, help="The merchant's 16-digit PID, starting with 2088."),
        SettingField("api_base_url", "Gateway base URL", label_zh="网关地址",
                     default=DEFAULT_BASE_URL,
                     help="https://openapi.alipay.com; the sandbox is "
                          "https://openapi-sandbox.dl.alipaydev.com."),
    ]


@hookimpl
def galleria_payment_gateways(shop: Shop) -> list[AlipayGateway]:
    """Alipay settles in yuan: shops in another currency are not offered it."""
    if shop.currency != CURRENCY:
        return []
    return [AlipayGateway(shop)]


@hookimpl
def galleria_sandbox_apps() -> list[tuple[str, Any, dict[str, Any]]]:
    """The simulated Alipay at `/sandbox/alipay/`, and demo shop settings pointing at it.
    Imported here, not at the top: only sandbox mode ever loads the simulator."""
    from galleria_plugins.payments_alipay.sandbox import sandbox_apps

    return sandbox_apps()


@hookimpl
def galleria_sandbox_settings(tenant_id: int, sandbox_url: str) -> dict[str, Any]:
    """The shop's own app at the simulated Alipay (sandbox mode only)."""
    from galleria_plugins.payments_alipay.sandbox import open_account

    return open_account(tenant_id, sandbox_url)
