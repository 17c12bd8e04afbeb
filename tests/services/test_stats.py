"""The managers' figures (bot/services/stats.py) on a known set of cases.

The cases are built here through the services, with literal times; every expected
number below is worked out by hand from them, never by the code under test.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from bot.database.models import Case, QuestionEvent, Respondent, Worker
from bot.services.store import Store
from tests import database_fixtures

database_url = database_fixtures.database_url
fast_passwords = database_fixtures.fast_passwords
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store

SECRET_WORDS = ("Jo Parent", "Kit Child", "I am scared of him", "my uncle hits me",
                "the chat was confusing for me", "Alex Example", "CASE-0001")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


async def worker(store: Store, username: str) -> Worker:
    worker_id = await store.add_worker(username, "a long enough password")
    async with store.sessions() as session:
        found = await session.get(Worker, worker_id)
    assert found is not None
    return found


async def invite(store: Store, owner: Worker, case_id: str, role: str, name: str) -> dict:
    invitation, _ = await store.create_invitation(owner, case_id, role, name, 30)
    async with store.sessions() as session:
        respondent = await session.get(Respondent, invitation["id"])
    assert respondent is not None
    return {"id": respondent.id, "conversation_id": respondent.conversation_id}


async def set_times(store: Store, person: dict, sent: str, started: str | None = None,
                    sent_back: str | None = None) -> None:
    """The invitation's moments, as they would have happened (the services stamp 'now')."""
    async with store.sessions.begin() as session:
        await session.execute(update(Respondent).where(Respondent.id == person["id"]).values(
            created_at=at(sent), started_at=at(started) if started else None,
            submitted_at=at(sent_back) if sent_back else None,
            status="submitted" if sent_back else "in_progress" if started else "invited"))


async def ease(store: Store, person: dict, value: int, words: str) -> None:
    """The "was this easy" answer as wt41's question stores it (answers storage)."""
    await store.save_answer(person["conversation_id"], "ease", "feedback",
                            "Was this easy to do?", words, value=value)


@pytest.fixture
async def known(store: Store) -> Store:
    """Two workers, two cases, six invitations, three flags, four ease answers, events."""
    ana, ben = await worker(store, "ana"), await worker(store, "ben")
    first = await store.create_case(ana, "CASE-0001", "Alex Example")
    second = await store.create_case(ben, "CASE-0002", "Sam Example")
    parent = await invite(store, ana, first["id"], "parent", "Jo Parent")
    child = await invite(store, ana, first["id"], "child", "Kit Child")
    carer = await invite(store, ana, first["id"], "carer", "Lee Carer")
    network = await invite(store, ben, second["id"], "network", "Max Network")
    parent2 = await invite(store, ben, second["id"], "parent", "Ola Parent")
    young = await invite(store, ben, second["id"], "young_person", "Pip Young")

    # The answers to "was this easy?" (while the conversations are open), one comment.
    await ease(store, parent, 2, "easy")
    await store.save_answer(parent["conversation_id"], "ease_comment", "feedback",
                            "Anything to add?", "the chat was confusing for me")
    await ease(store, child, 0, "hard")
    await ease(store, network, 2, "easy")
    await ease(store, parent2, 1, "partly")
    await store.save_answer(young["conversation_id"], "like_child", "item",
                            "What do you like?", "Jo Parent makes me laugh",
                            section="working_well")

    # November: three sent; two started and sent back (30 and 60 minutes).
    await set_times(store, parent, "2026-11-03T09:00", "2026-11-03T10:00", "2026-11-03T10:30")
    await set_times(store, child, "2026-11-03T09:05", "2026-11-04T09:00", "2026-11-04T10:00")
    await set_times(store, carer, "2026-11-10T12:00")
    # December: nothing at all. January: three sent; two started; one sent back (a day).
    await set_times(store, network, "2027-01-05T08:00", "2027-01-05T12:00", "2027-01-06T12:00")
    await set_times(store, parent2, "2027-01-05T08:10", "2027-01-06T08:00")
    await set_times(store, young, "2027-01-07T08:00")

    # Flags: acknowledged after 15 minutes and 4 hours; one still open for a day.
    one = await store.raise_flag(parent["id"], "harm", "I am scared of him", None,
                                 "immediate", now=at("2026-11-03T10:10"))
    two = await store.raise_flag(child["id"], "harm", "my uncle hits me", None, "concern",
                                 now=at("2026-11-04T09:30"))
    await store.raise_flag(network["id"], "harm", "I am scared of him", None, "immediate",
                           now=at("2027-01-05T12:00"))
    await store.acknowledge_flag(ana, one["id"], now=at("2026-11-03T10:25"))
    await store.acknowledge_flag(ana, two["id"], now=at("2026-11-04T13:30"))
    store.clock = lambda: at("2027-01-06T12:00")

    # Questions: the assistant's replies as the portal receives them.
    skipped = [{"text": "That's fine, we can skip it.", "custom": {"skipped": "going_well"}},
               {"text": "Next question", "custom": {"question": "before_problem"}}]
    assert await store.note_question_events(parent["id"], 3, skipped) == 1
    assert await store.note_question_events(parent["id"], 3, skipped) == 0  # replayed
    simpler = [{"text": "In other words...",
                "custom": {"question": "near_miss", "simpler": True}}]
    assert await store.note_question_events(parent["id"], 5, simpler) == 1
    for turn in (2, 4):
        assert await store.note_question_events(child["id"], turn, [
            {"text": "OK", "custom": {"skipped": "good_life"}}]) == 1
    assert await store.note_question_events(child["id"], 6, [
        {"text": "What worries you?", "custom": {"question": "worries"}}]) == 0
    return store


