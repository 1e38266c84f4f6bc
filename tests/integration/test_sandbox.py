"""Sandbox mode mounts the plugins' simulators, and only then."""

import dataclasses

import httpx

from galleria.kernel import hookimpl
from galleria.testing import register_plugin


async def echo_app(scope, receive, send):
    body = f"{scope['method']} {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


class Simulated:
    @hookimpl
    def galleria_sandbox_apps(self):
        return [("echo", echo_app)]


async def _get(app, path):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://localhost") as http:
        return await http.get(path)


async def test_hook_sandbox_apps(plugin_host, runtime):
    from galleria.web.app import create_app

    with register_plugin(plugin_host, Simulated, "sandbox_echo"):
        sandboxed = create_app(dataclasses.replace(runtime.settings, sandbox=True),
                               host=plugin_host, embedded_worker=False)
        answer = await _get(sandboxed, "/sandbox/echo/pay/42")
        assert answer.status_code == 200 and answer.text == "GET /pay/42"
        production = create_app(runtime.settings, host=plugin_host, embedded_worker=False)
        assert (await _get(production, "/sandbox/echo/pay/42")).status_code == 404
