"""Every hook, as a plugin author sees it: one `test_hook_<name>` per hook in hookspecs.py.

Throwaway plugins are registered on the session's plugin host with
`galleria.testing.register_plugin` and unregistered afterwards. The database is shared by
the session: each test opens its own shops and looks only at its own shops' rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pluggy
import pytest
from litestar import get
from piccolo.columns import Integer, Varchar
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from galleria.jobs.tasks import enqueue
from galleria.kernel import (
    ConsolePage,
    Event,
    JobSpec,
    PluginInfo,
    SettingField,
    Shop,
    emit,
    hookimpl,
    plugin_settings,
    shop_scope,
)
from galleria.kernel import db as kernel_db
from galleria.kernel.events_tables import OutboxDelivery, OutboxEvent
from galleria.kernel.inventory.service import reserve, set_safety_stock
from galleria.kernel.tables import KERNEL_TABLES
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import PluginState
from galleria.kernel.tenancy.templates import ShopTemplate
from galleria.runtime import plugin_tables
from galleria.testing import enable_plugin, make_event, register_plugin, run_outbox

_names = itertools.count(1)


def plugin_name(prefix: str) -> str:
    """A plugin name no other test uses (names are stored per shop and per delivery)."""
    return f"hooktest_{prefix}_{next(_names)}"


async def new_shop(open_shop) -> Shop:
    shop = await get_shop((await open_shop()).slug)
    assert shop is not None
    return shop


async def enabled_in(shop: Shop) -> frozenset[str]:
    async with shop_scope(shop.id):
        return await enabled_plugins(shop.id)


class Listener:
    """A plugin that records the events it receives through the given event hooks."""

    def __init__(self, *hooks: str, fail_times: int = 0) -> None:
        self.received: list[Event] = []
        self.fail_times = fail_times
        for hook in hooks:
            setattr(self, hook, hookimpl(self._recorder()))

    def _recorder(self) -> Callable[[Event], None]:
        def record(event: Event) -> None:
            self.received.append(event)
            if len(self.received) <= self.fail_times:
                raise RuntimeError(f"listener fails on attempt {len(self.received)}")

        return record

    def of(self, shop: Shop) -> list[Event]:
        return [event for event in self.received if event.tenant_id == shop.id]


async def outbox_rows(shop: Shop, topic: str) -> list[dict[str, Any]]:
    return await OutboxEvent.select().where(
        (OutboxEvent.tenant == shop.id) & (OutboxEvent.topic == topic)).order_by(OutboxEvent.id)


# ---------------------------------------------------------------------------------------------
# Plugin description
# ---------------------------------------------------------------------------------------------


class Described:
    @hookimpl
    def galleria_plugin_info(self) -> PluginInfo:
        return PluginInfo(title="Member points", title_zh="会员积分",
                          description="Points on paid orders.", description_zh="付款得积分。",
                          version="1.2.0")


class Undescribed:
    @hookimpl
    def galleria_order_paid(self, event: Event) -> None:
        pass


async def test_hook_plugin_info(plugin_host, open_shop):
    described, bare = plugin_name("info"), plugin_name("bare")
    handle = await open_shop()
    with register_plugin(plugin_host, Described, described), \
            register_plugin(plugin_host, Undescribed, bare):
        response = await handle.get("/api/admin/v1/plugins")
        assert response.status_code == 200, response.text
        items = {item["name"]: item for item in response.json()["items"]}
        # Listed although the shop has not enabled it: the description is platform-wide.
        assert items[described]["enabled"] is False
        assert items[described]["title"] == "Member points"
        assert items[described]["title_zh"] == "会员积分"
        assert items[described]["description"] == "Points on paid orders."
        assert items[described]["description_zh"] == "付款得积分。"
        # A plugin without the hook is listed under its name; it never gets another's info.
        assert items[bare]["title"] == bare
        # firstresult: the platform gets one PluginInfo, not a list of answers.
        assert plugin_host.info(described).version == "1.2.0"
        assert plugin_host.pm.hook.galleria_plugin_info.spec.opts["firstresult"] is True
    after = await handle.get("/api/admin/v1/plugins")
    assert described not in {item["name"] for item in after.json()["items"]}


class Configurable:
    @hookimpl
    def galleria_settings_schema(self) -> list[SettingField]:
        return [
            SettingField("rate", "Points per yuan", type="integer", label_zh="每元积分",
                         default=1, minimum=0, maximum=10),
            SettingField("program", "Programme", type="choice", choices=("basic", "gold")),
            SettingField("api_key", "CRM API key", secret=True, required=True,
                         default="published-default-secret"),
        ]


async def test_hook_settings_schema(plugin_host, open_shop):
    name = plugin_name("settings")
    handle = await open_shop()
    shop = await get_shop(handle.slug)
    with register_plugin(plugin_host, Configurable, name):
        listed = await handle.get("/api/admin/v1/plugins")
        item = next(i for i in listed.json()["items"] if i["name"] == name)
        fields = {field["name"]: field for field in item["settings_schema"]}
        assert fields["rate"] == {
            "name": "rate", "label": "Points per yuan", "label_zh": "每元积分",
            "type": "integer", "required": False, "secret": False, "help": "",
            "default": 1, "minimum": 0, "maximum": 10}
        assert fields["program"]["choices"] == ["basic", "gold"]
        assert fields["api_key"]["secret"] is True and "default" not in fields["api_key"]
        assert "published-default-secret" not in listed.text

        # Validated before anything is stored: one error per field, named settings.<field>.
        bad = await handle.put(f"/api/admin/v1/plugins/{name}", json={
            "enabled": True, "settings": {"rate": 11, "program": "platinum", "nonsense": 1}})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        errors = {error["field"]: error["message"] for error in bad.json()["errors"]}
        assert set(errors) == {"settings.rate", "settings.program", "settings.nonsense",
                               "settings.api_key"}
        assert errors["settings.rate"] == "at most 10"
        assert name not in await enabled_in(shop)

        # Stored, enabled; the secret is encrypted at rest and never echoed.
        good = await handle.put(f"/api/admin/v1/plugins/{name}", json={
            "enabled": True,
            "settings": {"rate": 3, "program": "gold", "api_key": "sk-live-SECRET-42"}})
        assert good.status_code == 200, good.text
        assert good.json()["settings"] == {"rate": 3, "program": "gold", "api_key": {"set": True}}
        assert good.json()["enabled"] is True
        again = await handle.get("/api/admin/v1/plugins")
        assert "sk-live-SECRET-42" not in good.text and "sk-live-SECRET-42" not in again.text
        async with shop_scope(shop.id):
            row = await PluginState.select().where(
                (PluginState.tenant == shop.id) & (PluginState.plugin == name)).first()
            assert "sk-live-SECRET-42" not in str(row)
            assert await plugin_settings(shop.id, name) == {
                "rate": 3, "program": "gold", "api_key": "sk-live-SECRET-42"}

        # Leaving the secret out keeps it; an empty integer falls back to the default.
        kept = await handle.put(f"/api/admin/v1/plugins/{name}", json={
            "enabled": True, "settings": {"program": "basic"}})
        assert kept.status_code == 200, kept.text
        assert kept.json()["settings"] == {"rate": 1, "program": "basic",
                                           "api_key": {"set": True}}
        async with shop_scope(shop.id):
            assert (await plugin_settings(shop.id, name))["api_key"] == "sk-live-SECRET-42"


# ---------------------------------------------------------------------------------------------
# Platform hooks: migrations, actors, routes, console pages
# ---------------------------------------------------------------------------------------------


class HooktestPoints(Table, tablename="hooktest_points"):
    tenant = Integer()
    order_number = Varchar(length=32)
    points = Integer()


TABLES_MIGRATION = '''
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Varchar

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "points table"
COLUMNS = [("tenant", Integer, {}), ("order_number", Varchar, {"length": 32}),
           ("points", Integer, {})]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hooktest_points",
                               description=DESCRIPTION)
    manager.add_table(class_name="HooktestPoints", tablename="hooktest_points")
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="HooktestPoints", tablename="hooktest_points",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params)
    return manager
'''

# piccolo runs a migration's raw steps before its table operations: keys and row-level
# security come in a migration of their own, as in the kernel.
RLS_MIGRATION = '''
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import (Index, create_indexes, enable_row_level_security,
                             tenant_first_keys)

ID = "2026-12-01T09:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "points keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hooktest_points",
                               description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's, as `galleria migrate` set it
        await create_indexes(engine, [Index("hooktest_points", ("tenant", "order_number"),
                                            unique=True)])
        await enable_row_level_security(engine, ["hooktest_points"])
        await tenant_first_keys(engine, ["hooktest_points"])

    manager.add_raw(keys_and_rls)
    return manager
'''


class Migrating:
    def __init__(self, folder: str) -> None:
        self.folder = folder

    @hookimpl
    def galleria_migrations(self) -> list[AppConfig]:
        return [AppConfig(app_name="hooktest_points", migrations_folder_path=self.folder,
                          table_classes=[HooktestPoints])]


async def test_hook_migrations(plugin_host, tmp_path):
    name, other = plugin_name("migrations"), plugin_name("no_tables")
    with register_plugin(plugin_host, Migrating(str(tmp_path)), name), \
            register_plugin(plugin_host, Described, other):
        # Called on every installed plugin, enabled by a shop or not: tables are
        # platform-wide. The app binds these tables at start-up; `galleria migrate` runs
        # the apps' migrations.
        [app] = [app for app in plugin_host.collect("galleria_migrations", plugin_host.names())
                 if app.app_name == "hooktest_points"]
        assert app.table_classes == [HooktestPoints]
        assert HooktestPoints in plugin_tables(plugin_host)
    assert HooktestPoints not in plugin_tables(plugin_host)


async def test_galleria_migrate_creates_a_plugins_tables_behind_row_level_security(
        plugin_host, runtime, open_shop, tmp_path):
    from galleria.migrations import migrate

    folder = tmp_path / "hooktest_points_migrations"
    folder.mkdir()
    (folder / "hooktest_points_0001_table.py").write_text(TABLES_MIGRATION)
    (folder / "hooktest_points_0002_rls.py").write_text(RLS_MIGRATION)
    name = plugin_name("migrate")
    a, b = await new_shop(open_shop), await new_shop(open_shop)
    with register_plugin(plugin_host, Migrating(str(folder)), name):
        try:
            await migrate(runtime.settings, plugin_host)  # as the owning role
        finally:
            # migrate() binds the tables to the owner's engine: give them back to the app's.
            kernel_db.bind(kernel_db.database().engine, [*KERNEL_TABLES, HooktestPoints])
        async with shop_scope(a.id):
            await HooktestPoints.insert(HooktestPoints(tenant=a.id, order_number="A1",
                                                       points=5))
        async with shop_scope(a.id):
            mine = await HooktestPoints.select().where(HooktestPoints.tenant == a.id)
        assert [(row["order_number"], row["points"]) for row in mine] == [("A1", 5)]
        if kernel_db.database().is_postgres:
            # Row-level security: even a query that forgets the tenant sees its shop only.
            async with shop_scope(b.id):
                assert await HooktestPoints.select() == []
            with pytest.raises(Exception, match="row-level security"):
                async with shop_scope(b.id):
                    await HooktestPoints.insert(HooktestPoints(tenant=a.id,
                                                               order_number="B1", points=1))


class Jobs:
    def __init__(self, job_name: str) -> None:
        self.job_name = job_name
        self.runs: list[dict[str, Any]] = []

    async def count(self, shop_id: int, marker: str) -> None:
        self.runs.append({"shop_id": shop_id, "marker": marker})

    @hookimpl
    def galleria_actors(self) -> list[JobSpec]:
        return [JobSpec(self.job_name, self.count)]


async def test_hook_actors(plugin_host, open_shop):
    shop = await new_shop(open_shop)
    job = f"{plugin_name('actors')}.count"
    with register_plugin(plugin_host, Jobs(job), job.split(".")[0]) as jobs:
        async with shop_scope(shop.id):
            await enqueue(shop.id, job, shop_id=shop.id, marker="committed")
            await enqueue(shop.id, job, delay=dt.timedelta(hours=1), shop_id=shop.id,
                          marker="tomorrow")
            assert jobs.runs == []  # nothing runs inside the transaction
        with pytest.raises(ZeroDivisionError):
            async with shop_scope(shop.id):
                await enqueue(shop.id, job, shop_id=shop.id, marker="rolled back")
                1 / 0
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)
        assert jobs.runs == [{"shop_id": shop.id, "marker": "committed"}]
        rows = await outbox_rows(shop, f"job.{job}")
        assert [row["done_at"] is not None for row in rows] == [True, False]


def points_routes() -> list[Any]:
    @get("/balance/{customer:int}")
    async def balance(shop: Shop, customer: int) -> dict[str, Any]:
        return {"shop": shop.slug, "customer": customer}

    return [balance]


class Routed:
    @hookimpl
    def galleria_routes(self) -> list[Any]:
        return points_routes()


async def test_hook_routes(plugin_host, runtime, open_shop):
    from galleria.web.app import create_app

    name = plugin_name("routes")
    enabling, other = await open_shop(), await open_shop()
    with register_plugin(plugin_host, Routed, name):
        # Routes are mounted when the app is built; the session's database stays open.
        app = create_app(runtime.settings, host=plugin_host, embedded_worker=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            path = f"/plugins/{name}/balance/7"
            before = await http.get(path, headers={"host": enabling.host})
            assert before.status_code == 404
            enabled = await enabling.put(f"/api/admin/v1/plugins/{name}", json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
            after = await http.get(path, headers={"host": enabling.host})
            assert after.status_code == 200, after.text
            assert after.json() == {"shop": enabling.slug, "customer": 7}
            assert (await http.get(path, headers={"host": other.host})).status_code == 404
            assert (await http.get(path, headers={"host": "localhost"})).status_code == 404
            disabled = await enabling.put(f"/api/admin/v1/plugins/{name}",
                                          json={"enabled": False})
            assert disabled.status_code == 200, disabled.text
            assert (await http.get(path, headers={"host": enabling.host})).status_code == 404


@get("/api/v1/hook-test/balance", operation_id="hookTestBalance")
async def api_balance(shop: Shop, api: Any) -> dict[str, int | str | None]:
    return {"shop": shop.slug, "customer": await api.customer_id()}


@get("/api/admin/v1/marketing/hook-test", operation_id="hookTestAdmin")
async def api_admin(shop: Shop, api: Any) -> dict[str, str]:
    return {"actor": await api.admin_actor()}


class ApiRouted:
    @hookimpl
    def galleria_api_routes(self) -> list[Any]:
        return [api_balance, api_admin]


class BadlyRouted:
    @hookimpl
    def galleria_api_routes(self) -> list[Any]:
        @get("/balance", operation_id="hookTestBad")
        async def outside() -> dict[str, int]:
            return {}

        return [outside]


async def test_hook_api_routes(plugin_host, runtime, open_shop):
    from galleria.web.app import create_app

    name = plugin_name("api")
    enabling, other = await open_shop(), await open_shop()
    with register_plugin(plugin_host, ApiRouted, name):
        app = create_app(runtime.settings, host=plugin_host, embedded_worker=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            path = "/api/v1/hook-test/balance"
            before = await http.get(path, headers={"host": enabling.host})
            assert before.status_code == 404
            enabled = await enabling.put(f"/api/admin/v1/plugins/{name}", json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
            after = await http.get(path, headers={"host": enabling.host})
            assert after.json() == {"shop": enabling.slug, "customer": None}
            assert (await http.get(path, headers={"host": other.host})).status_code == 404
            assert (await http.get(path, headers={"host": "localhost"})).status_code == 404
            admin = "/api/admin/v1/marketing/hook-test"
            refused = await http.get(admin, headers={"host": enabling.host})
            assert refused.status_code == 401  # the permission guard, as for kernel routes
            allowed = await http.get(admin, headers={**enabling.headers(admin=True),
                                                     "host": enabling.host})
            assert allowed.status_code == 200 and allowed.json()["actor"]
            schema = (await http.get("/schema/openapi.json")).json()
            assert path in schema["paths"] and admin in schema["paths"]
    with (register_plugin(plugin_host, BadlyRouted, plugin_name("api-bad")),
          pytest.raises(ValueError, match="is not under")):
        create_app(runtime.settings, host=plugin_host, embedded_worker=False)


class Linked:
    @hookimpl
    def galleria_storefront_links(self, shop: Shop) -> list[Any]:
        from galleria.kernel import StorefrontLink

        return [StorefrontLink("product", "Points for this", "/plugins/x/p/{product_id}",
                               title_zh="本品积分"),
                StorefrontLink("account", "My points", "/plugins/x/mine", title_zh="我的积分")]


async def test_hook_storefront_links(plugin_host, runtime, open_shop):
    from galleria.web.app import create_app

    name = plugin_name("links")
    shop = await open_shop()
    product = (await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": "L-1", "price": 100, "stock": 1}]})).json()
    with register_plugin(plugin_host, Linked, name):
        app = create_app(runtime.settings, host=plugin_host, embedded_worker=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=f"http://{shop.host}") as http:
            path = f"/products/{product['id']}"
            assert "本品积分" not in (await http.get(path)).text  # not enabled yet
            await shop.put(f"/api/admin/v1/plugins/{name}", json={"enabled": True})
            page = await http.get(path, headers={"accept-language": "zh-CN"})
            assert "本品积分" in page.text and f"/plugins/x/p/{product['id']}" in page.text
            english = await http.get(path + "?lang=en")
            assert "Points for this" in english.text


async def render_points(shop: Shop) -> str:
    return f"<h1>积分 · {shop.name}</h1>"


class WithConsolePage:
    @hookimpl
    def galleria_console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("points", "Points", title_zh="积分", render=render_points)]


async def test_hook_console_pages(plugin_host, open_shop):
    name = plugin_name("console")
    enabling, other = await new_shop(open_shop), await new_shop(open_shop)
    with register_plugin(plugin_host, WithConsolePage, name):
        await enable_plugin(enabling.id, plugin_host, name)
        pages = plugin_host.collect("galleria_console_pages", await enabled_in(enabling))
        mine = [page for page in pages if page.slug == "points"]
        assert [(page.title, page.title_zh) for page in mine] == [("Points", "积分")]
        assert await mine[0].render(enabling) == f"<h1>积分 · {enabling.name}</h1>"
        others = plugin_host.collect("galleria_console_pages", await enabled_in(other))
        assert "points" not in [page.slug for page in others]


# ---------------------------------------------------------------------------------------------
# Providers: reach only the shop's enabled plugins
# ---------------------------------------------------------------------------------------------


class Contribution:
    """What a provider hook returns: an object bound to the shop, doing async work."""

    def __init__(self, plugin: str, shop: Shop) -> None:
        self.plugin, self.shop = plugin, shop

    async def act(self) -> str:
        return f"{self.plugin}@{self.shop.slug}"


def provider(hook: str, name: str) -> object:
    def contribute(shop: Shop) -> list[Contribution]:
        return [Contribution(name, shop)]

    plugin = type("Provider", (), {})()
    setattr(plugin, hook, hookimpl(contribute))
    return plugin


async def check_provider_hook(hook: str, plugin_host, open_shop) -> None:
    """`hook` reaches the plugins the shop enabled, with the shop, and no others — not even
    a plugin registered after the shop's caller was built and cached."""
    first, second, late = plugin_name("p1"), plugin_name("p2"), plugin_name("late")
    one, both = await new_shop(open_shop), await new_shop(open_shop)
    with register_plugin(plugin_host, provider(hook, first), first), \
            register_plugin(plugin_host, provider(hook, second), second):
        await enable_plugin(one.id, plugin_host, first)
        await enable_plugin(both.id, plugin_host, first)
        await enable_plugin(both.id, plugin_host, second)

        def mine(shop_enabled: frozenset[str], shop: Shop) -> list[Contribution]:
            found = plugin_host.collect(hook, shop_enabled, shop=shop)
            return [c for c in found if isinstance(c, Contribution)]

        enabled_one, enabled_both = await enabled_in(one), await enabled_in(both)
        assert [await c.act() for c in mine(enabled_one, one)] == [f"{first}@{one.slug}"]
        # Registered last, called first; contributions joined into one list.
        assert [await c.act() for c in mine(enabled_both, both)] == [
            f"{second}@{both.slug}", f"{first}@{both.slug}"]
        with register_plugin(plugin_host, provider(hook, late), late):
            assert [c.plugin for c in mine(enabled_one, one)] == [first]
            assert plugin_host.implementers(hook, enabled_one) == [first]
            await enable_plugin(one.id, plugin_host, late)
            assert [c.plugin for c in mine(await enabled_in(one), one)] == [late, first]
        assert [c.plugin for c in mine(await enabled_in(one), one)] == [first]


