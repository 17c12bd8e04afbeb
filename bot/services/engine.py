"""The database engine and session factory the services share, and its lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.database.models import utcnow
from bot.database.sqlite_async import OneWriterSessions, one_trip_dbapi
from bot.database.sqlite_wal import use_wal
from bot.services.common import Common


def async_url(url: str) -> str:
    """Accept ordinary database URLs and pick the async driver for them."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(connection, _record) -> None:
    """Per connection: SQLite ignores ON DELETE CASCADE unless told not to; WAL."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    use_wal(connection)


class Engine(Common):
    """The engine and its sessions, made once for all the services."""

    def __init__(self, database_url: str, pool_size: int = 5,
                 clock: Callable[[], datetime] = utcnow) -> None:
        # The time of flags and alerts (when they were raised, which period's contacts
        # are alerted, when they escalate): tests set their own.
        self.clock = clock
        self.database_url = database_url
        url = async_url(database_url)
        options: dict = {}
        if url.startswith("postgresql"):
            # A pooled connection to a server that restarted is replaced, not used.
            options |= {"pool_pre_ping": True, "pool_size": pool_size,
                        "max_overflow": pool_size * 2}
        elif url.startswith("sqlite"):
            # One thread trip a statement; enough connections that readers under load
            # need not open (and start a thread for) new ones.
            options |= {"module": one_trip_dbapi(), "pool_size": pool_size * 2,
                        "max_overflow": pool_size * 4}
        self.engine = create_async_engine(url, **options)
        sessions = async_sessionmaker
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            sessions = OneWriterSessions  # SQLite's writers one at a time, queued here
        self.sessions = sessions(self.engine, expire_on_commit=False)

    async def create_schema(self) -> None:
        """Upgrade the database to the newest migration (bot/database/migrations): creates the
        tables of an empty one, upgrades one made by an earlier release."""
        from bot.database.migrations import upgrade

        await asyncio.to_thread(upgrade, self.database_url)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.sessions() as session:
            await session.execute(select(1))
