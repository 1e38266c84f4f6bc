"""File storage behind one small interface: the local filesystem (the default) or an
S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Aliyun OSS, Tencent COS…).

`from_env()` chooses: with `GALLERIA_S3_BUCKET` set, files go to that bucket; otherwise to
`media_dir`. The S3 client signs its requests with AWS Signature Version 4 by hand over
httpx (no SDK): PUT, GET and DELETE of whole objects is all a shop needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit

import httpx

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,250}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def url(self, key: str) -> str: ...


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files under `root`, served by the app at `/media/{key}`."""

    def __init__(self, root: Path, base_url: str = "/media/") -> None:
        self.root = root
        self.base_url = base_url

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return self.base_url + key if key else ""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_authorization(method: str, url: str, headers: Mapping[str, str], payload_hash: str,
                        *, access_key: str, secret_key: str, region: str,
                        service: str = "s3") -> str:
    """The `Authorization` header of AWS Signature Version 4 for a request whose `headers`
    (all of them signed) include `host` and `x-amz-date`."""
    parts = urlsplit(url)
    query = "&".join(sorted(
        "=".join(quote(unquote(p), safe="-_.~") for p in [*pair.split("=", 1), ""][:2])
        for pair in parts.query.split("&") if pair))
    signed = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    names = ";".join(sorted(signed))
    canonical = "\n".join([
        method, quote(parts.path or "/", safe="/-_.~"), query,
        *(f"{k}:{signed[k]}" for k in sorted(signed)), "", names, payload_hash])
    stamp = signed["x-amz-date"]
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{_sha256(canonical.encode())}"
    key = ("AWS4" + secret_key).encode()
    for part in (stamp[:8], region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={names},"
            f"Signature={signature}")


class S3Storage:
    """Objects in `bucket` at an S3-compatible `endpoint` (path-style addressing, which
    every S3-compatible service accepts). `public_url` is where browsers fetch them (a CDN
    or the bucket's public address); by default the endpoint itself."""

    def __init__(self, *, endpoint: str, bucket: str, access_key: str, secret_key: str,
                 region: str = "us-east-1", public_url: str | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30) -> None:
        self.base = f"{endpoint.rstrip('/')}/{bucket}/"
        self.public = (public_url.rstrip("/") + "/") if public_url else self.base
        self._credentials = {"access_key": access_key, "secret_key": secret_key,
                             "region": region}
        self._client = httpx.Client(transport=transport, timeout=timeout)

    def _send(self, method: str, key: str, data: bytes = b"") -> httpx.Response:
        url = self.base + quote(check_key(key), safe="/-_.~")
        headers = {"host": urlsplit(url).netloc, "x-amz-content-sha256": _sha256(data),
                   "x-amz-date": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")}
        if method == "PUT":
            headers["content-type"] = mimetypes.guess_type(key)[0] or "application/octet-stream"
        headers["authorization"] = sigv4_authorization(
            method, url, headers, headers["x-amz-content-sha256"], **self._credentials)
        response = self._client.request(method, url, content=data or None, headers=headers)
        if response.status_code >= 300 and not (method == "DELETE"
                                                 and response.status_code == 404):
            raise OSError(f"S3 {method} {key}: HTTP {response.status_code} "
                          f"{response.text[:200]}")
        return response

    def put(self, key: str, data: bytes) -> None:
        self._send("PUT", key, data)

    def get(self, key: str) -> bytes:
        return self._send("GET", key).content

    def delete(self, key: str) -> None:
        self._send("DELETE", key)

    def url(self, key: str) -> str:
        return self.public + key if key else ""


S3_SETTINGS = ("GALLERIA_S3_ENDPOINT", "GALLERIA_S3_BUCKET", "GALLERIA_S3_ACCESS_KEY",
               "GALLERIA_S3_SECRET_KEY")


def from_env(env: Mapping[str, str], media_dir: Path) -> Storage:
    """S3Storage when `GALLERIA_S3_BUCKET` is set (with `GALLERIA_S3_ENDPOINT`,
    `_ACCESS_KEY`, `_SECRET_KEY`, optional `_REGION` and `_PUBLIC_URL`), else LocalStorage
    under `media_dir`. Raises ValueError naming every missing setting."""
    if not env.get("GALLERIA_S3_BUCKET"):
        return LocalStorage(media_dir)
    missing = [name for name in S3_SETTINGS if not env.get(name)]
    if missing:
        raise ValueError("S3 storage needs " + ", ".join(missing))
    return S3Storage(endpoint=env["GALLERIA_S3_ENDPOINT"], bucket=env["GALLERIA_S3_BUCKET"],
                     access_key=env["GALLERIA_S3_ACCESS_KEY"],
                     secret_key=env["GALLERIA_S3_SECRET_KEY"],
                     region=env.get("GALLERIA_S3_REGION") or "us-east-1",
                     public_url=env.get("GALLERIA_S3_PUBLIC_URL") or None)


_storage: Storage | None = None


def configure(storage: Storage) -> None:
    global _storage
    _storage = storage


def storage() -> Storage:
    if _storage is None:
        raise RuntimeError("galleria.kernel.storage.configure() has not been called")
    return _storage
