"""PostgreSQL goes away under a running app and comes back: while it is away every request
gets a clean 503 (problem+json for the API, a page for browsers) and `/readyz` says
unavailable; afterwards the app serves again without a restart and nothing is lost. On a
private cluster the test creates with `initdb` on a spare port, never the shared server."""

from __future__ import annotations

import httpx
from fault_kit import (
    add_product_over_http,
    check_shop_elsewhere,
    open_shop_over_http,
    order_over_http,
    private_postgres,  # noqa: F401 - a fixture
    process_env,
    serve,
    wait_for,
    wait_until_up,
)


async def test_postgres_restart_gives_clean_503s_then_recovers_with_nothing_lost(
        settings, tmp_path, private_postgres):  # noqa: F811
    import dataclasses
    import subprocess

    from fault_kit import REPO_ROOT, galleria_command

    private_postgres.psql("CREATE DATABASE galleria")
    own = dataclasses.replace(settings,
                              database_url=private_postgres.url("galleria_app", "galleria"),
                              admin_database_url=private_postgres.url("postgres", "galleria"),
                              var_dir=tmp_path / "var")
    env = process_env(own, GALLERIA_JOB_LEASE_SECONDS="3", GALLERIA_SIGNUP_RATE_LIMIT="100")
    migrated = subprocess.run([*galleria_command(), "migrate"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=180)
    assert migrated.returncode == 0, migrated.stderr
    server, port = serve(own, tmp_path / "server.log", GALLERIA_JOB_LEASE_SECONDS="3",
                         GALLERIA_SIGNUP_RATE_LIMIT="100")
    api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20)
    slug = "pg-restart"
    host = f"{slug}.localhost"
    try:
        wait_until_up(port, server)
        token = await open_shop_over_http(api, slug)
        variant = await add_product_over_http(api, host, token, "PG-1", stock=10)
        before = [await order_over_http(api, host, variant) for _ in range(2)]
        assert all(answer.status_code == 201 for answer in before), before[0].text

        private_postgres.crash()
        ready = await api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        cart = await api.post("/api/v1/carts", headers={"host": host})
        assert cart.status_code == 503, cart.text
        assert cart.headers["content-type"].startswith("application/problem+json")
        assert cart.headers.get("retry-after")
        assert "Traceback" not in cart.text
        page = await api.get("/", headers={"host": host, "accept": "text/html",
                                           "accept-language": "zh-CN"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")

        private_postgres.start()

        async def serving_again() -> bool:
            return (await api.get("/readyz")).status_code == 200

        await wait_for(serving_again, 30, "the app answers after PostgreSQL is back")
        after = [await order_over_http(api, host, variant) for _ in range(2)]
        assert all(answer.status_code == 201 for answer in after), [a.text for a in after]
        orders = await api.get("/api/admin/v1/orders", headers={
            "host": host, "authorization": f"Bearer {token}"})
        numbers = {o["number"] for o in orders.json()["items"]}
        assert numbers == {a.json()["number"] for a in before + after}  # nothing lost

        async def settled() -> bool:
            return check_shop_elsewhere(env, slug) == []

        await wait_for(settled, 30, "the shop's checks hold after the restart: "
                       + repr(check_shop_elsewhere(env, slug)), interval=1)
    finally:
        await api.aclose()
        server.stop()
    # An outage is logged as such, never as a bug of ours (asyncpg's own pool may still
    # log its reconnection attempts with a traceback).
    errors = [line for line in server.tail(500_000).splitlines()
              if line.startswith(("ERROR", "CRITICAL")) and " galleria" in line]
    assert errors == [], "\n".join(errors)