async def test_hook_payment_gateways(plugin_host, open_shop):
    await check_provider_hook("galleria_payment_gateways", plugin_host, open_shop)


async def test_hook_shipping_methods(plugin_host, open_shop):
    await check_provider_hook("galleria_shipping_methods", plugin_host, open_shop)


async def test_hook_price_adjusters(plugin_host, open_shop):
    await check_provider_hook("galleria_price_adjusters", plugin_host, open_shop)


async def test_hook_review_rules(plugin_host, open_shop):
    await check_provider_hook("galleria_review_rules", plugin_host, open_shop)


async def test_a_caller_kept_by_the_kernel_does_not_reach_a_plugin_registered_later(
        plugin_host, open_shop):
    hook = "galleria_review_rules"
    first, late = plugin_name("kept"), plugin_name("late")
    shop = await new_shop(open_shop)
    with register_plugin(plugin_host, provider(hook, first), first):
        rules = plugin_host.hook_for([first]).galleria_review_rules  # kept, e.g. per shop
        assert [c.plugin for result in rules(shop=shop) for c in result] == [first]
        with register_plugin(plugin_host, provider(hook, late), late):
            assert [c.plugin for result in rules(shop=shop) for c in result] == [first]


# ---------------------------------------------------------------------------------------------
# Events: from the outbox, after commit, to the shop's enabled plugins, once
# ---------------------------------------------------------------------------------------------


