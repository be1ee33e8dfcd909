"""The caller's own profile over the API."""

from __future__ import annotations


def test_i_read_and_change_my_profile(db, scene, api):
    alice = api(scene.alice)
    me = alice.get("/api/v1/me").get_json()
    assert me["email"] == "alice@outside.example" and me["roles"] == ["contributor"]
    assert me["is_internal"] is False and me["organization"] is None

    changed = alice.patch("/api/v1/me", {"timezone": "Europe/Paris", "skills": ["Python", "Routing"]})
    assert changed.status_code == 200
    assert changed.get_json()["timezone"] == "Europe/Paris"
    assert changed.get_json()["display_name"] == "Alice Appleby"  # left out, so kept
    assert sorted(changed.get_json()["skills"]) == ["Python", "Routing"]

    refused = alice.patch("/api/v1/me", {"timezone": "Mars/Olympus"})
    assert refused.status_code == 422 and refused.get_json()["field"] == "timezone"
    assert alice.get("/api/v1/me").get_json()["timezone"] == "Europe/Paris"


def test_the_sponsor_sees_their_organisation_and_roles(db, scene, api):
    me = api(scene.sponsor).get("/api/v1/me").get_json()
    assert me["organization"] == {"id": scene.org.id, "name": "Acme"} and me["roles"] == ["sponsor"]
