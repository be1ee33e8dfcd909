"""Statement counts of the JSON API's lists and of the single objects that embed collections.

Each list is asked with the largest page (?limit=100), so at 500 rows it answers a full page and at
5 rows all of them; embedded collections (a challenge's skills and criteria, a submission's
versions...) grow along with the items.
"""

from __future__ import annotations

import pytest

from app.accounts import services as accounts
from app.accounts import tokens
from app.core.access import Role
from app.judging.models import Assignment, EntryResult, PanelMember
from tests.query_counts import rows
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows

PAGE = "limit=100"

shows_no_rows("api.docs", "the API's operations, read from the code: no rows")
shows_no_rows("api.openapi_json", "the OpenAPI document, generated from the code: no rows")
shows_no_rows("api.download_entry", "answers one short-lived link to one file")
shows_no_rows("api.download_submission", "answers one short-lived link to one file")
shows_no_rows(
    "api.download_payout_batch", "a CSV file, streamed row by row (the same as the finance page's download)"
)


def bearer(user) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.issue_token(user, "counting", scope="read").secret}


@pytest.fixture
def sponsor(db, make_user):
    org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    user = make_user("sam@acme.example", Role.SPONSOR)
    return org, user


def _embedded(n: int) -> tuple[list[str], int]:
    """How many skills and criteria each item carries: more as the scene grows."""
    return (["Python"], 1) if n <= 5 else (["Python", "SQL", "Statistics", "Writing"], 4)


@counts("api.list_challenges")
def test_challenge_list_is_flat(client, sponsor):
    org, _ = sponsor

    def grow(n: int) -> None:
        names, criteria = _embedded(n)
        rows.challenges(org.id, n, skill_names=names, criteria=criteria)
        rows.widen_challenges(rows.challenge_ids(org.id), names, criteria)

    assert_flat(lambda: Ask(client, f"/api/v1/challenges?{PAGE}"), grow)


@counts("api.my_challenges")
def test_my_challenges_is_flat(client, sponsor):
    org, user = sponsor
    headers = bearer(user)

    def grow(n: int) -> None:
        names, criteria = _embedded(n)
        rows.challenges(org.id, n, status="draft", skill_names=names, criteria=criteria)
        rows.widen_challenges(rows.challenge_ids(org.id), names, criteria)

    assert_flat(lambda: Ask(client, f"/api/v1/me/challenges?{PAGE}", headers=headers), grow)


@counts("api.get_challenge")
def test_one_challenge_is_flat_in_its_skills_and_criteria(client, sponsor):
    org, _ = sponsor
    (challenge_id,) = rows.challenges(org.id, 1)

    def grow(n: int) -> None:
        rows.widen_challenges([challenge_id], [f"Skill {i}" for i in range(n)], n)

    assert_flat(lambda: Ask(client, f"/api/v1/challenges/{challenge_id}"), grow)


# --- submissions --------------------------------------------------------------------------------------


@counts("api.list_submissions")
def test_my_submissions_are_flat(client, sponsor, make_user):
    org, _ = sponsor
    alice = make_user("alice@outside.example")
    headers = bearer(alice)

    def grow(n: int) -> None:
        have = len(rows.challenge_ids(org.id))
        made = rows.challenges(org.id, n)
        rows.entries([(cid, alice.id) for cid in made])
        versions = 1 if n <= 5 else 3
        rows.add_versions(rows.submission_ids(contributor_id=alice.id), versions)
        assert len(rows.challenge_ids(org.id)) == max(have, n)

    assert_flat(lambda: Ask(client, f"/api/v1/submissions?{PAGE}", headers=headers), grow)


@counts("api.get_submission")
def test_one_submission_is_flat_in_its_versions(client, sponsor, make_user):
    org, _ = sponsor
    alice = make_user("alice@outside.example")
    (challenge_id,) = rows.challenges(org.id, 1)
    (submission_id,) = rows.entries([(challenge_id, alice.id)])
    headers = bearer(alice)
    assert_flat(
        lambda: Ask(client, f"/api/v1/submissions/{submission_id}", headers=headers),
        lambda n: rows.add_versions([submission_id], n),
    )


# --- judging ------------------------------------------------------------------------------------------


@pytest.fixture
def judge(make_user):
    return make_user("jude@judges.example", Role.JUDGE)


