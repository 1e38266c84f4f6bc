"""Galleria's pytest plugin (entry point `pytest11`: loaded by pytest wherever galleria is
installed). Fixtures for testing a plugin against the real platform:

- `settings` (session): `Settings` of a fresh database: SQLite in a temporary folder, or
  with `GALLERIA_TEST_DATABASE=postgres` a new PostgreSQL database, migrated as its owner
  and used as `galleria_app` (row-level security applies);
- `plugin_host` (session): the `PluginHost` with every installed plugin (entry points);
- `migrated` (session): `settings`, after `galleria migrate` (kernel and plugins);
- `app` (session): the ASGI app on that database, without an embedded worker;
- `client` (session): an `httpx.AsyncClient` through the app; opens the runtime;
- `runtime` (session): the app's `Runtime` (settings, host, database, Redis);
- `open_shop`: `await open_shop(template="blank", plugins=None)` → a `ShopHandle`;
- `shopper`: `shopper(shop)` → a `Shopper` of that shop (closed after the test);
- `console`: `await console(shop)` → a `Browser` with the owner signed in to the console.

Environment: `GALLERIA_TEST_DATABASE=sqlite|postgres`; for PostgreSQL
`GALLERIA_TEST_POSTGRES` (server URL of a superuser, default
`postgresql://postgres@127.0.0.1:5432`) and `GALLERIA_TEST_APP_ROLE` (default `galleria_app`);
`GALLERIA_TEST_REDIS=1` with `GALLERIA_TEST_REDIS_URL` for Redis. Async fixtures need
pytest-asyncio with session-scoped loops (`asyncio_default_fixture_loop_scope = "session"`,
`asyncio_default_test_loop_scope = "session"`); docs/plugins.md, "Testing plugins".
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from galleria.kernel.plugins import PluginHost
from galleria.settings import Settings
from galleria.testing.browsers import Browser, console_browser
from galleria.testing.database import drop_test_database, run_settings
from galleria.testing.shoppers import Shopper
from galleria.testing.shops import DOMAIN, ShopHandle, put_on_plan
from galleria.testing.shops import open_shop as open_shop_through

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - a project without async tests
    pytest_asyncio = None

def pytest_configure(config: pytest.Config) -> None:
    # The platform's own deprecation notices (Litestar 3's style) are not the plugin's.
    config.addinivalue_line("filterwarnings",
                            "ignore::litestar.exceptions.LitestarDeprecationWarning")


if pytest_asyncio is not None:

    @pytest.fixture(scope="session")
    def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
        return run_settings(tmp_path_factory.mktemp("var"))

    @pytest.fixture(scope="session")
    def plugin_host() -> PluginHost:
        host = PluginHost()
        host.load_entry_points()
        return host

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def migrated(settings: Settings, plugin_host: PluginHost) -> AsyncIterator[Settings]:
        from galleria.migrations import migrate

        await migrate(settings, plugin_host)
        yield settings
        drop_test_database(settings)

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def app(migrated: Settings, plugin_host: PluginHost) -> Any:
        from galleria.web.app import create_app

        app = create_app(migrated, host=plugin_host, embedded_worker=False)
        runtime = app.state.runtime
        if runtime.redis is not None:  # rate-limit counts of this run only, not earlier runs'
            from galleria.auth.ratelimit import RedisLimiter

            runtime.limiter = RedisLimiter(runtime.redis,
                                           namespace=f"galleria:test:{uuid.uuid4()}")
        return app

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
        """The runtime opens once per session in the tests' own event loop, so tests may use
        the database directly too. (Litestar's lifespan holds an anyio task group that pytest
        would leave from another task, so it is not used.)"""
        runtime = app.state.runtime
        await runtime.open()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url=f"http://{DOMAIN}") as client:
                yield client
        finally:
            await runtime.close()

    @pytest.fixture(scope="session")
    def runtime(app: Any, client: httpx.AsyncClient) -> Any:
        return app.state.runtime

    @pytest.fixture
    def open_shop(client: httpx.AsyncClient) -> Callable[..., Any]:
        """`await open_shop(template="blank", slug=None, plugins=None, plan=None)`: a new
        shop through the signup API, on the default plan's trial or on `plan` (as an
        operator's override puts it there); `plugins` (names, or `{name: settings}`) are
        enabled in it, as the plan allows."""

        async def _open(template: str | None = "blank", slug: str | None = None,
                        plugins: list[str] | dict[str, dict[str, Any]] | None = None,
                        plan: str | None = None) -> ShopHandle:
            shop = await open_shop_through(client, template, slug)
            if plan is not None:
                await put_on_plan(shop.slug, plan)
            wanted = plugins if isinstance(plugins, dict) else dict.fromkeys(plugins or [])
            for name, plugin_settings in wanted.items():
                await shop.enable(name, plugin_settings)
            return shop

        return _open

    @pytest_asyncio.fixture(loop_scope="session")
    async def shopper(app: Any) -> AsyncIterator[Callable[[ShopHandle], Shopper]]:
        made: list[Shopper] = []

        def _make(shop: ShopHandle) -> Shopper:
            made.append(Shopper(app, shop))
            return made[-1]

        yield _make
        for one in made:
            await one.close()

    @pytest_asyncio.fixture(loop_scope="session")
    async def console(app: Any) -> AsyncIterator[Callable[..., Any]]:
        opened: list[Browser] = []

        async def _sign_in(shop: ShopHandle, language: str = "zh-CN,zh;q=0.9") -> Browser:
            opened.append(await console_browser(app, shop, language))
            return opened[-1]

        yield _sign_in
        for browser in opened:
            await browser.close()
