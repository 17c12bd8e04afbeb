"""MapBot's sorting, said plainly on the board (issue 18): "Moved from <column>" where an
adult's words left their question's column; "The words suggest: <column>" with a button
that moves a child's item only when the worker presses it; and a child's whole answer
about the adults they trust, kept as their words."""

from __future__ import annotations

import html

import pytest

from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions
from tests.portal.test_shared_inputs import Screens

MOVED = "his dad hit him last week"
WORRY = "my dad shouts at me every night"


@pytest.fixture
async def screens(portal, alice) -> Screens:
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    return Screens(portal.client, cookie, csrf)


@pytest.fixture
async def mapped(portal, alice) -> tuple[str, dict]:
    case_id = (await portal.create_case(alice))["id"]
    parent = await portal.invite(alice, case_id, "parent", "Jo")
    await portal.answer(parent["conversation_id"], "going_well", kind="item",
                        section="working_well", category="strength", text=MOVED,
                        parts=[{"text": MOVED, "section": "worries", "category": "harm",
                                "house": None, "confidence": 0.99,
                                "moved_from": "working_well", "suggested_section": None}])
    await portal.submit(parent["conversation_id"])
    child = await portal.invite(alice, case_id, "child", "Alex")
    await portal.answer(child["conversation_id"], "good_life", kind="item",
                        house="good_things", category="strength", text=WORRY,
                        parts=[{"text": WORRY, "section": "working_well", "category": None,
                                "house": "good_things", "confidence": 0.01,
                                "moved_from": None, "suggested_section": "worries"}])
    await portal.answer(child["conversation_id"], "trusted_adults", kind="network",
                        text="my nan but not when dad is there")
    await portal.submit(child["conversation_id"])
    items = {item["text"]: item for item in (await portal.draft_map(alice, case_id))["items"]}
    return case_id, items


async def test_the_board_says_what_moved_and_what_the_words_suggest(screens, mapped):
    case_id, items = mapped
    board = html.unescape((await screens.get(f"/cases/{case_id}/board")).text)
    assert board.count("Moved from What's working well?") == 1
    assert board.count("The words suggest: What are we worried about?") == 1
    assert board.count("Move to What are we worried about?") == 1
    assert "In their words:</strong> “my nan but not when dad is there”" in board


async def test_the_suggestion_moves_the_item_only_when_the_worker_presses_it(
        portal, alice, screens, mapped):
    case_id, items = mapped
    item = items[WORRY]
    assert (item["section"], item["suggested_section"]) == ("working_well", "worries")
    card = await screens.post(f"/cases/{case_id}/items/{item['id']}",
                              {"action": "move", "place": "worries:"}, fragment=True)
    assert card.status == 200
    assert card.headers["X-MapBot-Place"] == "worries:"
    assert "The words suggest" not in html.unescape(card.text)
    [moved] = [i for i in (await portal.draft_map(alice, case_id))["items"]
               if i["id"] == item["id"]]
    assert (moved["section"], moved["house"], moved["suggested_section"]) == (
        "worries", "good_things", None)


async def test_nobody_to_the_trusted_adults_question_is_shown(portal, alice, screens):
    case_id = (await portal.create_case(alice))["id"]
    child = await portal.invite(alice, case_id, "child", "Alex")
    await portal.answer(child["conversation_id"], "trusted_adults", kind="network",
                        text="Nobody")
    await portal.submit(child["conversation_id"])
    board = html.unescape((await screens.get(f"/cases/{case_id}/board")).text)
    assert "nobody named." in board
    assert "In their words:</strong> “Nobody”" in board
    draft = await portal.draft_map(alice, case_id)
    assert "trusted_words" not in draft["respondents"][0]  # outside the contract's JSON
