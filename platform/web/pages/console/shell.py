"""The merchant console on each shop's host, under `/console/`.

Every page but sign-in needs a signed-in platform user with a role in this shop
(`require_staff`); anyone else is sent to `/console/login`, which also takes a one-time
ticket from the platform host (`/console/welcome?ticket=…`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from babel.dates import get_timezone_location
from babel.numbers import get_currency_name
from litestar import Controller, Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from galleria.auth.permissions import may_open, may_open_area
from galleria.auth.ratelimit import check_sign_in, record_failure, signin_keys
from galleria.auth.staff import authenticate, role_in
from galleria.kernel import db
from galleria.kernel.billing.limits import (
    PlanLimitReached,
    ShopRestricted,
    ensure_plugin_change_allowed,
)
from galleria.kernel.catalog.banners import banner_form
from galleria.kernel.catalog.service import count_products, list_products
from galleria.kernel.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from galleria.kernel.fulfilment import supervision
from galleria.kernel.inventory import service as inventory
from galleria.kernel.inventory.jobs import DEFAULT_EXPIRY_ALERT_DAYS
from galleria.kernel.plugins import ConsolePage, ReportTab
from galleria.kernel.tenancy.plugin_state import (
    enabled_plugins,
    in_sandbox,
    plugin_states,
    set_plugin_state,
)
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.billing_texts import billing_banner, plan_limit_message, plan_title
from galleria.web.pages.console import dashboard_data as console_data
from galleria.web.pages.console import report_figures
from galleria.web.pages.console.plugin_forms import (
    field_errors,
    form_fields,
    is_secret,
    read_settings,
)
from galleria.web.pages.render import gettext_for, page, request_locale, shop_of
from galleria.web.pages.signin.sessions import (
    client_ip,
    end_session,
    read_ticket,
    safe_next,
    session_user,
    spend_ticket,
    start_session,
)
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.sandbox import sandbox_url

MANAGERS = ("owner", "admin")  # roles that may change plugins and settings
NAV = (
    ("dashboard", "/console/", N_("Dashboard"), "home"),
    ("products", "/console/products", N_("Products"), "box"),
    ("orders", "/console/orders", N_("Orders"), "receipt"),
    ("take_order", "/console/take-order", N_("Order on behalf"), "card"),
    ("tasks", "/console/tasks", N_("My tasks"), "check"),
    ("reports", "/console/reports", N_("Reports"), "activity"),
    ("picking", "/console/picking", N_("Picking"), "truck"),
    ("returns", "/console/returns", N_("After-sales"), "clipboard"),
    ("tickets", "/console/tickets", N_("Customer service"), "user"),
    ("chat", "/console/chat", N_("Live chat"), "activity"),
    ("faq", "/console/faq", N_("FAQ"), "layers"),
    ("plugins", "/console/plugins", N_("Plugins"), "puzzle"),
    ("settings", "/console/settings", N_("Settings"), "settings"),
    ("billing", "/console/billing", N_("Plan and billing"), "card"),
)


class LoginRequired(Exception):
    def __init__(self, next_path: str, reason: str = "") -> None:
        super().__init__(reason)
        self.next_path = next_path
        self.reason = reason


def to_login(request: Request, exc: LoginRequired) -> Response:
    query = f"?next={quote(exc.next_path, safe='')}"
    if exc.reason:
        query += f"&reason={exc.reason}"
    return Redirect(f"/console/login{query}", status_code=303)


async def require_staff(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if "staff" in connection.scope["state"]:
        return  # signed in and checked already by the permission guard
    shop = shop_of(connection)  # type: ignore[arg-type]
    user = session_user(connection)  # type: ignore[arg-type]
    here = connection.url.path if connection.method == "GET" else "/console/"
    here = "/console/" if here == "/console" else here  # the dashboard's address
    if shop is None or user is None:
        raise LoginRequired(here)
    if user.get("impersonating") == shop.slug:  # an operator's read-only view
        connection.scope["state"]["staff"] = {**user, "role": "admin", "permissions": [],
                                              "read_only": True}
        return
    async with db.shop_scope(shop.id):
        role = await role_in(user["user_id"], shop.id)
    if role is None:
        raise LoginRequired(here, "no_access")
    connection.scope["state"]["staff"] = {**user, "role": role, "permissions": []}


def staff_of(request: Request) -> dict[str, Any]:
    return request.scope["state"]["staff"]


def _title(locale: str, title: str, title_zh: str) -> str:
    return (title_zh or title) if locale == "zh_CN" else title


async def plugin_pages(runtime: Runtime, shop: Shop) -> list[ConsolePage]:
    """Console pages contributed by the shop's enabled plugins (call in its shop scope)."""
    enabled = await enabled_plugins(shop.id)
    return [p for p in runtime.host.collect("galleria_console_pages", sorted(enabled))
            if isinstance(p, ConsolePage)]


