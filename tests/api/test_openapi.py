"""The OpenAPI document describes exactly the routes the app serves, and people can read it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import get_args

from markupsafe import escape

from app.accounts.models import TokenScope
from app.api.challenges import EligibilityName, TieRuleName, UnawardedRuleName
from app.api.me import ScopeName
from app.api.payouts import PAYEE_STATES
from app.api.registry import OPERATIONS, PATH_SCHEMAS
from app.challenges.options import Eligibility, TieRule, UnawardedRule
from app.payouts.queries import payee_status

META_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs"}  # the description itself and its page


def _served_operations(app) -> set[tuple[str, str]]:
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in META_ROUTES:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def _described_operations(document) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_the_document_lists_exactly_the_routes_the_app_serves(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert _described_operations(document) == _served_operations(app)
    assert len(document["paths"]) >= 20


def test_the_drift_check_notices_an_undocumented_route(app, client):
    """The comparison above can fail: a route added outside the registry shows up as a difference."""
    document = client.get("/api/v1/openapi.json").get_json()
    described = _described_operations(document)
    served = _served_operations(app) | {("GET", "/api/v1/secret-extra")}
    assert described != served


def test_every_operation_states_its_answers_parameters_and_security(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, described in item.items():
            assert described["summary"] and described["tags"], (method, path)
            success = [status for status in described["responses"] if status.startswith("2")]
            assert len(success) == 1, (method, path)
            for name in re.findall(r"{(\w+)}", path):
                parameter = next(p for p in described["parameters"] if p["name"] == name)
                assert parameter["in"] == "path" and parameter["schema"] in PATH_SCHEMAS.values()
            content = described.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                ref = content["application/json"]["schema"]["$ref"]
                assert schemas[ref.rsplit("/", 1)[-1]]["additionalProperties"] is False  # strict bodies
            elif content:  # a file: raw under its media type, or the one part of a multipart form
                assert set(content) == {"text/csv", "multipart/form-data"}, (method, path)
                form = content["multipart/form-data"]["schema"]
                assert form["required"] == ["file"] and form["additionalProperties"] is False
            assert described["security"] in ([{"bearerAuth": []}], [{}, {"bearerAuth": []}]), (method, path)
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["properties"])


def test_money_and_times_have_one_shape_everywhere(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["Money"]["properties"]) == {"amount_minor", "currency"}
    challenge = schemas["ChallengeOut"]["properties"]
    assert challenge["bounty"] == {"$ref": "#/components/schemas/Money"}
    assert challenge["closes_at"]["format"] == "date-time"
    for name, schema in schemas.items():
        for field in schema.get("properties", {}):
            assert field == field.lower() and " " not in field, (name, field)  # snake_case throughout


def test_the_docs_page_lists_every_operation_for_people(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for declared in OPERATIONS:
        assert f"{declared.method} {declared.path}" in html
        assert str(escape(declared.summary)) in html
    assert "amount_minor" in html and "Authorization: Bearer" in html
    assert "cdn" not in html.lower()
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/local_time.js"]  # ours, served offline


def test_the_batch_file_and_the_confirmations_upload_are_described_as_csv(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    download = paths["/api/v1/payout-batches/{batch_id}/csv"]["get"]["responses"]["200"]
    assert download["content"] == {"text/csv": {"schema": {"type": "string"}}}
    upload = paths["/api/v1/payout-confirmations"]["post"]
    assert upload["requestBody"]["content"]["text/csv"] == {"schema": {"type": "string"}}
    assert set(upload["responses"]) >= {"200", "403", "413", "415", "422"}


def test_the_apis_choices_are_the_domains_choices():
    assert set(get_args(EligibilityName)) == set(Eligibility)
    assert set(get_args(TieRuleName)) == set(TieRule)
    assert set(get_args(UnawardedRuleName)) == set(UnawardedRule)
    assert set(get_args(ScopeName)) == set(TokenScope)


def test_every_payee_state_the_batch_file_names_has_an_api_name():
    internal = {"host.example"}
    found = {
        payee_status("inez@host.example", None, internal, email_verified=True),
        payee_status("alice@outside.example", None, internal, email_verified=True),
        payee_status("alice@outside.example", "Alice A", internal, email_verified=True),
    }
    assert found == set(PAYEE_STATES)


def test_the_document_lists_the_resources_in_the_order_of_a_contest(tmp_path):
    """The order operations register in is the order the API's web module imports them, as in a fresh
    server process; this test process has imported some API modules already, so it asks a fresh one."""
    script = (
        "from app import create_app\n"
        "app = create_app('development', SQLALCHEMY_DATABASE_URI='sqlite://')\n"
        "print(' '.join(tag['name'] for tag in app.test_client().get('/api/v1/openapi.json').get_json()['tags']))"
    )
    environment = {**os.environ, "PODIUM_ENV": "development", "PODIUM_INSTANCE_PATH": str(tmp_path)}
    answer = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )
    tags = answer.stdout.split()
    assert tags == ["challenges", "submissions", "judging", "results", "payouts", "marketplace", "me"]
