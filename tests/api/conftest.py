"""API test helpers: tokens issued through the real service, and a client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.accounts import tokens
from app.accounts.models import TokenScope
from tests.payouts.conftest import payout_counts, payout_of, published  # noqa: F401  (shared fixtures)


class Api:
    """A test client that sends a Bearer token (or none) and JSON bodies."""

    def __init__(self, client: FlaskClient, token: str | None):
        self.client = client
        self.token = token

    def request(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs
    ):
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if json is not None:
            kwargs["json"] = json
        return self.client.open(path, method=method, headers=sent, **kwargs)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    """A new token's secret for ``user``, read-write unless told otherwise."""

    def issue(user, scope: str = TokenScope.READ_WRITE.value, **kwargs: Any) -> str:
        return tokens.issue_token(user, "test", scope=scope, **kwargs).secret

    return issue


@pytest.fixture
def api(app, db, token_for) -> Callable[..., Api]:
    """``api(user)`` calls as that user with a read-write token; ``api(None)`` anonymously."""

    def make(user=None, scope: str = TokenScope.READ_WRITE.value, token: str | None = None) -> Api:
        if token is None and user is not None:
            token = token_for(user, scope)
        return Api(app.test_client(), token)

    return make


def challenge_body(now, **changes: Any) -> dict[str, Any]:
    """A challenge that passes every rule when posted at ``now``."""
    from datetime import timedelta

    body = {
        "title": "Route optimiser",
        "summary": "Cut delivery miles by a tenth.",
        "brief_md": "# Brief",
        "skills": ["Python"],
        "bounty": {"amount_minor": 1_000_000, "currency": "EUR"},
        "tiers_bp": [5000, 3000, 2000],
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=15)).isoformat(),
        "judging_due_at": (now + timedelta(days=29)).isoformat(),
        "max_file_bytes": 10 * 1024 * 1024,
        "allowed_types": ["application/pdf"],
        "criteria": [{"name": "Impact", "weight": 2}, {"name": "Clarity"}],
    }
    body.update(changes)
    return body
