"""Server-rendered pages: platform (landing, signup, sign-in), merchant console, storefront.

`PAGE_ROUTES` is what the app mounts; `STATIC_DIR` holds CSS, scripts and icons;
`JINJA_ENV` is the Jinja environment the app's template engine uses (with the i18n
extension: `_()` in templates translates into the request's language).
"""

from galleria.web.i18n import load_all
from galleria.web.pages.common import home, switch_language
from galleria.web.pages.console.banners import banners_router
from galleria.web.pages.console.billing import billing_console_router
from galleria.web.pages.console.catalog import catalog_console_router
from galleria.web.pages.console.categories import category_console_router
from galleria.web.pages.console.delivery_dates import delivery_dates_router
from galleria.web.pages.console.inventory import inventory_console_router
from galleria.web.pages.console.labels import label_console_router
from galleria.web.pages.console.locations import locations_console_router
from galleria.web.pages.console.order_import import order_import_router
from galleria.web.pages.console.orders import orders_console_router
from galleria.web.pages.console.product_video import product_video_router
from galleria.web.pages.console.reports import reports_console_router
from galleria.web.pages.console.reports_marketing import reports_marketing_router
from galleria.web.pages.console.reports_operations import reports_operations_router
from galleria.web.pages.console.reports_people import reports_people_router
from galleria.web.pages.console.service_contact import service_contact_router
from galleria.web.pages.console.shell import console_router
from galleria.web.pages.console.stock_alerts import stock_alerts_router
from galleria.web.pages.console.take_order import take_order_router
from galleria.web.pages.console.tasks import tasks_console_router
from galleria.web.pages.platform import platform_router
from galleria.web.pages.render import JINJA_ENV, STATIC_DIR
from galleria.web.pages.seo import SEO_ROUTES
from galleria.web.pages.storefront.account import account_router
from galleria.web.pages.storefront.shopping import shopping_router
from galleria.web.pages.storefront.storefront import storefront_router

load_all()  # compile the catalogs now: a broken .po file fails at start-up

PAGE_ROUTES: list = [home, switch_language, platform_router, console_router, storefront_router]
PAGE_ROUTES += [catalog_console_router, inventory_console_router]  # product editor, stock
PAGE_ROUTES += [locations_console_router]  # 门店/仓库 and transfers between them
PAGE_ROUTES += [orders_console_router]  # order list, detail, actions, CSV export
PAGE_ROUTES += [take_order_router, order_import_router]  # 代客下单; orders from other platforms
PAGE_ROUTES += [tasks_console_router]  # my tasks; handing out work
PAGE_ROUTES += [shopping_router]  # cart, checkout, payment and order pages
PAGE_ROUTES += [account_router]  # the shopper's account: sign-in, orders, addresses
PAGE_ROUTES += [reports_console_router, reports_people_router,  # sales and the other reports
                reports_operations_router, reports_marketing_router]
PAGE_ROUTES += [category_console_router]  # the category tree: order, pictures
PAGE_ROUTES += [service_contact_router, delivery_dates_router]  # Settings: phone, dates
PAGE_ROUTES += [banners_router]  # Settings: the home-page banners
PAGE_ROUTES += [label_console_router, product_video_router]  # 店内码, labels; videos
PAGE_ROUTES += [stock_alerts_router]  # each member's own stock-alert subscription
PAGE_ROUTES += [billing_console_router]  # the merchant's plan, Stripe Checkout and portal
PAGE_ROUTES += SEO_ROUTES  # robots.txt and sitemap.xml of each host

__all__ = ["JINJA_ENV", "PAGE_ROUTES", "STATIC_DIR"]
