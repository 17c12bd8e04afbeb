"""Retention: deleting a case's conversations and answers when they are no longer needed.

It goes round by round (the first mapping, each review). A round is due once every one
of its links is closed (sent, revoked or expired) and either it was marked "filed in
the case record" more than `filed_days` ago, or it is unfiled and nothing has happened
in it for `unfiled_days`: no message, answer or link of its own, and no flag or
worker's change in the case (views, exports and purges are not changes). A due round's
people, answers, items, messages and Rasa trackers go, with the round; the case goes
when every round of it is due. A case with a safeguarding flag nobody has acknowledged
loses nothing: it is held, and every purge says so, until a person has read the flag.

A case's rows leave both databases: its answers, items, flags and transcript from the
draft-map store, and every event of its conversations from Rasa's tracker store (whose
`events` table only ever grows). On SQLite, deleted rows are overwritten
(`secure_delete`, bot/database/sqlite_wal.py) and the files are compacted after a purge,
so no copy of the words stays in free pages or the write-ahead log. The audit log keeps
that it happened, never what was said.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.database.models import (
    Answer,
    AuditEvent,
    Case,
    Flag,
    Message,
    Respondent,
    Round,
    utcnow,
)
from bot.database.sqlite_wal import use_wal
from bot.services.store import Store

log = logging.getLogger("mapbot.retention")
# Audit actions that only read: looking at a case does not keep it.
READ_ONLY_ACTIONS = ("view", "export")
# Nor does a purge of one of its rounds keep the case's other rounds.
NOT_ACTIVITY = (*READ_ONLY_ACTIONS, "purge")
FIRST_PURGE_DELAY_SECONDS = 60.0  # after start, so a restarting portal still purges


class OpenFlags(Exception):
    """The case has safeguarding flags nobody has acknowledged: it is not purged."""


@dataclass(frozen=True)
class Purged:
    case_id: str
    conversations: int
    answers: int
    tracker_events: int
    round_id: str | None = None  # one round of the case; None: the whole case


@dataclass(frozen=True)
class Due:
    """The cases a purge deletes, those it keeps only for their open flags, and the
    rounds it deletes from cases that stay."""

    cases: list[str]
    held: list[str]
    rounds: list[tuple[str, str]] = field(default_factory=list)  # (case id, round id)


Key = tuple[str, "str | None"]  # (case id, round id); None: a case that has no rounds


def _sync_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sync_engine(url: str) -> sa.engine.Engine:
    engine = sa.create_engine(_sync_url(url))
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", lambda connection, _: use_wal(connection))
    return engine


def delete_tracker_events(tracker_url: str, conversation_ids: list[str]) -> int:
    """Remove these conversations from Rasa's SQL tracker store."""
    if not conversation_ids:
        return 0
    engine = _sync_engine(tracker_url)
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


def compact(url: str) -> None:
    """SQLite only: rebuild the file (VACUUM) and empty the write-ahead log, so deleted
    rows survive nowhere on disk. PostgreSQL's autovacuum reclaims its own space."""
    if not url.startswith("sqlite"):
        return
    engine = _sync_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM")
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
        if busy:
            log.warning("the write-ahead log of %s was in use and could not be emptied "
                        "after a purge; it will be at the next checkpoint", engine.url.database)
    finally:
        engine.dispose()


async def _open_flags(session: AsyncSession, case_id: str) -> int:
    return await session.scalar(select(func.count()).select_from(Flag).where(
        Flag.case_id == case_id, Flag.acknowledged_at.is_(None))) or 0


async def purge_case(store: Store, tracker_url: str, case_id: str,
                     by: str = "mapbot purge") -> Purged:
    """Delete one case now. Raises LookupError (no such case) or OpenFlags."""
    async with store.sessions() as session:
        if await session.get(Case, case_id) is None:
            raise LookupError(f"no case {case_id}")
        if open_flags := await _open_flags(session, case_id):
            raise OpenFlags(open_flags)
        respondents = list(await session.scalars(
            select(Respondent).where(Respondent.case_id == case_id)))
        ids = [r.id for r in respondents]
        answers = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.respondent_id.in_(ids))) or 0
    conversations = [r.conversation_id for r in respondents]
    # Rasa's copy first: if this fails, the case is still there to purge again.
    events = await asyncio.to_thread(delete_tracker_events, tracker_url, conversations)
    async with store.sessions.begin() as session:
        if open_flags := await _open_flags(session, case_id):  # raised meanwhile
            raise OpenFlags(open_flags)
        await session.execute(delete(Case).where(Case.id == case_id))  # cascades
        session.add(AuditEvent(worker_id=None, username=by, action="purge",
                               target_type="case", target_id=case_id, case_id=case_id,
                               via="cli", detail=f"{len(conversations)} conversations, "
                                                 f"{answers} answers, {events} events"))
    return Purged(case_id, len(conversations), answers, events)


