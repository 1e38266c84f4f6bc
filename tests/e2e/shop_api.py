"""A shop opened through the platform's signup API, for browser tests that set up their data
the way a merchant's and a shopper's apps would: `call` the admin API with the shop's token,
the storefront API without one or with a shopper's, wait for an order's state, take an
order through to delivered; and small pictures and videos to upload."""

from __future__ import annotations

import io
import struct
import time

import httpx
from PIL import Image

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

    def delivered_order_of(self, token: str, variant_id: int, address: dict, **extra) -> str:
        """The shopper's (`token`) bank-transfer order of one `variant_id` to `address`
        (`extra`: more of the order's fields), marked paid, shipped by SF and delivered;
        its number."""
        cart = self.call("POST", "/api/v1/carts", token=token).json()["id"]
        self.call("POST", f"/api/v1/carts/{cart}/items", token=token,
                  json={"variant_id": variant_id, "quantity": 1})
        number = self.call("POST", "/api/v1/orders", token=token, json={
            "cart_id": cart, "contact": {"name": address["name"], "phone": address["phone"]},
            "address": address, "payment_method": "bank_transfer", **extra}).json()["number"]
        self.call("POST", f"/api/admin/v1/orders/{number}/mark-paid", json={"note": "到账"})
        self.wait_for(number, "approved")
        shipment = self.call("POST", f"/api/admin/v1/orders/{number}/shipments", json={
            "carrier": "sf", "tracking_number": "SF1234567890"}).json()
        self.call("POST", f"/api/admin/v1/shipments/{shipment['id']}/events",
                  json={"status": "delivered", "description": "已签收"})
        self.wait_for(number, "delivered")
        return number


def png(color: str, size: int = 600) -> bytes:
    """A square picture of one colour, as a PNG."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, "PNG")
    return out.getvalue()


def mp4() -> bytes:
    """The smallest file the product video upload takes as an MP4 (ftyp and mdat boxes)."""
    ftyp = b"isom\0\0\x02\0isommp41"
    head = struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp
    return head + struct.pack(">I", 8 + 1024) + b"mdat" + b"\0" * 1024