async def check_event_delivery(topic: str, payload: dict[str, Any], plugin_host,
                               open_shop) -> None:
    """An event written in a shop's transaction reaches the plugins that shop enabled,
    exactly once however often the outbox runs, and nothing reaches the other shops'."""
    hook = "galleria_" + topic.replace(".", "_")
    name = plugin_name(topic.replace(".", "_"))
    enabling, other = await new_shop(open_shop), await new_shop(open_shop)
    with register_plugin(plugin_host, Listener(hook), name) as listener:
        await enable_plugin(enabling.id, plugin_host, name)
        for shop in (enabling, other):
            async with shop_scope(shop.id):
                await emit(shop.id, topic, payload)
            assert listener.received == []  # not inside the transaction
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)
    [event] = listener.received
    assert (event.tenant_id, event.topic, event.payload) == (enabling.id, topic, payload)
    [row] = await outbox_rows(enabling, topic)
    assert event.id == row["id"] and row["done_at"] is not None
    deliveries = await OutboxDelivery.select(OutboxDelivery.plugin).where(
        OutboxDelivery.event == row["id"])
    # (the kernel's own listeners, `kernel:*`, may receive it too)
    assert [d["plugin"] for d in deliveries if not d["plugin"].startswith("kernel:")] == [name]
    [other_row] = await outbox_rows(other, topic)
    assert other_row["done_at"] is not None  # finished, and nobody of ours was called


