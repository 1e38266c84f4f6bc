"""The Content-Security-Policy in a real browser: an injected inline script does not run,
and the violation is seen (the check every other browser test relies on)."""

from __future__ import annotations

from playwright.sync_api import Page

from .conftest import LiveServer


def test_an_injected_inline_script_does_not_run(live_server: LiveServer, page: Page,
                                                no_csp_violations: list[str]) -> None:
    page.goto(f"{live_server.url}/signup")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")
    assert any("inline script" in text for text in no_csp_violations)
    no_csp_violations.clear()  # provoked on purpose
