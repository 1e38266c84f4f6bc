"""The plugin author's test kit, `galleria.testing`: everything here is public and
documented in docs/plugins.md ("Testing plugins"); a plugin's tests import nothing deeper
than this module and `galleria.kernel`.

- Plugin host and outbox: `register_plugin`, `enable_plugin`, `run_outbox`, `make_event`.
- Shops and people: `open_shop`, `ShopHandle`, `find_shop`, `unique_slug`, `Shopper`,
  `Browser`, `console_browser`, the test `ADDRESS` and `CONTACT`.
- Contract suites, one per extension point: `check_payment_gateway` (with a
  `GatewayDriver`), `check_shipping_method`, `check_carrier`, `check_price_adjuster`,
  `check_review_rule`, `check_notification_channel`.
- pytest fixtures (`settings`, `plugin_host`, `app`, `client`, `runtime`, `open_shop`,
  `shopper`, `console`) come from `galleria.testing.fixtures`, a pytest plugin that pytest
  loads by itself; `on_postgres()` tells which database the run uses.
- The simulator harness `serve_asgi(app)` (an ASGI app over real HTTP on 127.0.0.1), and
  `SandboxAccounts` / `AccountsView`: the per-shop accounts a sandbox simulator knows.
- Simulators of the platform's outside services: `galleria.testing.oidc`
  (`OidcProviderSimulator`) and `galleria.testing.wechat` (`WeChatSimulator`); a plugin's
  own simulators live in its `<plugin>.testing`.
"""

from galleria.testing.browsers import Browser, console_browser
from galleria.testing.contracts import (
    check_carrier,
    check_notification_channel,
    check_price_adjuster,
    check_review_rule,
    check_shipping_method,
    notification,
    pricing_context,
    review_context,
    shipment_request,
)
from galleria.testing.database import on_postgres
from galleria.testing.gateways import GatewayDriver, check_payment_gateway
from galleria.testing.harness import serve_asgi
from galleria.testing.plugins import enable_plugin, make_event, register_plugin, run_outbox
from galleria.testing.sandbox_accounts import AccountsView, SandboxAccounts
from galleria.testing.shoppers import ADDRESS, CONTACT, Shopper
from galleria.testing.shops import PASSWORD, ShopHandle, find_shop, open_shop, unique_slug

__all__ = [
    "ADDRESS",
    "CONTACT",
    "PASSWORD",
    "AccountsView",
    "Browser",
    "GatewayDriver",
    "SandboxAccounts",
    "ShopHandle",
    "Shopper",
    "check_carrier",
    "check_notification_channel",
    "check_payment_gateway",
    "check_price_adjuster",
    "check_review_rule",
    "check_shipping_method",
    "console_browser",
    "enable_plugin",
    "find_shop",
    "make_event",
    "notification",
    "on_postgres",
    "open_shop",
    "pricing_context",
    "register_plugin",
    "review_context",
    "run_outbox",
    "serve_asgi",
    "shipment_request",
    "unique_slug",
]
