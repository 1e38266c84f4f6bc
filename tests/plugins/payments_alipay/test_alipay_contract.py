"""The kernel's payment gateway contract (galleria.testing.check_payment_gateway) with the
Alipay plugin and its simulator: pay by page pay (the desktop default), refund in part then
in full, close on cancel."""

# ruff: noqa: F811 - pytest fixtures are imported from alipay_helpers and requested by name
from __future__ import annotations

import uuid
from typing import Any

from alipay_helpers import Served, alipay, app_key, settings_for  # noqa: F401 - fixtures

from galleria.testing import check_payment_gateway


class AlipayDriver:
    """Makes the simulated Alipay act like a shopper (opening the page pay URL and pressing
    pay) and like Alipay (notifying the shop, over HTTP)."""

    plugin, method = "payments_alipay", "alipay"

    def __init__(self, alipay: Served, app_key) -> None:
        self.alipay = alipay
        self.app_id = f"2021{uuid.uuid4().int % 10**12:012d}"
        seller_id = f"2088{uuid.uuid4().int % 10**12:012d}"
        alipay.simulator.add_merchant(self.app_id, app_key.public_key(), seller_id)
        self.settings = settings_for(self.app_id, seller_id, app_key, alipay.simulator,
                                     alipay.url)

    async def pay(self, payment: dict[str, Any]) -> None:
        assert payment["action"]["type"] == "redirect"  # page pay, Alipay's desktop way
        async with self.alipay.client() as browser:
            opened = await browser.get(payment["action"]["url"])
            assert opened.status_code == 302, opened.text
            paid = await browser.post(opened.headers["location"] + "/pay")
            assert paid.status_code == 303, paid.text

    async def settle_refunds(self) -> None:
        await self.alipay.simulator.settle()  # Alipay refunds at once; notifications follow

    async def is_closed(self, payment: dict[str, Any]) -> bool:
        """A page pay trade nobody opened does not exist at Alipay: nothing holds it open
        (and its signed URL expires with the order's payment deadline)."""
        trade = self.alipay.simulator.book.trades.get((self.app_id, payment["payment_id"]))
        return trade is None or trade.status == "TRADE_CLOSED"


async def test_alipay_passes_the_gateway_contract(client, open_shop, runtime, alipay, app_key):
    shop = await open_shop()
    await check_payment_gateway(client, shop.host, shop.token, runtime.host,
                                AlipayDriver(alipay, app_key))

