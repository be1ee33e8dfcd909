"""Gunicorn's settings for Podium in production: ``gunicorn`` run from this folder reads this file.

Every Podium setting is checked here, in the master process, before any worker starts: a malformed
one stops gunicorn with one line naming the variable (exit status 1), instead of workers that fail
to boot and are restarted without end. The server's own settings come from the environment too:

    PORT                  listen on 0.0.0.0:PORT (default: 127.0.0.1:8000); BIND overrides it
    BIND                  an address gunicorn understands, e.g. unix:/run/podium.sock
    WEB_CONCURRENCY       worker processes (default 2); gunicorn itself also reads it as it loads, before
                          this file, so a value that is not a number fails inside gunicorn
    WEB_THREADS           threads per worker (default 4): a slow upload or download holds a thread,
                          not a process, and a worker's heartbeat is never blocked by a request
    WEB_TIMEOUT           seconds a worker may stay silent before it is killed and replaced (60)
    WEB_GRACEFUL_TIMEOUT  seconds running requests get to finish after SIGTERM (30)
"""

from __future__ import annotations

import sys

from config import ConfigError, config_for
from config.server import server_settings

try:
    _settings = config_for()  # validated once here; each worker builds the app from the same environment
    _server = server_settings()
except ConfigError as error:
    sys.exit(f"podium: {error.message}")

wsgi_app = "app.wsgi:app"
bind = [_server.bind]
workers = _server.workers
worker_class = "gthread"
threads = _server.threads
timeout = _server.timeout
graceful_timeout = _server.graceful_timeout
keepalive = 5
accesslog = "-"
errorlog = "-"
# Who asked for what, how it ended and how long it took (microseconds), one line per request.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'

if _settings.LOG_FORMAT == "json":
    # gunicorn's own lines (its error log and the access log) in the app's JSON, so that one stream of
    # JSON objects, one a line, is all a log shipper reads.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.ops.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
