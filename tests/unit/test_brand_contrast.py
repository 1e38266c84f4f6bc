"""Whatever colour a merchant picks, text on it and text in it are readable: 4.5:1 (WCAG AA
for text under 18 px)."""

from __future__ import annotations

import itertools

import pytest

from galleria.web.pages.render import _mix, brand_style, contrast

STEPS = range(0, 256, 17)  # 16 levels per channel: 4,096 colours, the corners included
COLOURS = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in itertools.product(STEPS, STEPS, STEPS)]


def test_white_on_the_shops_green_was_too_faint_and_black_is_chosen():
    assert contrast("#ffffff", "#16a34a") < 4.5  # the 3.29:1 that render.py used to allow
    style = brand_style("#16a34a")
    assert style["on_brand"] == "#000000" and contrast("#000000", "#16a34a") >= 4.5


@pytest.mark.parametrize("chunk", range(8))
def test_every_colour_gets_readable_text_on_it_and_readable_links(chunk):
    for colour in COLOURS[chunk::8]:
        style = brand_style(colour)
        assert contrast(style["on_brand"], colour) >= 4.5, colour
        assert contrast(style["on_brand"], style["brand_hover"]) >= 4.5, colour
        for background in ("#ffffff", "#f8f9fb", _mix(colour, "#ffffff", 0.93),
                           _mix(colour, "#ffffff", 0.86)):
            assert contrast(style["brand_text"], background) >= 4.5, (colour, background)
            assert contrast(style["brand_text_hover"], background) >= 4.5, (colour, background)


def test_a_dark_enough_colour_is_used_as_it_is_for_links():
    assert brand_style("#1d4ed8")["brand_text"] == "#1d4ed8"
