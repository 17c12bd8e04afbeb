"""Easy Read (issue 23), the invitation option: `"easy_read": true` is stored, shown on
the case (API and screen) and given to the assistant; anything but true or false is
refused kindly (422), and nothing is made."""

from __future__ import annotations

import re

import pytest

from bot.database.models import Respondent
from tests.portal.test_shared_inputs import Screens, screens  # noqa: F401 - a fixture

EASY_READ_ERROR = ('Invitation option "easy_read" is true or false (leave it out for the '
                   'usual wording).')


async def _invite(portal, worker, case_id: str, **options):
    return await portal.client.post(
        f"/api/v1/cases/{case_id}/invitations",
        json={"role": "parent", "name": "Jo Parent", **options}, headers=worker.headers)


async def _respondents(portal, worker, case_id: str) -> list[dict]:
    _, detail = await portal.client.get(f"/api/v1/cases/{case_id}", headers=worker.headers)
    assert detail.status == 200
    return detail.json["respondents"]


async def test_easy_read_is_stored_and_on_the_case(portal, alice):
    case_id = (await portal.create_case(alice))["id"]
    _, easy = await _invite(portal, alice, case_id, easy_read=True)
    _, usual = await _invite(portal, alice, case_id, easy_read=False)
    _, left_out = await _invite(portal, alice, case_id)
    assert (easy.status, usual.status, left_out.status) == (201, 201, 201)
    stored = [await portal.store.respondent(r.json["id"]) for r in (easy, usual, left_out)]
    assert all(isinstance(r, Respondent) for r in stored)
    assert [r.easy_read for r in stored] == [True, False, False]
    by_id = {r["id"]: r for r in await _respondents(portal, alice, case_id)}
    assert [by_id[r.json["id"]]["easy_read"] for r in (easy, usual, left_out)] == [
        True, False, False]
    # Not in the 201 answer nor on the map: the contract names neither.
    assert "easy_read" not in easy.json
    assert all("easy_read" not in person
               for person in (await portal.draft_map(alice, case_id))["respondents"])


@pytest.mark.parametrize("value", [None, "yes", "true", 1, 0, [], {}, [True]])
async def test_anything_but_true_or_false_is_refused_kindly(portal, alice, value):
    case_id = (await portal.create_case(alice))["id"]
    _, response = await _invite(portal, alice, case_id, easy_read=value)
    assert response.status == 422
    assert response.json["error"] == EASY_READ_ERROR
    assert await _respondents(portal, alice, case_id) == []


async def test_the_assistant_is_told(portal, alice):
    case_id = (await portal.create_case(alice))["id"]
    _, response = await _invite(portal, alice, case_id, easy_read=True)
    conversation = await portal.conversation_id(response.json["id"])
    _, found = await portal.client.get(f"/internal/v1/conversations/{conversation}",
                                       headers=portal.secret_headers)
    assert found.status == 200
    assert found.json["easy_read"] is True


async def test_the_openapi_document_says_easy_read_is_a_boolean(portal):
    _, response = await portal.client.get("/api/v1/openapi.json")
    operation = response.json["paths"]["/api/v1/cases/{id}/invitations"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["easy_read"] == {"type": "boolean"}


async def test_the_invite_form_has_the_checkbox_and_the_case_shows_it(
        portal, alice, screens: Screens):  # noqa: F811 - the fixture
    case_id = (await portal.create_case(alice))["id"]
    page = (await screens.get(f"/cases/{case_id}")).text
    assert '<input type="checkbox" id="easy_read" name="easy_read" value="yes"' in page
    assert '<label for="easy_read">Easy Read (adults only)</label>' in page
    made = await screens.post(f"/cases/{case_id}/invitations",
                              {"role": "parent", "name": "Jo Parent", "easy_read": "yes"})
    assert made.status == 200, made.text
    assert "Wording: Easy Read, with pictures" in made.text
    await screens.post(f"/cases/{case_id}/invitations", {"role": "carer", "name": "Nan"})
    people = {r["name"]: r["easy_read"] for r in await _respondents(portal, alice, case_id)}
    assert people == {"Jo Parent": True, "Nan": False}
    page = (await screens.get(f"/cases/{case_id}")).text
    assert re.findall(r"<td>[^<]*</td>", page) == ["<td>parent, Easy Read</td>",
                                                   "<td>carer</td>"]
