"""Sign-in limits, staff and shoppers alike: failures are counted per address and per
account-and-address, which refuse; per account from everywhere they only slow down, so that
someone who knows the owner's email cannot lock the owner out (OWASP). Successes never
count. Shopper registrations are limited per address."""

import itertools
import random
import time

import httpx
from test_customers import RUN, Shopper, shoppers  # noqa: F401 - the fixture
from test_pages import PASSWORD, Visitor, sign_in_console, visitors  # noqa: F401 - the fixture

from galleria.auth.ratelimit import (
    SIGNIN_FAILURES_PER_ACCOUNT_AND_IP,
    SIGNIN_FAILURES_PER_IP,
    SIGNIN_SLOWDOWN_SECONDS,
)
from galleria.web.shoppers import REGISTER_PER_IP

GUESSES = SIGNIN_FAILURES_PER_ACCOUNT_AND_IP[0][0]
# Counts may live in Redis across runs: every test signs in from fresh documentation-range
# addresses (198.18.0.0/15).
_ips = itertools.count(random.randrange(60_000))


def fresh_ip() -> str:
    n = next(_ips)
    return f"198.{18 + n // 65_536 % 2}.{n // 256 % 256}.{n % 256}"


def visitor_from(app, host: str, ip: str) -> Visitor:
    visitor = Visitor(app, host)
    visitor.http._transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return visitor


async def timed(coroutine) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await coroutine
    return response, time.perf_counter() - started


async def sign_in_from(app, host: str, ip: str, email: str, password: str = PASSWORD
                       ) -> tuple[httpx.Response, float]:
    """A fresh browser at `ip` signs in to the console: the answer and the seconds it took."""
    visitor = visitor_from(app, host, ip)
    try:
        return await timed(sign_in_console(visitor, email, password))
    finally:
        await visitor.close()


async def test_guessing_locks_out_the_guesser_never_the_owner(app, open_shop):
    shop = await open_shop()
    owner, guesser = fresh_ip(), fresh_ip()
    for _ in range(30):  # many good sign-ins from one address: all fine, never counted
        assert (await sign_in_from(app, shop.host, owner, shop.email))[0].status_code == 303
    guesses = [(await sign_in_from(app, shop.host, guesser, shop.email, "wrong-guess"))[0]
               .status_code for _ in range(GUESSES + 1)]
    assert guesses == [401] * GUESSES + [429]
    locked, _ = await sign_in_from(app, shop.host, guesser, shop.email)
    assert locked.status_code == 429  # the guesser's address, even with the right password
    assert "Too many sign-in attempts" in locked.text

    # The owner, from their own address, signs in with the right password: slowed, not
    # refused; a typo there is an ordinary 401.
    typo, _ = await sign_in_from(app, shop.host, owner, shop.email, "typo")
    assert typo.status_code == 401
    signed_in, took = await sign_in_from(app, shop.host, owner, shop.email)
    assert signed_in.status_code == 303
    assert took >= SIGNIN_SLOWDOWN_SECONDS

    other = await open_shop()  # another account from the guesser's address: not slowed
    fine, took = await sign_in_from(app, other.host, guesser, other.email)
    assert fine.status_code == 303 and took < SIGNIN_SLOWDOWN_SECONDS


async def test_the_platform_sign_in_counts_the_same_way(app, open_shop):
    shop = await open_shop()
    owner, guesser = (visitor_from(app, "localhost", fresh_ip()) for _ in range(2))
    try:
        form = {"email": shop.email, "password": "wrong-guess"}
        guesses = [(await guesser.submit("/login", "/login", form)).status_code
                   for _ in range(GUESSES + 1)]
        assert guesses == [401] * GUESSES + [429]
        signed_in = await owner.submit("/login", "/login", {**form, "password": PASSWORD})
        assert signed_in.status_code == 303
    finally:
        for visitor in (owner, guesser):
            await visitor.close()


async def test_shopper_guessing_locks_out_the_guesser_never_the_owner(app, open_shop):
    shop = await open_shop()
    target = f"target-{RUN}@example.com"
    owner = Shopper(app, shop)
    guesser = Shopper(app, shop)
    try:
        assert (await owner.register(email=target)).status_code == 201
        answers = [(await guesser.sign_in(target, f"Guess-{i}-x")).status_code
                   for i in range(GUESSES + 1)]
        assert answers == [401] * GUESSES + [429]
        refused = await guesser.sign_in(target)  # the right password from the guesser: refused
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0

        signed_in, took = await timed(owner.sign_in(target.upper()))  # the same login typed
        assert signed_in.status_code == 200, signed_in.text
        assert took >= SIGNIN_SLOWDOWN_SECONDS

        one_ip = Shopper(app, shop)  # one address guessing many accounts
        limit = SIGNIN_FAILURES_PER_IP[0][0]
        statuses = [(await one_ip.sign_in(f"user{i}-{RUN}@example.com", "Guess-1-x"))
                    .status_code for i in range(limit + 1)]
        assert statuses == [401] * limit + [429]
    finally:
        for shopper in (owner, guesser):
            await shopper.http.aclose()


async def test_deleting_an_account_counts_wrong_passwords_as_sign_in_failures(app, open_shop):
    shop = await open_shop()
    shopper = Shopper(app, shop)
    try:
        assert (await shopper.register(email=f"keep-{RUN}@example.com")).status_code == 201
        answers = [(await shopper.call("POST", "/api/v1/account/delete",
                                       {"password": "Not-mine-1"})).status_code
                   for _ in range(GUESSES + 1)]
        assert answers == [422] * GUESSES + [429]
    finally:
        await shopper.http.aclose()


async def test_shopper_registrations_are_limited_per_address(app, open_shop):
    shop = await open_shop()
    limit = REGISTER_PER_IP[0][0]
    one_address = [Shopper(app, shop) for _ in range(limit + 1)]
    ip = f"198.51.100.{random.randrange(1, 255)}"
    for shopper in one_address:  # one phone hotspot, a new client each time
        shopper.http._transport = httpx.ASGITransport(app=app, client=(ip, 5000))
    try:
        statuses = [(await s.register(email=f"r{i}-{ip}-{RUN}@example.com")).status_code
                    for i, s in enumerate(one_address)]
        assert statuses == [201] * limit + [429]
        other = Shopper(app, shop)  # another address is not affected
        assert (await other.register(email=f"other-{RUN}@example.com")).status_code == 201
        await other.http.aclose()
    finally:
        for shopper in one_address:
            await shopper.http.aclose()


async def test_guessing_through_an_invitation_counts_as_failed_sign_ins(app, open_shop):
    """An invitation to an existing account asks for its password: guesses there are sign-in
    failures of that account from that address, like the sign-in form's."""
    from test_permissions import Visitor as StaffVisitor
    from test_permissions import invite

    shop, other = await open_shop(), await open_shop()
    owner = StaffVisitor(app, shop.host)
    guesser = StaffVisitor(app, shop.host)
    try:
        assert (await owner.sign_in(shop.email)).status_code == 303
        path = (await invite(owner, other.email, role="admin")).split(shop.host, 1)[1]
        token = path.split("token=")[1]
        answers = [(await guesser.submit(path, "/console/invitation",
                                         {"token": token, "password": f"Guess-{i}-x"}))
                   .status_code for i in range(GUESSES + 1)]
        assert answers == [401] * GUESSES + [429]
        refused = await guesser.sign_in(other.email)  # the same counters as the sign-in form
        assert refused.status_code == 429
    finally:
        for visitor in (owner, guesser):
            await visitor.http.aclose()
