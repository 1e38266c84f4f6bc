"""Alipay's RSA2 signatures, amounts and timestamps: the protocol rules, kept in one place.

Pure functions (no I/O), shared by the adapter and the simulator, so that both speak the
same protocol — and cross-checked in the tests against the independent `python-alipay-sdk`,
so that a shared mistake cannot hide here.

- A **request** is signed over its parameters minus `sign` and empty values (`sign_type`
  stays), sorted by key in ASCII order and joined as `k=v&…` with raw values.
- A **notification** is verified the same way, except that `sign_type` is dropped too.
- A **synchronous response** `{"<method>_response": {…}, "sign": "…"}` is signed over the
  raw text of the `…_response` object as it appears in the body (not a re-serialisation).

Signatures are SHA256withRSA (PKCS#1 v1.5), base64-encoded. Amounts are yuan strings with
two decimals on the wire and integer fen everywhere else; no float ever touches them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGN_TYPE = "RSA2"
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_AMOUNT_FEN = 100_000_000_00  # 100 000 000.00 yuan, Alipay's ceiling for total_amount
_YUAN = re.compile(r"(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?")


class SignatureError(ValueError):
    """A key that cannot be read, or a signature that does not verify."""


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def _der(text: str) -> bytes | None:
    """Alipay's console hands out keys as bare base64 (no PEM armour): decode those."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#8 or PKCS#1) or Alipay's bare base64 form."""
    text = (text or "").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            der = _der(text)
            if der is None:
                raise ValueError("not base64")
            key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as exc:
        raise SignatureError("the app private key cannot be read") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("the app private key is not an RSA key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from PEM or Alipay's bare base64 (SubjectPublicKeyInfo) form."""
    text = (text or "").strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            der = _der(text)
            if der is None:
                raise ValueError("not base64")
            key = serialization.load_der_public_key(der)
    except (ValueError, TypeError) as exc:
        raise SignatureError("the Alipay public key cannot be read") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("the Alipay public key is not an RSA key")
    return key


# ---------------------------------------------------------------------------------------------
# Signing strings and signatures
# ---------------------------------------------------------------------------------------------


def _content(params: Mapping[str, str], drop: tuple[str, ...]) -> str:
    kept = sorted((k, v) for k, v in params.items() if k not in drop and v not in ("", None))
    return "&".join(f"{k}={v}" for k, v in kept)


def request_content(params: Mapping[str, str]) -> str:
    """The string a request's signature covers: `sign` and empty values dropped."""
    return _content(params, ("sign",))


def notification_content(params: Mapping[str, str]) -> str:
    """The string a notification's signature covers: `sign` AND `sign_type` dropped."""
    return _content(params, ("sign", "sign_type"))


def sign(content: str, key: rsa.RSAPrivateKey) -> str:
    signature = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(content: str, signature: str, key: rsa.RSAPublicKey) -> bool:
    try:
        raw = base64.b64decode(signature or "", validate=True)
        key.verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def sign_request(params: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """`params` with `sign` added (they must already hold `sign_type`)."""
    return {**params, "sign": sign(request_content(params), key)}


def sign_notification(params: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """A notification's form fields with `sign_type` and `sign` added."""
    params = {**params, "sign_type": SIGN_TYPE}
    return {**params, "sign": sign(notification_content(params), key)}


# ---------------------------------------------------------------------------------------------
# Synchronous responses
# ---------------------------------------------------------------------------------------------


def response_key(method: str) -> str:
    """`alipay.trade.query` → `alipay_trade_query_response`."""
    return method.replace(".", "_") + "_response"


def raw_member(body: str, key: str) -> str | None:
    """The exact text of the JSON object member `key` at the top level of `body`.

    The signature covers these characters as sent, so they are cut out of the body, not
    re-serialised: a scanner that knows JSON strings (braces inside them do not count).
    """
    depth, index, length = 0, 0, len(body)
    while index < length:
        char = body[index]
        if char == '"':
            end = _string_end(body, index)
            if depth == 1 and body[index + 1:end] == key:
                colon = body.find(":", end + 1)
                start = colon + 1
                while start < length and body[start] in " \t\r\n":
                    start += 1
                if colon < 0 or start >= length or body[start] != "{":
                    return None
                return body[start:_object_end(body, start) + 1]
            index = end + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        index += 1
    return None


def _string_end(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return index
        index += 1
    raise ValueError("unterminated string")


def _object_end(text: str, start: int) -> int:
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _string_end(text, index) + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unterminated object")


def signed_response(method: str, payload: dict, key: rsa.RSAPrivateKey) -> str:
    """The body of a signed synchronous response, as the gateway (the simulator) sends it."""
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f'{{"{response_key(method)}":{inner},"sign":"{sign(inner, key)}"}}'


# ---------------------------------------------------------------------------------------------
# Amounts and time
# ---------------------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    """`1234` fen → `"12.34"`: integer arithmetic only."""
    if type(fen) is not int or fen < 0:
        raise ValueError(f"an amount of fen must be a non-negative int, got {fen!r}")
    return f"{fen // 100}.{fen % 100:02d}"


def fen(text: str) -> int:
    """`"12.34"` (or `"12.3"`, `"12"`) → `1234`. Anything else raises ValueError: never
    parsed as a float, never rounded."""
    match = _YUAN.fullmatch(text or "")
    if match is None:
        raise ValueError(f"not an amount in yuan: {text!r}")
    cents = (match.group(2) or ".")[1:].ljust(2, "0")
    return int(match.group(1)) * 100 + int(cents)


def timestamp(moment: dt.datetime) -> str:
    """Alipay's `yyyy-MM-dd HH:mm:ss` in Beijing time."""
    return moment.astimezone(BEIJING).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> dt.datetime:
    """The aware datetime of an Alipay timestamp (Beijing time); ValueError if malformed."""
    return dt.datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=BEIJING)
