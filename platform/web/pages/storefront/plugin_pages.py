"""What plugins add to the storefront, without importing anything of `galleria.web`:

- account panels (`galleria_account_panels`): sections of the account page (我的), each a
  template of the plugin rendered with its `context(shop, customer_id)`;
- blocks of storefront pages (`galleria_storefront_blocks`: below the product page's
  description, on the shopper's order page), each a template of the plugin rendered with
  its `context(shop, key, customer_id)`, or nothing when that answers None;
- links at places of the storefront (`galleria_storefront_links`: above the product page's
  buy box, on 我的), titled in the shopper's language;
- storefront pages of a plugin's own routes (`/plugins/<name>/…`): a handler that asks for
  the `storefront` dependency gets a `PluginStorefront`, which renders the plugin's
  template (extending `storefront/base.html`) in the shop's header and tab bar, and says
  which shopper is signed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response

from galleria.kernel import db
from galleria.kernel.customers.accounts import CustomerView
from galleria.kernel.plugins import AccountPanel, PluginHost, StorefrontBlock, StorefrontLink
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.pages.render import gettext_for, page, request_locale, shop_of
from galleria.web.shoppers import current_customer

log = logging.getLogger("galleria.web")


async def account_panels(host: PluginHost, shop: Shop, customer_id: int) -> list[dict[str, Any]]:
    """The enabled plugins' panels for this shopper: `[{"slug", "template", "page"}]`.
    A panel whose context raises is left out with a logged warning."""
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
        panels = sorted(host.provided("galleria_account_panels", enabled, AccountPanel),
                        key=lambda p: (p.order, p.slug))
        shown = []
        for panel in panels:
            try:
                context = await panel.context(shop, customer_id)
            except Exception:
                log.warning("account panel %r failed; left out", panel.slug, exc_info=True)
                continue
            shown.append({"slug": panel.slug, "template": panel.template, "page": context})
    return shown


async def storefront_blocks(request: Request, shop: Shop, place: str,
                            key: Any) -> list[dict[str, Any]]:
    """The enabled plugins' blocks at `place` (`product`, `order`) for `key` (the product
    id, the order number): `[{"slug", "template", "page"}]`. A block whose context answers
    None is not shown; one whose context raises is left out with a logged warning."""
    host = request.app.state.runtime.host
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
    blocks = sorted((b for b in host.provided("galleria_storefront_blocks", enabled,
                                              StorefrontBlock) if b.place == place),
                    key=lambda b: (b.order, b.slug))
    if not blocks:
        return []
    customer = await current_customer(request)
    shown = []
    for block in blocks:
        try:  # each in a transaction of its own: one that fails spoils none of the others
            async with db.shop_scope(shop.id):
                context = await block.context(shop, key, customer.id if customer else None)
        except Exception:
            log.warning("storefront block %r failed; left out", block.slug, exc_info=True)
            continue
        if context is not None:
            shown.append({"slug": block.slug, "template": block.template, "page": context})
    return shown


@dataclass(frozen=True)
class PluginStorefront:
    """What a plugin's storefront handler gets as its `storefront` dependency."""

    request: Request
    runtime: Runtime
    customer: CustomerView | None  # the signed-in shopper, or None

    @property
    def shop(self) -> Shop:
        shop = shop_of(self.request)
        assert shop is not None  # plugin routes answer on shop hosts only
        return shop

    @property
    def locale(self) -> str:
        return request_locale(self.request, self.shop)

    @property
    def plugin(self) -> str:
        return self.request.url.path.split("/")[2]

    @property
    def base_url(self) -> str:
        """The shop's own address as the visitor reached it (`https://shop.example.com`)."""
        return str(self.request.base_url).rstrip("/")

    async def customer_id(self) -> int | None:
        """The signed-in shopper's id, or None for a guest."""
        return self.customer.id if self.customer else None

    def gettext(self, message: str) -> str:
        """`message` in the visitor's language: the plugin's Babel domain, then ours."""
        return gettext_for(self.request, self.plugin)(message)

    def page(self, template: str, *, title: str, status_code: int = 200,
             **context: Any) -> Response:
        """`template` (`<plugin>/….html`, extending `storefront/base.html`) as a storefront
        page; `title` is the page's title, `context` its variables."""
        from galleria.web.pages.storefront.storefront import logo_url  # it links here

        return page(self.request, template, status_code=status_code, page_title=title,
                    logo_url=logo_url(self.shop), q="", **context)


async def storefront_links(request: Request, shop: Shop, place: str,
                           **values: Any) -> list[dict[str, str]]:
    """The links the shop's enabled plugins add at `place` (`product`, `account`), titled
    in the shopper's language; `values` fill the `{…}` fields of their URLs."""
    host = request.app.state.runtime.host
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
    zh = request_locale(request, shop).lower().startswith("zh")
    links = []
    for link in host.collect("galleria_storefront_links", enabled, shop=shop):
        if not isinstance(link, StorefrontLink) or link.place != place:
            continue
        links.append({"title": (link.title_zh or link.title) if zh else link.title,
                      "url": link.url.format(**values), "icon": link.icon})
    return links


async def provide_storefront(request: Request, runtime: Runtime) -> PluginStorefront:
    return PluginStorefront(request, runtime, await current_customer(request))


__all__ = ["PluginStorefront", "account_panels", "provide_storefront", "storefront_blocks",
           "storefront_links"]
