"""A thin async client of Alipay's open platform gateway (v2): signs requests, verifies
responses. It knows the protocol, not the shop: the gateway object (gateway.py) decides
what to ask.

Requests are POSTed as the official SDKs do: the common parameters in the query string and
`biz_content` in the form body; the gateway merges both before checking the signature.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from galleria.kernel import GatewayError
from galleria_plugins.payments_alipay import signing

log = logging.getLogger(__name__)

GATEWAY_PATH = "/gateway.do"
DEFAULT_BASE_URL = "https://openapi.alipay.com"
SANDBOX_BASE_URL = "https://openapi-sandbox.dl.alipaydev.com"
OK = "10000"
BUSINESS_FAILED = "40004"
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


@dataclass(frozen=True)
class Credentials:
    """One shop's Alipay account, from its plugin settings."""

    app_id: str
    app_private_key: rsa.RSAPrivateKey
    alipay_public_key: rsa.RSAPublicKey
    seller_id: str
    base_url: str = DEFAULT_BASE_URL

    @property
    def gateway_url(self) -> str:
        return self.base_url.rstrip("/") + GATEWAY_PATH


class AlipayError(GatewayError):
    """Alipay answered with something else than `10000`: `code` and `sub_code` say what
    (`40004` / `ACQ.TRADE_NOT_EXIST`…)."""

    def __init__(self, detail: str, *, code: str = "", sub_code: str = "") -> None:
        super().__init__(detail)
        self.alipay_code, self.sub_code = code, sub_code


class AlipayClient:
    """Calls one merchant's Alipay gateway. `now` is injectable so that tests can send a
    stale timestamp; `transport` lets a test route requests to an in-process app."""

    def __init__(self, credentials: Credentials, *,
                 now: Callable[[], dt.datetime] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.credentials = credentials
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._transport = transport

    def signed_params(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, str]:
        """Every parameter of a request, `sign` included."""
        params = {
            "app_id": self.credentials.app_id, "method": method, "format": "JSON",
            "charset": "utf-8", "sign_type": signing.SIGN_TYPE,
            "timestamp": signing.timestamp(self._now()), "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **{k: v for k, v in extra.items() if v},
        }
        return signing.sign_request(params, self.credentials.app_private_key)

    def page_url(self, method: str, biz: dict[str, Any], **extra: str) -> str:
        """The signed URL a shopper's browser opens (page and wap pay): no call is made;
        Alipay creates the trade only when the buyer opens it."""
        query = urlencode(self.signed_params(method, biz, **extra))
        return f"{self.credentials.gateway_url}?{query}"

    async def call(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, Any]:
        """Call `method` and return its verified `…_response` object when `code` is 10000.

        Raises `AlipayError` for any other code (signed business failures keep their
        `sub_code`), and `GatewayError` when the gateway cannot be reached or its answer
        does not verify.
        """
        params = self.signed_params(method, biz, **extra)
        form = {"biz_content": params.pop("biz_content")}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, transport=self._transport) as http:
                response = await http.post(self.credentials.gateway_url, params=params,
                                           data=form)
        except httpx.HTTPError as exc:
            raise GatewayError(f"Alipay cannot be reached: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise GatewayError(f"Alipay answered HTTP {response.status_code}")
        return self.verified(method, response.text)

    def verified(self, method: str, body: str) -> dict[str, Any]:
        """The `…_response` object of `body` once its signature checks out (see `call`)."""
        key = signing.response_key(method)
        try:
            document = json.loads(body)
            raw = signing.raw_member(body, key)
        except ValueError as exc:
            raise GatewayError("Alipay's answer is not JSON") from exc
        if not isinstance(document, dict):
            raise GatewayError("Alipay's answer is not a JSON object")
        if raw is None:
            error = document.get("error_response")
            detail = error if isinstance(error, dict) else {}
            reason = detail.get("sub_msg") or detail.get("msg", "no response")
            raise AlipayError(f"Alipay refused {method}: {reason}",
                              code=str(detail.get("code", "")),
                              sub_code=str(detail.get("sub_code", "")))
        answer = json.loads(raw)
        code = str(answer.get("code", ""))
        signature = document.get("sign", "")
        # Successes and business failures are signed; argument errors (40002) may not be.
        must_verify = bool(signature) or code in (OK, BUSINESS_FAILED)
        if must_verify and not signing.verify(raw, signature, self.credentials.alipay_public_key):
            raise GatewayError(f"the signature of Alipay's answer to {method} is invalid")
        if code != OK:
            raise AlipayError(f"Alipay refused {method}: {answer.get('sub_code', '')} "
                              f"{answer.get('sub_msg') or answer.get('msg', '')}".strip(),
                              code=code, sub_code=str(answer.get("sub_code", "")))
        return answer
