"""JSON API v1 on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.api import bp

# isort: off
# In this order the operations register, so the OpenAPI document and the docs page list them so.
from app.api import auth
from app.api import challenges
from app.api import submissions
from app.api import judging
from app.api import results
from app.api import awards
from app.api import payouts
from app.api import marketplace
from app.api import me
from app.api import openapi

# isort: on

ATTACHED = (
    auth,
    challenges,
    submissions,
    judging,
    results,
    awards,
    payouts,
    marketplace,
    me,
    openapi,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
