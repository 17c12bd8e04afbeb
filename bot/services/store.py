"""The draft-map store: every read and write of the portal's database.

Async SQLAlchemy throughout, so no database call blocks the portal's event loop.
Each public method opens its own short session; nothing is shared between requests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, event, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import aliased

from bot.core import draft_map
from bot.core.alert_routes import Route
from bot.core.draft_map import AnswerView, iso
from bot.core.security import hash_password, new_token, token_hash, verify_password
from bot.core.vocabulary import (
    ADMINISTRATOR,
    IMMEDIATE,
    OVERSIGHT_KINDS,
    OWNER,
    SHARING_KINDS,
    VIEWER,
    WORKER,
    WORKER_KINDS,
    RespondentStatus,
    Role,
)
from bot.database.models import (
    Alert,
    Answer,
    Case,
    CaseAccess,
    Flag,
    Item,
    LoginToken,
    Message,
    Respondent,
    Worker,
    new_id,
    utcnow,
)
from bot.database.sqlite_async import OneWriterSessions, one_trip_dbapi
from bot.database.sqlite_wal import use_wal


class NotFound(Exception):
    """The thing does not exist, or this caller may not know that it does."""


class Closed(Exception):
    """The invitation was revoked, has expired, or the answers were already sent."""


class ReadOnly(Exception):
    """The worker may see the case but not do this to it (a viewer, or duty)."""


class Conflict(Exception):
    """The change cannot be made as asked (the message says why, in plain words)."""


# What a worker may do to a case, by their access to it (`Store.access`): the case's
# team reads it; duty workers, managers and administrators also look at a case with a
# safeguarding flag; only its owner changes it.
TEAM = (OWNER, VIEWER)
LOOK = (*TEAM, *OVERSIGHT_KINDS)
CHANGE = (OWNER,)


def kind_of(worker: Worker) -> str:
    """The worker's kind; `is_admin` always means an administrator."""
    return ADMINISTRATOR if worker.is_admin else (worker.kind or WORKER)


def async_url(url: str) -> str:
    """Accept ordinary database URLs and pick the async driver for them."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


_EARLIER = aliased(Answer)  # a respondent's other answers, beside the one being saved


def _sqlite_pragmas(connection, _record) -> None:
    """Per connection: SQLite ignores ON DELETE CASCADE unless told not to; WAL."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    use_wal(connection)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


FLAG_REPEAT_MINUTES = 10  # the same words sent again (a retry) raise no second flag


@dataclass(frozen=True)
class AlertJob:
    """One alert to deliver, with what the alert may say (never the words written)."""

    alert_id: str
    channel: str
    event: str
    attempts: int
    flag_id: str
    case_id: str
    case_reference: str
    respondent_role: str
    category: str
    created_at: str
    address: str  # the email address or webhook URL it goes to


@dataclass(frozen=True)
class Head:
    """An alerted flag whose alerts are open: how far along its chain it is."""

    flag_id: str
    period: str
    step: int
    alerted_at: datetime


@dataclass(frozen=True)
class Conversation:
    """What the assistant may know about the person it is talking to."""

    respondent_id: str
    conversation_id: str
    role: str
    name: str
    child_name: str
    status: str


