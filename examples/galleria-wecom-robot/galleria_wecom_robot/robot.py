"""The WeCom (企业微信) group robot as a notification channel.

Protocol (WeCom's "群机器人" webhook): POST JSON to
`{api_base}/cgi-bin/webhook/send?key={key}` with `{"msgtype": "markdown", "markdown":
{"content": …}}` or `{"msgtype": "text", "text": {"content": …}}`; the answer is HTTP 200
with `{"errcode": 0, "errmsg": "ok"}`, any other errcode means "not sent".
"""

from __future__ import annotations

import httpx

from galleria.kernel import NotificationMessage

API_BASE = "https://qyapi.weixin.qq.com"
LIMITS = {"markdown": 4096, "text": 2048}  # content bytes WeCom accepts


class RobotError(Exception):
    """The robot did not take the message (network, HTTP status or errcode)."""


class RobotChannel:
    """Sends each message to one group through its robot's webhook key."""

    kind = "wecom_robot"

    def __init__(self, key: str, msgtype: str = "markdown", api_base: str = API_BASE) -> None:
        self.key, self.msgtype, self.api_base = key, msgtype, api_base.rstrip("/")

    def body(self, message: NotificationMessage) -> dict:
        if self.msgtype == "markdown":
            content = f"**{message.subject}**\n{message.text}"
        else:
            content = f"{message.subject}\n{message.text}"
        limit = LIMITS[self.msgtype]
        content = content.encode()[:limit].decode(errors="ignore")
        return {"msgtype": self.msgtype, self.msgtype: {"content": content}}

    async def send(self, message: NotificationMessage) -> None:
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.post(f"{self.api_base}/cgi-bin/webhook/send",
                                         params={"key": self.key}, json=self.body(message))
        except httpx.HTTPError as exc:
            raise RobotError(f"the robot could not be reached: {exc}") from exc
        if answer.status_code != 200:
            raise RobotError(f"the robot answered HTTP {answer.status_code}")
        reply = answer.json()
        if reply.get("errcode") != 0:
            raise RobotError(f"the robot refused: {reply.get('errcode')} {reply.get('errmsg')}")
