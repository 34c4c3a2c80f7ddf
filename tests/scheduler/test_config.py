
import pytest
from cryptography.fernet import Fernet

from scheduler.config import EMBEDDED_REDIS, ConfigError, load_settings

KEY = Fernet.generate_key().decode()
PROD = {"GATEPOST_ENV": "production", "DATABASE_URL": "postgresql+psycopg://u@db/gatepost",
        "REDIS_URL": "redis://redis:6379/0", "SECRET_KEY": "s" * 40, "GATEPOST_TOKEN_KEYS": KEY}


def test_production_settings_load(tmp_path):
    settings = load_settings(PROD, instance_path=tmp_path)
    assert settings.is_production and settings.token_keys == (KEY,)


@pytest.mark.parametrize("variable", ["SECRET_KEY", "GATEPOST_TOKEN_KEYS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_each_variable(tmp_path, variable):
    environ = {k: v for k, v in PROD.items() if k != variable}
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ, instance_path=tmp_path)


def test_production_ignores_secret_files_in_instance(tmp_path):
    (tmp_path / "secret_key").write_text("x" * 40)
    environ = {k: v for k, v in PROD.items() if k != "SECRET_KEY"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(environ, instance_path=tmp_path)


def test_development_has_no_hard_coded_fallback(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({"GATEPOST_ENV": "development"}, instance_path=tmp_path)


def test_development_reads_generated_secrets_and_embedded_defaults(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 64 + "\n")
    (tmp_path / "token_keys").write_text(KEY)
    settings = load_settings({}, instance_path=tmp_path)
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'gatepost.sqlite3'}"
    assert settings.redis_url == EMBEDDED_REDIS
    assert settings.secret_key == "k" * 64


@pytest.mark.parametrize("environ, variable", [
    ({"GATEPOST_ENV": "staging"}, "GATEPOST_ENV"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"GATEPOST_TOKEN_KEYS": "not-a-key"}, "GATEPOST_TOKEN_KEYS"),
    ({"GATEPOST_TOKEN_KEYS": f"{KEY},bad"}, "GATEPOST_TOKEN_KEYS"),
    ({"GATEPOST_LOGIN_MAX_FAILURES_PER_ACCOUNT": "many"}, "GATEPOST_LOGIN_MAX_FAILURES_PER_ACCOUNT"),
    ({"GATEPOST_LOGIN_MAX_FAILURES_PER_ADDRESS": "0"}, "GATEPOST_LOGIN_MAX_FAILURES_PER_ADDRESS"),
])
def test_bad_values_name_the_variable(tmp_path, environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings({**PROD, **environ}, instance_path=tmp_path)


def test_several_token_keys_are_kept_in_order(tmp_path):
    second = Fernet.generate_key().decode()
    settings = load_settings({**PROD, "GATEPOST_TOKEN_KEYS": f"{KEY}, {second}"}, instance_path=tmp_path)
    assert settings.token_keys == (KEY, second)


def test_create_app_stops_on_missing_secret(tmp_path):
    from scheduler import create_app

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({k: v for k, v in PROD.items() if k != "SECRET_KEY"} | {"GATEPOST_INSTANCE_PATH": str(tmp_path)})
