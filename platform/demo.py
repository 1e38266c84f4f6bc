"""Seeding the demo shops described in tenants/demo (idempotent: existing shops are kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from galleria.auth.signup import signup
from galleria.kernel import db
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import set_plugin_state
from galleria.kernel.tenancy.settings_update import update_plugin_settings
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.templates import DemoShop, load_demo_shops
from galleria.runtime import Runtime
from galleria.settings import Settings


async def seed_demo(settings: Settings, progress: Callable[[str], None] = print,
                    only: list[Path] | None = None,
                    sandbox_base: str | None = None) -> list[DemoShop]:
    """Open the demo shops that are not there yet; with `sandbox_base` (the demo's URL),
    also enable in each of them the plugins whose simulators sandbox mode mounts."""
    runtime = Runtime.build(settings)
    await runtime.open()
    try:
        shops = load_demo_shops(runtime.tenants_dir, runtime.templates)
        if only is not None:
            wanted = {p.resolve() for p in only}
            shops = [s for s in shops if s.path.resolve() in wanted]
        for index, shop in enumerate(shops, 1):
            if await get_shop(shop.slug) is not None:
                progress(f"[{index}/{len(shops)}] {shop.slug}: already there")
                continue
            template = runtime.templates[shop.template]
            progress(f"[{index}/{len(shops)}] {shop.slug}: opening from template "
                     f"{template.name} ({len(template.products)} products)…")
            await signup(shop_name=shop.name, slug=shop.slug, email=shop.owner_email,
                         password=shop.owner_password, template=shop.template,
                         templates=runtime.templates, host=runtime.host,
                         tenants_dir=runtime.tenants_dir, theme_color=shop.theme_color,
                         locale=shop.locale)
        if sandbox_base:
            await enable_sandboxes(runtime, shops, sandbox_base, progress)
        return shops
    finally:
        await runtime.close()


async def enable_sandboxes(runtime: Runtime, shops: list[DemoShop], base: str,
                           progress: Callable[[str], None]) -> None:
    """Point every demo shop's sandboxed plugins at their simulators, so that a purchase
    works without credentials: a payment method that opens per-shop sandbox accounts
    (galleria_sandbox_settings) gets one for each shop, as a merchant's click would; other
    simulators' plugins get their galleria_sandbox_apps demo settings."""
    host = runtime.host
    for plugin in host.implementers("galleria_sandbox_apps", host.names()):
        if host.offers_sandbox(plugin):
            await _open_sandbox_accounts(host, plugin, shops, f"{base}/sandbox")
            progress(f"sandbox: {plugin} → {base}/sandbox (an account per shop)")
            continue
        for name, _app, *demo in host.collect("galleria_sandbox_apps", [plugin]):
            if not demo:
                continue
            url = f"{base}/sandbox/{name}"
            values = {key: value.replace("{sandbox_url}", url) if isinstance(value, str)
                      else value for key, value in demo[0].items()}
            for shop in shops:
                found = await get_shop(shop.slug)
                if found is None:
                    continue
                async with db.shop_scope(found.id):  # merged: a template's settings stay
                    await update_plugin_settings(found.id, host, plugin, values,
                                                 actor="demo:sandbox", enable=True)
            progress(f"sandbox: {plugin} → {url}")


async def _open_sandbox_accounts(host: PluginHost, plugin: str, shops: list[DemoShop],
                                 sandbox_url: str) -> None:
    for shop in shops:
        found = await get_shop(shop.slug)
        if found is None:
            continue
        async with db.shop_scope(found.id):
            await set_plugin_state(found.id, host, plugin, enabled=True,
                                   settings={"sandbox": True}, sandbox_url=sandbox_url,
                                   actor="demo:sandbox")