async def test_hook_shop_created(plugin_host, runtime, open_shop):
    """Real signup from a template that enables the plugin."""
    name, bystander = plugin_name("shop_created"), plugin_name("bystander")
    template = f"hooktest-{name.rsplit('_', 1)[1]}"
    runtime.templates[template] = ShopTemplate(title="Hook test", name=template,
                                               plugins=[name])
    try:
        with register_plugin(plugin_host, Listener("galleria_shop_created"), name) as listener, \
                register_plugin(plugin_host, Listener("galleria_shop_created"),
                                bystander) as not_enabled:
            handle = await open_shop(template=template)
            plain = await open_shop()  # the blank template enables neither
            await run_outbox(plugin_host)
            await run_outbox(plugin_host)
    finally:
        del runtime.templates[template]
    shop = await get_shop(handle.slug)
    [event] = listener.received
    assert event.tenant_id == shop.id
    assert {key: event.payload[key] for key in ("slug", "name", "template")} == {
        "slug": handle.slug, "name": shop.name, "template": template}
    assert isinstance(event.payload["owner_id"], int)
    assert not_enabled.received == []
    plain_shop = await get_shop(plain.slug)
    assert [row["done_at"] is not None for row in await outbox_rows(plain_shop, "shop.created")
            ] == [True]


