"""A person's data (GET /api/v1/respondents/{id}/data) and erasure (DELETE
/api/v1/respondents/{id}): bot/services/personal_data.py, through the real portal, on a
real database (SQLite, or PostgreSQL with MAPBOT_TEST_POSTGRES_URL) and a real tracker
store of Rasa's shape in the same kind of database."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from sqlalchemy import select, update

from bot.database.models import AuditEvent, Base, Respondent
from bot.database.models import Worker as WorkerRow
from bot.services import audit, web_sessions
from bot.services.retention import _sync_engine
from tests.portal.portal_support import PASSWORD, Worker
from tests.services.retention_support import on_disk

# Words nothing else holds, so they can be looked for anywhere afterwards.
JO_ANSWER = "Quillfeather pancakes on Sundays with Alex"
JO_MESSAGE = "Quillfeather pancakes on Sundays with Alex"
JO_FLAG_TEXT = "my partner Rennick grabbed my arm last night"
SAM_ANSWER = "Jo walks Alex to school every morning"
BOT_REPLY = "Thank you. What else is going well?"
TRACKER = sa.table("events", sa.column("sender_id"), sa.column("type_name"),
                   sa.column("data"))


def tracker_store(database_url: str, tmp_path) -> str:
    """Rasa's `events` table, empty: beside the portal's tables on PostgreSQL (the
    same server, as a council may run them), in its own file on SQLite."""
    url = database_url if database_url.startswith("postgres") else (
        f"sqlite:///{tmp_path / 'trackers.db'}")
    engine = _sync_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255), "
            "type_name VARCHAR(255), data TEXT)" if url.startswith("postgres") else
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
            "type_name VARCHAR(255), data TEXT)")
        connection.execute(TRACKER.delete())
    engine.dispose()
    return url


def tracker_rows(url: str) -> list[tuple[str, str]]:
    engine = _sync_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(TRACKER.c.sender_id, TRACKER.c.data)
                                  .order_by(TRACKER.c.sender_id, TRACKER.c.data)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def add_events(url: str, conversation_id: str, texts: list[str]) -> None:
    engine = _sync_engine(url)
    with engine.begin() as connection:
        for text in texts:
            connection.execute(TRACKER.insert().values(
                sender_id=conversation_id, type_name="user", data=f'{{"text": "{text}"}}'))
    engine.dispose()


async def family(portal, alice: Worker, case: dict, tracker_url: str) -> tuple[dict, dict]:
    """Jo answered, wrote, was flagged; Sam named Jo in an answer."""
    jo = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    sam = await portal.invite(alice, case["id"], "carer", "Sam Carer")
    store = portal.store
    await store.save_answer(jo["conversation_id"], "good_things", "item",
                            "What is going well?", JO_ANSWER, section="working_well")
    await store.record_messages(jo["id"], JO_MESSAGE, [BOT_REPLY])
    await store.raise_flag(jo["id"], "hurting_now", JO_FLAG_TEXT, None)
    await store.save_answer(sam["conversation_id"], "who_helps", "item", "Who helps?",
                            SAM_ANSWER, section="working_well")
    add_events(tracker_url, jo["conversation_id"], [JO_MESSAGE])
    add_events(tracker_url, sam["conversation_id"], [SAM_ANSWER])
    return jo, sam


async def everything_stored(store) -> str:
    """Every text and string column of every row of the portal's store, as one text."""
    found = []
    async with store.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                found.extend(str(value) for value in row if isinstance(value, str))
    return "\n".join(found)


async def test_a_persons_data_holds_every_kind_of_record(portal, alice, case, make_app,
                                                         database_url, tmp_path):
    tracker_url = tracker_store(database_url, tmp_path)
    jo, sam = await family(portal, alice, case, tracker_url)
    async with portal.store.sessions.begin() as session:  # as an invitation records them
        await session.execute(update(Respondent).where(Respondent.id == jo["id"]).values(
            assisted="interpreter", contact_sms="07700 900123", contact_safe=True))
    client = make_app(tracker_database_url=tracker_url).asgi_client
    _, response = await client.get(f"/api/v1/respondents/{jo['id']}/data",
                                   headers=alice.headers)
    assert response.status == 200, response.text
    data = response.json
    assert data["respondent"]["name"] == "Jo Parent"
    assert data["respondent"]["role"] == "parent"
    assert (data["respondent"]["assisted"], data["respondent"]["contact"]) == (
        "interpreter", {"sms": "07700 900123", "email": None, "safe_to_contact": True})
    assert data["case"] == {"id": case["id"], "reference": "CASE-0001"}
    assert [(a["question"], a["text"], a["redact"]) for a in data["answers"]] == [
        ("What is going well?", "Quillfeather pancakes on Sundays with Alex", False)]
    assert [i["text"] for i in data["items"]] == ["Quillfeather pancakes on Sundays with Alex"]
    assert [(m["sender"], m["text"], m["redact"]) for m in data["messages"]] == [
        ("person", "Quillfeather pancakes on Sundays with Alex", False),
        ("bot", "Thank you. What else is going well?", False)]
    assert [(f["category"], f["text"], f["acknowledged_at"]) for f in data["flags"]] == [
        ("hurting_now", "my partner Rennick grabbed my arm last night", None)]
    assert [(n["source"], n["respondent_id"], n["role"], n["text"], n["redact"])
            for n in data["named_by_others"]] == [
        ("answer", sam["id"], "carer", "Jo walks Alex to school every morning", True)]
    logged = [(e.action, e.target_type, e.target_id, e.case_id, e.detail)
              for _, e in await audit.events(portal.store) if e.action == "data_copy"]
    assert logged == [("data_copy", "respondent", jo["id"], case["id"], None)]


