"""Reward coupons are picked by name: the referral and points settings take their coupon from
the shop's coupons (a `choices_from` setting fed by the coupon plugin), in the console's
list and through the API; an id that is not one of the shop's coupons is refused under the
field. The settings keep the coupon's id, as before."""

from __future__ import annotations

import re

from galleria.kernel import db, plugin_settings
from galleria.testing import console_browser

COUPONS = "/api/admin/v1/marketing/coupons"
REFERRAL = "/api/admin/v1/plugins/marketing_referral"


async def _coupon(shop, name, value):
    made = await shop.post(COUPONS, json={"kind": "amount_off", "value": value, "name": name,
                                          "reward_only": True})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _select(page: str, field: str) -> str:
    found = re.search(rf'<select[^>]*id="plugin-{field}".*?</select>', page, re.S)
    assert found, f"no list for {field}"
    return found.group(0)


async def test_hook_setting_choices(app, open_shop):
    """Reward coupons are chosen from the shop's coupons by name (a `choices_from` field)."""
    shop = await open_shop(plan="pro", plugins={"marketing": {}, "marketing_referral": {},
                                                "marketing_points": {}})
    thanks = await _coupon(shop, "邀请感谢券", 2000)
    welcome = await _coupon(shop, "新人券", 1000)
    other = await open_shop(plan="pro", plugins={"marketing": {}})
    elsewhere = await _coupon(other, "别家的券", 500)

    console = await console_browser(app, shop)
    page = (await console.get("/console/plugins")).text
    listed = _select(page, "marketing_referral-referrer_coupon")
    assert f'<option value="{thanks}"' in listed and "邀请感谢券" in listed
    assert "新人券" in listed and "别家的券" not in listed  # only this shop's coupons
    assert 'type="number"' not in _select(page, "marketing_points-birthday_coupon")
    assert "会员生日券" in page and "新人券" in _select(page, "marketing_points-birthday_coupon")

    form = {"enabled": "on", "settings.reward_kind": "coupon", "settings.referrer_reward": "0",
            "settings.newcomer_reward": "0", "settings.hold_days": "7",
            "settings.referrer_coupon": str(thanks), "settings.newcomer_coupon": str(welcome)}
    saved = await console.submit("/console/plugins", "/console/plugins/marketing_referral",
                                 form)
    assert saved.status_code == 303, saved.text[:2000]
    async with db.shop_scope(shop.id):
        stored = await plugin_settings(shop.id, "marketing_referral")
    assert (stored["referrer_coupon"], stored["newcomer_coupon"]) == (thanks, welcome)
    shown = (await console.get("/console/plugins")).text
    assert re.search(rf'<option value="{thanks}"\s+selected>邀请感谢券',
                     _select(shown, "marketing_referral-referrer_coupon"))

    # another shop's coupon (or none at all) is refused, under the field, in Chinese
    form["settings.newcomer_coupon"] = str(elsewhere)
    bad = await console.submit("/console/plugins", "/console/plugins/marketing_referral", form)
    assert bad.status_code == 422
    assert 'id="plugin-marketing_referral-newcomer_coupon-error"' in bad.text
    assert "不在可选项中" in bad.text
    refused = await shop.put(REFERRAL, json={"enabled": True, "settings": {
        "reward_kind": "coupon", "referrer_coupon": thanks, "newcomer_coupon": 999999}})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["settings.newcomer_coupon"]
    # "none" stays possible; the API shape is the id
    cleared = await shop.put(REFERRAL, json={"enabled": True, "settings": {
        "reward_kind": "coupon", "referrer_coupon": thanks, "newcomer_coupon": 0}})
    assert cleared.status_code == 200, cleared.text
    listing = (await shop.get("/api/admin/v1/plugins")).json()
    fields = next(p for p in (listing["items"] if isinstance(listing, dict) else listing)
                  if p["name"] == "marketing_referral")["settings_schema"]
    field = next(f for f in fields if f["name"] == "referrer_coupon")
    assert field["choices_from"] == "coupons"
    assert {"value": thanks, "label": "邀请感谢券"} in field["options"]
