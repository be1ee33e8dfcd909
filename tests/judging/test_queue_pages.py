"""A judge's review queue in pages: per challenge the progress of every entry, and 50 entries at a time
in the order they were assigned, with a pager of its own that leaves the other challenges where they are."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.judging.models import SUBMITTED, Assignment, Review
from tests.query_counts.support import judged_challenge, people

LINK = re.compile(r'<a href="/judging/entries/(\d+)">Entry [A-Z0-9]+: [^<]*</a>\s*— ([a-z ]+)</li>')


def _scene(db, make_user, login):
    cast = people(make_user)
    big = judged_challenge(db, cast.org, "judging", judges=[cast.judge], title="Route planner")
    big.grow(120)
    small = judged_challenge(db, cast.org, "judging", judges=[cast.judge], title="Label printer")
    small.grow(60)
    return cast, big.challenge, small.challenge, login(cast.judge.email)


def _queue_of(db, judge_id, challenge_id) -> list[tuple[int, str]]:
    """Assignment ids in assignment order, each with the status the page should print."""
    rows = db.session.execute(
        select(Assignment.id, Review.status)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.judge_id == judge_id, Assignment.challenge_id == challenge_id)
        .order_by(Assignment.id)
    )
    return [(assignment_id, status or "not started") for assignment_id, status in rows]


def _section(html: str, challenge_id: int) -> str:
    start = html.index(f'id="queue-{challenge_id}"')
    return html[start : html.index("</section>", start)]


def _shown(section: str) -> list[tuple[int, str]]:
    return [(int(assignment_id), status.strip()) for assignment_id, status in LINK.findall(section)]


def test_the_queue_shows_every_challenges_progress_and_its_first_fifty_entries(db, redis, make_user, login):
    cast, big, small, browser = _scene(db, make_user, login)
    html = browser.get("/judge").get_data(as_text=True)
    big_queue, small_queue = _queue_of(db, cast.judge.id, big.id), _queue_of(db, cast.judge.id, small.id)
    big_scored = sum(1 for _, status in big_queue if status == SUBMITTED)
    small_scored = sum(1 for _, status in small_queue if status == SUBMITTED)
    assert (len(big_queue), len(small_queue)) == (120, 60) and 0 < big_scored < 120

    first = _section(html, big.id)
    assert f"{big_scored} of 120 scored" in first
    assert "Entries 1\u201350 of 120, in the order they were assigned." in first
    assert _shown(first) == big_queue[:50]
    assert '<span aria-current="page">1</span>' in first and 'rel="prev"' not in first
    assert f'href="/judge?page-{big.id}=2#queue-{big.id}" rel="next"' in first
    assert f'href="/judge?page-{big.id}=3#queue-{big.id}">3</a>' in first

    second = _section(html, small.id)
    assert f"{small_scored} of 60 scored" in second
    assert _shown(second) == small_queue[:50]
    assert "Entries 1\u201350 of 60" in second


def test_a_page_of_one_challenge_keeps_the_others_where_they_are(db, redis, make_user, login):
    cast, big, small, browser = _scene(db, make_user, login)
    big_queue, small_queue = _queue_of(db, cast.judge.id, big.id), _queue_of(db, cast.judge.id, small.id)
    html = browser.get(f"/judge?page-{big.id}=3&page-{small.id}=2").get_data(as_text=True)

    last = _section(html, big.id)
    assert "Entries 101\u2013120 of 120" in last and _shown(last) == big_queue[100:]
    assert '<span aria-current="page">3</span>' in last and 'rel="next"' not in last
    # Paging this challenge back keeps the other on its second page, and the other way round.
    assert f'href="/judge?page-{small.id}=2&amp;page-{big.id}=2#queue-{big.id}" rel="prev"' in last
    other = _section(html, small.id)
    assert "Entries 51\u201360 of 60" in other and _shown(other) == small_queue[50:]
    assert f'href="/judge?page-{big.id}=3#queue-{small.id}" rel="prev"' in other


def test_the_next_unscored_button_leads_to_the_first_entry_without_a_submitted_review(
    db, redis, make_user, login
):
    cast, big, _small, browser = _scene(db, make_user, login)
    first_open = next(i for i, status in _queue_of(db, cast.judge.id, big.id) if status != SUBMITTED)
    html = browser.get(f"/judge?page-{big.id}=3").get_data(as_text=True)
    assert f'<a class="button" href="/judging/entries/{first_open}">Next unscored entry</a>' in html


def test_a_page_that_is_not_there_shows_the_nearest_one_and_says_so(db, redis, make_user, login):
    cast, big, small, browser = _scene(db, make_user, login)
    big_queue = _queue_of(db, cast.judge.id, big.id)

    past = browser.get(f"/judge?page-{big.id}=9")
    assert past.status_code == 200
    html = past.get_data(as_text=True)
    assert "“Route planner” has 3 pages of entries; showing the last." in html
    assert _shown(_section(html, big.id)) == big_queue[100:]

    for raw in ("two", "-1", "99999999999999999999999"):
        response = browser.get(f"/judge?page-{big.id}={raw}&page-{small.id}=")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        shown = _shown(_section(html, big.id))
        assert shown == (big_queue[100:] if raw.startswith("9") else big_queue[:50]), raw
    assert "is not a page number; showing the first page." in browser.get(
        f"/judge?page-{big.id}=two"
    ).get_data(as_text=True)
