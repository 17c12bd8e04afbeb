"""Rounds of mapping: the first, then one a review. Invitations belong to the round that
is current when they are made; each round's map stays readable."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.draft_map import AnswerView, iso, scales_from_answers
from bot.database.models import Analysis, Answer, Case, Respondent, Round, Worker, utcnow
from bot.services.common import CHANGE, Common, Conflict, NotFound
from bot.services.shapes import RoundJson

FIRST_LABEL = "First mapping"  # also in migration 0007, for the cases made before rounds


class RoundsService(Common):
    """Rounds of a case, and the scales over them."""

    async def start_round(self, worker: Worker, case_id: str, label: str) -> RoundJson:
        """A new current round. The worker's part carries over from the round before,
        so that a review starts from what was agreed last time."""
        await self._ensure_rounds(case_id)
        try:
            async with self.sessions.begin() as session:
                case = await self._case_for(session, worker, case_id, CHANGE)
                before = await self._round(session, case)
                started = Round(case_id=case.id, number=before.number + 1, label=label,
                                started_at=utcnow())
                session.add(started)
                await session.flush()
                kept = await session.get(Analysis, before.id)
                if kept is not None:
                    session.add(Analysis(round_id=started.id, case_id=case.id, version=1,
                                         content=kept.content, updated_at=started.started_at,
                                         updated_by=worker.username))
                return self._round_json(started)
        except IntegrityError:
            raise Conflict("Someone started a round of this case at the same moment. "
                           "Please look at the case again.") from None

    async def rounds_of(self, case_id: str) -> list[RoundJson]:
        """The case's rounds, first first (the caller has checked the worker's access)."""
        async with self.sessions() as session:
            return [self._round_json(r) for r in await session.scalars(
                select(Round).where(Round.case_id == case_id).order_by(Round.number))]

    async def mark_filed(self, worker: Worker, case_id: str, number: int,
                         filed: bool) -> Round:
        """The owner marks a round filed in the case record (retention then counts its
        time from now), or takes the mark back if it was a mistake."""
        await self._ensure_rounds(case_id)
        async with self.sessions.begin() as session:
            case = await self._case_for(session, worker, case_id, CHANGE)
            round_ = await self._round(session, case, number)
            round_.filed_at = utcnow() if filed else None
            round_.filed_by = worker.username if filed else None
            return round_

    async def filing(self, case_id: str) -> dict[int, Round]:
        """The case's filed rounds by number (the caller has checked the worker's access)."""
        async with self.sessions() as session:
            return {r.number: r for r in await session.scalars(select(Round).where(
                Round.case_id == case_id, Round.filed_at.is_not(None)))}

    async def _ensure_rounds(self, case_id: str) -> None:
        """A case made before rounds (without any) gets its first round; callers do
        this before the session that reads the round."""
        async with self.sessions.begin() as session:
            if await session.scalar(select(Round.id).where(Round.case_id == case_id)
                                    .limit(1)) is not None:
                return
            case = await session.get(Case, case_id)
            if case is None:
                return
            try:
                async with session.begin_nested():
                    session.add(Round(case_id=case.id, number=1, label=FIRST_LABEL,
                                      started_at=case.created_at))
            except IntegrityError:  # made at the same moment by another request
                pass

    @staticmethod
    async def _round(session: AsyncSession, case: Case, number: int | None = None) -> Round:
        """The case's round `number` (NotFound if none), or its current round."""
        query = select(Round).where(Round.case_id == case.id)
        query = (query.where(Round.number == number) if number is not None
                 else query.order_by(Round.number.desc()).limit(1))
        found = await session.scalar(query)
        if found is None:
            raise NotFound
        return found

    @staticmethod
    def _of_round(round_: Round):
        """Respondents of this round (rows from before rounds belong to the first)."""
        mine = Respondent.round_id == round_.id
        return or_(mine, Respondent.round_id.is_(None)) if round_.number == 1 else mine

    async def _history(self, session: AsyncSession, case: Case) -> list[dict]:
        """Every round's numbers, round by round, each person's own scale first."""
        rounds = {r.id: r for r in await session.scalars(
            select(Round).where(Round.case_id == case.id))}
        first = min(rounds.values(), key=lambda r: r.number)
        people = {r.id: r for r in await session.scalars(select(Respondent).where(
            Respondent.case_id == case.id, Respondent.status == "submitted")
            .order_by(Respondent.created_at))}
        answers = await session.scalars(select(Answer).where(
            Answer.respondent_id.in_(list(people)),
            Answer.kind == "scale").order_by(Answer.position))
        scales = scales_from_answers(AnswerView(a.respondent_id, a.question_key, a.kind,
                                                a.question, a.text, a.value)
                                     for a in answers)
        order = list(people)
        rows = []
        for scale in scales:
            person = people[scale["respondent_id"]]
            number = rounds.get(person.round_id or first.id, first).number
            rows.append({"round": number, "respondent_id": person.id, "role": person.role,
                         "name": person.name, "value": scale["value"],
                         "common": scale["common"]})
        rows.sort(key=lambda row: (row["round"], order.index(row["respondent_id"]),
                                   row["common"]))
        return rows

    @staticmethod
    def _round_json(round_: Round) -> RoundJson:
        return {"id": round_.id, "number": round_.number, "label": round_.label,
                "started_at": iso(round_.started_at)}
