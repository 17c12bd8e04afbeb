"""The draft-map store: every read and write of the portal's database.

Async SQLAlchemy throughout, so no database call blocks the portal's event loop.
Each public method opens its own short session; nothing is shared between requests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import aliased

from bot import draft_map
from bot.draft_map import AnswerView, iso
from bot.models import (
    Alert,
    Answer,
    Base,
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
from bot.security import hash_password, new_token, token_hash, verify_password
from bot.sqlite_async import OneWriterSessions, one_trip_dbapi
from bot.sqlite_wal import use_wal


class NotFound(Exception):
    """The thing does not exist, or this caller may not know that it does."""


class Closed(Exception):
    """The invitation was revoked, has expired, or the answers were already sent."""


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
    def __init__(self, database_url: str, pool_size: int = 5) -> None:
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
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.sessions() as session:
            await session.execute(select(1))

    # Workers and login ---------------------------------------------------------------

    async def add_worker(self, username: str, password: str, is_admin: bool = False) -> str:
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self.sessions.begin() as session:
            worker = Worker(username=username, password_hash=password_hash, is_admin=is_admin)
            session.add(worker)
            await session.flush()
            return worker.id

    async def login(self, username: str, password: str, hours: int) -> tuple[str, datetime] | None:
        async with self.sessions() as session:
            worker = await session.scalar(select(Worker).where(Worker.username == username))
        stored = worker.password_hash if worker else None
        if not await asyncio.to_thread(verify_password, stored, password) or worker is None:
            return None
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

    async def case_detail(self, worker: Worker, case_id: str) -> dict:
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id)
            respondents = await self._respondents(session, case.id)
            return self._case_json(case) | {
                "respondents": [self._respondent_json(r) for r in respondents]
            }

    async def create_invitation(
        self, worker: Worker, case_id: str, role: str, name: str, days: int
    ) -> tuple[dict, str]:
        token = new_token()
        async with self.sessions.begin() as session:
            case = await self._case_for(session, worker, case_id)
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
            await self._case_for(session, worker, respondent.case_id)
            if respondent.revoked_at is None:
                respondent.revoked_at = utcnow()

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

    async def mark_started(self, respondent_id: str) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            if respondent.started_at is None:
                respondent.started_at = utcnow()
            if respondent.status == "invited":
                respondent.status = "in_progress"

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
                respondent.status = "submitted"
            return iso(respondent.submitted_at)

    # The map -------------------------------------------------------------------------

    async def draft_map(self, worker: Worker, case_id: str) -> dict:
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id)
            respondents = await self._respondents(session, case.id)
            sent = [r.id for r in respondents if r.status == "submitted"]
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
            await self._case_for(session, worker, respondent.case_id)
            if respondent.status != "submitted":
                raise NotFound  # not on the map yet, so not the worker's to see
            for field in ("section", "category", "status", "text", "private"):
                if field in changes:
                    setattr(item, field, changes[field])
            return self._item_json(item)

    # Safeguarding ----------------------------------------------------------------------

    async def raise_flag(self, respondent_id: str, category: str, text: str,
                         channels: list[str], level: str = "immediate") -> dict:
        """Store the flag and its alerts in one transaction, before anything else.

        `channels` are the alerts to send: the caller passes none for a `concern`."""
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            since = utcnow() - timedelta(minutes=FLAG_REPEAT_MINUTES)
            same = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.text == text,
                Flag.created_at >= since))
            if same is not None:
                return self._flag_json(same)
            flag = Flag(case_id=respondent.case_id, respondent_id=respondent_id,
                        category=category, text=text, level=level)
            session.add(flag)
            await session.flush()
            session.add_all(Alert(flag_id=flag.id, channel=channel, event="raised")
                            for channel in channels)
            return self._flag_json(flag)

    async def set_flag_level(self, flag_id: str, level: str, channels: list[str]) -> dict:
        """Change a flag's level; `channels` get a fresh alert (none when lowering)."""
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            if flag.level != level:
                flag.level = level
                session.add_all(Alert(flag_id=flag.id, channel=channel, event="raised")
                                for channel in channels)
            return self._flag_json(flag)

    async def latest_flag(self, respondent_id: str, category: str) -> dict | None:
        async with self.sessions() as session:
            flag = await session.scalar(select(Flag).where(
                Flag.respondent_id == respondent_id, Flag.category == category)
                .order_by(Flag.created_at.desc()).limit(1))
            return self._flag_json(flag) if flag is not None else None

    async def acknowledge_flag(self, worker: Worker, flag_id: str) -> dict:
        async with self.sessions.begin() as session:
            flag = await session.get(Flag, flag_id)
            if flag is None:
                raise NotFound
            await self._case_for(session, worker, flag.case_id)
            if flag.acknowledged_at is None:
                flag.acknowledged_by, flag.acknowledged_at = worker.username, utcnow()
            return self._flag_json(flag)

    async def escalate_overdue(self, minutes: int, channels: list[str]) -> int:
        """Flags nobody acknowledged in time get a second, louder round of alerts."""
        async with self.sessions.begin() as session:
            overdue = list(await session.scalars(select(Flag.id).where(
                Flag.acknowledged_at.is_(None), Flag.escalated_at.is_(None),
                Flag.level == "immediate",  # a concern waits for the worker, not duty
                Flag.created_at <= utcnow() - timedelta(minutes=minutes))))
            escalated = 0
            for flag_id in overdue:
                # Conditional, so that of several portals only one escalates each flag.
                claimed = await session.execute(update(Flag).where(
                    Flag.id == flag_id, Flag.escalated_at.is_(None),
                    Flag.acknowledged_at.is_(None)).values(escalated_at=utcnow()))
                if claimed.rowcount == 1:
                    escalated += 1
                    session.add_all(Alert(flag_id=flag_id, channel=channel, event="escalated")
                                    for channel in channels)
            return escalated

    async def due_alerts(self, limit: int = 50) -> list[AlertJob]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Alert, Flag, Case, Respondent)
                .join(Flag, Alert.flag_id == Flag.id).join(Case, Flag.case_id == Case.id)
                .join(Respondent, Flag.respondent_id == Respondent.id)
                .where(Alert.delivered_at.is_(None), Alert.next_attempt_at <= utcnow(),
                       # an escalation is moot once a worker has acknowledged the flag
                       or_(Alert.event != "escalated", Flag.acknowledged_at.is_(None)))
                .order_by(Alert.next_attempt_at).limit(limit))
            return [AlertJob(alert.id, alert.channel, alert.event, alert.attempts, flag.id,
                             case.id, case.reference, respondent.role, flag.category,
                             iso(flag.created_at))
                    for alert, flag, case, respondent in rows]

    async def claim_alert(self, alert_id: str, lease_seconds: float = 60) -> bool:
        """Take an alert for sending; with several portals only one of them gets it."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(Alert).where(Alert.id == alert_id, Alert.delivered_at.is_(None),
                                    Alert.next_attempt_at <= utcnow())
                .values(next_attempt_at=utcnow() + timedelta(seconds=lease_seconds)))
            return result.rowcount == 1

    async def alert_delivered(self, alert_id: str) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            alert.delivered_at, alert.attempts = utcnow(), alert.attempts + 1

    async def alert_failed(self, alert_id: str, error: str, retry_in_seconds: float) -> None:
        async with self.sessions.begin() as session:
            alert = await session.get(Alert, alert_id)
            alert.attempts += 1
            alert.last_error = error
            alert.next_attempt_at = utcnow() + timedelta(seconds=retry_in_seconds)

    async def answer_marker(self, respondent_id: str) -> tuple[str, str] | None:
        """The key and save time of the answer saved last: compared before and after a
        turn, it tells whether the turn saved (or changed) an answer."""
        async with self.sessions() as session:
            row = (await session.execute(
                select(Answer.question_key, Answer.updated_at)
                .where(Answer.respondent_id == respondent_id)
                .order_by(Answer.updated_at.desc(), Answer.position.desc()).limit(1))).first()
            return (row[0], iso(row[1])) if row else None

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

    async def pending_check(self, respondent_id: str) -> str | None:
        async with self.sessions() as session:
            return await session.scalar(select(Respondent.pending_check).where(
                Respondent.id == respondent_id))

    async def set_named(self, respondent_id: str, named: bool) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            respondent.named_in_family_copy = named

    async def last_prompt(self, respondent_id: str) -> dict | None:
        """The assistant's last message with buttons (not one the portal asked itself)."""
        async with self.sessions() as session:
            rows = await session.execute(select(Message.text, Message.data).where(
                Message.respondent_id == respondent_id, Message.sender == "bot",
                Message.data.is_not(None)).order_by(Message.id.desc()).limit(10))
            for text, data in rows:
                extra = json.loads(data)
                if extra.get("buttons") and not (extra.get("custom") or {}).get("portal"):
                    return {"text": text} | extra
            return None

    async def current_question(self, respondent_id: str) -> str | None:
        """The question slot of the assistant's last question to this person, if any."""
        async with self.sessions() as session:
            rows = await session.scalars(select(Message.data).where(
                Message.respondent_id == respondent_id, Message.sender == "bot",
                Message.data.is_not(None)).order_by(Message.id.desc()).limit(5))
            for data in rows:
                question = (json.loads(data).get("custom") or {}).get("question")
                if question:
                    return str(question)
            return None

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
        return or_(Case.created_by == worker.id, Case.id.in_(shared))

    async def _case_for(self, session: AsyncSession, worker: Worker, case_id: str) -> Case:
        case = await session.scalar(
            select(Case).where(Case.id == case_id, self._visible_to(worker)))
        if case is None:
            raise NotFound
        return case

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
