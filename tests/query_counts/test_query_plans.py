"""The busiest pages and API lists answer from indexes, not by reading whole large tables.

On a database of its own, seeded at full size (``bench.seed``: 1,000 challenges, 50,000 entries,
about 150,000 reviews), each page below is requested once as a real request, and every SELECT it
issues is captured as it goes to PostgreSQL, parameters and all, then EXPLAINed (a statement repeated
per row, its first three). A plan with a sequential scan of a large table fails the test, naming the
page, the statement and the table. Because the statements come from the real requests, the test
follows the queries when they change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import event

from bench.seed import PASSWORD, Seeded, analyse, seed
from tests import services
from tests.conftest import IsolatedClient, extract_csrf

# Tables that grow with use, each seeded with about 1,000 rows (challenges) to 150,000 (reviews): at these
# sizes a sequential scan is the planner's choice only when no index fits the question.
LARGE_TABLES = frozenset(
    {
        "challenges",
        "submissions",
        "submission_versions",
        "uploads",
        "panel_members",
        "assignments",
        "reviews",
        "entry_results",
        "judge_calibrations",
        "users",
        "user_roles",
        "user_sessions",
        "api_tokens",
        "audit_events",
        "notifications",
        "ledger_accounts",
        "ledger_transactions",
        "ledger_entries",
    }
)


@dataclass(frozen=True)
class Page:
    """One request: who asks (None: nobody signed in; a role: its token on the API or its session)."""

    name: str
    who: str | None
    url: str  # may name the seeded rows: {awarded}, {awarded_id}, {judging}, {open}
    next_page: bool = False  # an API list: explain the request for its second page (its next_cursor)


EVERY_STATUS = "status=upcoming&status=open&status=closed&status=finished&status=cancelled"

PAGES = [
    Page("public list", None, "/challenges/"),
    Page("public list, closing soon, page 2", None, "/challenges/?sort=deadline&page=2"),
    Page("public list, all, closing soon", None, f"/challenges/?{EVERY_STATUS}&sort=deadline&page=3"),
    Page("public list, all, largest bounty", None, f"/challenges/?{EVERY_STATUS}&sort=bounty&page=3"),
    Page("public list, all, newest", None, f"/challenges/?{EVERY_STATUS}&sort=newest&page=3"),
    Page("challenge page", None, "/challenges/{open}"),
    Page("awarded challenge page", None, "/challenges/{awarded}"),
    Page("judge's queue", "judge", "/judge"),
    Page("management page", "sponsor", "/challenges/{awarded}/manage"),
    Page("results page", "sponsor", "/judging/results/{awarded}"),
    Page("API challenge list", "api:sponsor", "/api/v1/challenges"),
    Page(
        "API list, all, closing soon, next page",
        "api:sponsor",
        f"/api/v1/challenges?{EVERY_STATUS}&sort=deadline",
        True,
    ),
    Page(
        "API list, all, largest bounty, next page",
        "api:sponsor",
        f"/api/v1/challenges?{EVERY_STATUS}&sort=bounty",
        True,
    ),
    Page(
        "API list, all, newest, next page",
        "api:sponsor",
        f"/api/v1/challenges?{EVERY_STATUS}&sort=newest",
        True,
    ),
    Page("API my challenges", "api:sponsor", "/api/v1/me/challenges"),
    Page("API results", "api:sponsor", "/api/v1/challenges/{awarded_id}/results"),
    Page("API panel", "api:sponsor", "/api/v1/challenges/{awarded_id}/panel"),
    Page("API judge's queue", "api:judge", "/api/v1/judging/queue"),
    Page("API my submissions", "api:contributor", "/api/v1/submissions"),
]


@dataclass
class Seed:
    app: Flask
    seeded: Seeded
    clients: dict[str, IsolatedClient]


@pytest.fixture(scope="module")
def big(test_env: dict[str, str]) -> Iterator[Seed]:
    """A database of this module's own, migrated and seeded at full size; dropped at the end."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.passwords import hash_password
    from app.extensions import db
    from config import TestingConfig

    url = test_env["DATABASE_URL"] + "_plans"
    services.drop_database(url)
    services.ensure_database(url)
    app = create_app(TestingConfig({**os.environ, **test_env, "DATABASE_URL": url}))
    app.test_client_class = IsolatedClient
    try:
        with app.app_context():
            upgrade()
            seeded = seed(
                db.session.connection(), password_hash=hash_password(PASSWORD), now=datetime.now(UTC)
            )
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                analyse(connection)
        clients = {
            "sponsor": _signed_in(app, seeded.sponsor_email, seeded.password),
            "judge": _signed_in(app, seeded.judge_email, seeded.password),
        }
        yield Seed(app, seeded, clients)
    finally:
        with app.app_context():
            db.engine.dispose()
        services.drop_database(url)


