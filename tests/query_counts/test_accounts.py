"""Statement counts of the account pages (a person's profile and API tokens), the inbox, the probes
and the local storage's downloads."""

from __future__ import annotations

from tests.query_counts import rows
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows

for endpoint, form in (
    ("accounts.login", "the sign-in form"),
    ("accounts.register", "the sign-up form"),
    ("accounts.forgot_password", "the form asking for a reset link"),
    ("accounts.reset_password", "the form setting a new password from an e-mailed link"),
    ("accounts.change_password", "the form changing one's password"),
    ("accounts.verify_status", "whether one's own address is confirmed, with a form to send the link again"),
    ("accounts.verify_email", "the form confirming an address from an e-mailed link"),
    ("accounts.accept_invitation", "the form setting a password from an invitation link"),
):
    shows_no_rows(endpoint, f"{form}: no rows")
shows_no_rows("ops.healthz", "a liveness probe: one fixed answer")
shows_no_rows("ops.readyz", "a readiness probe: one check per dependency, a fixed number")
shows_no_rows("local_storage.download", "streams one stored file")


@counts("accounts.profile")
def test_profile_is_flat_in_my_skills(db, redis, make_user, login):
    person = make_user("alice@outside.example")
    browser = login("alice@outside.example")
    assert_flat(
        lambda: Ask(browser, "/account"),
        lambda n: rows.user_skills(person.id, [f"Skill {i}" for i in range(n)]),
    )


@counts("accounts.api_tokens")
def test_token_page_is_flat(db, redis, make_user, login):
    person = make_user("alice@outside.example")
    browser = login("alice@outside.example")
    assert_flat(lambda: Ask(browser, "/account/tokens"), lambda n: rows.revoked_tokens(person.id, n))


@counts("notifications.inbox")
def test_inbox_is_flat(db, redis, make_user, login):
    person = make_user("alice@outside.example")
    browser = login("alice@outside.example")
    assert_flat(lambda: Ask(browser, "/inbox/"), lambda n: rows.notifications(person.id, n))


@counts("ops.metrics")
def test_metrics_are_flat_in_the_job_records(app, client, redis):
    token = "scrape-token-" + "x" * 32
    saved = {key: app.config[key] for key in ("METRICS_ENABLED", "METRICS_TOKEN")}
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=token)
    try:
        assert_flat(
            lambda: Ask(client, "/metrics", headers={"Authorization": f"Bearer {token}"}),
            lambda n: (rows.job_records(n), rows.job_records(n // 5, status="failed")),
        )
    finally:
        app.config.update(saved)
