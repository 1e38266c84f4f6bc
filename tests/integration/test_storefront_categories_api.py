"""`GET /api/v1/categories`: the shop's category tree for apps (the mini-program's 分类
page), for guests, in display order, and only this shop's."""


async def test_guests_read_the_category_tree_of_this_shop_only(open_shop):
    shop, other = await open_shop(), await open_shop()
    for body in ({"slug": "big", "name": "大家电"}, {"slug": "fridge", "name": "冰箱",
                                                  "parent": "big"},
                 {"slug": "washer", "name": "洗衣机", "parent": "big"},
                 {"slug": "small", "name": "小家电"}):
        made = await shop.post("/api/admin/v1/categories", json=body)
        assert made.status_code == 201, made.text
    await other.post("/api/admin/v1/categories", json={"slug": "tea", "name": "茶叶"})

    answer = await shop.get("/api/v1/categories", admin=False)
    assert answer.status_code == 200, answer.text
    tree = answer.json()["items"]
    assert [(c["slug"], c["name"]) for c in tree] == [("big", "大家电"), ("small", "小家电")]
    assert [c["name"] for c in tree[0]["children"]] == ["冰箱", "洗衣机"]
    fridge = tree[0]["children"][0]
    assert fridge["parent"] == tree[0]["id"] and fridge["image_url"] == ""
    assert fridge["children"] == [] and isinstance(fridge["position"], int)
    # The slug is what the product list filters by.
    assert (await shop.get("/api/v1/products?category=big", admin=False)).status_code == 200

    theirs = (await other.get("/api/v1/categories", admin=False)).json()["items"]
    assert [c["slug"] for c in theirs] == ["tea"]
