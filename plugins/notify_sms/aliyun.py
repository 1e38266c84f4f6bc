"""Alibaba Cloud SMS (dysmsapi `SendSms`, API version 2017-05-25) over httpx.

Requests are RPC-style: every parameter in the query string, signed with signature V1
(HMAC-SHA1 over the canonicalised query with the AccessKey secret + "&"). The answer is
JSON `{"Code": "OK", "BizId", "RequestId", "Message"}`; any other Code is a refusal. The
signing and the answer's reading live here only, shared by the channel and the simulator.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

API_VERSION = "2017-05-25"
DEFAULT_BASE_URL = "https://dysmsapi.aliyuncs.com/"
TIMEOUT_SECONDS = 15
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class SmsRefused(RuntimeError):
    """The provider answered with a Code other than OK (or not at all as it should)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it: only A-Z a-z 0-9 - _ . ~ stay,
    space is %20 (not +), `*` is %2A, `~` stays."""
    return quote(str(value), safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """Parameters (without Signature) sorted by name, each name and value encoded."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                    for k, v in sorted(params.items()) if k != "Signature")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(),
                      string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mainland_mobile(phone: str) -> str:
    """`+86 138-0013-8000`, `8613800138000`, `13800138000` → `13800138000`; ValueError
    for anything that is not a mainland China mobile number."""
    digits = re.sub(r"[\s\-()]", "", str(phone or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise ValueError(f"not a mainland China mobile number: {phone!r}")
    return digits


def send_sms_params(*, access_key_id: str, phone: str, sign_name: str, template_code: str,
                    template_param: Mapping[str, str], now: dt.datetime | None = None,
                    nonce: str | None = None) -> dict[str, str]:
    """The unsigned parameters of one SendSms call."""
    now = now or dt.datetime.now(dt.UTC)
    return {
        "AccessKeyId": access_key_id, "Action": "SendSms", "Format": "JSON",
        "PhoneNumbers": phone, "RegionId": "cn-hangzhou", "SignName": sign_name,
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0", "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(template_param), ensure_ascii=False,
                                    separators=(",", ":")),
        "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
    }


async def send_sms(base_url: str, access_key_id: str, access_key_secret: str, *, phone: str,
                   sign_name: str, template_code: str, template_param: Mapping[str, str],
                   transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """One signed SendSms; returns the answer when Code is OK, raises SmsRefused (or an
    httpx error) otherwise."""
    params = send_sms_params(access_key_id=access_key_id, phone=phone, sign_name=sign_name,
                             template_code=template_code, template_param=template_param)
    params["Signature"] = sign("GET", params, access_key_secret)
    url = base_url.rstrip("/") + "/?" + canonical_query(params) \
        + "&Signature=" + percent_encode(params["Signature"])
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=transport) as client:
        answer = await client.get(url)
    try:
        body = answer.json()
    except ValueError:
        raise SmsRefused(f"HTTP {answer.status_code}", answer.text[:200]) from None
    if not isinstance(body, dict) or body.get("Code") != "OK":
        body = body if isinstance(body, dict) else {}
        raise SmsRefused(str(body.get("Code") or f"HTTP {answer.status_code}"),
                         str(body.get("Message") or ""))
    return body
