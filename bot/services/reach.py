"""Reaching people: where their link and one reminder may be sent, and when they went."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.core.contact_rules import Contact, keys
from bot.database.models import Respondent, utcnow
from bot.services.common import Common


class Reachable:
    """A person who may get a message: who, and where they may be contacted."""

    def __init__(self, respondent: Respondent, others: set[str]) -> None:
        self.id, self.name = respondent.id, respondent.name
        self.contact = Contact(respondent.role, respondent.contact_sms,
                               respondent.contact_email, bool(respondent.contact_safe),
                               bool(respondent.contact_shared_ok))
        self.others = others  # the other people's numbers and addresses in the case


class ReachService(Common):
    async def reachable(self, respondent_id: str) -> Reachable:
        async with self.sessions() as session:
            respondent = await session.get(Respondent, respondent_id)
            assert respondent is not None  # just created
            return Reachable(respondent, await self._others(session, respondent))

    async def mark_invitation_sent(self, respondent_id: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(Respondent).where(Respondent.id == respondent_id)
                                  .values(invitation_sent_at=utcnow()))

    async def claim_reminders(self, days: int, now: datetime | None = None
                              ) -> list[Reachable]:
        """The people due one reminder (started more than `days` ago, not sent, link
        open, safe to contact), each claimed once: a claimed person is never due again,
        whichever portal claimed them, even if sending then fails."""
        now = now or utcnow()
        async with self.sessions() as session:
            due = list(await session.scalars(select(Respondent).where(
                Respondent.started_at <= now - timedelta(days=days),
                Respondent.submitted_at.is_(None), Respondent.revoked_at.is_(None),
                Respondent.expires_at > now, Respondent.reminded_at.is_(None),
                Respondent.contact_safe.is_(True))))
        claimed = []
        for respondent in due:
            async with self.sessions.begin() as session:
                result = await session.execute(
                    update(Respondent).where(Respondent.id == respondent.id,
                                             Respondent.reminded_at.is_(None))
                    .values(reminded_at=now))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(Reachable(respondent,
                                             await self._others(session, respondent)))
        return claimed

    @staticmethod
    async def _others(session, respondent: Respondent) -> set[str]:
        rows = await session.execute(select(Respondent.contact_sms, Respondent.contact_email)
                                     .where(Respondent.case_id == respondent.case_id,
                                            Respondent.id != respondent.id))
        others: set[str] = set()
        for sms, email in rows:
            others |= keys(sms, email)
        return others
