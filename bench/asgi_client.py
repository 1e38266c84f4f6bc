"""Calling the ASGI app directly, without a socket or an HTTP client: what the profile
measures is the server's own work. Plus a counter of the statements sent to the database."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.text[:500]}")


async def call(app, method: str, url: str, *, host: str, json: Any = None,
               headers: dict[str, str] | None = None) -> Answer:
    parts = urlsplit(url)
    body = b"" if json is None else jsonlib.dumps(json).encode()
    raw = [(b"host", host.encode()), (b"accept", b"*/*")]
    if json is not None:
        raw += [(b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "method": method, "scheme": "http",
             "path": parts.path, "raw_path": parts.path.encode(),
             # percent-encoded, as a client sends it (raw UTF-8 here searched for mojibake)
             "query_string": quote(parts.query, safe="=&%+").encode(), "root_path": "",
             "headers": raw,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
    sent = False
    status = 0
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for k, v in message.get("headers", []):
                out_headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Answer(status, out_headers, b"".join(chunks))


class AsgiHttp:
    """`bench_shop`'s client interface over the in-process app."""

    def __init__(self, app) -> None:
        self.app = app

    async def request(self, method: str, path: str, *, host: str, json: Any = None,
                      headers: dict[str, str] | None = None) -> Answer:
        return await call(self.app, method, path, host=host, json=json, headers=headers)


class QueryCounter:
    """Counts statements the drivers send (asyncpg and aiosqlite), BEGIN/COMMIT included."""

    count = 0
    statements: list[str] | None = None  # a list to record the statements' text into

    @classmethod
    def install(cls) -> type[QueryCounter]:
        import asyncpg.connection

        def counting(original):
            def wrapper(self, *args, **kwargs):
                cls.count += 1
                if cls.statements is not None:
                    cls.statements.append(" ".join(str(args[0] if args else "").split())[:300])
                return original(self, *args, **kwargs)
            return wrapper

        for name in ("fetch", "execute", "fetchrow", "fetchval", "executemany"):
            setattr(asyncpg.connection.Connection, name,
                    counting(getattr(asyncpg.connection.Connection, name)))
        try:
            import aiosqlite

            for name in ("execute", "executemany", "commit", "rollback"):
                setattr(aiosqlite.Connection, name, counting(getattr(aiosqlite.Connection, name)))
        except ImportError:
            pass
        return cls
