"""A shop opened through the platform's signup API, for browser tests that set up their data
the way a merchant's and a shopper's apps would: `call` the admin API with the shop's token,
the storefront API without one or with a shopper's, and wait for an order's state."""

from __future__ import annotations

import time

import httpx

PASSWORD = "Correct-Horse-9"


class ShopApi:
    def __init__(self, server, slug: str, name: str = "莲心茶舍") -> None:
        self.slug = slug
        self.email = f"owner@{slug}.example"
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        self.host = f"{slug}.localhost:{server.port}"
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": name, "slug": slug, "email": self.email,
                                      "password": PASSWORD, "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, token: str | None = "admin", **kwargs
             ) -> httpx.Response:
        """`token`: "admin" (the shop's), None (a visitor) or a shopper's token; an answer
        of 400 or more fails the test, naming the path."""
        headers = {"host": self.host, "accept-language": "zh-CN"}
        if token:
            headers["authorization"] = f"Bearer {self.token if token == 'admin' else token}"
        answer = self.http.request(method, path, headers=headers, **kwargs)
        assert answer.status_code < 400, (path, answer.text)
        return answer

    def wait_for(self, number: str, status: str) -> None:
        """Until the order is in `status` (its jobs run in the server, a moment later)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.call("GET", f"/api/admin/v1/orders/{number}").json()["status"] == status:
                return
            time.sleep(0.2)
        raise AssertionError(f"order {number} did not become {status}")
