"""Questions made for each person (issue 19), as the portal sees them: the worker's
choice of question set and the relationship at invitation, "Was this easy to do?"
(feedback: stored for the managers' figures, never on the map), and the common scale."""

from __future__ import annotations

import pytest

from bot.database.models import Answer, Respondent

EASE = {"kind": "feedback", "question": "Was this easy to do?", "text": "Partly", "value": 1}
COMMENT = {"kind": "feedback", "question": "Anything to tell us?",
           "text": "The number questions were hard"}


async def _invite(portal, worker, case_id: str, **body):
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/invitations",
                                           json=body, headers=worker.headers)
    return response


async def _conversation(portal, conversation_id: str) -> dict:
    _, response = await portal.client.get(f"/internal/v1/conversations/{conversation_id}",
                                          headers=portal.secret_headers)
    assert response.status == 200
    return response.json


async def _conversation_of(portal, invitation_id: str) -> str:
    return (await portal.respondent(invitation_id)).conversation_id


# The invitation ------------------------------------------------------------------------


async def test_a_professional_is_invited_with_their_job_and_gets_their_questions(
        portal, alice, case):
    response = await _invite(portal, alice, case["id"], role="professional", name="Ms Green",
                             relationship="Class teacher")
    assert response.status == 201
    invitation = response.json
    assert invitation["relationship"] == "Class teacher"
    assert invitation["questions"] == "professional"  # the role's own set
    conversation = await _conversation(portal, await _conversation_of(portal, invitation["id"]))
    assert conversation["role"] == "professional"
    assert conversation["questions"] == "professional"


async def test_the_worker_may_choose_another_set_for_an_adult(portal, alice, case):
    # A carer who is also the parent's sister: asked as family and friends are.
    response = await _invite(portal, alice, case["id"], role="carer", name="Kelly",
                             relationship="Aunt", questions="network")
    assert response.status == 201
    assert response.json["questions"] == "network"
    assert (await portal.respondent(response.json["id"])).question_set == "network"
    conversation = await _conversation(portal,
                                       await _conversation_of(portal, response.json["id"]))
    assert conversation["questions"] == "network"
    _, detail = await portal.client.get(f"/api/v1/cases/{case['id']}", headers=alice.headers)
    (person,) = detail.json["respondents"]
    assert (person["relationship"], person["questions"]) == ("Aunt", "network")


async def test_without_a_choice_each_adult_gets_their_roles_own_set(portal, alice, case):
    for role in ("parent", "carer", "network"):
        response = await _invite(portal, alice, case["id"], role=role, name="Sam")
        assert response.json["questions"] == role
        assert response.json["relationship"] is None
        assert (await portal.respondent(response.json["id"])).question_set is None
    child = await _invite(portal, alice, case["id"], role="child", name="Kai")
    assert child.json["questions"] is None  # the three houses


@pytest.mark.parametrize("extra", [
    {"questions": "teacher"}, {"questions": "child"}, {"questions": 1},
    {"questions": ["parent"]}, {"relationship": "R" * 101}, {"relationship": "GP\x00"},
    {"relationship": 7},
])
async def test_a_wrong_question_set_or_relationship_is_refused(portal, alice, case, extra):
    response = await _invite(portal, alice, case["id"], role="parent", name="Sam", **extra)
    assert response.status == 422
    assert await portal.count(Respondent) == 0


async def test_a_child_always_gets_the_childrens_questions(portal, alice, case):
    response = await _invite(portal, alice, case["id"], role="child", name="Kai",
                             questions="parent")
    assert response.status == 422
    assert "only for an adult" in response.json["error"]


# Feedback: "Was this easy to do?" ------------------------------------------------------


async def test_ease_and_its_comment_are_stored_as_feedback(portal, invitation):
    conversation = invitation["conversation_id"]
    await portal.answer(conversation, "ease", **EASE)
    await portal.answer(conversation, "ease_comment", **COMMENT)
    stored = {a["key"]: (a["kind"], a["value"], a["text"])
              for a in await portal.store.answers(conversation)}
    assert stored == {"ease": ("feedback", 1, "Partly"),
                      "ease_comment": ("feedback", None, "The number questions were hard")}


@pytest.mark.parametrize(("key", "body"), [
    ("ease", EASE | {"value": 3}),
    ("ease", EASE | {"value": None}),
    ("ease", EASE | {"section": "worries"}),
    ("ease", EASE | {"category": "strength"}),
    ("ease", EASE | {"house": "worries"}),
    ("ease", EASE | {"parts": [{"text": "Partly", "section": "worries"}]}),
    ("ease_comment", COMMENT | {"value": 2}),
    ("ease_comment", COMMENT | {"section": "needs"}),
    ("worries", EASE),  # only the two feedback questions are feedback
])
async def test_feedback_that_does_not_fit_is_refused(portal, invitation, key, body):
    response = await portal.put_answer(invitation["conversation_id"], key, **body)
    assert response.status == 422
    assert await portal.count(Answer) == 0


async def test_feedback_never_reaches_the_map_or_the_exports(portal, alice, case):
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    conversation = invitation["conversation_id"]
    await portal.answer(conversation, "worries", kind="item", section="worries",
                        text="The flat is cold")
    await portal.answer(conversation, "ease", **EASE | {"text": "No, it was hard", "value": 0})
    await portal.answer(conversation, "ease_comment", **COMMENT)
    await portal.submit(conversation)
    draft = await portal.draft_map(alice, case["id"])
    assert [item["text"] for item in draft["items"]] == ["The flat is cold"]
    assert draft["scales"] == [] and draft["network"] == []
    for export in ("map.html", "map.docx"):
        _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/{export}",
                                              headers=alice.headers)
        assert response.status == 200
        assert b"The number questions were hard" not in response.body
        assert b"No, it was hard" not in response.body


# The common scale and the professional's label ------------------------------------------


async def test_the_common_scale_sits_beside_each_persons_own(portal, alice, case):
    response = await _invite(portal, alice, case["id"], role="professional", name="Ms Green",
                             relationship="Class teacher")
    conversation = await _conversation_of(portal, response.json["id"])
    await portal.answer(conversation, "scale", kind="scale", text="7", value=7,
                        question="Own scale?")
    await portal.answer(conversation, "scale_why", kind="scale_why", text="She comes every day")
    await portal.answer(conversation, "common_scale", kind="scale", text="about a 5", value=5,
                        question="How safe from the worries?")
    await portal.submit(conversation)
    draft = await portal.draft_map(alice, case["id"])
    scales = [(s["question"], s["value"], s["why"]) for s in draft["scales"]]
    assert scales == [("Own scale?", 7, "She comes every day"),
                      ("How safe from the worries?", 5, None)]
    (person,) = draft["respondents"]
    assert person["relationship"] == "Class teacher"
    _, page = await portal.client.get(f"/api/v1/cases/{case['id']}/map.html",
                                      headers=alice.headers)
    assert "Ms Green (Class teacher)" in page.text  # the job, on the board and exports
