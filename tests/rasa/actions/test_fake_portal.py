"""The fake portal must behave like the internal endpoint, or the other tests prove little."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from actions import portal as portal_module
from actions.portal import Portal, PortalError
from tests.rasa.conftest import CONVERSATION, ROOT, FakePortal

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


# The fake against the real endpoint ----------------------------------------------------------
#
# The Rasa environment cannot run the portal, so the real endpoint's answers to the same
# calls are recorded (tests/portal/test_internal_recorded.py checks they are still what the
# endpoint answers). Here they are served over HTTP to the real client (actions/portal.py),
# and what the client returns, or the PortalError it raises, must be what the fake gives.

CONTRACT = ROOT / "tests" / "data" / "internal_endpoint"
REAL_CALL = Portal._call  # before the autouse fixture replaces it


def _outcome_of(value: Any) -> tuple[str, Any]:
    if isinstance(value, dict) and "submitted_at" in value:
        value = value | {"submitted_at": "<submitted_at>"}  # the clock's, as recorded
    return ("returns", value)


async def _outcomes(portal: Any, calls: list[list]) -> list[tuple[str, Any]]:
    outcomes = []
    for method, *args in calls:
        try:
            outcomes.append(_outcome_of(await getattr(portal, method)(*args)))
        except PortalError as error:
            outcomes.append(("raises", str(error)))
    return outcomes


async def _replaying_server(recorded: list[dict]) -> tuple[web.AppRunner, str]:
    """The recorded answers, in order, on loopback; each request must be the recorded
    call's (method and path), or the test fails."""
    queue = list(recorded)
    methods = {"conversation": "GET", "answers": "GET", "save": "PUT", "remove": "DELETE",
               "submit": "POST"}

    async def answer(request: web.Request) -> web.Response:
        step = queue.pop(0)
        method, conversation, *rest = step["call"]
        path = f"/internal/v1/conversations/{conversation}"
        path += {"answers": "/answers", "submit": "/submit"}.get(method, "")
        path += f"/answers/{rest[0]}" if method in ("save", "remove") else ""
        assert (request.method, request.path) == (methods[method], path), step["call"]
        return web.json_response(step["body"], status=step["status"])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.mark.asyncio
async def test_the_fake_answers_as_the_real_endpoint_did(monkeypatch) -> None:
    spec = json.loads((CONTRACT / "calls.json").read_text())
    recorded = json.loads((CONTRACT / "responses.json").read_text())
    calls = spec["calls"]
    assert len(recorded) == len(calls)

    runner, url = await _replaying_server(recorded)
    monkeypatch.setattr(Portal, "_call", REAL_CALL)
    monkeypatch.setenv("MAPBOT_PORTAL_INTERNAL_URL", url)
    monkeypatch.setenv("MAPBOT_INTERNAL_SECRET", "s3cret")
    client = Portal()
    try:
        real = await _outcomes(client, calls)
    finally:
        if client._session is not None:
            await client._session.close()
        await runner.cleanup()

    fake = FakePortal()
    fake.conversations.clear()
    fake.stored.clear()
    fake.add_conversation("CONVERSATION", **spec["conversation"])
    faked = await _outcomes(fake, calls)
    for number, (call, was, now) in enumerate(zip(calls, real, faked, strict=True)):
        assert now == was, f"call {number}: {call[:3]}"
