"""Both skill lists of a challenge (asked for, nice to have) are read together in one statement: each
challenge gets its own two lists, by name, on its page, its card and in the API's list."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import make_challenge, make_sponsor_org


@pytest.fixture
def listed(db):
    sponsor = make_sponsor_org(db, "Sponsor Co")
    both = make_challenge(
        db, sponsor, title="Both lists", skills=["SQL", "Python"], preferred_skills=["Statistics", "Design"]
    )
    required = make_challenge(db, sponsor, title="Required only", skills=["Go"])
    preferred = make_challenge(db, sponsor, title="Preferred only", preferred_skills=["Python"])
    bare = make_challenge(db, sponsor, title="No skills")
    return both, required, preferred, bare


def _tags(html: str, label: str) -> list[str]:
    found = re.search(rf'aria-label="{label}">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>([^<]+)</li>", found[1]) if found else []


def test_a_challenge_page_shows_its_own_two_lists_by_name(client, listed):
    expected = {
        "Both lists": (["Python", "SQL"], ["Design", "Statistics"]),
        "Required only": (["Go"], []),
        "Preferred only": ([], ["Python"]),
        "No skills": ([], []),
    }
    for challenge in listed:
        html = unescape(client.get(f"/challenges/{challenge.slug}").get_data(as_text=True))
        assert (_tags(html, "Required skills"), _tags(html, "Preferred skills")) == expected[challenge.title]


def test_the_list_cards_show_the_skills_asked_for(client, listed):
    html = unescape(client.get("/challenges/").get_data(as_text=True))
    cards = {
        title: _tags(card, "Skills")
        for title, card in re.findall(
            r'<h2><a href="/challenges/[^"]+">([^<]+)</a></h2>(.*?)</article>', html, re.S
        )
    }
    assert cards == {
        "Both lists": ["Python", "SQL"],
        "Required only": ["Go"],
        "Preferred only": [],
        "No skills": [],
    }


def test_the_api_list_gives_each_challenge_its_own_two_lists(client, listed):
    items = {item["title"]: item for item in client.get("/api/v1/challenges").get_json()["items"]}
    assert {title: (item["skills"], item["preferred_skills"]) for title, item in items.items()} == {
        "Both lists": (["Python", "SQL"], ["Design", "Statistics"]),
        "Required only": (["Go"], []),
        "Preferred only": ([], ["Python"]),
        "No skills": ([], []),
    }
