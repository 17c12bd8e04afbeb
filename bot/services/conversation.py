"""The conversation with a respondent: messages, held replies, pending checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select, true

from bot.core.draft_map import iso
from bot.database.models import Answer, Case, Message, Respondent
from bot.services.common import Common, NotFound


@dataclass(frozen=True)
class Conversation:
    """What the assistant may know about the person it is talking to."""

    respondent_id: str
    conversation_id: str
    role: str
    name: str
    child_name: str
    status: str
    question_set: str | None = None  # the worker's choice at invitation, if any
    easy_read: bool = False  # Easy Read wording (adults; issue 23)


class ConversationService(Common):
    """What was said to and by a respondent, and what the portal waits on."""

    async def conversation(self, conversation_id: str) -> Conversation:
        async with self.sessions() as session:
            respondent = await self._by_conversation(session, conversation_id)
            case = await session.get(Case, respondent.case_id)
            assert case is not None  # a respondent belongs to a case (foreign key)
            return Conversation(
                respondent.id, respondent.conversation_id, respondent.role, respondent.name,
                case.child_name, respondent.status, respondent.question_set,
                bool(respondent.easy_read),
            )

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

    async def set_pending_check(self, respondent_id: str, check: str | None) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            assert respondent is not None  # its id came from its chat token
            respondent.pending_check = check

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
            # data is not NULL (the query says so)
            return [(text, json.loads(cast(str, data))) for text, data in rows]

    async def hold_reply(self, respondent_id: str, messages: list[dict] | None) -> None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            assert respondent is not None  # its id came from its chat token
            respondent.held_reply = json.dumps(messages) if messages is not None else None

    async def take_held_reply(self, respondent_id: str) -> list[dict] | None:
        async with self.sessions.begin() as session:
            respondent = await session.get(Respondent, respondent_id)
            assert respondent is not None  # its id came from its chat token
            held, respondent.held_reply = respondent.held_reply, None
            return json.loads(held) if held else None
