"""The `customers` piccolo app: shopper accounts, address books and shopper tokens, with
their own migrations (kept apart from the kernel's and the orders' apps)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.customers.tables import (
    Customer,
    CustomerAddress,
    CustomerToken,
    SignInCode,
    VerificationCode,
)

CUSTOMER_TABLES = [Customer, CustomerAddress, CustomerToken, VerificationCode, SignInCode]

APP_CONFIG = AppConfig(
    app_name="customers",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(CUSTOMER_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app"],
)
