"""A person's data (information rights): everything MapBot holds about one respondent,
and erasing their words.

Who may ask: the case's owner, and administrators (the council's information governance
team answers requests when the worker has moved on). A viewer, a duty worker or a
manager may read a case but not hand out or erase a person's data.

A copy (`person_data`) holds the person's answers, the items made from them, their
messages and what MapBot said to them, their safeguarding flags, and the places where
someone else in the case wrote their name. Those last are other people's words:
each is marked `redact`, for the worker to black out before the copy leaves the council.
Names are found by the words of the name the worker typed, so a nickname is missed and
a shared first name may be found: the worker checks before sending.

Erasure (`erase_person`) removes the person's answers (and their items) and messages
from the draft-map store, and their conversation from Rasa's tracker store, then
compacts SQLite so no copy stays on disk. It refuses while the person has a
safeguarding flag nobody has acknowledged: that flag may be about someone in danger
now, and erasing it unread could lose the only record of it. An acknowledged flag is
kept as the record of a safeguarding action, and so are the invitation's name and role
(the worker's record of whom they asked); the response lists both. The audit entry
says what kind of thing went and how many, never what was said.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy import delete, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.draft_map import iso
from bot.core.vocabulary import ADMINISTRATOR
from bot.database.models import (
    Answer,
    AuditEvent,
    Case,
    Flag,
    Item,
    Message,
    Respondent,
    Worker,
    utcnow,
)
from bot.services.common import NotFound, ReadOnly, kind_of
from bot.services.retention import compact_all, delete_tracker_events
from bot.services.store import Store

ONLY_OWNER = ("Only the case's owner or an administrator can give out or erase a "
              "person's data.")
REDACT_WHY = "someone else's words: black them out before the copy is given"
OPEN_FLAG = ("This person has a safeguarding flag that nobody has read yet. Please read "
             "and acknowledge it first, so nobody's safety depends on words that are gone. "
             "Then their words can be erased.")
KEPT_FLAG = "an acknowledged safeguarding flag: the record of a safeguarding action"
KEPT_INVITATION = "the invitation's name and role: the record of whom the worker asked"
MIN_NAME_WORD = 2  # "Jo" is a name; "J" would match every initial


class OpenFlag(Exception):
    """The person has a flag nobody has acknowledged: nothing is erased."""


@dataclass(frozen=True)
class Erased:
    kept: list[dict]
    answers: int
    messages: int
    tracker_events: int


async def _respondent_for(store: Store, session: AsyncSession, worker: Worker,
                          respondent_id: str) -> tuple[Respondent, Case]:
    """The respondent, if the worker owns the case or is an administrator; NotFound for
    anyone who may not know the case; ReadOnly for its other readers."""
    respondent = await session.get(Respondent, respondent_id)
    if respondent is None:
        raise NotFound
    case = await session.get(Case, respondent.case_id)
    assert case is not None  # a respondent's case goes with it (cascade)
    if case.owner_id == worker.id or kind_of(worker) == ADMINISTRATOR:
        return respondent, case
    _, access = await store._access(session, worker, case.id)  # the case's readers
    if access is None:
        raise NotFound
    raise ReadOnly


async def person_data(store: Store, worker: Worker, respondent_id: str) -> dict:
    """Everything held about the person, others' words marked `redact`."""
    async with store.sessions() as session:
        respondent, case = await _respondent_for(store, session, worker, respondent_id)
        answers = list(await session.scalars(select(Answer).where(
            Answer.respondent_id == respondent_id).order_by(Answer.position, Answer.created_at)))
        items = list(await session.scalars(select(Item).where(
            Item.respondent_id == respondent_id).order_by(Item.position, Item.created_at)))
        messages = list(await session.scalars(select(Message).where(
            Message.respondent_id == respondent_id).order_by(Message.id)))
        flags = list(await session.scalars(select(Flag).where(
            Flag.respondent_id == respondent_id).order_by(Flag.created_at)))
        named = await _named_by_others(session, respondent)
    return {
        "respondent": _person(respondent),
        "case": {"id": case.id, "reference": case.reference},
        "answers": [_answer(answer) for answer in answers],
        "items": [_item(item) for item in items],
        "messages": [_message(message) for message in messages],
        "flags": [_flag(flag) for flag in flags],
        "named_by_others": named,
    }


def _person(respondent: Respondent) -> dict:
    return {"id": respondent.id, "role": respondent.role, "name": respondent.name,
            "status": respondent.status, "created_at": iso(respondent.created_at),
            "started_at": iso(respondent.started_at),
            "submitted_at": iso(respondent.submitted_at),
            "expires_at": iso(respondent.expires_at), "revoked_at": iso(respondent.revoked_at),
            "named_in_family_copy": respondent.named_in_family_copy,
            # What the worker recorded about reaching and helping them (issue 23).
            "relationship": respondent.relationship_to_child, "assisted": respondent.assisted,
            "contact": {"sms": respondent.contact_sms, "email": respondent.contact_email,
                        "safe_to_contact": bool(respondent.contact_safe)},
            "invitation_sent_at": iso(respondent.invitation_sent_at),
            "reminded_at": iso(respondent.reminded_at)}


