"""The family chat gateway: the invitation token is the only credential.

The Rasa sender id is the respondent's random conversation id, looked up here from the
token; nothing the browser sends can choose whose conversation a message joins.

The portal keeps no conversation state of its own. The rate limit and the
per-conversation lock (app.ctx.chat_limiter and app.ctx.conversation_locks, made in
bot/portal/app.py) are in Redis when MAPBOT_PORTAL_REDIS_URL is set, so several portals
behind a load balancer count and take turns as one; else in this portal's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from bot.core.alert_routes import first
from bot.core.safeguarding.assess import IMMEDIATE, LOW_SAFETY_SCORE
from bot.portal import easy_read, other_language, portal_steps, safeguarding
from bot.portal.conversation_locks import LockBusy
from bot.portal.errors import error
from bot.portal.rasa_client import START_PAYLOAD, RasaUnavailable, clean_text, text_for_rasa
from bot.services.store import Closed, NotFound

blueprint = Blueprint("chat")

GONE = "This link no longer works. Please ask your social worker for a new one."
UNKNOWN = "We could not find this link. Please check it, or ask your social worker."
TRY_AGAIN = "Sorry, something went wrong on our side. Please send your message again in a moment."
SLOW_DOWN = "You are sending messages very fast. Please wait a moment, then try again."
# Another message of the same conversation took longer than a whole turn may.
STILL_BUSY = ("We are still working on your last message. Please send this one again in "
              "a moment.")
RATE_LIMIT = 30  # messages per invitation per minute: far above any person typing


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
    # Easy Read: each message names its picture (drawn by the page; not stored).
    return json({"messages": easy_read.with_pictures(respondent, turn.messages or [])})


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
    if not await app.ctx.chat_limiter.allow(respondent.id):
        return await _refused(app, respondent, text, Turn(status=429, error=SLOW_DOWN))
    try:
        # One message at a time per conversation, so a double press cannot interleave turns.
        async with app.ctx.conversation_locks.hold(respondent.conversation_id):
            # Read again inside the lock: a double press must see what the first one did
            # (a held reply taken, "Are you safe right now?" asked).
            fresh = await app.ctx.store.respondent(respondent.id)
            return await _converse(app, fresh, text)
    except LockBusy:
        return await _refused(app, respondent, text, Turn(status=503, error=STILL_BUSY))


async def _refused(app, respondent, text: str, refusal: Turn) -> Turn:
    """A message we cannot take is still checked: a disclosure is flagged, and the
    person gets the help with the reason their message was not taken."""
    found = await safeguarding.check(app.ctx.settings, app.ctx.store, respondent, text)
    if found is not None and found.level == IMMEDIATE:
        help_text = safeguarding.help_messages(respondent.role, saved=True,
                                                  easy_read=respondent.easy_read)[0]["text"]
        return Turn(status=refusal.status, error=f"{help_text}\n\n{refusal.error}",
                    extra=refusal.extra)
    return refusal


async def _converse(app, respondent, text: str) -> Turn:
    store, settings = app.ctx.store, app.ctx.settings
    question = await store.current_question(respondent.id)
    # Safeguarding comes first, in every state, whatever happens next. A child's low
    # home-safety number is its own flag; the words are not flagged twice.
    low_number = (respondent.submitted_at is None
                  and respondent.pending_check != safeguarding.SAFE_NOW
                  and safeguarding.is_low_home_safety(respondent.role, question, text))
    if low_number:
        await safeguarding.raise_low_score(settings, store, respondent.id, text)
    found = await safeguarding.check(settings, store, respondent, text, question)
    urgent = found is not None and found.level == IMMEDIATE
    interpreter = await other_language.check(settings, store, respondent, text)
    if respondent.submitted_at is not None:
        return await _reply(store, respondent, text, await _after_sending(
            store, respondent, text, found))
    if respondent.pending_check == safeguarding.SAFE_NOW:
        return await _safe_now(app, respondent, text, urgent)
    if low_number and urgent:
        await store.set_pending_check(respondent.id, None)  # the help comes now instead
    own = await _own_step(store, respondent, text) if not urgent else None
    if own is not None:
        return await _reply(store, respondent, text, own)
    held = await store.take_held_reply(respondent.id) if respondent.held_reply else None
    if held is not None and text.strip() == safeguarding.CARRY_ON and not urgent:
        return await _reply(store, respondent, text, held)
    before = await store.answer_marker(respondent.id)
    messages = await _ask_rasa(app, respondent, text)
    after, pending = await store.after_turn(respondent.id)
    if messages is not None and after is not None and after != before:
        # An answer was saved: "I don't want my family to see this" (on a reply held
        # back while the help is read, too).
        messages = portal_steps.offer_private(messages, after[0])
    if urgent:
        # Help first; the assistant's next question waits until they choose to carry on.
        await store.hold_reply(respondent.id, messages)
        return await _reply(store, respondent, text, safeguarding.help_messages(
            respondent.role, saved=messages is not None, easy_read=respondent.easy_read))
    if pending == safeguarding.SAFE_NOW:
        # A child's low home-safety number: one gentle question before the next one
        # (the portal's own, so it is asked even when the assistant cannot answer).
        await store.hold_reply(respondent.id, messages)
        return await _reply(store, respondent, text,
                            [portal_steps.said("safe_now", respondent.role, respondent.easy_read,
                                               custom={portal_steps.PORTAL: "safe_now"})])
    if messages is None:
        if found is not None and found.sure:  # heard, though the answer was not saved
            return await _reply(store, respondent, text, [
                safeguarding.acknowledgement(respondent.role, respondent.easy_read),
                {"text": safeguarding.NOT_SAVED[safeguarding.audience(respondent.role,
                                                                      respondent.easy_read)]}])
        return Turn(status=503, error=TRY_AGAIN)
    return await _reply(store, respondent, text,
                        [*interpreter, *_dressed(respondent, messages, found)])


async def _own_step(store, respondent, text: str) -> list[dict] | None:
    """A button the portal answers itself (keeping an answer from the family)."""
    key = portal_steps.private_key(text)
    if key is not None:
        return await portal_steps.keep_private(store, respondent, key)
    if text.strip() == portal_steps.CHOOSE_PRIVATE:
        return await portal_steps.choose_private(store, respondent)
    return None


def _dressed(respondent, messages: list[dict], found) -> list[dict]:
    """The assistant's reply, with what the portal adds: the calm acknowledgement of a
    `concern`, and the choice of name once the answers are sent."""
    if found is not None and found.sure:
        messages = [safeguarding.acknowledgement(respondent.role, respondent.easy_read), *messages]
    if portal_steps.submitted(messages):
        messages = [*messages, *portal_steps.name_choice(respondent.role,
                                                                 respondent.easy_read)]
    return messages


async def _safe_now(app, respondent, text: str, urgent: bool) -> Turn:
    """The answer to "Are you safe right now?": yes goes on; no or not sure brings help."""
    store = app.ctx.store
    reading = await portal_steps.answer_safe_now(store, respondent, text)
    if reading == "yes" and not urgent:
        held = await store.take_held_reply(respondent.id)
        return await _reply(store, respondent, text, [
            portal_steps.said("safe_now_yes", respondent.role, respondent.easy_read),
            *(held or await portal_steps.last_prompt(store, respondent))])
    flag = await store.latest_flag(respondent.id, LOW_SAFETY_SCORE)
    if flag is not None:
        await store.set_flag_level(flag["id"], IMMEDIATE,
                                   first(app.ctx.settings, store.clock()))
    return await _reply(store, respondent, text,
                        safeguarding.help_messages(respondent.role, saved=True,
                                                  easy_read=respondent.easy_read))


async def _after_sending(store, respondent, text: str, found) -> list[dict]:
    """The answers are sent: no more questions, but help and the name choice still work."""
    if found is not None and found.level == IMMEDIATE:
        return [safeguarding.help_messages(respondent.role, saved=True,
                                                  easy_read=respondent.easy_read)[0],
                *await portal_steps.after_sending(store, respondent, "")]
    replies = await portal_steps.after_sending(store, respondent, text)
    if found is not None and found.sure:
        replies = [safeguarding.acknowledgement(respondent.role, respondent.easy_read), *replies]
    return replies


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
    # The managers' figures: a question skipped or not understood, counted (never words).
    await app.ctx.store.note_question_events(respondent.id, turn, messages)
    return messages


async def _reply(store, respondent, text: str, messages: list[dict]) -> Turn:
    # Whole messages, so that coming back to the page can show the choices again.
    await store.record_messages(respondent.id, text, messages)
    return Turn(messages=messages)
