"""The API against its own OpenAPI document, fuzzed by schemathesis: no server error, no answer
outside the schema, and schema-breaking input refused, for every operation.

The document is the one the app serves at /api/v1/openapi.json (loaded through WSGI), so this tests
what clients read. Calls carry a read-write token of a user holding every role, inside the shared
scene (a sponsor organisation with an open, funded challenge), so the fuzzer reaches the handlers
instead of stopping at 401. Each operation gets a few schema-valid and a few schema-breaking cases;
the examples are derandomized so CI sees the same inputs on every run.

Every check runs but ``positive_data_acceptance``: a schema-valid request may still break a rule
JSON Schema cannot state (a deadline already past, shares that do not add up to 100%, a balance too
small, a cursor this API never issued) and is then rightly refused with 400 or 422.
"""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.api import web as api_web  # importing the API's modules declares its operations
from app.api.registry import OPERATIONS
from app.core.access import Role

assert api_web.ATTACHED

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def fuzz_token(scene, make_user, token_for) -> str:
    everyone = make_user(
        "fuzz@acme.example", Role.SPONSOR, Role.JUDGE, Role.CONTRIBUTOR, Role.ADMIN, name="Fuzz Tester"
    )
    return token_for(everyone)


@pytest.fixture
def isolated_app(app):
    def call(environ, start_response):
        # Each call in a fresh context, as real requests are: the test's own app context (and the
        # user flask-login keeps in ``g``) must not leak into the app under test.
        return contextvars.Context().run(app, environ, start_response)

    return call


@pytest.fixture
def served_schema(isolated_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated_app)


def _cases() -> list:
    """Schema-valid input for every operation; schema-breaking input for those that take any."""
    cases = []
    for declared in OPERATIONS:
        modes = [GenerationMode.POSITIVE]
        if declared.path_parameters or declared.query or declared.body or declared.file_body:
            modes.append(GenerationMode.NEGATIVE)
        cases += [
            pytest.param(declared.method, declared.path, mode, id=f"{declared.method} {declared.path} {mode}")
            for mode in modes
        ]
    return cases


@pytest.mark.parametrize(("method", "path", "mode"), _cases())
def test_every_operation_keeps_its_contract(served_schema, isolated_app, fuzz_token, method, path, mode):
    operation = served_schema[path][method]
    strategy = operation.as_strategy(mode, headers={"Authorization": f"Bearer {fuzz_token}"})

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(app=isolated_app, excluded_checks=[positive_data_acceptance])

    call()
