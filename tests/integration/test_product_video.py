"""Product videos (issue 20 item 6): an MP4 with a cover picture, checked by content and
size, shown first in the storefront's gallery as `<video controls playsinline poster>`."""

from __future__ import annotations

import io
import re
import struct

import pytest
from PIL import Image

from galleria.kernel.catalog.videos import MAX_VIDEO_BYTES, check_mp4
from galleria.kernel.errors import ValidationFailed
from galleria.testing import Browser, console_browser


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def movie(brand: bytes = b"isom", size: int = 2048) -> bytes:
    """An ISO media file: `ftyp` of `brand`, then an `mdat` box filling it to `size`."""
    compatible = brand if brand == b"qt  " else brand + b"mp41"  # as a phone's .mov says
    head = _box(b"ftyp", brand + b"\0\0\x02\0" + compatible)
    return head + _box(b"mdat", b"\0" * (size - len(head) - 8))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(out, "PNG")
    return out.getvalue()


def test_only_mp4_of_at_most_50_mb_passes():
    check_mp4(movie())
    check_mp4(movie(b"mp42"))
    with pytest.raises(ValidationFailed, match="QuickTime"):
        check_mp4(movie(b"qt  "))
    with pytest.raises(ValidationFailed, match="not an MP4"):
        check_mp4(png())
    with pytest.raises(ValidationFailed, match="at most 50 MB"):
        check_mp4(movie(size=MAX_VIDEO_BYTES + 1))


async def test_a_merchant_adds_a_video_that_plays_first_in_the_gallery(app, open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "手冲咖啡壶", "variants": [{"sku": "POT-1", "price": 16800, "stock": 5}]})
    product_id = made.json()["id"]
    picture = await shop.post(f"/api/admin/v1/products/{product_id}/images",
                              files={"file": ("p.png", png(), "image/png")})
    assert picture.status_code == 201, picture.text
    console = await console_browser(app, shop)
    guest = Browser(app, shop.host)
    try:
        editor = f"/console/products/{product_id}"
        token = await console.csrf(editor)
        mov = await console.http.post(f"{editor}/video", data={"_csrf_token": token}, files={
            "video": ("clip.mov", movie(b"qt  "), "video/quicktime"),
            "poster": ("cover.png", png(), "image/png")})
        assert mov.status_code == 303
        refused = await console.get(mov.headers["location"])
        assert "视频须为 MP4 文件" in refused.text

        saved = await console.http.post(f"{editor}/video", data={"_csrf_token": token}, files={
            "video": ("clip.mp4", movie(), "video/mp4"),
            "poster": ("cover.png", png(), "image/png")})
        assert saved.status_code == 303 and "saved=video" in saved.headers["location"]

        page = (await guest.get(f"/products/{product_id}")).text
        video = re.search(r'<video class="gallery-video" controls playsinline[^>]*'
                          r'poster="([^"]+)"[^>]*>\s*<source src="([^"]+)" type="video/mp4">',
                          page)
        assert video, page[:2000]
        assert page.index("<video") < page.index('data-gallery-main')  # before the pictures
        served = await guest.get(video.group(2))
        assert served.status_code == 200 and served.content == movie()
        assert (await guest.get(video.group(1))).status_code == 200  # the cover

        shown = (await shop.get(f"/api/v1/products/{product_id}", admin=False)).json()
        assert shown["video"]["url"] == video.group(2)

        removed = await shop.delete(f"/api/admin/v1/products/{product_id}/video")
        assert removed.status_code == 204
        assert "<video" not in (await guest.get(f"/products/{product_id}")).text
        assert (await guest.get(video.group(2))).status_code == 404  # the file went too
    finally:
        await console.close()
        await guest.close()


async def test_the_video_through_the_admin_api(open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "茶具", "variants": [{"sku": "TEA-SET", "price": 9900}]})
    product_id = made.json()["id"]
    url = f"/api/admin/v1/products/{product_id}/video"
    no_poster = await shop.put(url, files={"video": ("a.mp4", movie(), "video/mp4"),
                                           "poster": ("a.png", b"nope", "image/png")})
    assert no_poster.status_code == 422
    assert no_poster.json()["errors"][0]["field"] == "poster"
    done = await shop.put(url, files={"video": ("a.mp4", movie(), "video/mp4"),
                                      "poster": ("a.png", png(), "image/png")})
    assert done.status_code == 200, done.text
    assert done.json()["url"].endswith(".mp4") and done.json()["poster_url"].endswith(".jpg")
    product = (await shop.get(f"/api/admin/v1/products/{product_id}")).json()
    assert product["video"] == done.json()
