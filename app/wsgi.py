"""The WSGI entry point for servers (``gunicorn app.wsgi:app``) and ``flask --app app.wsgi``.

A configuration problem stops the process with one line naming the variable, not a traceback. The exit
status is 3, which gunicorn reads as "the worker cannot boot": it stops, rather than starting the
worker again and again. (``gunicorn.conf.py`` checks the settings before any worker starts, so with it
gunicorn stops earlier still.)
"""

import sys

from app.factory import create_app
from config import ConfigError

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR

try:
    app = create_app()
except ConfigError as error:
    print(f"podium: {error.message}", file=sys.stderr)
    sys.exit(WORKER_BOOT_ERROR)