async def test_hook_plugin_enabled(plugin_host, open_shop):
    """Real enabling through the admin API."""
    first, second = plugin_name("enabled_a"), plugin_name("enabled_b")
    handle = await open_shop()
    shop = await get_shop(handle.slug)
    with register_plugin(plugin_host, Listener("galleria_plugin_enabled"), first) as a, \
            register_plugin(plugin_host, Listener("galleria_plugin_enabled"), second) as b:
        assert (await handle.put(f"/api/admin/v1/plugins/{first}",
                                 json={"enabled": True})).status_code == 200
        # Saving an enabled plugin again is no new enabling.
        assert (await handle.put(f"/api/admin/v1/plugins/{first}",
                                 json={"enabled": True})).status_code == 200
        await run_outbox(plugin_host)
        assert [e.payload for e in a.of(shop)] == [{"plugin": first}]  # the new one included
        assert (await handle.put(f"/api/admin/v1/plugins/{second}",
                                 json={"enabled": True})).status_code == 200
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)
    assert [e.payload["plugin"] for e in a.of(shop)] == [first, second]
    assert [e.payload["plugin"] for e in b.of(shop)] == [second]


async def test_hook_stock_low(plugin_host, open_shop):
    """Real stock movements: one event when available stock falls to the safety stock."""
    name = plugin_name("stock_low")
    with register_plugin(plugin_host, Listener("galleria_stock_low"), name) as listener:
        shops = []
        for enable in (True, False):
            handle = await open_shop()
            created = await handle.post("/api/admin/v1/products", json={
                "name": "牛奶 250ml", "variants": [{"sku": "MILK-250", "price": 350,
                                                   "stock": 5}]})
            assert created.status_code == 201, created.text
            shop, variant = await get_shop(handle.slug), created.json()["variants"][0]["id"]
            if enable:
                await enable_plugin(shop.id, plugin_host, name)
            for quantity in (2, 1, 1):  # available 5 → 3 → 2 (crossing) → 1 (already low)
                async with shop_scope(shop.id):
                    if quantity == 2:
                        await set_safety_stock(shop.id, variant, 2)
                    await reserve(shop.id, variant, quantity, reference="test")
            shops.append((shop, variant))
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)
    (enabling, variant), (other, _) = shops
    assert [(e.tenant_id, e.payload) for e in listener.received] == [
        (enabling.id, {"variant_id": variant, "available": 2, "safety_stock": 2,
                       "location": "default"})]
    assert len(await outbox_rows(other, "stock.low")) == 1  # emitted there too, not for us


