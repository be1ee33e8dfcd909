"""Every response carries the protective headers: no framing by other sites, no type sniffing, no
referrer to other sites, and no caching of anything but static files."""

from __future__ import annotations

import pytest

from app.core.response_headers import HEADERS, HSTS
from app.factory import create_app
from config import ProductionConfig
from tests.conftest import extract_csrf


def _assert_protected(response, *, cached: bool = False) -> None:
    for name, value in HEADERS.items():
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
            # The job dashboard's icon is a file it sends with its own caching, as our static files are.
            _assert_protected(browser.get(route), cached=route.endswith("favicon.ico"))


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
            }
        )
    )
    response = production.test_client().get("/static/css/podium.css")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == HSTS
    _assert_protected(response, cached=True)
