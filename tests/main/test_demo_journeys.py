"""The demo seed leaves something to see on every journey: a contest at each stage, winners with
payouts and points, a judge with work waiting, a manager with a request to decide, and reasons on
"For you"."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.challenges import services as challenges
from app.demo import (
    APPROVAL_TITLE,
    DEMO_PASSWORD,
    HOST_DOMAIN,
    JUDGING_TITLE,
    PUBLISHED_CASH_TITLE,
    PUBLISHED_POINTS_TITLE,
    seed_demo,
)
from app.jobs import JobRecord
from app.marketplace import services as marketplace
from app.payouts import services as payout_services
from app.payouts.models import Payout
from app.storage import get_storage
from app.submissions.models import Submission

INES = f"ines@{HOST_DOMAIN}"
MANAGER = f"manager@{HOST_DOMAIN}"


@pytest.fixture
def seeded(db, redis):
    assert seed_demo() is not None
    return {challenge.title: challenge for challenge in _all_challenges(db)}


def _all_challenges(db):
    from app.challenges.models import Challenge

    return db.session.scalars(select(Challenge)).all()


def _page(browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_every_stage_of_a_contest_is_seeded(seeded):
    statuses = {title: challenge.status for title, challenge in seeded.items()}
    assert statuses == {
        "Warehouse heat map": "open",
        "Onboarding guide for new pickers": "funded",
        PUBLISHED_CASH_TITLE: "awarded",
        PUBLISHED_POINTS_TITLE: "paid",
        JUDGING_TITLE: "judging",
        APPROVAL_TITLE: "open",
    }
    assert seeded[APPROVAL_TITLE].requires_manager_approval
    assert seeded[APPROVAL_TITLE].eligibility == "internal"


def test_entries_went_through_storage_and_winners_got_paid(db, seeded):
    cash = seeded[PUBLISHED_CASH_TITLE]
    storage = get_storage()
    entries = db.session.scalars(select(Submission).where(Submission.challenge_id == cash.id)).all()
    assert len(entries) == 4
    for entry in entries:
        stored = storage.head(entry.latest.storage_key)
        assert stored is not None and stored.size == entry.latest.size_bytes
        assert entry.latest.content_type == "application/pdf"
    payouts = {
        payout.recipient.email: (payout.amount_minor, payout.status)
        for payout in payout_services.payouts_of(cash.id)
    }
    assert payouts == {
        "erin@outside.example": (300_000, "sent"),  # payee details given: handed to finance
        INES: (180_000, "sent"),  # an employee needs none
        "eli@outside.example": (120_000, "awaiting_details"),
    }


def test_the_worker_finds_nothing_left_to_do_after_seeding(db, seeded, mailbox, run_worker):
    payouts_before = db.session.scalar(select(func.count()).select_from(Payout))
    run_worker()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Payout)) == payouts_before
    failed = db.session.scalars(select(JobRecord).where(JobRecord.status == "failed")).all()
    assert failed == []
    assert challenges.get_challenge(seeded[PUBLISHED_CASH_TITLE].id).status == "awarded"
    assert challenges.get_challenge(seeded[JUDGING_TITLE].id).status == "judging"


def test_the_manager_has_one_request_waiting_and_ines_sees_reasons(seeded, login):
    decisions = {
        request.contributor.email: request.status
        for request in marketplace.requests_to_decide(_user(MANAGER))
    }
    assert decisions == {INES: "pending", f"ivan@{HOST_DOMAIN}": "approved"}
    ines = _user(INES)
    assert {row.skill.name: row.level for row in ines.skill_levels} == {
        "Python": 3,
        "SQL": 2,
        "Data visualisation": 1,
    }
    reasons = dict(marketplace.recommendations_for(ines))
    assert {challenge.title for challenge in reasons} == {"Warehouse heat map", APPROVAL_TITLE}
    approval = next(rec for challenge, rec in reasons.items() if challenge.title == APPROVAL_TITLE)
    assert "You are an expert in Python." in approval.reasons
    assert "Needs your manager's approval first." in approval.reasons
    page = _page(login(MANAGER, DEMO_PASSWORD), "/approvals")
    assert "Ines Internal" in page and "I wrote half of that query." in page


def test_each_role_sees_the_seeded_story(seeded, login):
    erin = login("erin@outside.example", DEMO_PASSWORD)
    assert "€3,000.00" in _page(erin, "/payouts/earnings")
    assert "Results are out" in _page(erin, "/submissions/mine")
    assert "Three-bin returns triage" in _page(erin, "/contributor")
    ines = login(INES, DEMO_PASSWORD)
    assert "You are an expert in Python." in _page(ines, "/for-you")
    assert "900 pts" in _page(ines, "/payouts/points")
    page = _page(ines, "/leaderboard")
    leaderboard = page[page.index("<table") :]  # the header names whoever is signed in
    assert leaderboard.index("Ivan Internal") < leaderboard.index("Ines Internal")
    judge = _page(login(f"judge1@{HOST_DOMAIN}", DEMO_PASSWORD), "/judge")
    assert JUDGING_TITLE in judge and "0 of 3 scored" in judge
    sponsor = login("sponsor@acme-sponsor.example", DEMO_PASSWORD)
    results = _page(sponsor, f"/judging/results/{seeded[PUBLISHED_CASH_TITLE].slug}")
    assert "Erin External" in results  # names are revealed once published
    admin = login(f"admin@{HOST_DOMAIN}", DEMO_PASSWORD)
    assert "PODIUM-P000001" in _page(admin, "/payouts/admin/payouts")
    assert "Download CSV" in _page(admin, "/payouts/admin/batches")
    assert "no problem found" in _page(admin, "/payouts/admin/ledger")
    analytics = _page(admin, "/analytics")
    assert "6 people took part" in analytics and "1 of 7 answered" in analytics


def _user(email: str):
    from app.accounts import services

    return services.find_user_by_email(email)


def test_no_demo_entry_names_its_maker_where_blind_judges_read(db, seeded):
    """Judges see an entry's title, description and file name before results: none may name a person."""
    makers = db.session.scalars(select(User)).all()
    for entry in db.session.scalars(select(Submission)).all():
        shown = " ".join(
            (entry.title, entry.description_md or "", *(v.original_filename or "" for v in entry.versions))
        )
        for person in makers:
            assert person.display_name not in shown, (entry.title, person.display_name)
            assert person.email.split("@")[0] not in shown.lower().split(), (entry.title, person.email)
