"""The Litestar app factory: one app for the platform host and every shop host."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig

from galleria.jobs.embedded import EmbeddedWorker
from galleria.kernel.plugins import PluginHost
from galleria.redis_guard import FallbackStore
from galleria.runtime import Runtime
from galleria.settings import Settings
from galleria.web.admission_door import AdmissionDoor
from galleria.web.api.account import AccountApi
from galleria.web.api.admin import AdminApi
from galleria.web.api.admin_aftersales import AdminAftersalesApi
from galleria.web.api.admin_catalog import AdminCatalogApi
from galleria.web.api.admin_channel_orders import AdminChannelOrdersApi
from galleria.web.api.admin_fulfilment import AdminFulfilmentApi
from galleria.web.api.admin_labels import AdminLabelsApi
from galleria.web.api.admin_locations import AdminLocationsApi, AdminTransfersApi
from galleria.web.api.admin_orders import AdminOrdersApi
from galleria.web.api.admin_picking import AdminPickingApi
from galleria.web.api.admin_product_video import AdminProductVideoApi
from galleria.web.api.admin_reports import AdminReportsApi
from galleria.web.api.admin_tasks import AdminTasksApi
from galleria.web.api.billing import AdminBillingApi, BillingWebhookApi
from galleria.web.api.oauth import oauth_router
from galleria.web.api.payments import AdminPaymentsApi, CallbacksApi, ShopPaymentsApi
from galleria.web.api.platform import PlatformApi
from galleria.web.api.service_api import AdminFaqApi, AdminServiceContactApi, ShopServiceApi
from galleria.web.api.shop_orders import ShopOrdersApi
from galleria.web.api.shop_returns import ShopReturnsApi
from galleria.web.api.storefront import StorefrontApi
from galleria.web.api.tickets_api import AdminTicketsApi, ShopTicketsApi
from galleria.web.api.webhooks import WebhooksApi
from galleria.web.api.wechat_login import wechat_api_router
from galleria.web.bad_input import GuardedRequest, InputGuardMiddleware
from galleria.web.billing_guard import refuse_changes_while_restricted
from galleria.web.caching import COMPRESSION, CachingMiddleware
from galleria.web.context import (
    RequestContextMiddleware,
    plugin_enabled_guard,
    shop_host_only,
)
from galleria.web.csp import NoncedSwaggerUI, add_security_policy
from galleria.web.deps import provide_runtime, provide_shop
from galleria.web.health import domain_verification, healthz, readyz
from galleria.web.openapi import ProblemResponses
from galleria.web.pages import JINJA_ENV, PAGE_ROUTES, STATIC_DIR
from galleria.web.pages.chat_pages import chat_console_router, chat_socket_router
from galleria.web.pages.console.access import access_console_router
from galleria.web.pages.console.fulfilment import fulfilment_console_router
from galleria.web.pages.console.jobs import jobs_console_router
from galleria.web.pages.console.notifications import notifications_console_router
from galleria.web.pages.console.picking import picking_console_router
from galleria.web.pages.console.plugin_routes import provide_console, staff_for_console_routes
from galleria.web.pages.console.returns import returns_console_router
from galleria.web.pages.console.service import service_console_router
from galleria.web.pages.console.shell import LoginRequired, to_login
from galleria.web.pages.console.staff import staff_console_router
from galleria.web.pages.operator import operator_router
from galleria.web.pages.render import install_plugin_assets
from galleria.web.pages.signin.oauth import OAUTH_PAGE_ROUTES
from galleria.web.pages.signin.oidc import OIDC_ROUTES
from galleria.web.pages.signin.wechat import wechat_router
from galleria.web.pages.storefront.plugin_pages import provide_storefront
from galleria.web.permission_guard import enforce_permissions
from galleria.web.plugin_api import plugin_api_routers
from galleria.web.plugin_assets import find_assets
from galleria.web.plugin_assets import static_routes as plugin_static_routes
from galleria.web.problems import EXCEPTION_HANDLERS, ids_in_range
from galleria.web.regions import REGION_ROUTES
from galleria.web.sandbox import sandbox_mounts
from galleria.web.sessions import LazySessionConfig
from galleria.web.staff_sessions import StaffSessionCheck

log = logging.getLogger("galleria")
SWAGGER = "/static/vendor/swagger-ui"  # vendored: the API docs work offline


def logging_config() -> LoggingConfig:
    """Litestar's default logging, with each record written by the thread that makes it (as
    uvicorn's own access log is) instead of handed to a queue-listener thread: under load
    that thread fought the event loop for the GIL, and a flash sale's 2,000 access-log lines
    cost the burst a sixth of its CPU and a third of its refusals' p99 (docs/performance.md,
    13)."""
    return LoggingConfig(
        handlers={"console": {"class": "logging.StreamHandler", "formatter": "standard"},
                  # declared by Litestar whatever is given: left unused, so that its
                  # listener thread is not even started
                  "queue_listener": {"class": "logging.NullHandler"}},
        root={"level": "INFO", "handlers": ["console"]},
        loggers={"litestar": {"level": "INFO", "handlers": ["console"], "propagate": False}})


async def every_request_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The app-wide guards, in their order, as one guard: Litestar gives each guard its own
    copy of the route handler on every request (`authorize_connection`), and copying a
    handler (some 60 attributes) three times cost a quarter of `/healthz`'s CPU."""
    await enforce_permissions(connection, handler)  # who may do what: galleria.auth.permissions
    await refuse_changes_while_restricted(connection, handler)  # unpaid: read-only but billing
    ids_in_range(connection, handler)  # an id no column can hold names nothing: 404


