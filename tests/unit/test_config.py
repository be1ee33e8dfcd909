"""Settings come from the environment and refuse bad values with a message naming the variable."""

import os
import subprocess
import sys

import pytest

from app.factory import create_app
from config import ConfigError, DevelopmentConfig, ProductionConfig, TestingConfig, config_for
from tests.conftest import PROJECT_ROOT

PUBLIC_URL = "https://podium.example"


def test_production_refuses_to_start_without_the_public_url_that_e_mailed_links_start_with():
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        ProductionConfig({"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/podium"})
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        ProductionConfig(
            {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/podium", "PUBLIC_URL": "podium"}
        )
    settings = ProductionConfig(
        {
            "SECRET_KEY": "s3cret",
            "DATABASE_URL": "postgresql://db/podium",
            "PUBLIC_URL": "https://podium.example/",
            "STORAGE_BACKEND": "s3",
        }
    )
    assert settings.PUBLIC_URL == "https://podium.example"


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        ProductionConfig({"DATABASE_URL": "postgresql://db/podium"})


def test_production_refuses_sqlite_unless_explicitly_allowed():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        ProductionConfig({"SECRET_KEY": "s3cret"})
    allowed = ProductionConfig(
        {
            "SECRET_KEY": "s3cret",
            "ALLOW_SQLITE": "true",
            "PUBLIC_URL": PUBLIC_URL,
            "ALLOW_LOCAL_STORAGE": "true",
        }
    )
    assert allowed.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")


def test_production_refuses_local_storage_unless_explicitly_allowed():
    """Files on one machine's disk are invisible to the other web servers and workers."""
    env = {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/podium", "PUBLIC_URL": PUBLIC_URL}
    with pytest.raises(ConfigError, match="STORAGE_BACKEND is local"):
        ProductionConfig(env)
    assert ProductionConfig({**env, "ALLOW_LOCAL_STORAGE": "true"}).STORAGE_BACKEND == "local"
    assert ProductionConfig({**env, "STORAGE_BACKEND": "s3"}).STORAGE_BACKEND == "s3"
    assert DevelopmentConfig({}).STORAGE_BACKEND == "local"  # the embedded default stays one machine's


def test_production_accepts_postgres_and_uses_psycopg3_driver():
    settings = ProductionConfig(
        {
            "SECRET_KEY": "s3cret",
            "DATABASE_URL": "postgres://u@db:5432/podium",
            "PUBLIC_URL": PUBLIC_URL,
            "STORAGE_BACKEND": "s3",
        }
    )
    assert settings.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db:5432/podium"
    assert settings.SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STORAGE_BACKEND", "ftp"),
        ("S3_ADDRESSING_STYLE", "sideways"),
        ("MAIL_PORT", "twenty-five"),
        ("MAIL_USE_TLS", "perhaps"),
        ("INTERNAL_EMAIL_DOMAINS", "not a domain"),
        ("DATABASE_URL", "mysql://db/podium"),
        ("JOB_RETRY_INTERVALS", "10,soon"),
        ("MAIL_PORT", "70000"),
        ("MAIL_DEFAULT_SENDER", "Podium"),
        ("REDIS_URL", "localhost:6379"),
        ("REDIS_URL", "redis://queue.internal/jobs"),
        ("DATABASE_URL", "postgresql://db:port/podium"),
        ("DATABASE_URL", "postgresql://db:70000/podium"),
        ("S3_ENDPOINT_URL", "minio:9000"),
        ("S3_ENDPOINT_URL", "http://minio:ninety"),
        ("S3_BUCKET", "Podium_Files"),
        ("S3_CONNECT_TIMEOUT", "0"),
        ("S3_READ_TIMEOUT", "soon"),
        ("S3_MAX_ATTEMPTS", "0"),
        ("DATABASE_CONNECT_TIMEOUT", "0"),
        ("DATABASE_STATEMENT_TIMEOUT", "-1"),
        ("REDIS_TIMEOUT", "0"),
        ("PUBLIC_URL", "https://:443"),
    ],
)
def test_unknown_configuration_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        DevelopmentConfig({name: value})


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="PODIUM_ENV"):
        config_for(env={"PODIUM_ENV": "staging"})


def test_development_defaults_are_embedded():
    settings = DevelopmentConfig({}, instance_path="/tmp/podium-instance")
    assert settings.SQLALCHEMY_DATABASE_URI == "sqlite:////tmp/podium-instance/podium.sqlite3"
    assert settings.STORAGE_BACKEND == "local"
    assert settings.MAIL_BACKEND == "log"
    assert settings.SECRET_KEY


