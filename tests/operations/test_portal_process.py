"""The portal as `mapbot run` starts it (bot/operations/stack.py, a real process): its files
are its user's only, and it purges expired cases on its own schedule."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.database.models import AuditEvent, Case
from bot.operations.stack import Stack, local_settings
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

DEADLINE_SECONDS = 90  # generous: the machine is shared


@pytest.fixture
def everyday_umask() -> Iterator[None]:
    """The usual 022, so that only MapBot's own care can make its files private."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _answering(stack: Stack) -> None:
    """Until the portal answers /healthz at all (Rasa is not there: 503 is fine)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        stack._check_alive()
        try:
            httpx.get(f"http://127.0.0.1:{stack.settings.port}/healthz", timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError("the portal did not answer")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(line.split()[1] for line in status.splitlines() if line.startswith("Umask:"))


def test_the_services_files_are_their_users_only(tmp_path, everyday_umask) -> None:
    database = tmp_path / "mapbot.db"  # made by the portal
    trackers = tmp_path / "trackers.db"  # made by an earlier release, readable by all
    sqlite3.connect(trackers).close()
    trackers.chmod(0o644)
    settings = local_settings(f"sqlite:///{database}", f"sqlite:///{trackers}",
                              purge_every_hours=0)
    stack = Stack(settings, tmp_path / "logs")
    try:
        stack.start("actions", "portal")
        # What each service will create (Rasa's tracker database, say) is private too.
        assert {name: _umask(p.pid) for name, p in stack.processes.items()} == {
            "actions": "0077", "portal": "0077"}
        _answering(stack)
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm"), trackers,
                 tmp_path / "logs" / "portal.log", tmp_path / "logs" / "actions.log"]
        assert {path.name: oct(_mode(path)) for path in files} == {
            path.name: "0o600" for path in files}
        assert oct(_mode(tmp_path / "logs")) == "0o700"
    finally:
        stack.stop()


async def _case_ids(store) -> list[str]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Case.id).order_by(Case.reference)))


def _tracker_events(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("select count(*) from events").scalar_one()
    finally:
        engine.dispose()


async def test_the_portal_purges_expired_cases_on_its_own(store, database_url, tmp_path):
    alice = await worker(store)
    expired = await family_case(store, alice, "A-EXPIRED", send=False)
    flagged = await family_case(store, alice, "B-FLAGGED")
    await raise_flag(store, flagged)
    await move_back(store, 28 + 366)
    recent = await family_case(store, alice, "C-RECENT")
    tracker_url = tracker_database(tmp_path / "trackers.db", expired.conversation_id)
    # Every 3.6 seconds, so the test need not wait a day.
    settings = local_settings(database_url, tracker_url, purge_every_hours=0.001)
    stack = Stack(settings, tmp_path / "logs")
    try:
        stack.start("portal")
        deadline = time.monotonic() + DEADLINE_SECONDS
        while expired.case_id in await _case_ids(store) and time.monotonic() < deadline:
            stack._check_alive()
            await asyncio.sleep(0.5)
        assert await _case_ids(store) == [flagged.case_id, recent.case_id]
        assert _tracker_events(tracker_url) == 0
        async with store.sessions() as session:
            purges = list(await session.scalars(select(AuditEvent.target_id).where(
                AuditEvent.action == "purge")))
        assert purges == [expired.case_id]
        # The held case is named in the log every time, until its flag is read.
        deadline = time.monotonic() + DEADLINE_SECONDS
        log = tmp_path / "logs" / "portal.log"
        while flagged.case_id not in log.read_text() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert f"case {flagged.case_id} is past its retention time but kept" in log.read_text()
    finally:
        stack.stop()
