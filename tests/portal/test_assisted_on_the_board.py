"""Who helped a person answer, and words the safeguarding check could not read: beside
each of their answers on the board, on a reviewed item's card, and in the exports."""

from __future__ import annotations

import io

import pytest
from docx import Document

from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions
from tests.portal.test_shared_inputs import Screens

POLISH = "Martwię się, że mój mąż dużo pije i krzyczy na dzieci."
HELPED = "Answered with help from an interpreter"
NOT_CHECKED = "In Polish: not checked for safety: needs an interpreter"


@pytest.fixture
async def screens(portal, alice) -> Screens:
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    return Screens(portal.client, cookie, csrf)


@pytest.fixture
async def mapped(portal, alice) -> tuple[str, dict]:
    case_id = (await portal.create_case(alice))["id"]
    _, response = await portal.client.post(
        f"/api/v1/cases/{case_id}/invitations", headers=alice.headers,
        json={"role": "parent", "name": "Agnieszka", "assisted": "interpreter"})
    conversation = await portal.conversation_id(response.json["id"])
    await portal.answer(conversation, "worried_about", kind="item", section="worries",
                        text=POLISH)
    await portal.answer(conversation, "going_well", kind="item", section="working_well",
                        text="We eat tea together most nights.")
    await portal.submit(conversation)
    items = {item["text"]: item for item in (await portal.draft_map(alice, case_id))["items"]}
    return case_id, items


async def test_the_board_and_a_reviewed_card_say_who_helped_and_what_was_not_checked(
        portal, alice, screens, mapped):
    case_id, items = mapped
    assert (items[POLISH]["language"], items[POLISH]["safeguarding_checked"]) == ("pl", False)
    english = items["We eat tea together most nights."]
    assert (english["language"], english["safeguarding_checked"]) == ("en", True)
    board = (await screens.get(f"/cases/{case_id}/board")).text
    # The items on the board, then the copy blocks "For the case record" below them.
    items_part, _, record = board.partition('id="case-record"')
    assert items_part.count(HELPED) == 2 and items_part.count(NOT_CHECKED) == 1
    assert record.count(HELPED) == 2 and record.count(NOT_CHECKED) == 1
    card = await screens.post(f"/cases/{case_id}/items/{items[POLISH]['id']}",
                              {"action": "accept"}, fragment=True)
    assert card.status == 200
    assert HELPED in card.text and NOT_CHECKED in card.text


async def test_the_exports_say_who_helped_and_what_was_not_checked(portal, alice, mapped):
    case_id, _ = mapped
    _, page = await portal.client.get(f"/api/v1/cases/{case_id}/map.html",
                                      headers=alice.headers)
    assert page.text.count(HELPED) == 2 and page.text.count(NOT_CHECKED) == 1
    _, word = await portal.client.get(f"/api/v1/cases/{case_id}/map.docx",
                                      headers=alice.headers)
    document = Document(io.BytesIO(word.body))
    cells = [cell.text for table in document.tables for row in table.rows
             for cell in row.cells]
    assert sum(HELPED in cell for cell in cells) == 2
    assert sum(NOT_CHECKED in cell for cell in cells) == 1
