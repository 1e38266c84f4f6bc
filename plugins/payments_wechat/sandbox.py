"""Sandbox mode (`GALLERIA_SANDBOX=1`, the demo): one WeChat Pay simulator and the demo
merchant it knows, so a purchase with WeChat Pay works on a laptop without credentials.

The keys below are PUBLISHED ON PURPOSE, like the demo shops' passwords: they sign only
traffic between a demo shop and this simulator. Never configure them for a real merchant.
Only the `galleria_sandbox_apps` hook imports this module, and only in sandbox mode.
"""

from __future__ import annotations

import secrets
from typing import Any

from galleria.testing import AccountsView, SandboxAccounts
from galleria_plugins.payments_wechat import signing
from galleria_plugins.payments_wechat.testing.simulator import WeChatPaySimulator
from galleria_plugins.payments_wechat.testing.simulator_records import Merchant

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
APIV3_KEY = "GalleriaSandboxAPIv3Key000000000"  # 32 bytes
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026112900000000000001"

MERCHANT_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2oFGYoJPs9bkA
D60KmqLMMFMwpqHDkF6i8uX3glCae3W7dJn/888Q+MDVurtx1LEN0jOwfwqRDV1d
5pMyGotTTH5MbUQz9wo0utwMTyK0DYRFITDpi83XL3YhwxBKKVAYybHV2hVr5l5n
dzofTh0enPidYu7FoqxZsSfkNAOqrGNYhvEAH8v3aUdsI4loSBPs+NMI4NpuuLT1
xNuDARB18uD+Ub8h9/njUQUugAE0gj8W+CbO+j6HUy81rQHmauwkQ9r74u9NBLCt
+WPobEgZQf3mjUmXbjA7QCC+rhoOX2lVmQ6e9rI4AHiy9JBUFB7BRC25uJSGVCF/
wfIeqPRbAgMBAAECggEAEJmP8SSfbYmEUFoca3tU0uSNmz16NLF5uKwFdTL2KqSQ
NgLKQLajmrJRrNu1UAp6MXxq0F8r0bV6SB++P26kPWUVkdLYwTRyTAq0F7ZVvDIC
VNpIfOIFSsr4nOcDIwqQSkCDFqIlElK1QAhZUyEhinfQLVYhx/saWWi97INB1hCA
AOgGTqPTJak6c563/HRUHyaWpBAIDv28rc1keqQjoptWUCI0iL/tiiImuSvq4MRg
h0Z8U3j13CaphEY/gZYwM0CbojxMFFZ1OXKH8kbkl7ln4hxFSG1U14r4QXv1XfAo
3eNQbF8Nap2mlRyFOoFkkAzCfx4cXelTZ/kyDi7feQKBgQDeA6321w9YwpxMM9vP
7Njzrtenc1ZC1bubii18zhINMDsOYsomLj1q/2WaYhAIWHSCGnvziAvQFPafVW1Z
5rhOr0nT8GyDeXv2xdDhevVxmE7KVOnWlXGHByxA6T15aUR8EHGHsokgBMU3NCd2
hyXk6KgKaiRG1oMJgDMZdYRtbwKBgQDSlRftBkrGmWNjRJtIwJEYGZIS2IKM+13O
cwXYfthPbzCVvDYLvUKPfUQ1fwMzfZWcgyrHzJz67RMh8xTn6MMrYh55lDX9GKg+
1N+Fh6+G7l0Qm7scg0VyzYxXSKVSInuK0CtsovbBW4nvFIU7iNT/Na3c7HQjOhRV
3nEQS+8J1QKBgCwfrRZu3ZT1cJzQfbJQTzn3GNMl4BH+an/aMXopdnr6h/Iu/iAi
doBqa+YH8UnHUrh8zP+0nSxozi8Sil4gtaalvdWKZfanUVTVMdNuXZOLArXBtIu6
PcrpSQlJkbcsjbjeh8HBYPFlIVD8Y49yAr0A5EzVlYoinf5oZT99FKmvAoGBALOi
39AgR/V2r+PkiJrdOmjWl1dgPq3JWFJeqKPwQNIyRb3V2jzVbEw/Tcpc2Pw5q0Di
W8Io99jOGD4jwLe8RZFimCCaoBuRxyQiL7MW9lMiT111m35NNRcj5Q4oOG8CX2Uh
A4oe0mRLlDTQyn7o0NoMjo4hX0kVqHc/1C9Ut0spAoGARnGBfcxk1mg4SiKKQxb3
Jnm21IfOuN/1jfG+aZxCYDqagJINbWlzGOTQLnjfL60vSRDjYu9q5sc8IIIxi5YO
BRH1OiB8UAZCqYTRXdmRS+JYOYADk/VDC8XEJGRmLZuVvI6UUyTZRmeXAer0wBtG
UKv73ZBoOrR8qD3nlFQlgmA=
-----END PRIVATE KEY-----"""

WECHATPAY_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCWhgHVgxXhVsOu
z7+LQcAPGQ/tEfO0+Ttyoiuux0W/OR/JhuDfk8d4fvbL4eLFYitI8EwOzMhLz7qG
2REkjajHcpYOMu0S5jm90iKB1Xn38Qvu2+FhoI8BbRABPM0jHhBCeuuVysKIJANc
FslF2ZPzl7HdWbMeMAGWD+71flVUNFItf+0d4JWQA0ll7x9vw2jCox5DMnzCKOb6
fmWhESXb/GhPkZKouaMscw/HpDylYWrfAEa0re+IO9L0V5hhALJ43kBHsTAPG9LQ
/yilUkTtLmZGx17h3aQKc3eZIJj4pk5XgoBzl7dpZYsV77xTyCD8dpTbpYD0yBVv
QD44if4/AgMBAAECggEABGD/czTZxbzKQOkZjiPqcJ1GCPifRUfK3MKAFnXtnA3J
YAmqpLOGyO3f5qxRx9FQBK+NRuJmOJFKHa0QvGw4ZR20/C+rckmrNooabW6vVJPt
gx/r4Glgy0i8ObuJQ3voaYyDWOchI9EfqVoqh1jygaP/u+kfwk0PlgZbjC9L8rsd
UGsHi30JbocIbUCCjYaHodpCpWa1MucMoiRPkWWHEDFxKgYn5kBgYtbPG49OfjSF
fatXLUqYAUlWH5ZRQ8np1BRNbbw420PQG5z6tjYClQJqsG1qB1bt1xlNYjqRybZT
kiZcx61ls8KX75GHB/w2YZNYoQ+dWqV/x77RW6GzIQKBgQDMdDTkufiJyhKXFskW
7aFnlKeH4aVhhuNL2JlnzxM7eCW/V18YlrnxGYoZwJjdBQBU5kg+VqvLSrrOGosC
ACTv0Bxt6SGCr8ixv/MzCldi7Ew0pyX69PcV1kKKOjp/d7/WWjX4R19VSia1Ofzp
FUJ/UxSAMZRo3l9HTcbYOK4tMwKBgQC8eQoZC0GRniH09/bX/nKPaQEvNMpT/xVt
XjcukIOjzJotKsaOFWEw1iF8RtSCYjVULQwlSR3lg3z/KRV4KiLUpycU8KATr1wm
Ez6S42QlIDGtBKO++/ULkD9dMtz3e2qRm8alPm7u4aKIOhX5LM08ZgOY7ktQOlqD
y6EX1x3yxQKBgQCU9hHXmBuaIM1cobBPcUFI24kYOnIpVYLjruNOPBRSHt65wym5
G5BMNoRk8OsvFUbBlKqMKM+wJTlnkvU2tu4yf5lHBzVwJyz9PNIvnNhAbdO0BRhp
+PLRSTNfzL70QkZWIZHy2+V8mbMMFTzMgb3aUKi+IeF0aphWtjcrMFjO+wKBgF94
uOLCzu4iunTK/yGe5Q08VbtB9JPkDUifhzhxQB3DUP48QuRKdDc24TOA9bkuYnFH
eHWSujA/ERx4BUYfohEysxtqYMxX8kffS71ArsQXsNJCHWhrXVAEO/TMBR7gR7WG
wXOHUs5zQc/cDLFyPmywCHZ5j3EOfjdw+SOIdsU5AoGBAJLj4USc4KgXCC15Zmni
KySgB5PHIq/wtjIZVyIy7a+lmBHwCX+DIcDcM2WiwXhB7HBePUa5fNZC/bX+dMdE
UOOzwC7q3M9+5Wl+wF6Lsc4BvnSeOa6tW6zasCdq9blyGQ93/8YHEYL4EYywWlXU
wFe3KsrfFU6cT11C6ehhQ+AS
-----END PRIVATE KEY-----"""


