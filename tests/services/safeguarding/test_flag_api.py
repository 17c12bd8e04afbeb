"""Safeguarding flags through the portal's HTTP API, without the Rasa server: raised by
`POST /api/v1/chat/{token}/messages`, listed by `GET /api/v1/cases/{id}/map` at once,
acknowledged by `POST /api/v1/flags/{id}/acknowledge`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.safeguarding.detector import detect
from bot.database.models import CaseAccess
from bot.portal.app import create_app
from tests.services.safeguarding.safeguarding_support import (
    DISCLOSURE,
    all_alerts,
    all_flags,
    flagged,
    new_family,
    worker,
)

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
FLAG_KEYS = {"id", "kind", "respondent_id", "text", "created_at", "acknowledged_by",
             "acknowledged_at"}


def parse_iso(value: str) -> datetime:
    assert isinstance(value, str) and ISO_UTC.match(value), f"not ISO 8601 UTC: {value!r}"
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=timezone.utc)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def alice(store):
    return await worker(store, "alice")


@pytest.fixture
async def bob(store):
    return await worker(store, "bob")


@pytest.fixture
async def family(store, alice):
    return await new_family(store, alice[0])


async def say(client, family, text: str, status: int = 200) -> dict:
    _, response = await client.post(f"/api/v1/chat/{family.token}/messages", json={"text": text})
    assert response.status == status, response.text
    return response.json


async def get_map(client, case_id: str, token: str) -> dict:
    _, response = await client.get(f"/api/v1/cases/{case_id}/map", headers=bearer(token))
    assert response.status == 200, response.text
    return response.json


async def acknowledge(client, flag_id: str, headers: dict) -> tuple[int, dict]:
    _, response = await client.post(f"/api/v1/flags/{flag_id}/acknowledge", headers=headers)
    return response.status, response.json


async def flag_over_http(client, family, token: str, text: str = DISCLOSURE) -> dict:
    await say(client, family, flagged(text))
    (flag,) = (await get_map(client, family.case["id"], token))["flags"]
    return flag


# On the map at once -------------------------------------------------------------------------


async def test_a_flag_is_on_the_map_at_once_before_the_person_submits(
        client, store, alice, family):
    before = datetime.now(timezone.utc)
    reply = await say(client, family, flagged(DISCLOSURE))  # 200 although Rasa is down
    assert "999" in reply["messages"][0]["text"]

    draft = await get_map(client, family.case["id"], alice[1])
    (flag,) = draft["flags"]
    assert set(flag) >= FLAG_KEYS
    assert flag["kind"] == "safeguarding"
    assert flag["text"] == DISCLOSURE
    assert flag["respondent_id"] == family.respondent_id
    assert flag["acknowledged_by"] is None and flag["acknowledged_at"] is None
    created = parse_iso(flag["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(timezone.utc)
    (respondent,) = draft["respondents"]
    assert respondent["id"] == family.respondent_id and respondent["status"] != "submitted"
    assert draft["items"] == []


async def test_items_wait_for_submission_but_the_flag_does_not(client, store, alice, family):
    conversation_id = (await store.respondent_for_token(family.token)).conversation_id
    await say(client, family, flagged(DISCLOSURE))
    await store.save_answer(conversation_id, "worries_1", "item",
                            "What are you worried about?", "Dad shouts when he drinks.",
                            section="worries", category="harm")

    draft = await get_map(client, family.case["id"], alice[1])
    assert [f["text"] for f in draft["flags"]] == [DISCLOSURE]
    assert draft["items"] == [] and draft["scales"] == [] and draft["network"] == []

    await store.submit(conversation_id)
    draft = await get_map(client, family.case["id"], alice[1])
    assert [f["text"] for f in draft["flags"]] == [DISCLOSURE]
    assert draft["items"], "a submitted answer shows on the map"
    assert all(item["respondent_id"] == family.respondent_id for item in draft["items"])


async def test_the_flag_keeps_the_whole_message_exactly_as_typed(client, alice, family):
    text = ("We do ok most days and my nan helps with the school run.   " * 12
            + "Sometimes my dad hits me with his belt when he is drunk. "
            + "I like football and drawing.  " * 12)
    assert len(text) > 500  # checked off the event loop
    assert detect(text) is not None
    await say(client, family, text)
    (flag,) = (await get_map(client, family.case["id"], alice[1]))["flags"]
    assert flag["text"] == text


async def test_a_too_long_disclosure_is_still_flagged_and_helped(client, alice, family):
    text = "my dad hits me every night. " + "and I do not know what to do. " * 200
    body = await say(client, family, text, status=422)
    assert "0800 1111" in body["error"] and "too long" in body["error"]
    (flag,) = (await get_map(client, family.case["id"], alice[1]))["flags"]
    # Kept only in part (issue 21): the first 4,000 characters, and a note of the cut.
    assert flag["text"] == text[:4000] + (
        f"\n[MapBot kept only part of this message: it was {len(text)} characters "
        "long, too long to take in one go.]")


async def test_sending_the_same_words_again_shows_one_flag(client, alice, family):
    first = await say(client, family, flagged(DISCLOSURE))
    again = await say(client, family, DISCLOSURE)
    assert again["messages"][0]["text"] == first["messages"][0]["text"]  # help both times
    flags = (await get_map(client, family.case["id"], alice[1]))["flags"]
    assert [f["text"] for f in flags] == [DISCLOSURE]


async def test_an_ordinary_message_raises_no_flag(client, alice, family):
    await say(client, family, "My nan helps with the school run.", status=503)
    assert (await get_map(client, family.case["id"], alice[1]))["flags"] == []


async def test_a_revoked_link_raises_no_flag(client, store, alice, family):
    await store.revoke_invitation(alice[0], family.respondent_id)
    await say(client, family, flagged(DISCLOSURE), status=410)
    assert await all_flags(store) == []


async def test_the_portal_writes_the_alerts_with_the_flag(
        portal_settings, store, alice, family, webhook, smtp):
    settings = replace(portal_settings, alert_webhook_url=webhook.url,
                       alert_webhook_secret="x", smtp_host="127.0.0.1", smtp_port=smtp.port,
                       alert_email_to="team@example.org")
    app = create_app(settings, store=store)
    app.config.TOUCHUP = False
    await say(app.asgi_client, family, flagged(DISCLOSURE))
    (flag,) = await all_flags(store)
    alerts = await all_alerts(store)
    assert sorted((a.flag_id, a.channel, a.event) for a in alerts) == [
        (flag.id, "email", "raised"), (flag.id, "webhook", "raised")]


# Acknowledging ------------------------------------------------------------------------------


async def test_acknowledging_records_who_and_when(client, alice, family):
    flag = await flag_over_http(client, family, alice[1])
    before = datetime.now(timezone.utc)
    status, body = await acknowledge(client, flag["id"], bearer(alice[1]))
    assert status == 200, body
    assert set(body) >= FLAG_KEYS
    assert body["id"] == flag["id"] and body["text"] == DISCLOSURE
    assert body["respondent_id"] == family.respondent_id
    assert body["acknowledged_by"] == "alice"
    when = parse_iso(body["acknowledged_at"])
    assert before - timedelta(seconds=1) <= when <= datetime.now(timezone.utc)

    (shown,) = (await get_map(client, family.case["id"], alice[1]))["flags"]
    assert shown["acknowledged_by"] == "alice"
    assert shown["acknowledged_at"] == body["acknowledged_at"]


async def test_acknowledging_twice_keeps_the_first_time(client, store, alice, bob, family):
    flag = await flag_over_http(client, family, alice[1])
    _, first = await acknowledge(client, flag["id"], bearer(alice[1]))
    status, second = await acknowledge(client, flag["id"], bearer(alice[1]))
    assert status == 200
    assert (second["acknowledged_by"], second["acknowledged_at"]) == (
        "alice", first["acknowledged_at"])

    # A colleague who was given the case later sees the first acknowledgement kept.
    async with store.sessions.begin() as session:
        session.add(CaseAccess(case_id=family.case["id"], worker_id=bob[0].id))
    status, third = await acknowledge(client, flag["id"], bearer(bob[1]))
    assert status == 200
    assert (third["acknowledged_by"], third["acknowledged_at"]) == (
        "alice", first["acknowledged_at"])


async def test_a_worker_given_the_case_can_acknowledge(client, store, alice, bob, family):
    flag = await flag_over_http(client, family, alice[1])
    async with store.sessions.begin() as session:
        session.add(CaseAccess(case_id=family.case["id"], worker_id=bob[0].id))
    status, body = await acknowledge(client, flag["id"], bearer(bob[1]))
    assert status == 200 and body["acknowledged_by"] == "bob"


async def test_another_workers_flag_is_404_and_stays_unacknowledged(client, alice, bob, family):
    flag = await flag_over_http(client, family, alice[1])
    status, body = await acknowledge(client, flag["id"], bearer(bob[1]))
    assert status == 404
    assert DISCLOSURE not in str(body) and family.case["reference"] not in str(body)
    (shown,) = (await get_map(client, family.case["id"], alice[1]))["flags"]
    assert shown["acknowledged_by"] is None and shown["acknowledged_at"] is None
    _, response = await client.get(f"/api/v1/cases/{family.case['id']}/map",
                                   headers=bearer(bob[1]))
    assert response.status == 404


async def test_an_unknown_flag_is_404_like_another_workers(client, alice, bob, family):
    flag = await flag_over_http(client, family, alice[1])
    unknown_status, unknown = await acknowledge(client, "0" * 32, bearer(alice[1]))
    foreign_status, foreign = await acknowledge(client, flag["id"], bearer(bob[1]))
    assert unknown_status == foreign_status == 404
    assert unknown == foreign  # nothing tells a stranger that the flag exists


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="},
], ids=["none", "empty", "wrong", "basic"])
async def test_acknowledging_needs_a_worker_token(client, alice, family, headers):
    flag = await flag_over_http(client, family, alice[1])
    status, _ = await acknowledge(client, flag["id"], headers)
    assert status == 401
    (shown,) = (await get_map(client, family.case["id"], alice[1]))["flags"]
    assert shown["acknowledged_at"] is None
