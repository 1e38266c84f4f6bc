"""Seeding the demo shops described in tenants/demo (idempotent: existing shops are kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from galleria.auth.signup import signup
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.templates import DemoShop, load_demo_shops
from galleria.runtime import Runtime
from galleria.settings import Settings


async def seed_demo(settings: Settings, progress: Callable[[str], None] = print,
                    only: list[Path] | None = None) -> list[DemoShop]:
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
        return shops
    finally:
        await runtime.close()
