"""Local storage's signed upload and download links: the blueprint that serves them.

Only the app factory imports this module (through ``init_app``); the S3 backend serves nothing here."""

from __future__ import annotations

from flask import Flask

from app.storage.local_views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
