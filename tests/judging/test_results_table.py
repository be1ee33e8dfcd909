"""The results table on the sponsor's pages: a tie group is named only where entries share it (or the
tie rule placed an entry apart from its rank), and makers are named only once results are published."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.judging.models import EntryResult
from tests.query_counts.support import judged_challenge, people


def _place_cells(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<tr[^>]*>\s*<td>(.*?)</td>", body, re.S)
    ]


@pytest.mark.parametrize("page", ["manage", "results"])
def test_only_shared_or_rule_broken_tie_groups_are_named(db, redis, make_user, login, page):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, "results_proposed")
    judged.grow(5)  # places 1, 1, 3, 3, 5: two pairs tie, the fifth stands alone
    fifth = db.session.scalar(select(EntryResult).where(EntryResult.submission_id == judged.entries[4].id))
    fifth.rank = 4  # the tie rule placed it apart from its rank
    db.session.commit()
    url = (
        f"/challenges/{judged.challenge.slug}/manage"
        if page == "manage"
        else f"/judging/results/{judged.challenge.slug}"
    )
    html = login(cast.sponsor.email).get(url).get_data(as_text=True)
    assert _place_cells(html) == [
        "1 (tie group 1)",
        "1 (tie group 1)",
        "3 (tie group 2)",
        "3 (tie group 2)",
        "5 (tie group 3)",
    ]
    fifth.rank = 5
    db.session.commit()
    html = login(cast.sponsor.email).get(url).get_data(as_text=True)
    assert _place_cells(html)[-1] == "5"


@pytest.mark.parametrize(("status", "named"), [("results_proposed", False), ("awarded", True)])
def test_makers_are_named_only_after_publication(db, redis, make_user, login, status, named):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, status)
    judged.grow(5)
    browser = login(cast.sponsor.email)
    for url in (f"/challenges/{judged.challenge.slug}/manage", f"/judging/results/{judged.challenge.slug}"):
        html = browser.get(url).get_data(as_text=True)
        for entry in judged.entries:
            assert f"{entry.label}: {entry.title}" in html
            assert (entry.contributor.display_name in html) is named


@pytest.mark.parametrize("page", ["manage", "results"])
def test_each_flagged_row_asks_for_an_extra_review_of_its_own_entry(db, redis, make_user, login, page):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, "results_proposed")
    judged.grow(8)  # the fourth entry is flagged, the rest are not
    slug = judged.challenge.slug
    flagged = [
        row.submission_id
        for row in db.session.scalars(
            select(EntryResult)
            .where(EntryResult.challenge_id == judged.challenge.id)
            .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
        )
        if row.flags
    ]
    assert flagged  # the scene must hold a flagged entry, or this test proves nothing
    browser = login(cast.sponsor.email)
    html = browser.get(f"/challenges/{slug}/manage" if page == "manage" else f"/judging/results/{slug}")
    body = html.get_data(as_text=True)
    table = body[body.index("<tbody>") : body.index("</tbody>")]
    forms = re.findall(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="csrf_token" value="([^"]+)">', table
    )
    assert [action for action, _token in forms] == [
        f"/judging/results/{slug}/extra-review/{submission_id}" for submission_id in flagged
    ]
    # The button's address and token reach the service for that entry (a wrong id answers 404, a bad
    # token 400); this scene's panel has no judge left to give it, which the service says plainly.
    action, token = forms[0]
    answer = browser.post(action, data={"csrf_token": token})
    assert answer.status_code == 409
    assert "No judge on the panel can take this entry" in answer.get_data(as_text=True)


def test_no_extra_review_button_once_the_results_are_published(db, redis, make_user, login):
    cast = people(make_user)
    judged = judged_challenge(db, cast.org, "awarded")
    judged.grow(8)
    html = login(cast.sponsor.email).get(f"/judging/results/{judged.challenge.slug}").get_data(as_text=True)
    assert "Ask for an extra review" not in html and "/extra-review/" not in html
