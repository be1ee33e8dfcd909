"""Headers every response carries, so no page can be framed by another site, run a script or style
that is not one of our files, be sniffed into another type, leak its address to other sites, or be
kept by a cache.

One ``after_request`` hook, registered by the app factory, covers every route, error page, API answer
and file link alike. A response that states its own ``Cache-Control`` (static files) keeps it; every
other one is ``no-store``, because most pages hold someone's private data and a few hold secrets (a
new API token). In production, browsers are also told to use HTTPS only (HSTS).

The Content-Security-Policy allows scripts and styles from our own origin only, with no inline code:
an injected ``<script>``, ``style=`` or ``onclick=`` does nothing. The browser talks to one other
origin, the file store's, when uploads go straight to S3 and when a judge previews a file; the
factory passes that origin in, and it is allowed only where the browser needs it (``connect-src``
for uploads, ``frame-src`` and ``img-src`` for previews). Images in Markdown from anywhere else are
blocked, so no page can call out to a third party (a tracking pixel in an entry would tell its
maker when a judge read it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # the judge's inline preview frames our own file links
    "Referrer-Policy": "same-origin",
}


def content_security_policy(file_origins: Iterable[str] = ()) -> str:
    """The policy for an app whose browsers also reach ``file_origins`` (the file store's)."""
    files = " ".join(dict.fromkeys(file_origins))
    own_and_files = f"'self' {files}".strip()
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"{own_and_files} data:",
        "connect-src": own_and_files,
        "frame-src": own_and_files,
        "form-action": "'self'",
        "frame-ancestors": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(file_origins: Iterable[str] = ()) -> dict[str, str]:
    """Every protective header with its value, the policy included."""
    return {**BASE_HEADERS, "Content-Security-Policy": content_security_policy(file_origins)}


HSTS = "max-age=31536000; includeSubDomains"


def _header_adder(
    file_origins: Callable[[], Iterable[str]], *, https_only: bool
) -> Callable[[Response], Response]:
    def add_headers(response: Response) -> Response:
        headers = security_headers(file_origins())
        if https_only:
            headers["Strict-Transport-Security"] = HSTS
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    return add_headers


def register_response_headers(app: Flask, *, file_origins: Callable[[], Iterable[str]] = tuple) -> None:
    """Protect every response of ``app``; ``file_origins`` names the file store's origins when asked."""
    app.after_request(_header_adder(file_origins, https_only=app.config["PODIUM_ENV"] == "production"))
