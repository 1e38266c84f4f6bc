"""Our signing layer against the independent `wechatpayv3` SDK: ours verify with theirs,
theirs with ours (requests, responses, notifications, resources, the JSAPI paySign)."""

import asyncio
import json
import time

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3 import utils as sdk

from galleria_plugins.payments_wechat import signing
from galleria_plugins.payments_wechat.testing.simulator import Refusal, WeChatPaySimulator

APIV3 = "0123456789abcdefGHIJKLMNOPQRSTuv"


@pytest.fixture(scope="module")
def keys():
    return signing.new_key(), signing.new_key()  # merchant, WeChat Pay


def test_request_signature_is_the_sdks(keys):
    merchant, _ = keys
    body = json.dumps({"mchid": "1900000001", "description": "龙井 250g"}).encode()
    header = signing.authorization(mchid="1900000001", serial_no="ABC", key=merchant,
                                   method="POST", path_and_query="/v3/pay/transactions/native",
                                   body=body, timestamp=1700000000, nonce="N0NCE")
    fields = signing.parse_authorization(header)
    theirs = sdk.rsa_sign(merchant, "POST\n/v3/pay/transactions/native\n1700000000\nN0NCE\n"
                          + body.decode() + "\n")
    assert fields["signature"] == theirs  # PKCS#1 v1.5 is deterministic


def test_sdk_signed_requests_pass_the_simulators_check(keys):
    merchant, platform = keys
    sim = WeChatPaySimulator(platform_key=platform)
    sim.add_merchant("1900000001", ["wx1"], "SERIAL1", merchant.public_key(), APIV3)
    body = {"mchid": "1900000001", "out_trade_no": "A1000_01"}
    header = sdk.build_authorization("/v3/pay/transactions/native", "POST", "1900000001",
                                     "SERIAL1", merchant, data=body)
    sent = json.dumps(body).encode()  # what requests sends for json=body
    assert sim.authenticate("POST", "/v3/pay/transactions/native",
                            {"authorization": header}, sent).mchid == "1900000001"
    with pytest.raises(Refusal) as refused:
        sim.authenticate("POST", "/v3/pay/transactions/native", {"authorization": header},
                         sent.replace(b"A1000", b"A1001"))
    assert (refused.value.status, refused.value.code) == (401, "SIGN_ERROR")


def _sdk_core(merchant, platform, key_id="PUB_KEY_ID_01"):
    from wechatpayv3.core import Core

    return Core(mchid="1900000001", cert_serial_no="SERIAL1",
                private_key=signing.private_pem(merchant), apiv3_key=APIV3,
                public_key=signing.public_pem(platform), public_key_id=key_id)


def test_sdk_verifies_and_decrypts_our_notifications(keys):
    merchant, platform = keys
    plain = {"mchid": "1900000001", "out_trade_no": "A1000_01", "trade_state": "SUCCESS",
             "amount": {"total": 5600, "currency": "CNY"}}
    envelope = {"id": "EV-1", "event_type": "TRANSACTION.SUCCESS",
                "resource_type": "encrypt-resource",
                "resource": signing.encrypt_resource(APIV3, json.dumps(plain).encode(),
                                                     "transaction", "transaction")}
    body = json.dumps(envelope, ensure_ascii=False).encode()
    headers = signing.signed_headers(platform, "PUB_KEY_ID_01", body)
    assert _sdk_core(merchant, platform).callback(headers, body)["resource"] == plain
    tampered = body.replace(b"EV-1", b"EV-2")
    assert _sdk_core(merchant, platform).callback(headers, tampered) is None


def test_we_verify_what_the_sdks_primitives_sign(keys):
    _, platform = keys
    body = b'{"id":"EV-9","summary":"\xe6\x94\xaf\xe4\xbb\x98\xe6\x88\x90\xe5\x8a\x9f"}'
    stamp, nonce = str(int(time.time())), "abcdef"
    headers = {"wechatpay-timestamp": stamp, "wechatpay-nonce": nonce,
               "wechatpay-serial": "PUB_KEY_ID_01",
               "wechatpay-signature": sdk.rsa_sign(platform, f"{stamp}\n{nonce}\n"
                                                             f"{body.decode()}\n"),
               "wechatpay-signature-type": signing.SCHEMA}
    keys_by_serial = {"PUB_KEY_ID_01": platform.public_key()}
    signing.verify_signed(headers, body, keys_by_serial)
    with pytest.raises(signing.SignatureInvalid):
        signing.verify_signed(headers, body + b" ", keys_by_serial)


def test_sdk_decrypts_our_resources_and_paysign_matches(keys):
    merchant, platform = keys
    resource = signing.encrypt_resource(APIV3, "退款成功".encode(), "refund", "refund")
    assert sdk.aes_decrypt(resource["nonce"], resource["ciphertext"],
                           resource["associated_data"], APIV3) == "退款成功"
    ours = signing.jsapi_parameters("wx1", "wx2026PREPAY", merchant, 1700000000, "N1")
    theirs = _sdk_core(merchant, platform).sign(["wx1", "1700000000", "N1",
                                                 "prepay_id=wx2026PREPAY"])
    assert ours["paySign"] == theirs and ours["package"] == "prepay_id=wx2026PREPAY"


