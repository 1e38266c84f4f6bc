"""The shopper's points on the storefront, in Chinese: the account page's panel (the
`galleria_account_panels` hook), the whole ledger page, and the console's adjustment."""

from __future__ import annotations

import re

from points_helpers import balance, give, points_shop

ZH = {"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"}


async def _page(buyer, path: str):
    return await buyer.call("GET", path, headers=ZH)


async def test_hook_account_panels(open_shop, runtime, shopper):
    """galleria_account_panels: the enabled plugin's panel is on the account page, with
    this shopper's figures; a shop without the plugin shows none."""
    shop, _ = await points_shop(open_shop, {"levels": "银卡:300:98:yes",
                                            "level_basis": "points"})
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000021"))["customer"]["id"]
    await give(shop.id, me, 520, "welcome")
    page = await _page(buyer, "/account")
    assert page.status_code == 200
    html = page.text
    assert "data-points-panel" in html and "我的积分" in html
    assert 'data-points-balance="520"' in html and "下单可抵 ¥5.20" in html
    assert "暂未达到会员等级" in html  # a gift is not earned: no level from it
    assert "累计获得 300 积分升级为银卡" in html

    plain = await open_shop()
    other = shopper(plain)
    await other.register(phone="13900000022")
    assert "data-points-panel" not in (await _page(other, "/account")).text


async def test_the_ledger_page_lists_every_entry_in_the_shops_time(open_shop, runtime,
                                                                    shopper):
    shop, _ = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000023"))["customer"]["id"]
    await give(shop.id, me, 100, "one")
    await give(shop.id, me, 200, "two")
    page = await _page(buyer, "/plugins/marketing_points/me")
    assert page.status_code == 200
    assert "<title>我的积分" in page.text and 'data-points-balance="300"' in page.text
    assert len(re.findall(r'data-kind="adjust"', page.text)) == 2
    assert "调整" in page.text and "Adjusted" not in page.text
    guest = await shop.get("/plugins/marketing_points/me", admin=False, headers=ZH)
    assert guest.status_code == 303 and "/account/sign-in" in guest.headers["location"]


async def test_staff_give_points_once_per_form_and_cannot_overdraw(open_shop, runtime,
                                                                  shopper, console):
    shop, _ = await points_shop(open_shop)
    buyer = shopper(shop)
    me = (await buyer.register(phone="13900000024"))["customer"]["id"]
    browser = await console(shop)
    form = f"/plugins/marketing_points/ledger?customer={me}"
    page = await browser.get(form)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    for _ in range(2):  # the same form sent twice gives once
        sent = await browser.submit(form, "/plugins/marketing_points/ledger/adjust", {
            "customer": str(me), "points": "500", "note": "老客户回馈", "nonce": nonce})
        assert sent.status_code == 303
    assert await balance(shop.id, me) == 500
    refused = await browser.submit(form, "/plugins/marketing_points/ledger/adjust", {
        "customer": str(me), "points": "-900", "note": "", "nonce": "x1"})
    assert refused.status_code == 422 and "该会员的积分不足" in refused.text
    assert await balance(shop.id, me) == 500
