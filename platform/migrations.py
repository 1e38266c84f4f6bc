"""`galleria migrate`: the kernel's and every installed plugin's piccolo migrations, run as
the owning role, then (on PostgreSQL) the app role granted what it needs and no more."""

from __future__ import annotations

import logging
import os
import sys
import types
from urllib.parse import unquote, urlsplit

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.conf.apps import AppConfig, AppRegistry

from galleria.kernel import db
from galleria.kernel.apps import KERNEL_APPS, kernel_tables
from galleria.kernel.plugins import PluginHost
from galleria.runtime import plugin_tables
from galleria.settings import Settings

log = logging.getLogger("galleria.migrate")


class MigrationFailed(RuntimeError):
    pass


async def migrate(settings: Settings, host: PluginHost) -> None:
    os.environ["PICCOLO_CONF"] = "galleria.piccolo_conf"
    from galleria import piccolo_conf

    admin_url = settings.admin_database_url or settings.database_url
    engine = db.make_engine(admin_url)
    plugin_apps = host.collect("galleria_migrations", host.names())
    registry = AppRegistry(apps=[*KERNEL_APPS, *(_app_module(app) for app in plugin_apps)])
    piccolo_conf.DB, piccolo_conf.APP_REGISTRY = engine, registry
    tables = [*kernel_tables(), *plugin_tables(host)]
    # Migrations run as the owner; a running app's tables go back to its engine afterwards.
    previous = [(table, table._meta._db) for table in tables]
    db.bind(engine, tables)
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine
    try:
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
        if not response.success:
            raise MigrationFailed(response.message)
        if settings.is_postgres and settings.admin_database_url:
            await grant_app_role(engine, settings.database_url)
    finally:
        for table, bound in previous:
            table._meta._db = bound


def _app_module(app: AppConfig) -> str:
    """piccolo finds apps only by importing modules that hold APP_CONFIG: make one."""
    name = f"galleria_plugin_app__{app.app_name}"
    module = types.ModuleType(name)
    module.APP_CONFIG = app
    sys.modules[name] = module
    return name


async def grant_app_role(engine, app_url: str) -> None:
    """Create the app's login role if missing: no superuser, no BYPASSRLS, data rights only."""
    parts = urlsplit(app_url)
    role = parts.username
    if not role or not role.replace("_", "").isalnum():
        raise MigrationFailed(f"cannot tell the app role from {app_url!r}")
    # `role` is checked to be an identifier above, so it is safe in the statement.
    exists = await engine.run_ddl(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")  # noqa: S608
    if not exists:
        password = unquote(parts.password or "").replace("'", "''")
        login = f"LOGIN PASSWORD '{password}'" if password else "LOGIN"
        await engine.run_ddl(f'CREATE ROLE "{role}" {login} NOSUPERUSER NOBYPASSRLS')
    for statement in (
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ):
        await engine.run_ddl(statement)
    log.info("role %s may read and write shop data, behind row-level security", role)
