"""Awards on the web: the publish route, which attaches to the judging blueprint's results pages.

Only the app factory imports this module; importing it attaches the route before judging's blueprint is
registered."""

from __future__ import annotations

from flask import Flask

from app.awards import views

ATTACHED = (views,)


def init_app(app: Flask) -> None:
    """Nothing more to register: the publish route lives on the judging blueprint."""
