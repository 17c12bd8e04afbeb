"""The family chat gateway: the invitation token is the only credential.

The Rasa sender id is the respondent's random conversation id, looked up here from the
token; nothing the browser sends can choose whose conversation a message joins.

The portal keeps no conversation state of its own. Two things are per process: the rate
limiter and the per-conversation lock below. With several portals behind a load balancer
each has its own (a person may then send up to the limit to each portal), and what
serialises a conversation across portals is Rasa's lock (in Redis with several Rasa
servers), as every portal sends a conversation to the same Rasa server.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from bot.portal import safeguarding
from bot.portal.errors import error
from bot.rasa_client import START_PAYLOAD, RasaUnavailable, clean_text, text_for_rasa
from bot.store import Closed, NotFound

blueprint = Blueprint("chat")

GONE = "This link no longer works. Please ask your social worker for a new one."
UNKNOWN = "We could not find this link. Please check it, or ask your social worker."
TRY_AGAIN = "Sorry, something went wrong on our side. Please send your message again in a moment."
SLOW_DOWN = "You are sending messages very fast. Please wait a moment, then try again."
RATE_LIMIT = 30  # messages per invitation per minute: far above any person typing


class _RateLimiter:
    """Per-invitation sliding window; in memory, which suits one portal process."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now, hits = time.monotonic(), self.hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


_limiter = _RateLimiter(RATE_LIMIT, 60)
# One message at a time per conversation, so a double press cannot interleave turns.
_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)


@dataclass(frozen=True)
class Turn:
    """What one message got: the assistant's messages, or a kind error to show as it is."""

    messages: list[dict] | None = None
    status: int = 200
    error: str = ""
    extra: dict = field(default_factory=dict)


@blueprint.post("/api/v1/chat/<token:str>/messages")
async def post_message(request: Request, token: str) -> JSONResponse:
    try:
        respondent = await request.app.ctx.store.respondent_for_token(token)
    except NotFound:
        return error(404, UNKNOWN)
    except Closed:
        return error(410, GONE)
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - unreadable JSON is the client's mistake
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return error(422, 'Please send your message as JSON: {"text": "..."}.')
    turn = await take_turn(request.app, respondent, body["text"])
    if turn.error:
        return error(turn.status, turn.error, **turn.extra)
    return json({"messages": turn.messages})


async def take_turn(app, respondent, text: str) -> Turn:
    """One message from the person, as the JSON endpoint and the plain form both send it."""
    limit = app.ctx.settings.max_message_chars
    text = clean_text(text)
    if not text.strip():
        return Turn(status=422, error="Your message was empty. Please type something, "
                                      "or press a button.")
    if len(text) > limit:
        return await _refused(app, respondent, text, Turn(
            status=422, error=f"Your message is too long for one go (the most is {limit} "
                              f"characters). Please send it in smaller parts.",
            extra={"max_chars": limit}))
    if not _limiter.allow(respondent.id):
        return await _refused(app, respondent, text, Turn(status=429, error=SLOW_DOWN))
    async with _locks[respondent.conversation_id]:
        return await _converse(app, respondent, text)


async def _refused(app, respondent, text: str, refusal: Turn) -> Turn:
    """A message we cannot take is still checked: a disclosure is flagged, and the
    person gets the help with the reason their message was not taken."""
    if await safeguarding.check(app.ctx.settings, app.ctx.store, respondent, text):
        help_text = safeguarding.help_messages(respondent.role, saved=True)[0]["text"]
        return Turn(status=refusal.status, error=f"{help_text}\n\n{refusal.error}",
                    extra=refusal.extra)
    return refusal


async def _converse(app, respondent, text: str) -> Turn:
    store = app.ctx.store
    # Safeguarding comes first, in every state, whatever happens next.
    flagged = await safeguarding.check(app.ctx.settings, store, respondent, text)
    held = await store.take_held_reply(respondent.id) if respondent.held_reply else None
    if held is not None and text.strip() == safeguarding.CARRY_ON and not flagged:
        return await _reply(store, respondent, text, held)
    messages = await _ask_rasa(app, respondent, text)
    if flagged:
        # Help first; the assistant's next question waits until they choose to carry on.
        await store.hold_reply(respondent.id, messages)
        return await _reply(store, respondent, text, safeguarding.help_messages(
            respondent.role, saved=messages is not None))
    if messages is None:
        return Turn(status=503, error=TRY_AGAIN)
    return await _reply(store, respondent, text, messages)


async def _ask_rasa(app, respondent, text: str) -> list[dict] | None:
    """The assistant's reply, or None when it cannot answer just now.

    A Rasa server starts a turn only when its action server is up (a turn without
    actions would lose the answer). `turn` counts the turns recorded here: when a
    reply never reached the person (the portal was killed, or its database failed),
    the same words sent again carry the same number, and Rasa replays that turn's reply
    instead of taking the words as the answer to its next question."""
    first_turn = respondent.started_at is None
    # The first message of a conversation, whatever it says, opens it with the welcome.
    rasa_text = START_PAYLOAD if first_turn else text_for_rasa(text)
    turn = await app.ctx.store.person_turns(respondent.id)
    try:
        messages = await app.ctx.rasa.send(respondent.conversation_id, rasa_text,
                                           {"text": text, "turn": turn})
    except RasaUnavailable:
        return None
    if not messages:
        return None
    if first_turn:
        await app.ctx.store.mark_started(respondent.id)
    return messages


async def _reply(store, respondent, text: str, messages: list[dict]) -> Turn:
    # Whole messages, so that coming back to the page can show the choices again.
    await store.record_messages(respondent.id, text, messages)
    return Turn(messages=messages)
