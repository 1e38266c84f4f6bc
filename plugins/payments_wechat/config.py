"""The per-shop settings of WeChat Pay, and turning them into usable credentials."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from galleria.kernel import GatewayError, SettingField, Shop, plugin_settings, shop_scope
from galleria_plugins.payments_wechat import signing

PLUGIN = "payments_wechat"
PRODUCTION_BASE_URL = "https://api.mch.weixin.qq.com"

CREDENTIAL_FIELDS = ("appid", "mchid", "merchant_serial_no", "merchant_private_key",
                     "apiv3_key", "wechatpay_public_key_id", "wechatpay_public_key",
                     "platform_certificate")

SETTINGS = [
    SettingField("appid", "AppID (official account or mini-program)", label_zh="AppID",
                 required=True, help="The AppID bound to the merchant ID"),
    SettingField("mchid", "Merchant ID", label_zh="商户号", required=True),
    SettingField("merchant_serial_no", "Merchant API certificate serial number",
                 label_zh="商户API证书序列号", required=True),
    SettingField("merchant_private_key", "Merchant API private key (apiclient_key.pem)",
                 label_zh="商户API私钥", type="text", required=True, secret=True),
    SettingField("apiv3_key", "APIv3 key", label_zh="APIv3密钥", required=True, secret=True,
                 help="32 characters, set in the merchant platform"),
    SettingField("wechatpay_public_key_id", "WeChat Pay public key ID",
                 label_zh="微信支付公钥ID", help="PUB_KEY_ID_…"),
    SettingField("wechatpay_public_key", "WeChat Pay public key (pub_key.pem)",
                 label_zh="微信支付公钥", type="text"),
    SettingField("platform_certificate", "WeChat Pay platform certificate (older accounts)",
                 label_zh="微信支付平台证书", type="text",
                 help="Only for merchants without a WeChat Pay public key"),
    SettingField("api_base_url", "API base URL", label_zh="接口地址",
                 default=PRODUCTION_BASE_URL, help="Change only to test against a simulator"),
]


async def load(shop: Shop) -> tuple[signing.Credentials, str]:
    """The shop's credentials and API base URL. Raises GatewayError (naming the setting,
    never its value) when they are missing or unusable."""
    async with shop_scope(shop.id):
        values = await plugin_settings(shop.id, PLUGIN)
    return credentials_from(values), (values.get("api_base_url") or PRODUCTION_BASE_URL)


def credentials_from(values: dict[str, Any]) -> signing.Credentials:
    """Parsed credentials; parsing an RSA key takes tens of milliseconds, so the result is
    kept per distinct set of values (the payment methods list asks on every page)."""
    return _parse(tuple(str(values.get(name) or "") for name in CREDENTIAL_FIELDS))


@lru_cache(maxsize=256)
def _parse(items: tuple[str, ...]) -> signing.Credentials:
    values = dict(zip(CREDENTIAL_FIELDS, items, strict=True))
    missing = [name for name in ("appid", "mchid", "merchant_serial_no",
                                 "merchant_private_key", "apiv3_key") if not values.get(name)]
    if missing:
        raise GatewayError("WeChat Pay is not configured: " + ", ".join(missing) + " missing")
    if len(values["apiv3_key"].encode()) != 32:
        raise GatewayError("WeChat Pay settings: the APIv3 key must be 32 bytes")
    try:
        private_key = signing.load_private_key(values["merchant_private_key"])
    except ValueError as error:
        raise GatewayError(f"WeChat Pay settings: merchant_private_key is {error}") from None
    keys: dict[str, Any] = {}
    key_id = values.get("wechatpay_public_key_id") or ""
    if key_id and values.get("wechatpay_public_key"):
        try:
            keys[key_id] = signing.load_public_key(values["wechatpay_public_key"])
        except ValueError as error:
            raise GatewayError(f"WeChat Pay settings: wechatpay_public_key is {error}") from None
    if values.get("platform_certificate"):
        try:
            serial = signing.certificate_serial(values["platform_certificate"])
            keys[serial] = signing.load_public_key(values["platform_certificate"])
        except ValueError as error:
            raise GatewayError(f"WeChat Pay settings: platform_certificate is {error}") from None
    if not keys:
        raise GatewayError("WeChat Pay is not configured: set the WeChat Pay public key and "
                           "its ID (or a platform certificate)")
    return signing.Credentials(
        appid=values["appid"], mchid=values["mchid"], serial_no=values["merchant_serial_no"],
        private_key=private_key, apiv3_key=values["apiv3_key"], wechatpay_keys=keys,
        public_key_id=key_id,
    )
