"""Each staff member's own stock-alert subscription: `/console/stock-alerts`.

A member ticks the alerts they want (low stock, near expiry) and how they are reached (their
sign-in email, a mobile number for SMS). The alerts then come through the shop's
notification channels (the email and SMS plugins), once per crossing — see
galleria.kernel.notifications.stock_alerts.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.notifications.service import shop_channels
from galleria.kernel.notifications.stock_alerts import set_subscription, subscription_of
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

BAD_MOBILE = N_("Enter a mainland mobile number of 11 digits, such as 13812345678.")


def _on(form: Any, name: str) -> bool:
    return form.get(name) in ("on", "1", "true")


async def _page(request: Request, runtime: Runtime, shop: Shop, *, chosen: dict[str, Any],
                errors: dict[str, str] | None = None, saved: bool = False,
                status_code: int = 200) -> Response:
    async with db.shop_scope(shop.id):
        kinds = {c.kind for c in shop_channels(runtime.host, shop,
                                               await enabled_plugins(shop.id)).values()}
    return await console_page(request, runtime, "console/stock_alerts.html", "products",
                              status_code=status_code, chosen=chosen, errors=errors or {},
                              saved=saved, kinds=kinds)


@get("/stock-alerts", name="console:stock-alerts", guards=[require_staff])
async def show(request: Request, shop: Shop, runtime: Runtime, saved: str = "") -> Response:
    async with db.shop_scope(shop.id):
        chosen = await subscription_of(shop.id, staff_of(request)["user_id"])
    return await _page(request, runtime, shop, chosen=chosen, saved=saved == "1")


@post("/stock-alerts", name="console:stock-alerts-save", guards=[require_staff])
async def save(request: Request, shop: Shop, runtime: Runtime) -> Response:
    form = await request.form()
    chosen = {"low_stock": _on(form, "low_stock"), "near_expiry": _on(form, "near_expiry"),
              "email": _on(form, "email"), "sms": str(form.get("sms") or "").strip()}
    try:
        async with db.shop_scope(shop.id):
            await set_subscription(shop.id, staff_of(request)["user_id"], **chosen)
    except ValidationFailed:
        return await _page(request, runtime, shop, chosen=chosen, status_code=422,
                           errors={"sms": gettext_for(request)(BAD_MOBILE)})
    return Redirect("/console/stock-alerts?saved=1", status_code=303)


stock_alerts_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[show, save],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["stock_alerts_router"]
