"""Console pages served by plugins' own routes.

A plugin route handler marked `opt={"console": True}` is signed in like the console's pages
(a staff member of this shop; anyone else is sent to the console's sign-in) and may take the
`console` dependency: a `PluginConsole`, which renders a template (the plugin's own, from
its package's `templates/`, or the platform's) inside the console's shell and says who is
acting. Plugins get it by
dependency injection, so they import nothing from `galleria.web`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.utils.scope.state import ScopeState

from galleria.kernel.plugins import PluginHost
from galleria.runtime import Runtime
from galleria.web.pages.console.shell import console_page, require_staff, staff_of
from galleria.web.pages.render import gettext_for, request_locale, shop_of


async def staff_for_console_routes(connection: ASGIConnection,
                                   handler: BaseRouteHandler) -> None:
    """A guard: handlers with `opt={"console": True}` need a signed-in staff member."""
    if handler.opt.get("console"):
        await require_staff(connection, handler)


@dataclass(frozen=True)
class PluginConsole:
    """What a plugin's console handler gets as its `console` dependency."""

    request: Request
    runtime: Runtime

    @property
    def staff(self) -> dict[str, Any]:
        """`{"user_id", "email", "role"}` of the signed-in staff member."""
        return staff_of(self.request)

    @property
    def actor(self) -> str:
        """How timelines and audit entries name the staff member: `user:<id>`."""
        return f"user:{self.staff['user_id']}"

    @property
    def host(self) -> PluginHost:
        """The plugin host, for the kernel functions that call the shop's plugins."""
        return self.runtime.host

    @property
    def locale(self) -> str:
        return request_locale(self.request, shop_of(self.request))

    @property
    def plugin(self) -> str:
        """The plugin whose route this is (routes are mounted at `/plugins/<name>/`)."""
        return self.request.url.path.split("/")[2]

    def gettext(self, message: str) -> str:
        """`message` in the request's language: the plugin's Babel domain, then ours."""
        return gettext_for(self.request, self.plugin)(message)

    @property
    def csrf_input(self) -> str:
        """The hidden CSRF field every POST form needs, for HTML a plugin builds itself
        (templates have `csrf_input`)."""
        token = ScopeState.from_scope(self.request.scope).csrf_token or ""
        return f'<input type="hidden" name="_csrf_token" value="{html.escape(token)}">'

    async def page(self, template: str, *, nav: str, title: str, status_code: int = 200,
                   **context: Any) -> Response:
        """`template` (`<plugin>/….html` in the plugin's templates, extending
        `console/shell.html`) with the console's navigation, the plugin page `nav` (a
        ConsolePage slug) marked active."""
        return await console_page(self.request, self.runtime, template, f"p:{nav}",
                                  status_code=status_code, page_title=title, **context)

    async def report_page(self, template: str, *, tab: str, title: str,
                          status_code: int = 200, **context: Any) -> Response:
        """`template` as one of the console's reports (数据中心): the console's navigation
        with Reports active, and the reports' tabs (`console/report_tabs.html`, which the
        template includes) with the plugin's tab `tab` (its `ReportTab.name`) active."""
        return await console_page(self.request, self.runtime, template, "reports",
                                  status_code=status_code, page_title=title,
                                  report_tab=tab, **context)


async def provide_console(request: Request, runtime: Runtime) -> PluginConsole:
    return PluginConsole(request, runtime)


__all__ = ["PluginConsole", "provide_console", "staff_for_console_routes"]
