"""Alipay's signing rules, amounts and sync-response parsing — cross-checked against the
independent `python-alipay-sdk` (its RSA code is pycryptodome's, ours is `cryptography`'s):
what we sign verifies with theirs and what they sign verifies with ours."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from alipay import AliPay
from alipay_helpers import new_key, private_pem, public_pem
from hypothesis import given
from hypothesis import strategies as st

from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.client import AlipayClient, Credentials

APP_KEY, ALIPAY_KEY = new_key(), new_key()


def sdk(app_key=APP_KEY, alipay_key=ALIPAY_KEY) -> AliPay:
    """The SDK as a merchant: signs with the app key, verifies with Alipay's public key."""
    return AliPay(appid="2021000000000001", app_notify_url=None,
                  app_private_key_string=private_pem(app_key),
                  alipay_public_key_string=public_pem(alipay_key), sign_type="RSA2")


def our_client() -> AlipayClient:
    return AlipayClient(Credentials("2021000000000001", APP_KEY, ALIPAY_KEY.public_key(),
                                    "2088000000000009"))


def test_request_signatures_are_the_sdks_byte_for_byte():
    params = our_client().signed_params(
        "alipay.trade.page.pay", {"out_trade_no": "A1001_01", "total_amount": "56.00",
                                  "subject": "龙井 2 件", "product_code": "FAST_INSTANT_TRADE_PAY"},
        notify_url="http://tea.localhost/callbacks/payments_alipay/alipay",
        return_url="http://tea.localhost/orders/A1001")
    theirs = sdk()._sign(signing.request_content(params))  # PKCS#1 v1.5 is deterministic
    assert params["sign"] == theirs
    assert "sign_type=RSA2" in signing.request_content(params)  # kept in requests


def test_a_request_the_sdk_signs_verifies_with_our_rules():
    query = sdk().api_alipay_trade_page_pay(
        subject="龙井 & 茶杯", out_trade_no="A1002_01", total_amount="0.01",
        return_url="http://tea.localhost/orders/A1002",
        notify_url="http://tea.localhost/callbacks/payments_alipay/alipay")
    params = dict(parse_qsl(query, keep_blank_values=True))
    assert signing.verify(signing.request_content(params), params["sign"],
                          APP_KEY.public_key())
    params["biz_content"] = params["biz_content"].replace("0.01", "0.02")
    assert not signing.verify(signing.request_content(params), params["sign"],
                              APP_KEY.public_key())


def _notification() -> dict[str, str]:
    return {"notify_time": "2026-11-29 10:00:00", "notify_type": "trade_status_sync",
            "notify_id": "ac05099524730693a8b330c5ecf72da9786", "app_id": "2021000000000001",
            "trade_no": "2026112922001", "out_trade_no": "A1001_01",
            "total_amount": "56.00", "trade_status": "TRADE_SUCCESS",
            "seller_id": "2088000000000009", "subject": "龙井=好茶"}


def test_our_notifications_verify_with_the_sdk():
    fields = signing.sign_notification(_notification(), ALIPAY_KEY)
    data = dict(fields)
    signature = data.pop("sign")
    assert sdk().verify(data, signature)  # the SDK drops sign_type itself
    data["total_amount"] = "0.01"
    assert not sdk().verify(data, signature)


def test_sdk_signed_notifications_verify_with_ours_without_sign_type():
    fields = _notification()
    # The SDK signs with its "app private key": give it Alipay's, as Alipay would sign.
    signature = sdk(app_key=ALIPAY_KEY)._sign(signing.notification_content(fields))
    posted = {**fields, "sign_type": "RSA2", "sign": signature}
    assert signing.verify(signing.notification_content(posted), signature,
                          ALIPAY_KEY.public_key())
    # Keeping sign_type in the content (the request rule) must not verify.
    assert not signing.verify(signing.request_content(posted), signature,
                              ALIPAY_KEY.public_key())


