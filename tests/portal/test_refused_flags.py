"""Messages refused as too long or too fast (issue 21, item 1): a disclosure in them is
still kept as a flag, its text capped and saying so; the person's flags share one alert,
and a flood from one link stays one line on the duty worker's Flags screen."""

from __future__ import annotations

import re

from bot.database.models import Alert, Flag
from bot.database.models import Worker as WorkerRow
from bot.portal import chat as portal_chat
from bot.services import audit, web_sessions
from tests.portal.portal_support import PASSWORD

DISCLOSURE = "my dad hits me when mum is out"
NOTE = "MapBot kept only part of this message"


def chat_url(invitation) -> str:
    return f"/api/v1/chat/{invitation['token']}/messages"


async def flags_of(portal, alice, case) -> list[dict]:
    return (await portal.draft_map(alice, case["id"]))["flags"]


async def test_a_too_long_disclosure_is_flagged_with_its_text_capped(
        portal, alice, case, invitation, settings):
    limit = settings.max_message_chars
    text = DISCLOSURE + " " + "and then more words. " * (limit // 10)
    _, response = await portal.client.post(chat_url(invitation), json={"text": text})
    assert response.status == 422
    [flag] = await flags_of(portal, alice, case)
    assert flag["text"].startswith(DISCLOSURE)
    assert NOTE in flag["text"] and f"it was {len(text)} characters long" in flag["text"]
    assert len(flag["text"]) < limit + 200


async def test_words_after_the_cut_are_kept(portal, alice, case, invitation, settings):
    limit = settings.max_message_chars
    text = "we went to the park. " * (limit // 10) + DISCLOSURE
    _, response = await portal.client.post(chat_url(invitation), json={"text": text})
    assert response.status == 422
    [flag] = await flags_of(portal, alice, case)
    assert "hits me" in flag["text"] and NOTE in flag["text"]
    assert len(flag["text"]) < limit + 200


async def test_too_fast_disclosures_keep_every_flag_and_alert_once(
        portal, make_app, alice, case, invitation):
    client = make_app(alert_webhook_url="https://alerts.example.org/hook",
                      alert_webhook_secret="w" * 40).asgi_client
    sent = portal_chat.RATE_LIMIT + 5
    statuses = []
    for n in range(sent):
        _, response = await client.post(chat_url(invitation),
                                        json={"text": f"{DISCLOSURE} ({n})"})
        statuses.append(response.status)
    assert statuses[-5:] == [429] * 5
    assert len(await flags_of(portal, alice, case)) == sent == await portal.count(Flag)
    assert await portal.count(Alert) == 1  # one webhook, for the first flag


async def test_a_flood_from_one_person_is_one_line_on_the_flags_screen(
        portal, alice, case, invitation):
    """A duty worker's Flags screen: forty messages from one link, then one from another
    family. The other family's flag is not pushed down: each person is one line."""
    for n in range(40):
        await portal.client.post(chat_url(invitation), json={"text": f"{DISCLOSURE} ({n})"})
    other_case = await portal.create_case(alice, "CASE-0002", "Sam Example")
    other = await portal.invite(alice, other_case["id"], "carer", "Kim Carer")
    await portal.client.post(chat_url(other), json={"text": "he hit me last night"})
    assert await portal.count(Flag) == 41

    duty_id = await portal.store.add_worker("dee", PASSWORD, kind="duty")
    async with portal.store.sessions() as session:
        duty = await session.get(WorkerRow, duty_id)
    cookie, _ = await web_sessions.start(portal.store, duty)
    _, page = await portal.client.get("/flags", headers={
        "Cookie": f"{web_sessions.COOKIE}={cookie}"})
    assert page.status == 200
    rows = re.findall(r"<tr>.*?</tr>", page.text, re.DOTALL)[1:]  # after the heading row
    assert len(rows) == 2
    assert "CASE-0001" in rows[0] and '<td class="flag-count">40</td>' in rows[0]
    assert "CASE-0002" in rows[1] and '<td class="flag-count">1</td>' in rows[1]


async def test_the_board_acknowledges_a_persons_flood_at_once(portal, alice, case,
                                                              invitation):
    """After reading them, one button acknowledges every open flag of that person (each
    in the audit log); another person's flag in the same case stays open."""
    for n in range(5):
        await portal.client.post(chat_url(invitation), json={"text": f"{DISCLOSURE} ({n})"})
    other = await portal.invite(alice, case["id"], "carer", "Kim Carer")
    await portal.client.post(chat_url(other), json={"text": "he hit me last night"})
    flags = await flags_of(portal, alice, case)
    mine = [f["id"] for f in flags if f["respondent_id"] == invitation["id"]]
    assert len(mine) == 5 and len(flags) == 6

    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    headers = {"Cookie": f"{web_sessions.COOKIE}={cookie}"}
    _, board = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    assert board.text.count("I have read all 5 messages from") == 1
    assert "I have read all 1 " not in board.text
    _, done = await portal.client.post(
        f"/cases/{case['id']}/flags/{mine[-1]}/acknowledge", headers=headers,
        data={web_sessions.CSRF_FIELD: csrf, "all_from_person": "yes"},
        follow_redirects=False)
    assert done.status == 303
    still_open = [f["id"] for f in await flags_of(portal, alice, case)
                  if f["acknowledged_at"] is None]
    assert still_open == [f["id"] for f in flags if f["id"] not in mine]
    logged = [e.target_id for _, e in await audit.events(portal.store)
              if e.action == "acknowledge"]
    assert sorted(logged) == sorted(mine)
