"""A product's video (主图视频): one MP4 and its poster picture, shown first in the gallery.

The upload is checked by its content, not its name: an ISO media file (`ftyp` box first)
of an MP4 brand, at most 50 MB. A QuickTime .mov (what an iPhone records) is refused with
a sentence that says to export it as MP4. The server does not transcode or read frames
(ffmpeg is not guaranteed), so the poster is an uploaded picture, checked and re-encoded
as product pictures are. Files go to storage under `shops/{tenant}/products/{product}/`
(the poster under `shops/{tenant}/videos/`); the product row keeps their keys.

Every function takes the shop's `tenant_id` and must run inside `shop_scope(tenant_id)`.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
from typing import Any

from galleria.kernel.catalog.images import THUMB, photo_view, store_photo
from galleria.kernel.catalog.tables import Product
from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.storage import storage

MAX_VIDEO_BYTES = 50 * 1024 * 1024
MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42",
                        b"avc1", b"M4V ", b"MSNV", b"dash", b"3gp4", b"3gp5"})


def _refuse(field: str, detail: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(field, detail)])


def check_mp4(data: bytes) -> None:
    """ValidationFailed (field `video`) unless `data` is an MP4 of at most 50 MB."""
    if not data:
        raise _refuse("video", "The video file is empty")
    if len(data) > MAX_VIDEO_BYTES:
        raise _refuse("video", f"The video is {len(data) / 1048576:.1f} MB; at most "
                               f"{MAX_VIDEO_BYTES // 1048576} MB is accepted")
    size = struct.unpack(">I", data[:4])[0] if len(data) >= 12 else 0
    if data[4:8] != b"ftyp" or not 16 <= size <= min(len(data), 1024):
        raise _refuse("video", "The file is not an MP4 video")
    box = data[8:size]
    brands = {box[0:4], *(box[i:i + 4] for i in range(8, len(box) - 3, 4))}
    if not brands & MP4_BRANDS:
        if box[0:4] == b"qt  ":
            raise _refuse("video", "This is a QuickTime (.mov) video; export it as MP4")
        raise _refuse("video", "The file is not an MP4 video")


def video_view(row: dict[str, Any]) -> dict[str, str] | None:
    """A product row's video as shown: `{"url", "poster_url", "poster_thumb_url"}`, or None."""
    if not row.get("video_key"):
        return None
    poster = photo_view(row["video_poster_key"]) if row.get("video_poster_key") else None
    return {"url": storage().url(row["video_key"]),
            "poster_url": poster["url"] if poster else "",
            "poster_thumb_url": poster["thumb_url"] if poster else ""}


async def _product_row(tenant_id: int, product_id: int) -> dict[str, Any]:
    row = await Product.select(Product.id, Product.video_key, Product.video_poster_key).where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null()).first()
    if row is None:
        raise NotFound(f"No product {product_id} in this shop")
    return row


def _forget(row: dict[str, Any]) -> None:
    keys = [row.get("video_key") or ""]
    poster = row.get("video_poster_key") or ""
    if poster:
        keys += [poster, poster[:-4] + f"-{THUMB}.jpg"]
    for key in keys:
        if key:
            storage().delete(key)


async def set_video(tenant_id: int, product_id: int, video: bytes,
                    poster: bytes) -> dict[str, str]:
    """Give the product its video and poster (replacing any before); returns `video_view`.
    Raises ValidationFailed (`video`: not an MP4 or too big; `poster`: not a picture) or
    NotFound."""
    before = await _product_row(tenant_id, product_id)
    check_mp4(video)
    if not poster:
        raise _refuse("poster", "Choose a cover picture for the video")
    try:
        poster_key = (await store_photo(tenant_id, "videos", poster))["key"]
    except ValidationFailed as exc:
        raise _refuse("poster", exc.detail) from exc
    key = f"shops/{tenant_id}/products/{product_id}/{secrets.token_hex(8)}.mp4"
    await asyncio.to_thread(storage().put, key, video)
    await Product.update({Product.video_key: key, Product.video_poster_key: poster_key}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))
    await asyncio.to_thread(_forget, before)
    return video_view({"video_key": key, "video_poster_key": poster_key}) or {}


async def delete_video(tenant_id: int, product_id: int) -> None:
    """Remove the product's video and poster (nothing happens when it has none)."""
    before = await _product_row(tenant_id, product_id)
    await Product.update({Product.video_key: "", Product.video_poster_key: ""}).where(
        (Product.tenant == tenant_id) & (Product.id == product_id))
    await asyncio.to_thread(_forget, before)


__all__ = ["MAX_VIDEO_BYTES", "check_mp4", "delete_video", "set_video", "video_view"]
