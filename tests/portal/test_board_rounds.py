"""The board's worker's part, rounds, every voice and the chart, as served (no browser:
tests/e2e/test_worker_part.py drives the same screens in Chromium)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from bot.database.models import AuditEvent
from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions
from tests.portal.test_rounds_analysis import MUM, NAN


@pytest.fixture
async def browser_of(portal):
    """A signed-in screen session for a worker: (cookie header, CSRF token)."""
    async def browser_of(worker) -> tuple[dict, str]:
        async with portal.store.sessions() as session:
            row = await session.get(WorkerRow, worker.id)
        cookie, csrf = await web_sessions.start(portal.store, row)
        return {"Cookie": f"{web_sessions.COOKIE}={cookie}"}, csrf

    return browser_of


async def _respond(portal, alice, case, answers, role, name) -> dict:
    invitation = await portal.invite(alice, case["id"], role, name)
    for key, body in answers.items():
        await portal.answer(invitation["conversation_id"], key, **body)
    await portal.submit(invitation["conversation_id"])
    return invitation


CHILD = {
    "good_life": {"kind": "item", "house": "good_things", "question": "What is good?",
                  "text": "my cat Tigger"},
    "worries_what": {"kind": "item", "house": "worries", "question": "What worries you?",
                     "text": "wen mum and dad shout"},
    "trusted_adults": {"kind": "network", "question": "Who do you trust?",
                       "text": "Mrs Patel"},
    "scale": {"kind": "scale", "question": "How safe do you feel at home?", "text": "2",
              "value": 2},
}


def _text(html: str) -> str:
    """The page's words without tags, spaces made single."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


async def test_the_board_shows_every_voice_and_the_worker_s_part(portal, alice, case,
                                                                 browser_of):
    await _respond(portal, alice, case, MUM, "parent", "Mum")
    await _respond(portal, alice, case, NAN, "network", "Nan")
    await _respond(portal, alice, case, CHILD, "child", "Jamie")
    headers, _ = await browser_of(alice)
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    assert screen.status == 200
    words = _text(screen.text)
    assert "Round 1: First mapping" in words
    assert "Everyone's numbers: Mum 7, Nan 4, Jamie 2" in words
    assert ("In the child's words Jamie (child) House of good things my cat Tigger – Jamie "
            "(child)") in words
    assert "Their number: 2 out of 10, answering “How safe do you feel at home?”" in words
    assert "Adults they trust: Mrs Patel" in words
    assert ("Who said what in this column Mum (parent) Dad shouts when he drinks. The flat "
            "is damp. Nan (family network) Nobody checks on Alex at night. Jamie (child) "
            "wen mum and dad shout") in words
    assert ("The family's worries, by who said them Mum “Dad shouts when he drinks.” – Mum "
            "(parent) “The flat is damp.” – Mum (parent) Nan “Nobody checks on Alex at "
            "night.” – Nan (family network) Jamie “wen mum and dad shout” – Jamie (child)"
            ) in words
    assert "How would that affect Alex Example?" in words
    assert 'action="/cases/' + case["id"] + '/analysis"' in screen.text


async def test_an_edited_item_shows_the_person_s_words_first(portal, alice, case, browser_of):
    await _respond(portal, alice, case, {"worried_about": MUM["worried_about"]}, "parent",
                   "Mum")
    item = (await portal.draft_map(alice, case["id"]))["items"][0]
    _, response = await portal.client.patch(f"/api/v1/items/{item['id']}",
                                            json={"text": "Dad shouts when drunk."},
                                            headers=alice.headers)
    assert response.status == 200
    headers, _ = await browser_of(alice)
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    assert ("Dad shouts when he drinks. The worker's wording: Dad shouts when drunk. "
            "Mum (parent) , answering") in _text(screen.text)


