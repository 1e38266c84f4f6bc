"""A thin, natively async WeChat Pay API v3 client: signs each request, verifies each
successful response, and turns the API's errors into `GatewayError`."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import httpx

from galleria.kernel import GatewayError
from galleria_plugins.payments_wechat import signing

log = logging.getLogger("galleria_plugins.payments_wechat")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "Galleria payments_wechat (httpx)"


class ApiError(GatewayError):
    """WeChat Pay answered 4xx/5xx; `status` and `wechat_code` (e.g. ORDER_NOT_EXIST) say
    what it was."""

    def __init__(self, status: int, wechat_code: str, message: str) -> None:
        super().__init__(f"WeChat Pay answered {status} {wechat_code}: {message}")
        self.status, self.wechat_code = status, wechat_code


class WeChatPayClient:
    """Calls the API at `base_url` for one merchant (`credentials`)."""

    def __init__(self, credentials: signing.Credentials, base_url: str,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self._transport = transport

    async def get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        return await self.request("GET", path, query=query)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", path, body=body)

    async def request(self, method: str, path: str, *, body: dict[str, Any] | None = None,
                      query: dict[str, str] | None = None) -> dict[str, Any]:
        """Send one signed request; returns the verified JSON answer ({} for 204)."""
        path_and_query = path + ("?" + urlencode(query) if query else "")
        # Serialised once: the signature covers exactly the bytes sent.
        content = b"" if body is None else json.dumps(
            body, ensure_ascii=False, separators=(",", ":")).encode()
        creds = self.credentials
        headers = {
            "Authorization": signing.authorization(
                mchid=creds.mchid, serial_no=creds.serial_no, key=creds.private_key,
                method=method, path_and_query=path_and_query, body=content),
            "Accept": "application/json", "User-Agent": USER_AGENT,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if creds.public_key_id:
            headers["Wechatpay-Serial"] = creds.public_key_id
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, transport=self._transport) as http:
                response = await http.request(method, self.base_url + path_and_query,
                                              content=content or None, headers=headers)
        except httpx.HTTPError as error:
            raise GatewayError(f"WeChat Pay could not be reached: {error!r}") from None
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            try:
                data = response.json()
            except ValueError:
                data = {}
            raise ApiError(response.status_code, str(data.get("code") or "UNKNOWN"),
                           str(data.get("message") or response.text[:200]))
        try:
            signing.verify_signed({k.lower(): v for k, v in response.headers.items()},
                                  response.content, self.credentials.wechatpay_keys)
        except signing.SignatureInvalid as error:
            log.warning("WeChat Pay response failed verification: %s", error)
            raise GatewayError("WeChat Pay's answer failed signature verification") from None
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise GatewayError("WeChat Pay answered something that is not a JSON object")
        return data