async def test_the_figures_of_a_known_set_of_cases(known: Store) -> None:
    found = await known.figures()
    assert found["generated_at"] == "2027-01-06T12:00:00Z"
    assert found["invitations"] == {
        "total": {"sent": 6, "started": 4, "sent_back": 3},
        "by_role": [
            {"role": "parent", "sent": 2, "started": 2, "sent_back": 1},
            {"role": "carer", "sent": 1, "started": 0, "sent_back": 0},
            {"role": "network", "sent": 1, "started": 1, "sent_back": 1},
            {"role": "young_person", "sent": 1, "started": 0, "sent_back": 0},
            {"role": "child", "sent": 1, "started": 1, "sent_back": 1}],
        "by_worker": [
            {"worker": "ana", "sent": 3, "started": 2, "sent_back": 2},
            {"worker": "ben", "sent": 3, "started": 2, "sent_back": 1}],
        "by_month": [
            {"month": "2026-11", "sent": 3, "started": 2, "sent_back": 2},
            {"month": "2026-12", "sent": 0, "started": 0, "sent_back": 0},
            {"month": "2027-01", "sent": 3, "started": 2, "sent_back": 1}]}
    assert found["completion"] == {"completed": 3, "median_minutes": 60.0}
    assert found["questions"] == [
        {"question": "going_well", "skipped": 1, "not_understood": 0},
        {"question": "good_life", "skipped": 2, "not_understood": 0},
        {"question": "near_miss", "skipped": 0, "not_understood": 1}]
    assert found["flags"] == {
        "raised": 3, "acknowledged": 2, "open": 1, "median_wait_minutes": 127.5,
        "longest_wait_minutes": 240.0,
        "each": [
            {"level": "immediate", "raised_at": "2026-11-03T10:10:00Z",
             "acknowledged_at": "2026-11-03T10:25:00Z", "open": False,
             "waited_minutes": 15.0},
            {"level": "concern", "raised_at": "2026-11-04T09:30:00Z",
             "acknowledged_at": "2026-11-04T13:30:00Z", "open": False,
             "waited_minutes": 240.0},
            {"level": "immediate", "raised_at": "2027-01-05T12:00:00Z",
             "acknowledged_at": None, "open": True, "waited_minutes": 1440.0}]}
    assert found["ease"] == {
        "answers": 4, "easy": 2, "partly": 1, "hard": 1,
        "by_role": [{"role": "parent", "easy": 1, "partly": 1, "hard": 0},
                    {"role": "network", "easy": 1, "partly": 0, "hard": 0},
                    {"role": "child", "easy": 0, "partly": 0, "hard": 1}]}


async def test_the_figures_never_hold_what_anyone_wrote(known: Store) -> None:
    everything = json.dumps(await known.figures())
    for words in SECRET_WORDS:
        assert words not in everything, words


async def test_a_role_the_vocabulary_does_not_know_comes_last(known: Store) -> None:
    async with known.sessions.begin() as session:
        await session.execute(update(Respondent).where(Respondent.role == "carer")
                              .values(role="zz_unlisted"))
    roles = [row["role"] for row in (await known.figures())["invitations"]["by_role"]]
    assert roles == ["parent", "network", "young_person", "child", "zz_unlisted"]


async def test_the_demo_case_is_not_counted(known: Store) -> None:
    before = await known.figures()
    demo = await worker(known, "demo")
    case = await known.create_case(demo, "DEMO-1", "Sam Demo")
    person = await invite(known, demo, case["id"], "parent", "Demo Parent")
    await ease(known, person, 0, "hard")
    async with known.sessions.begin() as session:
        await session.execute(update(Case).where(Case.id == case["id"]).values(demo=True))
    after = await known.figures()
    assert {name: after[name] for name in ("invitations", "flags", "ease", "questions")} == {
        name: before[name] for name in ("invitations", "flags", "ease", "questions")}
    assert after["invitations"]["total"] == {"sent": 6, "started": 4, "sent_back": 3}


async def test_an_empty_service_has_figures_of_nothing(store: Store) -> None:
    found = await store.figures()
    assert found["invitations"] == {"total": {"sent": 0, "started": 0, "sent_back": 0},
                                    "by_role": [], "by_worker": [], "by_month": []}
    assert found["completion"] == {"completed": 0, "median_minutes": None}
    assert found["flags"] == {"raised": 0, "acknowledged": 0, "open": 0,
                              "median_wait_minutes": None, "longest_wait_minutes": None,
                              "each": []}
    assert found["ease"] == {"answers": 0, "easy": 0, "partly": 0, "hard": 0, "by_role": []}
    assert found["questions"] == []


async def test_question_events_go_with_their_person(known: Store) -> None:
    """Erasing a person (their respondent row) takes their events too."""
    async with known.sessions.begin() as session:
        await session.execute(Respondent.__table__.delete().where(Respondent.role == "child"))
    async with known.sessions() as session:
        keys = sorted((await session.scalars(
            QuestionEvent.__table__.select().with_only_columns(
                QuestionEvent.question_key))).all())
    assert keys == ["going_well", "near_miss"]