def sandbox_settings(base_url: str) -> dict[str, Any]:
    """The `payments_wechat` settings of a demo shop paying through the simulator mounted
    at `base_url` (e.g. `http://localhost:8000/sandbox/wechat`)."""
    return {
        "appid": APPID, "mchid": MCHID, "merchant_serial_no": MERCHANT_SERIAL_NO,
        "merchant_private_key": MERCHANT_PRIVATE_KEY, "apiv3_key": APIV3_KEY,
        "wechatpay_public_key_id": PUBLIC_KEY_ID,
        "wechatpay_public_key": signing.public_pem(signing.load_private_key(
            WECHATPAY_PRIVATE_KEY)),
        "api_base_url": base_url.rstrip("/"),
    }


def open_account(tenant_id: int, sandbox_url: str,
                 accounts: SandboxAccounts | None = None) -> dict[str, Any]:
    """A shop's own sandbox merchant: new keys, recorded where the simulator finds them,
    and the shop's settings that use them (`galleria_sandbox_settings`)."""
    key = signing.new_key()
    mchid = f"19{tenant_id:08d}"
    appid = f"wx{secrets.token_hex(8)}"
    serial_no = secrets.token_hex(20).upper()
    apiv3_key = secrets.token_hex(16)  # 32 characters
    (accounts or SandboxAccounts("wechat")).add(mchid, {
        "appid": appid, "serial_no": serial_no, "apiv3_key": apiv3_key,
        "public_key": signing.public_pem(key)})
    return {**sandbox_settings(f"{sandbox_url}/wechat"), "appid": appid, "mchid": mchid,
            "merchant_serial_no": serial_no, "merchant_private_key": signing.private_pem(key),
            "apiv3_key": apiv3_key}


def _merchant(mchid: str, record: dict[str, Any]) -> Merchant:
    return Merchant(mchid, {record["appid"]}, record["serial_no"],
                    signing.load_public_key(record["public_key"]), record["apiv3_key"])


def sandbox_simulator(accounts: SandboxAccounts | None = None) -> WeChatPaySimulator:
    """The demo's simulator: real notifications to the demo shops over HTTP, on WeChat
    Pay's real retry schedule. It knows the demo merchant and every shop's own sandbox
    merchant (`open_account`)."""
    simulator = WeChatPaySimulator(
        platform_key=signing.load_private_key(WECHATPAY_PRIVATE_KEY),
        public_key_id=PUBLIC_KEY_ID, refund_delay=2.0)
    simulator.merchants = AccountsView(accounts or SandboxAccounts("wechat"), _merchant)
    simulator.add_merchant(MCHID, [APPID], MERCHANT_SERIAL_NO,
                           signing.load_private_key(MERCHANT_PRIVATE_KEY).public_key(),
                           APIV3_KEY)
    return simulator
