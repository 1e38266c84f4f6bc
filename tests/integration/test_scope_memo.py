"""A shop scope reads the shop's enabled plugins and a plugin's settings once (an order
asked for them several times, one statement each); a change made in the scope through the
kernel is seen at once, and nothing is remembered beyond the scope."""

from galleria.kernel import db
from galleria.kernel.tenancy.plugin_state import (
    enabled_plugins,
    plugin_settings,
    set_plugin_state,
)
from galleria.kernel.tenancy.tables import PluginState, Tenant


async def _tenant(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def test_read_once_per_scope_and_forgotten_after(open_shop, runtime):
    tenant = await _tenant(await open_shop())
    async with db.shop_scope(tenant):
        before = await enabled_plugins(tenant)
        assert "marketing" not in before
        # A row written behind the kernel's back: this scope keeps what it read...
        await PluginState.insert(PluginState(tenant=tenant, plugin="marketing", enabled=True,
                                             settings={"coupon_return": "cancel"}, secrets=""))
        assert await enabled_plugins(tenant) == before
    async with db.shop_scope(tenant):  # ...the next scope reads afresh
        assert "marketing" in await enabled_plugins(tenant)
        assert (await plugin_settings(tenant, "marketing"))["coupon_return"] == "cancel"
    assert db.scope_memo(tenant) is None  # outside a scope nothing is remembered


async def test_a_change_through_the_kernel_is_seen_in_the_same_scope(open_shop, runtime):
    tenant = await _tenant(await open_shop())
    async with db.shop_scope(tenant):
        assert "marketing" not in await enabled_plugins(tenant)
        assert await plugin_settings(tenant, "marketing") == {}
        await set_plugin_state(tenant, runtime.host, "marketing", enabled=True,
                               settings={"coupon_return": "never"}, actor="test")
        assert "marketing" in await enabled_plugins(tenant)
        settings = await plugin_settings(tenant, "marketing")
        assert settings["coupon_return"] == "never"
        settings["coupon_return"] = "mutated by a caller"
        assert (await plugin_settings(tenant, "marketing"))["coupon_return"] == "never"
