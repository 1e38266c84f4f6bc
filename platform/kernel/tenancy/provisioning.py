"""Opening a shop from a template: one transaction, nothing half-created on failure."""

from __future__ import annotations

import logging
from pathlib import Path

from galleria.kernel import db
from galleria.kernel.catalog.service import (
    ProductInput,
    VariantInput,
    create_category,
    create_product,
)
from galleria.kernel.errors import Problems, SlugTaken
from galleria.kernel.events import emit
from galleria.kernel.plugins import PluginHost
from galleria.kernel.storage import storage
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.logo import make_renditions
from galleria.kernel.tenancy.plugin_state import set_plugin_state
from galleria.kernel.tenancy.shops import Shop, check_slug, get_shop
from galleria.kernel.tenancy.tables import Location, Membership, Tenant
from galleria.kernel.tenancy.templates import ShopTemplate

log = logging.getLogger("galleria.tenancy")


async def open_shop(
    *, slug: str, name: str, template: ShopTemplate, owner_id: int, host: PluginHost,
    tenants_dir: Path, theme_color: str | None = None, locale: str | None = None,
) -> Shop:
    """Create the shop with `owner_id` (a platform user) as its owner, and the template's
    plugins, categories and products.

    Must be called inside `db.database().transaction()`; the caller adds what belongs to
    the same unit of work (an API token) before it commits.
    """
    problems = Problems()
    check_slug(slug, problems)
    if not name.strip() or len(name) > 120:
        problems.add("shop_name", "1–120 characters")
    problems.raise_if_any("The shop cannot be opened")
    if await get_shop(slug) is not None:
        raise SlugTaken(f"The address “{slug}” is taken; choose another")
    try:
        tenant_id = (await Tenant.insert(Tenant(
            slug=slug, name=name.strip(), currency=template.currency,
            locale=locale or template.locale, timezone=template.timezone,
            theme_color=theme_color or template.theme_color, template=template.name,
        )))[0]["id"]
    except Exception as exc:  # a concurrent signup took the slug between check and insert
        if "unique" in str(exc).lower():
            raise SlugTaken(f"The address “{slug}” is taken; choose another") from exc
        raise
    engine = db.database()
    if engine.is_postgres:
        await db.set_rls_tenant(engine.engine, tenant_id)

    user_id = owner_id
    await Membership.insert(Membership(user=user_id, tenant=tenant_id, role="owner"))
    # The first location (门店/仓库), where stock is kept (inventory.locations).
    await Location.insert(Location(tenant=tenant_id, code="default", name="默认仓库",
                                   kind="warehouse"))
    for plugin in template.plugins:
        if not host.is_installed(plugin):
            log.warning("template %s names plugin %s, which is not installed",
                        template.name, plugin)
            continue
        await set_plugin_state(tenant_id, host, plugin, enabled=True,
                               settings=template.plugin_settings.get(plugin, {}),
                               actor=f"user:{user_id}")
    if template.logo:
        key = f"shops/{tenant_id}/logo{Path(template.logo).suffix}"
        logo = (tenants_dir / template.logo).read_bytes()
        storage().put(key, logo)
        make_renditions(key, logo)
        await Tenant.update({Tenant.logo: key}).where(Tenant.id == tenant_id)
    await _seed_catalog(tenant_id, template, tenants_dir)
    await record(tenant_id, f"user:{user_id}", "shop.created", slug, {"template": template.name})
    await emit(tenant_id, "shop.created", {"slug": slug, "name": name, "template": template.name,
                                           "owner_id": owner_id})
    shop = await get_shop(slug)
    assert shop is not None
    return shop


async def _seed_catalog(tenant_id: int, template: ShopTemplate, tenants_dir: Path) -> None:
    for position, category in enumerate(template.categories):
        await create_category(tenant_id, category.slug, category.name, category.parent, position)
    for product in template.products:
        images = [(Path(p).name, (tenants_dir / p).read_bytes()) for p in product.images]
        await create_product(tenant_id, ProductInput(
            name=product.name, description=product.description, category=product.category,
            attributes=dict(product.attributes),
            variants=[VariantInput(
                sku=v.sku, price=v.price, stock=v.stock, options=dict(v.options),
                weight_grams=v.weight_grams or 0,
                barcodes=[(b.code, b.units) for b in v.barcodes],
            ) for v in product.variants],
        ), images)
