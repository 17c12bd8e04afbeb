"""The demo's rows (bot/services/demo.py): marked, alerting nobody, and removed without
touching anything real, Rasa's conversation store included. Real database (SQLite, or
PostgreSQL with MAPBOT_TEST_POSTGRES_URL)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from bot.core.alert_routes import Contact, Route
from bot.database.models import Alert, Case, Worker
from bot.services.demo import NameTaken, create_demo, remove_demo
from tests import database_fixtures
from tests.services.retention_support import family_case, tracker_database, worker

database_url = database_fixtures.database_url
fast_passwords = database_fixtures.fast_passwords
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store

ROUTE = Route("office", 1, (Contact("email", "duty@example.org"),))


async def _count(store, model, *where) -> int:
    async with store.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_demo_is_marked_alerts_nobody_and_goes_without_anything_real(
        store, tmp_path) -> None:
    alice = await worker(store)
    real = await family_case(store, alice, "REF-1")
    case_id, (invited,) = await create_demo(store, "a demo password", [("parent", "Sam")],
                                            days=28)
    async with store.sessions() as session:
        assert (await session.get(Case, case_id)).reference == "DEMO-1"
        assert (await session.get(Case, case_id)).demo is True
        assert (await session.get(Case, real.case_id)).demo is False
        demo_worker = await session.scalar(select(Worker).where(Worker.username == "demo"))
        assert demo_worker.demo is True and demo_worker.kind == "worker"
    demo_person = await store.respondent_for_token(invited.token)
    demo_flag = await store.raise_flag(demo_person.id, "hurting_now", "made-up words", ROUTE)
    real_flag = await store.raise_flag(real.respondent_id, "hurting_now", "real words", ROUTE)
    assert await _count(store, Alert, Alert.flag_id == demo_flag["id"]) == 0
    assert await _count(store, Alert, Alert.flag_id == real_flag["id"]) == 1

    trackers = tmp_path / "trackers.db"
    tracker_database(trackers, real.conversation_id, "real words")
    url = tracker_database(trackers, demo_person.conversation_id, "made-up words")
    removed = await remove_demo(store, url)
    assert (removed.cases, removed.workers, removed.tracker_events) == (1, 1, 1)
    assert await _count(store, Case) == 1
    assert await _count(store, Worker, Worker.username == "demo") == 0
    assert await _count(store, Alert) == 1
    with sqlite3.connect(trackers) as connection:
        assert connection.execute("SELECT sender_id FROM events").fetchall() == [
            (real.conversation_id,)]


async def test_a_real_worker_called_demo_stops_the_demo(store) -> None:
    await worker(store, "demo")
    with pytest.raises(NameTaken):
        await create_demo(store, "a demo password", [("parent", "Sam")], days=28)
    assert await _count(store, Case) == 0
    removed = await remove_demo(store, f"sqlite:///{'/nonexistent/none.db'}")
    assert (removed.cases, removed.workers) == (0, 0)
    assert await _count(store, Worker, Worker.username == "demo") == 1
