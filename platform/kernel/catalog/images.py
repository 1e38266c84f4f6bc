"""Product pictures: checked by their content, re-encoded, and kept in three sizes.

An upload is accepted only when Pillow reads it as JPEG, PNG or WebP (the file name and the
declared type are not trusted) and it is at most 8 MB and 40 megapixels. It is re-encoded as
JPEG — which drops EXIF data such as a phone's GPS position, applies the camera's rotation,
and flattens transparency onto white — at up to 2400 px, plus a 1200 px picture for product
pages and a 400 px thumbnail for lists. The files go to storage under
`shops/{tenant}/products/{product}/`; a `ProductImage` row records their keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import re
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from galleria.kernel.catalog.tables import Product, ProductImage
from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.storage import storage

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_IMAGES = 20
FORMATS = ("JPEG", "PNG", "WEBP")
FULL, LARGE, THUMB = 2400, 1200, 400
QUALITY = 85
WEBP_BOXES = (200, 400, 800)  # what a phone's grid and product page pick from
WEBP_QUALITY = 80


@dataclass(frozen=True)
class Encoded:
    """A picture in its stored sizes; `large`/`thumb` are None when the picture is already
    that small (the full one serves)."""

    full: bytes
    large: bytes | None
    thumb: bytes | None
    width: int
    height: int
    webp: dict[int, bytes] = field(default_factory=dict)


def _refuse(detail: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError("file", detail)])


def _open(data: bytes) -> Image.Image:
    if not data:
        raise _refuse("The file is empty")
    if len(data) > MAX_BYTES:
        raise _refuse(f"The picture is {len(data) / 1048576:.1f} MB; at most 8 MB is accepted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data), formats=FORMATS).verify()
            picture = Image.open(io.BytesIO(data), formats=FORMATS)
            if picture.width * picture.height > MAX_PIXELS:
                raise _refuse(f"The picture is {picture.width}×{picture.height} pixels; at "
                              f"most {MAX_PIXELS // 1_000_000} megapixels are accepted")
            picture.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise _refuse("The file is not a JPEG, PNG or WebP picture") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _refuse("The picture is damaged or cut short; export it again") from exc
    return picture


def _flatten(picture: Image.Image) -> Image.Image:
    picture = ImageOps.exif_transpose(picture) or picture
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in
                                          picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def _jpeg(picture: Image.Image, box: int) -> bytes:
    copy = picture.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _webp(picture: Image.Image, box: int) -> bytes:
    copy = picture.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _webp_boxes(longest: int) -> list[int]:
    """The WebP boxes worth making: each smaller than the picture, and the first that is
    not (never upscaled: it is the picture at its own size)."""
    boxes = []
    for box in WEBP_BOXES:
        boxes.append(box)
        if box >= longest:
            break
    return boxes


def encode(data: bytes) -> Encoded:
    """Check and re-encode an upload (CPU-bound: run it in a thread). Raises
    ValidationFailed with a sentence a merchant understands."""
    picture = _flatten(_open(data))
    longest = max(picture.size)
    full = _jpeg(picture, FULL)
    width, height = Image.open(io.BytesIO(full)).size
    return Encoded(
        full=full, width=width, height=height,
        large=_jpeg(picture, LARGE) if longest > LARGE else None,
        thumb=_jpeg(picture, THUMB) if longest > THUMB else None,
        webp={box: _webp(picture, box) for box in _webp_boxes(longest)},
    )


def _put_all(prefix: str, encoded: Encoded) -> dict[str, Any]:
    store = storage()
    key = f"{prefix}.jpg"
    store.put(key, encoded.full)
    keys = {"key": key, "large_key": key, "thumb_key": key}
    if encoded.large is not None:
        keys["large_key"] = f"{prefix}-{LARGE}.jpg"
        store.put(keys["large_key"], encoded.large)
    if encoded.thumb is not None:
        keys["thumb_key"] = f"{prefix}-{THUMB}.jpg"
        store.put(keys["thumb_key"], encoded.thumb)
    webp = {}
    for box, data in encoded.webp.items():
        webp[str(box)] = f"{prefix}-{box}.webp"
        store.put(webp[str(box)], data)
    return {**keys, "webp": webp}


async def add_image(tenant_id: int, product_id: int, data: bytes) -> dict[str, Any]:
    """Check, re-encode and store a picture as the product's last one; returns it as
    `image_view` shows it. Raises ValidationFailed or NotFound."""
    product = await Product.select(Product.id).where(
        (Product.tenant == tenant_id) & (Product.id == product_id)
        & Product.deleted_at.is_null()).first()
    if product is None:
        raise NotFound(f"No product {product_id} in this shop")
    positions = await ProductImage.select(ProductImage.position).where(
        (ProductImage.tenant == tenant_id) & (ProductImage.product == product_id))
    if len(positions) >= MAX_IMAGES:
        raise _refuse(f"A product has at most {MAX_IMAGES} pictures; delete one first")
    encoded = await asyncio.to_thread(encode, data)
    prefix = f"shops/{tenant_id}/products/{product_id}/{secrets.token_hex(8)}"
    keys = await asyncio.to_thread(_put_all, prefix, encoded)
    row = ProductImage(tenant=tenant_id, product=product_id, width=encoded.width,
                       height=encoded.height,
                       position=max((p["position"] for p in positions), default=-1) + 1,
                       **keys)
    image_id = (await ProductImage.insert(row))[0]["id"]
    return image_view({**keys, "id": image_id, "width": encoded.width,
                       "height": encoded.height, "position": row.position})


async def delete_image(tenant_id: int, product_id: int, image_id: int) -> None:
    """Remove a picture of the product and its files."""
    deleted = await ProductImage.delete().where(
        (ProductImage.tenant == tenant_id) & (ProductImage.product == product_id)
        & (ProductImage.id == image_id)).returning(
        ProductImage.key, ProductImage.large_key, ProductImage.thumb_key, ProductImage.webp)
    if not deleted:
        raise NotFound(f"Product {product_id} has no picture {image_id}")
    row = deleted[0]
    keys = {row[k] for k in ("key", "large_key", "thumb_key") if row[k]}
    keys |= set(_renditions(row.get("webp")).values())
    await asyncio.to_thread(lambda: [storage().delete(k) for k in keys])


def image_view(row: dict[str, Any]) -> dict[str, Any]:
    """A picture as the API shows it: URLs of its three sizes and its size in pixels.
    Rows from before resizing existed have only `key`, which then serves every size."""
    url = storage().url
    width, height = row.get("width") or 0, row.get("height") or 0
    longest = max(width, height)
    webp = [{"url": url(key), "width": round(width * min(1.0, int(box) / longest))}
            for box, key in sorted(_renditions(row.get("webp")).items(), key=lambda kv: int(kv[0]))
            if longest]
    return {"id": row["id"], "url": url(row["key"]),
            "large_url": url(row.get("large_key") or row["key"]),
            "thumb_url": url(row.get("thumb_key") or row["key"]),
            "width": width, "height": height,
            "position": row.get("position", 0), "webp": webp}


def _renditions(value: Any) -> dict[str, str]:
    """The `webp` column as {box: key} (a JSON string or already decoded)."""
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return value if isinstance(value, dict) else {}


# -- photos attached to after-sales and quality checks ------------------------------------
PHOTO_FOLDERS = ("returns", "checks", "tickets", "categories", "videos", "banners",
                 "reviews")  # reviews: the reviews plugin
MAX_PHOTOS = 9


def _photo_re(tenant_id: int, folder: str) -> re.Pattern[str]:
    return re.compile(rf"^shops/{tenant_id}/{folder}/[0-9a-f]{{16}}\.jpg$")


async def store_photo(tenant_id: int, folder: str, data: bytes) -> dict[str, str]:
    """Check and re-encode a photo a shopper or the staff attach (a return request's,
    a failed quality check's) exactly as product pictures are checked, and store it under
    `shops/{tenant}/{folder}/`. Returns `{"key", "url", "thumb_url"}`; the key is what a
    request then names in its `photos`. Raises ValidationFailed for anything but a JPEG,
    PNG or WebP picture of at most 8 MB."""
    if folder not in PHOTO_FOLDERS:
        raise ValueError(f"unknown photo folder {folder!r}")
    encoded = await asyncio.to_thread(encode, data)
    prefix = f"shops/{tenant_id}/{folder}/{secrets.token_hex(8)}"
    # A small photo gets its thumbnail too, so every photo's thumbnail is at one place.
    # No WebP renditions: these are looked at by the shop and the shopper, not browsed.
    encoded = dataclasses.replace(encoded, thumb=encoded.thumb or encoded.full, webp={})
    keys = await asyncio.to_thread(_put_all, prefix, encoded)
    return photo_view(keys["key"])


def check_photos(tenant_id: int, folder: str, keys: list[str] | None,
                 field: str = "photos") -> list[str]:
    """The keys of `keys`, each a photo stored by `store_photo` for this shop and folder;
    ValidationFailed names any other (a link elsewhere, another shop's photo)."""
    keys = list(keys or [])
    pattern = _photo_re(tenant_id, folder)
    problems = [FieldError(f"{field}[{i}]", "not a photo uploaded to this shop; upload it "
                           "first and give the key the upload answered")
                for i, key in enumerate(keys) if not isinstance(key, str)
                or not pattern.match(key)]
    if len(keys) > MAX_PHOTOS:
        problems.append(FieldError(field, f"at most {MAX_PHOTOS} photos"))
    if problems:
        raise ValidationFailed("These photos cannot be attached", errors=problems)
    return list(dict.fromkeys(keys))


def photo_view(key: str) -> dict[str, str]:
    """A stored photo's URLs: the picture and its 400 px thumbnail."""
    url = storage().url
    thumb = key[:-4] + f"-{THUMB}.jpg"
    return {"key": key, "url": url(key), "thumb_url": url(thumb)}
