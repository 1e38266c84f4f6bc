"""Storefront pages served by plugins' own routes (`galleria_routes`, under
`/plugins/<name>/`): a handler may take the `storefront` dependency, a `PluginStorefront`,
which renders a template of the plugin's own (extending `storefront/base.html`) with the
shop, the shopper's language and the tab bar, and says who is signed in. Plugins get it by
dependency injection, so they import nothing from `galleria.web`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.response import Template

from galleria.kernel import db
from galleria.kernel.plugins import StorefrontLink
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.web.pages.render import gettext_for, page, request_locale, shop_of
from galleria.web.shoppers import current_customer


@dataclass(frozen=True)
class PluginStorefront:
    """What a plugin's storefront handler gets as its `storefront` dependency."""

    request: Request

    @property
    def locale(self) -> str:
        return request_locale(self.request, shop_of(self.request))

    @property
    def plugin(self) -> str:
        return self.request.url.path.split("/")[2]

    def gettext(self, message: str) -> str:
        """`message` in the shopper's language: the plugin's Babel domain, then ours."""
        return gettext_for(self.request, self.plugin)(message)

    async def customer_id(self) -> int | None:
        """The signed-in shopper of this shop, or None for a guest."""
        customer = await current_customer(self.request)
        return customer.id if customer else None

    def page(self, template: str, *, title: str, status_code: int = 200,
             **context: Any) -> Template:
        """`template` (`<plugin>/….html`, extending `storefront/base.html`)."""
        return page(self.request, template, status_code=status_code, page_title=title,
                    **context)


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


async def provide_storefront(request: Request) -> PluginStorefront:
    return PluginStorefront(request)


__all__ = ["PluginStorefront", "provide_storefront", "storefront_links"]
