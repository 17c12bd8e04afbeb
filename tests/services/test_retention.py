"""Which cases retention purges (bot/services/retention.py): once every link is closed
(sent, revoked or expired) and nothing has happened for the retention time; never a case
with a safeguarding flag nobody has acknowledged. Real database (SQLite, or PostgreSQL
with MAPBOT_TEST_POSTGRES_URL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.database.models import Case
from bot.services import audit
from bot.services.retention import OpenFlags, cases_due, purge_case, purge_due
from tests import database_fixtures
from tests.services.retention_support import (
    family_case,
    move_back,
    on_disk,
    raise_flag,
    tracker_database,
    worker,
)

database_url = database_fixtures.database_url
fast_passwords = database_fixtures.fast_passwords
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template
store = database_fixtures.store

DAYS = 365


async def _cases(store) -> int:
    async with store.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Case))


async def test_a_case_whose_link_expired_unsent_is_purged_after_the_retention_time(store):
    """The old rule (everyone sent) kept this case for ever."""
    alice = await worker(store)
    expired = await family_case(store, alice, "EXPIRED", send=False, days=28)
    await move_back(store, 28 + DAYS + 1)  # expired a year and a day ago
    await family_case(store, alice, "OPEN", send=False, days=28)  # a link still open
    due = await cases_due(store, DAYS)
    assert due.cases == [expired.case_id] and due.held == []


async def test_an_expired_link_counts_from_when_it_expired(store):
    alice = await worker(store)
    await family_case(store, alice, "EXPIRED", send=False, days=28)
    await move_back(store, 28 + DAYS - 1)  # expired a day less than a year ago
    assert (await cases_due(store, DAYS)).cases == []


async def test_a_revoked_link_counts_as_closed(store):
    alice = await worker(store)
    revoked = await family_case(store, alice, "REVOKED", send=False, days=10_000)
    await store.revoke_invitation(alice, revoked.respondent_id)
    await move_back(store, DAYS + 1)
    assert (await cases_due(store, DAYS)).cases == [revoked.case_id]


async def test_one_open_link_keeps_the_case(store):
    alice = await worker(store)
    sent = await family_case(store, alice, "TWO-PEOPLE")
    _, _ = await store.create_invitation(alice, sent.case_id, "carer", "Sam", days=10_000)
    await move_back(store, DAYS + 1)
    assert (await cases_due(store, DAYS)).cases == []


async def test_time_counts_from_the_last_activity_not_from_sending(store):
    alice = await worker(store)
    sent = await family_case(store, alice, "QUIET")
    await move_back(store, DAYS + 1)
    assert (await cases_due(store, DAYS)).cases == [sent.case_id]
    # Looking at a case is not activity; a message (after Send) is.
    await audit.write(store, alice, "view", "case", sent.case_id)
    assert (await cases_due(store, DAYS)).cases == [sent.case_id]
    await store.record_messages(sent.respondent_id, "one more thing", ["Thank you."])
    assert (await cases_due(store, DAYS)).cases == []


async def test_a_workers_change_is_activity(store):
    alice = await worker(store)
    sent = await family_case(store, alice, "EDITED")
    await move_back(store, DAYS + 1)
    await audit.write(store, alice, "edit", "case", sent.case_id, changes={"status": None})
    assert (await cases_due(store, DAYS)).cases == []


async def test_a_case_with_an_unacknowledged_flag_is_held_never_purged(store, tmp_path):
    """Before, this case went with the others, its flag unread."""
    alice = await worker(store)
    flagged = await family_case(store, alice, "FLAGGED")
    flag_id = await raise_flag(store, flagged)
    await move_back(store, DAYS + 1)
    due = await cases_due(store, DAYS)
    assert due.cases == [] and due.held == [flagged.case_id]
    with pytest.raises(OpenFlags):
        await purge_case(store, f"sqlite:///{tmp_path / 'trackers.db'}", flagged.case_id)
    assert await _cases(store) == 1
    # Once a person has read it, the case's time starts again from then.
    await store.acknowledge_flag(alice, flag_id)
    assert await cases_due(store, DAYS) == type(due)([], [])
    await move_back(store, DAYS + 1)
    assert (await cases_due(store, DAYS)).cases == [flagged.case_id]


async def test_a_purge_leaves_no_copy_of_the_words_on_disk(store, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("secure_delete and VACUUM are SQLite's; PostgreSQL relies on autovacuum")
    alice = await worker(store)
    gone = await family_case(store, alice, "GONE")
    await move_back(store, DAYS + 1)
    kept = await family_case(store, alice, "KEPT", words="He builds towers out of old boxes")
    trackers = tmp_path / "trackers.db"
    settings = Settings(database_url=database_url,
                        tracker_database_url=tracker_database(trackers, gone.conversation_id),
                        retention_days=DAYS)
    database = Path(database_url.removeprefix("sqlite:///"))
    assert on_disk(database) and on_disk(trackers)  # the check can see the words

    done, due = await purge_due(store, settings, by="test")
    assert [purged.case_id for purged in done] == [gone.case_id] and due.held == []
    assert on_disk(database) == [] and on_disk(trackers) == []
    assert on_disk(database, "He builds towers") == ["mapbot.db"]  # the rest is intact
    assert (await cases_due(store, DAYS)).cases == [] and kept.case_id
