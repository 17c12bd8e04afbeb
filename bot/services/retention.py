"""Retention: deleting a case's conversations and answers when they are no longer needed.

A case's rows leave both databases: its answers, items, flags and transcript from the
draft-map store, and every event of its conversations from Rasa's tracker store (whose
`events` table only ever grows). The audit log keeps that it happened, never what was
said.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import delete, func, select

from bot.database.models import Answer, AuditEvent, Case, Respondent, utcnow
from bot.services.store import Store


@dataclass(frozen=True)
class Purged:
    case_id: str
    conversations: int
    answers: int
    tracker_events: int


def _sync_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def delete_tracker_events(tracker_url: str, conversation_ids: list[str]) -> int:
    """Remove these conversations from Rasa's SQL tracker store."""
    if not conversation_ids:
        return 0
    engine = sa.create_engine(_sync_url(tracker_url))
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        events = sa.table("events", sa.column("sender_id"))
        with engine.begin() as connection:
            result = connection.execute(
                events.delete().where(events.c.sender_id.in_(conversation_ids)))
            return result.rowcount
    finally:
        engine.dispose()


async def purge_case(store: Store, tracker_url: str, case_id: str,
                     by: str = "mapbot purge") -> Purged:
    async with store.sessions() as session:
        if await session.get(Case, case_id) is None:
            raise LookupError(f"no case {case_id}")
        respondents = list(await session.scalars(
            select(Respondent).where(Respondent.case_id == case_id)))
        ids = [r.id for r in respondents]
        answers = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.respondent_id.in_(ids))) or 0
    conversations = [r.conversation_id for r in respondents]
    # Rasa's copy first: if this fails, the case is still there to purge again.
    events = await asyncio.to_thread(delete_tracker_events, tracker_url, conversations)
    async with store.sessions.begin() as session:
        await session.execute(delete(Case).where(Case.id == case_id))  # cascades
        session.add(AuditEvent(worker_id=None, username=by, action="purge",
                               target_type="case", target_id=case_id, case_id=case_id,
                               via="cli", detail=f"{len(conversations)} conversations, "
                                                 f"{answers} answers, {events} events"))
    return Purged(case_id, len(conversations), answers, events)


async def cases_due(store: Store, days: int) -> list[str]:
    """Cases whose people have all sent their answers, the last more than `days` ago."""
    cutoff = utcnow() - timedelta(days=days)
    async with store.sessions() as session:
        rows = await session.execute(
            select(Respondent.case_id, func.max(Respondent.submitted_at),
                   func.count(), func.count(Respondent.submitted_at))
            .group_by(Respondent.case_id))
        return [case_id for case_id, last, everyone, sent in rows
                if everyone == sent and last is not None and _aware(last) <= cutoff]


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