async def test_hook_customer_registered(plugin_host, open_shop):
    await check_event_delivery("customer.registered", {
        "customer_id": 41, "email": "li@example.com", "phone": ""}, plugin_host, open_shop)


async def test_hook_order_placed(plugin_host, open_shop):
    await check_event_delivery("order.placed", {
        "number": "P1001", "total": 12800, "currency": "CNY", "customer_id": 41,
        "payment_method": "cod"}, plugin_host, open_shop)


async def test_hook_order_paid(plugin_host, open_shop):
    await check_event_delivery("order.paid", {
        "number": "P1002", "amount": 12800, "currency": "CNY", "gateway": "alipay"},
        plugin_host, open_shop)


async def test_hook_order_shipped(plugin_host, open_shop):
    await check_event_delivery("order.shipped", {
        "number": "P1003", "carrier": "SF", "tracking_number": "SF1234567890"},
        plugin_host, open_shop)


async def test_hook_order_delivered(plugin_host, open_shop):
    await check_event_delivery("order.delivered", {"number": "P1004"}, plugin_host, open_shop)


async def test_hook_order_completed(plugin_host, open_shop):
    await check_event_delivery("order.completed", {"number": "P1005"}, plugin_host, open_shop)


async def test_hook_order_cancelled(plugin_host, open_shop):
    await check_event_delivery("order.cancelled", {"number": "P1006", "reason": "timeout"},
                               plugin_host, open_shop)


