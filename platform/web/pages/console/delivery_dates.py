"""The shop's rules for a requested delivery date, set on the console's Settings page
(`POST /console/settings/delivery-dates`): whether shoppers may choose a date for express
delivery, the earliest and latest day (days from today) and the weekdays it delivers."""

from __future__ import annotations

from litestar import Request, Response, Router, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.checkout.delivery_dates import set_rules
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    require_staff,
    settings_page,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

BAD_DAYS = N_("Days from today: whole numbers from 0 to 60, the latest not before the "
              "earliest.")
NO_WEEKDAY = N_("Tick at least one day of the week.")


def _days(text: object, default: int) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 3 else (default if not text else -1)


@post("/settings/delivery-dates", name="console:delivery-dates", guards=[require_staff])
async def save_delivery_dates(request: Request, shop: Shop, runtime: Runtime) -> Response:
    form = await request.form()
    chosen = {"enabled": form.get("enabled") in ("on", "1"),
              "earliest_days": _days(form.get("earliest_days"), 1),
              "latest_days": _days(form.get("latest_days"), 7),
              "weekdays": [int(d) for d in form.getall("weekdays", [])
                           if isinstance(d, str) and d in "1234567" and len(d) == 1]}
    try:
        async with db.shop_scope(shop.id):
            rules = await set_rules(shop.id, **chosen)
            await record(shop.id, f"user:{staff_of(request)['user_id']}",
                         "shop.delivery_dates", "", rules)
    except ValidationFailed as exc:
        translate = gettext_for(request)
        wrong = {e.field for e in exc.errors}
        errors = {"delivery_days": translate(BAD_DAYS)} if wrong - {"weekdays"} else {}
        if "weekdays" in wrong:
            errors["weekdays"] = translate(NO_WEEKDAY)
        return await settings_page(request, runtime, shop, status_code=422, errors=errors,
                                   delivery=chosen)
    return Redirect("/console/settings?saved=delivery#delivery-dates", status_code=303)


delivery_dates_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[save_delivery_dates],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["delivery_dates_router"]