def _judging(org_id: int, n: int) -> list[int]:
    """Challenges being judged, one for each five entries."""
    return rows.challenges(org_id, -(-n // 5), status="judging", criteria=2)


@counts("api.review_queue")
def test_review_queue_is_flat(client, sponsor, judge):
    org, _ = sponsor
    headers = bearer(judge)

    def grow(n: int) -> None:
        _judging(org.id, n)
        challenge_ids = rows.challenge_ids(org.id)
        have = rows.count_of(Assignment, Assignment.judge_id == judge.id)
        contributors = rows.users(n - have)
        pairs = [(challenge_ids[i // 5], uid) for i, uid in enumerate(contributors, start=have)]
        entries = rows.entries(pairs)
        rows.assign(judge.id, entries, reviewed_every=2)

    assert_flat(lambda: Ask(client, "/api/v1/judging/queue", headers=headers), grow)


@counts("api.get_entry")
def test_one_entry_is_flat_in_its_rubric_and_versions(client, sponsor, judge, make_user):
    org, _ = sponsor
    alice = make_user("alice@outside.example")
    (challenge_id,) = rows.challenges(org.id, 1, status="judging")
    (submission_id,) = rows.entries([(challenge_id, alice.id)])
    rows.assign(judge.id, [submission_id], reviewed_every=1)
    alias = rows.alias_of(submission_id)
    headers = bearer(judge)

    def grow(n: int) -> None:
        rows.widen_challenges([challenge_id], [], n)
        rows.add_versions([submission_id], n)

    assert_flat(
        lambda: Ask(client, f"/api/v1/judging/challenges/{challenge_id}/entries/{alias}", headers=headers),
        grow,
    )


@counts("api.list_invitations")
def test_my_invitations_are_flat(client, sponsor, judge):
    org, _ = sponsor
    headers = bearer(judge)

    def grow(n: int) -> None:
        rows.panel(rows.challenges(org.id, n), [judge.id])

    assert_flat(lambda: Ask(client, "/api/v1/judging/invitations", headers=headers), grow)


@counts("api.get_panel")
def test_panel_is_flat(client, sponsor):
    org, user = sponsor
    (challenge_id,) = rows.challenges(org.id, 1)
    headers = bearer(user)

    def grow(n: int) -> None:
        have = rows.count_of(PanelMember, PanelMember.challenge_id == challenge_id)
        rows.panel([challenge_id], rows.users(n - have, domain="judges.example"))

    assert_flat(lambda: Ask(client, f"/api/v1/challenges/{challenge_id}/panel", headers=headers), grow)


@counts("api.get_results")
def test_results_are_flat(client, sponsor):
    org, user = sponsor
    (challenge_id,) = rows.challenges(org.id, 1, status="awarded")  # published: makers are shown
    headers = bearer(user)

    def grow(n: int) -> None:
        have = rows.count_of(EntryResult, EntryResult.challenge_id == challenge_id)
        entries = rows.entries([(challenge_id, uid) for uid in rows.users(n - have)])
        judges = rows.users(n - have, domain="judges.example")
        rows.assign_pairs(list(zip(judges, entries, strict=True)), reviewed_every=2)
        rows.results(challenge_id, entries, judges, start=have)

    assert_flat(lambda: Ask(client, f"/api/v1/challenges/{challenge_id}/results", headers=headers), grow)


# --- payouts ------------------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("root@host.example", Role.ADMIN)


def _paid_challenge(org_id: int) -> int:
    (challenge_id,) = rows.challenges(org_id, 1, status="awarded")
    return challenge_id


def _more_payouts(challenge_id: int, n: int, **columns) -> list[int]:
    from app.payouts.models import Payout

    have = rows.count_of(Payout, Payout.challenge_id == challenge_id)
    winners = rows.users(n - have)
    rows.payee_details(winners[::2])
    transaction_id = rows.award(challenge_id, winners)
    return rows.payouts(challenge_id, transaction_id, winners, **columns)


@counts("api.list_payouts")
def test_payout_list_is_flat(client, sponsor, admin):
    org, _ = sponsor
    challenge_id = _paid_challenge(org.id)
    headers = bearer(admin)
    assert_flat(
        lambda: Ask(client, f"/api/v1/payouts?{PAGE}", headers=headers),
        lambda n: _more_payouts(challenge_id, n),
    )


shows_no_rows("api.get_payout", "one payout, with no list inside it")


@counts("api.list_payout_batches")
def test_payout_batch_list_is_flat(client, sponsor, admin):
    org, _ = sponsor
    headers = bearer(admin)

    winners = rows.users(2)
    rows.payee_details(winners[:1])

    def grow(n: int) -> None:
        made = rows.challenges(org.id, n, status="awarded")
        awards = rows.awards(made, winners)
        batches = rows.batches(made)
        rows.payouts_of(
            [
                (cid, awards[cid], uid, {"batch_id": bid, "provider": "finance_batch"})
                for cid, bid in zip(made, batches, strict=True)
                for uid in winners
            ],
            status="sent",
        )

    assert_flat(lambda: Ask(client, f"/api/v1/payout-batches?{PAGE}", headers=headers), grow)


@counts("api.get_payout_batch")
def test_one_payout_batch_is_flat_in_its_payouts(client, sponsor, admin):
    org, _ = sponsor
    challenge_id = _paid_challenge(org.id)
    batch_id = rows.batch(challenge_id)
    headers = bearer(admin)
    assert_flat(
        lambda: Ask(client, f"/api/v1/payout-batches/{batch_id}", headers=headers),
        lambda n: _more_payouts(challenge_id, n, status="sent", batch_id=batch_id, provider="finance_batch"),
    )


@counts("api.my_awards")
def test_my_awards_are_flat(client, sponsor, make_user):
    org, _ = sponsor
    erin = make_user("erin@outside.example")
    headers = bearer(erin)

    def grow(n: int) -> None:
        made = rows.challenges(org.id, n, status="awarded")
        awards = rows.awards(made, [erin.id])
        rows.payouts_of([(cid, awards[cid], erin.id, {}) for cid in made], status="awaiting_details")

    assert_flat(lambda: Ask(client, f"/api/v1/me/awards?{PAGE}", headers=headers), grow)


# --- the caller's own -----------------------------------------------------------------------------------


@counts("api.list_tokens")
def test_my_tokens_are_flat(client, make_user):
    alice = make_user("alice@outside.example")
    headers = bearer(alice)

    def grow(n: int) -> None:  # revoked ones: only 20 may work at once, and the list shows them all
        rows.revoked_tokens(alice.id, n)

    assert_flat(lambda: Ask(client, f"/api/v1/me/tokens?{PAGE}", headers=headers), grow)


@counts("api.get_me")
def test_me_is_flat_in_my_skills(client, make_user):
    alice = make_user("alice@outside.example")
    headers = bearer(alice)
    assert_flat(
        lambda: Ask(client, "/api/v1/me", headers=headers),
        lambda n: rows.user_skills(alice.id, [f"Skill {i}" for i in range(n)]),
    )


@counts("api.my_recommendations")
def test_recommendations_are_flat(client, sponsor, make_user):
    org, _ = sponsor
    alice = make_user("alice@outside.example")
    rows.user_skills(alice.id, ["Python", "SQL"])
    headers = bearer(alice)

    def grow(n: int) -> None:
        names, criteria = _embedded(n)
        rows.challenges(org.id, n, skill_names=names, criteria=criteria)
        rows.widen_challenges(rows.challenge_ids(org.id), names, criteria)

    assert_flat(lambda: Ask(client, "/api/v1/me/recommendations", headers=headers), grow)


@pytest.fixture
def manager_and_report(db, make_user):
    accounts.create_organization("Host", ["host.example"], is_host=True)
    manager = make_user("mona@host.example", name="Mona Manager")
    report = make_user("ines@host.example", name="Ines Internal")
    report.manager_id = manager.id
    db.session.commit()
    return manager, report


@counts("api.my_approval_requests")
def test_my_approval_requests_are_flat(client, sponsor, manager_and_report):
    org, _ = sponsor
    manager, report = manager_and_report
    headers = bearer(report)

    def grow(n: int) -> None:
        made = rows.challenges(org.id, n, requires_manager_approval=True, expected_hours_per_week=2)
        rows.approval_requests([(cid, report.id) for cid in made], manager.id)

    assert_flat(lambda: Ask(client, "/api/v1/me/approval-requests", headers=headers), grow)


@counts("api.approvals_to_decide")
def test_approvals_to_decide_are_flat(client, sponsor, manager_and_report):
    org, _ = sponsor
    manager, _ = manager_and_report
    (challenge_id,) = rows.challenges(org.id, 1, requires_manager_approval=True, expected_hours_per_week=2)
    headers = bearer(manager)

    def grow(n: int) -> None:
        from app.marketplace.models import ApprovalRequest

        have = rows.count_of(ApprovalRequest, ApprovalRequest.manager_id == manager.id)
        people = rows.users(n - have, domain="host.example", manager_id=manager.id)
        rows.approval_requests([(challenge_id, uid) for uid in people], manager.id, approved_every=2)

    assert_flat(lambda: Ask(client, "/api/v1/approvals", headers=headers), grow)
