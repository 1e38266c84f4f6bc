"""A WeCom group robot simulator for tests: an ASGI app with the webhook's checks.

    robot = RobotSimulator()
    key = robot.add_group("团队群")
    with serve_asgi(robot.asgi()) as base:      # galleria.testing's harness
        channel = RobotChannel(key, api_base=base)
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from galleria_wecom_robot.robot import LIMITS

INVALID_KEY, BAD_TYPE, BAD_JSON, TOO_LONG, RATE_LIMITED = 93000, 40008, 40001, 40058, 45009


class RobotSimulator:
    """Groups by webhook key; `messages[key]` lists what each group received."""

    def __init__(self) -> None:
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.down = False  # answer 45009 (rate limited) to everything

    def add_group(self, name: str) -> str:
        key = secrets.token_hex(16)
        self.messages[key] = []
        return key

    def check(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        """WeCom's checks, in its order; (errcode, errmsg)."""
        if query.get("key") not in self.messages:
            return INVALID_KEY, "invalid webhook url"
        if self.down:
            return RATE_LIMITED, "api freq out of limit"
        try:
            sent = json.loads(body)
        except ValueError:
            return BAD_JSON, "invalid json"
        kind = sent.get("msgtype") if isinstance(sent, dict) else None
        if kind not in LIMITS:
            return BAD_TYPE, "invalid message type"
        content = (sent.get(kind) or {}).get("content")
        if not isinstance(content, str) or not content:
            return BAD_JSON, "content is empty"
        if len(content.encode()) > LIMITS[kind]:
            return TOO_LONG, "content exceed max length"
        self.messages[query["key"]].append(sent)
        return 0, "ok"

    def asgi(self):
        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            body = b""
            while True:
                event = await receive()
                body += event.get("body", b"")
                if not event.get("more_body"):
                    break
            if scope["method"] != "POST" or scope["path"] != "/cgi-bin/webhook/send":
                status, reply = 404, {"errcode": 404, "errmsg": "not found"}
            else:
                query = dict(pair.split("=", 1) for pair in
                             scope["query_string"].decode().split("&") if "=" in pair)
                errcode, errmsg = self.check(query, body)
                status, reply = 200, {"errcode": errcode, "errmsg": errmsg}
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

        return app
