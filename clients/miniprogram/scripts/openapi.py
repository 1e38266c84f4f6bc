"""Print the Galleria app's OpenAPI document (what `/schema/openapi.json` serves), built
from the installed app and plugins without a database or a server: the input of
`npm run api-types`."""

import json
import os
import sys
import tempfile

os.environ.setdefault("GALLERIA_SECRET_KEY", "openapi-dump-only-" + "x" * 32)
os.environ.setdefault("GALLERIA_VAR_DIR", tempfile.mkdtemp(prefix="galleria-openapi-"))
os.environ.pop("GALLERIA_REDIS_URL", None)

from galleria.web.app import create_app

app = create_app(embedded_worker=False)
json.dump(app.openapi_schema.to_schema(), sys.stdout, ensure_ascii=False, indent=1,
          sort_keys=True)
