"""The email channel: one message per SMTP session, sent with the standard library's
smtplib in a worker thread (no extra dependency; a notification is one short session).

Settings are the shop's (host, port, username, password, from address, STARTTLS); a shop
that leaves the host empty uses the platform's `GALLERIA_SMTP_*` environment variables.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from galleria.kernel import NotificationChannel, NotificationMessage, plugin_settings, shop_scope

PLUGIN = "notify_email"
TIMEOUT_SECONDS = 20


class EmailNotConfigured(RuntimeError):
    """Neither the shop nor the platform names an SMTP server and a from address."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    from_address: str = ""
    starttls: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpConfig | None:
        """The platform's server: GALLERIA_SMTP_HOST, _PORT (587), _USERNAME, _PASSWORD,
        _FROM, _STARTTLS (1/0, default 1)."""
        host = (env.get("GALLERIA_SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(host=host, port=int(env.get("GALLERIA_SMTP_PORT") or 587),
                   username=env.get("GALLERIA_SMTP_USERNAME", ""),
                   password=env.get("GALLERIA_SMTP_PASSWORD", ""),
                   from_address=env.get("GALLERIA_SMTP_FROM", ""),
                   starttls=(env.get("GALLERIA_SMTP_STARTTLS") or "1").strip().lower()
                   in ("1", "true", "yes", "on"))

    @classmethod
    def for_shop(cls, settings: Mapping[str, Any],
                 env: Mapping[str, str]) -> SmtpConfig:
        """The shop's server if it set a host, else the platform's; the shop's from address
        wins either way. Raises EmailNotConfigured when there is no server or sender."""
        host = str(settings.get("host") or "").strip()
        platform = cls.from_env(env)
        if host:
            config = cls(host=host, port=int(settings.get("port") or 587),
                         username=str(settings.get("username") or ""),
                         password=str(settings.get("password") or ""),
                         from_address=str(settings.get("from_address") or ""),
                         starttls=bool(settings.get("starttls", True)))
        elif platform is not None:
            config = platform
        else:
            raise EmailNotConfigured("no SMTP server: set one in the plugin's settings or "
                                     "GALLERIA_SMTP_HOST for the platform")
        from_address = str(settings.get("from_address") or "") or config.from_address
        if not from_address:
            raise EmailNotConfigured("no from address: set one in the plugin's settings or "
                                     "GALLERIA_SMTP_FROM")
        return cls(config.host, config.port, config.username, config.password, from_address,
                   config.starttls)


def build_email(message: NotificationMessage, from_address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((message.shop_name, from_address)) if message.shop_name \
        else from_address
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Content-Language"] = message.locale.replace("_", "-")
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def send_now(config: SmtpConfig, email: EmailMessage) -> None:
    """One SMTP session (blocking): STARTTLS and login when configured, then the message."""
    with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password)
        smtp.send_message(email)


class EmailChannel(NotificationChannel):
    """The shop's email channel; reads the shop's settings when it sends."""

    kind = "email"

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id

    async def send(self, message: NotificationMessage) -> None:
        async with shop_scope(self.tenant_id):
            settings = await plugin_settings(self.tenant_id, PLUGIN)
        config = SmtpConfig.for_shop(settings, os.environ)
        email = build_email(message, config.from_address)
        await asyncio.to_thread(send_now, config, email)
