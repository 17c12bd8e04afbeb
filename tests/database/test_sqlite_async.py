"""The portal's SQLite adapter: what SQLAlchemy gets is what its own aiosqlite adapter
gives, with one trip to the database thread per statement and none for a commit or
rollback that has nothing to do."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Integer, String, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.database.sqlite_async import OneWriterSessions, one_trip_dbapi
from bot.services.store import Store


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    words: Mapped[str] = mapped_column(String(200))


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The name of every function sent to an aiosqlite thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def _engine(path: Path, one_trip: bool) -> AsyncEngine:
    options = {"module": one_trip_dbapi()} if one_trip else {}
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", **options)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return engine


async def _story(engine: AsyncEngine) -> list:
    """Inserts, a RETURNING, updates and deletes with their row counts, a failed insert
    rolled back, and what is left."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    seen: list = []
    async with sessions.begin() as session:
        notes = [Note(key=f"k{n}", words=f"Mum helps ‘a lot’ {n} 😊") for n in range(5)]
        session.add_all(notes)
        await session.flush()
        seen.append([note.id for note in notes])  # autoincrement ids, as lastrowid gives
    async with sessions.begin() as session:
        result = await session.execute(
            insert(Note).values(key="r", words="x").returning(Note.id, Note.words))
        seen.append([tuple(row) for row in result])
        seen.append((await session.execute(
            update(Note).where(Note.id > 2).values(words="changed"))).rowcount)
        seen.append((await session.execute(delete(Note).where(Note.key == "k0"))).rowcount)
        await session.execute(insert(Note), [{"key": f"m{n}", "words": "many"}
                                             for n in range(3)])
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(Note(key="gone", words="rolled back"))
            await session.flush()
            session.add(Note(key="k1", words="a duplicate key"))
            await session.flush()
    async with sessions() as session:
        seen.append([tuple(row) for row in await session.execute(
            select(Note.id, Note.key, Note.words).order_by(Note.id))])
        seen.append((await session.execute(text("PRAGMA journal_mode"))).scalar())
        seen.append(list((await session.scalars(select(Note.key).limit(2))).all()))
    return seen


async def test_sqlalchemy_sees_what_its_own_adapter_gives(tmp_path: Path) -> None:
    results = []
    for one_trip in (False, True):
        engine = await _engine(tmp_path / f"{one_trip}.db", one_trip)
        try:
            results.append(await _story(engine))
        finally:
            await engine.dispose()
    assert results[0] == results[1]
    assert results[1][3] == 1 and ("gone",) not in [row[1:2] for row in results[1][4]]


async def test_a_statement_is_one_trip_and_an_idle_rollback_none(tmp_path: Path,
                                                                  trips: list[str]) -> None:
    engine = await _engine(tmp_path / "n.db", one_trip=True)
    sessions = async_sessionmaker(engine)
    try:
        async with sessions() as session:  # connect outside the count
            await session.execute(select(1))
        trips.clear()
        async with sessions() as session:
            await session.scalar(select(Note).where(Note.key == "nobody"))
        assert trips == ["_statement"]  # no cursor, fetch, close, or rollback trips
        trips.clear()
        async with sessions.begin() as session:
            session.add(Note(key="a", words="b"))
        assert trips == ["_statement", "commit"]
    finally:
        await engine.dispose()


async def test_concurrent_sessions_each_get_their_own_rows(tmp_path: Path) -> None:
    engine = await _engine(tmp_path / "c.db", one_trip=True)
    sessions = async_sessionmaker(engine)

    async def write_and_read(number: int) -> str:
        async with sessions.begin() as session:
            session.add(Note(key=f"c{number}", words=f"words {number}"))
        async with sessions() as session:
            return await session.scalar(select(Note.words).where(Note.key == f"c{number}"))

    try:
        got = await asyncio.gather(*(write_and_read(n) for n in range(20)))
        assert got == [f"words {n}" for n in range(20)]
    finally:
        await engine.dispose()


async def test_the_portal_store_uses_it_on_sqlite(tmp_path: Path, trips: list[str]) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        await store.create_schema()
        await store.ping()
        trips.clear()
        await store.ping()
        assert trips == ["_statement"]
    finally:
        await store.close()


@pytest.mark.parametrize("one_writer", [True, False])
async def test_writers_take_turns_instead_of_finding_the_database_locked(
        tmp_path: Path, one_writer: bool) -> None:
    """With no busy wait at all (timeout 0), writers that overlap fail with "database is
    locked" unless they are queued; queued, every write goes through."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
                                 module=one_trip_dbapi(), connect_args={"timeout": 0})
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    maker = OneWriterSessions if one_writer else async_sessionmaker
    sessions = maker(engine)

    async def write(number: int) -> None:
        async with sessions.begin() as session:
            session.add(Note(key=f"w{number}a", words="first"))
            await session.flush()
            await asyncio.sleep(0.01)  # still in the transaction: others want to write
            session.add(Note(key=f"w{number}b", words="second"))

    try:
        outcomes = await asyncio.gather(*(write(n) for n in range(10)),
                                        return_exceptions=True)
        failed = [o for o in outcomes if isinstance(o, Exception)]
        if one_writer:
            assert failed == []
            async with sessions() as session:
                assert len((await session.scalars(select(Note.key))).all()) == 20
        else:
            assert failed and all("locked" in str(error) for error in failed)
    finally:
        await engine.dispose()
