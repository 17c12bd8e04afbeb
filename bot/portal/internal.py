"""The internal endpoint: only the action server, holding the shared secret, may call it.

It is how the assistant hands each answer to the draft-map store as soon as it is given.
Writes are idempotent (one answer per respondent and question key), so a retried call
never stores an answer twice.
"""

from __future__ import annotations

from functools import wraps

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from bot.core import with_you
from bot.core.alert_routes import first
from bot.core.draft_map import (
    ANSWER_KINDS,
    CATEGORIES,
    FEEDBACK,
    HOUSES,
    SECTIONS,
    WITH_YOU,
    parts_problem,
)
from bot.core.security_compare import secrets_match
from bot.core.vocabulary import question_set_for
from bot.portal import peers, safeguarding
from bot.portal.errors import error, not_found
from bot.portal.rasa_client import clean_text
from bot.services.store import Closed, NotFound

blueprint = Blueprint("internal", url_prefix="/internal/v1")


def secret_required(handler):
    @wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        # Only the action servers: on loopback, or on a network set for them; the
        # public (also through a proxy on this machine) finds nothing here.
        if not peers.is_local(request, request.app.ctx.internal_networks):
            return not_found()
        expected = request.app.ctx.settings.internal_secret
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets_match(given.strip(), expected):
            return error(401, "Not allowed.")
        try:
            return await handler(request, *args, **kwargs)
        except NotFound:
            return not_found()
        except Closed:
            return error(409, "These answers were already sent, or the link was closed.")

    return wrapper


@blueprint.get("/conversations/<conversation_id:str>")
@secret_required
async def conversation(request: Request, conversation_id: str) -> JSONResponse:
    found = await request.app.ctx.store.conversation(conversation_id)
    return json({"role": found.role, "name": found.name, "child_name": found.child_name,
                 "status": found.status,
                 "questions": question_set_for(found.role, found.question_set),
                 "easy_read": found.easy_read})


@blueprint.get("/conversations/<conversation_id:str>/answers")
@secret_required
async def answers(request: Request, conversation_id: str) -> JSONResponse:
    return json({"answers": await request.app.ctx.store.answers(conversation_id)})


@blueprint.put("/conversations/<conversation_id:str>/answers/<key:str>")
@secret_required
async def save_answer(request: Request, conversation_id: str, key: str) -> JSONResponse:
    try:
        body = request.json if isinstance(request.json, dict) else {}
    except Exception:  # noqa: BLE001 - an unreadable body is a malformed answer
        body = {}
    problem = _answer_problem(key, body)
    if problem:
        return error(422, problem)
    saved = await request.app.ctx.store.save_answer(
        conversation_id, key, body["kind"], body["question"], body["text"],
        value=body.get("value"), section=body.get("section"),
        category=body.get("category"), house=body.get("house"), parts=body.get("parts"))
    if body["kind"] == "scale" and key == "scale":
        await _check_home_safety(request, conversation_id, body["text"])
    if body["kind"] == WITH_YOU:
        await _check_someone_present(request, conversation_id, body["text"])
    return json(saved)


async def _check_someone_present(request: Request, conversation_id: str, text: str) -> None:
    """A child or young person who says someone was there while they answered: a
    `concern` flag for the worker, alerted as a sure `concern` is (the chat's check)."""
    store = request.app.ctx.store
    found = await store.conversation(conversation_id)
    if with_you.is_concern(found.role, with_you.code_of(text)):
        await store.raise_flag(found.respondent_id, with_you.FLAG_CATEGORY,
                               with_you.worker_line(text) or text,
                               first(request.app.ctx.settings, store.clock()),
                               level=with_you.FLAG_LEVEL)


async def _check_home_safety(request: Request, conversation_id: str, text: str) -> None:
    """A child's low home-safety number is flagged however it arrives (a changed answer
    too); the chat asks "Are you safe right now?" at the end of the turn."""
    store = request.app.ctx.store
    found = await store.conversation(conversation_id)
    if safeguarding.is_low_home_safety(found.role, "scale", text):
        await safeguarding.raise_low_score(request.app.ctx.settings, store,
                                           found.respondent_id, text)


@blueprint.delete("/conversations/<conversation_id:str>/answers/<key:str>")
@secret_required
async def remove_answer(request: Request, conversation_id: str, key: str) -> JSONResponse:
    removed = await request.app.ctx.store.remove_answer(conversation_id, key)
    return json({"removed": removed})


@blueprint.post("/conversations/<conversation_id:str>/submit")
@secret_required
async def submit(request: Request, conversation_id: str) -> JSONResponse:
    submitted_at = await request.app.ctx.store.submit(conversation_id)
    return json({"status": "submitted", "submitted_at": submitted_at})


def _answer_problem(key: str, body: dict) -> str | None:
    checks = [
        (len(key) <= 80, "key too long"),
        (body.get("kind") in ANSWER_KINDS, "kind"),
        (isinstance(body.get("question"), str) and storable(body["question"]), "question"),
        (isinstance(body.get("text"), str) and body["text"].strip() != ""
         and storable(body["text"]), "text"),
        (body.get("value") is None or (isinstance(body["value"], int)
                                       and not isinstance(body["value"], bool)
                                       and 0 <= body["value"] <= 10), "value"),
        (body.get("section") in (*SECTIONS, None), "section"),
        (body.get("category") in (*CATEGORIES, None), "category"),
        (body.get("house") in (*HOUSES, None), "house"),
        (body.get("kind") != "item" or body.get("section") or body.get("house"),
         "an item needs a section or a house"),
        (body.get("kind") != FEEDBACK or _feedback_fits(key, body), "feedback"),
        ((body.get("kind") == WITH_YOU) == (key == with_you.KEY)
         and (key != with_you.KEY or _with_you_fits(body)), "with_you"),
    ]
    wrong = [name for ok, name in checks if not ok]
    if wrong:
        return f"Invalid answer: {', '.join(wrong)}."
    problem = parts_problem(body["text"], body.get("parts"))
    return f"Invalid answer: {problem}." if problem else None


# "Was this easy to do?" (2 easy, 1 partly, 0 hard) and its comment (words only): the
# managers' figures count them; they never reach the map, so they carry no map fields.
FEEDBACK_VALUES = {"ease": (0, 1, 2), "ease_comment": (None,)}


def _feedback_fits(key: str, body: dict) -> bool:
    return (body.get("value") in FEEDBACK_VALUES.get(key, ())
            and not any(body.get(field) for field in ("section", "category", "house", "parts")))


def _with_you_fits(body: dict) -> bool:
    """Only one of the worker's words for an answer code, and no map fields."""
    return (with_you.code_of(body.get("text")) is not None and body.get("value") is None
            and not any(body.get(field) for field in ("section", "category", "house", "parts")))


def storable(text: str) -> bool:
    """No NUL, other control characters or broken Unicode: no database can hold them."""
    return clean_text(text) == text
