"""Bad input to the API: each a problem-details answer with the right status and a stable code, and
nothing changed. Never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.challenges.models import Challenge
from app.core.timeutil import utcnow
from tests.api.conftest import challenge_body


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Challenge))


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["code"] == code and body["title"] and body["detail"]
    return body


def test_malformed_json_is_a_400(db, scene, api):
    before = _count(db)
    response = api(scene.sponsor).post(
        "/api/v1/challenges", data='{"title": "x",', headers={"Content-Type": "application/json"}
    )
    _problem(response, 400, "malformed_json")
    assert _count(db) == before


def test_a_body_that_is_not_json_is_a_415(db, scene, api):
    response = api(scene.sponsor).post("/api/v1/challenges", data={"title": "form post"})
    _problem(response, 415, "unsupported_media_type")


def test_unknown_fields_are_refused_by_name(db, scene, api):
    before = _count(db)
    response = api(scene.sponsor).post("/api/v1/challenges", challenge_body(utcnow(), colour="blue"))
    body = _problem(response, 422, "invalid_body")
    assert "colour" in body["errors"]
    assert _count(db) == before


def test_wrong_types_are_refused_field_by_field(db, scene, api):
    sent = challenge_body(utcnow(), bounty={"amount_minor": "1000", "currency": "EUR"}, judges_per_entry=2.5)
    body = _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 422, "invalid_body")
    assert set(body["errors"]) >= {"bounty.amount_minor", "judges_per_entry"}


def test_money_floats_and_naive_times_are_refused(db, scene, api):
    sponsor = api(scene.sponsor)
    floats = challenge_body(utcnow(), bounty={"amount_minor": 1000.5, "currency": "EUR"})
    _problem(sponsor.post("/api/v1/challenges", floats), 422, "invalid_body")
    naive = challenge_body(utcnow(), opens_at="2030-01-01T10:00:00")
    assert "opens_at" in _problem(sponsor.post("/api/v1/challenges", naive), 422, "invalid_body")["errors"]


def test_a_body_breaking_a_rule_is_refused_with_the_rules_message(db, scene, api):
    sent = challenge_body(utcnow(), tiers_bp=[5000, 3000, 1000])
    body = _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 422, "validation_failed")
    assert "100%" in body["errors"]["tiers"]


def test_an_oversized_body_is_a_413(db, scene, api):
    sent = challenge_body(utcnow(), brief_md="x" * (2 * 1024 * 1024))
    _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 413, "payload_too_large")


def test_query_strings_are_checked_too(db, scene, api):
    anyone = api(None)
    _problem(anyone.get("/api/v1/challenges?colour=blue"), 422, "invalid_query")
    _problem(anyone.get("/api/v1/challenges?limit=0"), 422, "invalid_query")
    _problem(anyone.get("/api/v1/challenges?sort=sideways"), 422, "invalid_query")
    _problem(anyone.get("/api/v1/challenges?cursor=made-up"), 400, "invalid_cursor")


def test_unknown_paths_methods_and_ids_are_problems_too(db, scene, api):
    anyone = api(None)
    _problem(anyone.get("/api/v1/nothing-here"), 404, "not_found")
    _problem(anyone.get("/api/v1/challenges/99999999999"), 404, "not_found")
    _problem(anyone.get("/api/v1/challenges/0"), 404, "not_found")
    response = anyone.delete("/api/v1/challenges")
    _problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_nul_characters_never_reach_the_database(db, scene, api):
    _problem(api(None).get("/api/v1/challenges?q=a%00b"), 422, "invalid_query")
    sent = challenge_body(utcnow(), title="Route\u0000optimiser")
    _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 422, "invalid_body")


# --- hostile text and numbers (trust issue, point 5) ----------------------------------------------


@pytest.mark.parametrize("currency", ["XAU", "XXX", "XTS", "XDR"])
def test_a_bounty_in_a_code_that_is_not_a_currency_is_refused(db, scene, api, currency):
    before = _count(db)
    sent = challenge_body(utcnow(), bounty={"amount_minor": 100_000, "currency": currency})
    body = _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 422, "validation_failed")
    assert "is not an ISO 4217 currency code in use" in body["errors"]["currency"]
    assert _count(db) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Route\x00optimiser"), ("summary", "Bell \x07 ringing"), ("brief_md", "Escape \x1b[2J")],
)
def test_control_characters_in_a_body_are_refused_by_field(db, scene, api, field, value):
    before = _count(db)
    sent = challenge_body(utcnow(), **{field: value})
    body = _problem(api(scene.sponsor).post("/api/v1/challenges", sent), 422, "invalid_body")
    assert field in body["errors"]  # the pattern the OpenAPI document states for every text
    assert _count(db) == before


def test_tabs_and_line_breaks_are_kept_in_multi_line_text(db, scene, api):
    sent = challenge_body(utcnow(), brief_md="# Brief\r\n\tIndented line\nNext")
    created = api(scene.sponsor).post("/api/v1/challenges", sent)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["brief_md"] == "# Brief\r\n\tIndented line\nNext"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b\u200d", "no visible characters"),
        ("\u3164", "no visible characters"),
        ("Ada\nLovelace", "contains U+000A"),
    ],
)
def test_a_display_name_with_nothing_visible_or_a_control_character_is_refused(db, scene, api, name, message):
    body = _problem(api(scene.alice).patch("/api/v1/me", {"display_name": name}), 422, "validation_failed")
    assert message in body["detail"]
    db.session.expire_all()
    assert scene.alice.display_name == "Alice Appleby"


def test_a_display_name_loses_its_bidi_overrides(db, scene, api):
    changed = api(scene.alice).patch("/api/v1/me", {"display_name": "\u202eAlice\u202c  Appleby"})
    assert changed.status_code == 200 and changed.get_json()["display_name"] == "Alice Appleby"


def test_an_uploaded_file_name_loses_its_right_to_left_override(db, scene, api):
    from app.submissions.models import Upload

    started = api(scene.alice).post(
        "/api/v1/uploads",
        {
            "challenge_id": scene.challenge.id,
            "filename": "invoice\u202efdp.exe",
            "size": 1000,
            "content_type": "application/pdf",
            "title": "Shorter routes",
        },
    )
    assert started.status_code == 201, started.get_json()
    upload = db.session.get(Upload, started.get_json()["upload_id"])
    assert upload.original_filename == "invoicefdp.exe"


@pytest.mark.parametrize("query", ["?cursor=%00", "?limit=99999999999999999999", "?sort=%07", "?q=%1b"])
def test_hostile_query_strings_are_refused_without_a_server_error(db, scene, api, query):
    _problem(api(scene.sponsor).get("/api/v1/challenges" + query), 422, "invalid_query")


def test_a_nul_in_the_address_is_a_404_not_a_crash(db, scene, api):
    _problem(api(scene.sponsor).get("/api/v1/me/%00"), 404, "not_found")
