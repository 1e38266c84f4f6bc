"""The SMS channel (Alibaba Cloud SMS) against the local dysmsapi simulator over real HTTP:
signed as Aliyun signs RPC requests, refused as Aliyun refuses, retried by the kernel."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest
from sms_helpers import KEY_ID, SECRET, SIGN, simulator_fixture  # noqa: F401 - the fixture
from sms_helpers import sms_settings as _settings

from galleria.kernel import NotificationMessage
from galleria.testing import check_notification_channel, notification
from galleria_plugins.notify_sms import aliyun
from galleria_plugins.notify_sms.channel import SmsNotConfigured


def test_the_signature_is_aliyuns_rpc_signature_v1():
    # Aliyun's documented canonicalisation: RFC 3986 escapes (%20 for a space, %2A for *,
    # ~ kept), parameters sorted, the whole query escaped again after "GET&%2F&".
    assert aliyun.percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"
    params = {"B": "2", "A": "x y", "Signature": "dropped"}
    assert aliyun.canonical_query(params) == "A=x%20y&B=2"
    assert aliyun.string_to_sign("GET", params) == "GET&%2F&A%3Dx%2520y%26B%3D2"
    # The value from Aliyun's signature documentation (AccessKey secret "testsecret"):
    documented = {
        "Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid",
        "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
        "SignatureVersion": "1.0"}
    assert aliyun.sign("GET", documented, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_phone_numbers_become_mainland_mobiles_or_are_refused():
    for given in ("13800138000", "+86 138-0013-8000", "8613800138000", "0086 13800138000"):
        assert aliyun.mainland_mobile(given) == "13800138000"
    for bad in ("", "12800138000", "1380013800", "+1 415 555 0100", "010-12345678"):
        with pytest.raises(ValueError):
            aliyun.mainland_mobile(bad)


async def test_the_channel_keeps_the_notification_channel_contract(open_shop, plugin_host,
                                                                   simulator):
    shop = await (await open_shop(plugins={"notify_sms": _settings(simulator)})).shop()
    (channel,) = plugin_host.collect("galleria_notification_channels", ["notify_sms"],
                                     shop=shop)
    assert channel.kind == "sms"

    def down():
        simulator.down = True

    sent = await check_notification_channel(
        channel, notification("+86 139 0000 1111"), delivered=lambda: simulator.sent,
        break_delivery=down)
    assert sent.phone == "13900001111" and sent.template_code == "SMS_2"
    assert sent.params == {"number": "T0001", "status": "已付款"}
    assert sent.text == "【茶小铺】您的订单T0001已付款。"


async def test_a_code_goes_out_as_the_code_template_and_refusals_raise(open_shop, plugin_host,
                                                                       simulator):
    handle = await open_shop(plugins={"notify_sms": _settings(simulator)})
    (channel,) = plugin_host.collect("galleria_notification_channels", ["notify_sms"],
                                     shop=await handle.shop())
    code = NotificationMessage(recipient="13800138000", subject="验证码", text="验证码 123456",
                               topic="customer.verification_requested",
                               params={"code": "123456", "minutes": "10"})
    await channel.send(code)
    [sms] = simulator.to("13800138000")
    assert sms.template_code == "SMS_1" and sms.params == {"code": "123456"}
    assert "您的验证码为123456" in sms.text
    # Aliyun allows one code a minute to a number: the second is refused, and raises.
    with pytest.raises(aliyun.SmsRefused, match="BUSINESS_LIMIT_CONTROL"):
        await channel.send(code)
    with pytest.raises(ValueError, match="mainland"):
        await channel.send(notification("+1 415 555 0100"))
    # A password-reset message with no template set: nothing is sent, the send raises.
    with pytest.raises(SmsNotConfigured, match="template_password_reset"):
        await channel.send(notification("13800138000",
                                        topic="customer.password_reset_requested"))
    assert len(simulator.sent) == 1


async def test_the_simulator_refuses_what_aliyun_refuses(simulator):
    async def call(params: dict[str, str], secret: str = SECRET, sign: bool = True):
        params = dict(params)
        if sign:
            params["Signature"] = aliyun.sign("GET", params, secret)
        async with httpx.AsyncClient() as client:
            answer = await client.get(simulator.url + "/", params=params)
        return answer.status_code, answer.json()["Code"]

    def base(**changes):
        return {**aliyun.send_sms_params(access_key_id=KEY_ID, phone="13800138000",
                                         sign_name=SIGN, template_code="SMS_2",
                                         template_param={"number": "A1", "status": "已发货"}),
                **changes}

    assert await call(base(), secret="wrong") == (400, "SignatureDoesNotMatch")
    assert await call(base(AccessKeyId="LTAIother")) == (404, "InvalidAccessKeyId.NotFound")
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert await call(base(Timestamp=stale)) == (400, "InvalidTimeStamp.Expired")
    assert await call(base(SignName="别人家")) == (200, "isv.SMS_SIGNATURE_ILLEGAL")
    assert await call(base(TemplateCode="SMS_9")) == (200, "isv.SMS_TEMPLATE_ILLEGAL")
    assert await call(base(PhoneNumbers="+14155550100")) == (200, "isv.MOBILE_NUMBER_ILLEGAL")
    assert await call(base(TemplateParam='{"number":"A1"}')) == (
        200, "isv.TEMPLATE_MISSING_PARAMETERS")
    assert await call(base(TemplateParam="{not json")) == (200, "isv.INVALID_JSON_PARAM")
    assert simulator.sent == []
    once = base()
    assert await call(once) == (200, "OK")
    assert await call(once) == (400, "SignatureNonceUsed")  # a replay
    assert [s.params for s in simulator.sent] == [{"number": "A1", "status": "已发货"}]


async def test_a_request_on_the_wire_is_signed_with_every_common_parameter(simulator):
    await aliyun.send_sms(simulator.url, KEY_ID, SECRET, phone="13800138000", sign_name=SIGN,
                          template_code="SMS_1", template_param={"code": "042042"})
    [query] = simulator.queries
    assert {k: query[k] for k in ("Action", "Version", "Format", "SignatureMethod",
                                  "SignatureVersion", "RegionId")} == {
        "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "RegionId": "cn-hangzhou"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", query["Timestamp"])
    assert json.loads(query["TemplateParam"]) == {"code": "042042"}
    assert query["Signature"] == aliyun.sign("GET", query, SECRET)


async def test_sandbox_mode_serves_the_simulator_and_its_inbox(plugin_host, runtime):
    import dataclasses

    from galleria.web.app import create_app
    from galleria_plugins.notify_sms.sandbox import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SIGN_NAME

    sandboxed = create_app(dataclasses.replace(runtime.settings, sandbox=True),
                           host=plugin_host, embedded_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandboxed),
                                 base_url="http://localhost") as http:
        params = aliyun.send_sms_params(
            access_key_id=ACCESS_KEY_ID, phone="13800138000", sign_name=SIGN_NAME,
            template_code="SMS_100000001", template_param={"code": "314159"})
        params["Signature"] = aliyun.sign("GET", params, ACCESS_KEY_SECRET)
        sent = await http.get("/sandbox/sms/", params=params)
        assert sent.status_code == 200 and sent.json()["Code"] == "OK", sent.text
        inbox = await http.get("/sandbox/sms/inbox")
    assert inbox.status_code == 200
    assert "13800138000" in inbox.text and "您的验证码为314159" in inbox.text
