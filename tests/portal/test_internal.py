"""The internal endpoint, as the action server calls it: the shared secret, idempotent
answers, removal, submission and validation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.database.models import Answer, Item
from tests.portal.portal_support import SECRET, parse_iso

ITEM = {"kind": "item", "question": "What worries you?", "section": "worries",
        "category": "harm", "text": "The flat is cold. Dad shouts at night."}


@pytest.fixture
def conversation(invitation) -> str:
    return invitation["conversation_id"]


async def stored_items(portal) -> list[tuple[str, str]]:
    async with portal.store.sessions() as session:
        rows = await session.execute(select(Item.id, Item.text).order_by(Item.position))
        return [tuple(row) for row in rows]


def internal_calls(conversation: str) -> list[tuple[str, str, dict | None]]:
    base = f"/internal/v1/conversations/{conversation}"
    return [
        ("get", base, None),
        ("get", f"{base}/answers", None),
        ("put", f"{base}/answers/worries", ITEM),
        ("delete", f"{base}/answers/worries", None),
        ("post", f"{base}/submit", None),
    ]


# The secret --------------------------------------------------------------------------


async def test_every_internal_call_needs_the_secret(portal, alice, conversation, invitation):
    await portal.answer(conversation, "existing", **ITEM)
    before = await stored_items(portal)
    bad_headers = [
        {}, {"Authorization": ""}, {"Authorization": "Bearer "},
        {"Authorization": "Bearer s3cre"}, {"Authorization": "Bearer s3cret2"},
        {"Authorization": "Bearer S3CRET"}, {"Authorization": SECRET},
        {"Authorization": f"Basic {SECRET}"}, {"X-Internal-Secret": SECRET},
        {"Authorization": f"Bearer {alice.token}"},
        {"Authorization": f"Bearer {invitation['token']}"},
    ]
    for method, path, body in internal_calls(conversation):
        for headers in bad_headers:
            kwargs = {"headers": headers} | ({"json": body} if body else {})
            _, response = await getattr(portal.client, method)(path, **kwargs)
            assert response.status == 401, (method, path, headers)
            assert "Alex Example" not in response.text and "Jo Parent" not in response.text
    # Nothing was written, removed or submitted.
    assert await portal.count(Answer) == 1
    assert await stored_items(portal) == before
    respondent = await portal.respondent(invitation["id"])
    assert respondent.submitted_at is None and respondent.status == "invited"


async def test_an_empty_configured_secret_lets_nobody_in(portal, make_app, conversation):
    client = make_app(internal_secret="").asgi_client
    for authorization in ("Bearer ", "Bearer", "Bearer none", "Bearer null"):
        _, response = await client.put(
            f"/internal/v1/conversations/{conversation}/answers/worries", json=ITEM,
            headers={"Authorization": authorization})
        assert response.status == 401
    assert await portal.count(Answer) == 0


async def test_conversation_tells_the_assistant_who_it_talks_to(portal, conversation):
    _, response = await portal.client.get(f"/internal/v1/conversations/{conversation}",
                                          headers=portal.secret_headers)
    assert response.status == 200
    assert response.json == {"role": "parent", "name": "Jo Parent",
                             "child_name": "Alex Example", "status": "invited",
                             "questions": "parent", "easy_read": False}


async def test_unknown_conversation_is_404(portal, invitation):
    for method, path, body in internal_calls("0123456789abcdef0123456789abcdef"):
        kwargs = {"headers": portal.secret_headers} | ({"json": body} if body else {})
        _, response = await getattr(portal.client, method)(path, **kwargs)
        assert response.status == 404, (method, path)
    # The invitation token is not a conversation id.
    _, response = await portal.client.get(
        f"/internal/v1/conversations/{invitation['token']}", headers=portal.secret_headers)
    assert response.status == 404
    assert await portal.count(Answer) == 0


# Answers -----------------------------------------------------------------------------


async def test_put_twice_stores_one_answer_and_the_same_items(portal, conversation):
    first = await portal.answer(conversation, "worries", **ITEM)
    items = await stored_items(portal)
    second = await portal.answer(conversation, "worries", **ITEM)
    assert first == second
    assert first == {"key": "worries", "kind": "item", "question": ITEM["question"],
                     "text": ITEM["text"], "value": None, "section": "worries",
                     "category": "harm", "house": None, "private": False}
    assert await portal.count(Answer) == 1
    assert await stored_items(portal) == items
    assert [text for _, text in items] == ["The flat is cold.", "Dad shouts at night."]


async def test_put_with_changed_text_replaces_the_items(portal, conversation):
    await portal.answer(conversation, "worries", **ITEM)
    old = await stored_items(portal)
    changed = await portal.answer(conversation, "worries", **ITEM | {"text": "Only money."})
    assert changed["text"] == "Only money."
    assert await portal.count(Answer) == 1
    new = await stored_items(portal)
    assert [text for _, text in new] == ["Only money."]
    assert not {item_id for item_id, _ in new} & {item_id for item_id, _ in old}


async def test_put_with_changed_section_is_not_ignored(portal, conversation):
    await portal.answer(conversation, "worries", **ITEM)
    moved = ITEM | {"section": "working_well", "category": "strength"}
    saved = await portal.answer(conversation, "worries", **moved)
    assert (saved["section"], saved["category"]) == ("working_well", "strength")


async def test_answers_keep_their_order(portal, conversation):
    for key in ("b_first", "a_second", "c_third"):
        await portal.answer(conversation, key, **ITEM | {"text": f"Answer {key}"})
    await portal.answer(conversation, "b_first", **ITEM | {"text": "Changed"})
    _, response = await portal.client.get(f"/internal/v1/conversations/{conversation}/answers",
                                          headers=portal.secret_headers)
    assert response.status == 200
    assert [(a["key"], a["text"]) for a in response.json["answers"]] == [
        ("b_first", "Changed"), ("a_second", "Answer a_second"), ("c_third", "Answer c_third")]


async def test_delete_removes_the_answer_and_its_items(portal, conversation):
    await portal.answer(conversation, "worries", **ITEM)
    await portal.answer(conversation, "strengths", **ITEM | {
        "section": "working_well", "category": "strength", "text": "Nan helps."})
    url = f"/internal/v1/conversations/{conversation}/answers/worries"
    _, response = await portal.client.delete(url, headers=portal.secret_headers)
    assert response.status == 200
    assert response.json == {"removed": True}
    assert await portal.count(Answer) == 1
    assert [text for _, text in await stored_items(portal)] == ["Nan helps."]
    _, again = await portal.client.delete(url, headers=portal.secret_headers)
    assert again.status == 200 and again.json == {"removed": False}


async def test_submit_marks_the_respondent_submitted(portal, alice, case, invitation,
                                                     conversation):
    await portal.answer(conversation, "worries", **ITEM)
    result = await portal.submit(conversation)
    assert result["status"] == "submitted"
    submitted_at = parse_iso(result["submitted_at"])
    _, detail = await portal.client.get(f"/api/v1/cases/{case['id']}", headers=alice.headers)
    [respondent] = detail.json["respondents"]
    assert respondent["status"] == "submitted"
    assert parse_iso(respondent["submitted_at"]) == submitted_at
    # Sending twice keeps the first time.
    assert (await portal.submit(conversation))["submitted_at"] == result["submitted_at"]


async def test_after_submit_answers_are_closed(portal, conversation):
    await portal.answer(conversation, "worries", **ITEM)
    items = await stored_items(portal)
    await portal.submit(conversation)
    for body in (ITEM | {"text": "Changed my mind."}, ITEM):
        response = await portal.put_answer(conversation, "worries", **body)
        assert response.status == 409
    response = await portal.put_answer(conversation, "new_key", **ITEM)
    assert response.status == 409
    _, response = await portal.client.delete(
        f"/internal/v1/conversations/{conversation}/answers/worries",
        headers=portal.secret_headers)
    assert response.status == 409
    assert await portal.count(Answer) == 1
    assert await stored_items(portal) == items


async def test_a_revoked_link_takes_no_more_answers(portal, alice, invitation, conversation):
    await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                               headers=alice.headers)
    response = await portal.put_answer(conversation, "worries", **ITEM)
    assert response.status == 409
    assert await portal.count(Answer) == 0


async def test_a_revoked_link_cannot_be_submitted(portal, alice, case, invitation,
                                                  conversation):
    await portal.answer(conversation, "worries", **ITEM)
    await portal.client.delete(f"/api/v1/invitations/{invitation['id']}",
                               headers=alice.headers)
    _, response = await portal.client.post(f"/internal/v1/conversations/{conversation}/submit",
                                           headers=portal.secret_headers)
    assert response.status == 409
    assert (await portal.draft_map(alice, case["id"]))["items"] == []


# Validation --------------------------------------------------------------------------


INVALID_CHANGES = [
    {"kind": "items"}, {"kind": ""}, {"kind": None}, {"kind": "ITEM"}, {"kind": 1},
    {"section": "worry"}, {"section": "Worries"}, {"section": ""}, {"section": 1},
    {"category": "risk"}, {"category": ""}, {"category": "Harm"},
    {"house": "garden"}, {"house": "Dreams"}, {"house": ""},
    {"section": None, "house": None},
    {"kind": "scale", "value": 11}, {"kind": "scale", "value": -1},
    {"kind": "scale", "value": 5.5}, {"kind": "scale", "value": "5"},
    {"kind": "scale", "value": [5]}, {"kind": "scale", "value": 1e3},
    {"text": ""}, {"text": "   "}, {"text": None}, {"text": 5}, {"text": ["a"]},
    {"question": None}, {"question": 3},
]


async def test_invalid_answers_are_422(portal, conversation):
    answers = {}
    for change in INVALID_CHANGES:
        response = await portal.put_answer(conversation, "worries", **ITEM | change)
        answers[repr(change)] = (response.status, "Invalid answer" in response.json["error"])
    assert {change: a for change, a in answers.items() if a != (422, True)} == {}
    assert await portal.count(Answer) == 0


@pytest.mark.parametrize("value", [True, False])
async def test_a_boolean_scale_value_is_422(portal, conversation, value):
    response = await portal.put_answer(conversation, "scale", kind="scale", question="0-10?",
                                       text="yes", value=value)
    assert response.status == 422
    assert await portal.count(Answer) == 0


@pytest.mark.parametrize("value", [0, 10, None])
async def test_scale_values_0_to_10_and_none_are_accepted(portal, conversation, value):
    saved = await portal.answer(conversation, "scale", kind="scale",
                                text=f"{value}", value=value)
    assert saved["value"] == value


async def test_missing_fields_and_long_keys_are_422(portal, conversation):
    for body in ({}, {"kind": "item", "section": "worries", "text": "x"},
                 {"kind": "item", "section": "worries", "question": "q?"}):
        response = await portal.put_answer(conversation, "worries", **body)
        assert response.status == 422, body
    response = await portal.put_answer(conversation, "k" * 81, **ITEM)
    assert response.status == 422
    assert (await portal.put_answer(conversation, "k" * 80, **ITEM)).status == 200


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"null"])
async def test_unreadable_bodies_write_nothing(portal, conversation, body):
    _, response = await portal.client.put(
        f"/internal/v1/conversations/{conversation}/answers/worries", content=body,
        headers=portal.secret_headers | {"Content-Type": "application/json"})
    assert response.status in (400, 422)
    assert await portal.count(Answer) == 0


@pytest.mark.parametrize("text", [
    pytest.param("a lone surrogate \ud800 in it", id="surrogate"),
    pytest.param("a NUL \x00 in it", id="nul"),
])
async def test_unstorable_text_is_refused_not_a_500(portal, conversation, text):
    # ensure_ascii: a lone surrogate travels as the JSON escape \ud800, as a client sends it.
    body = json.dumps(ITEM | {"text": text}, ensure_ascii=True).encode("ascii")
    _, response = await portal.client.put(
        f"/internal/v1/conversations/{conversation}/answers/worries", content=body,
        headers=portal.secret_headers | {"Content-Type": "application/json"})
    assert response.status in (200, 422)