def plugin_report_tabs(runtime: Runtime, enabled: set[str], staff: dict[str, Any],
                       locale: str, active: str) -> list[dict[str, Any]]:
    """The reports' tabs contributed by the shop's enabled plugins (`galleria_report_tabs`)
    that `staff` may read, for `console/report_tabs.html`."""
    tabs = [t for t in runtime.host.collect("galleria_report_tabs", sorted(enabled))
            if isinstance(t, ReportTab) and may_open_area(staff, t.permission)]
    return [{"name": t.name, "url": t.url, "title": _title(locale, t.title, t.title_zh),
             "active": t.name == active} for t in tabs]


async def console_page(request: Request, runtime: Runtime, template: str, active: str,
                       *, status_code: int = 200, **context: Any) -> Response:
    """A console page inside the shell: navigation (with plugin pages), shop, user."""
    shop = shop_of(request)
    assert shop is not None
    locale = request_locale(request, shop)
    translate = gettext_for(request)
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
        extra = [p for p in runtime.host.collect("galleria_console_pages", sorted(enabled))
                 if isinstance(p, ConsolePage)]
        banner = await billing_banner(shop, locale)
    staff = staff_of(request)

    def may(path: str) -> bool:  # links only to the pages this member may open
        return may_open(staff, path)

    nav = [{"key": key, "url": url, "title": translate(title), "icon": icon,
            "active": key == active}
           for key, url, title, icon in NAV if may(url)]
    plugin_nav = [{"key": f"p:{p.slug}", "url": f"/console/p/{p.slug}",
                   "title": _title(locale, p.title, p.title_zh), "icon": p.icon or "puzzle",
                   "active": active == f"p:{p.slug}"} for p in extra
                  if may_open_area(staff, p.area)]
    context.setdefault("billing_banner", banner)
    if template.startswith("console/report") or "report_tab" in context:
        context["plugin_report_tabs"] = plugin_report_tabs(
            runtime, enabled, staff, locale, str(context.get("report_tab") or ""))
    return page(request, template, status_code=status_code, nav=nav, plugin_nav=plugin_nav,
                staff=staff, may=may, logo_url=logo_url(shop), active=active, **context)


async def settings_page(request: Request, runtime: Runtime, shop: Shop, *,
                        status_code: int = 200, **context: Any) -> Response:
    """The Settings page; `context` carries a form's values and errors back to it."""
    template = runtime.templates.get(shop.template)
    locale = request_locale(request, shop)
    template_title = ((template.title if locale == "zh_CN" else template.title_en)
                      or template.title) if template else shop.template
    context.setdefault("contact", {"phone": shop.settings.get("service_phone") or "",
                                   "hours": shop.settings.get("service_hours") or ""})
    stored = shop.settings.get("requested_delivery") or {}
    context.setdefault("delivery", {"enabled": bool(stored.get("enabled")),
                                    "earliest_days": stored.get("earliest_days", 1),
                                    "latest_days": stored.get("latest_days", 7),
                                    "weekdays": stored.get("weekdays") or list(range(1, 8))})
    if "banners" not in context:
        async with db.shop_scope(shop.id):
            context["banners"] = await banner_form(shop.id, shop.settings)
    context.setdefault("errors", {})
    return await console_page(request, runtime, "console/settings.html", "settings",
                              status_code=status_code, template_title=template_title,
                              **shop_facts(shop, locale, gettext_for(request)), **context)


def _plugin_manager(request: Request, runtime: Runtime, name: str) -> dict[str, Any]:
    """The staff member changing the installed plugin `name`: 403 unless an owner or an
    admin, 404 for a plugin that is not installed."""
    staff = staff_of(request)
    if staff["role"] not in MANAGERS:
        raise Forbidden("Only the shop's owner and admins can change plugins")
    if not runtime.host.is_installed(name):
        raise NotFound(f"No plugin named “{name}” is installed")
    return staff


