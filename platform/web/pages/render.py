"""Rendering server-side pages: the Jinja environment, the context every page shares, and
the error page used for browser requests (see `galleria.web.problems`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar import Request, Response
from litestar.response import Template
from markdown_it import MarkdownIt
from markupsafe import Markup

from galleria.kernel.money import format_minor
from galleria.kernel.tenancy.service_contact import service_contact
from galleria.kernel.tenancy.shops import Shop, slug_from_host
from galleria.web import i18n, plugin_assets
from galleria.web.i18n import N_
from galleria.web.pages.seo import page_links

log = logging.getLogger("galleria.web.pages")
WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
PLATFORM_BRAND = "#4f46e5"
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


# -- Jinja ---------------------------------------------------------------------------------
def _catalog(context: Any) -> Any:
    return context.get("translations") or i18n.translations(i18n.DEFAULT_LOCALE)


def _plugin_domain(context: Any) -> str | None:
    """The plugin whose template is rendering (`<plugin>/…html`), for its Babel domain."""
    folder = (context.name or "").partition("/")[0]
    return folder if folder in i18n.plugin_domains() else None


@pass_context
def _gettext(context: Any, message: str) -> str:
    domain = _plugin_domain(context)
    catalog = _catalog(context)
    return catalog.dgettext(domain, message) if domain else catalog.gettext(message)


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    domain = _plugin_domain(context)
    catalog = _catalog(context)
    if domain:
        return catalog.dngettext(domain, singular, plural, n)
    return catalog.ngettext(singular, plural, n)


@cache
def static_url(name: str) -> str:
    """`/static/<name>?v=<content hash>`: safe to cache for long, changes when the file does."""
    try:
        digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    except OSError:
        return f"/static/{name}"
    return f"/static/{name}?v={digest}"


def money(amount: int | None, currency: str) -> str:
    return format_minor(int(amount or 0), currency)


# Product descriptions are Markdown written by merchants: raw HTML is not allowed through, and
# links may not use javascript: (markdown-it's default link validation).
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))  # noqa: S704 (html disabled: output is safe)


@pass_context
def _shop_time(context: Any, value: Any) -> str:
    """`{{ row.created_at|shop_time }}`: a stored time (a datetime or an RFC 3339 string) as
    the page's shop's clock shows it, `2026-12-05 17:40`; no shop, the platform's (UTC)."""
    if not value:
        return ""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC
    shop = context.get("shop")
    try:
        zone = ZoneInfo(shop.timezone) if isinstance(shop, Shop) and shop.timezone else dt.UTC
    except (KeyError, ValueError):
        zone = dt.UTC
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True, lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = money
    env.filters["markdown"] = markdown
    env.filters["t"] = _gettext  # translate a message id held in a variable
    env.filters["shop_time"] = _shop_time
    env.globals["static"] = static_url
    env.globals["plugin_static"] = plugin_assets.plugin_static_url
    env.globals["service_contact"] = service_contact  # {phone, dial, hours} or None
    return env


JINJA_ENV = make_environment()


def install_plugin_assets(plugins: list[plugin_assets.PluginAssets]) -> None:
    """Let the pages find the installed plugins' templates, static files and catalogs."""
    JINJA_ENV.loader = plugin_assets.template_loader(TEMPLATES_DIR, plugins)
    if JINJA_ENV.cache is not None:  # templates compiled from the previous loader
        JINJA_ENV.cache.clear()
    plugin_assets.set_static_dirs(plugins)
    i18n.set_plugin_locales({p.name: p.locale for p in plugins if p.locale})


# -- shared page context ---------------------------------------------------------------------
def shop_of(request: Request) -> Shop | None:
    shop = request.scope.get("state", {}).get("shop")
    return shop if isinstance(shop, Shop) else None


