"""WeChat Pay plugin tests: the simulator served on a real local port, shops wired to it.

The adapter calls the simulator over real TCP (uvicorn serving it inside the tests' event
loop, so no thread has to share the database pool). The simulator sends its notifications
through an httpx ASGI transport into the session's Galleria app: the same HTTP request a
socket would carry, reaching `/callbacks/payments_wechat/wechat` on the shop's host, without
a second server process whose database the tests could not see.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from galleria.kernel import Shop
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin
from galleria_plugins.payments_wechat import signing
from galleria_plugins.payments_wechat.gateway import WeChatPayGateway
from galleria_plugins.payments_wechat.testing.simulator import WeChatPaySimulator

PLUGIN = "payments_wechat"
APIV3_KEY = "0123456789abcdefGHIJKLMNOPQRSTuv"  # 32 bytes
_mchids = itertools.count(1900000001)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests after the async ones, as tests/e2e/conftest.py explains (Playwright's
    sync API keeps an event loop running in the main thread)."""
    def uses_a_browser(item: pytest.Item) -> bool:
        names = getattr(item, "fixturenames", ())
        return item.get_closest_marker("e2e") is not None or "page" in names or \
            "browser" in names

    items.sort(key=uses_a_browser)  # the same order as tests/e2e/conftest.py's


@pytest.fixture(scope="session")
def merchant_key():
    return signing.new_key()


@pytest.fixture(scope="session")
def platform_key():
    return signing.new_key()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C stays pytest's, for the whole session this server lives


@pytest.fixture(scope="session")
async def simulator(app, client, platform_key) -> AsyncIterator[WeChatPaySimulator]:
    sender = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    sim = WeChatPaySimulator(platform_key=platform_key, sender=sender,
                             retry_delays=(0.05, 0.1, 0.2), refund_delay=0.05)
    server = _Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="warning",
                                    lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    sim.public_url = f"http://127.0.0.1:{port}"
    try:
        yield sim
    finally:
        await sim.stop()
        server.should_exit = True
        await task
        await sender.aclose()


@dataclass
class WeChatShop:
    """A shop with payments_wechat enabled against the simulator."""

    handle: Any  # tests/conftest.py ShopHandle
    shop: Shop
    mchid: str
    appid: str
    settings: dict[str, Any]

    @property
    def gateway(self) -> WeChatPayGateway:
        return WeChatPayGateway(self.shop)


def merchant_settings(sim: WeChatPaySimulator, merchant_key, mchid: str,
                      appid: str) -> dict[str, Any]:
    return {
        "appid": appid, "mchid": mchid, "merchant_serial_no": f"5157F09EFDC096DE{mchid}",
        "merchant_private_key": signing.private_pem(merchant_key), "apiv3_key": APIV3_KEY,
        "wechatpay_public_key_id": sim.public_key_id,
        "wechatpay_public_key": sim.public_key_pem, "api_base_url": sim.public_url,
    }


@pytest.fixture
def wechat_shop(open_shop, runtime, simulator, merchant_key):
    """`await wechat_shop()` → a WeChatShop; `register=False` leaves the merchant unknown
    to the simulator."""

    async def make(register: bool = True, **overrides: Any) -> WeChatShop:
        handle = await open_shop()
        shop = await get_shop(handle.slug)
        mchid, appid = str(next(_mchids)), f"wx{handle.slug.replace('-', '')[:16]}"
        settings = merchant_settings(simulator, merchant_key, mchid, appid) | overrides
        if register:
            simulator.add_merchant(mchid, [appid], settings["merchant_serial_no"],
                                   merchant_key.public_key(), APIV3_KEY)
        await enable_plugin(shop.id, runtime.host, PLUGIN, settings=settings)
        return WeChatShop(handle, shop, mchid, appid, settings)

    return make
