"""Every Galleria hook, with its contract.

Hooks *contribute* objects; the objects do the I/O (pluggy calls hooks synchronously).
The kernel calls a hook only on the plugins the shop has enabled, except the hooks under
"Plugin description", which describe a plugin to the platform whether or not it is enabled.
Event hooks are called after commit by a job reading the outbox, never inside a request.

The reference with examples for plugin authors is docs/plugins.md; a test keeps the two in
step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from piccolo.conf.apps import AppConfig

    from galleria.kernel.catalog.promotions import ProductPromoter
    from galleria.kernel.checkout.contracts import PriceAdjuster, ShippingMethod
    from galleria.kernel.events import Event
    from galleria.kernel.notifications.contracts import NotificationChannel
    from galleria.kernel.payments.contracts import PaymentGateway
    from galleria.kernel.plugins import (
        AccountPanel,
        ChoiceSource,
        ConsolePage,
        JobSpec,
        PluginInfo,
        ReportTab,
        SettingField,
        StorefrontBlock,
        StorefrontLink,
    )
    from galleria.kernel.review.contracts import ReviewRule
    from galleria.kernel.tenancy.shops import Shop

hookspec = pluggy.HookspecMarker("galleria")
hookimpl = pluggy.HookimplMarker("galleria")


# ---------------------------------------------------------------------------------------------
# Plugin description (called on every installed plugin)
# ---------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def galleria_plugin_info() -> PluginInfo:
    """Describe the plugin: title and description in English and Chinese.

    Called when the platform lists plugins (console, ``GET /api/admin/v1/plugins``).
    ``firstresult``: each plugin answers for itself.

    :returns: a :class:`galleria.kernel.PluginInfo`.
    """


@hookspec(firstresult=True)
def galleria_settings_schema() -> list[SettingField]:
    """Declare the per-shop settings the plugin takes.

    Called when a merchant opens the plugin's settings and when settings are saved: values
    are validated against these fields before anything is stored. Fields with
    ``secret=True`` are encrypted at rest and never sent back out.

    :returns: a list of :class:`galleria.kernel.SettingField`.
    """


@hookspec
def galleria_setting_choices() -> list[ChoiceSource]:
    """Offer lists of the shop's things (its coupons, …) that settings fields pick from.

    Called on the plugins the shop enabled when a settings form is drawn and when settings
    are saved; a field names a source with ``SettingField(choices_from=...)``, whichever
    plugin declares the field. ``load(tenant_id)`` is awaited in the shop's scope.

    :returns: a list of :class:`galleria.kernel.ChoiceSource`.
    """


@hookspec
def galleria_migrations() -> list[AppConfig]:
    """Contribute piccolo ``AppConfig`` objects whose migrations ``galleria migrate`` runs.

    Called once by ``galleria migrate`` (for every installed plugin, enabled or not: tables
    exist platform-wide; rows are per shop). Shop-owned tables must carry a ``tenant``
    column; their migration calls :func:`galleria.kernel.enable_row_level_security` so that
    PostgreSQL admits only the current shop's rows.

    :returns: a list of ``piccolo.conf.apps.AppConfig``.
    """


@hookspec
def galleria_actors() -> list[JobSpec]:
    """Contribute background jobs.

    Called at start-up of the app and of each worker. A job runs when an outbox row
    ``job.<name>`` written by ``galleria.kernel.enqueue`` (optionally delayed) comes due;
    a failing job is retried with backoff. Jobs receive the JSON-able keyword arguments they
    were enqueued with and must be idempotent.

    :returns: a list of :class:`galleria.kernel.JobSpec`.
    """


@hookspec
def galleria_routes() -> list[Any]:
    """Contribute HTTP route handlers (Litestar handlers or controllers).

    Called once when the app is built. The handlers are mounted under
    ``/plugins/{plugin_name}/`` on shop hosts and answer 404 on shops that have not enabled
    the plugin. Gateway callbacks belong under ``/callbacks/{plugin_name}/`` instead (see
    payment gateways).

    :returns: a list of Litestar route handlers.
    """


@hookspec
def galleria_api_routes() -> list[Any]:
    """Contribute JSON API route handlers (Litestar handlers or controllers) at their own
    paths, under ``/api/v1/`` (the storefront API: ``/api/v1/account/points``) or
    ``/api/admin/v1/`` (the admin API: ``/api/admin/v1/marketing/flash-sales``).

    Called once when the app is built. Unlike ``galleria_routes``, the handlers keep their
    paths, appear in ``/schema/openapi.json``, and follow the API's rules: admin paths need a
    bearer token with the scope of their area (``/api/admin/v1/marketing/...`` →
    ``marketing``), errors are problem+json, answers are typed (a TypedDict or msgspec
    Struct). They answer 404 on shops that have not enabled the plugin and on the platform
    host. A handler whose path is outside those two prefixes is refused when the app is
    built. A handler may ask for ``shop`` (the :class:`galleria.kernel.Shop`), ``customer``
    (the signed-in shopper, with ``.id``, or None for a guest), ``idempotent`` (replays a
    creating POST sent again with the same ``Idempotency-Key``) and ``api``, a
    ``galleria.web.plugin_api.PluginApi`` with all of these in one: ``await
    api.customer_id()``, ``await api.require_customer()`` (401 for a guest), ``await
    api.admin_actor()`` and ``await api.idempotent(work)``.

    :returns: a list of Litestar route handlers.

    .. versionadded:: 3
    """


@hookspec
def galleria_account_panels() -> list[AccountPanel]:
    """Contribute sections of the shopper's account page (我的): a points balance and
    ledger, a member level, a referral code.

    Called whenever a signed-in shopper's account page is rendered, on the plugins the shop
    enabled. Each panel's ``context(shop, customer_id)`` is awaited inside the shop's scope
    and its template rendered with the result as ``page``.

    :returns: a list of :class:`galleria.kernel.AccountPanel`.

    .. versionadded:: 3 (points)
    """


@hookspec
def galleria_storefront_links(shop: Shop) -> list[StorefrontLink]:
    """Contribute links to the storefront's pages: above the product page's buy box
    (``place="product"``, such as 领券 to the coupons that apply) or on the shopper's 我的
    page (``place="account"``, such as 我的优惠券).

    Called when those pages are rendered, on the plugins the shop enabled. Return quickly
    and do no I/O: the page the link leads to reads what it needs.

    .. versionadded:: 2 (marketing)

    :returns: a list of :class:`galleria.kernel.StorefrontLink`.
    """


@hookspec
def galleria_storefront_blocks() -> list[StorefrontBlock]:
    """Contribute blocks of the storefront's pages: below a product page's description
    (``place="product"``, such as the product's reviews) or on the shopper's order page
    (``place="order"``, such as a card to rate a delivered order).

    Called whenever those pages are rendered, on the plugins the shop enabled. Each block's
    ``context(shop, key, customer_id)`` (``key``: the product id or the order number) is
    awaited inside the shop's scope; None shows nothing, a dict is the ``page`` its template
    is rendered with. A block whose context raises is left out (logged).

    :returns: a list of :class:`galleria.kernel.StorefrontBlock`.

    .. versionadded:: 4 (reviews)
    """


@hookspec
def galleria_sandbox_apps() -> list[tuple[Any, ...]]:
    """Contribute simulators of outside services (a payment gateway, a carrier) for sandbox
    mode, so that a whole purchase works on a laptop without credentials.

    Called once when the app is built, and only with ``GALLERIA_SANDBOX=1`` (the demo): each
    ``(name, asgi_app)`` is mounted at ``/sandbox/{name}/``. Never mounted otherwise:
    production paths never reach a simulator. A third element, ``(name, asgi_app,
    demo_settings)``, enables the plugin in the demo shops with those settings, where the text
    ``{sandbox_url}`` stands for the simulator's URL.

    :returns: a list of ``(name, ASGI application[, demo settings])`` tuples.
    """


@hookspec(firstresult=True)
def galleria_sandbox_settings(tenant_id: int, sandbox_url: str) -> dict[str, Any] | None:
    """Open a shop's own account at the plugin's simulator and return the plugin settings
    that use it: the one-click "try it in sandbox" of a payment method.

    Called only in sandbox mode (``GALLERIA_SANDBOX=1``), on one plugin, when a merchant
    turns it on in sandbox (the console's button, or ``PUT /api/admin/v1/plugins/{name}``
    with ``{"settings": {"sandbox": true}}``) and the shop has no sandbox account yet.
    Generate new keys for every call (never shared between shops) and make the simulator
    that :func:`galleria_sandbox_apps` mounts accept them. The platform validates the
    result against the plugin's schema, stores it (secrets encrypted) and marks the plugin
    "in sandbox" until the merchant saves real keys.

    ``firstresult``: the plugin's one answer.

    .. versionadded:: 2 (sandbox payments)

    :param tenant_id: the shop's id (put it in account ids so that they are unique).
    :param sandbox_url: where the simulators are mounted, such as
        ``http://localhost:8000/sandbox`` (yours is below it, at ``/{name}``).
    :returns: the settings, or ``None`` when the plugin offers no sandbox.
    """


@hookspec
def galleria_console_pages() -> list[ConsolePage]:
    """Contribute pages to the merchant console's navigation.

    Called when the console is rendered for a shop that enabled the plugin.

    :returns: a list of :class:`galleria.kernel.ConsolePage`.
    """


@hookspec
def galleria_report_tabs() -> list[ReportTab]:
    """Contribute tabs to the console's reports (数据中心), shown after the platform's tabs.

    Called whenever a reports page is rendered, on the plugins the shop enabled; a tab is
    shown to the staff who may read its ``permission`` area. The tab's page is the plugin's
    own console route (``url``), rendered with ``console.report_page(template, tab=name,
    …)`` so that it sits in the console's shell under the same tabs.

    :returns: a list of :class:`galleria.kernel.ReportTab`.

    .. versionadded:: 5 (reviews' report)
    """


# ---------------------------------------------------------------------------------------------
# Providers (called on the shop's enabled plugins)
# ---------------------------------------------------------------------------------------------


@hookspec
def galleria_payment_gateways(shop: Shop) -> list[PaymentGateway]:
    """Contribute payment gateways for ``shop``.

    Called when the storefront lists payment methods and when a payment is started or a
    gateway callback arrives. Each gateway is a :class:`galleria.kernel.PaymentGateway`
    subclass: it overrides ``start_payment`` and what its provider does of
    ``available``, ``handle_notification``, ``answer``, ``query``, ``refund`` and ``close``
    (the base class's defaults are safe). Anything else returned is ignored (logged).

    :param shop: the shop (a :class:`galleria.kernel.Shop`).
    :returns: a list of :class:`galleria.kernel.PaymentGateway` instances.
    """


@hookspec
def galleria_shipping_methods(shop: Shop) -> list[ShippingMethod]:
    """Contribute shipping methods for ``shop``: :class:`galleria.kernel.ShippingMethod`
    subclasses that ``quote`` a cart for an address (fee and delivery-day range) and, if
    they can, ``create_shipment`` and ``track`` (the defaults answer None: not done here).

    :param shop: the shop.
    :returns: a list of :class:`galleria.kernel.ShippingMethod` instances.
    """


@hookspec
def galleria_price_adjusters(shop: Shop) -> list[PriceAdjuster]:
    """Contribute price adjusters: objects that turn a priced cart into adjustments
    (coupon, member discount, threshold discount, points, gift lines). The kernel applies
    them in their ``order`` and normalises the result (never below zero).

    :param shop: the shop.
    :returns: a list of :class:`galleria.kernel.PriceAdjuster` instances.
    """


@hookspec
def galleria_product_promotions(shop: Shop) -> list[ProductPromoter]:
    """Contribute product promoters: what a product page promises (a flash sale's price,
    countdown and remaining quota; a free gift).

    Called when the storefront renders a product page of ``shop``, on its enabled plugins.
    Each promoter's ``promotions(shop, product_id, variant_ids, locale)`` answers a list of
    :class:`galleria.kernel.Promotion`; one that fails is left out (logged).

    :param shop: the shop.
    :returns: a list of :class:`galleria.kernel.ProductPromoter` instances.
    """


@hookspec
def galleria_review_rules(shop: Shop) -> list[ReviewRule]:
    """Contribute order review (审单) rules for ``shop``: :class:`galleria.kernel.ReviewRule`
    subclasses (``code``, ``name``, ``order`` and an async
    ``judge(context: ReviewContext) -> Verdict``). Anything else returned holds the order.

    Called once per order, after commit from the outbox: when it is paid, or when it is
    placed if its payment method pays on delivery. The kernel asks every rule of the shop's
    enabled plugins in ``order`` (then ``code``), records every verdict and combines them:
    reject beats hold beats approve, and no opinion at all approves. A rule that raises,
    times out or answers something else than a ``Verdict`` holds the order ("rule <code>
    failed: …"). Return quickly without I/O; rules read the shop's data when they judge.

    :param shop: the shop (a :class:`galleria.kernel.Shop`).
    :returns: a list of :class:`galleria.kernel.ReviewRule` instances.
    """


@hookspec
def galleria_notification_channels(shop: Shop) -> list[NotificationChannel]:
    """Contribute notification channels for ``shop``: :class:`galleria.kernel.NotificationChannel`
    subclasses with a ``kind`` ("email", "sms") and an async ``send(message)`` that delivers one
    :class:`galleria.kernel.NotificationMessage` or raises (the kernel then retries that
    message on that channel alone, with backoff).

    Called after commit, from the outbox, when an order event produces messages (placed,
    paid, shipped, delivered, refunded, cancelled, and the follow-up a day after delivery)
    and again before each message is sent. The kernel addresses a channel of kind "email"
    with email addresses and one of kind "sms" with phone numbers; other kinds get nothing
    yet. Must not do I/O itself: return the objects, let ``send`` talk to the world.

    :param shop: the shop (a :class:`galleria.kernel.Shop`).
    :returns: a list of channel objects (:class:`galleria.kernel.NotificationChannel`).
    """


# ---------------------------------------------------------------------------------------------
# Events (called from the outbox after commit, on the shop's enabled plugins)
# ---------------------------------------------------------------------------------------------


@hookspec
def galleria_shop_created(event: Event) -> None:
    """A shop was opened (signup or CLI). ``event.payload``: ``slug``, ``name``,
    ``template``, ``owner_id``. Called on the new shop's enabled plugins.
    """


@hookspec
def galleria_plugin_enabled(event: Event) -> None:
    """A merchant enabled a plugin. ``event.payload``: ``plugin``. Lets a plugin set up its
    per-shop defaults. Called on the shop's enabled plugins (the new one included).
    """


@hookspec
def galleria_stock_low(event: Event) -> None:
    """A variant's available stock fell to its safety stock (once per crossing, not once
    per sale). ``event.payload``: ``variant_id``, ``available``, ``safety_stock``. For
    email/SMS alert plugins.
    """


@hookspec
def galleria_stock_expiring(event: Event) -> None:
    """A lot with stock left is near its expiry date (or past it), once per lot.
    ``event.payload``: ``lot_id``, ``lot_code``, ``variant_id``, ``sku``, ``product_id``,
    ``product_name``, ``quantity`` (units left in the lot), ``expires_on`` (ISO date),
    ``days_left`` (0 or less when expired). For email/SMS alert and markdown plugins.
    """


@hookspec
def galleria_customer_registered(event: Event) -> None:
    """A shopper created an account. ``event.payload``: ``customer_id``, ``email``,
    ``phone`` (either may be empty, normalised: lower-case email, phone digits with an
    optional leading ``+``) and ``name`` (may be empty).
    """


@hookspec
def galleria_customer_password_reset_requested(event: Event) -> None:
    """A shopper asked to reset a forgotten password, for an account that exists: send them
    the reset link (by email or SMS). Asking for an unknown account emits nothing.

    ``event.payload``: ``customer_id``, ``email``, ``phone`` (either may be empty),
    ``token`` (single use, a secret: put it in the link, never in a log), ``expires_at``
    (RFC 3339; 30 minutes after the request) and ``origin`` (the shop's URL origin the
    shopper asked from). The shop's reset page is ``{origin}/account/reset?token={token}``;
    API clients send the token to ``POST /api/v1/account/password-reset/confirm``. The
    kernel itself sends that link through the shop's email or SMS channel
    (``galleria_notification_channels``); implement this hook for anything more.
    """


@hookspec
def galleria_order_placed(event: Event) -> None:
    """An order was placed. ``event.payload``: ``number``, ``total``, ``currency``,
    ``customer_id``, ``payment_method``, ``channel`` (``web``, ``mini_program``,
    ``staff``, ``import`` or ``api``; and ``external_id``, the other platform's order id,
    for ``import`` and ``api`` orders).
    """


@hookspec
def galleria_order_paid(event: Event) -> None:
    """An order was paid in full. ``event.payload``: ``number``, ``amount``, ``currency``,
    ``gateway``."""


@hookspec
def galleria_order_shipped(event: Event) -> None:
    """An order (or part of it) was shipped. ``event.payload``: ``number``, ``carrier``,
    ``tracking_number``."""


@hookspec
def galleria_order_delivered(event: Event) -> None:
    """An order was delivered. ``event.payload``: ``number``."""


@hookspec
def galleria_order_completed(event: Event) -> None:
    """An order was completed (delivered and past the after-sales window).
    ``event.payload``: ``number``."""


@hookspec
def galleria_order_cancelled(event: Event) -> None:
    """An order was cancelled. ``event.payload``: ``number``, ``reason``."""


@hookspec
def galleria_order_refunded(event: Event) -> None:
    """Money was refunded. ``event.payload``: ``number``, ``amount``, ``currency``,
    ``full`` (bool)."""


@hookspec
def galleria_ticket_opened(event: Event) -> None:
    """A customer-service ticket was opened: a question or complaint from the shopper, the
    ticket a return request opens, or a repair or installation booking. Tell the staff on
    duty, or mirror it into a help-desk. Called after commit, from the outbox.

    ``event.payload``: ``ticket_id``, ``kind`` (``question``, ``complaint``, ``return``,
    ``repair``, ``installation``), ``order_number`` (or None).

    .. versionadded:: 2 (after-sales)
    """


@hookspec
def galleria_ticket_answered(event: Event) -> None:
    """Staff answered a ticket; it now waits for the shopper. The kernel itself sends the
    answer through the shop's notification channels (email, SMS); reach the shopper where
    those do not (a work-chat robot, an app push). Called after commit.

    ``event.payload``: ``ticket_id``, ``order_number`` (or None), ``origin`` (the
    storefront address the answer was written from, or "").

    .. versionadded:: 2 (after-sales)
    """


@hookspec
def galleria_order_lines_cancelled(event: Event) -> None:
    """Lines of an order were cancelled before they shipped (a short pick, 缺货取消); their
    stock is released and, for a paid order, their refund is under way. Give back what the
    cancelled lines used: a coupon when ``all_cancelled``, points in proportion.

    ``event.payload``: ``number``, ``cancellation_id``, ``lines``
    (``[{variant_id, sku, name, unit_price, quantity}]``), ``amount`` (the refund, minor
    units; 0 for an unpaid order), ``currency``, ``reason``, ``all_cancelled`` (bool),
    ``customer_id`` (or None), ``coupon_code`` (or None), ``points`` (redeemed on the order).

    .. versionadded:: 2 (after-sales)
    """


@hookspec
def galleria_reward_granted(event: Event) -> None:
    """A plugin granted a shopper a reward (a referral reward, a birthday gift) that another
    plugin pays out: points by the points plugin, a coupon by the coupon plugin. The plugin
    whose ``kind`` it is pays it once per ``ref``; the others ignore it.

    ``event.payload``: ``customer_id``, ``kind`` (``points`` or ``coupon``), ``amount`` (points,
    or a coupon's value in minor units), ``reason`` (``referral``, ``birthday``…), ``ref`` (a
    key unique in the shop: ``referral:12:referrer``), ``note`` (or None).

    .. versionadded:: 3 (points)
    """
