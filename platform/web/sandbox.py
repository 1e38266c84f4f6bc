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


def sandbox_mounts(settings: Settings, host: PluginHost) -> list[Any]:
    if not settings.sandbox:
        return []
    mounts, seen = [], set()
    for name, app, *_ in host.collect("galleria_sandbox_apps", host.names()):
        if name in seen:
            raise ValueError(f"two plugins contribute a sandbox named {name!r}")
        seen.add(name)
        mounts.append(_mount(name, app))
    return mounts


__all__ = ["sandbox_mounts"]
