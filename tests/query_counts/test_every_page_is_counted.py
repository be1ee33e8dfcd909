"""Every page and API list that answers GET has a statement-count test, or says why it needs none.

The list comes from the app's URL map, so a new page without a count test fails here.
"""

from __future__ import annotations

import importlib
import pkgutil

import tests.query_counts as package
from tests.query_counts.counting import COUNTED, NOT_COUNTED

NEVER_PAGES = {"static"}


def _import_every_count_module() -> None:
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def test_every_get_endpoint_has_a_count_test_or_a_reason(app):
    _import_every_count_module()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    endpoints -= NEVER_PAGES
    assert len(endpoints) > 40  # the URL map was read
    missing = sorted(
        endpoint for endpoint in endpoints if endpoint not in COUNTED and endpoint not in NOT_COUNTED
    )
    assert missing == [], f"{len(missing)} GET endpoints have no statement-count test: {missing}"
    stale = sorted((set(COUNTED) | set(NOT_COUNTED)) - endpoints)
    assert stale == [], f"count tests name endpoints the app does not have: {stale}"
    both = sorted(set(COUNTED) & set(NOT_COUNTED))
    assert both == [], f"endpoints both counted and said to have no rows: {both}"
