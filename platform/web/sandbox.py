"""Sandbox mode (`GALLERIA_SANDBOX=1`, the demo): the plugins' simulators of payment
gateways and carriers, mounted at `/sandbox/{name}/` so that a purchase works on a laptop
without credentials. Without the flag nothing here is mounted."""

from __future__ import annotations

from typing import Any

from litestar.handlers import asgi
from litestar.types import Receive, Scope, Send

from galleria.kernel.plugins import PluginHost
from galleria.settings import Settings


def _mount(name: str, app: Any) -> Any:
    prefix = f"/sandbox/{name}"

    async def forward(scope: Scope, receive: Receive, send: Send) -> None:
        # The path below the mount exactly as sent (Litestar's mount adds a trailing "/").
        raw = scope.get("raw_path") or scope["path"].encode()
        below = raw.decode("latin-1").split("?", 1)[0][len(prefix):] or "/"
        await app({**scope, "path": below, "root_path": prefix}, receive, send)

    return asgi(prefix, is_mount=True, copy_scope=True,
                include_in_schema=False, name=f"sandbox-{name}")(forward)


SANDBOX_BILLING_KEY = "sk_test_galleria_sandbox_billing"
SANDBOX_BILLING_WEBHOOK_SECRET = "whsec_galleria_sandbox_billing"  # noqa: S105 - simulator only


def billing_sandbox(settings: Settings, runtime: Any) -> list[Any]:
    """The Stripe Billing simulator at /sandbox/billing, and the platform's billing
    adapter pointed at it (its events come back to this app's webhook). The simulator is
    reached at `GALLERIA_BILLING_STRIPE_API_BASE` when that names it (the demo sets it
    from its port), else at port 8000 of the platform domain."""
    from galleria.kernel.billing.plans import plans
    from galleria.testing.stripe_billing import StripeBillingSimulator
    from galleria.web.billing import StripeBilling

    base = settings.billing_stripe_api_base.rstrip("/")
    if "/sandbox/billing" not in base:
        base = f"http://{settings.domain}:8000/sandbox/billing"
    origin = base.split("/sandbox/", 1)[0]
    key = settings.billing_stripe_secret_key or SANDBOX_BILLING_KEY
    secret = settings.billing_stripe_webhook_secret or SANDBOX_BILLING_WEBHOOK_SECRET
    sim = StripeBillingSimulator.for_plans(plans(), secret_key=key, webhook_secret=secret,
                                           webhook_url=f"{origin}/callbacks/billing/stripe")
    sim.url = base
    runtime.extra["billing"] = StripeBilling(key, secret, base)
    return [_mount("billing", sim)]


def sandbox_mounts(settings: Settings, host: PluginHost, runtime: Any = None) -> list[Any]:
    if not settings.sandbox:
        return []
    mounts, seen = [], set()
    if runtime is not None:
        mounts.extend(billing_sandbox(settings, runtime))
    for name, app, *_ in host.collect("galleria_sandbox_apps", host.names()):
        if name in seen:
            raise ValueError(f"two plugins contribute a sandbox named {name!r}")
        seen.add(name)
        mounts.append(_mount(name, app))
    return mounts


def sandbox_url(settings: Settings, request: Any) -> str | None:
    """Where this app's simulators are, as its own outgoing calls reach them (the platform
    domain on the port this request came to), or None outside sandbox mode: what
    `set_plugin_state` needs to open a shop's sandbox account."""
    if not settings.sandbox:
        return None
    port = request.url.port
    return f"{request.url.scheme}://{settings.domain}{f':{port}' if port else ''}/sandbox"


__all__ = ["sandbox_mounts", "sandbox_url"]
