"""The `galleria` command: demo, serve, worker, migrate, tenants, plugins, jobs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

import click

from galleria.settings import Settings, SettingsError


def _settings(generate_secret: bool = False) -> Settings:
    try:
        return Settings.from_env(generate_secret=generate_secret)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _host():
    from galleria.kernel.plugins import PluginHost

    settings = _settings(generate_secret=True)
    host = PluginHost(trace=settings.trace_plugins)
    host.load_entry_points()
    host.check()
    return host


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """Galleria: a plugin-based, multi-tenant shop platform."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


@main.command()
def migrate() -> None:
    """Create or update the database schema (kernel and installed plugins)."""
    from galleria.migrations import MigrationFailed
    from galleria.migrations import migrate as run

    settings = _settings(generate_secret=True)
    try:
        asyncio.run(run(settings, _host()))
    except MigrationFailed as exc:
        raise click.ClickException(f"migration failed: {exc}") from None
    click.echo("Database is up to date.")


@main.command()
@click.option("--host", "bind_host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (with Redis configured).")
def serve(bind_host: str, port: int, workers: int) -> None:
    """Serve the app (jobs run in-process unless GALLERIA_REDIS_URL is set)."""
    settings = _settings()
    _serve(settings, bind_host, port, workers)


def _serve(settings: Settings, bind_host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    # The app process reads its settings from the environment; hand it the demo's secret.
    os.environ.setdefault("GALLERIA_SECRET_KEY", settings.secret_key)
    if settings.sandbox:
        os.environ["GALLERIA_SANDBOX"] = "1"
        os.environ.setdefault("GALLERIA_BILLING_STRIPE_API_BASE",
                              settings.billing_stripe_api_base)
    if workers > 1 and not settings.redis_url:
        raise click.ClickException("several workers need GALLERIA_REDIS_URL (shared sessions "
                                   "and jobs)")
    uvicorn.run("galleria.web.asgi:app", host=bind_host, port=port, workers=workers,
                log_level="warning", proxy_headers=True, access_log=False)


@main.command()
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 32))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def worker(processes: int, threads: int) -> None:
    """Run background jobs from Redis (needs GALLERIA_REDIS_URL)."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("`galleria worker` needs GALLERIA_REDIS_URL; without it, "
                                   "jobs run inside `galleria serve`")
    from galleria.jobs.worker import run_worker

    sys.exit(run_worker(processes=processes, threads=threads))


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Set up and seed, then exit.")
def demo(port: int, no_serve: bool) -> None:
    """Migrate, seed the demo shops from tenants/demo, and serve on 127.0.0.1."""
    from galleria.demo import seed_demo

    # The demo runs in sandbox mode: payments go to the plugins' local simulators.
    settings = dataclasses.replace(_settings(generate_secret=True), sandbox=True)
    from galleria.migrations import migrate as run

    asyncio.run(run(settings, _host()))
    base = f"http://{settings.domain}:{port}"
    if "/sandbox/" not in settings.billing_stripe_api_base:  # merchants' plans: the simulator
        settings = dataclasses.replace(
            settings, billing_stripe_api_base=f"{base}/sandbox/billing")
    shops = asyncio.run(seed_demo(settings, progress=click.echo, sandbox_base=base))
    click.echo("")
    click.secho("Galleria demo", bold=True)
    click.echo(f"  Platform (landing, signup):  {base}/")
    for shop in shops:
        url = f"http://{shop.slug}.{settings.domain}:{port}"
        click.echo(f"  {shop.name:<24} {url}/   console: {url}/console/")
        click.echo(f"      sign in as {shop.owner_email} / {shop.owner_password}")
    click.echo("")
    if not no_serve:
        _serve(settings, "127.0.0.1", port)


@main.group()
def tenants() -> None:
    """Shops and shop templates."""


@tenants.command("list")
def tenants_list() -> None:
    """List the shops."""
    from galleria.kernel.tenancy.shops import list_shops

    async def run():
        runtime = await _open_runtime()
        try:
            return await list_shops()
        finally:
            await runtime.close()

    for shop in asyncio.run(run()):
        click.echo(f"{shop.slug:<24} {shop.status:<10} {shop.template:<12} {shop.name}")


@tenants.command("plan")
@click.argument("slug")
@click.argument("plan")
@click.option("--reason", required=True, help="Kept in the shop's audit log.")
def tenants_plan(slug: str, plan: str, reason: str) -> None:
    """Put shop SLUG on PLAN (basic, pro, ultimate …) without a payment, as an operator's
    override does: for a partner's shop, a test shop or a goodwill upgrade."""
    from galleria.kernel import db
    from galleria.kernel.billing.subscriptions import override_plan
    from galleria.kernel.tenancy.shops import get_shop

    async def run() -> str:
        runtime = await _open_runtime()
        try:
            shop = await get_shop(slug)
            if shop is None:
                return f"no shop {slug!r}"
            async with db.shop_scope(shop.id):
                await override_plan(shop.id, plan, actor="cli:operator", reason=reason)
            return ""
        except ValueError as exc:
            return str(exc)
        finally:
            await runtime.close()

    problem = asyncio.run(run())
    if problem:
        raise click.ClickException(problem)
    click.echo(f"{slug} is on {plan}")


