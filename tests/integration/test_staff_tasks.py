"""Tasks for staff: picking work handed out round robin among a role, moved by hand (and
audited), counted on each member's "my tasks" page, done when the order moves on, and
invisible to other shops."""

from __future__ import annotations

from picking_helpers import add_product, approved_order, tenant_of

from galleria.kernel import db
from galleria.kernel.tenancy.tables import AuditLog, Membership, PlatformUser
from galleria.testing.browsers import Browser


async def user_id(email: str) -> int:
    return (await PlatformUser.select(PlatformUser.id).where(
        PlatformUser.email == email).first())["id"]


async def shop_with_two_pickers(open_shop):
    """A shop with two members of role staff (owners of two other shops)."""
    shop, ann, bob = await open_shop(), await open_shop(), await open_shop()
    tenant_id = await tenant_of(shop)
    ids = [await user_id(ann.email), await user_id(bob.email)]
    async with db.shop_scope(tenant_id):
        for user in ids:
            await Membership.insert(Membership(user=user, tenant=tenant_id, role="staff"))
    return shop, tenant_id, (ann, ids[0]), (bob, ids[1])


async def test_picking_work_goes_round_robin_and_moving_it_is_audited(open_shop, app):
    shop, tenant_id, (_ann, ann_id), (bob, bob_id) = await shop_with_two_pickers(open_shop)
    tea = await add_product(shop, "TEA", loose=20)
    numbers = [await approved_order(shop, [(tea, 1)]) for _ in range(3)]

    no_rule = await shop.post("/api/admin/v1/tasks/distribute", json={"kind": "picking"})
    assert no_rule.status_code == 422
    rule = await shop.client.put("/api/admin/v1/tasks/rules/picking", headers=shop.headers(),
                                 json={"role": "staff"})
    assert rule.status_code == 200, rule.text
    made = await shop.post("/api/admin/v1/tasks/distribute", json={"kind": "picking"})
    assert made.status_code == 200, made.text
    given = {t["order_number"]: t["assignee_id"] for t in made.json()["items"]}
    assert [given[n] for n in numbers] == [ann_id, bob_id, ann_id]
    again = await shop.post("/api/admin/v1/tasks/distribute", json={"kind": "picking"})
    assert again.json()["total"] == 0  # every waiting order has its task
    fourth = await approved_order(shop, [(tea, 1)])
    turn = await shop.post("/api/admin/v1/tasks/distribute", json={"kind": "picking"})
    assert [(t["order_number"], t["assignee_id"]) for t in turn.json()["items"]] == [
        (fourth, bob_id)]  # the turn is remembered between calls

    moved = await shop.post("/api/admin/v1/tasks", json={
        "kind": "picking", "order_number": numbers[0], "assignee_id": bob_id,
        "reason": "安妮今天休假"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee_id"] == bob_id
    async with db.shop_scope(tenant_id):
        audit = await AuditLog.select().where(
            (AuditLog.tenant == tenant_id) & (AuditLog.action == "task.reassign")).first()
    assert audit["subject"] == numbers[0]
    data = audit["data"] if isinstance(audit["data"], dict) else __import__("json").loads(
        audit["data"])
    assert (data["from"], data["to"], data["reason"]) == (ann_id, bob_id, "安妮今天休假")

    counted = (await shop.get(f"/api/admin/v1/tasks?assignee={bob_id}")).json()
    assert counted["counts"] == {"review": 0, "picking": 3, "delivery": 0}

    # Bob's own page, in Chinese: his three picking tasks.
    browser = Browser(app, shop.host, "zh-CN,zh;q=0.9")
    try:
        signed = await browser.submit("/console/login", "/console/login", {
            "email": bob.email, "password": bob.password, "next": "/console/tasks"})
        assert signed.status_code == 303
        page = await browser.get("/console/tasks")
        assert page.status_code == 200
        assert "我的任务" in page.text and 'data-count="picking"' in page.text
        picking_count = page.text.split('data-count="picking"')[1].split("stat-value\">")[1]
        assert picking_count.startswith("3<")
        assert numbers[0] in page.text and numbers[2] not in page.text  # ann keeps hers
        assert "拣货" in page.text and "全部任务" not in page.text  # staff: only their own
    finally:
        await browser.close()

    # An order shipped: its picking task is done and leaves the lists.
    made_list = await shop.post("/api/admin/v1/pick-lists", json={"orders": [numbers[0]]})
    scanned = await shop.post(f"/api/admin/v1/pick-lists/{made_list.json()['id']}/scans",
                              json={"code": "TEA", "order_number": numbers[0]})
    assert scanned.status_code == 200, scanned.text
    shipped = await shop.post(f"/api/admin/v1/orders/{numbers[0]}/shipments",
                              json={"carrier": "sf", "tracking_number": "SF1"})
    assert shipped.status_code == 201, shipped.text
    left = (await shop.get(f"/api/admin/v1/tasks?assignee={bob_id}")).json()
    assert left["counts"]["picking"] == 2


async def test_tasks_are_refused_for_other_shops_and_non_staff(open_shop):
    shop, _tenant_id, (_ann, ann_id), _bob = await shop_with_two_pickers(open_shop)
    other = await open_shop()
    tea = await add_product(shop, "TEA", loose=5)
    number = await approved_order(shop, [(tea, 1)])
    outsider = await user_id(other.email)
    refused = await shop.post("/api/admin/v1/tasks", json={
        "kind": "picking", "order_number": number, "assignee_id": outsider})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "assignee_id"
    wrong_kind = await shop.post("/api/admin/v1/tasks", json={
        "kind": "review", "order_number": number, "assignee_id": ann_id})
    assert wrong_kind.status_code == 422  # approved: no review waiting
    given = await shop.post("/api/admin/v1/tasks", json={
        "kind": "picking", "order_number": number, "assignee_id": ann_id})
    assert given.status_code == 200, given.text
    # Another shop neither sees the task nor reaches the order.
    assert (await other.get("/api/admin/v1/tasks")).json()["total"] == 0
    foreign = await other.post("/api/admin/v1/tasks", json={
        "kind": "picking", "order_number": number, "assignee_id": outsider})
    assert foreign.status_code == 404


async def test_a_rule_for_a_store_the_shop_does_not_have_is_refused(open_shop):
    shop = await open_shop()
    refused = await shop.client.put("/api/admin/v1/tasks/rules/picking",
                                    headers=shop.headers(),
                                    json={"role": "staff", "store": "西湖店"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "store"


async def test_the_sweep_hands_out_new_work_by_the_shops_rules(open_shop):
    from galleria.kernel.fulfilment.jobs import distribute_by_rules

    shop, _tenant_id, (_ann, ann_id), (_bob, bob_id) = await shop_with_two_pickers(open_shop)
    tea = await add_product(shop, "TEA", loose=5)
    first = await approved_order(shop, [(tea, 1)])
    await shop.client.put("/api/admin/v1/tasks/rules/picking", headers=shop.headers(),
                          json={"role": "staff"})
    assert await distribute_by_rules() >= 1
    second = await approved_order(shop, [(tea, 1)])
    assert await distribute_by_rules() >= 1
    given = {t["order_number"]: t["assignee_id"]
             for t in (await shop.get("/api/admin/v1/tasks")).json()["items"]}
    assert given == {first: ann_id, second: bob_id}
    await distribute_by_rules()  # nothing new: nobody gets a second task for one order
    assert (await shop.get("/api/admin/v1/tasks")).json()["total"] == 2


async def test_picking_goes_to_the_staff_of_the_store_the_order_ships_from(open_shop):
    shop, _tenant_id, (_ann, ann_id), (_bob, bob_id) = await shop_with_two_pickers(open_shop)
    tea = await add_product(shop, "TEA", loose=0)
    jam = await add_product(shop, "JAM", loose=3)
    made = await shop.post("/api/admin/v1/locations", json={
        "code": "xihu", "name": "西湖店", "kind": "store",
        "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区"}})
    assert made.status_code == 201, made.text
    got = await shop.post("/api/admin/v1/inventory/receive", json={
        "variant_id": tea, "quantity": 3, "location": "xihu"})
    assert got.status_code == 201, got.text
    at_store = await approved_order(shop, [(tea, 1)])  # only 西湖店 has tea
    at_default = await approved_order(shop, [(jam, 1)])

    for store, person in (("xihu", bob_id), ("default", ann_id)):
        rule = await shop.put("/api/admin/v1/tasks/rules/picking",
                              json={"role": "staff", "store": store, "staff": [person]})
        assert rule.status_code == 200, rule.text
        assert rule.json()["staff"] == [person]
    stranger = await shop.put("/api/admin/v1/tasks/rules/picking",
                              json={"role": "staff", "store": "xihu", "staff": [999999]})
    assert stranger.status_code == 422  # not staff of this shop; the rule is unchanged
    given = await shop.post("/api/admin/v1/tasks/distribute",
                            json={"kind": "picking", "store": "xihu"})
    assert given.status_code == 200, given.text
    assert [(t["order_number"], t["assignee_id"], t["store"])
            for t in given.json()["items"]] == [(at_store, bob_id, "xihu")]
    rest = await shop.post("/api/admin/v1/tasks/distribute", json={"kind": "picking"})
    assert [(t["order_number"], t["assignee_id"], t["store"])
            for t in rest.json()["items"]] == [(at_default, ann_id, "default")]

    # By hand, the task still records the store the order ships from.
    moved = await shop.post("/api/admin/v1/tasks", json={
        "kind": "picking", "order_number": at_store, "assignee_id": ann_id,
        "reason": "bob is off"})
    assert moved.status_code == 200 and moved.json()["store"] == "xihu"
