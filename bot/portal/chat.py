"""The family chat gateway: the invitation token is the only credential.

The Rasa sender id is the respondent's random conversation id, looked up here from the
token; nothing the browser sends can choose whose conversation a message joins.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from html import escape

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, html, json

from bot.portal import safeguarding
from bot.portal.errors import error
from bot.portal.health import action_server_up
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


@blueprint.post("/api/v1/chat/<token:str>/messages")
async def post_message(request: Request, token: str) -> JSONResponse:
    store, settings = request.app.ctx.store, request.app.ctx.settings
    try:
        respondent = await store.respondent_for_token(token)
    except NotFound:
        return error(404, UNKNOWN)
    except Closed:
        return error(410, GONE)
    text = _message_text(request, settings.max_message_chars)
    if isinstance(text, JSONResponse):
        return text
    if not _limiter.allow(respondent.id):
        return error(429, SLOW_DOWN)
    async with _locks[respondent.conversation_id]:
        return await _converse(request, respondent, text)


def _message_text(request: Request, limit: int) -> str | JSONResponse:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - unreadable JSON is the client's mistake
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return error(422, 'Please send your message as JSON: {"text": "..."}.')
    text = clean_text(body["text"])
    if not text.strip():
        return error(422, "Your message was empty. Please type something, or press a button.")
    if len(text) > limit:
        return error(422, f"Your message is too long for one go (the most is {limit} "
                          "characters). Please send it in smaller parts.", max_chars=limit)
    return text


async def _converse(request: Request, respondent, text: str) -> JSONResponse:
    app = request.app
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
        return error(503, TRY_AGAIN)
    return await _reply(store, respondent, text, messages)


async def _ask_rasa(app, respondent, text: str) -> list[dict] | None:
    """The assistant's reply, or None when it cannot answer just now."""
    if not await action_server_up(app.ctx.http, app.ctx.settings.action_url):
        return None  # a turn without actions would lose the answer
    first_turn = respondent.started_at is None
    # The first message of a conversation, whatever it says, opens it with the welcome.
    rasa_text = START_PAYLOAD if first_turn else text_for_rasa(text)
    try:
        messages = await app.ctx.rasa.send(respondent.conversation_id, rasa_text,
                                           {"text": text})
    except RasaUnavailable:
        return None
    if not messages:
        return None
    if first_turn:
        await app.ctx.store.mark_started(respondent.id)
    return messages


async def _reply(store, respondent, text: str, messages: list[dict]) -> JSONResponse:
    await store.record_messages(respondent.id, text, [m["text"] for m in messages])
    return json({"messages": messages})


@blueprint.get("/chat/<token:str>")
async def chat_page(request: Request, token: str) -> HTTPResponse:
    try:
        await request.app.ctx.store.respondent_for_token(token)
    except NotFound:
        return html(_notice_page("Link not found", UNKNOWN), status=404)
    except Closed:
        return html(_notice_page("This link has ended", GONE), status=410)
    return html(_CHAT_PAGE.replace("{{endpoint}}", f"/api/v1/chat/{escape(token)}/messages"))


def _notice_page(title: str, message: str) -> str:
    return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<main><h1>{title}</h1><p>{message}</p></main></html>")


# A minimal page; the accessible chat page is its own piece of work.
_CHAT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MapBot chat</title></head>
<body><main>
<h1>Chat with MapBot</h1>
<div id="log" role="log" aria-live="polite"></div>
<form id="f"><label for="t">Your message</label>
<textarea id="t" rows="3"></textarea><button type="submit">Send</button></form>
<p>You can leave and come back later with the same link.</p>
</main>
<script>
const log = document.getElementById("log"), box = document.getElementById("t");
function add(who, text) {
  const p = document.createElement("p"); p.textContent = who + ": " + text; log.append(p);
}
async function send(text) {
  add("You", text);
  const r = await fetch("{{endpoint}}", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({text})});
  const data = await r.json();
  if (!r.ok) { add("MapBot", data.error); box.value = text; return; }
  for (const m of data.messages) {
    add("MapBot", m.text);
    for (const b of m.buttons || []) {
      const btn = document.createElement("button"); btn.type = "button";
      btn.textContent = b.title; btn.onclick = () => send(b.payload); log.append(btn);
    }
  }
}
document.getElementById("f").onsubmit = e => {
  e.preventDefault(); const t = box.value; box.value = ""; if (t.trim()) send(t);
};
</script></body></html>
"""
