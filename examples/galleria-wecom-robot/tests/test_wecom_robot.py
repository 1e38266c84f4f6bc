"""The WeCom group robot plugin against the real platform and a simulator of the robot's
webhook, through galleria.testing only (public API)."""

import pytest
from galleria_wecom_robot.robot import RobotChannel
from galleria_wecom_robot.testing import RobotSimulator

from galleria.kernel import emit, shop_scope
from galleria.testing import (
    check_notification_channel,
    notification,
    run_outbox,
    serve_asgi,
)


@pytest.fixture
def robot():
    simulator = RobotSimulator()
    with serve_asgi(simulator.asgi()) as base_url:
        simulator.base_url = base_url
        yield simulator


async def _paid(shop, number: str, amount: int) -> None:
    async with shop_scope(shop.id):
        await emit(shop.id, "order.paid", {"number": number, "amount": amount,
                                            "currency": "CNY", "gateway": "test"})


@pytest.mark.parametrize("msgtype", ["markdown", "text"])
async def test_the_robot_keeps_the_notification_channel_contract(robot, msgtype):
    key = robot.add_group("店长群")
    channel = RobotChannel(key, msgtype, api_base=robot.base_url)
    sent = await check_notification_channel(
        channel, notification("group"), delivered=lambda: robot.messages[key],
        break_delivery=lambda: setattr(robot, "down", True))
    assert sent["msgtype"] == msgtype and "T0001" in sent[msgtype]["content"]


async def test_a_wrong_key_is_not_sent(robot):
    with pytest.raises(Exception, match="93000"):
        await RobotChannel("no-such-key", api_base=robot.base_url).send(notification("group"))


async def test_a_paid_order_is_announced_once_and_listed_in_the_console(
        robot, open_shop, plugin_host, console):
    key = robot.add_group("店长群")
    shop = await open_shop(plugins={"wecom_robot": {"webhook_key": key,
                                                    "api_base": robot.base_url}})
    await _paid(shop, "W0001", 2630)
    await run_outbox(plugin_host)
    await run_outbox(plugin_host)
    (message,) = robot.messages[key]
    assert message == {"msgtype": "markdown",
                       "markdown": {"content": "**新订单已付款 W0001**\n金额 ¥26.30"}}
    browser = await console(shop)
    page = await browser.get("/console/p/wecom_robot")
    assert page.status_code == 200 and "W0001" in page.text and "¥26.30" in page.text
    plugins = await browser.get("/console/plugins")
    assert "企业微信群机器人" in plugins.text


async def test_while_the_robot_refuses_the_order_waits_and_is_announced_later(
        robot, open_shop, plugin_host, console):
    key = robot.add_group("店长群")
    shop = await open_shop(plugins={"wecom_robot": {"webhook_key": key,
                                                    "api_base": robot.base_url}})
    robot.down = True
    await _paid(shop, "W0002", 100)
    await run_outbox(plugin_host)
    assert robot.messages[key] == []
    page = await (await console(shop)).get("/console/p/wecom_robot")
    assert "W0002" not in page.text
