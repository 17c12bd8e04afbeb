"""The API and the screens share one validation schema and one export registry.

The screens are driven here with a real session cookie and CSRF token, the API with a
bearer token; both must refuse the same words and serve the same export formats.
"""

from __future__ import annotations

import json

import pytest

from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions

ITEM_ERROR = {"error": "Send any of section, category, status, text and private, with "
                       "valid values."}
CASE_ERROR = {"error": "Please give a case reference and the child's name (each up to 100 "
                       "characters)."}
# Control characters both doors refuse in an item's words (written out, not computed).
REFUSED = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f",
           # C1 controls, and the bidirectional controls that reorder what a screen shows
           "\x80", "\x85", "\x9b", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"]
# What a text of several lines may hold.
KEPT = ["\n", "\t"]
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXPORTS = {"docx": WORD_TYPE, "pdf": "application/pdf", "html": "text/html",
           "json": "application/json"}


class Screens:
    """A signed-in browser on the worker screens."""

    def __init__(self, client, cookie: str, csrf: str):
        self.client, self.csrf = client, csrf
        self.headers = {"Cookie": f"{web_sessions.COOKIE}={cookie}"}

    async def get(self, url: str):
        _, response = await self.client.get(url, headers=self.headers,
                                            follow_redirects=False)
        return response

    async def post(self, url: str, form: dict, fragment: bool = False):
        headers = self.headers | ({"X-MapBot-Fragment": "1"} if fragment else {})
        _, response = await self.client.post(
            url, data=form | {web_sessions.CSRF_FIELD: self.csrf}, headers=headers,
            follow_redirects=False)
        return response


@pytest.fixture
async def screens(portal, alice) -> Screens:
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    return Screens(portal.client, cookie, csrf)


@pytest.fixture
async def item(portal, alice, case) -> dict:
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    await portal.answer(invitation["conversation_id"], "worries", kind="item",
                        section="worries", text="He is often late for school.")
    await portal.submit(invitation["conversation_id"])
    [found] = (await portal.draft_map(alice, case["id"]))["items"]
    return found


async def _text_of(portal, alice, case, item_id: str) -> str:
    found = await portal.draft_map(alice, case["id"])
    return next(entry["text"] for entry in found["items"] if entry["id"] == item_id)


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
async def test_both_doors_refuse_the_same_control_characters(portal, alice, case, item,
                                                            screens, char):
    words = f"He is often{char} late."
    _, api = await portal.client.patch(f"/api/v1/items/{item['id']}", json={"text": words},
                                       headers=alice.headers)
    assert api.status == 422 and api.json == ITEM_ERROR

    url = f"/cases/{case['id']}/items/{item['id']}"
    fragment = await screens.post(url, {"action": "edit", "text": words}, fragment=True)
    assert fragment.status == 422
    assert "characters MapBot cannot keep" in fragment.text
    page = await screens.post(url, {"action": "edit", "text": words})
    assert page.status == 303 and "done=bad_wording" in page.headers["location"]

    assert await _text_of(portal, alice, case, item["id"]) == "He is often late for school."


@pytest.mark.parametrize("char", KEPT, ids=["LF", "TAB"])
async def test_both_doors_keep_line_breaks_and_tabs(portal, alice, case, item, screens,
                                                   char):
    _, api = await portal.client.patch(f"/api/v1/items/{item['id']}",
                                       json={"text": f"API{char}words"}, headers=alice.headers)
    assert api.status == 200 and api.json["text"] == f"API{char}words"
    page = await screens.post(f"/cases/{case['id']}/items/{item['id']}",
                              {"action": "edit", "text": f"Screen{char}words"})
    assert page.status == 303
    assert await _text_of(portal, alice, case, item["id"]) == f"Screen{char}words"


async def test_a_browsers_crlf_is_a_line_break(portal, alice, case, item, screens):
    page = await screens.post(f"/cases/{case['id']}/items/{item['id']}",
                              {"action": "edit", "text": "First line\r\nSecond line"})
    assert page.status == 303
    assert await _text_of(portal, alice, case, item["id"]) == "First line\nSecond line"


@pytest.mark.parametrize("reference", ["CASE\x00-1", "CASE\t1", "CASE\n1", "   ", "C" * 101])
async def test_both_doors_refuse_the_same_case_references(portal, alice, screens, reference):
    _, api = await portal.client.post("/api/v1/cases", headers=alice.headers,
                                      json={"reference": reference, "child_name": "Alex"})
    assert api.status == 422 and api.json == CASE_ERROR
    page = await screens.post("/cases", {"reference": reference, "child_name": "Alex"})
    assert page.status == 422
    assert "Please give a case reference" in page.text


async def test_every_registered_export_is_served_by_the_api_and_the_screens(
        portal, alice, case, item, screens):
    from bot.portal.exports import FORMATS
    from tests.portal.test_case_record import pdf_tools_ready

    assert set(FORMATS) == set(EXPORTS)
    for kind, content_type in EXPORTS.items():
        if kind == "pdf" and not pdf_tools_ready():  # no LibreOffice, off CI only
            continue
        _, api = await portal.client.get(f"/api/v1/cases/{case['id']}/map.{kind}",
                                         headers=alice.headers)
        page = await screens.get(f"/cases/{case['id']}/map.{kind}")
        for response in (api, page):
            assert response.status == 200, (kind, response.status)
            assert response.content_type.split(";")[0] == content_type, kind
            if kind == "docx":
                assert response.body[:2] == b"PK"
            elif kind == "pdf":
                assert response.body[:5] == b"%PDF-"
            else:
                assert "He is often late for school." in response.text, kind
        if kind == "json":
            assert json.loads(api.body) == json.loads(page.body) | {
                "generated_at": json.loads(api.body)["generated_at"]}
            assert json.loads(api.body)["schema"] == "mapbot.draft-map/1"
    # The print page keeps its older address on the screens.
    assert (await screens.get(f"/cases/{case['id']}/print")).status == 200


@pytest.mark.parametrize("char", ["\x85", "\x9b", "\u202e", "\u2067"],
                         ids=["U+0085", "U+009B", "U+202E", "U+2067"])
async def test_the_family_chat_drops_what_both_doors_refuse(portal, alice, case, char):
    """The chat keeps a message (a disclosure must never be refused for a stray
    character) but not the character: here, in the flag it raises."""
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    _, response = await portal.client.post(
        f"/api/v1/chat/{invitation['token']}/messages",
        json={"text": f"my dad hits me{char} when mum is out"})
    assert response.status == 200
    [flag] = (await portal.draft_map(alice, case["id"]))["flags"]
    assert flag["text"] == "my dad hits me when mum is out"