def test_settings_read_each_documented_variable():
    settings = TestingConfig(
        {
            "DATABASE_URL": "postgresql://db/x",
            "REDIS_URL": "redis://cache:6379/3",
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": "http://s3.local:9000",
            "S3_BUCKET": "entries",
            "S3_ADDRESSING_STYLE": "path",
            "INTERNAL_EMAIL_DOMAINS": "Corp.example, @staff.corp.example",
            "MAIL_SERVER": "smtp.corp.example",
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "yes",
        }
    )
    assert settings.REDIS_URL == "redis://cache:6379/3"
    assert settings.STORAGE_BACKEND == "s3"
    assert settings.S3_ENDPOINT_URL == "http://s3.local:9000"
    assert settings.S3_BUCKET == "entries"
    assert settings.S3_ADDRESSING_STYLE == "path"
    assert settings.INTERNAL_EMAIL_DOMAINS == ("corp.example", "staff.corp.example")
    assert (settings.MAIL_SERVER, settings.MAIL_PORT, settings.MAIL_USE_TLS) == (
        "smtp.corp.example",
        587,
        True,
    )


def test_without_podium_env_the_settings_are_productions_and_refuse_to_start_without_a_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config_for(env={})
    settings = config_for(
        env={
            "SECRET_KEY": "s" * 40,
            "DATABASE_URL": "postgresql://db/podium",
            "PUBLIC_URL": PUBLIC_URL,
            "STORAGE_BACKEND": "s3",
        }
    )
    assert settings.name == "production"
    assert settings.SESSION_COOKIE_SECURE


def test_seed_demo_refuses_to_run_in_production(tmp_path):
    app = create_app(
        ProductionConfig(
            {
                "SECRET_KEY": "s" * 40,
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",  # never reached
                "PUBLIC_URL": PUBLIC_URL,
                "PODIUM_INSTANCE_PATH": str(tmp_path),
                "ALLOW_LOCAL_STORAGE": "true",
            }
        )
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


@pytest.mark.parametrize("command", [["routes"], ["seed-demo"], ["db", "upgrade"]])
def test_a_flask_command_without_a_secret_stops_with_one_line_and_no_traceback(command, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("PODIUM_ENV", "SECRET_KEY")}
    env["PODIUM_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "Error: configuration error: SECRET_KEY is not set; production refuses to start without it"
    )


def test_every_wait_on_another_service_is_bounded_by_a_setting():
    settings = ProductionConfig(
        {
            "SECRET_KEY": "s" * 40,
            "PUBLIC_URL": PUBLIC_URL,
            "DATABASE_URL": "postgresql://db/podium",
            "S3_CONNECT_TIMEOUT": "2",
            "S3_READ_TIMEOUT": "7",
            "S3_MAX_ATTEMPTS": "3",
            "DATABASE_CONNECT_TIMEOUT": "4",
            "DATABASE_STATEMENT_TIMEOUT": "15",
            "ALLOW_LOCAL_STORAGE": "true",
        }
    )
    assert (settings.S3_CONNECT_TIMEOUT, settings.S3_READ_TIMEOUT, settings.S3_MAX_ATTEMPTS) == (2, 7, 3)
    assert (settings.MAIL_TIMEOUT, settings.REDIS_TIMEOUT) == (10, 5)
    assert settings.SQLALCHEMY_ENGINE_OPTIONS == {
        "pool_pre_ping": True,
        "pool_timeout": 4,
        "connect_args": {
            "connect_timeout": 4,
            "options": "-c random_page_cost=1.1 -c statement_timeout=15000",
        },
    }
    unlimited = DevelopmentConfig(
        {"DATABASE_URL": "postgresql://db/podium", "DATABASE_STATEMENT_TIMEOUT": "0"}
    )
    assert unlimited.SQLALCHEMY_ENGINE_OPTIONS["connect_args"]["options"] == "-c random_page_cost=1.1"


def test_the_s3_client_carries_the_timeouts_and_the_bounded_retries():
    from app.storage.s3 import S3Storage

    storage = S3Storage(
        endpoint_url="http://127.0.0.1:9",
        bucket="podium",
        region="us-east-1",
        connect_timeout=2,
        read_timeout=7,
        max_attempts=3,
    )
    config = storage.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 7)
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}


