import pytest

from galleria.settings import Settings, SettingsError

SECRET = "s" * 40


def test_defaults_are_the_embedded_setup():
    settings = Settings.from_env({"GALLERIA_SECRET_KEY": SECRET})
    assert settings.database_url == "sqlite:///var/galleria.db"
    assert settings.redis_url is None
    assert settings.domain == "localhost"
    assert not settings.is_postgres


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({
            "GALLERIA_DATABASE_URL": "mysql://x", "GALLERIA_REDIS_URL": "http://x",
            "GALLERIA_DOMAIN": "bad domain", "GALLERIA_SECRET_KEY": "short",
        })
    message = str(info.value)
    for name in ("GALLERIA_DATABASE_URL", "GALLERIA_REDIS_URL", "GALLERIA_DOMAIN",
                 "GALLERIA_SECRET_KEY"):
        assert name in message


def test_missing_secret_is_required_unless_generated(tmp_path):
    with pytest.raises(SettingsError, match="GALLERIA_SECRET_KEY: required"):
        Settings.from_env({})
    env = {"GALLERIA_VAR_DIR": str(tmp_path)}
    first = Settings.from_env(env, generate_secret=True)
    second = Settings.from_env(env, generate_secret=True)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_url_is_recognised():
    settings = Settings.from_env({"GALLERIA_SECRET_KEY": SECRET,
                                  "GALLERIA_DATABASE_URL": "postgresql://app@db/galleria"})
    assert settings.is_postgres


def test_numbers_are_checked():
    with pytest.raises(SettingsError, match="GALLERIA_DB_POOL_MAX"):
        Settings.from_env({"GALLERIA_SECRET_KEY": SECRET, "GALLERIA_DB_POOL_MAX": "many"})