def request_locale(request: Request, shop: Shop | None = None) -> str:
    cached = request.scope.get("state", {}).get("locale")
    if cached:
        return cached
    locale = i18n.locale_of(  # `?lang=` first: its own URL per language (seo.py)
        request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"), shop.locale if shop else None)
    request.scope.setdefault("state", {})["locale"] = locale
    return locale


def gettext_for(request: Request, domain: str | None = None) -> Any:
    """`_` for Python code that builds user-visible text for this request (with `domain`,
    a plugin's: its catalog first, then the platform's)."""
    catalog = i18n.translations(request_locale(request, shop_of(request)))
    if domain and domain in i18n.plugin_domains():
        return lambda message: catalog.dgettext(domain, message)
    return catalog.gettext


# WCAG 2.x: text under 18 px (14 px bold) needs 4.5:1 against what is behind it.
TEXT_CONTRAST = 4.5
# The light backgrounds brand-coloured text and links sit on: white cards, the page's gray-50,
# and the brand-50/100 tints of chosen chips and badges (checked per colour).
_LIGHT_BACKGROUNDS = ("#ffffff", "#f8f9fb")


def _luminance(color: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(color: str, other: str, share: float) -> str:
    """`share` of `other` mixed into `color` (as CSS color-mix in sRGB does)."""
    parts = [round(int(color[i:i + 2], 16) * (1 - share) + int(other[i:i + 2], 16) * share)
             for i in (1, 3, 5)]
    return "#" + "".join(f"{p:02x}" for p in parts)


def _readable_on_light(color: str) -> str:
    """The brand colour, darkened just enough to be read as text on the light backgrounds
    (and on its own 14 % tint, the darker of the two tints)."""
    backgrounds = (*_LIGHT_BACKGROUNDS, _mix(color, "#ffffff", 0.86))  # brand-100 tint
    for step in range(0, 101, 2):
        candidate = _mix(color, "#000000", step / 100)
        if all(contrast(candidate, bg) >= TEXT_CONTRAST for bg in backgrounds):
            return candidate
    return "#000000"


def brand_style(color: str | None) -> dict[str, str]:
    """The CSS variables a brand colour drives, each readable (4.5:1) whatever the colour:
    the text on it (white when it reaches 4.5:1, else black, one of which always does) and
    the brand colour as text and links on light backgrounds, with its hover shade."""
    color = color if color and _COLOR_RE.match(color) else PLATFORM_BRAND
    on_brand = "#ffffff" if contrast("#ffffff", color) >= TEXT_CONTRAST else "#000000"
    text = _readable_on_light(color)
    # A hovered button moves away from its text's colour, so its contrast only grows.
    hover = _mix(color, "#000000" if on_brand == "#ffffff" else "#ffffff", 0.12)
    return {"brand": color, "on_brand": on_brand, "brand_hover": hover, "brand_text": text,
            "brand_text_hover": _mix(text, "#000000", 0.15)}


def _domain(request: Request) -> str:
    """The platform's domain (from the settings; `localhost` if the app is not at hand)."""
    try:
        return request.app.state.runtime.settings.domain
    except (KeyError, AttributeError):
        return "localhost"


def platform_base_url(request: Request) -> str:
    """`http://localhost:8000` — the platform host, seen from any host of this app."""
    domain = _domain(request)
    port = request.url.port
    suffix = f":{port}" if port and port not in (80, 443) else ""
    return f"{request.url.scheme}://{domain}{suffix}"


def shop_base_url(request: Request, slug: str) -> str:
    domain = _domain(request)
    port = request.url.port
    suffix = f":{port}" if port and port not in (80, 443) else ""
    return f"{request.url.scheme}://{slug}.{domain}{suffix}"


def current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def language_links(request: Request, locale: str) -> list[dict[str, Any]]:
    # Back to this page without its `?lang=`, which would outrank the chosen language.
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    here = quote(request.url.path + (f"?{query}" if query else ""), safe="")
    return [{"code": code, "name": i18n.LANGUAGE_NAMES[code], "active": code == locale,
             "url": f"/lang/{code}?next={here}"} for code in i18n.LOCALES]


def base_context(request: Request) -> dict[str, Any]:
    shop = shop_of(request)
    locale = request_locale(request, shop)
    session = _session(request)
    return {
        "shop": shop,
        "locale": locale,
        "html_lang": i18n.HTML_LANG.get(locale, "en"),
        "translations": i18n.translations(locale),
        "languages": language_links(request, locale),
        "path": request.url.path,
        # The storefront's tab bar: a category's listing (`/?category=…`) is under 分类.
        "browsing_category": bool(request.query_params.get("category")),
        "platform_url": platform_base_url(request),
        "session_user": session.get("email") if session.get("user_id") else None,
        "seo": page_links(request, locale),
        **brand_style(shop.theme_color if shop else None),
    }


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def page(request: Request, template: str, *, status_code: int = 200,
         **context: Any) -> Template:
    """A page response; `context` adds to (and may override) the shared context."""
    return Template(template_name=template, context={**base_context(request), **context},
                    status_code=status_code, media_type="text/html")


# -- error pages ---------------------------------------------------------------------------
ERROR_TITLES = {
    400: N_("Bad request"), 401: N_("Authentication required"), 403: N_("Forbidden"),
    404: N_("Not found"), 405: N_("Method not allowed"), 409: N_("Conflict"),
    413: N_("Request too large"), 415: N_("Unsupported media type"),
    422: N_("Validation failed"), 429: N_("Too many requests"),
    500: N_("Internal server error"), 503: N_("Service unavailable"),
}
ERROR_HINTS = {
    403: N_("You don't have access to this page."),
    404: N_("The page you are looking for doesn't exist or has moved."),
    429: N_("Too many attempts in a short time. Please wait a little and try again."),
    500: N_("Something went wrong on our side. It has been logged and we are on it."),
    503: N_("This service is briefly unavailable. Please try again in a moment."),
}
# Hints by title, for errors whose status alone does not say what to do.
TITLE_HINTS = {
    "No such shop": N_("There is no shop at this address. Check the address for typing "
                       "mistakes."),
}
# Details that come from libraries (Litestar's CSRF check) and that a visitor can act on.
DETAILS = {
    "CSRF token verification failed": N_("This form has expired. Go back, reload the page "
                                         "and try again."),
}
KNOWN_TITLES = (N_("No such shop"), N_("Shop suspended"), N_("Shop address taken"),
                N_("Email already registered"), N_("No such plugin"))


def _shown_detail(locale: str, title: str, detail: str) -> str:
    """The detail line under an error's title, in the page's language or not at all: the
    kernel's details are English sentences for developers ("Nothing at /x"), which a
    Chinese page must not show; the title and hint already say what happened."""
    detail = DETAILS.get(detail.strip(), detail)
    if detail.strip().lower() in (title.lower(), "not found", ""):
        return ""
    translated = i18n.translations(locale).gettext(detail)
    if translated == detail and locale != i18n.DEFAULT_LOCALE:
        return ""
    return translated


def render_error(request: Request, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None) -> Response:
    """An error page in the request's language. Needs no database and works whether or not
    the request's shop could be resolved (for a suspended shop it cannot)."""
    try:
        context = base_context(request)
        suspended = title == "Shop suspended"
        # Unmatched paths never reach the middleware that resolves the shop, so tell a
        # shop's host by its name: its home is "/", not the platform's landing.
        unknown_shop = title == "No such shop"
        on_shop_host = context["shop"] is not None or (not suspended and not unknown_shop and bool(
            slug_from_host(request.headers.get("host", ""), _domain(request))))
        context.update(
            status=status, title=title, suspended=suspended, on_shop_host=on_shop_host,
            detail=_shown_detail(context["locale"], title, detail),
            hint=TITLE_HINTS.get(title) or ERROR_HINTS.get(status, ""), csrf_input="",
            request=request,
            home_url="/" if on_shop_host else context["platform_url"] + "/",
        )
        body = JINJA_ENV.get_template("error.html").render(context)
    except Exception:  # the error page must never fail: fall back to plain HTML
        log.exception("error page failed to render")
        from html import escape

        body = (f"<!doctype html><meta charset=utf-8><title>{status} {escape(title)}</title>"
                f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>")
    # Unmatched paths skip the app's middleware (caching among it): say it here.
    headers = {"cache-control": "private, no-cache", "vary": "Accept-Language, Cookie",
               **(headers or {})}
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers=headers)