async def purge_round(store: Store, tracker_url: str, case_id: str, round_id: str,
                      by: str = "mapbot purge") -> Purged:
    """Delete one round of a case now, with its people and their words; the case and its
    other rounds stay. Raises LookupError (no such round) or OpenFlags."""
    async with store.sessions() as session:
        round_ = await session.get(Round, round_id)
        if round_ is None or round_.case_id != case_id:
            raise LookupError(f"no round {round_id} in case {case_id}")
        if open_flags := await _open_flags(session, case_id):
            raise OpenFlags(open_flags)
        respondents = list(await session.scalars(select(Respondent).where(
            Respondent.case_id == case_id, _of_round(round_))))
        ids = [r.id for r in respondents]
        answers = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.respondent_id.in_(ids))) or 0
    conversations = [r.conversation_id for r in respondents]
    events = await asyncio.to_thread(delete_tracker_events, tracker_url, conversations)
    async with store.sessions.begin() as session:
        if open_flags := await _open_flags(session, case_id):
            raise OpenFlags(open_flags)
        # Answers, items, messages and acknowledged flags cascade with the people.
        await session.execute(delete(Respondent).where(Respondent.id.in_(ids)))
        await session.execute(delete(Round).where(Round.id == round_id))  # and its analysis
        session.add(AuditEvent(worker_id=None, username=by, action="purge",
                               target_type="round", target_id=round_id, case_id=case_id,
                               via="cli", detail=f"{len(conversations)} conversations, "
                                                 f"{answers} answers, {events} events"))
    return Purged(case_id, len(conversations), answers, events, round_id)


def _of_round(round_: Round) -> sa.ColumnElement[bool]:
    """Its people (those from before rounds belong to the first)."""
    mine = Respondent.round_id == round_.id
    return sa.or_(mine, Respondent.round_id.is_(None)) if round_.number == 1 else mine


async def cases_due(store: Store, days: int, now: datetime | None = None,
                    filed_days: int | None = None) -> Due:
    """What a purge deletes: whole `cases` (every round due) and single `rounds` (the
    case keeps others). A round is due once its links are all closed and it was filed
    more than `filed_days` (default `days`) ago, or, unfiled, its last activity is more
    than `days` ago. Cases with an unacknowledged flag and something due are `held`."""
    now = now or utcnow()
    async with store.sessions() as session:
        rounds = list(await session.scalars(select(Round)))
        people = list(await session.execute(select(
            Respondent.id, Respondent.case_id, Respondent.round_id,
            sa.and_(Respondent.submitted_at.is_(None), Respondent.revoked_at.is_(None),
                    Respondent.expires_at > now))))
        keys = _round_keys(rounds, people)
        last = await _last_activity(session, now, rounds, keys)
        flagged = set(await session.scalars(
            select(Flag.case_id).where(Flag.acknowledged_at.is_(None))))
    still_open = {keys[person_id] for person_id, _, _, is_open in people if is_open}
    filed_at = {r.id: r.filed_at for r in rounds}
    # A case's latest round is its current one: it goes only with the whole case, so an
    # earlier round never becomes current again (and takes new invitations).
    latest = {r.case_id: r.id for r in sorted(rounds, key=lambda r: r.number)}
    filed_cutoff = now - timedelta(days=days if filed_days is None else filed_days)
    by_case: dict[str, list[bool]] = {}
    due_rounds: list[tuple[str, str]] = []
    for key, moment in last.items():
        case_id, round_id = key
        filed = filed_at.get(round_id) if round_id is not None else None
        # A filed round's time runs from filing; an unfiled one's from its last activity.
        since, cutoff = ((_aware(filed), filed_cutoff) if filed is not None
                         else (moment, now - timedelta(days=days)))
        due = key not in still_open and since <= cutoff
        by_case.setdefault(case_id, []).append(due)
        if due and round_id is not None and round_id != latest.get(case_id):
            due_rounds.append((case_id, round_id))
    whole = sorted(case_id for case_id, dues in by_case.items() if all(dues))
    partly = {case_id for case_id, _ in due_rounds} - set(whole)
    return Due([c for c in whole if c not in flagged],
               sorted(c for c in set(whole) | partly if c in flagged),
               sorted(k for k in due_rounds if k[0] in partly - flagged))


def _round_keys(rounds: list[Round], people: Iterable[sa.Row]) -> dict[str, Key]:
    """Each person's round (a person from before rounds belongs to the first)."""
    first = {r.case_id: r.id for r in sorted(rounds, key=lambda r: -r.number)}
    return {person_id: (case_id, round_id or first.get(case_id))
            for person_id, case_id, round_id, _ in people}


