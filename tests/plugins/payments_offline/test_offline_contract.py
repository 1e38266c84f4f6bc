"""Bank transfer keeps the payment gateway contract (galleria.testing.check_payment_gateway):
the "provider" is the merchant, who confirms the transfer in the console (mark-paid); an
offline payment has nothing to close and refunds at once."""

from dataclasses import dataclass, field
from typing import Any

from galleria.testing import ShopHandle, check_payment_gateway


@dataclass
class MerchantConfirms:
    shop: ShopHandle
    settings: dict[str, Any] = field(default_factory=lambda: {"bank_transfer": True})
    plugin: str = "payments_offline"
    method: str = "bank_transfer"

    async def pay(self, payment: dict[str, Any]) -> None:
        number = payment["action"]["reference"]
        confirmed = await self.shop.post(f"/api/admin/v1/orders/{number}/mark-paid",
                                         json={"note": "transfer arrived"})
        assert confirmed.status_code == 200, confirmed.text

    async def settle_refunds(self) -> None:
        return None  # the merchant pays refunds back by hand; recorded at once

    async def is_closed(self, payment: dict[str, Any]) -> bool:
        return True  # no provider holds an offline payment open


async def test_bank_transfer_keeps_the_payment_gateway_contract(open_shop, runtime, client):
    shop = await open_shop()
    await check_payment_gateway(client, shop.host, shop.token, runtime.host,
                                MerchantConfirms(shop))
