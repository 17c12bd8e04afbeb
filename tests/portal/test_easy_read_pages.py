"""Easy Read (issue 23) on the family's pages: the chat page carries MapBot's own
pictures (inline SVG, hidden from screen readers, nothing from elsewhere) and its short
introduction; the "sent" page has its Easy Read version. A child invited with the
option keeps the children's pages."""

from __future__ import annotations

import re


async def _invite(portal, worker, case_id: str, role: str = "parent", **options) -> dict:
    _, response = await portal.client.post(
        f"/api/v1/cases/{case_id}/invitations", headers=worker.headers,
        json={"role": role, "name": "Jo", **options})
    assert response.status == 201, response.text
    return response.json


async def test_the_chat_page_has_the_pictures_and_the_short_introduction(portal, alice, case):
    invitation = await _invite(portal, alice, case["id"], easy_read=True)
    _, page = await portal.client.get(f"/chat/{invitation['token']}")
    assert page.status == 200
    assert 'data-easy-read="yes"' in page.text
    assert "MapBot is a computer. It asks you some questions." in page.text
    pictures = re.findall(r'<svg class="easy-picture" data-picture="([a-z]+)"[^>]*'
                          r'aria-hidden="true" focusable="false">', page.text)
    assert sorted(pictures) == sorted(["mapbot", "good", "worry", "safe", "people", "work",
                                       "number", "next", "talk", "sent", "help"])
    assert "<img" not in page.text and "style=" not in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script


async def test_without_the_option_or_for_a_child_there_are_no_pictures(portal, alice, case):
    usual = await _invite(portal, alice, case["id"])
    child = await _invite(portal, alice, case["id"], role="child", easy_read=True)
    for invitation in (usual, child):
        _, page = await portal.client.get(f"/chat/{invitation['token']}")
        assert page.status == 200
        assert "easy-picture" not in page.text and "data-easy-read" not in page.text


async def test_the_sent_page_has_an_easy_read_version(portal, alice, case):
    invitation = await _invite(portal, alice, case["id"], easy_read=True)
    conversation = await portal.conversation_id(invitation["id"])
    await portal.submit(conversation)
    _, page = await portal.client.get(f"/chat/{invitation['token']}")
    assert page.status == 200
    for line in ("Thank you. Your answers have gone to your social worker.",
                 "They will talk with you about them.",
                 "This page does not show your answers now.",
                 "Do you want to add something? Tell your social worker."):
        assert f"<p>{line}</p>" in page.text.replace("&#39;", "'"), line
    assert page.text.count('class="easy-picture"') == 4
    assert "Can your name be next to your words?" in page.text
