"""WeChat Pay API v3 cryptography: request signatures, response and notification
verification, AES-256-GCM resources and the JSAPI client `paySign`.

Pure functions over `cryptography` objects: no I/O, so the adapter (client.py) and the
simulator share them and tests can cross-check them against the `wechatpayv3` SDK.

Strings signed (PROTOCOLS.md, "WeChat Pay API v3"), each line ending in ``\\n``:

- a request: ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant's key;
- a response or notification: ``TIMESTAMP\\nNONCE\\nBODY\\n`` with WeChat Pay's key;
- a JSAPI payment: ``appId\\ntimeStamp\\nnonceStr\\npackage\\n`` with the merchant's key.

All are SHA256withRSA (PKCS#1 v1.5), base64.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_SECONDS = 300  # WeChat Pay rejects (and we reject) timestamps 5 minutes or more off
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


class SignatureInvalid(Exception):
    """A signature, timestamp, serial or ciphertext did not check out; the message says
    which (for logs, never for the sender)."""


# -- keys ----------------------------------------------------------------------------------

def _pem(text: str, label: str) -> bytes:
    """Accept a full PEM or the bare base64 body merchants often paste."""
    text = text.strip()
    if not text.startswith("-----BEGIN"):
        compact = re.sub(r"\s+", "", text)
        body = "\n".join(compact[i:i + 64] for i in range(0, len(compact), 64))
        text = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
    return text.encode()


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """The merchant API private key (`apiclient_key.pem`, PKCS#8 or PKCS#1)."""
    try:
        key = serialization.load_pem_private_key(_pem(text, "PRIVATE KEY"), password=None)
    except (ValueError, TypeError) as error:
        raise ValueError("not a PEM RSA private key") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """The "WeChat Pay public key" (`pub_key.pem`), or a platform certificate's key."""
    data = _pem(text, "PUBLIC KEY")
    try:
        if b"CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise ValueError("not a PEM RSA public key or certificate") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def certificate_serial(text: str) -> str:
    """A platform certificate's serial as WeChat Pay writes it in `Wechatpay-Serial`
    (upper-case hex)."""
    cert = x509.load_pem_x509_certificate(_pem(text, "CERTIFICATE"))
    return format(cert.serial_number, "X")


def public_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# -- RSA -----------------------------------------------------------------------------------

def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: str | bytes, signature: str) -> bool:
    data = message.encode() if isinstance(message, str) else message
    try:
        key.verify(base64.b64decode(signature, validate=True), data, padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def nonce_str() -> str:
    return secrets.token_hex(16).upper()


def request_message(method: str, path_and_query: str, timestamp: str, nonce: str,
                    body: bytes) -> bytes:
    head = f"{method.upper()}\n{path_and_query}\n{timestamp}\n{nonce}\n".encode()
    return head + body + b"\n"


def authorization(*, mchid: str, serial_no: str, key: rsa.RSAPrivateKey, method: str,
                  path_and_query: str, body: bytes, timestamp: int | None = None,
                  nonce: str | None = None) -> str:
    """The `Authorization` header of a request whose exact body bytes are `body`."""
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), \
        nonce or nonce_str()
    message = request_message(method, path_and_query, stamp, nonce, body)
    signature = base64.b64encode(
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{stamp}",serial_no="{serial_no}"')


def parse_authorization(header: str) -> dict[str, str]:
    """The fields of an `Authorization` header; raises SignatureInvalid if malformed."""
    schema, _, rest = header.strip().partition(" ")
    if schema != SCHEMA:
        raise SignatureInvalid(f"authorization schema {schema!r} is not {SCHEMA}")
    fields = dict(_AUTH_FIELD.findall(rest))
    missing = {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} - set(fields)
    if missing:
        raise SignatureInvalid("authorization lacks " + ", ".join(sorted(missing)))
    return fields


def check_fresh(timestamp: str, now: float | None = None) -> None:
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError) as error:
        raise SignatureInvalid(f"timestamp {timestamp!r} is not a number") from error
    if abs((now if now is not None else time.time()) - stamp) >= MAX_SKEW_SECONDS:
        raise SignatureInvalid(f"timestamp {stamp} is 5 minutes or more from now")


