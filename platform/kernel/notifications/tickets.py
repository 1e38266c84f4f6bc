"""Customer-service messages to shoppers: the shop answered their ticket.

`ticket_answered` (listener of `ticket.answered`, registered in galleria.kernel.reactions)
sends the shopper the answer through every channel of the shop that reaches them — email,
and SMS when an SMS plugin is enabled — with a link to the thread: for a ticket about an
order, its page on the storefront opened by the order's link key (`orders.links`), so a
guest who never signed in can read and reply. Addresses come from the ticket's contact,
else the signed-in customer's account, else the order's contact. Logged like order
messages (topic `ticket.answered`) and sent one job per channel.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.customers.tables import Customer
from galleria.kernel.errors import NotFound
from galleria.kernel.events import Event
from galleria.kernel.notifications.contracts import SHOPPER
from galleria.kernel.notifications.render import render_message
from galleria.kernel.notifications.service import _json, _log_and_schedule, shop_channels
from galleria.kernel.orders.links import order_link, shop_origin
from galleria.kernel.orders.service import get_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import get_shop_by_id

log = logging.getLogger("galleria.notifications")
TOPIC = "ticket.answered"


async def _addresses(tenant_id: int, ticket: dict[str, Any]) -> dict[str, str]:
    """{"email", "sms", "name"}: the first of the ticket's contact, the customer's account
    and the order's contact that has each."""
    sources = [_json(ticket["contact"]) or {}]
    if ticket["customer"] is not None:
        account = await Customer.select(Customer.email, Customer.phone, Customer.name).where(
            (Customer.tenant == tenant_id) & (Customer.id == ticket["customer"])).first()
        sources.append(account or {})
    if ticket["order_number"]:
        with contextlib.suppress(NotFound):
            sources.append(_json((await get_order(tenant_id, ticket["order_number"]))
                                 ["contact"]) or {})

    def first(key: str) -> str:
        return next((str(s[key]) for s in sources if s.get(key)), "")
    return {"email": first("email"), "sms": first("phone"), "name": first("name")}


async def ticket_answered(event: Event, host: PluginHost) -> None:
    """Listener of ticket.answered: the staff's answer to the shopper, once per channel."""
    ticket_id = event.payload.get("ticket_id")
    if event.tenant_id is None or type(ticket_id) is not int:
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        try:
            ticket = await tickets.get_ticket(shop.id, ticket_id)
        except NotFound:
            return
        answers = [m for m in await tickets.messages_of(shop.id, ticket_id)
                   if m["author"] == tickets.STAFF]
        if not answers:
            return
        channels = shop_channels(host, shop, await enabled_plugins(shop.id))
        addresses = await _addresses(shop.id, ticket)
        origin = str(event.payload.get("origin") or "") or shop_origin(shop.slug,
                                                                        shop.settings)
        number = ticket["order_number"] or ""
        link = (order_link(origin, shop.id, number, f"/tickets/{ticket_id}") if number
                else f"{origin.rstrip('/')}/help")
        values = {"shop_name": shop.name, "name": addresses["name"], "number": number,
                  "ticket_id": ticket_id, "subject": ticket["subject"],
                  "reply": answers[-1]["body"][:500], "link": link}
        queued = 0
        for key, channel in channels.items():
            recipient = addresses.get(channel.kind, "")
            if not recipient:
                continue
            message = render_message("ticket_answered", SHOPPER, shop.locale, values,
                                     recipient=recipient, topic=TOPIC,
                                     html=channel.kind == "email")
            await _log_and_schedule(shop.id, key, message)
            queued += 1
        if not queued:
            log.info("shop %s: no channel reaches the shopper of ticket %s", shop.id,
                     ticket_id)


__all__ = ["TOPIC", "ticket_answered"]
