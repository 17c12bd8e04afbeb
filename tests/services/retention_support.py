"""Helpers for the retention tests (tests/services, tests/operations, tests/portal): a case
with a family's words in it, made through the store, and time moved back on its rows.

Kept out of conftest.py so that test modules in other folders can import them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import DateTime, select

from bot.database.models import (
    Analysis,
    Answer,
    AuditEvent,
    Case,
    Flag,
    Message,
    Respondent,
    Round,
    Worker,
)
from bot.database.sqlite_wal import use_wal
from bot.services.store import Store

PASSWORD = "correct horse battery staple"
# Words nothing else in a database holds, to look for on disk after a purge.
WORDS = "Periwinkle Zeppelin 4711 is what she calls the neighbour's cat"


@dataclass(frozen=True)
class Family:
    case_id: str
    respondent_id: str
    conversation_id: str


async def worker(store: Store, username: str = "alice") -> Worker:
    await store.add_worker(username, PASSWORD)
    token, _ = await store.login(username, PASSWORD, hours=1)
    found = await store.worker_for_token(token)
    assert found is not None
    return found


async def family_case(store: Store, owner: Worker, reference: str, *, send: bool = True,
                      days: int = 28, words: str = WORDS) -> Family:
    """A case with one parent who said `words` (a message and an answer), and sent them."""
    case = await store.create_case(owner, reference, "Alex Example")
    respondent, token = await store.create_invitation(owner, case["id"], "parent", "Jo",
                                                      days=days)
    conversation_id = (await store.respondent_for_token(token)).conversation_id
    await store.record_messages(respondent["id"], words, ["Thank you. What else?"])
    await store.save_answer(conversation_id, "strengths_1", "item", "What is going well?",
                            words, section="strengths")
    if send:
        await store.submit(conversation_id)
    return Family(case["id"], respondent["id"], conversation_id)


async def raise_flag(store: Store, family: Family) -> str:
    flag = await store.raise_flag(family.respondent_id, "hurting_now",
                                  "he hits me when he is drunk", None)
    return flag["id"]


# The models whose times say when something happened in a case.
TIMED = (Case, Round, Analysis, Respondent, Message, Answer, Flag, AuditEvent)


async def move_back(store: Store, days: float) -> None:
    """Everything in the store happened `days` earlier than it did."""
    async with store.sessions.begin() as session:
        for model in TIMED:
            columns = [c.key for c in model.__table__.columns if isinstance(c.type, DateTime)]
            for row in await session.scalars(select(model)):
                for name in columns:
                    if getattr(row, name) is not None:
                        setattr(row, name, getattr(row, name) - timedelta(days=days))


def tracker_database(path: Path, conversation_id: str, words: str = WORDS) -> str:
    """An SQLite file in WAL mode with Rasa's `events` table and one event holding the
    words, as Rasa's SQL tracker store writes it."""
    connection = sqlite3.connect(path)
    use_wal(connection)
    connection.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                       "sender_id VARCHAR(255), type_name VARCHAR(255), timestamp FLOAT, "
                       "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
    connection.execute("INSERT INTO events (sender_id, type_name, timestamp, data) "
                       "VALUES (?, 'user', 0, ?)", (conversation_id, f'{{"text": "{words}"}}'))
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def on_disk(database_file: Path, words: str = WORDS) -> list[str]:
    """The files of an SQLite database (itself, its write-ahead log) that hold `words`."""
    needle = words.encode()
    return [path.name for path in (database_file, Path(f"{database_file}-wal"))
            if path.exists() and needle in path.read_bytes()]
