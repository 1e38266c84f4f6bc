"""The notification contract: messages, and the channels plugins contribute to send them.

A plugin's `galleria_notification_channels(shop)` returns `NotificationChannel`
subclasses' instances. The kernel builds
one `NotificationMessage` per recipient and channel (an email address for channels of kind
"email", a phone number for "sms") and sends each through the outbox: a job per (message,
channel), so a channel that fails is retried with backoff and the others are not resent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

SHOPPER, MERCHANT = "shopper", "merchant"


@dataclass(frozen=True)
class NotificationMessage:
    """One message to one recipient.

    `recipient` is what the channel's kind addresses (an email address, a phone number);
    `text` is the plain-text body, `html` an optional HTML alternative (for email);
    `locale` the language it is written in (zh_CN or en); `topic` what it is about
    (`order.paid`, …, `order.follow_up`); `audience` shopper or merchant; `reply_to` where
    answers should go (the merchant's address, for messages to shoppers); `params` the
    message's values as short strings (`code`, `minutes`, `number`, …) for channels that
    send provider-approved templates instead of free text (SMS in China).
    """

    recipient: str
    subject: str
    text: str
    html: str | None = None
    locale: str = "zh_CN"
    topic: str = ""
    order_number: str = ""
    audience: str = SHOPPER
    shop_name: str = ""
    reply_to: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NotificationMessage:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class NotificationChannel:
    """A way to reach people: the base class of every channel. `kind` says which address
    it takes ("email", "sms"; the kernel addresses no other kind yet) and `send` delivers
    one message or raises — any exception means "not sent", and the kernel retries later
    with backoff. `send` may be called again for a message after a failure, never after a
    success."""

    kind: str = ""

    async def send(self, message: NotificationMessage) -> None:
        """Deliver `message`. Required."""
        raise NotImplementedError(f"{type(self).__name__} must implement send")


__all__ = ["MERCHANT", "SHOPPER", "NotificationChannel", "NotificationMessage"]
