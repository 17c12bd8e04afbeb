"""A respondent's answers: saved, removed, kept private, sent."""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core import draft_map
from bot.core.answer_language import ENGLISH, language_of
from bot.core.draft_map import iso
from bot.database.models import Answer, Item, Respondent, new_id, utcnow
from bot.services.common import Closed, Common, NotFound
from bot.services.shapes import AnswerJson

_EARLIER = aliased(Answer)  # a respondent's other answers, beside the one being saved


class AnswersService(Common):
    """A respondent's answers."""

    async def save_answer(self, conversation_id: str, key: str, kind: str, question: str,
                          text: str, value: int | None = None, section: str | None = None,
                          category: str | None = None, house: str | None = None,
                          parts: list[dict] | None = None) -> AnswerJson:
        """Insert or replace the answer to one question: the same call twice stores one."""
        fields = (kind, question, text, value, section, category, house,
                  json.dumps(parts) if parts else None)
        try:
            return await self._save_answer(conversation_id, key, *fields)
        except IntegrityError:
            # Two identical calls raced to insert; the second now finds the first's row.
            return await self._save_answer(conversation_id, key, *fields)

    async def _save_answer(self, conversation_id, key, kind, question, text, value,
                           section, category, house, parts) -> AnswerJson:
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
            return cast("CursorResult[Any]", result).rowcount > 0  # a DELETE's result

    async def answers(self, conversation_id: str) -> list[AnswerJson]:
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

    @staticmethod
    def _items_of(respondent_id: str, answer: Answer) -> list[Item]:
        """The draft map's items from one answer (none unless it is an item answer)."""
        if answer.kind != "item":
            return []
        # The safeguarding check reads English: an item in another language is marked
        # not checked (its message was flagged on the chat path).
        language = language_of(answer.text)
        drafts = draft_map.items_from_answer(
            answer.text, answer.question, answer.section, answer.category, answer.house,
            json.loads(answer.parts) if answer.parts else None)
        return [Item(answer_id=answer.id, respondent_id=respondent_id, section=d.section,
                     private=bool(answer.private),
                     category=d.category, house=d.house, text=d.text, original_text=d.text,
                     question=d.question, confidence=d.confidence, language=language,
                     moved_from=d.moved_from, suggested_section=d.suggested_section,
                     safeguarding_checked=language == ENGLISH,
                     position=answer.position * 100 + index)
                for index, d in enumerate(drafts)]
