"""Environment-driven settings: one base class and one subclass per way of running Podium.

Every value is read when the class is instantiated (not at import), so tests and the CLI can set the
environment first. A value that is present but unusable raises ``ConfigError`` naming the variable,
because a typo in production must stop the process rather than fall back to a default silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import click
from redis.connection import parse_url as parse_redis_url
from sqlalchemy.engine import make_url

STORAGE_BACKENDS = ("local", "s3")
S3_ADDRESSING_STYLES = ("auto", "path", "virtual")
MAIL_BACKENDS = ("smtp", "log")
_BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")
METRICS_TOKEN_MIN_LENGTH = 32


class ConfigError(click.ClickException):
    """A setting is missing or malformed; the message names the environment variable.

    It is a ``ClickException`` so that every ``flask`` command stops with the one line
    "Error: <message>" and exit status 1, not a traceback; ``app.wsgi`` does the same for servers.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"configuration error: {message}")


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (_text(env, name, default) or default).lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _text(env, name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (use true or false)")


def _intervals(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    raw = _text(env, name, default) or default
    try:
        seconds = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a comma-separated list of seconds") from None
    if any(value < 0 for value in seconds):
        raise ConfigError(f"{name}={raw!r} holds a negative number of seconds")
    return seconds


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    port = _integer(env, name, default, minimum=1)
    if port > 65535:
        raise ConfigError(f"{name}={port} is not a TCP port (1-65535)")
    return port


def _check_web_address(name: str, url: str) -> None:
    """An http(s) address with a host and, if any, a port in range; else ConfigError naming ``name``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ConfigError(f"{name}={url!r} is not an http:// or https:// address with a host")
    try:
        parts.port  # noqa: B018 - urllib checks the port only when it is read
    except ValueError:
        raise ConfigError(f"{name}={url!r} has a port that is not a number from 0 to 65535") from None


def _service_url(env: Mapping[str, str], name: str) -> str | None:
    url = _text(env, name)
    if url is not None:
        _check_web_address(name, url)
    return url


def _redis_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = _text(env, name, default) or default
    try:
        parse_redis_url(url)
    except ValueError as error:
        # The address may hold a password, so it is not repeated.
        raise ConfigError(f"{name} is not a Redis address: {error}") from None
    parts = urlsplit(url)
    database = parts.path.lstrip("/") if parts.scheme != "unix" else ""
    if database and not database.isdigit():
        raise ConfigError(f"{name} names database {database!r}; Redis databases are numbers")
    return url


def _bucket(env: Mapping[str, str], name: str, default: str) -> str:
    bucket = _text(env, name, default) or default
    if not _BUCKET_PATTERN.fullmatch(bucket):
        raise ConfigError(
            f"{name}={bucket!r} is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)"
        )
    return bucket


def _sender(env: Mapping[str, str], name: str, default: str) -> str:
    sender = _text(env, name, default) or default
    _, address = parseaddr(sender)
    if "@" not in address or any(ch in address for ch in " <>"):
        raise ConfigError(f"{name}={sender!r} is not an e-mail address such as 'Podium <podium@example.org>'")
    return sender


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name}={raw!r} is not a number between 0 and 1")
    return value


def _sentry_dsn(env: Mapping[str, str], name: str) -> str | None:
    raw = _text(env, name)
    if raw is None:
        return None
    from sentry_sdk.utils import BadDsn, Dsn  # local: settings load without the SDK until a DSN is given

    try:
        Dsn(raw)
    except BadDsn:
        raise ConfigError(f"{name} is not a Sentry DSN (https://<key>@<host>/<project id>)") from None
    return raw


def _domains(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = _text(env, name, "") or ""
    domains = tuple(part.strip().lower().lstrip("@") for part in raw.split(",") if part.strip())
    for domain in domains:
        if "." not in domain or " " in domain:
            raise ConfigError(f"{name} holds {domain!r}, which is not an e-mail domain")
    return domains


class BaseConfig:
    """Settings shared by every environment; subclasses change defaults, never the names."""

    name = "base"
    DEBUG = False
    TESTING = False
    default_database_url = "sqlite:///{instance}/podium.sqlite3"
    default_public_url: str | None = "http://127.0.0.1:5000"

    def __init__(self, env: Mapping[str, str] | None = None, instance_path: str | None = None):
        env = os.environ if env is None else env
        instance = Path(instance_path or _text(env, "PODIUM_INSTANCE_PATH", "instance") or "instance")
        self.INSTANCE_PATH = str(instance.resolve())

        self.SECRET_KEY = _text(env, "SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(
            _text(env, "DATABASE_URL") or self.default_database_url.format(instance=self.INSTANCE_PATH)
        )
        # Every call to another service is bounded, so an outage costs a request seconds, not minutes:
        # it fails fast and is answered 503 with Retry-After (app/core/outages.py).
        self.DATABASE_CONNECT_TIMEOUT = _integer(env, "DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
        self.DATABASE_STATEMENT_TIMEOUT = _integer(env, "DATABASE_STATEMENT_TIMEOUT", 30)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(
            self.SQLALCHEMY_DATABASE_URI, self.DATABASE_CONNECT_TIMEOUT, self.DATABASE_STATEMENT_TIMEOUT
        )
        self.ALLOW_SQLITE = _flag(env, "ALLOW_SQLITE", False)
        self.ALLOW_LOCAL_STORAGE = _flag(env, "ALLOW_LOCAL_STORAGE", False)

        self.REDIS_URL = _redis_url(env, "REDIS_URL", "redis://127.0.0.1:6379/0")
        self.RQ_QUEUES = ("default", "mail", "scheduled")
        self.REDIS_TIMEOUT = _integer(env, "REDIS_TIMEOUT", 5, minimum=1)
        self.JOB_RETRIES = _integer(env, "JOB_RETRIES", 3)
        self.JOB_RETRY_INTERVALS = _intervals(env, "JOB_RETRY_INTERVALS", "10,60,300")
        # A worker renews a running job's heartbeat this often; two missed beats mark the job abandoned,
        # and the recovery sweep (every RECOVERY_INTERVAL_SECONDS) retries it: within a minute in all.
        self.JOB_HEARTBEAT_SECONDS = _integer(env, "JOB_HEARTBEAT_SECONDS", 10, minimum=1)
        self.RECOVERY_INTERVAL_SECONDS = _integer(env, "RECOVERY_INTERVAL_SECONDS", 20, minimum=1)
        # The longest wait of the cron scheduler and the workers between tries to reach a lost Redis.
        self.RECONNECT_MAX_SECONDS = _integer(env, "RECONNECT_MAX_SECONDS", 30, minimum=1)

        self.STORAGE_BACKEND = _choice(env, "STORAGE_BACKEND", STORAGE_BACKENDS, "local")
        self.STORAGE_LOCAL_ROOT = _text(env, "STORAGE_LOCAL_ROOT") or str(
            Path(self.INSTANCE_PATH) / "storage"
        )
        self.S3_ENDPOINT_URL = _service_url(env, "S3_ENDPOINT_URL")
        self.S3_BUCKET = _bucket(env, "S3_BUCKET", "podium")
        self.S3_REGION = _text(env, "AWS_DEFAULT_REGION") or _text(env, "AWS_REGION") or "us-east-1"
        self.S3_ADDRESSING_STYLE = _choice(env, "S3_ADDRESSING_STYLE", S3_ADDRESSING_STYLES, "auto")
        self.S3_CONNECT_TIMEOUT = _integer(env, "S3_CONNECT_TIMEOUT", 5, minimum=1)
        self.S3_READ_TIMEOUT = _integer(env, "S3_READ_TIMEOUT", 20, minimum=1)
        self.S3_MAX_ATTEMPTS = _integer(env, "S3_MAX_ATTEMPTS", 2, minimum=1)
        self.S3_CREATE_BUCKET = _flag(env, "S3_CREATE_BUCKET", self.name in ("development", "testing"))
        mebibyte = 1024 * 1024
        self.STORAGE_MULTIPART_THRESHOLD = mebibyte * _integer(
            env, "STORAGE_MULTIPART_THRESHOLD_MB", 100, minimum=5
        )
        self.STORAGE_MULTIPART_PART_SIZE = mebibyte * _integer(
            env, "STORAGE_MULTIPART_PART_MB", 64, minimum=5
        )
        self.STORAGE_UPLOAD_EXPIRY = timedelta(
            seconds=_integer(env, "STORAGE_UPLOAD_EXPIRY", 3600, minimum=60)
        )
        # Part links of a big upload must outlive the upload on a slow line: they last as long as the
        # whole file takes at this speed (at least STORAGE_UPLOAD_EXPIRY, at most UPLOAD_RETENTION).
        self.STORAGE_SLOWEST_UPLOAD_KBPS = _integer(env, "STORAGE_SLOWEST_UPLOAD_KBPS", 128, minimum=1)
        self.STORAGE_DOWNLOAD_EXPIRY = timedelta(
            seconds=_integer(env, "STORAGE_DOWNLOAD_EXPIRY", 300, minimum=10)
        )

        self.INTERNAL_EMAIL_DOMAINS = _domains(env, "INTERNAL_EMAIL_DOMAINS")

        minutes = timedelta(minutes=1)
        self.CHALLENGE_MIN_SUBMISSION_WINDOW = minutes * _integer(
            env, "CHALLENGE_MIN_SUBMISSION_MINUTES", 1440, minimum=1
        )
        self.CHALLENGE_MIN_JUDGING_WINDOW = minutes * _integer(
            env, "CHALLENGE_MIN_JUDGING_MINUTES", 1440, minimum=1
        )
        # SUBMISSION_GRACE_SECONDS, when set, wins: benchmarks and demos run a deadline in seconds.
        self.SUBMISSION_GRACE = timedelta(
            seconds=_integer(
                env, "SUBMISSION_GRACE_SECONDS", 60 * _integer(env, "SUBMISSION_GRACE_MINUTES", 15)
            )
        )
        self.UPLOAD_RETENTION = minutes * _integer(env, "UPLOAD_RETENTION_MINUTES", 24 * 60, minimum=1)
        self.CLEANUP_INTERVAL_SECONDS = _integer(env, "CLEANUP_INTERVAL_SECONDS", 3600, minimum=60)
        self.SWEEP_INTERVAL_SECONDS = _integer(env, "SWEEP_INTERVAL_SECONDS", 60, minimum=5)

        self.MAIL_BACKEND = _choice(env, "MAIL_BACKEND", MAIL_BACKENDS, "smtp")
        self.MAIL_SERVER = _text(env, "MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = _port(env, "MAIL_PORT", 25)
        self.MAIL_USERNAME = _text(env, "MAIL_USERNAME")
        self.MAIL_PASSWORD = _text(env, "MAIL_PASSWORD")
        self.MAIL_USE_TLS = _flag(env, "MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _flag(env, "MAIL_USE_SSL", False)
        self.MAIL_DEFAULT_SENDER = _sender(env, "MAIL_DEFAULT_SENDER", "Podium <podium@localhost>")
        self.MAIL_TIMEOUT = _integer(env, "MAIL_TIMEOUT", 10, minimum=1)
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL:
            raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL are both set; choose one")

        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _integer(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, minimum=1)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _integer(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)
        self.LOGIN_FAILURE_WINDOW = timedelta(
            minutes=_integer(env, "LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
        )

        # Verification and password-reset e-mails: at most this many per address and per client a window.
        self.EMAIL_LINK_MAX_PER_ADDRESS = _integer(env, "EMAIL_LINK_MAX_PER_ADDRESS", 3, minimum=1)
        self.EMAIL_LINK_MAX_PER_CLIENT = _integer(env, "EMAIL_LINK_MAX_PER_CLIENT", 10, minimum=1)
        self.EMAIL_LINK_WINDOW = timedelta(minutes=_integer(env, "EMAIL_LINK_WINDOW_MINUTES", 60, minimum=1))
        # Where people reach Podium: the start of every link in an e-mail (never the request's Host header,
        # which a client chooses).
        self.PUBLIC_URL = (_text(env, "PUBLIC_URL", self.default_public_url) or "").rstrip("/")
        if self.PUBLIC_URL and not self.PUBLIC_URL.startswith(("https://", "http://")):
            raise ConfigError("PUBLIC_URL must start with https:// or http://")
        if self.PUBLIC_URL:
            _check_web_address("PUBLIC_URL", self.PUBLIC_URL)

        # What operators see (app/ops): log format and level, the Prometheus endpoint, Sentry.
        self.LOG_FORMAT = _choice(
            env, "LOG_FORMAT", LOG_FORMATS, "json" if self.name == "production" else "text"
        )
        self.LOG_LEVEL = _choice(env, "LOG_LEVEL", LOG_LEVELS, "info").upper()
        self.METRICS_ENABLED = _flag(env, "METRICS_ENABLED", False)
        self.METRICS_TOKEN = _text(env, "METRICS_TOKEN")
        if self.METRICS_TOKEN is not None and len(self.METRICS_TOKEN) < METRICS_TOKEN_MIN_LENGTH:
            raise ConfigError(
                f"METRICS_TOKEN is shorter than {METRICS_TOKEN_MIN_LENGTH} characters; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if self.METRICS_ENABLED and not self.METRICS_TOKEN:
            raise ConfigError(
                "METRICS_ENABLED is true but METRICS_TOKEN is not set; metrics are never served open"
            )
        # Read by prometheus_client itself when it is imported; checked here so a typo stops the start.
        multiprocess_dir = _text(env, "PROMETHEUS_MULTIPROC_DIR")
        if multiprocess_dir is None and "PROMETHEUS_MULTIPROC_DIR" in env:
            # prometheus_client takes the variable's presence, not its value: set but empty, it would
            # write its files into whatever folder the process started in.
            raise ConfigError(
                "PROMETHEUS_MULTIPROC_DIR is set but empty; unset it or name an existing folder"
            )
        if multiprocess_dir is not None and not Path(multiprocess_dir).is_dir():
            raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR={multiprocess_dir!r} is not an existing folder")
        self.SENTRY_DSN = _sentry_dsn(env, "SENTRY_DSN")
        self.SENTRY_ENVIRONMENT = _text(env, "SENTRY_ENVIRONMENT", self.name)
        self.SENTRY_TRACES_SAMPLE_RATE = _fraction(env, "SENTRY_TRACES_SAMPLE_RATE", 0.0)

        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = 3600 * 8
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"  # like the session: cross-site posts arrive signed out
        self.PROXY_COUNT = _integer(env, "PROXY_COUNT", 0)
        self.MAX_CONTENT_LENGTH = _integer(env, "MAX_FORM_BYTES", 16 * 1024 * 1024, minimum=1024)
        # An org chart CSV is read as a stream and refused past these limits (a 2 MB file is ~20,000 people).
        self.ORG_CHART_MAX_BYTES = _integer(env, "ORG_CHART_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
        self.ORG_CHART_MAX_ROWS = _integer(env, "ORG_CHART_MAX_ROWS", 20_000, minimum=1)

    def as_mapping(self) -> dict[str, object]:
        """The upper-case settings, ready for ``app.config.update``."""
        return {key: getattr(self, key) for key in dir(self) if key.isupper()}


class DevelopmentConfig(BaseConfig):
    """The embedded defaults of README command 1: SQLite, local storage, mail to the log."""

    name = "development"
    DEBUG = True

    def __init__(self, env: Mapping[str, str] | None = None, instance_path: str | None = None):
        env = os.environ if env is None else env
        env = {"MAIL_BACKEND": "log", **env}
        super().__init__(env, instance_path)
        self.SECRET_KEY = self.SECRET_KEY or "dev-only-not-secret"
        self.ALLOW_SQLITE = True


class TestingConfig(BaseConfig):
    """Test runs: the services come from the environment that the test command prepares."""

    name = "testing"
    TESTING = True
    __test__ = False  # not a pytest test class, despite its name
    default_database_url = "postgresql+psycopg://127.0.0.1:5432/podium_test"

    def __init__(self, env: Mapping[str, str] | None = None, instance_path: str | None = None):
        super().__init__(env, instance_path)
        self.SECRET_KEY = self.SECRET_KEY or "testing-secret"
        self.ALLOW_SQLITE = True
        self.PASSWORD_HASH_FAST = True


class ProductionConfig(BaseConfig):
    """Real deployments: secrets are mandatory and SQLite needs an explicit opt-in."""

    name = "production"
    default_public_url = None

    def __init__(self, env: Mapping[str, str] | None = None, instance_path: str | None = None):
        super().__init__(env, instance_path)
        if not self.SECRET_KEY:
            raise ConfigError("SECRET_KEY is not set; production refuses to start without it")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite") and not self.ALLOW_SQLITE:
            raise ConfigError(
                "DATABASE_URL points at SQLite; set DATABASE_URL to PostgreSQL or ALLOW_SQLITE=true"
            )
        if not self.PUBLIC_URL:
            raise ConfigError(
                "PUBLIC_URL is not set; production needs it for the links in e-mails (e.g. https://podium.example)"
            )
        if self.STORAGE_BACKEND == "local" and not self.ALLOW_LOCAL_STORAGE:
            # Files on one machine's disk are lost to every other web server and worker: fail closed.
            raise ConfigError(
                "STORAGE_BACKEND is local, which keeps files on this machine's disk; set STORAGE_BACKEND=s3, "
                "or ALLOW_LOCAL_STORAGE=true on a single machine or a folder every machine mounts"
            )
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True


CONFIGS: dict[str, type[BaseConfig]] = {
    cls.name: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig)
}


def config_for(name: str | None = None, env: Mapping[str, str] | None = None) -> BaseConfig:
    """Build the settings named by ``name`` or ``PODIUM_ENV``. Without either, production: a server
    started with no settings must not run with development's published secret key and debugger, so it
    refuses to start until SECRET_KEY (and a database) are given or development is asked for."""
    env = os.environ if env is None else env
    chosen = (name or _text(env, "PODIUM_ENV", "production") or "production").lower()
    if chosen not in CONFIGS:
        raise ConfigError(f"PODIUM_ENV={chosen!r} is not one of: {', '.join(CONFIGS)}")
    return CONFIGS[chosen](env)


# What PostgreSQL's planner should take one random page read to cost, against 1 for a page read in
# sequence. Its default, 4, models spinning disks, and with it the planner reads all 150,000 reviews to
# join the 1,700 of one challenge rather than fetch those by index (50 ms against 10 ms). Podium's
# working set sits in memory or on SSD, where 1.1 is the usual figure (tests/query_counts/test_query_plans.py).
RANDOM_PAGE_COST = 1.1


def engine_options(url: str, connect_timeout: int, statement_timeout: int) -> dict[str, object]:
    """SQLAlchemy engine options that bound every wait on the database: connecting, a free pooled
    connection, and (PostgreSQL) each statement; ``statement_timeout`` 0 means no limit. On PostgreSQL
    each connection also tells the planner that random reads are cheap (``RANDOM_PAGE_COST``)."""
    if url.startswith("sqlite"):
        # SQLite has no server; its timeout is how long a writer waits for the file's lock.
        return {"pool_pre_ping": True, "connect_args": {"timeout": connect_timeout}}
    options = [f"-c random_page_cost={RANDOM_PAGE_COST}"]
    if statement_timeout:
        options.append(f"-c statement_timeout={statement_timeout * 1000}")
    connect_args: dict[str, object] = {"connect_timeout": connect_timeout, "options": " ".join(options)}
    return {"pool_pre_ping": True, "pool_timeout": connect_timeout, "connect_args": connect_args}


def _normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and plain ``postgresql://`` forms hosts hand out; use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith(("sqlite", "postgresql+psycopg://")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url.split(':')[0]!r}")
    try:
        port = make_url(url).port
    except ValueError:
        raise ConfigError("DATABASE_URL has a port that is not a number") from None
    except Exception:  # SQLAlchemy's parser has several ways to refuse
        raise ConfigError("DATABASE_URL is not a database URL SQLAlchemy can read") from None
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"DATABASE_URL has port {port}, outside 1-65535")
    if url.startswith("postgresql"):
        _check_connection_options(make_url(url).query)
    return url


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _check_connection_options(options: Mapping[str, object]) -> None:
    """The options after ``?`` in DATABASE_URL are libpq's: an unknown one, or an sslmode libpq has no
    such value for, would fail only at the first connection (in a job, long after start-up)."""
    from psycopg import pq  # local: only PostgreSQL URLs have libpq options

    for name, value in options.items():
        try:
            pq.Conninfo.parse(f"{name}=''".encode())
        except Exception:  # psycopg's OperationalError: libpq does not know the option
            raise ConfigError(f"DATABASE_URL has an option PostgreSQL does not know: {name}") from None
        if name == "sslmode" and value not in SSL_MODES:
            raise ConfigError(f"DATABASE_URL has sslmode={value!r}; use one of: {', '.join(SSL_MODES)}")