@tenants.command("templates")
def tenants_templates() -> None:
    """List the shop templates in tenants/templates."""
    from galleria.kernel.tenancy.templates import TemplateError, default_root, load_templates

    try:
        templates = load_templates(default_root())
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    for t in sorted(templates.values(), key=lambda t: t.name):
        click.echo(f"{t.name:<14} {len(t.products):>3} products  {t.title}")


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--template", default="blank", show_default=True)
@click.option("--owner-email", required=True)
@click.option("--owner-password", prompt=True, hide_input=True)
def tenants_create(slug: str, name: str, template: str, owner_email: str,
                   owner_password: str) -> None:
    """Open a shop (as signup does) and print its admin API token."""
    from galleria.auth.signup import signup
    from galleria.kernel.errors import DomainError

    async def run():
        runtime = await _open_runtime()
        try:
            return await signup(shop_name=name, slug=slug, email=owner_email,
                                password=owner_password, template=template,
                                templates=runtime.templates, host=runtime.host,
                                tenants_dir=runtime.tenants_dir)
        finally:
            await runtime.close()

    try:
        result = asyncio.run(run())
    except DomainError as exc:
        lines = [exc.detail] + [f"  {e.field}: {e.message}" for e in exc.errors]
        raise click.ClickException("\n".join(lines)) from None
    click.echo(f"Opened {result.shop.slug}. Admin API token (shown once): {result.admin_token}")


@tenants.command("apply")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def tenants_apply(path: Path) -> None:
    """Create the demo shop described by a tenants/demo/*.toml file, if it does not exist."""
    from galleria.demo import seed_demo

    settings = _settings(generate_secret=True)
    asyncio.run(seed_demo(settings, progress=click.echo, only=[path]))


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@click.option("--hooks", is_flag=True, help="Also list the hooks each plugin implements.")
def plugins_list(hooks: bool) -> None:
    """List installed plugins (name, version, title) and, with --hooks, their hooks."""
    host = _host()
    for name in host.names():
        info = host.info(name)
        click.echo(f"{name:<20} {info.version:<10} {info.title}")
        if hooks:
            implemented = sorted(impl.name for impl in
                                 host.pm.get_hookcallers(host.pm.get_plugin(name)))
            click.echo(f"{'':<20} hooks: {', '.join(implemented)}")
    for name, reason in sorted(host.disabled.items()):
        click.echo(f"{name:<20} DISABLED: {reason}")


@main.group()
def plugin() -> None:
    """Write a plugin of your own."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Where to make the plugin's folder.")
def plugin_new(name: str, directory: Path) -> None:
    """Scaffold plugin NAME as a distribution of its own, in DIRECTORY/galleria-NAME."""
    from galleria.scaffold import ScaffoldError, new_plugin

    try:
        made = new_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Made {made}. Next: pip install -e '{made}[test]' && galleria migrate"
               f" && pytest {made}")


async def _open_runtime():
    from galleria.runtime import Runtime

    runtime = Runtime.build(_settings(generate_secret=True))
    await runtime.open()
    return runtime


@main.group()
def catalog() -> None:
    """Products and stock of one shop, as CSV or XLSX files (one row per variant)."""


async def _in_shop(slug: str, work):
    from galleria.kernel import db
    from galleria.kernel.errors import DomainError
    from galleria.kernel.tenancy.shops import get_shop

    runtime = await _open_runtime()
    try:
        shop = await get_shop(slug)
        if shop is None:
            raise click.ClickException(f"no shop {slug!r}")
        async with db.shop_scope(shop.id):
            return await work(shop.id)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        await runtime.close()


def _progress_bars():
    """A progress callback drawing one click progress bar per stage."""
    bars: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = click.progressbar(length=total, label=stage.capitalize())
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return progress


@catalog.command("import")
@click.argument("shop")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def catalog_import(shop: str, path: Path) -> None:
    """Import products and stock into SHOP from a .csv or .xlsx file; all or nothing."""
    from galleria.kernel.catalog.io import import_catalog

    data = path.read_bytes()
    report = asyncio.run(_in_shop(shop, lambda tenant_id: import_catalog(
        tenant_id, data, path.name, actor="cli", progress=_progress_bars())))
    if not report.ok:
        for error in report.errors:
            click.echo(f"row {error.row}, {error.column}: {error.message}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s) in {path.name}; "
                                   "nothing was imported")
    click.echo(f"Imported {report.rows} rows: {report.products_created} products created, "
               f"{report.products_updated} updated; {report.variants_created} variants "
               f"created, {report.variants_updated} updated.")


@catalog.command("export")
@click.argument("shop")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def catalog_export(shop: str, path: Path) -> None:
    """Export SHOP's products and stock to PATH (.xlsx, else CSV)."""
    from galleria.kernel.catalog.io import export_catalog

    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    content = asyncio.run(_in_shop(shop, lambda tenant_id: export_catalog(
        tenant_id, fmt, progress=_progress_bars())))
    path.write_bytes(content)
    click.echo(f"Wrote {path} ({len(content)} bytes).")


