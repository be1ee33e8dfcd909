"""Local storage's signed upload and download links: the blueprint that serves them; and storage
outages answered as 503s.

Only the app factory imports this module (through ``init_app``); the S3 backend serves nothing here."""

from __future__ import annotations

from flask import Flask

from app.core.outages import add_classifier
from app.storage.local_views import bp
from app.storage.outages import storage_outage


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_classifier(app, storage_outage)
