"""Placing an order POSTs the checkout once (issue 13 follow-up): the checkout re-prices
itself with a background POST a moment after an address field changes, and pressing 提交订单
right after typing the street (the field's change fires as it loses focus to the button) used
to send that re-pricing POST too, while the order was being placed — a second request on the
shopper's session racing the one that places the order.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from e2e.journeys import PHONE, SignedUpShop, choose_address, fill_contact, shot

pytestmark = pytest.mark.e2e
ACTION = re.compile(r'action(?:=|"\r\n\r\n)(\w+)')


def test_placing_the_order_right_after_typing_posts_the_checkout_once(
        live_server, browser: Browser, screenshots: Path) -> None:
    shop = SignedUpShop(live_server, "once")
    shop.product({"name": "西湖龙井", "variants": [{"sku": "LJ-50", "price": 3800,
                                                 "stock": 5}]})
    shop.enable("payments_offline", {"cash_on_delivery": True})
    page = browser.new_context(**PHONE).new_page()
    page.goto(shop.url + "/")
    page.get_by_role("link", name=re.compile("西湖龙井")).first.click()
    page.get_by_role("button", name="立即购买").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    fill_contact(page)
    choose_address(page)
    page.wait_for_timeout(800)  # the re-pricing after the cascade is done

    posts: list[str] = []

    def watch(route: Route) -> None:
        request = route.request
        if request.method == "POST":
            found = ACTION.search(request.post_data or "")
            posts.append(found.group(1) if found else "?")
            if found and found.group(1) == "place":
                time.sleep(1.0)  # a server that takes a second to place the order
        with contextlib.suppress(Exception):  # the page navigated away meanwhile
            route.continue_()

    page.route(re.compile(r"/checkout$"), watch)
    page.locator("#f-address-line1").fill("龙井路 2 号")  # its change fires on the click below
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}"))
    page.wait_for_timeout(500)
    shot(page, screenshots, "checkout-placed-once")
    assert posts == ["place"], posts
    page.context.close()
    shop.close()
