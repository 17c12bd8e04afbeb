"""Retention by the life of the map (issue 22): a round filed in the case record is
kept MAPBOT_RETENTION_FILED_DAYS from filing, an unfiled one MAPBOT_RETENTION_UNFILED_DAYS
from its last activity once its links are closed; the case goes when no round is left;
never anything of a case with an unacknowledged flag. Real database (SQLite, or
PostgreSQL with MAPBOT_TEST_POSTGRES_URL); time moved back on the rows."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.database.models import Answer, Case, Message, Respondent, Round
from bot.services.retention import OpenFlags, cases_due, purge_due, purge_round
from tests import database_fixtures
from tests.services.retention_support import (
    family_case,
    move_back,
    raise_flag,
    tracker_database,
    worker,
)

database_url = database_fixtures.database_url
fast_passwords = database_fixtures.fast_passwords
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store


async def _count(store, model) -> int:
    async with store.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _round_ids(store) -> list[int]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Round.number).order_by(Round.number)))


def _trackers(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'trackers.db'}"


async def _filed_first_round_and_an_open_review(store, alice):
    """Round 1: Jo sent, filed in the case record. Round 2 (current): Sam's link open."""
    family = await family_case(store, alice, "FILED")
    await store.mark_filed(alice, family.case_id, 1, True)
    await store.start_round(alice, family.case_id, "Review, March")
    await store.create_invitation(alice, family.case_id, "carer", "Sam", days=10_000)
    return family


async def test_a_filed_round_goes_after_the_filed_time_and_not_before(store, tmp_path):
    alice = await worker(store)
    family = await _filed_first_round_and_an_open_review(store, alice)
    trackers = tmp_path / "trackers.db"
    settings = Settings(retention_days=365, retention_filed_days=30,
                        tracker_database_url=tracker_database(trackers,
                                                              family.conversation_id))
    await move_back(store, 29)  # filed 29 days ago
    done, due = await purge_due(store, settings, by="test")
    assert done == [] and due.rounds == [] and due.cases == []
    await move_back(store, 2)  # filed 31 days ago
    done, due = await purge_due(store, settings, by="test")
    assert [(p.case_id, p.conversations, p.answers, p.tracker_events) for p in done] == [
        (family.case_id, 1, 1, 1)]
    assert due.cases == [] and len(due.rounds) == 1
    # Jo, her words and Rasa's copy are gone; the case, round 2 and Sam stay.
    assert await _round_ids(store) == [2] and await _count(store, Case) == 1
    assert await _count(store, Respondent) == 1
    assert await _count(store, Answer) == 0 and await _count(store, Message) == 0
    with sqlite3.connect(trackers) as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone() == (0,)


@pytest.mark.parametrize(("unfiled_days", "kept_after", "gone_after"),
                         [(400, 399, 401), (30, 29, 31)])
async def test_an_unfiled_round_is_kept_as_long_as_configured(store, tmp_path, unfiled_days,
                                                               kept_after, gone_after):
    """MAPBOT_RETENTION_UNFILED_DAYS, longer and shorter than MAPBOT_RETENTION_DAYS."""
    alice = await worker(store)
    family = await family_case(store, alice, "UNFILED")
    settings = Settings(retention_days=365, retention_unfiled_days=unfiled_days,
                        retention_filed_days=1, tracker_database_url=_trackers(tmp_path))
    await move_back(store, kept_after)
    assert (await purge_due(store, settings, by="test"))[0] == []
    await move_back(store, gone_after - kept_after)
    done, _ = await purge_due(store, settings, by="test")
    assert [(p.case_id, p.round_id) for p in done] == [(family.case_id, None)]
    assert await _count(store, Case) == 0


async def test_a_round_of_a_case_with_an_open_flag_is_kept(store, tmp_path):
    alice = await worker(store)
    family = await _filed_first_round_and_an_open_review(store, alice)
    flag_id = await raise_flag(store, family)
    await move_back(store, 31)
    due = await cases_due(store, 365, filed_days=30)
    assert due.rounds == [] and due.held == [family.case_id]
    async with store.sessions() as session:
        first = await session.scalar(select(Round.id).where(Round.number == 1))
    with pytest.raises(OpenFlags):
        await purge_round(store, f"sqlite:///{tmp_path / 'trackers.db'}", family.case_id,
                          first)
    assert await _round_ids(store) == [1, 2] and await _count(store, Respondent) == 2
    await store.acknowledge_flag(alice, flag_id)  # read: the filed round may go now
    due = await cases_due(store, 365, filed_days=30)
    assert due.rounds == [(family.case_id, first)] and due.held == []


async def test_the_case_stays_while_a_round_remains_and_goes_with_the_last(store, tmp_path):
    alice = await worker(store)
    family = await family_case(store, alice, "TWO-ROUNDS")  # round 1, unfiled
    await move_back(store, 100)
    await store.start_round(alice, family.case_id, "Review")
    _, token = await store.create_invitation(alice, family.case_id, "carer", "Sam", days=7)
    await store.submit((await store.respondent_for_token(token)).conversation_id)
    settings = Settings(retention_days=365, retention_unfiled_days=90,
                        tracker_database_url=_trackers(tmp_path))
    done, due = await purge_due(store, settings, by="test")
    assert [p.round_id is not None for p in done] == [True] and due.cases == []
    assert await _count(store, Case) == 1 and await _round_ids(store) == [2]
    await move_back(store, 91)  # the review's link closed 91 days ago: the last round
    done, due = await purge_due(store, settings, by="test")
    assert due.cases == [family.case_id] and [p.round_id for p in done] == [None]
    assert await _count(store, Case) == 0


async def test_the_current_round_waits_for_its_links_to_close(store):
    alice = await worker(store)
    family = await family_case(store, alice, "OPEN-REVIEW")
    await store.start_round(alice, family.case_id, "Review")
    await store.create_invitation(alice, family.case_id, "carer", "Sam", days=10_000)
    await store.mark_filed(alice, family.case_id, 2, True)
    await move_back(store, 400)
    due = await cases_due(store, 365, filed_days=30)
    async with store.sessions() as session:
        first = await session.scalar(select(Round.id).where(Round.number == 1))
    # Round 1 is past its time; round 2, filed 400 days ago, still has Sam's link open.
    assert due.cases == [] and due.rounds == [(family.case_id, first)]


async def test_the_latest_round_goes_only_with_the_whole_case(store, tmp_path):
    """Round 2 (the latest), filed and past its time, stays while round 1 (unfiled, kept
    longer) remains: otherwise round 1 would become the current round again."""
    alice = await worker(store)
    family = await family_case(store, alice, "LATEST")  # round 1, unfiled
    await store.start_round(alice, family.case_id, "Review")
    _, token = await store.create_invitation(alice, family.case_id, "carer", "Sam", days=7)
    await store.submit((await store.respondent_for_token(token)).conversation_id)
    await store.mark_filed(alice, family.case_id, 2, True)
    await move_back(store, 40)
    settings = Settings(retention_days=365, retention_filed_days=30,
                        retention_unfiled_days=365, tracker_database_url=_trackers(tmp_path))
    done, due = await purge_due(store, settings, by="test")
    assert done == [] and due.rounds == [] and due.cases == []
    assert await _round_ids(store) == [1, 2] and await _count(store, Respondent) == 2