async def test_the_form_saves_and_a_stale_form_gets_409(portal, alice, case, browser_of):
    await _respond(portal, alice, case, MUM, "parent", "Mum")
    ids = {i["text"]: i["id"] for i in (await portal.draft_map(alice, case["id"]))["items"]}
    headers, csrf = await browser_of(alice)
    form = {"csrf_token": csrf, "version": "0",
            "danger_statements-0-text": "Mum worries that Dad shouts when he drinks.",
            "danger_statements-0-evidence": ids["Dad shouts when he drinks."],
            "safety_goals-0-text": "", "grey_areas-0-text": "",
            "next_steps-0-text": "Meet the family", "next_steps-0-who": "Sam",
            "next_steps-0-by": "Friday", "judgement-value": "5", "judgement-why": "Early"}
    _, saved = await portal.client.post(f"/cases/{case['id']}/analysis", data=form,
                                        headers=headers)
    assert saved.status == 303
    assert saved.headers["location"] == (f"/cases/{case['id']}/board?done=analysis_saved"
                                         "#worker-part")
    _, api = await portal.client.get(f"/api/v1/cases/{case['id']}/analysis",
                                     headers=alice.headers)
    found = api.json
    assert found["version"] == 1
    assert [(d["text"], d["evidence"]) for d in found["danger_statements"]] == [
        ("Mum worries that Dad shouts when he drinks.", [ids["Dad shouts when he drinks."]])]
    assert [(s["text"], s["who"], s["by"]) for s in found["next_steps"]] == [
        ("Meet the family", "Sam", "Friday")]
    assert found["judgement"] == {"value": 5, "why": "Early"}
    async with portal.store.sessions() as session:
        logged = (await session.execute(select(AuditEvent.via, AuditEvent.detail).where(
            AuditEvent.action == "edit", AuditEvent.target_type == "analysis"))).all()
    assert [tuple(row) for row in logged] == [("web", "saved as version 1")]

    _, stale = await portal.client.post(f"/cases/{case['id']}/analysis", data=form | {
        "danger_statements-0-text": "From the other tab"}, headers=headers)
    assert stale.status == 409
    words = _text(stale.text)
    assert "Someone saved the worker's part of this map after you opened it" in words
    assert "Danger statements: From the other tab" in words


async def test_a_second_round_and_the_chart(portal, alice, case, browser_of):
    await _respond(portal, alice, case, MUM, "parent", "Mum")
    (damp,) = [i["id"] for i in (await portal.draft_map(alice, case["id"]))["items"]
               if i["text"] == "The flat is damp."]
    _, put = await portal.client.put(f"/api/v1/cases/{case['id']}/analysis", json={
        "version": 0, "grey_areas": [{"text": "How damp", "evidence": [damp]}]},
        headers=alice.headers)
    assert put.status == 200
    headers, csrf = await browser_of(alice)
    _, started = await portal.client.post(f"/cases/{case['id']}/rounds", data={
        "csrf_token": csrf, "label": "Review conference, March"}, headers=headers)
    assert started.status == 303
    await _respond(portal, alice, case, {"scale": dict(MUM["scale"], text="9", value=9)},
                   "parent", "Mum")
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers=headers)
    words = _text(screen.text)
    assert "Round 2: Review conference, March" in words
    assert ("The numbers in each round Person and scale Round 1: First mapping Round 2: "
            "Review conference, March Mum (parent) 7 9") in words
    svg = re.search(r"<svg.*?</svg>", screen.text, re.S).group(0)
    assert 'role="img"' in svg and ">Mum (parent): 9</text>" in svg
    assert ">Round 1</text>" in svg and ">Round 2</text>" in svg
    # The grey area still rests on the first round's words, ticked, so a save keeps it.
    assert re.search(r'<input type="checkbox" id="grey_areas-0-ev-' + damp + r'" name='
                     r'"grey_areas-0-evidence" value="' + damp + r'" checked>\s*<label [^>]+>'
                     r'“The flat is damp.” – Mum \(parent\) \(an earlier round\)</label>',
                     screen.text)
    _, first = await portal.client.get(f"/cases/{case['id']}/board?round=1", headers=headers)
    assert "This is an earlier round" in _text(first.text)
    assert 'action="/cases/' + case["id"] + '/analysis"' not in first.text
    _, empty = await portal.client.post(f"/cases/{case['id']}/rounds", data={
        "csrf_token": csrf, "label": " "}, headers=headers)
    assert empty.status == 422
