"""Settings from the environment, validated once at start.

Every setting is a `GALLERIA_*` variable; `Settings.from_env()` reads them all and raises
`SettingsError` with every problem at once, so an operator fixes a bad deployment in one go.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite:///var/galleria.db"
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


class SettingsError(ValueError):
    """One or more settings are invalid; the message lists each, one per line."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Migrations and role setup run as the owning role; the app connects as `database_url`,
    # a role subject to row-level security. Defaults to `database_url`.
    admin_database_url: str | None = None
    redis_url: str | None = None
    domain: str = "localhost"
    secret_key: str = field(default="", repr=False)
    var_dir: Path = Path("var")
    debug: bool = False
    trace_plugins: bool = False
    signup_rate_limit: int = 10  # signups per IP per hour
    db_pool_max: int = 10
    # Mount the plugins' simulators (galleria_sandbox_apps) at /sandbox/…: demo only.
    sandbox: bool = False
    # How long a job's claim lasts unless its runner renews it: the time a job whose
    # worker was killed waits before another worker takes it over.
    job_lease_seconds: int = 60
    # The platform's own Stripe account, for merchants' subscriptions (Stripe Billing).
    billing_stripe_secret_key: str = field(default="", repr=False)
    billing_stripe_webhook_secret: str = field(default="", repr=False)
    billing_stripe_api_base: str = "https://api.stripe.com"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def secure_cookies(self) -> bool:
        """Cookies are `Secure` everywhere but on the local development domain."""
        return not (self.domain == "localhost" or self.domain.endswith(".localhost"))

    @property
    def sqlite_path(self) -> Path:
        """The database file for a `sqlite:///relative` or `sqlite:////absolute` URL."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def media_dir(self) -> Path:
        return self.var_dir / "media"

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, *, generate_secret: bool = False
    ) -> Settings:
        """Read and validate `GALLERIA_*` variables.

        With `generate_secret`, a missing secret key is generated once and kept in
        `var/secret_key` (what the demo does); otherwise it is required.
        """
        env = dict(os.environ if env is None else env)
        problems: list[str] = []
        var_dir = Path(env.get("GALLERIA_VAR_DIR", "var"))

        database_url = env.get("GALLERIA_DATABASE_URL") or f"sqlite:///{var_dir / 'galleria.db'}"
        for name, url in (("GALLERIA_DATABASE_URL", database_url),
                          ("GALLERIA_ADMIN_DATABASE_URL", env.get("GALLERIA_ADMIN_DATABASE_URL"))):
            if url is not None and not _valid_database_url(url):
                problems.append(f"{name}: expected sqlite:///path or "
                                f"postgresql://user@host/db, got {url!r}")

        redis_url = env.get("GALLERIA_REDIS_URL") or None
        if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            problems.append(f"GALLERIA_REDIS_URL: expected redis://host:port/db, got {redis_url!r}")

        domain = env.get("GALLERIA_DOMAIN", "localhost").strip().lower()
        if not _DOMAIN_RE.match(domain):
            problems.append(
                f"GALLERIA_DOMAIN: {domain!r} is not a host name (e.g. shops.example.com)")

        secret_key = env.get("GALLERIA_SECRET_KEY", "")
        if not secret_key and generate_secret:
            secret_key = _kept_secret(var_dir / "secret_key")
        if not secret_key:
            problems.append("GALLERIA_SECRET_KEY: required (32+ random characters; "
                            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
        elif len(secret_key) < 32:
            problems.append("GALLERIA_SECRET_KEY: too short, use at least 32 random characters")

        ints = {}
        for name, default in (("GALLERIA_SIGNUP_RATE_LIMIT", 10), ("GALLERIA_DB_POOL_MAX", 10),
                              ("GALLERIA_JOB_LEASE_SECONDS", 60)):
            raw = env.get(name, str(default))
            try:
                ints[name] = int(raw)
                if ints[name] < 1:
                    raise ValueError
            except ValueError:
                problems.append(f"{name}: expected a positive whole number, got {raw!r}")

        if problems:
            raise SettingsError("invalid settings:\n  " + "\n  ".join(problems))
        return cls(
            database_url=database_url,
            admin_database_url=env.get("GALLERIA_ADMIN_DATABASE_URL") or None,
            redis_url=redis_url,
            domain=domain,
            secret_key=secret_key,
            var_dir=var_dir,
            debug=_flag(env.get("GALLERIA_DEBUG")),
            trace_plugins=_flag(env.get("GALLERIA_TRACE_PLUGINS")),
            signup_rate_limit=ints["GALLERIA_SIGNUP_RATE_LIMIT"],
            db_pool_max=ints["GALLERIA_DB_POOL_MAX"],
            sandbox=_flag(env.get("GALLERIA_SANDBOX")),
            job_lease_seconds=ints["GALLERIA_JOB_LEASE_SECONDS"],
            billing_stripe_secret_key=env.get("GALLERIA_BILLING_STRIPE_SECRET_KEY", ""),
            billing_stripe_webhook_secret=env.get("GALLERIA_BILLING_STRIPE_WEBHOOK_SECRET", ""),
            billing_stripe_api_base=env.get("GALLERIA_BILLING_STRIPE_API_BASE",
                                            "https://api.stripe.com"),
        )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _valid_database_url(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return len(url) > len("sqlite:///")
    parts = urlsplit(url)
    return parts.scheme in ("postgresql", "postgres") and bool(
        parts.hostname or parts.path.strip("/"))


def _kept_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret
