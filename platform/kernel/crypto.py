"""Encryption of secrets at rest (plugin API keys, private keys).

The key is derived from GALLERIA_SECRET_KEY with HKDF, so rotating the secret key means
re-entering plugin secrets; Fernet gives authenticated encryption with a timestamp.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_secret_key: str | None = None


class SecretsUnreadable(RuntimeError):
    """Stored secrets cannot be decrypted (the secret key changed or the data was altered)."""


def configure(secret_key: str) -> None:
    global _secret_key
    _secret_key = secret_key
    derive_key.cache_clear()
    _fernet.cache_clear()


@lru_cache(maxsize=16)
def derive_key(purpose: str) -> bytes:
    """32 bytes for `purpose` (encryption, a keyed digest), derived from the secret key with
    HKDF: one secret, a separate key per use."""
    if not _secret_key:
        raise RuntimeError("galleria.kernel.crypto.configure() has not been called")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"galleria:{purpose}".encode()).derive(_secret_key.encode())


@lru_cache(maxsize=4)
def _fernet(purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(purpose)))


def seal(values: dict, purpose: str = "plugin-secrets") -> str:
    if not values:
        return ""
    return _fernet(purpose).encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str, purpose: str = "plugin-secrets") -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet(purpose).decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretsUnreadable("stored secrets cannot be decrypted with this secret key") from exc