async def test_hook_order_refunded(plugin_host, open_shop):
    await check_event_delivery("order.refunded", {
        "number": "P1007", "amount": 500, "currency": "CNY", "full": False},
        plugin_host, open_shop)


async def test_an_event_rolled_back_with_its_change_is_never_delivered(plugin_host, open_shop):
    name = plugin_name("rolled_back")
    shop = await new_shop(open_shop)
    with register_plugin(plugin_host, Listener("galleria_order_paid"), name) as listener:
        await enable_plugin(shop.id, plugin_host, name)
        with pytest.raises(ZeroDivisionError):
            async with shop_scope(shop.id):
                await emit(shop.id, "order.paid", {"number": "R1", "amount": 1,
                                                   "currency": "CNY", "gateway": "cod"})
                1 / 0
        await run_outbox(plugin_host)
    assert listener.received == []
    assert await outbox_rows(shop, "order.paid") == []


async def test_a_raising_plugin_is_retried_later_and_the_others_get_the_event_once(
        plugin_host, open_shop):
    flaky_name, steady_name = plugin_name("flaky"), plugin_name("steady")
    shop = await new_shop(open_shop)
    payload = {"number": "F1", "amount": 100, "currency": "CNY", "gateway": "cod"}
    with register_plugin(plugin_host, Listener("galleria_order_paid", fail_times=1),
                         flaky_name) as flaky, \
            register_plugin(plugin_host, Listener("galleria_order_paid"),
                            steady_name) as steady:
        await enable_plugin(shop.id, plugin_host, flaky_name)
        await enable_plugin(shop.id, plugin_host, steady_name)
        async with shop_scope(shop.id):
            await emit(shop.id, "order.paid", payload)
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)  # not due again before its backoff
        [row] = await outbox_rows(shop, "order.paid")
        assert len(flaky.received) == 1 and len(steady.received) == 1
        assert row["done_at"] is None and row["attempts"] == 1
        assert flaky_name in row["last_error"] and steady_name not in row["last_error"]
        assert row["next_attempt_at"] > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)

        await OutboxEvent.update({OutboxEvent.next_attempt_at: row["created_at"]}).where(
            OutboxEvent.id == row["id"])  # the backoff has passed
        await run_outbox(plugin_host)
        await run_outbox(plugin_host)
    assert [e.payload for e in flaky.received] == [payload, payload]
    assert [e.payload for e in steady.received] == [payload]
    [row] = await outbox_rows(shop, "order.paid")
    assert row["done_at"] is not None