@main.group()
def reports() -> None:
    """Report rollups (the daily figures the overview and reports read)."""


@reports.command("rebuild")
@click.option("--shop", "slug", default=None, help="Only this shop (its slug).")
def reports_rebuild(slug: str | None) -> None:
    """Recompute the daily rollups from the orders: one shop, or every shop."""
    from galleria.kernel.reports.rollups import rebuild
    from galleria.kernel.tenancy.shops import get_shop
    from galleria.kernel.tenancy.tables import Tenant

    async def run() -> list[tuple[str, int]]:
        runtime = await _open_runtime()
        try:
            if slug is not None:
                shop = await get_shop(slug)
                if shop is None:
                    raise click.ClickException(f"no shop {slug!r}")
                shops = [(shop.slug, shop.id)]
            else:
                shops = [(row["slug"], row["id"]) for row in await Tenant.select(
                    Tenant.slug, Tenant.id).order_by(Tenant.id)]
            return [(name, await rebuild(tenant_id)) for name, tenant_id in shops]
        finally:
            await runtime.close()

    for name, days in asyncio.run(run()):
        click.echo(f"{name}: {days} days with orders")


def _add_jobs() -> None:
    from galleria.jobs.cli import jobs

    main.add_command(jobs)


_add_jobs()

if __name__ == "__main__":
    main()


@main.group()
def operator() -> None:
    """Platform operators: who runs every shop (the /operator/ console)."""


@operator.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="GALLERIA_OPERATOR_PASSWORD")
def operator_create(email: str, password: str) -> None:
    """Make EMAIL a platform operator and print the TOTP secret for an authenticator app."""
    from galleria.auth.operators import create_operator
    from galleria.kernel.errors import DomainError

    async def run():
        runtime = await _open_runtime()
        try:
            return await create_operator(email, password)
        finally:
            await runtime.close()

    try:
        _, uri = asyncio.run(run())
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{email} is an operator. Sign in at /operator/login with the password and a "
               "code from an authenticator app set up with this key (shown once):")
    click.echo(uri)


@main.group()
def miniprogram() -> None:
    """The WeChat mini-program storefront (clients/miniprogram)."""


@miniprogram.command("build")
@click.option("--shop", "slug", required=True, help="The shop's slug.")
@click.option("--appid", required=True, help="The mini-program's AppID (wx…).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="An empty or new directory for the DevTools project.")
@click.option("--api-base", default="", help="The shop's API origin (default: its "
              "storefront URL, https://{slug}.{GALLERIA_DOMAIN} or its custom domain).")
@click.option("--source", type=click.Path(path_type=Path), default=None,
              help="The clients/miniprogram folder (default: the one next to this install).")
def miniprogram_build(slug: str, appid: str, out: Path, api_base: str,
                      source: Path | None) -> None:
    """Write shop SLUG's mini-program as a WeChat DevTools project: its API host, AppID,
    name, colour and logo (see clients/miniprogram/README.md)."""
    from galleria.kernel import db
    from galleria.kernel.catalog.categories import list_categories
    from galleria.kernel.orders.links import shop_origin
    from galleria.kernel.storage import storage
    from galleria.kernel.tenancy.shops import get_shop
    from galleria.miniprogram import SOURCE, BuildRefused, ShopBrand, build_project

    async def brand() -> ShopBrand | None:
        runtime = await _open_runtime()
        try:
            shop = await get_shop(slug)
            if shop is None:
                return None
            async with db.shop_scope(shop.id):
                categories = await list_categories(shop.id)
        finally:
            await runtime.close()
        logo = storage().get(shop.logo) if shop.logo else b""
        return ShopBrand(slug=shop.slug, name=shop.name,
                         api_base=(api_base or shop_origin(shop.slug, shop.settings)).rstrip("/"),
                         primary_color=shop.theme_color, logo=logo,
                         logo_suffix=Path(shop.logo).suffix or ".png",
                         categories=tuple({**c, "parent_id": c["parent"]} for c in categories))

    found = asyncio.run(brand())
    if found is None:
        raise click.ClickException(f"no shop {slug!r}")
    try:
        build_project(found, appid, out, source or SOURCE)
    except BuildRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {found.name}'s mini-program to {out}: open it in WeChat DevTools, "
               f"and add {found.api_base} as a request domain (see README).")
