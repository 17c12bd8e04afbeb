"""The portal's safeguarding step: run on every message, before anything else."""

from __future__ import annotations

import asyncio

from bot.alerts import channels
from bot.config import Settings
from bot.safeguarding.detector import Detection, detect, offer_text, reply_text
from bot.store import CHILD_ROLES, Store

CARRY_ON = "/carry_on"
LONG_MESSAGE = 500  # longer messages are checked off the event loop
NOT_SAVED = {
    "adult": "Your social worker will still be told. But something went wrong on our "
             "side, so it was not saved as an answer. Please send it again in a moment.",
    "child": "Your social worker will still be told. But something went wrong, so it was "
             "not saved as an answer. You can send it again in a moment.",
}


async def find(text: str) -> Detection | None:
    if len(text) > LONG_MESSAGE:
        return await asyncio.to_thread(detect, text)
    return detect(text)


async def check(settings: Settings, store: Store, respondent, text: str) -> bool:
    """Raise a flag (and its alerts) at once if the message may be a disclosure."""
    found = await find(text)
    if found is None:
        return False
    await store.raise_flag(respondent.id, found.category, text, channels(settings, "raised"))
    return True


def audience(role: str) -> str:
    return "child" if role in CHILD_ROLES else "adult"


def help_messages(role: str, saved: bool) -> list[dict]:
    """Thanks, help now, who will be told; then the choice to carry on or stop."""
    who = audience(role)
    messages = [{"text": reply_text(who)}]
    if not saved:
        messages.append({"text": NOT_SAVED[who]})
    messages.append({"text": offer_text(who), "buttons": [
        {"title": "Carry on", "payload": CARRY_ON},
        {"title": "Stop for now", "payload": "/stop"}],
        "custom": {"safeguarding": True}})
    return messages