async def _last_activity(session: AsyncSession, now: datetime, rounds: list[Round],
                         keys: dict[str, Key]) -> dict[Key, datetime]:
    """Each round's latest moment: started, a link of its own made, opened, sent, revoked
    or expired (a link that nobody sent or revoked closed when it expired), a message,
    an answer; and the case's: created, a flag raised or acknowledged, a worker's change.
    A case without rounds has one key, (case id, None)."""
    expired = sa.case((sa.and_(Respondent.submitted_at.is_(None),
                               Respondent.revoked_at.is_(None), Respondent.expires_at <= now),
                       Respondent.expires_at))
    per_person = [
        *(select(Respondent.id, column) for column in (
            Respondent.created_at, Respondent.started_at, Respondent.submitted_at,
            Respondent.revoked_at, expired)),
        select(Message.respondent_id, func.max(Message.created_at))
        .group_by(Message.respondent_id),
        select(Answer.respondent_id, func.max(Answer.updated_at))
        .group_by(Answer.respondent_id),
    ]
    per_case = [
        select(Case.id, Case.created_at),
        *(select(Flag.case_id, func.max(column)).group_by(Flag.case_id)
          for column in (Flag.created_at, Flag.acknowledged_at)),
        select(AuditEvent.case_id, func.max(AuditEvent.at))
        .where(AuditEvent.case_id.is_not(None), AuditEvent.action.not_in(NOT_ACTIVITY))
        .group_by(AuditEvent.case_id),
    ]
    cases: dict[str, datetime] = {}
    for query in per_case:
        for case_id, moment in await session.execute(query):
            # The first query names every case; the audit log also names purged ones.
            if case_id is not None and moment is not None and (
                    query is per_case[0] or case_id in cases):
                cases[case_id] = max(cases.get(case_id, _aware(moment)), _aware(moment))
    latest: dict[Key, datetime] = {}
    for round_ in rounds:
        if round_.case_id in cases:
            latest[(round_.case_id, round_.id)] = max(cases[round_.case_id],
                                                      _aware(round_.started_at))
    with_rounds = {r.case_id for r in rounds}
    for case_id, moment in cases.items():
        if case_id not in with_rounds:
            latest[(case_id, None)] = moment
    for query in per_person:
        for person_id, moment in await session.execute(query):
            key = keys.get(str(person_id))
            if moment is not None and key in latest:
                latest[key] = max(latest[key], _aware(moment))
    return latest


async def purge_due(store: Store, settings: Settings, by: str) -> tuple[list[Purged], Due]:
    """Every due case and round purged (one gone meanwhile, or flagged meanwhile, is
    skipped), then the databases compacted if anything went."""
    due = await cases_due(store, settings.unfiled_days, filed_days=settings.filed_days)
    done = []
    url = settings.tracker_database_url
    jobs = [(case_id, None) for case_id in due.cases] + list(due.rounds)
    for case_id, round_id in jobs:
        try:
            done.append(await purge_case(store, url, case_id, by=by) if round_id is None
                        else await purge_round(store, url, case_id, round_id, by=by))
        except (LookupError, OpenFlags):
            continue  # another portal purged it, or a flag came in: the next run sees it
    if done:
        await asyncio.to_thread(compact_all, (store.database_url,
                                              settings.tracker_database_url))
    return done, due


def compact_all(urls: Iterable[str]) -> None:
    for url in dict.fromkeys(urls):  # the same database once
        compact(url)


async def purge_forever(store: Store, settings: Settings) -> None:
    """The portal's own schedule: soon after start, then every `purge_every_hours`."""
    every = settings.purge_every_hours * 3600
    try:
        await asyncio.sleep(min(FIRST_PURGE_DELAY_SECONDS, every))
        while True:
            await _scheduled_purge(store, settings)
            await asyncio.sleep(every)
    except asyncio.CancelledError:
        return  # the portal is stopping; an unfinished purge is done again next time


async def _scheduled_purge(store: Store, settings: Settings) -> None:
    try:
        done, due = await purge_due(store, settings, by="mapbot (scheduled purge)")
    except Exception:  # noqa: BLE001 - the schedule must outlive any one failure
        log.exception("scheduled purge failed; trying again later")
        return
    for purged in done:
        log.info("purged %s of case %s (its retention time was over)",
                 f"round {purged.round_id}" if purged.round_id else "all", purged.case_id)
    for case_id in due.held:
        log.warning("case %s is past its retention time but kept: it has safeguarding "
                    "flags nobody has acknowledged", case_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
