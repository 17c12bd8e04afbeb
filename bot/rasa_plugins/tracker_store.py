"""Rasa's SQL tracker store, keeping the trackers of recent conversations in memory.

Rasa's `SQLTrackerStore` reads every event of a conversation from the database and
replays them into a new tracker on every message (and MapBot's channel read it once
more for its replay check): under load that was a third of the Rasa server's time, and
it grows with the length of the conversation (bench/FINDINGS.md).

This store writes exactly what Rasa's writes (every event, at once, in the same table),
but remembers the tracker it last read for each recent conversation (and keeps it once
that tracker is saved), with how many events of that conversation the database held.
A remembered tracker is used only while the database still holds exactly that many
(one indexed count per read), so anything that changed the conversation elsewhere
(another Rasa server after a failover, a purge) sends the read to the database as
before; a tracker changed here but never saved (a turn that failed) is never used
again. Within `one_turn()` (MapBot's channel, under the conversation's lock) the
database is asked once, not at every read.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from bot.database.sqlite_wal import use_wal

DEFAULT_CACHE_SIZE = 256  # conversations; a long one is a few hundred kB in memory


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """An event as Rasa's SQLTrackerStore.save writes it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


@dataclass
class _Remembered:
    tracker: DialogueStateTracker
    length: int  # len(tracker.events) when it was saved or read
    stored: int  # this conversation's events in the database then (all sessions)
    model: int  # which domain the tracker was built with (CachedSQLTrackerStore.model)


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with the recent trackers remembered (see the module text)."""

    engine: sa.engine.Engine  # made by SQLTrackerStore, replaced for SQLite below

    def __init__(self, *args: Any, cache_size: int | str = DEFAULT_CACHE_SIZE,
                 **kwargs: Any) -> None:
        self._cache: OrderedDict[str, _Remembered] = OrderedDict()
        self.model = 0
        self._turns: dict[str, bool] = {}  # sender -> checked against the database yet
        self.cache_size = max(0, int(cache_size))
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connections()

    def _keep_sqlite_connections(self) -> None:
        """Rasa's SQLite engine opens and closes a connection for every query (SQLAlchemy
        1.4's NullPool for files); Rasa uses the store from its event loop's thread only,
        so one kept connection per thread serves it."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=SingletonThreadPool)
        sa.event.listen(self.engine, "connect", lambda connection, _: use_wal(connection))
        self.sessionmaker = sessionmaker(bind=self.engine)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # A new model may have other slots: trackers built for the old one go, and so do
        # those of turns still running on it when they are saved.
        self._domain = domain or Domain.empty()
        self.model = getattr(self, "model", 0) + 1
        if getattr(self, "_cache", None):
            self._cache.clear()

    def stored_count(self, sender_id: str) -> int:
        """How many events of this conversation the database holds (an indexed count)."""
        table = self.SQLEvent.__table__
        query = sa.select(sa.func.count()).select_from(table).where(
            table.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    @contextlib.contextmanager
    def one_turn(self, sender_id: str) -> Iterator[None]:
        """One turn of one conversation, its lock held: reads after the first trust the
        first one's check, as nothing else writes this conversation meanwhile."""
        self._turns[sender_id] = False
        try:
            yield
        finally:
            self._turns.pop(sender_id, None)

    def _still_stored(self, entry: _Remembered) -> bool:
        sender_id = entry.tracker.sender_id
        if len(entry.tracker.events) != entry.length or entry.model != self.model:
            return False  # changed here and never saved, or built for another model
        if self._turns.get(sender_id):
            return True
        return self.stored_count(sender_id) == entry.stored

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        entry = self._cache.pop(sender_id, None)
        if entry is not None and self._still_stored(entry):
            tracker = entry.tracker
        else:
            # Counted first: a write by another server in between makes the next check
            # read the database again, instead of trusting a tracker without it.
            stored = self.stored_count(sender_id)
            tracker = await super().retrieve(sender_id)
            if tracker is None:
                return None
            entry = _Remembered(tracker, len(tracker.events), stored, self.model)
        if sender_id in self._turns:
            self._turns[sender_id] = True
        self._remember(entry)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        entry = self._cache.pop(sender_id, None)  # forgotten unless the write succeeds
        known = entry if entry is not None and entry.tracker is tracker else None
        written = await self._write_new_events(tracker, known)
        # Only a tracker read here is remembered: another (a new conversation's, one
        # made after a failed read, one built for a model since replaced) is read from
        # the database next time.
        if known is not None and written is not None:
            self._remember(_Remembered(tracker, len(tracker.events), known.stored + written,
                                       known.model))

    async def _write_new_events(self, tracker: DialogueStateTracker,
                                known: _Remembered | None) -> int | None:
        """Rasa's `SQLTrackerStore.save`: the same rows, in one insert instead of one ORM
        object per event. The new events are those added since this tracker was read or
        saved here (checked against the database then), or else by Rasa's own count.
        How many were written; None when the tracker is not the stored conversation (it
        has fewer events than the database, e.g. one made afresh after a failed read):
        then, as Rasa does, nothing is written, and it is not remembered."""
        await self.stream_events(tracker)
        start = known.length if known else self._stored_in_session(tracker.sender_id)
        if start > len(tracker.events):
            return None
        rows = [_row(tracker.sender_id, event)
                for event in itertools.islice(tracker.events, start, len(tracker.events))]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
        return len(rows)

    def _stored_in_session(self, sender_id: str) -> int:
        """Rasa's own count: the stored events of the latest session."""
        with self.session_scope() as session:
            return self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=False).count()

    def _remember(self, entry: _Remembered) -> None:
        if not self.cache_size:
            return
        self._cache[entry.tracker.sender_id] = entry
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
