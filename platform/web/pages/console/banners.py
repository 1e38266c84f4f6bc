"""The home-page banners (首页轮播) on the console's Settings page
(`POST /console/settings/banners`): up to five pictures, each leading to a product or a
category, which the mini-program's home page shows as a swiper (`GET /api/v1/shop`)."""

from __future__ import annotations

from litestar import Request, Response, Router, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.banners import (
    MAX_BANNERS,
    banner_form,
    save_banners,
    stored_banners,
)
from galleria.kernel.catalog.images import store_photo
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

NO_PICTURE = N_("Add a picture for this banner.")
BAD_PICTURE = N_("The picture must be a JPEG, PNG or WebP image of at most 8 MB.")
NO_LINK = N_("Choose the product or category this banner leads to.")


@post("/settings/banners", name="console:banners", guards=[require_staff],
      request_max_body_size=48 * 1024 * 1024)
async def save(request: Request, shop: Shop, runtime: Runtime) -> Response:
    translate = gettext_for(request)
    form = await request.form()
    current = {b["image_key"] for b in stored_banners(shop.settings)}
    banners, errors, links = [], {}, {}
    for i in range(MAX_BANNERS):
        upload = form.get(f"image_{i}")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        key = str(form.get(f"key_{i}") or "")
        key = key if key in current else ""
        link = str(form.get(f"link_{i}") or "")
        links[i] = link
        if form.get(f"remove_{i}") or (not data and not key and not link):
            continue
        if data:
            try:
                key = (await store_photo(shop.id, "banners", data))["key"]
            except ValidationFailed:
                errors[f"banner_{i}"] = translate(BAD_PICTURE)
                continue
        if not key:
            errors[f"banner_{i}"] = translate(NO_PICTURE)
        elif not link:
            errors[f"banner_{i}"] = translate(NO_LINK)
        banners.append((i, {"image_key": key, "link": link}))
    if not errors:
        try:
            async with db.shop_scope(shop.id):
                await save_banners(shop.id, [b for _, b in banners])
        except ValidationFailed as exc:
            for error in exc.errors:  # banners.{n}.link: a product or category gone meanwhile
                n = int(error.field.split(".")[1]) if error.field.count(".") == 2 else 0
                errors[f"banner_{banners[n][0] if n < len(banners) else 0}"] = translate(NO_LINK)
    if errors:
        async with db.shop_scope(shop.id):
            form_rows = await banner_form(shop.id, shop.settings)
        for i, link in links.items():
            form_rows["rows"][i] = {**form_rows["rows"][i], "link": link}
        return await settings_page(request, runtime, shop, status_code=422, errors=errors,
                                   banners=form_rows)
    async with db.shop_scope(shop.id):
        await record(shop.id, f"user:{staff_of(request)['user_id']}", "shop.banners",
                     str(len(banners)), {"links": [b["link"] for _, b in banners]})
    return Redirect("/console/settings?saved=banners#banners", status_code=303)


banners_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[save],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["banners_router"]