# -- responses and notifications ----------------------------------------------------------

def signed_headers(key: rsa.RSAPrivateKey, serial: str, body: bytes,
                   timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The `Wechatpay-*` headers WeChat Pay puts on a response or notification."""
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), \
        nonce or nonce_str()
    message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256()))
    return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature.decode(), "Wechatpay-Serial": serial,
            "Wechatpay-Signature-Type": SCHEMA}


def verify_signed(headers: Mapping[str, str], body: bytes,
                  keys: Mapping[str, rsa.RSAPublicKey], now: float | None = None) -> None:
    """Check a WeChat Pay response or notification: timestamp within 5 minutes, serial
    naming one of `keys` (public key id or certificate serial), signature over
    ``TIMESTAMP\\nNONCE\\nBODY\\n``. `headers` names are lower case. Raises
    SignatureInvalid."""
    timestamp = headers.get("wechatpay-timestamp", "")
    nonce = headers.get("wechatpay-nonce", "")
    signature = headers.get("wechatpay-signature", "")
    serial = headers.get("wechatpay-serial", "")
    kind = headers.get("wechatpay-signature-type", SCHEMA)
    if not (timestamp and nonce and signature and serial):
        raise SignatureInvalid("Wechatpay-Timestamp, -Nonce, -Signature or -Serial missing")
    if kind != SCHEMA:
        raise SignatureInvalid(f"signature type {kind!r} is not {SCHEMA}")
    check_fresh(timestamp, now)
    key = keys.get(serial) or keys.get(serial.upper())
    if key is None:
        raise SignatureInvalid(f"serial {serial!r} names no configured WeChat Pay key")
    if not rsa_verify(key, f"{timestamp}\n{nonce}\n".encode() + body + b"\n", signature):
        raise SignatureInvalid("signature does not verify")


# -- AES-256-GCM resources ----------------------------------------------------------------

def decrypt_resource(apiv3_key: str, resource: Mapping[str, str]) -> bytes:
    """Decrypt a notification's `resource` (AEAD_AES_256_GCM; ciphertext ends with the
    16-byte tag). Raises SignatureInvalid when it does not authenticate."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise SignatureInvalid(f"resource algorithm {resource.get('algorithm')!r}")
    try:
        aes = AESGCM(apiv3_key.encode())
        return aes.decrypt(resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]),
                           (resource.get("associated_data") or "").encode())
    except (InvalidTag, KeyError, ValueError, binascii.Error) as error:
        raise SignatureInvalid("resource does not decrypt with the APIv3 key") from error


def encrypt_resource(apiv3_key: str, plaintext: bytes, associated_data: str,
                     original_type: str) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, used as 12 bytes
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext,
                                                    associated_data.encode())
    return {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "nonce": nonce}


# -- JSAPI / mini-program ------------------------------------------------------------------

def jsapi_parameters(appid: str, prepay_id: str, key: rsa.RSAPrivateKey,
                     timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """What `wx.requestPayment` / `WeixinJSBridge.invoke('getBrandWCPayRequest')` take."""
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), \
        nonce or nonce_str()
    package = f"prepay_id={prepay_id}"
    return {"appId": appid, "timeStamp": stamp, "nonceStr": nonce, "package": package,
            "signType": "RSA",
            "paySign": rsa_sign(key, f"{appid}\n{stamp}\n{nonce}\n{package}\n")}


@dataclass(frozen=True)
class Credentials:
    """One merchant's keys, as the adapter uses them. `wechatpay_keys` maps a
    `Wechatpay-Serial` (public key id `PUB_KEY_ID_…` or certificate serial) to its key."""

    appid: str
    mchid: str
    serial_no: str
    private_key: rsa.RSAPrivateKey
    apiv3_key: str
    wechatpay_keys: Mapping[str, rsa.RSAPublicKey]
    public_key_id: str = ""
