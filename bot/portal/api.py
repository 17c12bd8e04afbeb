"""The worker API: login, cases, invitations, the draft map and item review."""

from __future__ import annotations

from functools import wraps

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, empty, json

from bot.core.draft_map import CATEGORIES, ITEM_STATUSES, SECTIONS, iso, public
from bot.core.vocabulary import CASE_ROLES, OVERSIGHT_KINDS, OWNER, ROLES
from bot.portal import (
    exports,
    web,  # the Word and print makers are shared with the screens
)
from bot.portal.errors import error, not_found, unauthorised
from bot.portal.openapi import document
from bot.services import audit
from bot.services.store import LOOK, Conflict, NotFound, ReadOnly, kind_of

blueprint = Blueprint("api", url_prefix="/api/v1")
LOGIN_FAILED = {"error": "That username and password do not match an account."}
READ_ONLY = "You can read this case but not change it."
# A flag as `GET /api/v1/flags` shows it: the map's flag, with its case.
FLAG_FIELDS = ("id", "kind", "category", "level", "respondent_id", "text", "created_at",
               "acknowledged_by", "acknowledged_at", "case_id")


def _body(request: Request) -> dict | None:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - any unreadable body is the client's mistake
        return None
    return body if isinstance(body, dict) else None


def _text_field(body: dict, name: str, limit: int, lines: bool = False) -> str | None:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    allowed = "\n\t" if lines else ""
    if any((ord(char) < 32 or ord(char) == 127) and char not in allowed for char in value):
        return None  # no control characters (nor line breaks in names and references)
    return value.strip()


def worker_required(handler):
    @wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return unauthorised()
        worker = await request.app.ctx.store.worker_for_token(token.strip())
        if worker is None:
            return unauthorised()
        request.ctx.worker = worker
        try:
            return await handler(request, *args, **kwargs)
        except NotFound:
            return not_found()
        except ReadOnly:
            return error(403, READ_ONLY)
        except Conflict as problem:
            return error(409, str(problem))

    return wrapper


@blueprint.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    return json(document(request.app.ctx.settings.max_message_chars))


@blueprint.post("/login")
async def login(request: Request) -> JSONResponse:
    body = _body(request)
    username = _text_field(body or {}, "username", 150)
    password = (body or {}).get("password")
    if username is None or not isinstance(password, str) or len(password) > 1024:
        return error(422, "Please give a username and a password.")
    settings, limiter = request.app.ctx.settings, request.app.ctx.login_limiter
    address = request.remote_addr or request.ip
    wait = limiter.wait_seconds(username, address)
    if wait:
        return error(429, f"Too many sign-in attempts. Please wait {wait} seconds and try "
                          "again.", retry_after=wait)
    result = await request.app.ctx.store.login(username, password, settings.login_hours)
    if result is None:
        limiter.failed(username, address)
        return json(LOGIN_FAILED, status=401)
    limiter.succeeded(username)
    token, expires_at = result
    return json({"token": token, "expires_at": iso(expires_at)})


@blueprint.post("/cases")
@worker_required
async def create_case(request: Request) -> JSONResponse:
    body = _body(request) or {}
    reference = _text_field(body, "reference", 100)
    child_name = _text_field(body, "child_name", 100)
    if reference is None or child_name is None:
        return error(422, "Please give a case reference and the child's name "
                          "(each up to 100 characters).")
    case = await request.app.ctx.store.create_case(request.ctx.worker, reference, child_name)
    await audit.record(request, "create", "case", case["id"])
    return json(case, status=201)


@blueprint.get("/cases")
@worker_required
async def list_cases(request: Request) -> JSONResponse:
    return json({"cases": await request.app.ctx.store.list_cases(request.ctx.worker)})


@blueprint.get("/cases/<case_id:str>")
@worker_required
async def get_case(request: Request, case_id: str) -> JSONResponse:
    case = await request.app.ctx.store.case_detail(request.ctx.worker, case_id)
    await audit.record(request, "view", "case", case_id)
    return json(case)


@blueprint.post("/cases/<case_id:str>/invitations")
@worker_required
async def invite(request: Request, case_id: str) -> JSONResponse:
    body = _body(request) or {}
    role, name = body.get("role"), _text_field(body, "name", 100)
    if role not in ROLES or name is None:
        return error(422, f"Please give a role (one of {', '.join(ROLES)}) and a name.")
    settings = request.app.ctx.settings
    invitation, token = await request.app.ctx.store.create_invitation(
        request.ctx.worker, case_id, role, name, settings.invitation_days)
    await audit.record(request, "invite", "invitation", invitation["id"], case_id=case_id,
                       changes={"role": role})
    return json({
        "id": invitation["id"], "token": token, "url": f"{settings.base_url}/chat/{token}",
        "role": invitation["role"], "name": invitation["name"],
        "expires_at": invitation["expires_at"],
    }, status=201)


