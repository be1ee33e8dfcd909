"""``flask metrics serve``: the same metrics on an internal address of their own, with no token.

The other way to keep metrics private: instead of ``/metrics`` on the public site behind a token, run
this beside gunicorn with the same ``PROMETHEUS_MULTIPROC_DIR`` and let Prometheus scrape it over the
internal network. It adds up the web processes' request counts from that folder and reads jobs and
queues from the database and Redis, as ``/metrics`` does. As it asks no token, it refuses to listen on
every interface (0.0.0.0, ::) unless told so with ``--any-address``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.ops.metrics import exposition

WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - named here to be refused


def metrics_wsgi_app(app: Flask) -> Callable[..., Iterable[bytes]]:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in ("/", "/metrics") or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found: scrape /metrics\n"]
        with app.app_context():
            body, content_type = exposition()
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return serve


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape every 15 seconds says nothing


@click.group("metrics")
def metrics_group() -> None:
    """Prometheus metrics on an internal address."""


@metrics_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Internal address to listen on.")
@click.option("--port", default=9464, show_default=True, type=click.IntRange(1, 65535))
@click.option("--any-address", is_flag=True, help="Allow listening on every interface (0.0.0.0 or ::).")
@with_appcontext
def serve_command(host: str, port: int, any_address: bool) -> None:
    """Serve /metrics without a token on HOST:PORT, for a scraper on the internal network."""
    if host.strip("[]") in WILDCARDS and not any_address:
        raise click.ClickException(
            f"refusing to serve metrics without a token on every interface ({host}); "
            "give an internal address with --host, or add --any-address"
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with make_server(host, port, metrics_wsgi_app(app), handler_class=_QuietHandler) as server:
        click.echo(f"metrics on http://{host}:{port}/metrics")
        server.serve_forever()
