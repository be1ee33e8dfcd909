"""Every response carries the protective headers: scripts and styles from our own files only, no
framing by other sites, no type sniffing, no referrer to other sites, and no caching of anything but
static files. (Every browser test also fails if the policy blocked anything a page needed.)"""

from __future__ import annotations

import pytest

from app.core.response_headers import HSTS, security_headers
from app.factory import create_app
from config import ProductionConfig
from tests.conftest import extract_csrf


def _assert_protected(response, *, cached: bool = False, file_origins: tuple[str, ...] = ()) -> None:
    for name, value in security_headers(file_origins).items():
        assert response.headers.get(name) == value, (response.request.path, name)
    if not cached:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path


def _routes_without_arguments(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.endpoint.endswith("static")
    )


def test_every_page_without_arguments_is_protected_for_visitors_and_admins(
    app, client, db, redis, scene, login
):
    routes = _routes_without_arguments(app)
    assert len(routes) > 30
    for browser in (client, login(scene.admin.email)):
        for route in routes:
            _assert_protected(browser.get(route))


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/challenges/no-such-challenge", "/api/v1/no-such-resource", "/api/v1/me"]
)
def test_errors_and_api_answers_are_protected(client, db, path):
    _assert_protected(client.get(path))


def test_static_files_keep_their_own_caching_and_get_the_other_headers(client):
    response = client.get("/static/css/podium.css")
    assert response.status_code == 200
    _assert_protected(response, cached=True)
    assert response.headers["Cache-Control"] != "no-store"


def test_a_new_api_token_is_not_stored_by_any_cache(db, scene, login):
    browser = login(scene.alice.email)
    token = extract_csrf(browser.get("/account/tokens").get_data(as_text=True))
    created = browser.post(
        "/api/v1/me/tokens", json={"name": "laptop", "scope": "read"}, headers={"X-CSRFToken": token}
    )
    assert created.status_code in (200, 201), created.get_data(as_text=True)
    assert "secret" in created.get_json() or "token" in created.get_json()
    assert created.headers["Cache-Control"] == "no-store"


def test_only_production_tells_browsers_to_use_https_only(client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/static/css/podium.css").headers
    production = create_app(
        ProductionConfig(
            {
                "SECRET_KEY": "s" * 40,
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",  # a static file needs none
                "PUBLIC_URL": "https://podium.example",
                "PODIUM_INSTANCE_PATH": str(tmp_path),
                "ALLOW_LOCAL_STORAGE": "true",
            }
        )
    )
    response = production.test_client().get("/static/css/podium.css")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS
    _assert_protected(response, cached=True)


def test_the_policy_allows_no_inline_code_and_no_other_site():
    policy = dict(
        directive.split(" ", 1) for directive in security_headers()["Content-Security-Policy"].split("; ")
    )
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["connect-src"] == policy["frame-src"] == policy["form-action"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert (policy["object-src"], policy["base-uri"], policy["frame-ancestors"]) == (
        "'none'",
        "'none'",
        "'self'",
    )
    assert "unsafe" not in security_headers()["Content-Security-Policy"]


def test_on_s3_the_policy_lets_browsers_reach_the_bucket_and_nothing_else(backend, client, s3_endpoint):
    response = client.get("/login")
    if backend == "local":
        _assert_protected(response)
        assert s3_endpoint not in response.headers["Content-Security-Policy"]
        return
    _assert_protected(response, file_origins=(s3_endpoint,))
    policy = dict(
        directive.split(" ", 1) for directive in response.headers["Content-Security-Policy"].split("; ")
    )
    for directive in ("connect-src", "frame-src", "img-src"):
        assert s3_endpoint in policy[directive].split(), directive
    for directive in ("script-src", "style-src", "form-action", "default-src"):
        assert policy[directive] == "'self'", directive
