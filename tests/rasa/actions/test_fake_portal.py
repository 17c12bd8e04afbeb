"""The fake portal must behave like the internal endpoint, or the other tests prove little."""

from __future__ import annotations

import pytest

from actions import portal as portal_module
from actions.portal import PortalError
from tests.rasa.conftest import CONVERSATION, FakePortal

ANSWER = {"kind": "item", "question": "Q?", "text": "She sings", "value": None,
          "section": "working_well", "category": "strength", "house": None}


@pytest.mark.asyncio
async def test_save_is_an_upsert_by_key_that_keeps_the_first_position() -> None:
    fake = FakePortal()
    await fake.save(CONVERSATION, "like_child", ANSWER)
    await fake.save(CONVERSATION, "going_well", ANSWER | {"text": "Calmer mornings"})
    again = await fake.save(CONVERSATION, "like_child", ANSWER | {"text": "She dances"})
    assert again["key"] == "like_child" and again["text"] == "She dances"
    answers = await fake.answers(CONVERSATION)
    assert [(a["key"], a["text"]) for a in answers] == [
        ("like_child", "She dances"), ("going_well", "Calmer mornings")]


@pytest.mark.asyncio
async def test_remove_says_whether_the_answer_existed() -> None:
    fake = FakePortal()
    await fake.save(CONVERSATION, "like_child", ANSWER)
    assert await fake.remove(CONVERSATION, "like_child") is True
    assert await fake.remove(CONVERSATION, "like_child") is False
    assert await fake.answers(CONVERSATION) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("change", [
    {"kind": "choice"}, {"text": "  "}, {"value": 11}, {"value": 6.5}, {"section": None},
    {"house": "garden"}, {"category": "feelings"},
])
async def test_save_rejects_what_the_endpoint_rejects(change: dict) -> None:
    with pytest.raises(PortalError, match="422"):
        await FakePortal().save(CONVERSATION, "like_child", ANSWER | change)


@pytest.mark.asyncio
async def test_a_submitted_conversation_is_closed_for_writes_and_submit_is_idempotent() -> None:
    fake = FakePortal()
    first = await fake.submit(CONVERSATION)
    assert first["status"] == "submitted"
    assert (await fake.submit(CONVERSATION)) == first
    with pytest.raises(PortalError, match="409"):
        await fake.save(CONVERSATION, "like_child", ANSWER)
    with pytest.raises(PortalError, match="409"):
        await fake.remove(CONVERSATION, "like_child")


@pytest.mark.asyncio
async def test_unknown_conversation_is_not_found() -> None:
    with pytest.raises(PortalError, match="404"):
        await FakePortal().conversation("nobody-knows")


@pytest.mark.asyncio
async def test_fixtures_replace_the_client_methods(fake_portal, broken_portal) -> None:
    # broken_portal was installed last, so it wins.
    with pytest.raises(PortalError):
        await portal_module.portal.answers(CONVERSATION)
    assert broken_portal.calls == [("answers", CONVERSATION)]


@pytest.mark.asyncio
async def test_the_real_client_is_never_reached() -> None:
    with pytest.raises(AssertionError, match="real portal client"):
        await portal_module.portal.answers(CONVERSATION)