class Store:
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

    # Workers and login ---------------------------------------------------------------

    async def add_worker(self, username: str, password: str, is_admin: bool = False,
                         kind: str = WORKER) -> str:
        if kind not in WORKER_KINDS:
            raise ValueError(f"unknown worker kind {kind!r}")
        is_admin = is_admin or kind == ADMINISTRATOR
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self.sessions.begin() as session:
            worker = Worker(username=username, password_hash=password_hash, is_admin=is_admin,
                            kind=ADMINISTRATOR if is_admin else kind)
            session.add(worker)
            await session.flush()
            return worker.id

    async def login(self, username: str, password: str, hours: int) -> tuple[str, datetime] | None:
        worker = await self.authenticate(username, password)
        return None if worker is None else await self.login_token(worker, hours)

    async def authenticate(self, username: str, password: str) -> Worker | None:
        """The worker with this username and password, or None (both failures take as long)."""
        async with self.sessions() as session:
            worker = await session.scalar(select(Worker).where(Worker.username == username))
        stored = worker.password_hash if worker else None
        if not await asyncio.to_thread(verify_password, stored, password) or worker is None:
            return None
        return worker

    async def login_token(self, worker: Worker, hours: int) -> tuple[str, datetime]:
        """A new API bearer token for a signed-in worker, and when it expires."""
        token = new_token()
        expires_at = utcnow() + timedelta(hours=hours)
        async with self.sessions.begin() as session:
            session.add(LoginToken(token_hash=token_hash(token), worker_id=worker.id,
                                   expires_at=expires_at))
        return token, expires_at

    async def worker_for_token(self, token: str) -> Worker | None:
        async with self.sessions() as session:
            row = await session.get(LoginToken, token_hash(token))
            if row is None or _aware(row.expires_at) <= utcnow():
                return None
            return await session.get(Worker, row.worker_id)

    # Cases and invitations -----------------------------------------------------------

    async def create_case(self, worker: Worker, reference: str, child_name: str) -> dict:
        async with self.sessions.begin() as session:
            case = Case(reference=reference, child_name=child_name, created_by=worker.id)
            session.add(case)
            await session.flush()
            return self._case_json(case)

    async def list_cases(self, worker: Worker) -> list[dict]:
        async with self.sessions() as session:
            cases = await session.scalars(
                select(Case).where(self._visible_to(worker)).order_by(Case.created_at.desc())
            )
            return [self._case_json(case) for case in cases]

    async def case_detail(self, worker: Worker, case_id: str,
                          allowed: tuple[str, ...] = TEAM) -> dict:
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
            respondents = await self._respondents(session, case.id)
            return self._case_json(case) | {
                "respondents": [self._respondent_json(r) for r in respondents]
            }

    async def create_invitation(
        self, worker: Worker, case_id: str, role: str, name: str, days: int
    ) -> tuple[dict, str]:
        role = Role(role).value  # ValueError for a role MapBot does not know
        token = new_token()
        async with self.sessions.begin() as session:
            case = await self._case_for(session, worker, case_id, CHANGE)
            respondent = Respondent(
                case_id=case.id, role=role, name=name, token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=days),
            )
            session.add(respondent)
            await session.flush()
            return self._respondent_json(respondent), token

    async def revoke_invitation(self, worker: Worker, invitation_id: str) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, invitation_id)
            if respondent is None:
                raise NotFound
            await self._case_for(session, worker, respondent.case_id, CHANGE)
            if respondent.revoked_at is None:
                respondent.revoked_at = utcnow()

    # Who may see a case: sharing and handing over ----------------------------------

    async def access(self, worker: Worker, case_id: str) -> tuple[str, str | None]:
        """The worker's access to the case, and why, for the audit log, when it is a
        look from outside the case's team ("as duty: open flag"); NotFound if none."""
        async with self.sessions() as session:
            case, access = await self._access(session, worker, case_id)
            if case is None or access is None:
                raise NotFound
            if access in TEAM:
                return access, None
            open_flag = await session.scalar(select(Flag.id).where(
                Flag.case_id == case_id, Flag.acknowledged_at.is_(None)).limit(1))
            return access, f"as {access}: {'open flag' if open_flag else 'flagged case'}"

    async def flag_case(self, flag_id: str) -> str:
        async with self.sessions() as session:
            case_id = await session.scalar(select(Flag.case_id).where(Flag.id == flag_id))
        if case_id is None:
            raise NotFound
        return case_id

    async def case_team(self, case_id: str) -> dict:
        """The owner's username and the viewers', for the case screen."""
        async with self.sessions() as session:
            owner = await session.scalar(select(Worker.username).join(
                Case, Case.owner_id == Worker.id).where(Case.id == case_id))
            viewers = await session.scalars(select(Worker.username).join(
                CaseAccess, CaseAccess.worker_id == Worker.id)
                .where(CaseAccess.case_id == case_id).order_by(func.lower(Worker.username)))
            return {"owner": owner, "viewers": list(viewers)}

    async def give_access(self, worker: Worker, case_id: str, username: str,
                          role: str) -> dict:
        """Share the case with another worker ("viewer"), or hand it over ("owner"): the
        new owner changes it from now on and the former owner keeps reading it."""
        async with self.sessions.begin() as session:
            case = await self._case_to_share(session, worker, case_id)
            other = await self._worker_named(session, username)
            if other.id == case.owner_id:
                if role == VIEWER:
                    raise Conflict(f"{username} owns this case already.")
                return {"case_id": case.id, "username": username, "role": OWNER}
            given = await session.get(CaseAccess, (case.id, other.id))
            if role == VIEWER:
                if given is None:
                    session.add(CaseAccess(case_id=case.id, worker_id=other.id,
                                           granted_by=worker.username))
                return {"case_id": case.id, "username": username, "role": VIEWER}
            if given is not None:
                await session.delete(given)
            if await session.get(CaseAccess, (case.id, case.owner_id)) is None:
                session.add(CaseAccess(case_id=case.id, worker_id=case.owner_id,
                                       granted_by=worker.username))
            case.owner_id = other.id
            return {"case_id": case.id, "username": username, "role": OWNER}

    async def take_access(self, worker: Worker, case_id: str, username: str) -> None:
        """Take a viewer's access back (an owner is replaced by handing the case over)."""
        async with self.sessions.begin() as session:
            case = await self._case_to_share(session, worker, case_id)
            other = await session.scalar(select(Worker).where(Worker.username == username))
            if other is not None and other.id == case.owner_id:
                raise Conflict("The owner's access cannot be taken back: hand the case "
                               "over to someone else first.")
            given = None if other is None else await session.get(
                CaseAccess, (case.id, other.id))
            if given is None:
                raise NotFound
            await session.delete(given)

    async def _case_to_share(self, session: AsyncSession, worker: Worker,
                             case_id: str) -> Case:
        """Its owner, managers and administrators share a case; anyone else who can see
        it only reads it."""
        case, access = await self._access(session, worker, case_id)
        if case is None or (access is None and kind_of(worker) not in SHARING_KINDS):
            raise NotFound
        if access != OWNER and kind_of(worker) not in SHARING_KINDS:
            raise ReadOnly
        return case

    @staticmethod
    async def _worker_named(session: AsyncSession, username: str) -> Worker:
        other = await session.scalar(select(Worker).where(Worker.username == username))
        if other is None:
            raise Conflict(f"There is no worker called {username}.")
        return other

    async def open_flags(self, worker: Worker) -> list[dict]:
        """Open flags this worker may see, oldest first: their cases' (their own and
        those shared with them), or every case's for duty, managers and administrators."""
        query = (select(Flag, Case.reference, Respondent.name, Respondent.role)
                 .join(Case, Flag.case_id == Case.id)
                 .join(Respondent, Flag.respondent_id == Respondent.id)
                 .where(Flag.acknowledged_at.is_(None)).order_by(Flag.created_at, Flag.id))
        if kind_of(worker) not in OVERSIGHT_KINDS:
            query = query.where(self._visible_to(worker))
        async with self.sessions() as session:
            rows = await session.execute(query)
            return [self._flag_json(flag) | {"case_id": flag.case_id, "case_reference": ref,
                                             "respondent_name": name, "respondent_role": role}
                    for flag, ref, name, role in rows]

    # Family side ---------------------------------------------------------------------

    async def respondent_for_token(self, token: str) -> Respondent:
        """The respondent a chat token opens; NotFound or Closed otherwise."""
        async with self.sessions() as session:
            respondent = await session.scalar(
                select(Respondent).where(Respondent.token_hash == token_hash(token))
            )
        if respondent is None:
            raise NotFound
        if respondent.revoked_at is not None or _aware(respondent.expires_at) <= utcnow():
            raise Closed
        return respondent

    async def respondent(self, respondent_id: str) -> Respondent:
        """The respondent as stored now (a turn re-reads it once it holds the lock)."""
        async with self.sessions() as session:
            respondent = await session.get(Respondent, respondent_id)
        if respondent is None:
            raise NotFound
        return respondent

    async def mark_started(self, respondent_id: str) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            if respondent.started_at is None:
                respondent.started_at = utcnow()
            if respondent.status == RespondentStatus.INVITED:
                respondent.status = RespondentStatus.IN_PROGRESS.value

    async def record_messages(self, respondent_id: str, person_text: str,
                              bot_texts: list[str] | list[dict]) -> None:
        """Bot messages as texts, or whole (their buttons and custom data kept too)."""
        async with self.sessions.begin() as session:
            session.add(Message(respondent_id=respondent_id, sender="person", text=person_text))
            for message in bot_texts:
                if isinstance(message, str):
                    message = {"text": message}
                extra = {k: message[k] for k in ("buttons", "custom") if message.get(k)}
                session.add(Message(respondent_id=respondent_id, sender="bot",
                                    text=message["text"],
                                    data=json.dumps(extra) if extra else None))

    async def person_turns(self, respondent_id: str) -> int:
        """How many messages from this person are recorded (the portal's turn number)."""
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Message).where(
                Message.respondent_id == respondent_id, Message.sender == "person")) or 0

    async def conversation(self, conversation_id: str) -> Conversation:
        async with self.sessions() as session:
            respondent = await self._by_conversation(session, conversation_id)
            case = await session.get(Case, respondent.case_id)
            return Conversation(
                respondent.id, respondent.conversation_id, respondent.role, respondent.name,
                case.child_name, respondent.status,
            )

    async def save_answer(self, conversation_id: str, key: str, kind: str, question: str,
                          text: str, value: int | None = None, section: str | None = None,
                          category: str | None = None, house: str | None = None,
                          parts: list[dict] | None = None) -> dict:
        """Insert or replace the answer to one question: the same call twice stores one."""
        fields = (kind, question, text, value, section, category, house,
                  json.dumps(parts) if parts else None)
        try:
            return await self._save_answer(conversation_id, key, *fields)
        except IntegrityError:
            # Two identical calls raced to insert; the second now finds the first's row.
            return await self._save_answer(conversation_id, key, *fields)

    async def _save_answer(self, conversation_id, key, kind, question, text, value,
                           section, category, house, parts) -> dict:
        async with self.sessions.begin() as session:
            respondent, answer, next_position = await self._answer_to_save(
                session, conversation_id, key)
            now = (text, value, question, parts, kind, section, category, house)
            if answer is not None and (
                    answer.text, answer.value, answer.question, answer.parts, answer.kind,
                    answer.section, answer.category, answer.house) == now:
                return self._answer_json(answer)  # a retry: nothing changes
            if answer is None:
                answer = Answer(id=new_id(), respondent_id=respondent.id, question_key=key,
                                position=next_position)
                session.add(answer)
            else:  # a changed answer: its items are made again
                await session.execute(delete(Item).where(Item.answer_id == answer.id))
            answer.kind, answer.question, answer.text, answer.value = kind, question, text, value
            answer.section, answer.category, answer.house = section, category, house
            answer.parts, answer.updated_at = parts, utcnow()
            await session.flush()  # the answer before its items (SQLite checks the key)
            session.add_all(self._items_of(respondent.id, answer))
            return self._answer_json(answer)

    async def _answer_to_save(self, session: AsyncSession, conversation_id: str, key: str
                              ) -> tuple[Respondent, Answer | None, int]:
        """In one query: the open respondent, their answer to `key` if any, and the
        position a new answer would take."""
        next_position = (select(func.coalesce(func.max(_EARLIER.position) + 1, 0))
                         .where(_EARLIER.respondent_id == Respondent.id)
                         .correlate(Respondent).scalar_subquery())
        row = (await session.execute(
            select(Respondent, Answer, next_position)
            .outerjoin(Answer, (Answer.respondent_id == Respondent.id)
                       & (Answer.question_key == key))
            .where(Respondent.conversation_id == conversation_id))).first()
        if row is None:
            raise NotFound
        respondent, answer, position = row
        return self._still_open(respondent), answer, position

    async def remove_answer(self, conversation_id: str, key: str) -> bool:
        async with self.sessions.begin() as session:
            respondent = await self._open_respondent(session, conversation_id)
            result = await session.execute(delete(Answer).where(
                Answer.respondent_id == respondent.id, Answer.question_key == key))
            await session.execute(delete(Item).where(
                Item.respondent_id == respondent.id,
                Item.answer_id.not_in(select(Answer.id))))
            return result.rowcount > 0

    async def answers(self, conversation_id: str) -> list[dict]:
        async with self.sessions() as session:
            respondent = await self._by_conversation(session, conversation_id)
            rows = await session.scalars(select(Answer).where(
                Answer.respondent_id == respondent.id).order_by(Answer.position))
            return [self._answer_json(answer) for answer in rows]

    async def submit(self, conversation_id: str) -> str:
        """Mark the answers as sent to the worker; sending twice keeps the first time."""
        async with self.sessions.begin() as session:
            respondent = await self._by_conversation(session, conversation_id)
            if respondent.submitted_at is None and respondent.revoked_at is not None:
                raise Closed  # a revoked link sends nothing to the map
            if respondent.submitted_at is None:
                respondent.submitted_at = utcnow()
                respondent.status = RespondentStatus.SUBMITTED.value
            return iso(respondent.submitted_at)

    # The map -------------------------------------------------------------------------

    async def draft_map(self, worker: Worker, case_id: str,
                        allowed: tuple[str, ...] = TEAM) -> dict:
        """The map; `allowed=LOOK` lets duty, managers and administrators read a
        flagged case's map too (the caller audits why)."""
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
            respondents = await self._respondents(session, case.id)
            sent = [r.id for r in respondents if r.status == RespondentStatus.SUBMITTED]
            items = await session.scalars(select(Item).where(Item.respondent_id.in_(sent))
                                          .order_by(Item.created_at, Item.position))
            answers = await session.scalars(select(Answer).where(
                Answer.respondent_id.in_(sent)).order_by(Answer.position))
            views = [AnswerView(a.respondent_id, a.question_key, a.kind, a.question, a.text,
                                a.value, bool(a.private)) for a in answers]
            return {
                "schema": draft_map.SCHEMA,
                "case": {"id": case.id, "reference": case.reference,
                         "child_name": case.child_name},
                "generated_at": iso(utcnow()),
                "respondents": [self._respondent_json(r, full=False) for r in respondents],
                "items": [self._item_json(item) for item in items],
                "scales": draft_map.scales_from_answers(views),
                "network": draft_map.network_from_answers(views),
                "flags": [self._flag_json(flag) for flag in await session.scalars(
                    select(Flag).where(Flag.case_id == case.id).order_by(Flag.created_at))],
            }

    async def update_item(self, worker: Worker, item_id: str, changes: dict) -> dict:
        async with self.sessions.begin() as session:
            item = await session.get(Item, item_id)
            if item is None:
                raise NotFound
            respondent = await session.get(Respondent, item.respondent_id)
            await self._case_for(session, worker, respondent.case_id, CHANGE)
            if respondent.status != RespondentStatus.SUBMITTED:
                raise NotFound  # not on the map yet, so not the worker's to see
            for field in ("section", "category", "status", "text", "private"):
                if field in changes:
                    setattr(item, field, changes[field])
            return self._item_json(item)

    # Safeguarding ----------------------------------------------------------------------

    async def raise_flag(self, respondent_id: str, category: str, text: str,
                         route: Route | None, level: str = IMMEDIATE,
                         now: datetime | None = None) -> dict:
        """Store the flag and its alerts in one transaction, before anything else.

        `route` is where its alerts go (None: no alerts, as for a `concern`). While an
        earlier alerted flag of the same person is open, the new flag joins its alerts
        instead: one family cannot flood the inbox, and every flag is still stored."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            since = now - timedelta(minutes=FLAG_REPEAT_MINUTES)
            same = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.text == text,
                Flag.created_at >= since))
            if same is not None:
                return self._flag_json(same)
            flag = Flag(id=new_id(), case_id=respondent.case_id, respondent_id=respondent_id,
                        category=category, text=text, level=level, created_at=now)
            session.add(flag)
            await session.flush()
            if route is not None:
                await self._alert_or_join(session, flag, route, now)
            return self._flag_json(flag)

    async def _alert_or_join(self, session: AsyncSession, flag: Flag, route: Route,
                             now: datetime) -> None:
        head = await self._open_head(session, flag.respondent_id, flag.id,
                                     urgent_only=flag.level == IMMEDIATE)
        if head is not None:
            flag.collapsed_into = head.id
            return
        flag.alert_period, flag.alert_step, flag.alerted_at = route.period, route.step, now
        session.add_all(self._alerts(flag.id, route, "raised", now))

    async def _open_head(self, session: AsyncSession, respondent_id: str,
                         other_than: str, urgent_only: bool = False) -> Flag | None:
        """The person's alerted flag whose alerts are still open, if any. An urgent flag
        joins only an urgent one: joining a `concern` would send no alert that says so."""
        query = select(Flag).where(
            Flag.respondent_id == respondent_id, Flag.id != other_than,
            Flag.alert_step.is_not(None), Flag.collapsed_into.is_(None))
        if urgent_only:
            query = query.where(Flag.level == IMMEDIATE)
        heads = await session.scalars(query)
        for head in heads:
            if await self._thread_open(session, head.id):
                return head
        return None

    @staticmethod
    async def _thread_open(session: AsyncSession, head_id: str) -> bool:
        """A flag's alerts stay open while it, or a flag collapsed into it, is open."""
        return await session.scalar(select(func.count()).select_from(Flag).where(
            or_(Flag.id == head_id, Flag.collapsed_into == head_id),
            Flag.acknowledged_at.is_(None))) > 0

    @staticmethod
    def _alerts(flag_id: str, route: Route, event: str, now: datetime) -> list[Alert]:
        return [Alert(flag_id=flag_id, channel=contact.channel, address=contact.address,
                      event=event, step=route.step, period=route.period, created_at=now,
                      next_attempt_at=now)
                for contact in route.contacts]

    async def set_flag_level(self, flag_id: str, level: str, route: Route | None,
                             now: datetime | None = None) -> dict:
        """Change a flag's level; with a `route`, a flag that never alerted alerts now
        (or joins its person's open alerts)."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            if flag.level != level:
                flag.level = level
                if (route is not None and flag.alert_step is None
                        and flag.collapsed_into is None):
                    await self._alert_or_join(session, flag, route, now)
            return self._flag_json(flag)

    async def latest_flag(self, respondent_id: str, category: str) -> dict | None:
        async with self.sessions() as session:
            flag = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.category == category)
                .order_by(Flag.created_at.desc()).limit(1))
            return self._flag_json(flag) if flag is not None else None

    async def acknowledge_flag(self, worker: Worker, flag_id: str,
                               now: datetime | None = None) -> dict:
        """The case's owner and viewers, and duty workers, managers and administrators."""
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            await self._case_for(session, worker, flag.case_id, LOOK)
            if flag.acknowledged_at is None:
                flag.acknowledged_by, flag.acknowledged_at = worker.username, now or self.clock()
            return self._flag_json(flag)

    async def overdue_heads(self, minutes: int, now: datetime) -> list[Head]:
        """Alerted flags whose alerts are still open, not acknowledged within `minutes` of
        their last step, with an open `immediate` flag among them (a `concern` waits
        for the worker, not for the next contact)."""
        async with self.sessions() as session:
            heads = await session.scalars(select(Flag).where(
                Flag.alert_step.is_not(None), Flag.collapsed_into.is_(None),
                Flag.alerted_at <= now - timedelta(minutes=minutes)))
            found = []
            for head in heads:
                urgent = await session.scalar(select(func.count()).select_from(Flag).where(
                    or_(Flag.id == head.id, Flag.collapsed_into == head.id),
                    Flag.acknowledged_at.is_(None), Flag.level == IMMEDIATE))
                if urgent:
                    found.append(Head(head.id, head.alert_period, head.alert_step,
                                      _aware(head.alerted_at)))
            return found

    async def advance(self, head: Head, route: Route, now: datetime) -> bool:
        """Move a flag's alerts to the next step; conditional, so that of several portals
        only one does it. False if someone else did, or there is no one left to tell."""
        if not route.contacts:
            return False
        async with self.sessions.begin() as session:
            claimed = await session.execute(update(Flag).where(
                Flag.id == head.flag_id, Flag.alert_step == head.step,
                Flag.alert_period == head.period)
                .values(alert_step=route.step, alert_period=route.period, alerted_at=now,
                        escalated_at=now))
            if claimed.rowcount != 1:
                return False
            session.add_all(self._alerts(head.flag_id, route, "escalated", now))
            return True

    async def due_alerts(self, now: datetime | None = None, limit: int = 50) -> list[AlertJob]:
        now = now or self.clock()
        grouped = aliased(Flag)
        still_open = (select(grouped.id).where(
            or_(grouped.id == Flag.id, grouped.collapsed_into == Flag.id),
            grouped.acknowledged_at.is_(None)).correlate(Flag).exists())
        async with self.sessions() as session:
            rows = await session.execute(
                select(Alert, Flag, Case, Respondent)
                .join(Flag, Alert.flag_id == Flag.id).join(Case, Flag.case_id == Case.id)
                .join(Respondent, Flag.respondent_id == Respondent.id)
                .where(Alert.delivered_at.is_(None), Alert.next_attempt_at <= now,
                       # an escalation is moot once the person's flags are acknowledged
                       or_(Alert.event != "escalated", still_open))
                .order_by(Alert.next_attempt_at).limit(limit))
            return [AlertJob(alert.id, alert.channel, alert.event, alert.attempts, flag.id,
                             case.id, case.reference, respondent.role, flag.category,
                             iso(flag.created_at), alert.address or "")
                    for alert, flag, case, respondent in rows]

    async def claim_alert(self, alert_id: str, lease_seconds: float = 60,
                          now: datetime | None = None) -> bool:
        """Take an alert for sending; with several portals only one of them gets it."""
        now = now or self.clock()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Alert).where(Alert.id == alert_id, Alert.delivered_at.is_(None),
                                    Alert.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=lease_seconds)))
            return result.rowcount == 1

    async def alert_delivered(self, alert_id: str, now: datetime | None = None) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            alert.delivered_at, alert.attempts = now or self.clock(), alert.attempts + 1

    async def alert_failed(self, alert_id: str, error: str, retry_in_seconds: float,
                           now: datetime | None = None) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            alert.attempts += 1
            alert.last_error = error
            alert.next_attempt_at = (now or self.clock()) + timedelta(seconds=retry_in_seconds)

    async def alert_trail(self, case_id: str) -> dict[str, dict]:
        """Where each flag's alerts went and when, by flag id: `{"alerts": [...],
        "collapsed": bool}` (a flag that joined an earlier one's alerts shows those)."""
        async with self.sessions() as session:
            flags = list(await session.execute(select(Flag.id, Flag.collapsed_into).where(
                Flag.case_id == case_id)))
            rows = await session.scalars(select(Alert).join(Flag, Alert.flag_id == Flag.id)
                                         .where(Flag.case_id == case_id)
                                         .order_by(Alert.created_at, Alert.channel))
            by_flag: dict[str, list[dict]] = {}
            for alert in rows:
                by_flag.setdefault(alert.flag_id, []).append({
                    "channel": alert.channel, "address": alert.address, "event": alert.event,
                    "step": alert.step, "period": alert.period,
                    "created_at": iso(alert.created_at),
                    "delivered_at": iso(alert.delivered_at), "attempts": alert.attempts})
            return {flag_id: {"alerts": by_flag.get(head or flag_id, []),
                              "collapsed": head is not None}
                    for flag_id, head in flags}

    async def answer_marker(self, respondent_id: str) -> tuple[str, str] | None:
        """The key and save time of the answer saved last: compared before and after a
        turn, it tells whether the turn saved (or changed) an answer."""
        return (await self.after_turn(respondent_id))[0]

    async def after_turn(self, respondent_id: str
                         ) -> tuple[tuple[str, str] | None, str | None]:
        """In one query, after the assistant's turn: the answer marker (above) and the
        question the portal is waiting on, if any."""
        last = (select(Answer.question_key, Answer.updated_at)
                .where(Answer.respondent_id == respondent_id)
                .order_by(Answer.updated_at.desc(), Answer.position.desc())
                .limit(1).subquery())
        async with self.sessions() as session:
            row = (await session.execute(
                select(Respondent.pending_check, last.c.question_key, last.c.updated_at)
                .outerjoin(last, true()).where(Respondent.id == respondent_id))).first()
        if row is None:
            raise NotFound
        pending, key, saved_at = row
        return ((key, iso(saved_at)) if key is not None else None), pending

    async def mark_private(self, respondent_id: str, key: str) -> bool:
        """The person asked that their family not see this answer: it and its items are
        kept out of family copies. False if there is no such answer."""
        async with self.sessions.begin() as session:
            answer = await session.scalar(select(Answer).where(
                Answer.respondent_id == respondent_id, Answer.question_key == key))
            if answer is None:
                return False
            answer.private = True
            await session.execute(update(Item).where(Item.answer_id == answer.id)
                                  .values(private=True))
            return True

    async def set_pending_check(self, respondent_id: str, check: str | None) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            respondent.pending_check = check

    async def set_named(self, respondent_id: str, named: bool) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            respondent.named_in_family_copy = named

    async def last_prompt(self, respondent_id: str) -> dict | None:
        """The assistant's last message with buttons (not one the portal asked itself)."""
        for text, extra in await self._recent_bot_messages(respondent_id, 10):
            if extra.get("buttons") and not (extra.get("custom") or {}).get("portal"):
                return {"text": text} | extra
        return None

    async def current_question(self, respondent_id: str) -> str | None:
        """The question slot of the assistant's last question to this person, if any."""
        for _, extra in await self._recent_bot_messages(respondent_id, 5):
            question = (extra.get("custom") or {}).get("question")
            if question:
                return str(question)
        return None

    async def _recent_bot_messages(self, respondent_id: str,
                                   limit: int) -> list[tuple[str, dict]]:
        """The assistant's newest messages that carry buttons or custom data."""
        async with self.sessions() as session:
            rows = await session.execute(select(Message.text, Message.data).where(
                Message.respondent_id == respondent_id, Message.sender == "bot",
                Message.data.is_not(None)).order_by(Message.id.desc()).limit(limit))
            return [(text, json.loads(data)) for text, data in rows]

    async def hold_reply(self, respondent_id: str, messages: list[dict] | None) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            respondent.held_reply = json.dumps(messages) if messages is not None else None

    async def take_held_reply(self, respondent_id: str) -> list[dict] | None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            held, respondent.held_reply = respondent.held_reply, None
            return json.loads(held) if held else None

    # Helpers -------------------------------------------------------------------------

    @staticmethod
    def _visible_to(worker: Worker):
        shared = select(CaseAccess.case_id).where(CaseAccess.worker_id == worker.id)
        return or_(Case.owner_id == worker.id, Case.id.in_(shared))

    async def _case_for(self, session: AsyncSession, worker: Worker, case_id: str,
                        allowed: tuple[str, ...] = TEAM) -> Case:
        """The case, if the worker's access to it is one of `allowed`. NotFound when
        they may not know it exists; ReadOnly when they may see it but not do this."""
        case, access = await self._access(session, worker, case_id)
        if case is None or access is None:
            raise NotFound
        if access not in allowed:
            raise ReadOnly
        return case

    async def _access(self, session: AsyncSession, worker: Worker, case_id: str
                      ) -> tuple[Case | None, str | None]:
        """"owner", "viewer", the worker's kind for a look at a flagged case, or None."""
        case = await session.get(Case, case_id)
        if case is None:
            return None, None
        if case.owner_id == worker.id:
            return case, OWNER
        if await session.get(CaseAccess, (case_id, worker.id)) is not None:
            return case, VIEWER
        kind = kind_of(worker)
        if kind in OVERSIGHT_KINDS and await session.scalar(
                select(Flag.id).where(Flag.case_id == case_id).limit(1)):
            return case, kind
        return case, None

    @staticmethod
    async def _respondents(session: AsyncSession, case_id: str) -> list[Respondent]:
        rows = await session.scalars(select(Respondent).where(
            Respondent.case_id == case_id).order_by(Respondent.created_at))
        return list(rows)

    @staticmethod
    async def _by_conversation(session: AsyncSession, conversation_id: str) -> Respondent:
        respondent = await session.scalar(select(Respondent).where(
            Respondent.conversation_id == conversation_id))
        if respondent is None:
            raise NotFound
        return respondent

    async def _open_respondent(self, session: AsyncSession, conversation_id: str) -> Respondent:
        return self._still_open(await self._by_conversation(session, conversation_id))

    @staticmethod
    def _still_open(respondent: Respondent) -> Respondent:
        """The respondent, if their answers may still change; Closed otherwise."""
        if respondent.submitted_at is not None or respondent.revoked_at is not None:
            raise Closed
        return respondent

    @staticmethod
    def _items_of(respondent_id: str, answer: Answer) -> list[Item]:
        """The draft map's items from one answer (none unless it is an item answer)."""
        if answer.kind != "item":
            return []
        drafts = draft_map.items_from_answer(
            answer.text, answer.question, answer.section, answer.category, answer.house,
            json.loads(answer.parts) if answer.parts else None)
        return [Item(answer_id=answer.id, respondent_id=respondent_id, section=d.section,
                     private=bool(answer.private),
                     category=d.category, house=d.house, text=d.text, original_text=d.text,
                     question=d.question, confidence=d.confidence,
                     position=answer.position * 100 + index)
                for index, d in enumerate(drafts)]

    @staticmethod
    def _case_json(case: Case) -> dict:
        return {"id": case.id, "reference": case.reference, "child_name": case.child_name,
                "created_at": iso(case.created_at)}

    @staticmethod
    def _respondent_json(respondent: Respondent, full: bool = True) -> dict:
        data = {"id": respondent.id, "role": respondent.role, "name": respondent.name,
                "status": respondent.status, "submitted_at": iso(respondent.submitted_at),
                "named_in_family_copy": bool(respondent.named_in_family_copy)}
        if full:
            data |= {"expires_at": iso(respondent.expires_at),
                     "revoked_at": iso(respondent.revoked_at)}
        return data

    @staticmethod
    def _answer_json(answer: Answer) -> dict:
        return {"key": answer.question_key, "kind": answer.kind, "question": answer.question,
                "text": answer.text, "value": answer.value, "section": answer.section,
                "category": answer.category, "house": answer.house,
                "private": bool(answer.private)}

    @staticmethod
    def _flag_json(flag: Flag) -> dict:
        return {"id": flag.id, "kind": "safeguarding", "respondent_id": flag.respondent_id,
                "text": flag.text, "category": flag.category, "level": flag.level,
                "created_at": iso(flag.created_at), "acknowledged_by": flag.acknowledged_by,
                "acknowledged_at": iso(flag.acknowledged_at)}

    @staticmethod
    def _item_json(item: Item) -> dict:
        return {"id": item.id, "respondent_id": item.respondent_id, "section": item.section,
                "category": item.category, "house": item.house, "text": item.text,
                "original_text": item.original_text, "question": item.question,
                "confidence": item.confidence, "status": item.status,
                "private": bool(item.private), "suggested_section": None,
                "created_at": iso(item.created_at)}
