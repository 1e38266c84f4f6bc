"""Product pictures: only real JPEG, PNG and WebP are accepted, whatever the file claims to
be; they come out re-encoded, turned the right way up, without EXIF, in three sizes."""

import io

import pytest
from PIL import Image

from galleria.kernel.catalog import images
from galleria.kernel.errors import ValidationFailed


def picture(fmt: str, size=(1600, 900), mode="RGB", color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_become_jpeg_in_three_sizes(fmt):
    encoded = images.encode(picture(fmt))
    full, large, thumb = (opened(b) for b in (encoded.full, encoded.large, encoded.thumb))
    assert {full.format, large.format, thumb.format} == {"JPEG"}
    assert full.size == (1600, 900) == (encoded.width, encoded.height)
    assert large.size == (1200, 675)
    assert thumb.size == (400, 225)


def test_a_huge_picture_is_scaled_down_and_a_small_one_is_not_enlarged():
    assert opened(images.encode(picture("PNG", (5000, 2500))).full).size == (2400, 1200)
    small = images.encode(picture("PNG", (300, 200)))
    assert small.large is None and small.thumb is None  # the full picture serves every size
    assert opened(small.full).size == (300, 200)


@pytest.mark.parametrize(("data", "why"), [
    (picture("GIF", mode="P", color=1), "not a JPEG, PNG or WebP"),
    (picture("BMP"), "not a JPEG, PNG or WebP"),
    (picture("TIFF"), "not a JPEG, PNG or WebP"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "not a JPEG, PNG or WebP"),
    (b"%PDF-1.7\n" + b"0" * 100, "not a JPEG, PNG or WebP"),
    (b"MZ\x90\x00" + b"\x00" * 200, "not a JPEG, PNG or WebP"),
    (picture("PNG")[:400], "damaged"),
    (picture("JPEG")[:300], "damaged"),
    (b"", "empty"),
])
def test_anything_else_is_refused_with_a_clear_reason(data, why):
    with pytest.raises(ValidationFailed) as refused:
        images.encode(data)
    assert why in refused.value.detail
    assert refused.value.errors[0].field == "file"


def test_size_and_pixel_limits():
    with pytest.raises(ValidationFailed, match="at most 8 MB"):
        images.encode(b"\xff\xd8\xff" + b"\x00" * images.MAX_BYTES)
    bomb = picture("PNG", (8000, 6000), mode="L", color=0)  # 48 megapixels, a few KB
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationFailed, match="megapixels"):
        images.encode(bomb)


def test_camera_rotation_is_applied_and_exif_with_gps_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # a GPS position
    encoded = images.encode(picture("JPEG", (400, 200), exif=exif))
    result = opened(encoded.full)
    assert result.size == (200, 400)
    assert not result.getexif()


def test_transparency_is_flattened_onto_white():
    encoded = images.encode(picture("PNG", (50, 50), mode="RGBA", color=(0, 0, 0, 0)))
    assert opened(encoded.full).convert("RGB").getpixel((25, 25)) >= (250, 250, 250)


def test_palette_png_with_transparency_is_accepted():
    data = picture("PNG", (60, 60), mode="P", color=0, transparency=0)
    assert opened(images.encode(data).full).mode == "RGB"


def test_phones_get_webp_at_200_400_and_800_never_enlarged():
    big = images.encode(picture("PNG", (1600, 900)))
    assert {box: opened(data).size for box, data in big.webp.items()} == {
        200: (200, 113), 400: (400, 225), 800: (800, 450)}
    assert {opened(data).format for data in big.webp.values()} == {"WEBP"}
    small = images.encode(picture("PNG", (300, 200)))
    assert {box: opened(data).size for box, data in small.webp.items()} == {
        200: (200, 133), 400: (300, 200)}  # the picture at its own size, not blown up