def create_app(settings: Settings | None = None, *, host: PluginHost | None = None,
               embedded_worker: bool | None = None) -> Litestar:
    """Build the app. `host` lets tests bring a plugin host with throwaway plugins.

    Without Redis the app runs background work itself (`embedded_worker`, on by default);
    with Redis, `galleria worker` processes do.
    """
    settings = settings or Settings.from_env()
    runtime = Runtime.build(settings, host)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await runtime.open()
        worker = None
        if embedded_worker if embedded_worker is not None else not settings.redis_url:
            worker = EmbeddedWorker(runtime.host)
            worker.start()
        runtime.worker = worker
        # What the app built to serve (routes, templates, plugins: millions of objects)
        # lives as long as the process: out of the cyclic collector's sight, so that its
        # full passes scan only what requests made. Unfrozen it took 100-230 ms, stalling
        # every request in flight (a flash sale's burst: issue 14, docs/performance.md).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # an app stopped in a process that goes on (tests) can be freed
            if worker:
                await worker.stop()
            await runtime.close()

    # In Redis (shared by app servers), falling back to memory while Redis is down.
    session_store = (FallbackStore(runtime.redis, runtime.redis_guard, "galleria:sessions")
                     if runtime.redis is not None else MemoryStore())
    shop_router = Router(path="/", guards=[shop_host_only],
                         route_handlers=[StorefrontApi, AdminApi, ShopOrdersApi,
                                         AdminOrdersApi, AdminChannelOrdersApi,
                                         AdminCatalogApi, ShopPaymentsApi, AdminPaymentsApi,
                                         CallbacksApi, AccountApi,
                                         AdminFulfilmentApi, AdminPickingApi, WebhooksApi,
                                         AdminAftersalesApi, ShopReturnsApi,
                                         ShopTicketsApi, AdminTicketsApi,
                                         ShopServiceApi, AdminFaqApi, AdminReportsApi,
                                         AdminTasksApi, AdminBillingApi,
                                         AdminLocationsApi, AdminTransfersApi,
                                         AdminServiceContactApi, AdminLabelsApi,
                                         AdminProductVideoApi])
    assets = find_assets(runtime.host)  # the plugins' templates, static files and catalogs
    install_plugin_assets(assets)
    plugin_routes = [
        Router(path=f"/plugins/{name}", guards=[shop_host_only, plugin_enabled_guard(name),
                                                 staff_for_console_routes],
               route_handlers=handlers, dependencies={"console": Provide(provide_console),
                                                      "storefront": Provide(provide_storefront)},
               exception_handlers={LoginRequired: to_login},
               include_in_schema=False)  # console pages, not API
        for name in runtime.host.names()
        if (handlers := runtime.host.collect("galleria_routes", [name]))
    ]


    app = Litestar(
        route_handlers=[
            healthz, readyz, domain_verification, PlatformApi, shop_router, *PAGE_ROUTES,
            operator_router,  # the operator console: /operator/ on the platform host
            BillingWebhookApi,  # Stripe Billing: merchants' subscriptions, platform host
            *plugin_api_routers(runtime.host),  # plugins' JSON API (galleria_api_routes)
            *REGION_ROUTES,  # the address form's province → city → district cascade
            fulfilment_console_router, returns_console_router, service_console_router,
            chat_console_router, chat_socket_router,
            picking_console_router,
            notifications_console_router, jobs_console_router,
            staff_console_router, access_console_router,
            *OIDC_ROUTES,  # sign-in with OpenID Connect, sign out everywhere
            oauth_router, *OAUTH_PAGE_ROUTES,  # connected apps (OAuth2 authorization server)
            wechat_router, wechat_api_router,  # sign-in with WeChat (QR, mini-program)
            *plugin_routes, *sandbox_mounts(settings, runtime.host, runtime),
            create_static_files_router(path="/static", directories=[STATIC_DIR],
                                       name="static", include_in_schema=False),
            *plugin_static_routes(assets),
            create_static_files_router(path="/media", directories=[settings.media_dir],
                                       name="media", include_in_schema=False),
        ],
        dependencies={"runtime": Provide(provide_runtime), "shop": Provide(provide_shop)},
        middleware=[RequestContextMiddleware(settings.domain), CachingMiddleware(),
                    InputGuardMiddleware(),
                    LazySessionConfig(store="sessions", secure=settings.secure_cookies,
                                      httponly=True, samesite="lax").middleware,
                    StaffSessionCheck()],
        before_send=[add_security_policy],  # CSP and Secure cookies: galleria.web.csp
        request_class=GuardedRequest,  # NULs and too-deep JSON: galleria.web.bad_input
        stores={"sessions": session_store},
        compression_config=COMPRESSION,
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               exclude=["/api/", "/callbacks/", "/sandbox/", "/healthz", "/readyz",
                                        "/.well-known/",
                                        "/oauth/token"]),  # apps' servers post there
        exception_handlers={**EXCEPTION_HANDLERS, LoginRequired: to_login},
        guards=[every_request_guard],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(JINJA_ENV)),
        openapi_config=OpenAPIConfig(title="Galleria API", version="1.0.0",
                                     path="/schema", render_plugins=[NoncedSwaggerUI(
                                         js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                                         css_url=f"{SWAGGER}/swagger-ui.css",
                                         standalone_preset_js_url=(
                                             f"{SWAGGER}/swagger-ui-standalone-preset.js"),
                                         favicon=("<link rel='icon' type='image/svg+xml' "
                                                  "href='/static/favicon.svg'>"),
                                         path="/")]),
        logging_config=logging_config(),
        plugins=[ProblemResponses()],  # every problem an operation can give, documented
        lifespan=[lifespan],
        debug=settings.debug,
    )
    app.state.runtime = runtime
    # A flash-sale burst's buyers are admitted together before routing: admission_door.py.
    app.asgi_handler = AdmissionDoor(app.asgi_handler, runtime, settings.domain)
    return app
