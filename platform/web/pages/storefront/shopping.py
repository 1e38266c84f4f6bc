"""The storefront's shopping pages on a shop's host: cart, checkout, payment and order pages
(`cart_pages`, `checkout_pages`, `order_pages`), mounted as one router.

The storefront header's cart badge reads the visitor's session through the `cart_count`
template global registered here (no database query on every page).
"""

from __future__ import annotations

from litestar import Router

from galleria.web.context import shop_host_only
from galleria.web.pages.chat_pages import CHAT_ROUTES
from galleria.web.pages.render import JINJA_ENV
from galleria.web.pages.storefront.cart_pages import CART_ROUTES
from galleria.web.pages.storefront.checkout_pages import CHECKOUT_ROUTES
from galleria.web.pages.storefront.feedback_pages import FEEDBACK_ROUTES
from galleria.web.pages.storefront.order_pages import ORDER_ROUTES
from galleria.web.pages.storefront.return_pages import RETURN_ROUTES
from galleria.web.pages.storefront.service_pages import SERVICE_ROUTES
from galleria.web.pages.storefront.shopping_session import cart_count

JINJA_ENV.globals["cart_count"] = cart_count

shopping_router = Router(path="/", guards=[shop_host_only],
                         route_handlers=[*CART_ROUTES, *CHECKOUT_ROUTES, *ORDER_ROUTES,
                                         *RETURN_ROUTES, *SERVICE_ROUTES,
                                         *FEEDBACK_ROUTES,
                                         *CHAT_ROUTES],
                         include_in_schema=False)

__all__ = ["shopping_router"]
