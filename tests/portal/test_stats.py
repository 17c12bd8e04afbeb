"""`GET /api/v1/stats`, the Figures screen and its CSV: who may see them, what they hold,
and how the chat counts a question skipped or not understood (through a stand-in Rasa).

The numbers themselves are checked on a known set of cases in tests/services/test_stats.py;
here a small case is enough, its expected counts written out by hand.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from bot.database.models import QuestionEvent
from bot.database.models import Worker as WorkerRow
from bot.services import audit, web_sessions
from tests.portal.portal_support import PASSWORD, Worker


async def add(portal, username: str, kind: str = "worker") -> Worker:
    worker_id = await portal.store.add_worker(username, PASSWORD, kind=kind)
    token, _ = await portal.store.login(username, PASSWORD, hours=1)
    return Worker(worker_id, username, token)


async def cookie_for(portal, worker: Worker) -> dict[str, str]:
    """A signed-in browser session for the screens."""
    async with portal.store.sessions() as session:
        row = await session.scalar(select(WorkerRow).where(WorkerRow.id == worker.id))
    session_id, _ = await web_sessions.start(portal.store, row)
    return {"cookie": f"{web_sessions.COOKIE}={session_id}"}


async def say(portal, invitation: dict, text: str) -> list[dict]:
    _, response = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                           json={"text": text})
    assert response.status == 200, response.text
    return response.json["messages"]


async def events(portal) -> list[tuple[str, str, int]]:
    async with portal.store.sessions() as session:
        rows = await session.execute(select(QuestionEvent.event, QuestionEvent.question_key,
                                            QuestionEvent.turn).order_by(QuestionEvent.id))
        return [tuple(row) for row in rows]


# Who may see them ------------------------------------------------------------------------


async def test_without_a_token_the_figures_are_401(portal):
    _, response = await portal.client.get("/api/v1/stats")
    assert response.status == 401
    _, response = await portal.client.get("/api/v1/stats",
                                          headers={"Authorization": "Bearer not-a-token"})
    assert response.status == 401


@pytest.mark.parametrize("kind", ["worker", "duty", "manager"])
async def test_workers_duty_workers_and_managers_are_refused_kindly(portal, kind):
    worker = await add(portal, "wren", kind)
    _, response = await portal.client.get("/api/v1/stats", headers=worker.headers)
    assert response.status == 403
    assert response.json == {
        "error": "The service's figures are for administrators."}
    assert [(e.action, e.detail) for _, e in await audit.events(portal.store, username="wren")
            ] == [("refused", "figures: not an administrator")]


async def test_administrators_see_the_figures(portal, alice, case):
    await portal.invite(alice, case["id"], "parent", "Jo Parent")
    await portal.invite(alice, case["id"], "child", "Kit Child")
    boss = await add(portal, "morgan", "administrator")
    _, response = await portal.client.get("/api/v1/stats", headers=boss.headers)
    assert response.status == 200
    invited = response.json["invitations"]
    assert invited["total"] == {"sent": 2, "started": 0, "sent_back": 0}
    assert invited["by_role"] == [{"role": "parent", "sent": 1, "started": 0, "sent_back": 0},
                                  {"role": "child", "sent": 1, "started": 0, "sent_back": 0}]
    assert invited["by_worker"] == [{"worker": "alice", "sent": 2, "started": 0,
                                     "sent_back": 0}]
    for words in ("Jo Parent", "Kit Child", "Alex Example", "CASE-0001"):
        assert words not in response.text
    assert [(e.action, e.target_type) for _, e in
            await audit.events(portal.store, username="morgan")] == [("view", "figures")]


async def test_the_openapi_document_has_the_figures(portal):
    _, response = await portal.client.get("/api/v1/openapi.json")
    stats = response.json["paths"]["/api/v1/stats"]["get"]
    assert set(stats["responses"]) == {"200", "401", "403"}
    schema = stats["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["generated_at", "invitations", "completion", "questions",
                                  "flags", "ease"]


# The screen and its CSV ------------------------------------------------------------------


async def test_the_screen_asks_to_sign_in_and_refuses_a_worker(portal):
    _, response = await portal.client.get("/figures", follow_redirects=False)
    assert response.status == 303
    assert response.headers["location"].startswith("/login")
    worker = await add(portal, "wren")
    for path in ("/figures", "/figures.csv"):
        _, response = await portal.client.get(path, headers=await cookie_for(portal, worker))
        assert response.status == 403
        assert "for administrators" in response.text
        assert "Figures</a>" not in response.text  # no link to it either


async def test_the_screen_shows_each_chart_with_its_table(portal, alice, case):
    await portal.invite(alice, case["id"], "parent", "Jo Parent")
    boss = await add(portal, "morgan", "administrator")
    _, response = await portal.client.get("/figures", headers=await cookie_for(portal, boss))
    assert response.status == 200
    page = response.text
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 6
    assert page.count('<table class="figure-table">') == 6
    assert '<a href="/figures">Figures</a>' in page
    assert "<th scope=\"row\">parent</th><td>1</td><td>0</td><td>0</td>" in page
    assert "Jo Parent" not in page and "Alex Example" not in page


async def test_the_csv_has_every_number_and_no_words(portal, alice, case):
    await portal.invite(alice, case["id"], "parent", "Jo Parent")
    await portal.invite(alice, case["id"], "parent", "Sam Parent")
    boss = await add(portal, "=cmd|calc", "administrator")
    _, response = await portal.client.get("/figures.csv", headers=await cookie_for(portal, boss))
    assert response.status == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="mapbot-figures-')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["figure", "grouped_by", "group", "measure", "value"]
    assert ["invitations", "total", "", "sent", "2"] in rows
    assert ["invitations", "by_role", "parent", "sent", "2"] in rows
    assert ["invitations", "by_worker", "alice", "started", "0"] in rows
    assert ["completion", "total", "", "median_minutes", ""] in rows
    assert ["flags", "total", "", "raised", "0"] in rows
    assert ["ease", "total", "", "answers", "0"] in rows
    assert "Jo Parent" not in response.text
    assert [(e.action, e.detail) for _, e in
            await audit.events(portal.store, username="=cmd|calc")] == [("export", "format=csv")]


async def test_a_username_that_looks_like_a_formula_stays_text_in_the_csv(portal, case):
    sneaky = await add(portal, "=1+1")
    other = await portal.create_case(sneaky, "CASE-0002", "Sam Example")
    await portal.invite(sneaky, other["id"], "carer", "Lee Carer")
    boss = await add(portal, "morgan", "administrator")
    _, response = await portal.client.get("/figures.csv", headers=await cookie_for(portal, boss))
    assert ["invitations", "by_worker", "'=1+1", "sent", "1"] in list(
        csv.reader(io.StringIO(response.text)))


# What the chat counts ------------------------------------------------------------------


async def test_a_skipped_question_and_i_dont_understand_are_counted_once(
        portal, invitation, fake_rasa):
    await say(portal, invitation, "hello")  # turn 0: the welcome
    fake_rasa.reply = [{"text": "That's fine, we can skip that one."},
                       {"custom": {"skipped": "going_well"}},
                       {"text": "What was life like before?"},
                       {"custom": {"question": "before_problem"}}]
    await say(portal, invitation, "skip")  # turn 1
    fake_rasa.reply = [{"text": "Think back to a time before things got hard."},
                       {"custom": {"question": "before_problem", "simpler": True}}]
    await say(portal, invitation, "I don't understand")  # turn 2
    fake_rasa.reply = [{"text": "Thank you."}, {"custom": {"question": "near_miss"}}]
    await say(portal, invitation, "It was calmer then")  # turn 3: an answer, no event
    assert await events(portal) == [("skipped", "going_well", 1),
                                    ("explained", "before_problem", 2)]
    boss = await add(portal, "morgan", "administrator")
    _, response = await portal.client.get("/api/v1/stats", headers=boss.headers)
    assert response.json["questions"] == [
        {"question": "before_problem", "skipped": 0, "not_understood": 1},
        {"question": "going_well", "skipped": 1, "not_understood": 0}]
