"""What the services share: their errors, the access levels, and the private helpers
that more than one service uses (reading a case as a worker, shaping rows as JSON)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import overload

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.alert_routes import Route
from bot.core.draft_map import iso
from bot.core.vocabulary import (
    ADMINISTRATOR,
    OVERSIGHT_KINDS,
    OWNER,
    VIEWER,
    WORKER,
    question_set_for,
)
from bot.database.models import Alert, Answer, Case, CaseAccess, Flag, Item, Respondent, Worker
from bot.services.shapes import AnswerJson, CaseJson, FlagJson, ItemJson, RespondentJson


class NotFound(Exception):
    """The thing does not exist, or this caller may not know that it does."""


class Closed(Exception):
    """The invitation was revoked, has expired, or the answers were already sent."""


class ReadOnly(Exception):
    """The worker may see the case but not do this to it (a viewer, or duty)."""


class Conflict(Exception):
    """The change cannot be made as asked (the message says why, in plain words)."""


class Invalid(Exception):
    """What was sent names something that is not this case's (the message says what)."""


# What a worker may do to a case, by their access to it (`Store.access`): the case's
# team reads it; duty workers, managers and administrators also look at a case with a
# safeguarding flag; only its owner changes it.
TEAM = (OWNER, VIEWER)
LOOK = (*TEAM, *OVERSIGHT_KINDS)
CHANGE = (OWNER,)


def kind_of(worker: Worker) -> str:
    """The worker's kind; `is_admin` always means an administrator."""
    return ADMINISTRATOR if worker.is_admin else (worker.kind or WORKER)


@overload
def _aware(moment: datetime) -> datetime: ...
@overload
def _aware(moment: None) -> None: ...
@overload
def _aware(moment: datetime | None) -> datetime | None: ...
def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


class Common:
    """The private helpers; `Engine` sets `sessions` and `clock`."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]

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
    def _alerts(flag_id: str, route: Route, event: str, now: datetime) -> list[Alert]:
        return [Alert(flag_id=flag_id, channel=contact.channel, address=contact.address,
                      event=event, step=route.step, period=route.period, created_at=now,
                      next_attempt_at=now)
                for contact in route.contacts]

    @staticmethod
    def _case_json(case: Case) -> CaseJson:
        return {"id": case.id, "reference": case.reference, "child_name": case.child_name,
                "created_at": iso(case.created_at)}

    @staticmethod
    def _respondent_json(respondent: Respondent, full: bool = True) -> RespondentJson:
        data: RespondentJson = {
            "id": respondent.id, "role": respondent.role, "name": respondent.name,
            "status": respondent.status, "submitted_at": iso(respondent.submitted_at),
            "relationship": respondent.relationship_to_child,
            "named_in_family_copy": bool(respondent.named_in_family_copy),
            "assisted": respondent.assisted}
        if full:
            data |= {"expires_at": iso(respondent.expires_at),
                     "revoked_at": iso(respondent.revoked_at),
                     "questions": question_set_for(respondent.role, respondent.question_set),
                     "easy_read": bool(respondent.easy_read)}
        return data

    @staticmethod
    def _answer_json(answer: Answer) -> AnswerJson:
        return {"key": answer.question_key, "kind": answer.kind, "question": answer.question,
                "text": answer.text, "value": answer.value, "section": answer.section,
                "category": answer.category, "house": answer.house,
                "private": bool(answer.private)}

    @staticmethod
    def _flag_json(flag: Flag) -> FlagJson:
        return {"id": flag.id, "kind": "safeguarding", "respondent_id": flag.respondent_id,
                "text": flag.text, "category": flag.category, "level": flag.level,
                "created_at": iso(flag.created_at), "acknowledged_by": flag.acknowledged_by,
                "acknowledged_at": iso(flag.acknowledged_at), "language": flag.language}

    @staticmethod
    def _item_json(item: Item) -> ItemJson:
        return {"id": item.id, "respondent_id": item.respondent_id, "section": item.section,
                "category": item.category, "house": item.house, "text": item.text,
                "original_text": item.original_text, "question": item.question,
                "confidence": item.confidence, "status": item.status,
                "private": bool(item.private), "suggested_section": item.suggested_section,
                "moved_from": item.moved_from,
                "language": item.language or "en",
                "safeguarding_checked": item.safeguarding_checked is not False,
                "created_at": iso(item.created_at)}
