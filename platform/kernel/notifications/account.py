"""Account messages to shoppers: verification codes and password-reset links.

They carry a secret, so unlike order messages they are sent straight to the channel by the
listener (after commit, from the outbox; a failing channel raises and the row is retried)
and never written to the notification log. A code is made only here, just before it is
sent: nowhere else does it exist in clear.
"""

from __future__ import annotations

import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.customers import sms_sign_in, tokens, verification
from galleria.kernel.customers.recovery import RESET_TOPIC
from galleria.kernel.events import Event, Listener
from galleria.kernel.notifications.contracts import SHOPPER, NotificationChannel
from galleria.kernel.notifications.render import render_message
from galleria.kernel.notifications.service import shop_channels
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id

log = logging.getLogger("galleria.notifications")
KIND_OF = {"email": "email", "phone": "sms"}  # a customer's address → the channel kind


async def channel_for(host: PluginHost, shop: Shop, kind: str) -> NotificationChannel | None:
    """The shop's first channel of `kind` (`email`, `sms`), or None."""
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
    return next((c for c in shop_channels(host, shop, enabled).values() if c.kind == kind),
                None)


async def _send(shop: Shop, channel: NotificationChannel, name: str, recipient: str,
                values: dict[str, Any], topic: str) -> None:
    message = render_message(name, SHOPPER, shop.locale, {"shop_name": shop.name, **values},
                             recipient=recipient, topic=topic, html=channel.kind == "email")
    await channel.send(message)


async def send_verification_code(event: Event, host: PluginHost) -> None:
    """Listener of customer.verification_requested."""
    shop = await get_shop_by_id(event.tenant_id)
    address = str(event.payload.get("channel", ""))
    channel = await channel_for(host, shop, KIND_OF.get(address, ""))
    if channel is None:
        log.warning("shop %s cannot send a code by %s: no such channel", shop.id, address)
        return
    code, target = await verification.issue_code(shop.id, event.payload["customer_id"],
                                                 address)
    if target:
        minutes = int(verification.CODE_TTL.total_seconds() // 60)
        await _send(shop, channel, "verify_code", target, {"code": code, "minutes": minutes},
                    event.topic)


async def send_sign_in_code(event: Event, host: PluginHost) -> None:
    """Listener of customer.sms_sign_in_requested: the code by SMS, unless the number has
    no account and the shop lets nobody sign up (then nothing is sent, quietly: the
    shopper's answer was the same either way)."""
    shop = await get_shop_by_id(event.tenant_id)
    channel = await channel_for(host, shop, "sms")
    if channel is None:
        log.warning("shop %s cannot send a sign-in code: no SMS channel", shop.id)
        return
    code_id = event.payload.get("code_id")
    if type(code_id) is not int:
        return
    issued = await sms_sign_in.issue_code(shop.id, code_id)
    if issued is None:
        return
    code, phone = issued
    if not sms_sign_in.signup_open(shop.settings) \
            and await sms_sign_in.account_for(shop.id, phone) is None:
        return
    minutes = int(sms_sign_in.CODE_TTL.total_seconds() // 60)
    await _send(shop, channel, "sign_in_code", phone, {"code": code, "minutes": minutes},
                event.topic)


async def send_password_reset(event: Event, host: PluginHost) -> None:
    """Listener of customer.password_reset_requested: the link by email, else by SMS."""
    shop = await get_shop_by_id(event.tenant_id)
    payload = event.payload
    origin = str(payload.get("origin") or "").rstrip("/")
    link = f"{origin}/account/reset?token={payload['token']}"
    minutes = int(tokens.RESET_TTL.total_seconds() // 60)
    for kind, recipient in (("email", payload.get("email")), ("sms", payload.get("phone"))):
        channel = await channel_for(host, shop, kind) if recipient else None
        if channel is not None:
            await _send(shop, channel, "password_reset", str(recipient),
                        {"link": link, "minutes": minutes}, event.topic)
            return
    log.warning("shop %s cannot send a reset link to customer %s: no channel reaches them",
                shop.id, payload.get("customer_id"))


LISTENERS = [
    Listener("verification_code", verification.REQUESTED, send_verification_code),
    Listener("password_reset", RESET_TOPIC, send_password_reset),
    Listener("sms_sign_in_code", sms_sign_in.REQUESTED, send_sign_in_code),
]

__all__ = ["LISTENERS", "channel_for", "send_password_reset", "send_sign_in_code",
           "send_verification_code"]
