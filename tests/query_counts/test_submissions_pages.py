"""Statement counts of a contributor's submission pages: their list and one entry's page (open, with
the panel they may name; published, with their scores), at 5 and at 500 rows."""

from __future__ import annotations

import pytest

from app.core.access import Role
from app.core.timeutil import utcnow
from app.judging.models import ACCEPTED, ACTIVE, SUBMITTED, Assignment, PanelMember, Review
from app.submissions.models import PENDING, Upload
from tests.factories import make_challenge
from tests.query_counts.counting import Ask, assert_flat, counts, shows_no_rows
from tests.query_counts.support import (
    bulk_challenges,
    bulk_entries,
    bulk_users,
    bulk_versions,
    people,
    scores_for,
)

shows_no_rows("submissions.new_submission", "the submission form for one challenge: it lists nothing stored")
shows_no_rows("submissions.download", "a redirect to a short-lived storage link for one file")


@counts("submissions.mine")
def test_my_submissions_is_flat_in_submissions_and_uploads(db, redis, make_user, login):
    cast = people(make_user)
    browser = login(cast.contributor.email)
    entered: list[object] = []

    def grow(count: int) -> None:
        added = bulk_challenges(db, cast.org, count - len(entered))
        entered.extend(bulk_entries(db, [c.id for c in added], [cast.contributor.id] * len(added)))
        db.session.add_all(
            Upload(
                challenge_id=challenge.id,
                contributor_id=cast.contributor.id,
                storage_key=f"uploads/{challenge.id}-pending",
                original_filename="draft.pdf",
                declared_size=1024,
                declared_content_type="application/pdf",
                status=PENDING,
            )
            for challenge in added
        )
        db.session.commit()

    assert_flat(lambda: Ask(browser, "/submissions/mine"), grow)


@counts("submissions.detail")
@pytest.mark.parametrize("status", ["open", "awarded"])
def test_an_entry_page_is_flat_in_versions_panel_and_scores(db, redis, make_user, login, status):
    """Open: every version and the panel the contributor may name. Published: their scores too."""
    cast = people(make_user)
    challenge = make_challenge(db, cast.org, status=status)
    (entry,) = bulk_entries(db, [challenge.id], [cast.contributor.id])
    browser = login(cast.contributor.email)
    judges: list[object] = []

    def grow(count: int) -> None:
        bulk_versions(db, entry, count)
        added = bulk_users(db, count - len(judges), Role.JUDGE, "judge")
        db.session.add_all(
            PanelMember(challenge_id=challenge.id, judge_id=judge.id, status=ACCEPTED) for judge in added
        )
        if status == "awarded":
            assignments = [
                Assignment(
                    challenge_id=challenge.id, judge_id=judge.id, submission_id=entry.id, status=ACTIVE
                )
                for judge in added
            ]
            db.session.add_all(assignments)
            db.session.flush()
            db.session.add_all(
                Review(
                    assignment_id=assignment.id,
                    scores=scores_for(challenge, number),
                    comment_for_contributor="Clear and useful.",
                    status=SUBMITTED,
                    submitted_at=utcnow(),
                )
                for number, assignment in enumerate(assignments)
            )
        db.session.commit()
        judges.extend(added)

    assert_flat(lambda: Ask(browser, f"/submissions/{entry.id}"), grow)
