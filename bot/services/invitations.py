"""Invitations: the respondents of a case, and the links that open their chats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.security import new_token, token_hash
from bot.core.vocabulary import Role, question_set_for
from bot.database.models import Respondent, Worker, utcnow
from bot.services.common import CHANGE, Closed, NotFound, _aware
from bot.services.rounds import RoundsService
from bot.services.shapes import RespondentJson


class InvitationsService(RoundsService):
    """The respondents of cases: invited, opened, revoked."""

    async def create_invitation(
        self, worker: Worker, case_id: str, role: str, name: str, days: int,
        relationship: str | None = None, questions: str | None = None,
        assisted: str | None = None, contact: dict | None = None, easy_read: bool = False,
    ) -> tuple[RespondentJson, str]:
        """`contact`: as `bot.portal.inputs.contact` checked it, or None."""
        role = Role(role).value  # ValueError for a role MapBot does not know
        # Kept only where it differs from the role's own set (and never for a child).
        chosen = question_set_for(role, questions)
        question_set = chosen if chosen != question_set_for(role) else None
        token = new_token()
        contact = contact or {}
        await self._ensure_rounds(case_id)
        async with self.sessions.begin() as session:
            case = await self._case_for(session, worker, case_id, CHANGE)
            current = await self._round(session, case)
            respondent = Respondent(
                case_id=case.id, round_id=current.id, role=role, name=name,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=days), assisted=assisted,
                relationship_to_child=relationship, question_set=question_set,
                contact_sms=contact.get("sms"), contact_email=contact.get("email"),
                contact_safe=bool(contact.get("safe_to_contact")),
                contact_shared_ok=bool(contact.get("shared_phone_ok")),
                easy_read=easy_read,
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
            assert respondent is not None  # its id came from its chat token
            if respondent.started_at is None:
                respondent.started_at = utcnow()
            if respondent.status == "invited":
                respondent.status = "in_progress"

    async def set_named(self, respondent_id: str, named: bool) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            assert respondent is not None  # its id came from its chat token
            respondent.named_in_family_copy = named
