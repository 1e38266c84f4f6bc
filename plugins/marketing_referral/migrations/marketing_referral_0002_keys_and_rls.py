from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-12-05T13:25:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "referral keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_referral",
                               description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("marketing_referral_code", ("tenant", "customer"), unique=True),
            Index("marketing_referral_code", ("tenant", "code"), unique=True),
            Index("marketing_referral", ("tenant", "newcomer"), unique=True),
            Index("marketing_referral", ("tenant", "referrer", "id")),
            Index("marketing_referral_claim", ("tenant", "key"), unique=True),
        ])
        await enable_row_level_security(engine, ["marketing_referral_code",
                                                 "marketing_referral",
                                                 "marketing_referral_claim"])

    manager.add_raw(keys_and_rls)
    return manager
