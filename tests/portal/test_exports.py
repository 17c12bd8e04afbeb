"""The map for case records: GET /api/v1/cases/{id}/map.docx and /map.html."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

import pytest

WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCRIPT = "<script>alert(1)</script>"
WORDS = "Mae Nain yn helpu 💛 & Zażółć gęślą jaźń"


@pytest.fixture
async def exported_case(portal, alice, case) -> dict:
    invitation = await portal.invite(alice, case["id"], "parent", "Jo <b>Parent</b>")
    conversation = invitation["conversation_id"]
    await portal.answer(conversation, "worries", kind="item", section="worries",
                        text=SCRIPT)
    await portal.answer(conversation, "working_well", kind="item", section="working_well",
                        text=WORDS)
    await portal.submit(conversation)
    return case


def docx_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as document:
        xml = document.read("word/document.xml").decode("utf-8")
    runs = re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml)
    return unescape("".join(runs))


async def test_word_export(portal, alice, exported_case):
    _, response = await portal.client.get(f"/api/v1/cases/{exported_case['id']}/map.docx",
                                          headers=alice.headers)
    assert response.status == 200
    assert response.content_type.split(";")[0] == WORD_TYPE
    assert response.body[:2] == b"PK"
    text = docx_text(response.body)
    for expected in ("Alex Example", "CASE-0001", SCRIPT, WORDS):
        assert expected in text, expected
    assert "no-store" in response.headers.get("cache-control", "")


async def test_print_export_shows_the_words_as_text(portal, alice, exported_case):
    _, response = await portal.client.get(f"/api/v1/cases/{exported_case['id']}/map.html",
                                          headers=alice.headers)
    assert response.status == 200
    assert response.content_type.startswith("text/html")
    page = response.text
    # The person's words are shown, escaped: never as markup that a browser would run.
    assert SCRIPT not in page and "<b>Parent</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert WORDS.replace("&", "&amp;") in page
    assert "Alex Example" in page
    assert "no-store" in response.headers.get("cache-control", "")


@pytest.mark.parametrize("kind", ["docx", "html"])
async def test_exports_of_another_workers_case_are_404(portal, alice, bob, exported_case,
                                                       kind):
    url = f"/api/v1/cases/{exported_case['id']}/map.{kind}"
    _, response = await portal.client.get(url, headers=bob.headers)
    assert response.status == 404
    assert "Alex Example" not in response.text and "alert(1)" not in response.text
    # The same export is there for the case's own worker: the 404 is bob's, not a fault.
    _, own = await portal.client.get(url, headers=alice.headers)
    assert own.status == 200
    text = docx_text(own.body) if kind == "docx" else unescape(own.text)
    assert "Alex Example" in text and SCRIPT in text


@pytest.mark.parametrize("kind", ["docx", "html"])
async def test_exports_hold_nothing_before_anyone_submits(portal, alice, case, kind):
    invitation = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    await portal.answer(invitation["conversation_id"], "worries", kind="item",
                        section="worries", text="Not sent yet.")
    url = f"/api/v1/cases/{case['id']}/map.{kind}"
    _, response = await portal.client.get(url, headers=alice.headers)
    assert response.status == 200
    text = docx_text(response.body) if kind == "docx" else response.text
    assert "Not sent yet." not in text
    assert "Alex Example" in text and "CASE-0001" in text  # the case itself is exported
    # Once sent, the same answer is in the export: its absence above was the rule.
    await portal.submit(invitation["conversation_id"])
    _, response = await portal.client.get(url, headers=alice.headers)
    text = docx_text(response.body) if kind == "docx" else response.text
    assert "Not sent yet." in text
