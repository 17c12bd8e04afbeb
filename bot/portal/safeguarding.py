"""The portal's safeguarding step: run on every message, before anything else."""

from __future__ import annotations

import asyncio
import re

from bot.config import Settings
from bot.core.alert_routes import first
from bot.core.safeguarding.assess import (
    CONCERN,
    IMMEDIATE,
    LOW_SAFETY_SCORE,
    Assessment,
    assess,
)
from bot.core.safeguarding.detector import offer_text, reply_text
from bot.core.safeguarding.flag_text import capped
from bot.core.texts import say
from bot.core.understanding.scale import parse_scale
from bot.core.vocabulary import CHILD_ROLES
from bot.services.store import Store

CARRY_ON = "/carry_on"
LONG_MESSAGE = 500  # longer messages are checked off the event loop
LOW_SCORE_MAX = 2  # a child's "how safe do you feel at home?" of 0, 1 or 2
SAFE_NOW = "safe_now"  # the portal's own question: "Are you safe right now?"
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")
_NOT_SAFE = re.compile(r"\b(not|never|dont|don't|do not)\s+(feel\s+)?safe\b|\bunsafe\b|"
                       r"\bscared\b|\bafraid\b|\bfrightened\b", re.IGNORECASE)
NOT_SAVED = {
    "adult": "Your social worker will still be told. But something went wrong on our "
             "side, so it was not saved as an answer. Please send it again in a moment.",
    "child": "Your social worker will still be told. But something went wrong, so it was "
             "not saved as an answer. You can send it again in a moment.",
    "easy_read": "Your social worker will still be told. But something went wrong. "
                 "Your answer was not saved. Please send it again soon.",
}


def audience(role: str, easy_read: bool = False) -> str:
    """Whose help texts: "child", "adult", or "easy_read" (an adult invited with it)."""
    if role in CHILD_ROLES:
        return "child"
    return "easy_read" if easy_read else "adult"


async def find(text: str, question: str | None) -> Assessment | None:
    if len(text) > LONG_MESSAGE:
        return await asyncio.to_thread(assess, text, question)
    return assess(text, question)


async def check(settings: Settings, store: Store, respondent, text: str,
                question: str | None = None) -> Assessment | None:
    """Raise a flag at once if the message may be a disclosure, with alerts; only a
    message that is possibly about harm, read as past or known, waits on the board."""
    found = await find(text, question)
    if found is None:
        return None
    alerting = found.sure  # the welcome says a worry about safety is told straight away
    route = first(settings, store.clock()) if alerting else None
    # A message refused as too long is kept only in part (saying so), so one link
    # cannot fill the store or the board.
    kept = capped(text, settings.max_message_chars, found.matched)
    await store.raise_flag(respondent.id, found.category, kept, route, level=found.level)
    return found


def is_low_home_safety(role: str, question: str | None, text: str) -> bool:
    """A child's or young person's answer to "how safe do you feel at home?" of 0, 1 or 2,
    or one that is not a clear number but names one that low ("1 or 2", "1.5", "-1"), or
    says in words that they are not safe."""
    if role not in CHILD_ROLES or question != "scale":
        return False
    value = parse_scale(text).value
    if value is not None:
        return value <= LOW_SCORE_MAX
    low_number = any(float(n) <= LOW_SCORE_MAX for n in _NUMBERS.findall(text))
    return low_number or bool(_NOT_SAFE.search(text))


async def raise_low_score(settings: Settings, store: Store, respondent_id: str,
                          text: str) -> None:
    """Flag a low home-safety number the moment it is given, as urgent, with alerts: the
    child may close the page before answering "Are you safe right now?". A "yes" there
    lowers the flag to `concern`."""
    before = await store.latest_flag(respondent_id, LOW_SAFETY_SCORE)
    flag = await store.raise_flag(respondent_id, LOW_SAFETY_SCORE, text,
                                  first(settings, store.clock()), level=IMMEDIATE)
    if before is None or flag["id"] != before["id"]:  # not the same number sent again
        await store.set_pending_check(respondent_id, SAFE_NOW)


def acknowledgement(role: str, easy_read: bool = False) -> dict:
    """For a `concern`: one calm line, then the conversation goes on."""
    text, _ = say("concern_ack", role, audience(role), {}, easy_read)
    return {"text": text, "custom": {"acknowledged": CONCERN}}  # not the help: no choice


def help_messages(role: str, saved: bool, easy_read: bool = False) -> list[dict]:
    """Thanks, help now, who will be told; then the choice to carry on or stop."""
    who = audience(role, easy_read)
    messages: list[dict] = [{"text": reply_text(who)}]
    if not saved:
        messages.append({"text": NOT_SAVED[who]})
    messages.append({"text": offer_text(who), "buttons": [
        {"title": "Carry on", "payload": CARRY_ON},
        {"title": "Stop for now", "payload": "/stop"}],
        "custom": {"safeguarding": True}})
    return messages