def test_stale_unknown_serial_and_missing_headers_are_refused(keys):
    _, platform = keys
    body = b"{}"
    good = {k.lower(): v for k, v in signing.signed_headers(platform, "K1", body).items()}
    known = {"K1": platform.public_key()}
    signing.verify_signed(good, body, known)
    old = {k.lower(): v for k, v in signing.signed_headers(
        platform, "K1", body, timestamp=int(time.time()) - 300).items()}
    for headers, why in [(old, "5 minutes"), (good, "serial"),
                         ({**good, "wechatpay-signature": ""}, "missing")]:
        with pytest.raises(signing.SignatureInvalid, match=why):
            signing.verify_signed(headers, body, {} if why == "serial" else known)


async def test_the_sdk_client_trades_with_the_simulator_over_http(simulator, merchant_key):
    """The SDK signs its requests (the simulator checks them) and verifies the simulator's
    signed answers (it raises otherwise): create, query, pay, refund, close."""
    simulator.add_merchant("1899999999", ["wxsdk"], "SDKSERIAL", merchant_key.public_key(),
                           APIV3)
    client = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid="1899999999",
                       private_key=signing.private_pem(merchant_key),
                       cert_serial_no="SDKSERIAL", appid="wxsdk", apiv3_key=APIV3,
                       notify_url="http://nobody.localhost/callbacks/payments_wechat/wechat",
                       public_key=simulator.public_key_pem,
                       public_key_id=simulator.public_key_id)
    client._core._gate_way = simulator.public_url

    def run(method, *args, **kwargs):
        return asyncio.to_thread(method, *args, **kwargs)

    code, message = await run(client.pay, description="龙井", out_trade_no="SDK0001_01",
                              amount={"total": 100, "currency": "CNY"})
    assert code == 200 and json.loads(message)["code_url"].startswith("weixin://wxpay/")
    code, message = await run(client.query, out_trade_no="SDK0001_01")
    assert json.loads(message)["trade_state"] == "NOTPAY"
    await simulator.pay("SDK0001_01")  # notifies a host no shop has: answered 404
    code, message = await run(client.refund, out_refund_no="SDK0001_01_R1",
                              amount={"refund": 40, "total": 100, "currency": "CNY"},
                              out_trade_no="SDK0001_01")
    assert code == 200 and json.loads(message)["amount"]["refund"] == 40
    code, message = await run(client.close, out_trade_no="SDK0001_01")
    assert code == 400 and json.loads(message)["code"] == "ORDERPAID"


def _platform_certificate(key) -> str:
    """A self-signed certificate like WeChat Pay's platform certificates (older accounts)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(0x5157F09EFDC096DE15EBE81A47057A72)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_platform_certificate_serials_name_keys_as_the_sdk_reads_them(keys, tmp_path):
    from wechatpayv3.core import Core

    from galleria_plugins.payments_wechat.config import credentials_from

    merchant, platform = keys
    pem = _platform_certificate(platform)
    serial = signing.certificate_serial(pem)
    assert serial == "5157F09EFDC096DE15EBE81A47057A72"
    creds = credentials_from({"appid": "wx1", "mchid": "1900000001",
                              "merchant_serial_no": "S", "apiv3_key": APIV3,
                              "merchant_private_key": signing.private_pem(merchant),
                              "platform_certificate": pem})
    body = b'{"id":"EV-C"}'
    headers = signing.signed_headers(platform, serial, body)
    signing.verify_signed({k.lower(): v for k, v in headers.items()}, body,
                          creds.wechatpay_keys)
    (tmp_path / f"{serial}.pem").write_text(pem)
    sdk_core = Core(mchid="1900000001", cert_serial_no="S",
                    private_key=signing.private_pem(merchant), apiv3_key=APIV3,
                    cert_dir=str(tmp_path))
    assert sdk_core._verify_signature(headers, body.decode())


def test_the_simulator_can_insist_on_https_notify_urls(keys):
    merchant, platform = keys
    sim = WeChatPaySimulator(platform_key=platform, require_https=True)
    buyer = sim.add_merchant("1900000001", ["wx1"], "S", merchant.public_key(), APIV3)
    order = {"appid": "wx1", "mchid": "1900000001", "description": "茶",
             "out_trade_no": "HTTPS001_01", "amount": {"total": 1}}
    with pytest.raises(Refusal, match="notify_url"):
        sim.create_trade(buyer, "NATIVE", {**order, "notify_url": "http://shop.example/n"})
    with pytest.raises(Refusal, match="notify_url"):
        sim.create_trade(buyer, "NATIVE", {**order, "notify_url": "https://shop.example/n?x=1"})
    assert sim.create_trade(buyer, "NATIVE", {**order, "notify_url": "https://shop.example/n"})
