"""The worker API: login, cases, invitations, the draft map and item review."""

from __future__ import annotations

from functools import wraps

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, empty, json

from bot.core.draft_map import iso, public, public_item
from bot.core.vocabulary import OVERSIGHT_KINDS, OWNER, ROLES
from bot.portal import case_record_fields, exports, inputs
from bot.portal.case_record import Unavailable
from bot.portal.errors import error, not_found, unauthorised
from bot.portal.login_limits import sign_in
from bot.portal.openapi import document
from bot.services import audit, personal_data
from bot.services.notify import send_invitation
from bot.services.stats import FIGURES_KINDS
from bot.services.store import LOOK, Conflict, Invalid, NotFound, ReadOnly, kind_of

blueprint = Blueprint("api", url_prefix="/api/v1")
LOGIN_FAILED = {"error": "That username and password do not match an account."}
READ_ONLY = "You can read this case but not change it."
FIGURES_ONLY = "The service's figures are for administrators."
# A flag as `GET /api/v1/flags` shows it: the map's flag, with its case.
FLAG_FIELDS = ("id", "kind", "category", "level", "respondent_id", "text", "created_at",
               "acknowledged_by", "acknowledged_at", "case_id")


def _body(request: Request) -> dict | None:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - any unreadable body is the client's mistake
        return None
    return body if isinstance(body, dict) else None


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
            await audit.refused(request, kwargs, "not found or not theirs")
            return not_found()
        except ReadOnly:
            await audit.refused(request, kwargs, "read only")
            return error(403, READ_ONLY)
        except Conflict as problem:
            return error(409, str(problem))

    return wrapper


@blueprint.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    return json(document(request.app.ctx.settings.max_message_chars))


@blueprint.post("/login")
async def login(request: Request) -> JSONResponse:
    body = _body(request) or {}
    tried = await sign_in(request, body.get("username"), body.get("password"))
    await audit.sign_in_attempt(request, inputs.words(body.get("username"), inputs.USERNAME_MAX),
                                tried.worker, checked=not (tried.malformed or tried.wait))
    if tried.malformed:
        return error(422, "Please give a username and a password.")
    if tried.wait:
        return error(429, f"Too many sign-in attempts. Please wait {tried.wait} seconds and "
                          "try again.", retry_after=tried.wait)
    if tried.worker is None:
        return json(LOGIN_FAILED, status=401)
    token, expires_at = await request.app.ctx.store.login_token(
        tried.worker, request.app.ctx.settings.login_hours)
    return json({"token": token, "expires_at": iso(expires_at)})