def test_the_server_settings_follow_gunicorn_conventions_and_are_checked():
    from config.server import server_settings

    assert server_settings({}).bind == "127.0.0.1:8000"
    assert server_settings({"PORT": "8080"}).bind == "0.0.0.0:8080"
    assert server_settings({"BIND": "unix:/run/podium.sock", "PORT": "8080"}).bind == "unix:/run/podium.sock"
    defaults = server_settings({})
    assert (defaults.workers, defaults.threads, defaults.timeout, defaults.graceful_timeout) == (2, 4, 60, 30)
    for name, value in (("PORT", "70000"), ("WEB_THREADS", "0"), ("WEB_GRACEFUL_TIMEOUT", "soon")):
        with pytest.raises(ConfigError, match=name):
            server_settings({name: value})


def test_metrics_switched_on_without_a_token_refuse_to_start_in_every_environment():
    for settings in (DevelopmentConfig, TestingConfig):
        with pytest.raises(ConfigError, match="METRICS_TOKEN is not set"):
            settings({"METRICS_ENABLED": "true"})
    with pytest.raises(ConfigError, match="METRICS_TOKEN is shorter than 32"):
        DevelopmentConfig({"METRICS_ENABLED": "true", "METRICS_TOKEN": "short"})
    settings = DevelopmentConfig({"METRICS_ENABLED": "true", "METRICS_TOKEN": "t" * 32})
    assert (settings.METRICS_ENABLED, settings.METRICS_TOKEN) == (True, "t" * 32)
    assert DevelopmentConfig({}).METRICS_ENABLED is False


def test_logs_are_json_in_production_and_text_elsewhere_unless_chosen():
    production = {
        "SECRET_KEY": "s3cret",
        "DATABASE_URL": "postgresql://db/podium",
        "PUBLIC_URL": PUBLIC_URL,
        "ALLOW_LOCAL_STORAGE": "true",
    }
    assert ProductionConfig(production).LOG_FORMAT == "json"
    assert ProductionConfig({**production, "LOG_FORMAT": "text"}).LOG_FORMAT == "text"
    assert DevelopmentConfig({}).LOG_FORMAT == "text"
    assert DevelopmentConfig({"LOG_FORMAT": "JSON", "LOG_LEVEL": "warning"}).LOG_LEVEL == "WARNING"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        DevelopmentConfig({"LOG_FORMAT": "xml"})


def test_sentry_settings_are_checked_when_given(tmp_path):
    assert DevelopmentConfig({}).SENTRY_DSN is None
    settings = DevelopmentConfig(
        {"SENTRY_DSN": "https://public@sentry.example/42", "SENTRY_TRACES_SAMPLE_RATE": "0.25"}
    )
    assert settings.SENTRY_DSN == "https://public@sentry.example/42"
    assert settings.SENTRY_TRACES_SAMPLE_RATE == 0.25
    assert settings.SENTRY_ENVIRONMENT == "development"
    with pytest.raises(ConfigError, match="SENTRY_DSN is not a Sentry DSN"):
        DevelopmentConfig({"SENTRY_DSN": "sentry.example"})
    with pytest.raises(ConfigError, match="SENTRY_TRACES_SAMPLE_RATE"):
        DevelopmentConfig({"SENTRY_TRACES_SAMPLE_RATE": "2"})
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        DevelopmentConfig({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})
    assert DevelopmentConfig({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})


def test_an_empty_prometheus_folder_is_refused_not_taken_for_the_current_folder():
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR is set but empty"):
        DevelopmentConfig({"PROMETHEUS_MULTIPROC_DIR": ""})
    assert DevelopmentConfig({}).METRICS_ENABLED is False  # unset is fine


def test_database_url_options_postgresql_would_refuse_at_the_first_connection_stop_the_start():
    with pytest.raises(ConfigError, match="sslmode='bogus'; use one of: disable"):
        DevelopmentConfig({"DATABASE_URL": "postgresql://db/podium?sslmode=bogus"})
    with pytest.raises(ConfigError, match="an option PostgreSQL does not know: colour"):
        DevelopmentConfig({"DATABASE_URL": "postgresql://db/podium?colour=blue"})
    fine = DevelopmentConfig(
        {"DATABASE_URL": "postgresql://db/podium?sslmode=verify-full&application_name=p"}
    )
    assert fine.SQLALCHEMY_DATABASE_URI.endswith("sslmode=verify-full&application_name=p")
