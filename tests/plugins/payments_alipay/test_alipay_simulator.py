"""The simulated Alipay refuses what the real gateway refuses — checked with our client and
with the independent `python-alipay-sdk` talking to it over HTTP."""

# ruff: noqa: F811 - pytest fixtures are imported from alipay_helpers and requested by name
from __future__ import annotations

import asyncio
import datetime as dt

import alipay as alipay_sdk
import pytest
from alipay import AliPay
from alipay_helpers import alipay, app_key, new_key, private_pem  # noqa: F401 - fixtures

from galleria.kernel import GatewayError
from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.client import AlipayClient, AlipayError, Credentials

SELLER = "2088000000000077"


@pytest.fixture
def merchant(alipay, app_key):
    app_id = f"2021{id(object()) % 10**12:012d}"
    alipay.simulator.add_merchant(app_id, app_key.public_key(), SELLER)
    return app_id


def client(alipay, app_id, key, *, now=None) -> AlipayClient:
    credentials = Credentials(app_id, key, alipay.simulator.alipay_private_key.public_key(),
                              SELLER, alipay.url)
    return AlipayClient(credentials, now=now)


def precreate(out_trade_no: str, amount: str = "56.00") -> dict:
    return {"out_trade_no": out_trade_no, "total_amount": amount, "subject": "龙井"}


async def test_a_request_signed_with_another_key_is_refused(alipay, merchant):
    with pytest.raises(AlipayError) as refused:
        await client(alipay, merchant, new_key()).call("alipay.trade.precreate",
                                                       precreate("S1_01"))
    assert refused.value.sub_code == "isv.invalid-signature"
    assert alipay.simulator.book.trades.get((merchant, "S1_01")) is None


async def test_a_stale_timestamp_is_refused(alipay, merchant, app_key):
    an_hour_ago = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # noqa: E731
    with pytest.raises(AlipayError) as refused:
        await client(alipay, merchant, app_key, now=an_hour_ago).call(
            "alipay.trade.precreate", precreate("S2_01"))
    assert refused.value.sub_code == "isv.invalid-timestamp"


async def test_an_unknown_app_is_refused(alipay, app_key):
    with pytest.raises(AlipayError) as refused:
        await client(alipay, "2021000000000000", app_key).call("alipay.trade.query",
                                                               {"out_trade_no": "S3_01"})
    assert refused.value.sub_code == "isv.invalid-app-id"


async def test_trade_rules(alipay, merchant, app_key):
    alipay_client = client(alipay, merchant, app_key)
    first = await alipay_client.call("alipay.trade.precreate", precreate("S4_01"))
    same = await alipay_client.call("alipay.trade.precreate", precreate("S4_01"))
    assert first["qr_code"] == same["qr_code"]  # asking again shows the same code
    with pytest.raises(AlipayError) as refused:  # same out_trade_no, another amount
        await alipay_client.call("alipay.trade.precreate", precreate("S4_01", "0.01"))
    assert refused.value.sub_code == "ACQ.CONTEXT_INCONSISTENT"
    with pytest.raises(AlipayError) as refused:
        await alipay_client.call("alipay.trade.query", {"out_trade_no": "S4_99"})
    assert refused.value.sub_code == "ACQ.TRADE_NOT_EXIST"
    with pytest.raises(AlipayError) as refused:  # nothing paid, nothing to refund
        await alipay_client.call("alipay.trade.refund", {
            "out_trade_no": "S4_01", "refund_amount": "1.00", "out_request_no": "S4_01_R1"})
    assert refused.value.sub_code == "ACQ.TRADE_STATUS_ERROR"
    for bad in ("0.00", "1.001", "-1", "100000000.01"):
        with pytest.raises(AlipayError) as refused:
            await alipay_client.call("alipay.trade.precreate", precreate("S4_02", bad))
        assert refused.value.sub_code == "ACQ.INVALID_PARAMETER"


async def test_refunds_beyond_the_payment_and_changed_repeats_are_refused(alipay, merchant,
                                                                          app_key):
    alipay_client = client(alipay, merchant, app_key)
    await alipay_client.call("alipay.trade.precreate", precreate("S5_01"))
    trade = alipay.simulator.trade(merchant, "S5_01")
    alipay.simulator.book.pay(trade, alipay.simulator.now())

    def refund(amount, number):
        return alipay_client.call("alipay.trade.refund", {
            "out_trade_no": "S5_01", "refund_amount": amount, "out_request_no": number})

    assert (await refund("50.00", "S5_01_R1"))["fund_change"] == "Y"
    assert (await refund("50.00", "S5_01_R1"))["fund_change"] == "N"  # idempotent
    with pytest.raises(AlipayError) as refused:
        await refund("10.00", "S5_01_R1")
    assert refused.value.sub_code == "ACQ.REASON_TRADE_REFUND_FEE_ERR"
    with pytest.raises(AlipayError) as refused:
        await refund("6.01", "S5_01_R2")
    assert refused.value.sub_code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert trade.refunded == 5000 and trade.status == "TRADE_SUCCESS"
    assert (await refund("6.00", "S5_01_R2"))["refund_fee"] == "56.00"
    assert trade.status == "TRADE_CLOSED"


class _BeijingClock(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return dt.datetime.now(signing.BEIJING).replace(tzinfo=None)


async def test_the_independent_sdk_talks_to_the_simulator(alipay, merchant, app_key,
                                                          monkeypatch):
    """The SDK signs its own requests and verifies the simulator's signed answers. (It
    stamps requests with the machine's local time, which Alipay reads as Beijing time: on a
    UTC machine the gateway refuses them as stale, so the SDK is given a Beijing clock.)"""
    monkeypatch.setattr(alipay_sdk, "datetime", _BeijingClock)
    sdk = AliPay(appid=merchant, app_notify_url=None,
                 app_private_key_string=private_pem(app_key),
                 alipay_public_key_string=alipay.simulator.alipay_public_key_pem,
                 sign_type="RSA2")
    sdk._gateway = f"{alipay.url}/gateway.do"
    created = await asyncio.to_thread(sdk.api_alipay_trade_precreate, subject="龙井",
                                      out_trade_no="S6_01", total_amount="12.30")
    assert created["code"] == "10000", created
    assert created["qr_code"].startswith(alipay.url)
    queried = await asyncio.to_thread(sdk.api_alipay_trade_query, out_trade_no="S6_01")
    assert (queried["trade_status"], queried["total_amount"]) == ("WAIT_BUYER_PAY", "12.30")
    closed = await asyncio.to_thread(sdk.api_alipay_trade_close, out_trade_no="S6_01")
    assert closed["code"] == "10000"
    assert alipay.simulator.trade(merchant, "S6_01").status == "TRADE_CLOSED"


async def test_a_response_signed_by_someone_else_is_not_believed(alipay, merchant, app_key):
    impostor = Credentials(merchant, app_key, new_key().public_key(), SELLER, alipay.url)
    with pytest.raises(GatewayError, match="signature"):
        await AlipayClient(impostor).call("alipay.trade.precreate", precreate("S7_01"))


async def test_an_unreachable_gateway_is_a_gateway_error(app_key):
    nowhere = Credentials("2021", app_key, app_key.public_key(), SELLER, "http://127.0.0.1:9")
    with pytest.raises(GatewayError, match="cannot be reached"):
        await AlipayClient(nowhere).call("alipay.trade.query", {"out_trade_no": "S8_01"})
