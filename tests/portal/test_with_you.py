"""'Was anyone with you while you answered?' (issue 23) as the portal sees it: the
answer's payloads pass to Rasa, a child's "someone was there" is a `concern` flag, the
worker reads the answer beside the person on the board, in print and in Word, and it
is never in the family's copy, never in the contract's JSON, never kept "private"."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from bot.database.models import Flag
from bot.database.models import Worker as WorkerRow
from bot.portal.rasa_client import is_allowed_payload, text_for_rasa
from bot.services import web_sessions
from tests.portal.test_chat import chat_url
from tests.portal.test_shared_inputs import Screens

QUESTION = "Was anyone with you while you answered? You can skip this."
LINE_HELPED = "Anyone with them while they answered: Someone helped them answer"
LINE_PRESENT = "Anyone with them while they answered: Someone was there"


def _answer(text: str) -> dict:
    return {"kind": "with_you", "question": QUESTION, "text": text}


@pytest.fixture
async def screens(portal, alice) -> Screens:
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    return Screens(portal.client, cookie, csrf)


async def _person(portal, alice, case_id: str, role: str, name: str) -> str:
    _, response = await portal.client.post(f"/api/v1/cases/{case_id}/invitations",
                                           headers=alice.headers,
                                           json={"role": role, "name": name})
    assert response.status == 201
    return await portal.conversation_id(response.json["id"])


async def _flags(portal) -> list[Flag]:
    async with portal.store.sessions() as session:
        return list(await session.scalars(select(Flag)))


# The payloads ----------------------------------------------------------------------------

@pytest.mark.parametrize("payload", ['/with_you{"with_you": "nobody"}',
                                     '/with_you{"with_you": "helped"}',
                                     '/with_you{"with_you": "present"}'])
def test_the_three_answers_are_allowed_payloads(payload):
    assert is_allowed_payload(payload)
    assert text_for_rasa(payload) == payload


@pytest.mark.parametrize("payload", ['/with_you{"with_you": "everyone"}',
                                     '/with_you{"house": "present"}',
                                     '/with_you{"with_you": "present", "x": "y"}'])
def test_other_values_are_not_passed_on_as_commands(payload):
    assert not is_allowed_payload(payload)
    assert text_for_rasa(payload) != payload and text_for_rasa(payload).endswith(payload)


async def test_the_chat_passes_the_payload_to_rasa_as_sent(portal, invitation, fake_rasa):
    payload = '/with_you{"with_you": "helped"}'
    for message in ("hello", payload):
        _, response = await portal.client.post(chat_url(invitation), json={"text": message})
        assert response.status == 200
    assert fake_rasa.sent[-1]["message"] == payload


# Flags -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["child", "young_person"])
async def test_a_child_with_someone_there_raises_a_concern(portal, alice, case, role):
    conversation = await _person(portal, alice, case["id"], role, "Jamie")
    await portal.answer(conversation, "with_you", **_answer("Someone was there"))
    (flag,) = await _flags(portal)
    assert (flag.category, flag.level) == ("someone_present", "concern")
    assert flag.text == LINE_PRESENT
    # The same answer sent again (a retry) raises no second flag.
    await portal.answer(conversation, "with_you", **_answer("Someone was there"))
    assert len(await _flags(portal)) == 1


@pytest.mark.parametrize(("role", "text"), [
    ("parent", "Someone was there"), ("carer", "Someone helped them answer"),
    ("child", "Someone helped them answer"), ("young_person", "No one")])
async def test_other_answers_raise_no_flag(portal, alice, case, role, text):
    conversation = await _person(portal, alice, case["id"], role, "Sam")
    await portal.answer(conversation, "with_you", **_answer(text))
    assert await _flags(portal) == []


@pytest.mark.parametrize(("key", "body"), [
    ("with_you", _answer("someone was there")),  # only the worker's words for a code
    ("with_you", _answer("My mum")),
    ("with_you", _answer("No one") | {"value": 1}),
    ("with_you", _answer("No one") | {"section": "worries"}),
    ("with_you", _answer("No one") | {"kind": "item", "section": "worries"}),
    ("ease", _answer("No one")),  # the kind belongs to its own key only
])
async def test_anything_else_is_refused(portal, alice, case, key, body):
    conversation = await _person(portal, alice, case["id"], "child", "Jamie")
    response = await portal.put_answer(conversation, key, **body)
    assert response.status == 422
    assert await _flags(portal) == []


# Where the worker reads it, and where nobody else does --------------------------------------

@pytest.fixture
async def answered(portal, alice, case) -> str:
    parent = await _person(portal, alice, case["id"], "parent", "Mo")
    await portal.answer(parent, "going_well", kind="item", section="working_well",
                        text="We eat tea together most nights.")
    await portal.answer(parent, "with_you", **_answer("Someone helped them answer"))
    await portal.submit(parent)
    child = await _person(portal, alice, case["id"], "child", "Jamie")
    await portal.answer(child, "with_you", **_answer("Someone was there"))
    await portal.submit(child)
    return case["id"]


async def test_the_board_print_and_word_show_it_to_the_worker(portal, alice, screens,
                                                             answered):
    board = (await screens.get(f"/cases/{answered}/board")).text
    assert LINE_HELPED in board and LINE_PRESENT in board
    _, page = await portal.client.get(f"/api/v1/cases/{answered}/map.html",
                                      headers=alice.headers)
    assert LINE_HELPED in page.text and LINE_PRESENT in page.text
    _, word = await portal.client.get(f"/api/v1/cases/{answered}/map.docx",
                                      headers=alice.headers)
    paragraphs = [p.text for p in Document(io.BytesIO(word.body)).paragraphs]
    assert "Mo (parent). " + LINE_HELPED + "." in paragraphs
    assert "Jamie (child). " + LINE_PRESENT + "." in paragraphs


async def test_never_in_the_family_copy_nor_the_contract_json(portal, alice, answered):
    for query in ("", "?copy=family"):
        _, found = await portal.client.get(f"/api/v1/cases/{answered}/map{query}",
                                           headers=alice.headers)
        assert found.status == 200
        assert all("with_you" not in person for person in found.json["respondents"])
        # The worker's map holds the child's flag; the family's copy holds nothing of it.
        words = found.text.lower()
        assert ("someone_present" not in words) is (query == "?copy=family")
        assert "someone helped" not in words and "no one" not in words
        assert all(item["text"] != "Someone helped them answer"
                   for item in found.json["items"])
    for kind in ("html", "docx"):
        _, copy = await portal.client.get(f"/api/v1/cases/{answered}/map.{kind}?copy=family",
                                          headers=alice.headers)
        assert copy.status == 200
        words = (copy.text if kind == "html" else "\n".join(
            p.text for p in Document(io.BytesIO(copy.body)).paragraphs))
        assert "Anyone with them" not in words and "Someone helped" not in words


async def test_it_cannot_be_kept_private(portal, invitation, fake_rasa):
    conversation = await portal.conversation_id(invitation["id"])
    await portal.client.post(chat_url(invitation), json={"text": "hello"})
    await portal.answer(conversation, "with_you", **_answer("No one"))
    _, response = await portal.client.post(
        chat_url(invitation), json={"text": '/keep_private{"answer_key": "with_you"}'})
    assert response.status == 200
    assert response.json["messages"][0]["text"] == (
        "There are no answers yet. You can choose this after you answer a question.")
    answers = {a["key"]: a for a in await portal.store.answers(conversation)}
    assert answers["with_you"]["private"] is False