def _signed_in(app: Flask, email: str, password: str) -> IsolatedClient:
    browser = app.test_client()
    token = extract_csrf(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return browser


def _statements_of(big: Seed, page: Page) -> list[tuple[str, object]]:
    """The SELECTs one request for ``page`` issues (the first: a cold cache only adds statements)."""
    from app.extensions import db

    seeded = big.seeded
    url = page.url.format(
        awarded=seeded.awarded_slug, awarded_id=1, judging=seeded.judging_slug, open=seeded.open_slug
    )
    headers = {}
    client = big.app.test_client()
    if page.who and page.who.startswith("api:"):
        headers["Authorization"] = f"Bearer {seeded.tokens[page.who.removeprefix('api:')]}"
    elif page.who:
        client = big.clients[page.who]
    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with big.app.app_context():
        engine = db.engine
    if page.next_page:
        cursor = client.get(url, headers=headers).get_json()["next_cursor"]
        assert cursor, f"{url} has no second page"
        url += ("&" if "?" in url else "?") + urlencode({"cursor": cursor})
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200, (
        f"GET {url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    )
    return seen


def _a_few_of_each(statements: list[tuple[str, object]], each: int = 3) -> list[tuple[str, object]]:
    """A statement repeated per row (until the pages are flat) has one plan: EXPLAIN its first few."""
    seen: dict[str, int] = {}
    kept = []
    for statement, parameters in statements:
        seen[statement] = seen.get(statement, 0) + 1
        if seen[statement] <= each:
            kept.append((statement, parameters))
    return kept


def _scans_of_large_tables(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in LARGE_TABLES:
        found.append(f"Seq Scan on {plan['Relation Name']} (about {plan.get('Plan Rows')} rows out)")
    for child in plan.get("Plans", ()):
        found.extend(_scans_of_large_tables(child))
    return found


def test_the_busiest_pages_read_no_large_table_whole(big: Seed) -> None:
    """One test, not one per page: under pytest-xdist each process would seed a database of its own."""
    from sqlalchemy import text

    from app.extensions import db

    with big.app.app_context():
        sizes = {
            table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in sorted(LARGE_TABLES)
        }
        # The plans assume it (config.settings.RANDOM_PAGE_COST): with PostgreSQL's default of 4, the
        # results page joins a 500-entry challenge's reviews by reading every review.
        assert db.session.scalar(text("SHOW random_page_cost")) == "1.1"
        db.session.rollback()
    too_small = {table: rows for table, rows in sizes.items() if rows < 900}
    assert not too_small, f"the seed left these tables too small to judge their plans: {too_small}"
    problems = []
    for page in PAGES:
        statements = _statements_of(big, page)
        assert statements, f"{page.name} issued no SELECT: the capture is broken"
        with big.app.app_context():
            connection = db.session.connection()
            for statement, parameters in _a_few_of_each(statements):
                (plan,) = connection.exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) " + statement, parameters
                ).scalar_one()
                scans = _scans_of_large_tables(plan["Plan"])
                if scans:
                    problems.append(
                        f"{page.name}: "
                        + "; ".join(scans)
                        + ":\n"
                        + statement
                        + "\n"
                        + json.dumps(parameters, default=str)
                    )
            db.session.rollback()
    assert not problems, f"{len(problems)} statements read a large table whole:\n\n" + "\n\n".join(problems)