@blueprint.delete("/invitations/<invitation_id:str>")
@worker_required
async def revoke(request: Request, invitation_id: str) -> HTTPResponse:
    await request.app.ctx.store.revoke_invitation(request.ctx.worker, invitation_id)
    await audit.record(request, "revoke", "invitation", invitation_id)
    return empty(status=204)


@blueprint.get("/cases/<case_id:str>/map")
@worker_required
async def draft_map(request: Request, case_id: str) -> JSONResponse:
    choice = exports.choice_from(request.args)
    if choice is None:
        return error(422, "Use ?copy=family for the family's copy, or leave it out.")
    store = request.app.ctx.store
    found = await store.draft_map(request.ctx.worker, case_id, LOOK)
    _, why = await store.access(request.ctx.worker, case_id)
    await audit.record(request, "view", "map", case_id, why=why,
                       changes={"copy": "family"} if choice == "family" else None)
    return json(public(exports.shaped(found, choice)))


@blueprint.patch("/items/<item_id:str>")
@worker_required
async def update_item(request: Request, item_id: str) -> JSONResponse:
    body = _body(request)
    changes = _item_changes(body)
    if changes is None:
        return error(422, "Send any of section, category, status, text and private, with "
                          "valid values.")
    item = await request.app.ctx.store.update_item(request.ctx.worker, item_id, changes)
    await audit.record(request, "edit", "item", item_id, changes=changes)
    return json(item)


def _item_changes(body: dict | None) -> dict | None:
    allowed = {"section": SECTIONS, "category": (*CATEGORIES, None), "status": ITEM_STATUSES,
               "private": (True, False)}
    if not body or set(body) - {"section", "category", "status", "text", "private"}:
        return None
    for field, values in allowed.items():
        if field in body and body[field] not in values:
            return None
    if "text" in body and _text_field(body, "text", 4000, lines=True) is None:
        return None
    changes = dict(body)
    if "text" in changes:
        changes["text"] = changes["text"].strip()
    return changes


@blueprint.post("/flags/<flag_id:str>/acknowledge")
@worker_required
async def acknowledge_flag(request: Request, flag_id: str) -> JSONResponse:
    store = request.app.ctx.store
    # Why, before the flag closes: a duty worker acknowledges "as duty: open flag".
    _, why = await store.access(request.ctx.worker, await store.flag_case(flag_id))
    flag = await store.acknowledge_flag(request.ctx.worker, flag_id)
    await audit.record(request, "acknowledge", "flag", flag_id, why=why)
    return json(flag)


@blueprint.get("/flags")
@worker_required
async def open_flags(request: Request) -> JSONResponse:
    """Open flags this worker may see, oldest first, each with its case."""
    flags = await request.app.ctx.store.open_flags(request.ctx.worker)
    kind = kind_of(request.ctx.worker)
    await audit.record(request, "view", "flags", None,
                       why=f"as {kind}: open flags" if kind in OVERSIGHT_KINDS else None)
    return json({"flags": [{name: flag[name] for name in FLAG_FIELDS} for flag in flags]})


# Sharing and handing over -----------------------------------------------------------


@blueprint.post("/cases/<case_id:str>/access")
@worker_required
async def give_access(request: Request, case_id: str) -> JSONResponse:
    body = _body(request) or {}
    username, role = _text_field(body, "username", 150), body.get("role")
    if username is None or role not in CASE_ROLES:
        return error(422, "Please give a worker's username and a role: viewer (reads the "
                          "case) or owner (the case is handed over to them).")
    given = await request.app.ctx.store.give_access(request.ctx.worker, case_id, username,
                                                    role)
    await audit.record(request, "hand_over" if role == OWNER else "share", "case", case_id,
                       changes={"role": role}, why=f"for {username}")
    return json(given, status=201)


@blueprint.delete("/cases/<case_id:str>/access/<username:str>")
@worker_required
async def take_access(request: Request, case_id: str, username: str) -> HTTPResponse:
    await request.app.ctx.store.take_access(request.ctx.worker, case_id, username)
    await audit.record(request, "unshare", "case", case_id, why=f"from {username}")
    return empty(status=204)


# Exports (bot/portal/exports.py): the same map for import into case records. ----------------


async def _export(request: Request, case_id: str, kind: str) -> HTTPResponse:
    choice = exports.choice_from(request.args)
    if choice is None:
        return error(422, "Use ?only=accepted for the accepted items only, ?copy=family "
                          "for the family's copy, or leave both out.")
    found = await request.app.ctx.store.draft_map(request.ctx.worker, case_id)
    await audit.record(request, "export", "map", case_id,
                       changes={"format": kind, "only": choice})
    if kind == "docx":
        return web.word_response(found, choice)
    return web.print_response(found, choice, links=False, case_id=case_id)


@blueprint.get("/cases/<case_id:str>/map.docx")
@worker_required
async def map_docx(request: Request, case_id: str) -> HTTPResponse:
    return await _export(request, case_id, "docx")


@blueprint.get("/cases/<case_id:str>/map.html")
@worker_required
async def map_html(request: Request, case_id: str) -> HTTPResponse:
    return await _export(request, case_id, "html")
