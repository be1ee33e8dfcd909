"""The web server's settings (gunicorn.conf.py), read from the environment like every other setting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from config.settings import ConfigError, _integer, _text


@dataclass(frozen=True)
class ServerSettings:
    bind: str
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int


def server_settings(env: Mapping[str, str] | None = None) -> ServerSettings:
    """gunicorn's own conventions (PORT, WEB_CONCURRENCY), checked with one line naming the variable."""
    env = os.environ if env is None else env
    bind = _text(env, "BIND")
    if bind is None:
        port = _integer(env, "PORT", 0, minimum=1) if _text(env, "PORT") else None
        if port is not None and port > 65535:
            raise ConfigError(f"PORT={port} is not a TCP port (1-65535)")
        bind = f"0.0.0.0:{port}" if port else "127.0.0.1:8000"
    return ServerSettings(
        bind=bind,
        workers=_integer(env, "WEB_CONCURRENCY", 2, minimum=1),
        threads=_integer(env, "WEB_THREADS", 4, minimum=1),
        timeout=_integer(env, "WEB_TIMEOUT", 60, minimum=5),
        graceful_timeout=_integer(env, "WEB_GRACEFUL_TIMEOUT", 30, minimum=1),
    )
