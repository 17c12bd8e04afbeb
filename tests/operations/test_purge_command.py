"""`mapbot purge`, run as an administrator runs it (a real process, a real database):
nothing of a purged case stays on disk, and a case with an unread flag is never purged."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ROOT
from bot.database.models import Case
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


def _mapbot(database_url: str, tracker_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MAPBOT_DATABASE_URL=database_url,
               MAPBOT_TRACKER_DATABASE_URL=tracker_url, MAPBOT_RETENTION_DAYS="365",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot.operations.cli", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


async def _case_ids(store) -> list[str]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Case.id).order_by(Case.reference)))


async def test_purging_a_case_leaves_no_copy_of_its_words_on_disk(store, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("secure_delete and VACUUM are SQLite's; PostgreSQL relies on autovacuum")
    alice = await worker(store)
    family = await family_case(store, alice, "GONE")
    await family_case(store, alice, "KEPT", words="He builds towers out of old boxes")
    trackers = tmp_path / "trackers.db"
    tracker_url = tracker_database(trackers, family.conversation_id)
    database = Path(database_url.removeprefix("sqlite:///"))
    assert on_disk(database) and on_disk(trackers)  # the check can see the words

    # The portal and Rasa keep both databases open while an administrator purges.
    with closing(sqlite3.connect(database)) as portal, closing(sqlite3.connect(trackers)) as rasa:
        for connection in (portal, rasa):
            connection.execute("select count(*) from sqlite_master").fetchone()
        done = _mapbot(database_url, tracker_url, "purge", "--case", family.case_id)
        assert done.returncode == 0, done.stderr
        assert on_disk(database) == [] and on_disk(trackers) == []


async def test_a_case_with_an_unacknowledged_flag_is_not_purged(store, database_url, tmp_path):
    family = await family_case(store, await worker(store), "FLAGGED")
    await raise_flag(store, family)
    done = _mapbot(database_url, f"sqlite:///{tmp_path / 'trackers.db'}",
                   "purge", "--case", family.case_id)
    assert done.returncode == 1
    assert "acknowledge" in done.stderr and "Nothing purged" in done.stderr
    assert await _case_ids(store) == [family.case_id]


async def test_purge_expired_takes_closed_quiet_cases_and_names_the_held_ones(
        store, database_url, tmp_path):
    alice = await worker(store)
    expired = await family_case(store, alice, "A-EXPIRED", send=False)
    flagged = await family_case(store, alice, "B-FLAGGED")
    await raise_flag(store, flagged)
    await move_back(store, 28 + 366)
    recent = await family_case(store, alice, "C-RECENT")

    done = _mapbot(database_url, f"sqlite:///{tmp_path / 'trackers.db'}", "purge", "--expired")
    assert done.returncode == 0, done.stderr
    assert f"Purged case {expired.case_id}" in done.stdout and "1 case(s) purged" in done.stdout
    assert f"Kept case {flagged.case_id}" in done.stderr and "acknowledge" in done.stderr
    assert await _case_ids(store) == [flagged.case_id, recent.case_id]
