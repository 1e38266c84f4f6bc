"""The e-mail channel passes the notification channel contract suite of galleria.testing,
against a real local SMTP server (aiosmtpd)."""

import socket

import pytest
from aiosmtpd.controller import Controller

from galleria.testing import check_notification_channel, notification


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    running = [True]

    def stop() -> None:  # the contract stops it to see a failed delivery; teardown too
        if running.pop() if running else False:
            controller.stop()

    yield inbox, controller, stop
    stop()


async def test_the_email_channel_keeps_the_notification_channel_contract(
        open_shop, plugin_host, smtp):
    inbox, server, stop = smtp
    shop = await (await open_shop(plugins={"notify_email": {
        "host": "127.0.0.1", "port": server.port, "from_address": "orders@tea.example",
        "starttls": False}})).shop()
    (channel,) = plugin_host.collect("galleria_notification_channels", ["notify_email"],
                                     shop=shop)
    delivered = await check_notification_channel(
        channel, notification("lilei@example.com"), delivered=lambda: inbox.envelopes,
        break_delivery=stop)
    assert delivered.rcpt_tos == ["lilei@example.com"]