def _answer(answer: Answer) -> dict:
    return {"key": answer.question_key, "question": answer.question, "text": answer.text,
            "value": answer.value, "private": bool(answer.private),
            "created_at": iso(answer.created_at), "updated_at": iso(answer.updated_at),
            "redact": False}


def _item(item: Item) -> dict:
    return {"id": item.id, "text": item.text, "original_text": item.original_text,
            "section": item.section, "status": item.status, "private": bool(item.private),
            "redact": False}


def _message(message: Message) -> dict:
    # MapBot's own words are not another person's: nothing to redact.
    return {"sender": message.sender, "text": message.text,
            "created_at": iso(message.created_at), "redact": False}


def _flag(flag: Flag) -> dict:
    return {"id": flag.id, "category": flag.category, "level": flag.level, "text": flag.text,
            "created_at": iso(flag.created_at), "acknowledged_by": flag.acknowledged_by,
            "acknowledged_at": iso(flag.acknowledged_at), "redact": False}


def name_pattern(name: str) -> re.Pattern[str] | None:
    """Any word of the person's name, as a whole word, in any case."""
    words = [re.escape(word) for word in re.findall(r"[^\W\d_][\w'’-]*", name)
             if len(word) >= MIN_NAME_WORD]
    if not words:
        return None
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(words) + r")(?![\w'’-])", re.IGNORECASE)


async def _named_by_others(session: AsyncSession, respondent: Respondent) -> list[dict]:
    """Others' answers, messages and flags in the same case that name the person."""
    pattern = name_pattern(respondent.name)
    if pattern is None:
        return []
    others = {r.id: r for r in await session.scalars(select(Respondent).where(
        Respondent.case_id == respondent.case_id, Respondent.id != respondent.id))}
    if not others:
        return []
    found: list[dict] = []
    sources = (
        ("answer", select(Answer.respondent_id, Answer.question, Answer.text,
                          Answer.created_at).where(Answer.respondent_id.in_(others))),
        ("message", select(Message.respondent_id, null(), Message.text, Message.created_at)
         .where(Message.respondent_id.in_(others), Message.sender == "person")),
        ("flag", select(Flag.respondent_id, null(), Flag.text, Flag.created_at)
         .where(Flag.respondent_id.in_(others))),
    )
    for source, query in sources:
        for who, question, text, created_at in await session.execute(query):
            if pattern.search(text):
                found.append({"source": source, "respondent_id": who,
                              "role": others[who].role, "question": question, "text": text,
                              "created_at": iso(created_at), "redact": True,
                              "why": REDACT_WHY})
    return found


async def erase_person(store: Store, tracker_url: str, worker: Worker, respondent_id: str,
                       via: str) -> Erased:
    """Erase the person's words (see the module's words). NotFound, ReadOnly, OpenFlag."""
    async with store.sessions.begin() as session:
        respondent, _ = await _respondent_for(store, session, worker, respondent_id)
        if await _open_flags(session, respondent_id):
            raise OpenFlag
        await _close_link(session, respondent_id)  # first: no new words come meanwhile
    # Rasa's copy first: if this fails, the words are still in the store to erase again.
    events = await asyncio.to_thread(delete_tracker_events, tracker_url,
                                     [respondent.conversation_id])
    async with store.sessions.begin() as session:
        if await _open_flags(session, respondent_id):  # raised meanwhile
            raise OpenFlag
        answers = await _delete(session, Answer, respondent_id)  # items go with them
        messages = await _delete(session, Message, respondent_id)
        kept = await _kept(session, respondent_id)
        session.add(AuditEvent(
            worker_id=worker.id, username=worker.username, action="erase",
            target_type="respondent", target_id=respondent_id, case_id=respondent.case_id,
            via=via, detail=f"{answers} answers, {messages} messages, {events} events; "
                            f"{len(kept) - 1} flags kept"))
    await asyncio.to_thread(compact_all, (store.database_url, tracker_url))
    return Erased(kept, answers, messages, events)


async def _open_flags(session: AsyncSession, respondent_id: str) -> int:
    return await session.scalar(select(func.count()).select_from(Flag).where(
        Flag.respondent_id == respondent_id, Flag.acknowledged_at.is_(None))) or 0


async def _delete(session: AsyncSession, model: type[Answer] | type[Message],
                  respondent_id: str) -> int:
    count = await session.scalar(select(func.count()).select_from(model).where(
        model.respondent_id == respondent_id)) or 0
    await session.execute(delete(model).where(model.respondent_id == respondent_id))
    return count


async def _kept(session: AsyncSession, respondent_id: str) -> list[dict]:
    flags = await session.scalars(select(Flag.id).where(Flag.respondent_id == respondent_id))
    return [{"kind": "invitation", "id": respondent_id, "why": KEPT_INVITATION},
            *({"kind": "flag", "id": flag_id, "why": KEPT_FLAG} for flag_id in flags)]


async def _close_link(session: AsyncSession, respondent_id: str) -> None:
    """Their link stops working, and nothing they were about to be told stays."""
    respondent = await session.get(Respondent, respondent_id)
    assert respondent is not None
    respondent.held_reply = None
    respondent.pending_check = None
    if respondent.revoked_at is None and respondent.submitted_at is None:
        respondent.revoked_at = utcnow()
