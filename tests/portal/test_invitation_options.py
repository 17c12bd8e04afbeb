"""The invitation options "assisted" and "contact": stored as given, refused kindly
when wrong, and "assisted" on the map's respondent."""

from __future__ import annotations

import pytest

from bot.database.models import Respondent


async def _invite(portal, worker, case_id: str, **options):
    return await portal.client.post(
        f"/api/v1/cases/{case_id}/invitations",
        json={"role": "parent", "name": "Jo Parent", **options}, headers=worker.headers)


async def test_assisted_and_contact_are_kept(portal, alice):
    case_id = (await portal.create_case(alice))["id"]
    _, response = await _invite(portal, alice, case_id, assisted="advocate", contact={
        "sms": "+44 7700 900123", "email": "jo@example.org", "safe_to_contact": True})
    assert response.status == 201, response.text
    stored = await portal.store.respondent(response.json["id"])
    assert isinstance(stored, Respondent)
    assert (stored.assisted, stored.contact_sms, stored.contact_email, stored.contact_safe,
            stored.contact_shared_ok) == ("advocate", "+44 7700 900123", "jo@example.org",
                                          True, False)
    assert stored.invitation_sent_at is None  # Notify is not configured here
    draft = await portal.draft_map(alice, case_id)
    assert [person["assisted"] for person in draft["respondents"]] == ["advocate"]


@pytest.mark.parametrize("options", [
    {"assisted": "friend"},
    {"assisted": True},
    {"assisted": {}},  # found by the fuzz test: once a 500
    {"contact": {"sms": "07700 900123"}},  # safe_to_contact must be said
    {"contact": {"sms": "call me", "safe_to_contact": True}},
    {"contact": {"email": "not an address", "safe_to_contact": True}},
    {"contact": {"email": "jo@example.org", "safe_to_contact": "yes"}},
    {"contact": {"fax": "0123", "safe_to_contact": True}},
    {"contact": "07700 900123"},
])
async def test_wrong_options_are_refused(portal, alice, options):
    case_id = (await portal.create_case(alice))["id"]
    _, response = await _invite(portal, alice, case_id, **options)
    assert response.status == 422
    assert "safe_to_contact" in response.json["error"]
    _, detail = await portal.client.get(f"/api/v1/cases/{case_id}", headers=alice.headers)
    assert detail.json["respondents"] == []
