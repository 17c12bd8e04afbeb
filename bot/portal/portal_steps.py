"""The few conversation steps the portal takes itself, without the assistant.

They are about safety and sharing, so they must work whatever the assistant is doing:
- "I don't want my family to see this": a button after each answer and in the
  read-back; the answer becomes `private` and is kept out of family copies;
- "Are you safe right now?": asked after a child's home-safety number of 0, 1 or 2;
- after Send: whether the person's name goes with their words in the family's copy,
  and the "already sent" reply to anything else.
Their words are in `actions/texts.yml` with everything else the assistant says.
"""

from __future__ import annotations

import re

from bot.core import with_you
from bot.core.safeguarding.assess import CONCERN, LOW_SAFETY_SCORE
from bot.core.texts import button, say
from bot.core.vocabulary import CHILD_ROLES, audience_for
from bot.services.store import Store

# In a message's `custom`: the portal asked this itself (never the question to go back to).
PORTAL = "portal"
KEEP_PRIVATE = "/keep_private"
CHOOSE_PRIVATE = "/choose_private"
NAME_YES, NAME_NO = "/name_yes", "/name_no"
SAFE_YES, SAFE_NO, SAFE_UNSURE = "/safe_now_yes", "/safe_now_no", "/safe_now_unsure"
_KEEP_PRIVATE = re.compile(r'^/keep_private\{"answer_key": ?"([a-z0-9_]{1,80})"\}$')
# Only a plain yes is a yes ("yes but im scared", "ok" and "kind of" are "not sure").
_YES = re.compile(r"^\s*(y|yes|yeah|yep|yh|ya|yup|i am|i'?m safe|im safe)\s*[.!]*\s*$",
                  re.I)
_NO = re.compile(r"^\s*(n|no|nah|nope|not safe|i'?m not)\b", re.I)
TITLE_CHARS = 40


def said(key: str, role: str, easy_read: bool = False, **extra) -> dict:
    """One message from texts.yml, with its buttons, as the chat endpoint sends it
    (`easy_read`: the invitation's option; bot/core/texts.py decides who gets it)."""
    text, buttons = say(key, role, audience_for(role), {}, easy_read)
    message: dict = {"text": text}
    if buttons:
        message["buttons"] = buttons
    return message | extra


# Keeping an answer from the family --------------------------------------------------

def private_button(answer_key: str) -> dict:
    title = button("keep_private")["title"]
    return {"title": title,
            "payload": f'{KEEP_PRIVATE}{{"answer_key": "{answer_key}"}}'}


def offer_private(messages: list[dict], answer_key: str) -> list[dict]:
    """Add the button to the assistant's next question (the last message with buttons).
    Never for "Was anyone with you?": it is for the worker, not on the family's map."""
    if answer_key == with_you.KEY:
        return messages
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("buttons"):
            changed = dict(messages[index])
            changed["buttons"] = [*changed["buttons"], private_button(answer_key)]
            return [*messages[:index], changed, *messages[index + 1:]]
    return messages  # every question has buttons; a reply without one asks nothing


def private_key(text: str) -> str | None:
    """The answer key in a "keep private" button's payload, else None."""
    found = _KEEP_PRIVATE.match(text.strip())
    return found.group(1) if found else None


async def keep_private(store: Store, respondent, key: str) -> list[dict]:
    """Mark the answer private; say so honestly; ask the last question again."""
    if key == with_you.KEY or not await store.mark_private(respondent.id, key):
        return [said("nothing_private", respondent.role, respondent.easy_read)]
    return [said("kept_private", respondent.role, respondent.easy_read),
            *await last_prompt(store, respondent)]


async def choose_private(store: Store, respondent) -> list[dict]:
    """In the read-back: every answer as a button, to keep it from the family."""
    answers = [a for a in await store.answers(respondent.conversation_id)
               if not a["private"] and a["key"] != with_you.KEY]
    if not answers:
        return [said("nothing_private", respondent.role, respondent.easy_read),
                *await last_prompt(store, respondent)]
    choices = [{"title": _title(a["text"]), "payload": private_button(a["key"])["payload"]}
               for a in answers]
    return [said("pick_private", respondent.role, respondent.easy_read,
                 buttons=[*choices, button("back")], custom={PORTAL: "private_list"})]


async def last_prompt(store: Store, respondent) -> list[dict]:
    """The assistant's last question with its buttons, so the person can go on."""
    prompt = await store.last_prompt(respondent.id)
    if prompt is None:
        return []
    buttons = [b for b in prompt.get("buttons", [])
               if not b["payload"].startswith(KEEP_PRIVATE)]
    return [prompt | {"buttons": buttons}] if buttons else [prompt]


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


# "Are you safe right now?" ------------------------------------------------------------

def safe_now_reading(text: str) -> str:
    """yes, no or unsure. Anything that is not a clear yes or no is "not sure": the
    safer reading, which brings the help."""
    text = text.strip()
    if text in (SAFE_YES, SAFE_NO, SAFE_UNSURE):
        return {SAFE_YES: "yes", SAFE_NO: "no", SAFE_UNSURE: "unsure"}[text]
    if _NO.match(text):
        return "no"
    if _YES.match(text):
        return "yes"
    return "unsure"


async def answer_safe_now(store: Store, respondent, text: str) -> str:
    """Record the answer: "yes" lowers the low-score flag to `concern`."""
    await store.set_pending_check(respondent.id, None)
    reading = safe_now_reading(text)
    if reading == "yes":
        flag = await store.latest_flag(respondent.id, LOW_SAFETY_SCORE)
        if flag is not None:
            await store.set_flag_level(flag["id"], CONCERN, None)
    return reading


# After Send ---------------------------------------------------------------------------

def name_choice(role: str, easy_read: bool = False) -> list[dict]:
    """Adults choose whether their name goes with their words in the family's copy."""
    return [] if role in CHILD_ROLES else [said("name_choice", role, easy_read)]


def submitted(messages: list[dict]) -> bool:
    return any((m.get("custom") or {}).get("status") == "submitted" for m in messages)


async def after_sending(store: Store, respondent, text: str) -> list[dict]:
    """The link still opens after Send; only the name choice is still taken."""
    choice = text.strip()
    if choice in (NAME_YES, NAME_NO) and respondent.role not in CHILD_ROLES:
        await store.set_named(respondent.id, choice == NAME_YES)
        return [said("name_yes" if choice == NAME_YES else "name_no", respondent.role,
                     respondent.easy_read)]
    return [said("already_sent", respondent.role, respondent.easy_read)]

