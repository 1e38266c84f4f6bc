"""Sales channels (销售渠道): where an order came from.

Every order records one: `web` (the storefront), `mini_program`, `staff` (代客下单, taken in
the console), `import` (a file exported from another platform) or `api` (an integration
posting to `POST /api/admin/v1/orders`). Orders made elsewhere keep that platform's order
id, `external_id`, unique per shop and channel: an order arriving twice is found, not made
twice. After placing, a channel makes no difference: review, picking and shipping are the
same for every order.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel.errors import Conflict
from galleria.kernel.orders.tables import Order

WEB = "web"
MINI_PROGRAM = "mini_program"
STAFF = "staff"
IMPORT = "import"
API = "api"
CHANNELS: tuple[str, ...] = (WEB, MINI_PROGRAM, STAFF, IMPORT, API)
# Orders made elsewhere, which arrive with the other platform's order id.
EXTERNAL: tuple[str, ...] = (MINI_PROGRAM, IMPORT, API)
EXTERNAL_ID_MAX = 64


class AlreadyPlaced(Conflict):
    """An order with this channel and external id is in the shop already (`number`)."""

    code, title = "already_placed", "Order already placed"


async def find_external(tenant_id: int, channel: str, external_id: str) -> dict[str, Any] | None:
    """The order of `channel` whose other-platform id is `external_id`, if any."""
    return await Order.select(Order.id, Order.number, Order.status).where(
        (Order.tenant == tenant_id) & (Order.channel == channel)
        & (Order.external_id == external_id)).first()


__all__ = ["API", "CHANNELS", "EXTERNAL", "EXTERNAL_ID_MAX", "IMPORT", "MINI_PROGRAM", "STAFF",
           "WEB", "AlreadyPlaced", "find_external"]
