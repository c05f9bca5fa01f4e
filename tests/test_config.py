from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from portal.config import ConfigError, database_url, load_config, redis_url
from portal.redis_conn import redis_for_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@host:5432/db", "postgresql+psycopg://u:p@host:5432/db"),
        ("postgresql://u@host/db", "postgresql+psycopg://u@host/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_url_accepts_heroku_postgres_urls(given, expected):
    assert database_url({"DATABASE_URL": given}, Path("/nowhere")) == expected


def test_database_url_defaults_to_sqlite_under_instance(tmp_path):
    assert database_url({}, tmp_path) == f"sqlite:///{tmp_path / 'portal.sqlite'}"


def test_redis_tls_url_is_preferred_when_present():
    env = {"REDIS_URL": "redis://a:6379", "REDIS_TLS_URL": "rediss://b:6380"}
    assert redis_url(env) == "rediss://b:6380"


def test_rediss_client_skips_certificate_checks_for_self_signed_certs():
    client = redis_for_url("rediss://127.0.0.1:6380/0")
    assert client.connection_pool.connection_kwargs["ssl_cert_reqs"] is None
    assert redis_for_url("rediss://127.0.0.1:6380/0") is client


def test_plain_redis_client_gets_no_ssl_arguments():
    client = redis_for_url("redis://127.0.0.1:6379/0")
    assert "ssl_cert_reqs" not in client.connection_pool.connection_kwargs


def test_production_names_every_missing_setting(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config({"APP_ENV": "production", "SECRET_KEY": "x"}, tmp_path)
    message = str(error.value)
    for name in ("DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEYS", "QBO_CLIENT_ID", "QBO_CLIENT_SECRET"):
        assert name in message
    assert "SECRET_KEY" not in message.split("missing: ")[1]


def test_production_config_is_complete_and_secure(tmp_path):
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": "postgres://u@h/db",
        "REDIS_URL": "redis://h:6379",
        "SECRET_KEY": "s",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "QBO_CLIENT_ID": "id",
        "QBO_CLIENT_SECRET": "secret",
    }
    config = load_config(env, tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["QBO_API_BASE"] == "https://sandbox-quickbooks.api.intuit.com"
    assert not (tmp_path / "encryption.key").exists()


def test_development_generates_keys_once_under_instance(tmp_path):
    first = load_config({}, tmp_path)
    second = load_config({}, tmp_path)
    assert first["ENCRYPTION_KEYS"] == second["ENCRYPTION_KEYS"]
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["SESSION_COOKIE_SECURE"] is False


def test_every_intuit_endpoint_can_be_overridden(tmp_path):
    env = {
        "QBO_AUTH_URL": "http://127.0.0.1:9/auth",
        "QBO_TOKEN_URL": "http://127.0.0.1:9/token",
        "QBO_REVOKE_URL": "http://127.0.0.1:9/revoke",
        "QBO_API_BASE": "http://127.0.0.1:9",
        "QBO_ENVIRONMENT": "production",
    }
    config = load_config(env, tmp_path)
    assert {key: config[key] for key in env} == env


def test_malformed_encryption_key_is_refused_with_a_fix(tmp_path):
    with pytest.raises(ConfigError, match="Fernet"):
        load_config({"ENCRYPTION_KEYS": "not-a-key"}, tmp_path)


def test_unknown_qbo_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="QBO_ENVIRONMENT"):
        load_config({"QBO_ENVIRONMENT": "staging"}, tmp_path)


def test_digest_email_defaults(tmp_path):
    config = load_config({}, tmp_path)
    smtp = (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"], config["SMTP_CA_FILE"])
    assert smtp == ("", 587, True, "")


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SMTP_USERNAME": "bridge", "SMTP_STARTTLS": "0"}, "password would cross unencrypted"),
        ({"SMTP_CA_FILE": "/nonexistent/relay-ca.pem"}, "SMTP_CA_FILE /nonexistent/relay-ca.pem is not a file"),
        ({"SMTP_STARTTLS": "yes"}, "SMTP_STARTTLS must be 1 \\(on\\) or 0 \\(off\\), not 'yes'"),
        ({"SUPPORT_DIGEST_WEBHOOK": "hooks.example.com/T0"}, "SUPPORT_DIGEST_WEBHOOK: The webhook is not an http"),
    ],
)
def test_smtp_settings_that_could_never_work_are_refused_at_start(tmp_path, env, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(env, tmp_path)


def test_smtp_ca_file_that_exists_is_accepted(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert load_config({"SMTP_CA_FILE": str(ca)}, tmp_path)["SMTP_CA_FILE"] == str(ca)
