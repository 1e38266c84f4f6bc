"""The shop's service phone and hours, set on the console's Settings page
(`POST /console/settings/service-contact`) and shown to shoppers on the storefront."""

from __future__ import annotations

from litestar import Request, Response, Router, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.service_contact import HOURS, PHONE, set_service_contact
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

BAD_PHONE = N_("Enter a phone number such as 400-820-8820, 0571-88886666 or 13812345678.")
LONG_HOURS = N_("Service hours: at most 60 characters.")


@post("/settings/service-contact", name="console:service-contact", guards=[require_staff])
async def save_service_contact(request: Request, shop: Shop, runtime: Runtime) -> Response:
    form = await request.form()
    phone, hours = (str(form.get(name) or "") for name in ("phone", "hours"))
    try:
        async with db.shop_scope(shop.id):
            stored = await set_service_contact(shop.id, phone, hours)
            await record(shop.id, f"user:{staff_of(request)['user_id']}",
                         "shop.service_contact", stored["phone"], stored)
    except ValidationFailed as exc:
        translate = gettext_for(request)
        wrong = {e.field for e in exc.errors}
        errors = {"phone": translate(BAD_PHONE)} if PHONE in wrong else {}
        if HOURS in wrong:
            errors["hours"] = translate(LONG_HOURS)
        return await settings_page(request, runtime, shop, status_code=422, errors=errors,
                                   contact={"phone": phone, "hours": hours})
    return Redirect("/console/settings?saved=contact", status_code=303)


service_contact_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[save_service_contact],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["service_contact_router"]