@blueprint.post("/cases")
@worker_required
async def create_case(request: Request) -> JSONResponse:
    body = _body(request) or {}
    reference = inputs.words(body.get("reference"))
    child_name = inputs.words(body.get("child_name"))
    if reference is None or child_name is None:
        return error(422, inputs.CASE_ERROR)
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
    role, name = inputs.role(body.get("role")), inputs.words(body.get("name"))
    if role is None or name is None:
        return error(422, f"Please give a role (one of {', '.join(ROLES)}) and a name.")
    assisted, contact = inputs.assisted(body.get("assisted")), inputs.contact(body.get("contact"))
    if assisted is False or contact is False:
        return error(422, inputs.INVITATION_OPTIONS_ERROR)
    easy_read = inputs.easy_read(body.get("easy_read"), "easy_read" in body)
    if easy_read is None:
        return error(422, inputs.EASY_READ_ERROR)
    ok, relationship, questions = inputs.invitation_extras(
        role, body.get("relationship"), body.get("questions"))
    if not ok:
        return error(422, inputs.INVITATION_EXTRAS_ERROR)
    settings = request.app.ctx.settings
    invitation, token = await request.app.ctx.store.create_invitation(
        request.ctx.worker, case_id, role, name, settings.invitation_days,
        relationship=relationship, questions=questions,
        assisted=assisted or None, contact=contact or None, easy_read=easy_read)
    await audit.record(request, "invite", "invitation", invitation["id"], case_id=case_id,
                       changes=audit.invitation_changes(role, invitation["questions"]))
    url = f"{settings.base_url}/chat/{token}"
    await send_invitation(request.app.ctx.store, request.app.ctx.notify, invitation["id"], url)
    return json({
        "id": invitation["id"], "token": token, "url": url,
        "role": invitation["role"], "name": invitation["name"],
        "relationship": invitation["relationship"], "questions": invitation["questions"],
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
    number = inputs.round_number(request.args.get("round"))
    if choice is None or number is False:
        return error(422, "Use ?copy=family for the family's copy and ?round=N (a number) "
                          "for an earlier round, or leave them out.")
    store = request.app.ctx.store
    found = await store.draft_map(request.ctx.worker, case_id, LOOK, round_number=number)
    _, why = await store.access(request.ctx.worker, case_id)
    earlier = f"round {number}" if number else None
    await audit.record(request, "view", "map", case_id,
                       why="; ".join(part for part in (why, earlier) if part) or None,
                       changes={"copy": "family"} if choice == "family" else None)
    return json(public(exports.shaped(found, choice)))


# Rounds and the worker's part of the map ----------------------------------------------


@blueprint.post("/cases/<case_id:str>/rounds")
@worker_required
async def start_round(request: Request, case_id: str) -> JSONResponse:
    label = inputs.words((_body(request) or {}).get("label"))
    if label is None:
        return error(422, inputs.ROUND_ERROR)
    started = await request.app.ctx.store.start_round(request.ctx.worker, case_id, label)
    await audit.record(request, "create", "round", started["id"], case_id=case_id)
    return json(started, status=201)


@blueprint.get("/cases/<case_id:str>/analysis")
@worker_required
async def get_analysis(request: Request, case_id: str) -> JSONResponse:
    store = request.app.ctx.store
    found = await store.analysis(request.ctx.worker, case_id, LOOK)
    _, why = await store.access(request.ctx.worker, case_id)
    await audit.record(request, "view", "analysis", case_id, case_id=case_id, why=why)
    return json(found)


@blueprint.put("/cases/<case_id:str>/analysis")
@worker_required
async def put_analysis(request: Request, case_id: str) -> JSONResponse:
    checked = inputs.analysis(_body(request))
    if checked is None:
        return error(422, inputs.ANALYSIS_ERROR)
    version, content = checked
    try:
        saved = await request.app.ctx.store.save_analysis(request.ctx.worker, case_id,
                                                          version, content)
    except Invalid as problem:
        return error(422, str(problem))
    await audit.record(request, "edit", "analysis", case_id, case_id=case_id,
                       why=f"saved as version {saved['version']}")
    return json(saved)


@blueprint.patch("/items/<item_id:str>")
@worker_required
async def update_item(request: Request, item_id: str) -> JSONResponse:
    changes = inputs.item_changes(_body(request))
    if changes is None:
        return error(422, inputs.ITEM_CHANGES_ERROR)
    item = await request.app.ctx.store.update_item(request.ctx.worker, item_id, changes)
    await audit.record(request, "edit", "item", item_id, changes=changes)
    return json(public_item(item))


@blueprint.post("/flags/<flag_id:str>/acknowledge")
@worker_required
async def acknowledge_flag(request: Request, flag_id: str) -> JSONResponse:
    store = request.app.ctx.store
    # Why, before the flag closes: a duty worker acknowledges "as duty: open flag".
    _, why = await store.access(request.ctx.worker, await store.flag_case(flag_id))
    flag = await store.acknowledge_flag(request.ctx.worker, flag_id)
    await audit.record(request, "acknowledge", "flag", flag_id, why=why)
    return json({name: value for name, value in flag.items() if name != "language"})


@blueprint.get("/flags")
@worker_required
async def open_flags(request: Request) -> JSONResponse:
    """Open flags this worker may see, oldest first, each with its case."""
    flags = await request.app.ctx.store.open_flags(request.ctx.worker)
    kind = kind_of(request.ctx.worker)
    await audit.record(request, "view", "flags", None,
                       why=f"as {kind}: open flags" if kind in OVERSIGHT_KINDS else None)
    return json({"flags": [{name: flag[name] for name in FLAG_FIELDS} for flag in flags]})


@blueprint.get("/stats")
@worker_required
async def stats(request: Request) -> JSONResponse:
    """The service's figures, for its managers: counts only (bot/services/stats.py)."""
    if kind_of(request.ctx.worker) not in FIGURES_KINDS:
        await audit.refused(request, {}, "figures: not an administrator")
        return error(403, FIGURES_ONLY)
    figures = await request.app.ctx.store.figures()
    await audit.record(request, "view", "figures", None)
    return json(figures)


# Sharing and handing over -----------------------------------------------------------


@blueprint.post("/cases/<case_id:str>/access")
@worker_required
async def give_access(request: Request, case_id: str) -> JSONResponse:
    body = _body(request) or {}
    username = inputs.words(body.get("username"), inputs.USERNAME_MAX)
    role = inputs.case_role(body.get("role"))
    if username is None or role is None:
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
    if inputs.words(username, inputs.USERNAME_MAX) is None:  # the path's words too
        raise NotFound
    await request.app.ctx.store.take_access(request.ctx.worker, case_id, username)
    await audit.record(request, "unshare", "case", case_id, why=f"from {username}")
    return empty(status=204)


# Exports: every format in the registry (bot/portal/exports.py), as the screens serve them.


async def export(request: Request, case_id: str, kind: str) -> HTTPResponse:
    choice = exports.choice_from(request.args)
    if choice is None:
        return error(422, "Use ?only=accepted for the accepted items only, ?copy=family "
                          "for the family's copy, or leave both out.")
    found = await request.app.ctx.store.draft_map(request.ctx.worker, case_id)
    if choice != "family":  # the worker's part goes into the case record, not the family's
        found = found | {"worker_part": await request.app.ctx.store.analysis(
            request.ctx.worker, case_id)}
    made = exports.export_of(found, choice, links=False, case_id=case_id,
                             settings=request.app.ctx.settings)
    try:
        response = await exports.response(kind, made)
    except Unavailable as problem:  # the template or LibreOffice failed (logged there)
        return error(503, str(problem))
    await audit.record(request, "export", "map", case_id,
                       changes={"format": kind, "only": choice})
    return response


def _exporter(kind: str):
    async def handler(request: Request, case_id: str) -> HTTPResponse:
        return await export(request, case_id, kind)

    handler.__name__ = f"map_{kind}"
    return worker_required(handler)


for _kind in exports.FORMATS:  # /api/v1/cases/{id}/map.docx, map.pdf, map.html, map.json
    blueprint.add_route(_exporter(_kind), f"/cases/<case_id:str>/map.{_kind}",
                        methods=["GET"], name=f"map_{_kind}")


@blueprint.get("/cases/<case_id:str>/case-record-fields")
@worker_required
async def case_record_blocks(request: Request, case_id: str) -> JSONResponse:
    """One plain-text block per field of the council's mapping form
    (bot/portal/case_record_fields.py), to paste into the case record."""
    only = request.args.get("only", "")
    if only not in ("", "draft", "accepted"):
        return error(422, "Use ?only=accepted for the accepted items only, or leave it out.")
    store = request.app.ctx.store
    found = await store.draft_map(request.ctx.worker, case_id)
    found = found | {"worker_part": await store.analysis(request.ctx.worker, case_id)}
    view = exports.arrange(found, only or "draft")
    await audit.record(request, "export", "map", case_id,
                       changes={"format": "case_record_fields", "only": only or "draft"})
    return json({"fields": case_record_fields.blocks(view, request.app.ctx.case_record_fields)})


# A person's data (information rights: bot/services/personal_data.py) -----------------

@blueprint.get("/respondents/<respondent_id:str>/data")
@worker_required
async def person_data(request: Request, respondent_id: str) -> JSONResponse:
    try:
        found = await personal_data.person_data(request.app.ctx.store, request.ctx.worker,
                                                respondent_id)
    except ReadOnly:
        await audit.refused(request, {"respondent_id": respondent_id}, "not the owner")
        return error(403, personal_data.ONLY_OWNER)
    await audit.record(request, "data_copy", "respondent", respondent_id)
    return json(found)


@blueprint.delete("/respondents/<respondent_id:str>")
@worker_required
async def erase_person(request: Request, respondent_id: str) -> JSONResponse:
    try:
        erased = await personal_data.erase_person(
            request.app.ctx.store, request.app.ctx.settings.tracker_database_url,
            request.ctx.worker, respondent_id, via="api")
    except ReadOnly:
        await audit.refused(request, {"respondent_id": respondent_id}, "not the owner")
        return error(403, personal_data.ONLY_OWNER)
    except personal_data.OpenFlag:
        return error(409, personal_data.OPEN_FLAG)
    return json({"erased": True, "kept": erased.kept})