async def test_an_async_event_hook_is_awaited(plugin_host, open_shop):
    name = plugin_name("async")
    shop = await new_shop(open_shop)
    seen: list[str] = []

    class AsyncListener:
        @hookimpl
        async def galleria_order_delivered(self, event: Event) -> None:
            async with shop_scope(event.tenant_id):
                seen.append(f"{event.payload['number']}@{kernel_db.current_tenant()}")

    with register_plugin(plugin_host, AsyncListener, name):
        await enable_plugin(shop.id, plugin_host, name)
        async with shop_scope(shop.id):
            await emit(shop.id, "order.delivered", {"number": "D1"})
        await run_outbox(plugin_host)
    assert seen == [f"D1@{shop.id}"]


# ---------------------------------------------------------------------------------------------
# The host and the test kit
# ---------------------------------------------------------------------------------------------


class Misspelt:
    @hookimpl
    def galleria_order_payed(self, event: Event) -> None:  # sic: no such hook
        pass


def test_a_misspelt_hook_implementation_fails_the_check(plugin_host):
    name = plugin_name("misspelt")
    plugin_host.register(Misspelt(), name)
    try:
        with pytest.raises(pluggy.PluginValidationError, match="galleria_order_payed"):
            plugin_host.check()
    finally:
        plugin_host.unregister(name)
    plugin_host.check()
    with pytest.raises(pluggy.PluginValidationError), \
            register_plugin(plugin_host, Misspelt, name):
        pass
    assert not plugin_host.is_installed(name)


def test_register_plugin_unregisters_when_the_test_fails(plugin_host):
    name = plugin_name("cleanup")
    with pytest.raises(AssertionError), register_plugin(plugin_host, Described, name) as plugin:
        assert isinstance(plugin, Described)
        assert plugin_host.info(name).title == "Member points"
        raise AssertionError
    assert not plugin_host.is_installed(name)


def test_make_event_calls_a_hook_directly():
    listener = Listener("galleria_order_shipped")
    event = make_event("order.shipped", {"number": "S1"}, tenant_id=3)
    listener.galleria_order_shipped(event=event)
    assert listener.received == [event]
    assert event.hook_name == "galleria_order_shipped" and event.occurred_at.tzinfo


async def test_run_outbox_refuses_to_run_inside_a_shop_scope(plugin_host, open_shop):
    shop = await new_shop(open_shop)
    with pytest.raises(RuntimeError, match="commit first"):
        async with shop_scope(shop.id):
            await run_outbox(plugin_host)


def test_trace_switch_logs_every_hook_call_with_its_plugins_and_time(caplog):
    from galleria.kernel.plugins import PluginHost
    from galleria.settings import Settings

    settings = Settings.from_env({"GALLERIA_SECRET_KEY": "k" * 40,
                                  "GALLERIA_TRACE_PLUGINS": "1"})
    host = PluginHost(trace=settings.trace_plugins)  # as Runtime.build makes it
    with register_plugin(host, Described, "traced"), \
            caplog.at_level(logging.INFO, logger="galleria.plugins"):
        host.info("traced")
        host.collect("galleria_review_rules", ["traced"], shop=None)
    messages = [record.getMessage() for record in caplog.records
                if record.name == "galleria.plugins"]
    assert re.fullmatch(r"hook galleria_plugin_info plugins=\['traced'\] [\d.]+ms", messages[0])
    assert messages[1].startswith("hook galleria_review_rules plugins=[] ")
