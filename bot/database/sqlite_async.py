"""SQLite for the portal's async store: one trip to the database thread per statement.

aiosqlite runs each SQLite connection in a thread of its own, and SQLAlchemy's adapter
goes there and back four times a statement (to make a cursor, execute, fetch the rows,
close the cursor), and once more for the commit or rollback that ends every session,
even one that wrote nothing. Each trip hands the work between threads through a queue
and a wake-up of the event loop; under load on two cores the trips cost more than the
statements: saving an answer took ~9 ms of CPU (bench/FINDINGS.md).

Here a statement makes one trip (cursor, execute, fetch and close together in the
database thread), and a commit or rollback with no transaction open, which sqlite3
itself skips, makes none. The statements still run in aiosqlite's thread, never on the
event loop.

SQLite takes one writer at a time. Sessions that write while another does used to wait
in SQLite's busy handler, which sleeps and tries again (up to 95 ms a write under load,
and CPU for every try); `OneWriterSessions` queues them in the event loop instead, so
each write finds the database free. Readers are not held up (WAL). PostgreSQL is not
concerned by any of this.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

try:
    from sqlalchemy.util.concurrency import await_
except ImportError:  # SQLAlchemy 2.0 names it await_only
    from sqlalchemy.util.concurrency import await_only as await_


def _statement(connection: sqlite3.Connection, operation: str, parameters: Any,
               many: bool) -> tuple[Any, list, int, int | None]:
    """One statement, in the database thread: its description, rows, row count and last
    row id, read before the cursor closes."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose statements each make one trip; rows come from memory."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_size")

    def __init__(self, adapt_connection: Any) -> None:  # no trip: nothing to open yet
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        # No cursor is kept: each statement's opens and closes in its trip (SQLAlchemy's
        # stubs type the adapter's cursor as always present).
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid, self._size = None, -1, None, 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    # PEP 249 and sqlite3 allow None (no row inserted yet); SQLAlchemy's stubs say int.
    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._size

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._size = value

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            await_(self._trip(operation, parameters, many))
        except Exception as error:  # noqa: BLE001 - re-raised as SQLAlchemy expects
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = cast(aiosqlite.Connection, self._connection)
        async with self._adapt_connection._execute_mutex:
            found = await connection._execute(_statement, connection._conn, operation,
                                              parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = found
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor closed in its trip."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def _in_transaction(self) -> bool:
        try:
            return self._connection.in_transaction
        except ValueError:  # closed: let the adapter's own handling see to it
            return True

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy's adapter presents it, with the connections above."""

    def connect(self, *args: Any, **kwargs: Any) -> OneTripConnection:
        connection = super().connect(*args, **kwargs)
        connection.__class__ = OneTripConnection  # same slots: only the methods change
        return cast(OneTripConnection, connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """For `create_async_engine(..., module=one_trip_dbapi())` on a SQLite URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)


class OneWriterSessions(async_sessionmaker):
    """Sessions as `async_sessionmaker` makes them; `begin()` (a session that writes)
    waits for the one before it to end, in the event loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        async with self.write_lock, super().begin() as session:
            yield session
