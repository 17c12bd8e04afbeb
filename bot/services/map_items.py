"""The draft map of a case and its items."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import draft_map
from bot.core.draft_map import AnswerView, iso
from bot.database.models import Answer, Flag, Item, Respondent, Worker, utcnow
from bot.services.common import CHANGE, TEAM, NotFound
from bot.services.rounds import RoundsService
from bot.services.shapes import DraftMapJson, ItemJson


class MapService(RoundsService):
    """The draft map and its items."""

    async def draft_map(self, worker: Worker, case_id: str,
                        allowed: tuple[str, ...] = TEAM,
                        round_number: int | None = None) -> DraftMapJson:
        """The map of the current round, or of round `round_number` (NotFound if the
        case has no such round); `allowed=LOOK` lets duty, managers and administrators
        read a flagged case's map too (the caller audits why). The current round's map
        holds every flag of the case, so that no open flag hides in an earlier round."""
        await self._ensure_rounds(case_id)
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
            current = await self._round(session, case)
            shown = current if round_number is None else await self._round(
                session, case, round_number)
            respondents = list(await session.scalars(select(Respondent).where(
                Respondent.case_id == case.id, self._of_round(shown))
                .order_by(Respondent.created_at)))
            flagged = Flag.case_id == case.id
            if shown.id != current.id:
                flagged = flagged & Flag.respondent_id.in_([r.id for r in respondents])
            sent = [r.id for r in respondents if r.status == "submitted"]
            items = await session.scalars(select(Item).where(Item.respondent_id.in_(sent))
                                          .order_by(Item.created_at, Item.position))
            answers = await session.scalars(select(Answer).where(
                Answer.respondent_id.in_(sent)).order_by(Answer.position))
            views = [AnswerView(a.respondent_id, a.question_key, a.kind, a.question, a.text,
                                a.value, bool(a.private)) for a in answers]
            with_you = draft_map.with_you_by_person(views)
            trusted = draft_map.trusted_words_by_person(views)
            return {
                "schema": draft_map.SCHEMA,
                "case": {"id": case.id, "reference": case.reference,
                         "child_name": case.child_name},
                "generated_at": iso(utcnow()),
                "respondents": [self._respondent_json(r, full=False)
                                | {"with_you": with_you.get(r.id),
                                   "trusted_words": trusted.get(r.id)} for r in respondents],
                "items": [self._item_json(item) for item in items],
                "scales": draft_map.scales_from_answers(views),
                "network": draft_map.network_from_answers(
                    views, {r.id: r.role for r in respondents}),
                "flags": [self._flag_json(flag) for flag in await session.scalars(
                    select(Flag).where(flagged).order_by(Flag.created_at))],
                "round": self._round_json(shown),
                "history": {"scales": await self._history(session, case)},
                "analysis": {"see": f"GET /api/v1/cases/{case.id}/analysis"},
            }

    async def items_named(self, case_id: str, ids: set[str]) -> list[dict]:
        """Sent items of the case among `ids`, each with who said it (for evidence that
        rests on an earlier round's words); the caller has checked the worker's access."""
        if not ids:
            return []
        async with self.sessions() as session:
            rows = await session.execute(select(Item, Respondent).join(
                Respondent, Item.respondent_id == Respondent.id).where(
                Item.id.in_(ids), Respondent.case_id == case_id,
                Respondent.status == "submitted"))
            return [self._item_json(item) | {"person": {"name": person.name,
                                                        "role": person.role}}
                    for item, person in rows]

    async def update_item(self, worker: Worker, item_id: str, changes: dict) -> ItemJson:
        async with self.sessions.begin() as session:
            item = await session.get(Item, item_id)
            if item is None:
                raise NotFound
            respondent = await session.get(Respondent, item.respondent_id)
            assert respondent is not None  # an item belongs to a respondent (foreign key)
            await self._case_for(session, worker, respondent.case_id, CHANGE)
            if respondent.status != "submitted":
                raise NotFound  # not on the map yet, so not the worker's to see
            for field in ("section", "category", "status", "text", "private"):
                if field in changes:
                    setattr(item, field, changes[field])
            if "section" in changes:  # the worker has placed it: MapBot's guesses are done
                item.suggested_section = item.moved_from = None
            return self._item_json(item)
