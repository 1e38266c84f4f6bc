"""The `access` piccolo app: outside sign-in identities, shops' sign-in providers and
connected OAuth2 apps, with their own migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.access.tables import (
    CustomerIdentity,
    OAuthApp,
    OAuthCode,
    OAuthGrant,
    OAuthToken,
    ShopSignInProvider,
    StaffIdentity,
)

ACCESS_TABLES = [StaffIdentity, CustomerIdentity, ShopSignInProvider, OAuthApp, OAuthGrant,
                 OAuthCode, OAuthToken]

APP_CONFIG = AppConfig(
    app_name="access",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ACCESS_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app",
                            "galleria.kernel.customers.piccolo_app"],
)
