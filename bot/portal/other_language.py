"""Answers in another language: the safeguarding check reads English only, so such a
message is flagged (`concern`) as not checked until someone who reads it has, and the
person is told, once, that their social worker will arrange an interpreter.

Run on the chat path, beside the safeguarding check: it sees every message, whether or
not the assistant saves it as an answer. The items made from an answer carry their own
language (bot/services/answers.py).
"""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.core.answer_language import ENGLISH, language_of
from bot.core.interpreter_reply import reply
from bot.core.safeguarding.assess import CONCERN
from bot.core.safeguarding.flag_text import capped
from bot.portal.exports import NOT_CHECKED  # the flag's category
from bot.services.store import Store


async def check(settings: Settings, store: Store, respondent, text: str) -> list[dict]:
    """Flag a message in another language; the reply to give (once a person), or []."""
    if text.startswith("/"):  # a button's payload
        return []
    language = await asyncio.to_thread(language_of, text)  # the models load once
    if language == ENGLISH:
        return []
    told = await store.latest_flag(respondent.id, NOT_CHECKED) is not None
    await store.raise_flag(respondent.id, NOT_CHECKED,
                           capped(text, settings.max_message_chars, ""), None,
                           level=CONCERN, language=language)
    return [] if told else reply(language, settings.interpreter_languages)
