"""piccolo's configuration, for `galleria migrate` and piccolo's own CLI.

`galleria.migrations.migrate()` replaces `DB` and `APP_REGISTRY` with the engine and apps of
the running configuration; importing this module only reads the database URL.
"""

import os

from piccolo.conf.apps import AppRegistry

from galleria.kernel.apps import KERNEL_APPS
from galleria.kernel.db import make_engine
from galleria.settings import DEFAULT_DATABASE_URL

DB = make_engine(os.environ.get("GALLERIA_ADMIN_DATABASE_URL")
                 or os.environ.get("GALLERIA_DATABASE_URL", DEFAULT_DATABASE_URL))
APP_REGISTRY = AppRegistry(apps=list(KERNEL_APPS))