FREE_PLAN = N_("Free plan")  # a shop on none of the plans (`free`, the column's default)


def shop_facts(shop: Shop, locale: str, translate: Any) -> dict[str, str]:
    """The shop's currency, time zone and plan as its merchant reads them (人民币,
    中国（上海）时间, the plan's title), not as codes."""
    try:
        currency = get_currency_name(shop.currency, locale=locale)
    except (ValueError, LookupError):
        currency = shop.currency
    try:
        zone = get_timezone_location(shop.timezone, locale=locale)
    except (ValueError, LookupError):
        zone = shop.timezone
    plan = translate(FREE_PLAN) if shop.plan == "free" else plan_title(shop.plan, locale)
    return {"currency_name": currency, "timezone_name": zone, "plan_name": plan}


# -- sign-in, ticket, sign-out ------------------------------------------------------------------
REASONS = {"no_access": N_("This account has no access to this shop. Sign in with another."),
           "ticket": N_("That sign-in link has expired or was used already. "
                        "Sign in with your password.")}


@get("/login", name="console:login")
async def login_form(request: Request, shop: Shop, reason: str = "") -> Response:
    next_path = request.query_params.get("next") or "/console/"
    user = session_user(request)
    if user and not reason:
        async with db.shop_scope(shop.id):
            if await role_in(user["user_id"], shop.id):
                return Redirect(safe_next(next_path, "/console", "/console/"),
                                status_code=303)
    translate = gettext_for(request)
    return page(request, "console/login.html", values={},
                next=safe_next(next_path, "/console", "/console/"),
                error=translate(REASONS[reason]) if reason in REASONS else "",
                logo_url=logo_url(shop))


@post("/login", name="console:login-submit")
async def login_submit(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = translate = gettext_for(request)
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""), "/console", "/console/")

    def again(error: str, status_code: int) -> Response:
        return page(request, "console/login.html", status_code=status_code,
                    values={"email": email}, next=next_path, error=error,
                    logo_url=logo_url(shop))

    keys = signin_keys(client_ip(request), email)
    try:
        await check_sign_in(runtime.limiter, keys)
    except RateLimited:
        return again(_("Too many sign-in attempts. Please wait a few minutes."), 429)
    user = await authenticate(email, password) if email and password else None
    if user is None:
        await record_failure(runtime.limiter, keys)
        return again(_("Wrong email or password."), 401)
    async with db.shop_scope(shop.id):
        role = await role_in(user["id"], shop.id)
    if role is None:
        return again(translate(REASONS["no_access"]), 403)
    await start_session(request, {"user_id": user["id"], "email": user["email"]})
    return Redirect(next_path, status_code=303)


@get("/welcome", name="console:welcome")
async def welcome(request: Request, shop: Shop, runtime: Runtime, ticket: str = "") -> Response:
    """Exchange a platform ticket for a session on this host."""
    parsed = read_ticket(runtime.settings.secret_key, ticket, shop.slug)
    if parsed is None or not await spend_ticket(request, parsed):
        return Redirect("/console/login?reason=ticket", status_code=303)
    async with db.shop_scope(shop.id):
        role = await role_in(parsed.user_id, shop.id)
        user = await PlatformUser.select(PlatformUser.email).where(
            PlatformUser.id == parsed.user_id).first()
    if role is None or user is None:
        return Redirect("/console/login?reason=no_access", status_code=303)
    await start_session(request, {"user_id": parsed.user_id, "email": user["email"]})
    return Redirect("/console/", status_code=303)


@get("/view-as", name="console:view-as")
async def view_as(request: Request, shop: Shop, runtime: Runtime, ticket: str = "") -> Response:
    """An operator's read-only view of this console, from a ticket the operator console
    issued (for `<slug>#view`: a merchant's sign-in ticket is not one)."""
    from galleria.auth.operators import is_operator

    parsed = read_ticket(runtime.settings.secret_key, ticket, f"{shop.slug}#view")
    if parsed is None or not await spend_ticket(request, parsed) \
            or not await is_operator(parsed.user_id):
        return Redirect("/console/login?reason=ticket", status_code=303)
    user = await PlatformUser.select(PlatformUser.email).where(
        PlatformUser.id == parsed.user_id).first()
    await start_session(request, {"user_id": parsed.user_id, "email": user["email"],
                                  "impersonating": shop.slug})
    return Redirect("/console/", status_code=303)


