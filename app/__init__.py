"""Podium: prize contests for organisations. ``app.factory.create_app`` builds the Flask app.

The package itself imports nothing, so a pure core (``app.judging.assignment``, ``app.core.splitting``)
loads without the models, the database or the other domains; ``from app import create_app`` still works.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        # Local so that importing any module of the package does not build the whole app's import graph.
        from app.factory import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
