"""One network entry per person across the people who answered, through the real store
and portal: the map JSON (the contract's fields, no more), the board, the Word export
and the family's copy (issue 18)."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions
from tests.portal.test_map import assert_map_shape
from tests.portal.test_shared_inputs import Screens

SARAH = {"helpers": {"kind": "network", "question": "Who helps?",
                     "text": "My mum Jean helps every day. My friend Amy takes him to "
                             "football."},
         "how_help": {"kind": "network_how", "question": "How do they help?",
                      "text": "Amy also gives me a break."}}
DAVE = {"helpers": {"kind": "network", "question": "Who helps?", "text": "his nan Jean"},
        "how_help": {"kind": "network_how", "question": "How do they help?",
                     "text": "She has him every Friday"}}
TIA = {"trusted_adults": {"kind": "network", "question": "Which grown-ups do you trust?",
                          "text": "Nanny Jean and my cousin Amy"}}


@pytest.fixture
async def screens(portal, alice) -> Screens:
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    return Screens(portal.client, cookie, csrf)


@pytest.fixture
async def named(portal, alice, case) -> dict[str, str]:
    """Sarah and Dave (parents) and Tia (the child) name Jean; Sarah and Tia name an Amy
    each, not the same one."""
    ids = {}
    for name, role, answers in (("Sarah", "parent", SARAH), ("Dave", "parent", DAVE),
                                ("Tia", "child", TIA)):
        invitation = await portal.invite(alice, case["id"], role, name)
        for key, body in answers.items():
            await portal.answer(invitation["conversation_id"], key, **body)
        await portal.submit(invitation["conversation_id"])
        ids[name] = invitation["id"]
    await portal.store.set_named(ids["Sarah"], True)  # Dave chose not to be named
    return ids


async def test_the_map_json_has_one_entry_per_person_in_the_contract_shape(
        portal, alice, case, named):
    draft = await portal.draft_map(alice, case["id"])
    assert_map_shape(draft)
    assert draft["network"] == [
        {"respondent_id": named["Sarah"], "name": "Jean", "relationship": "mum",
         "how_they_help": "My mum Jean helps every day."},
        {"respondent_id": named["Sarah"], "name": "Amy", "relationship": "friend",
         "how_they_help": "My friend Amy takes him to football. Amy also gives me a break."},
        {"respondent_id": named["Tia"], "name": "Amy", "relationship": "cousin",
         "how_they_help": None},
    ]


def _row(page: str, name: str) -> list[str]:
    """The cells of the board's network rows for `name`, as text."""
    rows = re.findall(r'<tr><th scope="row">' + name + r"</th>(.*?)</tr>", page, re.S)
    return [re.sub(r"<[^>]+>", "|", row) for row in rows]


async def test_the_board_shows_jean_once_with_everyone_who_named_her(case, named,
                                                                     screens: Screens):
    page = (await screens.get(f"/cases/{case['id']}/board")).text
    [jean] = _row(page, "Jean")
    assert "Sarah (parent), Dave (parent), Tia (child)" in jean
    assert "mum, nan, nanny" in jean  # each relationship as it was said
    assert "Sarah (parent): My mum Jean helps every day." in jean
    assert "Dave (parent): She has him every Friday" in jean
    assert len(_row(page, "Amy")) == 2  # a friend of Sarah's and Tia's cousin


async def test_the_word_export_and_the_family_copy(portal, alice, case, named):
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map.docx",
                                          headers=alice.headers)
    document = Document(io.BytesIO(response.body))
    rows = [[cell.text for cell in row.cells] for table in document.tables
            if table.rows[0].cells[0].text == "Name"
            and table.rows[0].cells[1].text == "Relationship" for row in table.rows[1:]]
    assert rows == [
        ["Jean", "mum, nan, nanny", "Sarah (parent): My mum Jean helps every day.\n"
                                    "Dave (parent): She has him every Friday",
         "Sarah (parent), Dave (parent), Tia (child)"],
        ["Amy", "friend", "My friend Amy takes him to football. Amy also gives me a break.",
         "Sarah (parent)"],
        ["Amy", "cousin", "", "Tia (child)"],
    ]
    _, response = await portal.client.get(f"/api/v1/cases/{case['id']}/map?copy=family",
                                          headers=alice.headers)
    # The child's Amy is not in the family's copy; nobody's words about anyone are.
    assert response.json["network"] == [
        {"respondent_id": named["Sarah"], "name": "Jean", "relationship": "mum",
         "how_they_help": None},
        {"respondent_id": named["Sarah"], "name": "Amy", "relationship": "friend",
         "how_they_help": None},
    ]
    _, response = await portal.client.get(
        f"/api/v1/cases/{case['id']}/map.html?copy=family", headers=alice.headers)
    [jean] = _row(response.body.decode(), "Jean")
    assert "Sarah (parent), Someone in the family network" in jean
    assert "Tia" not in jean and "every day" not in jean
