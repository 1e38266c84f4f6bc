"""Plugin secrets after the secret key changed: unreadable secrets count as unset."""

from galleria.kernel import crypto, db
from galleria.kernel.plugins import SettingField
from galleria.kernel.tenancy.plugin_state import _stored_secrets, public_settings
from galleria.kernel.tenancy.tables import PluginState, Tenant


async def test_secrets_sealed_with_another_key_are_treated_as_unset(open_shop, settings):
    shop = await open_shop()
    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    crypto.configure("another-secret-key-" + "y" * 32)
    try:
        sealed_elsewhere = crypto.seal({"api_key": "sk_live_old"})
    finally:
        crypto.configure(settings.secret_key)
    async with db.shop_scope(tenant):
        await PluginState.insert(PluginState(tenant=tenant, plugin="ghost", enabled=False,
                                             settings={}, secrets=sealed_elsewhere))
        row = await PluginState.select().where(PluginState.tenant == tenant).first()
    assert _stored_secrets(row) == {}
    schema = [SettingField("api_key", "API key", secret=True)]
    assert public_settings(schema, row) == {"api_key": {"set": False}}
