"""Benchmark fixture: the bare Flask ceiling for ``bench.pages``. One route, no database, no template.

Served by gunicorn with the committed ``gunicorn.conf.py``, exactly as Podium is, so the figure it
gives is what the server, the framework and the machine allow before Podium does any work.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
