"""Staff sign-in: failures are limited per account and per address; successes never count,
so an office signing in all day behind one address is never locked out."""

from test_pages import PASSWORD, sign_in_console, visitors  # noqa: F401 - the fixture

from galleria.auth.ratelimit import SIGNIN_FAILURES_PER_ACCOUNT, MemoryLimiter


async def test_guessing_locks_the_account_and_successes_are_never_counted(
        runtime, open_shop, visitors):  # noqa: F811
    saved, runtime.limiter = runtime.limiter, MemoryLimiter()
    try:
        shop = await open_shop()
        for _ in range(30):  # many good sign-ins from one address: all fine
            assert (await sign_in_console(visitors(shop.host), shop.email)).status_code == 303
        guesses = [(await sign_in_console(visitors(shop.host), shop.email, "wrong-guess"))
                   .status_code for _ in range(SIGNIN_FAILURES_PER_ACCOUNT[0][0] + 1)]
        assert guesses == [401] * SIGNIN_FAILURES_PER_ACCOUNT[0][0] + [429]
        locked = await sign_in_console(visitors(shop.host), shop.email, PASSWORD)
        assert locked.status_code == 429  # even the right password, until the window ends
        assert "Too many sign-in attempts" in locked.text
        other = await open_shop()  # another account from the same address still signs in
        assert (await sign_in_console(visitors(other.host), other.email)).status_code == 303
    finally:
        runtime.limiter = saved
