"""A listing page's summaries (availability, price in stock, first picture) are found
through each product's own index entries, however big the shop (issue 14: a 100,000-product shop's
first page cost ~100 ms of database time, because the first picture's join could only hash
every picture of the shop)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from faults.fault_kit import sql_elsewhere

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.catalog import queries
from galleria.kernel.catalog.tables import Product
from galleria.kernel.tenancy.shops import get_shop

needs_postgres = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's planner")
BIG = 3000  # products, each with a picture: enough for the planner to hash them all


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@needs_postgres
async def test_the_first_pictures_are_read_by_product_in_a_big_shop(open_shop, settings):
    shop = await open_shop()
    tenant_id = (await get_shop(shop.slug)).id
    # A big shop, written as the owner (as a bulk import would), and its statistics.
    await asyncio.to_thread(sql_elsewhere, settings, f"""
        INSERT INTO product (tenant, name, status)
          SELECT {tenant_id}, 'p' || n, 'published' FROM generate_series(1, {BIG}) n;
        INSERT INTO product_image (tenant, product, key, position)
          SELECT tenant, id, 'k' || id, 0 FROM product WHERE tenant = {tenant_id};
        ANALYZE product; ANALYZE product_image;""")
    async with db.shop_scope(tenant_id):
        sql, args = queries.listing_statement(tenant_id, limit=25)
        rows = await Product.raw("EXPLAIN (FORMAT JSON) " + sql, *args)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    pictures = [node for node in _nodes(plan[0]["Plan"])
                if node.get("Relation Name") == "product_image"]
    assert pictures, plan
    for node in pictures:  # never all of the shop's pictures (a seq scan, a hash of them)
        assert re.search(r"\(product = (p|product)\.id\)", node.get("Index Cond", "")), node
    products = [node for node in _nodes(plan[0]["Plan"])
                if node.get("Relation Name") == "product"]
    assert products and all("Index" in node["Node Type"] for node in products), products