def test_sync_responses_verify_both_ways():
    payload = {"code": "10000", "msg": "Success", "out_trade_no": "A1001_01",
               "qr_code": "https://qr.alipay.com/bax03431", "subject": "龙井 \"特级\""}
    body = signing.signed_response("alipay.trade.precreate", payload, ALIPAY_KEY)
    assert sdk()._verify_and_return_sync_response(
        body, "alipay_trade_precreate_response")["qr_code"] == payload["qr_code"]
    assert our_client().verified("alipay.trade.precreate", body)["subject"] == payload["subject"]
    # Braces inside strings (the SDK's brace counter trips on them; our scanner does not).
    tricky = {**payload, "subject": "a {brace}} in a string"}
    body = signing.signed_response("alipay.trade.precreate", tricky, ALIPAY_KEY)
    assert our_client().verified("alipay.trade.precreate", body)["subject"] == tricky["subject"]

    inner = '{"code":"10000","msg":"Success","trade_status":"TRADE_SUCCESS","total_amount":"1.00"}'
    theirs = sdk(app_key=ALIPAY_KEY)._sign(inner)
    body = f'{{"alipay_trade_query_response": {inner},\n "sign":"{theirs}"}}'
    assert our_client().verified("alipay.trade.query", body)["total_amount"] == "1.00"


def test_raw_member_is_the_text_as_sent_not_a_reserialisation():
    body = ('{"sign":"x", "alipay_trade_query_response" : {"a":"}{","b":{"c":[1,2]},'
            '"d":"\\"}"} ,"other":{}}')
    assert signing.raw_member(body, "alipay_trade_query_response") == \
        '{"a":"}{","b":{"c":[1,2]},"d":"\\"}"}'
    assert signing.raw_member(body, "missing") is None
    nested = '{"x":{"alipay_trade_query_response":{"a":1}}}'
    assert signing.raw_member(nested, "alipay_trade_query_response") is None


def test_a_tampered_sync_response_is_refused():
    from galleria.kernel import GatewayError

    body = signing.signed_response("alipay.trade.query", {
        "code": "10000", "msg": "Success", "trade_status": "WAIT_BUYER_PAY"}, ALIPAY_KEY)
    with pytest.raises(GatewayError, match="signature"):
        our_client().verified("alipay.trade.query", body.replace("WAIT_BUYER_PAY",
                                                                 "TRADE_SUCCESS"))
    unsigned = json.dumps({"alipay_trade_query_response": {"code": "10000",
                                                           "trade_status": "TRADE_SUCCESS"}})
    with pytest.raises(GatewayError, match="signature"):
        our_client().verified("alipay.trade.query", unsigned)


@given(st.integers(min_value=0, max_value=signing.MAX_AMOUNT_FEN))
def test_fen_and_yuan_round_trip_exactly(amount):
    assert signing.fen(signing.yuan(amount)) == amount


@pytest.mark.parametrize(("text", "fen"), [("0.01", 1), ("12.3", 1230), ("12", 1200),
                                           ("100000000.00", 10_000_000_000), ("0.10", 10)])
def test_yuan_strings_parse_without_floats(text, fen):
    assert signing.fen(text) == fen


@pytest.mark.parametrize("text", ["", "1.234", "-1.00", "1e3", "01.00", " 1.00", "1,00",
                                  "NaN", "1.", ".5", "１.00"])
def test_malformed_amounts_are_refused(text):
    with pytest.raises(ValueError):
        signing.fen(text)


def test_keys_load_from_pem_or_alipays_bare_base64():
    bare = "".join(public_pem(APP_KEY).splitlines()[1:-1])
    assert signing.load_public_key(bare).public_numbers() == \
        APP_KEY.public_key().public_numbers()
    bare_private = "".join(private_pem(APP_KEY).splitlines()[1:-1])
    assert signing.load_private_key(bare_private).private_numbers() == \
        APP_KEY.private_numbers()
    with pytest.raises(signing.SignatureError):
        signing.load_private_key("not a key")


def test_a_payment_notification_names_its_payer():
    """The buyer_id of a paid trade is kept as the payer (one referral reward per payer)."""
    from galleria_plugins.payments_alipay.gateway import _update

    update = _update({"out_trade_no": "R1_1", "trade_no": "2026", "notify_id": "n1",
                      "trade_status": "TRADE_SUCCESS", "total_amount": "56.00",
                      "buyer_id": "2088000000000001"})
    assert (update.status, update.amount, update.payer_ref) == ("paid", 5600,
                                                                 "2088000000000001")
