"""Benchmark fixture: the one-query ceiling for ``bench.pages``. A bare Flask app that answers each
request with one indexed query (a challenge by its unique slug) rendered into a tiny template.

It reads the same settings as Podium (``config_for``: the database URL and the engine options, pool
and per-connection settings included), so the gap between it and a Podium page is Podium's own work:
more queries, the session and permission checks, the larger templates.
"""

from __future__ import annotations

from flask import Flask, abort, render_template
from jinja2 import DictLoader
from sqlalchemy import create_engine, text

from config import config_for

SLUG = "bench-open"  # seeded by bench.seed
PAGE = """<!doctype html>
<title>{{ challenge.title }}</title>
<h1>{{ challenge.title }}</h1>
<p>{{ challenge.summary }}</p>
<p>Closes {{ challenge.closes_at.strftime("%d %B %Y") }}.</p>
"""

_settings = config_for()
engine = create_engine(_settings.SQLALCHEMY_DATABASE_URI, **_settings.SQLALCHEMY_ENGINE_OPTIONS)
app = Flask(__name__)
# A template file as any app has one, compiled once and cached (render_template_string compiles each time).
app.jinja_loader = DictLoader({"challenge.html": PAGE})


@app.get("/")
def challenge_page() -> str:
    with engine.connect() as connection:
        challenge = connection.execute(
            text("SELECT id, title, summary, closes_at FROM challenges WHERE slug = :slug"), {"slug": SLUG}
        ).one_or_none()
    if challenge is None:
        abort(404)
    return render_template("challenge.html", challenge=challenge)