@post("/logout", name="console:logout")
async def logout(request: Request) -> Response:
    end_session(request)
    return Redirect("/console/login", status_code=303)


# -- pages ------------------------------------------------------------------------------------
class ConsolePages(Controller):
    path = "/"
    guards = [require_staff]

    @get("/", name="console:dashboard")
    async def dashboard(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        locale = request_locale(request, shop)
        async with db.shop_scope(shop.id):
            products = await count_products(shop.id)
            skus = await console_data.count_skus(shop.id)
            low_stock = await inventory.count_low_stock(shop.id)
            enabled = await enabled_plugins(shop.id)
            states = await plugin_states(shop.id, runtime.host)
            activity = await console_data.activity(shop.id, runtime.host, locale,
                                                   shop.timezone)
            orders = await console_data.count_orders(shop.id)
            expiry_days = int(shop.settings.get("expiry_alert_days",
                                                DEFAULT_EXPIRY_ALERT_DAYS))
            near_expiry = len(await inventory.expiring_lots(shop.id, expiry_days))
        alerts = (len(await supervision.delivery_alerts(shop))
                  if may_open(staff_of(request), "/console/picking/alerts") else None)
        figures = await report_figures.overview_context(request, shop)
        enabled_list = [{"name": s["name"],
                         "title": _title(locale, s["title"], s["title_zh"])}
                        for s in states if s["name"] in enabled]
        return await console_page(
            request, runtime, "console/dashboard.html", "dashboard",
            stats={"products": products, "skus": skus, "low_stock": low_stock,
                   "delivery_alerts": alerts, "orders": orders,
                   "near_expiry": near_expiry, "expiry_days": expiry_days,
                   "links": {key: console_data.status_filter(statuses) for key, statuses in (
                       ("awaiting_payment", console_data.AWAITING_PAYMENT),
                       ("awaiting_review", console_data.AWAITING_REVIEW),
                       ("awaiting_shipment", console_data.AWAITING_SHIPMENT))},
                   "plugins": len(enabled), "installed": len(states)},
            **figures,
            enabled_plugins=enabled_list, activity=activity,
            storefront_url="/")

    @get("/products", name="console:products")
    async def products(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        async with db.shop_scope(shop.id):
            total = await count_products(shop.id)
            items = await list_products(shop.id, limit=100, published_only=False)
            statuses = await console_data.product_statuses(shop.id, [p["id"] for p in items])
        for item in items:
            item.pop("_position", None)
            item["status"] = statuses.get(item["id"], "published")
        return await console_page(request, runtime, "console/products.html", "products",
                                  products=items, total=total)

    @get("/settings", name="console:settings")
    async def settings(self, request: Request, shop: Shop, runtime: Runtime,
                       saved: str = "") -> Response:
        return await settings_page(request, runtime, shop, saved=saved)

    @get("/plugins", name="console:plugins")
    async def plugins(self, request: Request, shop: Shop, runtime: Runtime,
                      saved: str = "") -> Response:
        return await self._plugins_page(request, shop, runtime, saved=saved)

    @post("/plugins/{name:str}", name="console:plugin-save")
    async def save_plugin(self, request: Request, shop: Shop, runtime: Runtime,
                          name: str) -> Response:
        staff = _plugin_manager(request, runtime, name)
        locale = request_locale(request, shop)
        form = await request.form()
        enabled = str(form.get("enabled") or "") in ("on", "true", "1")
        schema = runtime.host.settings_schema(name)
        settings, shown, errors = read_settings(schema, form, locale)
        if not errors:
            try:
                async with db.shop_scope(shop.id):
                    await ensure_plugin_change_allowed(shop.id, name, enabled)
                    # In sandbox, a save without a key only switches the plugin on or off;
                    # entering real keys replaces the sandbox account.
                    keep = await in_sandbox(shop.id, name) and not any(
                        is_secret(field) and field.name in settings for field in schema)
                    await set_plugin_state(shop.id, runtime.host, name, enabled=enabled,
                                           settings=settings if schema and not keep else None,
                                           actor=f"user:{staff['user_id']}")
            except (PlanLimitReached, ShopRestricted) as exc:
                errors = {"": plan_limit_message(exc, locale)}
            except ValidationFailed as exc:
                errors = field_errors(exc.errors, locale)
                if not errors:
                    errors = {"": exc.detail}
        if errors:
            return await self._plugins_page(
                request, shop, runtime, status_code=422,
                failed={"name": name, "enabled": enabled, "shown": shown, "errors": errors})
        return Redirect(f"/console/plugins?saved={quote(name)}#plugin-{quote(name)}",
                        status_code=303)

    @post("/plugins/{name:str}/sandbox", name="console:plugin-sandbox")
    async def sandbox_plugin(self, request: Request, shop: Shop, runtime: Runtime,
                             name: str) -> Response:
        """One click: the plugin on, on the shop's own simulator account (sandbox mode)."""
        staff = _plugin_manager(request, runtime, name)
        url = sandbox_url(runtime.settings, request)
        if url is None or not runtime.host.offers_sandbox(name):
            raise NotFound(f"The plugin “{name}” has no sandbox here")
        locale = request_locale(request, shop)
        try:
            async with db.shop_scope(shop.id):
                await ensure_plugin_change_allowed(shop.id, name, True)
                await set_plugin_state(shop.id, runtime.host, name, enabled=True,
                                       settings={"sandbox": True}, sandbox_url=url,
                                       actor=f"user:{staff['user_id']}")
        except (PlanLimitReached, ShopRestricted) as exc:
            return await self._plugins_page(
                request, shop, runtime, status_code=422,
                failed={"name": name, "enabled": False, "shown": None,
                        "errors": {"": plan_limit_message(exc, locale)}})
        return Redirect(f"/console/plugins?saved={quote(name)}#plugin-{quote(name)}",
                        status_code=303)

    async def _plugins_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                            saved: str = "", status_code: int = 200,
                            failed: dict[str, Any] | None = None) -> Response:
        locale = request_locale(request, shop)
        async with db.shop_scope(shop.id):
            states = await plugin_states(shop.id, runtime.host)
        cards = []
        for state in states:
            mine = failed if failed and failed["name"] == state["name"] else None
            cards.append({
                "name": state["name"],
                "title": _title(locale, state["title"], state["title_zh"]),
                "description": _title(locale, state["description"],
                                      state["description_zh"]),
                "enabled": mine["enabled"] if mine else state["enabled"],
                "stored_enabled": state["enabled"],
                "fields": form_fields(state, locale,
                                      submitted=mine["shown"] if mine else None,
                                      errors=mine["errors"] if mine else {}),
                "form_error": mine["errors"].get("", "") if mine else "",
                "failed": bool(mine), "saved": saved == state["name"],
                "sandbox": state["sandbox"],
                "offers_sandbox": state["offers_sandbox"] and runtime.settings.sandbox,
            })
        return await console_page(request, runtime, "console/plugins.html", "plugins",
                                  status_code=status_code, plugins=cards,
                                  can_manage=staff_of(request)["role"] in MANAGERS,
                                  disabled_plugins=sorted(runtime.host.disabled))

    @get("/p/{slug:str}", name="console:plugin-page")
    async def plugin_page(self, request: Request, shop: Shop, runtime: Runtime,
                          slug: str) -> Response:
        locale = request_locale(request, shop)
        async with db.shop_scope(shop.id):
            pages = await plugin_pages(runtime, shop)
            found = next((p for p in pages if p.slug == slug), None)
            if found is None:
                raise NotFound(f"No console page “{slug}” in this shop")
            # A template page gets its context; an older page renders its own fragment.
            context = await found.context(shop) if found.template and found.context else {}
            body = await found.render(shop) if found.render and not found.template else ""
        return await console_page(request, runtime, "console/plugin_page.html", f"p:{slug}",
                                  page_title=_title(locale, found.title, found.title_zh),
                                  body=body, body_template=found.template, page=context)


console_router = Router(
    path="/console", guards=[shop_host_only],
    route_handlers=[login_form, login_submit, welcome, view_as, logout, ConsolePages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)
