"""Card payments through Stripe (PaymentIntents + Stripe.js), per shop with its own keys.

Set up in Stripe's dashboard: a webhook endpoint at
`https://{your shop's host}/callbacks/payments_stripe/stripe` for the events
`payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.canceled` and
`refund.updated`; paste its signing secret (`whsec_…`) into the plugin's settings.

A first-party plugin written against the public plugin API only, like any third-party one.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import PluginInfo, SettingField, Shop, hookimpl
from galleria_plugins.payments_stripe.gateway import STRIPE_API, StripeGateway

# The demo's sandbox account (GALLERIA_SANDBOX=1): its simulator knows these keys only.
SANDBOX_SECRET_KEY = "sk_test_galleria_sandbox"  # noqa: S105 - a simulator's, public
SANDBOX_WEBHOOK_SECRET = "whsec_galleria_sandbox"  # noqa: S105 - likewise


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Cards (Stripe)", title_zh="银行卡（Stripe）",
                      description="Visa, Mastercard and more through Stripe PaymentIntents.",
                      description_zh="通过 Stripe 收取国际银行卡付款。", version="1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("secret_key", "Secret key (sk_…)", secret=True, required=True,
                     label_zh="密钥 (sk_…)"),
        SettingField("publishable_key", "Publishable key (pk_…)", required=True,
                     label_zh="可发布密钥 (pk_…)"),
        SettingField("webhook_secret", "Webhook signing secret (whsec_…)", secret=True,
                     required=True, label_zh="Webhook 签名密钥 (whsec_…)",
                     help="Endpoint: https://<shop host>/callbacks/payments_stripe/stripe"),
        SettingField("api_base_url", "API base URL", default=STRIPE_API,
                     label_zh="API 地址", help="Leave as it is; tests and the sandbox change it."),
    ]


@hookimpl
def galleria_payment_gateways(shop: Shop) -> list[StripeGateway]:
    return [StripeGateway(shop)]


@hookimpl
def galleria_sandbox_apps() -> list[tuple[Any, ...]]:
    """The Stripe simulator at `/sandbox/stripe/`: it knows the demo account and every
    shop's own sandbox account (`galleria_sandbox_settings`)."""
    from galleria.testing import AccountsView, SandboxAccounts
    from galleria_plugins.payments_stripe.testing import StripeSimulator

    accounts = AccountsView(SandboxAccounts("stripe"), lambda _key, record: record["webhook"])
    accounts[SANDBOX_SECRET_KEY] = SANDBOX_WEBHOOK_SECRET
    simulator = StripeSimulator(accounts)
    return [("stripe", simulator, {
        "secret_key": SANDBOX_SECRET_KEY, "publishable_key": "pk_test_galleria_sandbox",
        "webhook_secret": SANDBOX_WEBHOOK_SECRET, "api_base_url": "{sandbox_url}"})]


@hookimpl
def galleria_sandbox_settings(tenant_id: int, sandbox_url: str) -> dict[str, Any]:
    """The shop's own test-mode account at the simulator (sandbox mode only): new keys,
    recorded where the simulator finds them."""
    import secrets

    from galleria.testing import SandboxAccounts

    token = f"{tenant_id}_{secrets.token_hex(12)}"
    secret_key, webhook = f"sk_test_{token}", f"whsec_{secrets.token_hex(16)}"
    SandboxAccounts("stripe").add(secret_key, {"webhook": webhook})
    return {"secret_key": secret_key, "publishable_key": f"pk_test_{token}",
            "webhook_secret": webhook, "api_base_url": f"{sandbox_url}/stripe"}
