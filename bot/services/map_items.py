"""The draft map of a case and its items."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import draft_map
from bot.core.draft_map import AnswerView, iso
from bot.database.models import Answer, Flag, Item, Respondent, Worker, utcnow
from bot.services.common import CHANGE, TEAM, Common, NotFound
from bot.services.shapes import DraftMapJson, ItemJson


class MapService(Common):
    """The draft map and its items."""

    async def draft_map(self, worker: Worker, case_id: str,
                        allowed: tuple[str, ...] = TEAM) -> DraftMapJson:
        """The map; `allowed=LOOK` lets duty, managers and administrators read a
        flagged case's map too (the caller audits why)."""
        async with self.sessions() as session:
            case = await self._case_for(session, worker, case_id, allowed)
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
            return self._item_json(item)
