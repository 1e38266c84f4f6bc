"""Shared by the Stripe tests."""

import itertools

_accounts = itertools.count(1)


def account(sim) -> dict[str, str]:
    """A Stripe account of the simulator's, as a shop's plugin settings."""
    n = next(_accounts)
    secret_key, webhook_secret = f"sk_test_{n:04d}xyz", f"whsec_{n:04d}abc"
    sim.accounts[secret_key] = webhook_secret
    return {"secret_key": secret_key, "publishable_key": f"pk_test_{n:04d}",
            "webhook_secret": webhook_secret, "api_base_url": sim.url}