async def test_only_the_owner_or_an_administrator_gets_or_erases_a_persons_data(
        portal, alice, bob, case, invitation, make_app, database_url, tmp_path):
    client = make_app(tracker_database_url=tracker_store(database_url, tmp_path)).asgi_client
    await portal.client.post(f"/api/v1/cases/{case['id']}/access",
                             json={"username": "bob", "role": "viewer"}, headers=alice.headers)
    carol = await portal.add_worker("carol")  # nothing to do with the case
    await portal.store.add_worker("ada", PASSWORD, kind="administrator")
    token, _ = await portal.store.login("ada", PASSWORD, hours=1)
    ada = Worker("", "ada", token)
    data_url = f"/api/v1/respondents/{invitation['id']}/data"
    for worker, status in ((bob, 403), (carol, 404), (ada, 200), (alice, 200)):
        _, response = await portal.client.get(data_url, headers=worker.headers)
        assert response.status == status, (worker.username, response.text)
    _, refused = await portal.client.delete(f"/api/v1/respondents/{invitation['id']}",
                                            headers=bob.headers)
    assert refused.status == 403
    assert refused.json == {"error": "Only the case's owner or an administrator can give "
                                     "out or erase a person's data."}
    _, erased = await client.delete(f"/api/v1/respondents/{invitation['id']}",
                                    headers=ada.headers)
    assert erased.status == 200, erased.text


async def test_erasure_waits_for_an_open_flag_then_leaves_no_words(
        portal, alice, case, make_app, database_url, tmp_path):
    tracker_url = tracker_store(database_url, tmp_path)
    jo, sam = await family(portal, alice, case, tracker_url)
    client = make_app(tracker_database_url=tracker_url).asgi_client
    erase = f"/api/v1/respondents/{jo['id']}"

    _, refused = await client.delete(erase, headers=alice.headers)
    assert refused.status == 409
    assert refused.json == {"error": "This person has a safeguarding flag that nobody has "
                                     "read yet. Please read and acknowledge it first, so "
                                     "nobody's safety depends on words that are gone. Then "
                                     "their words can be erased."}
    assert "Quillfeather" in await everything_stored(portal.store)

    flag_id = (await portal.draft_map(alice, case["id"]))["flags"][0]["id"]
    _, acknowledged = await client.post(f"/api/v1/flags/{flag_id}/acknowledge",
                                        headers=alice.headers)
    assert acknowledged.status == 200
    _, response = await client.delete(erase, headers=alice.headers)
    assert response.status == 200, response.text
    assert response.json["erased"] is True
    assert [(k["kind"], k["id"]) for k in response.json["kept"]] == [
        ("invitation", jo["id"]), ("flag", flag_id)]

    stored = await everything_stored(portal.store)
    assert "Quillfeather" not in stored  # their answer, its item, their message
    assert "Rennick" in stored  # the acknowledged flag: the record of a safeguarding action
    assert "Jo walks Alex to school every morning" in stored  # Sam's words are Sam's
    assert tracker_rows(tracker_url) == [
        (sam["conversation_id"], '{"text": "Jo walks Alex to school every morning"}')]
    if database_url.startswith("sqlite"):  # nothing left in free pages or the WAL either
        for url in (database_url, tracker_url):
            assert on_disk(tmp_path / url.rsplit("/", 1)[1], "Quillfeather") == []

    async with portal.store.sessions() as session:
        erasures = list(await session.scalars(select(AuditEvent).where(
            AuditEvent.action == "erase")))
    assert [(e.username, e.target_type, e.target_id, e.case_id, e.via, e.detail)
            for e in erasures] == [
        ("alice", "respondent", jo["id"], case["id"], "api",
         "1 answers, 2 messages, 1 events; 1 flags kept")]
    _, after = await client.get(f"/api/v1/respondents/{jo['id']}/data", headers=alice.headers)
    assert (after.json["answers"], after.json["items"], after.json["messages"]) == ([], [], [])
    assert after.json["respondent"]["revoked_at"] is not None  # their link stopped


async def test_the_workers_page_shows_the_data_with_others_words_marked(
        portal, alice, bob, case, make_app, database_url, tmp_path):
    tracker_url = tracker_store(database_url, tmp_path)
    jo, sam = await family(portal, alice, case, tracker_url)
    await portal.client.post(f"/api/v1/cases/{case['id']}/access",
                             json={"username": "bob", "role": "viewer"}, headers=alice.headers)
    pages = {}
    for worker in (alice, bob):
        async with portal.store.sessions() as session:
            row = await session.get(WorkerRow, worker.id)
        cookie, _ = await web_sessions.start(portal.store, row)
        _, pages[worker.username] = await portal.client.get(
            f"/people/{jo['id']}/data", headers={"Cookie": f"{web_sessions.COOKIE}={cookie}"})
    owner = pages["alice"]
    assert owner.status == 200
    text = html.unescape(owner.text)
    for words in (JO_ANSWER, BOT_REPLY, JO_FLAG_TEXT, SAM_ANSWER,
                  "What MapBot holds about Jo Parent"):
        assert words in text, words
    named = text[text.index("Where others named them (1)"):]
    assert re.search(r'<strong class="redact">Redact</strong> An answer by the carer', named)
    assert pages["bob"].status == 403
    assert JO_ANSWER not in pages["bob"].text
    _, case_page = await portal.client.get(f"/cases/{case['id']}", headers={
        "Cookie": f"{web_sessions.COOKIE}={(await web_sessions.start(portal.store, row))[0]}"})
    assert f"/people/{jo['id']}/data" not in case_page.text  # bob's view: no such link
