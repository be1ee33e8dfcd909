"""The WSGI entry point for servers (``gunicorn app.wsgi:app``) and ``flask --app app.wsgi``.

A configuration problem stops the process with one line naming the variable, not a traceback.
"""

import sys

from app.factory import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"podium: {error.message}")
