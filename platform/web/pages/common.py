"""Routes every host shares: `/` (the platform's landing or a shop's storefront) and the
language switcher."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.response import Redirect

from galleria.runtime import Runtime
from galleria.web import i18n
from galleria.web.pages.platform import landing
from galleria.web.pages.render import shop_of
from galleria.web.pages.signin.sessions import safe_next
from galleria.web.pages.storefront.storefront import storefront_home

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


@get("/", name="home", include_in_schema=False)
async def home(request: Request, runtime: Runtime, q: str = "", category: str = "",
               sort: str = "newest", cursor: str = "") -> Response:
    shop = shop_of(request)
    if shop is None:
        return await landing(request, runtime)
    return await storefront_home(request, shop, q=q, category=category, sort=sort,
                                 cursor=cursor)


@get("/lang/{code:str}", name="language", include_in_schema=False)
async def switch_language(request: Request, code: str) -> Response:
    """Remember the chosen language in a cookie (of this host) and go back."""
    locale = i18n.normalize(code) or i18n.DEFAULT_LOCALE
    next_path = request.query_params.get("next") or "/"
    return Redirect(safe_next(next_path), status_code=303, cookies=[Cookie(
        key=i18n.COOKIE, value=locale, max_age=LANGUAGE_COOKIE_AGE, path="/",
        samesite="lax", httponly=True)])
