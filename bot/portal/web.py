"""The social worker's screens: sign in and out, cases, invitations, the board, exports,
and for administrators the workers and the audit log.

Plain server-rendered pages (Jinja2, autoescaped), forms and buttons: everything works
without JavaScript; `static/worker.js` only adds the copy button, printing and
review without a page reload. Every POST carries the session's CSRF token. A case that
is not the worker's answers 404, whatever the URL.
"""

from __future__ import annotations

from datetime import timezone
from functools import wraps
from urllib.parse import parse_qsl, urlencode

import segno
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw, redirect
from sqlalchemy.exc import IntegrityError

from bot.core.analysis import ENTRY_WORDS, LIST_TITLES, evidence_of
from bot.core.draft_map import iso
from bot.core.first_run import FIRST_ADMIN_AFTER, FIRST_ADMIN_COMMAND, FIRST_ADMIN_HOW
from bot.core.vocabulary import (
    ASSISTED,
    IMMEDIATE,
    ITEM_STATUSES,
    OVERSIGHT_KINDS,
    OWNER,
    QUESTION_SET_WORDS,
    ROLE_CHOICES,
    SHARING_KINDS,
    VIEWER,
    WORKER,
    WORKER_KINDS,
    ItemStatus,
    WorkerKind,
    is_child,
    question_set_for,
    role_label,
)
from bot.database.models import Flag, Item, Respondent, utcnow
from bot.portal import case_record_fields, exports, figures, inputs, peers, scale_chart
from bot.portal.case_record import Unavailable
from bot.portal.login_limits import sign_in
from bot.portal.templates import render
from bot.services import audit, personal_data, web_sessions
from bot.services.stats import FIGURES_KINDS
from bot.services.store import CHANGE, LOOK, Conflict, Invalid, NotFound, ReadOnly, kind_of

blueprint = Blueprint("web")

NOTICES = {
    "signed_out": "You have signed out.",
    "signed_out_everywhere": "You have signed out everywhere: on every browser, and every "
                             "API token has stopped working.",
    "password_changed": "Your password has changed. Anywhere else you were signed in, "
                        "you have been signed out.",
    "expired": "Your session has ended. Please sign in again.",
    "revoked": "The link was stopped. It no longer works.",
    "created": "The case was made. Now invite the people you want to hear from.",
    "acknowledged": "The flag was acknowledged.",
    "worker_added": "The worker's account was made. They can sign in now.",
    "item_saved": "Saved.",
    "bad_wording": "The new wording was empty, too long or had characters MapBot cannot "
                   "keep (such as control characters), so nothing changed.",
    "shared": "Done: they can read this case now.",
    "handed_over": "Done: the case is theirs now. You can still read it.",
    "unshared": "Done: they can no longer see this case.",
    "analysis_saved": "Your part of the map is saved.",
    "round_started": "A new round has started. New invitations belong to it; the earlier "
                     "rounds stay readable.",
    "round_filed": "Marked as filed in the case record. MapBot now keeps this round's "
                   "answers only for the time your council set for filed rounds.",
    "round_unfiled": "The mark is taken back: this round is kept as an unfiled one again.",
}
ANALYSIS_PROBLEM = ("Something in the form could not be kept (a text over 4,000 "
                    "characters, a name or date over 100, or characters MapBot cannot "
                    "keep), so nothing was saved. Your words are below.")
KIND_CHOICES = [(WORKER, "Social worker (their own cases and cases shared with them)"),
                (WorkerKind.DUTY, "Duty worker (also every open safeguarding flag)"),
                (WorkerKind.MANAGER, "Manager (as duty, and shares and hands over cases)"),
                (WorkerKind.ADMINISTRATOR,
                 "Administrator (as manager, and workers and the audit log)")]
CASE_ROLE_CHOICES = [(VIEWER, "Share it: they can read it and acknowledge flags"),
                     (OWNER, "Hand it over: it becomes theirs, and you can still read it")]
PERIOD_WORDS = {"office": "office hours", "out_of_hours": "out of hours"}
SHOW_CHOICES = [("", "Every item"), (ItemStatus.DRAFT, "To review"),
                (ItemStatus.ACCEPTED, "Accepted"), (ItemStatus.REJECTED, "Rejected")]
STATUS_ACTIONS = {"accept": ItemStatus.ACCEPTED, "reject": ItemStatus.REJECTED,
                  "draft": ItemStatus.DRAFT}
DONE_WORDS = {ItemStatus.ACCEPTED: "Accepted", ItemStatus.REJECTED: "Rejected",
              ItemStatus.DRAFT: "Back to review"}
PRIVATE_ACTIONS = {"private": True, "not_private": False}


# Plumbing -----------------------------------------------------------------------------


def _settings(request: Request):
    return request.app.ctx.settings


def _store(request: Request):
    return request.app.ctx.store


def page(request: Request, template: str, status: int = 200, **context) -> HTTPResponse:
    user = getattr(request.ctx, "web", None)
    notice = NOTICES.get(request.args.get("done", ""))
    defaults = {"me": user.worker if user else None, "csrf": user.csrf if user else "",
                "notice": notice, "title": "MapBot", "when": exports.when}
    return render(template, status=status, **(defaults | context))


def error_page(request: Request, status: int, title: str, message: str) -> HTTPResponse:
    return page(request, "worker_error.html", status=status, title=title, message=message)


def not_found_page(request: Request) -> HTTPResponse:
    return error_page(request, 404, "Not found",
                      "There is nothing here, or it is not yours to see.")


def _see_other(url: str) -> HTTPResponse:
    return redirect(url, status=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) may follow sign-in."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ch in target for ch in "\r\n\t")):
        return "/"
    return target


def _form(request: Request, name: str) -> str | None:
    value = request.form.get(name) if request.form else None
    return value if isinstance(value, str) else None


def signed_in(admin: bool = False):
    """The worker must be signed in (and an administrator, if asked); POSTs need the CSRF
    token of their session. Sets `request.ctx.worker` and `request.ctx.web`."""

    def decorate(handler):
        @wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            settings = _settings(request)
            cookie = request.cookies.get(web_sessions.COOKIE)
            user = await web_sessions.load(_store(request), settings, cookie)
            if user is None:
                query = {"done": "expired"} if cookie else {}
                if request.method == "GET":
                    query["next"] = request.path + (f"?{request.query_string}"
                                                    if request.query_string else "")
                response = _see_other("/login" + (f"?{urlencode(query)}" if query else ""))
                if cookie:
                    web_sessions.clear_cookie(response, request, settings, web_sessions.COOKIE)
                return response
            request.ctx.web, request.ctx.worker = user, user.worker
            if request.method == "POST" and not web_sessions.csrf_ok(
                    _form(request, web_sessions.CSRF_FIELD), user.csrf):
                return error_page(request, 403, "Please try again",
                                  "This form had expired or did not come from MapBot, so "
                                  "nothing was changed. Go back, reload the page and try again.")
            if admin and not user.worker.is_admin:
                return error_page(request, 403, "For administrators only",
                                  "Only an administrator can open this page.")
            try:
                return await handler(request, *args, **kwargs)
            except NotFound:
                await audit.refused(request, kwargs, "not found or not theirs")
                return not_found_page(request)
            except ReadOnly:
                await audit.refused(request, kwargs, "read only")
                return error_page(request, 403, "You can read this case only",
                                  "You can read this case, but only its owner can change "
                                  "it. Nothing was changed.")

        return wrapper

    return decorate


# Signing in and out -------------------------------------------------------------------


def _login_page(request: Request, status: int = 200, problem: str | None = None,
                username: str = "", first_run: bool = False) -> HTTPResponse:
    token = web_sessions.new_login_token()
    response = page(request, "worker_login.html", status=status, title="Sign in",
                    login_csrf=token, problem=problem, username=username,
                    first_run=first_run, first_admin_how=FIRST_ADMIN_HOW,
                    first_admin_command=FIRST_ADMIN_COMMAND,
                    first_admin_after=FIRST_ADMIN_AFTER,
                    council_sign_in=_settings(request).oidc_enabled,
                    next=_safe_next(request.args.get("next") or _form(request, "next")))
    web_sessions.set_cookie(response, request, _settings(request), web_sessions.LOGIN_COOKIE,
                            token)
    return response


def _minutes(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


@blueprint.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    user = await web_sessions.load(_store(request), _settings(request),
                                   request.cookies.get(web_sessions.COOKIE))
    if user is not None:
        return _see_other("/")
    # Someone on this machine, before anyone has an account: how to make the first one.
    first_run = peers.is_local(request) and not await _store(request).has_workers()
    return _login_page(request, first_run=first_run)


@blueprint.post("/login")
async def login(request: Request) -> HTTPResponse:
    store, settings = _store(request), _settings(request)
    if not web_sessions.csrf_ok(_form(request, web_sessions.CSRF_FIELD),
                                request.cookies.get(web_sessions.LOGIN_COOKIE)):
        return _login_page(request, 403, "The sign-in form had expired. Please try again.")
    username = (_form(request, "username") or "").strip()
    tried = await sign_in(request, username, _form(request, "password") or "")
    await audit.sign_in_attempt(request, inputs.words(username, inputs.USERNAME_MAX),
                                tried.worker, checked=not (tried.malformed or tried.wait))
    if tried.wait:
        return _login_page(request, 429, f"Too many tries. Please wait {_minutes(tried.wait)} "
                                         "and try again, or ask an administrator.",
                           username[:150])
    worker = tried.worker
    if worker is None:
        return _login_page(request, 401, "That username and password do not match an "
                                         "account.", username[:150])
    await web_sessions.end_expired(store, settings)
    await web_sessions.end(store, request.cookies.get(web_sessions.COOKIE))
    session_id, _ = await web_sessions.start(store, worker)
    response = _see_other(_safe_next(_form(request, "next")))
    web_sessions.set_cookie(response, request, settings, web_sessions.COOKIE, session_id)
    web_sessions.clear_cookie(response, request, settings, web_sessions.LOGIN_COOKIE)
    return response


@blueprint.post("/logout")
@signed_in()
async def logout(request: Request) -> HTTPResponse:
    await web_sessions.end(_store(request), request.cookies.get(web_sessions.COOKIE))
    await audit.record(request, "sign_out", "worker", request.ctx.worker.id)
    response = _see_other("/login?done=signed_out")
    web_sessions.clear_cookie(response, request, _settings(request), web_sessions.COOKIE)
    return response


# Your account -------------------------------------------------------------------------


def _account_page(request: Request, status: int = 200,
                  problem: str | None = None) -> HTTPResponse:
    return page(request, "worker_account.html", status=status, title="Your account",
                problem=problem)


@blueprint.get("/account")
@signed_in()
async def account(request: Request) -> HTTPResponse:
    return _account_page(request)


@blueprint.post("/account/password")
@signed_in()
async def change_password(request: Request) -> HTTPResponse:
    """Self-service: the password now (checked, and limited, as a sign-in is), then the
    new one twice. Every other session and API token ends; this one stays."""
    worker, new = request.ctx.worker, _form(request, "new_password") or ""
    if len(new) < 12 or len(new) > inputs.PASSWORD_MAX:
        return _account_page(request, 422, "Please choose a new password of at least 12 "
                                           "characters. Nothing has changed.")
    if new != (_form(request, "confirm") or ""):
        return _account_page(request, 422, "The two new passwords are not the same. "
                                           "Nothing has changed.")
    tried = await sign_in(request, worker.username, _form(request, "current_password") or "")
    if tried.wait:
        return _account_page(request, 429, f"Too many tries. Please wait "
                                           f"{_minutes(tried.wait)} and try again. Nothing "
                                           "has changed.")
    if tried.worker is None:
        return _account_page(request, 422, "That is not your current password, so nothing "
                                           "has changed. Please try again.")
    await _store(request).set_password(worker.id, new, keep_session=request.ctx.web.session_hash)
    await audit.record(request, "change_password", "worker", worker.id)
    return _see_other("/account?done=password_changed")


@blueprint.post("/account/sign-out-everywhere")
@signed_in()
async def sign_out_everywhere(request: Request) -> HTTPResponse:
    await audit.record(request, "sign_out_all", "worker", request.ctx.worker.id)
    await _store(request).sign_out_everywhere(request.ctx.worker.id)
    response = _see_other("/login?done=signed_out_everywhere")
    web_sessions.clear_cookie(response, request, _settings(request), web_sessions.COOKIE)
    return response


# Dashboard and cases ------------------------------------------------------------------


def _link_state(respondent: Respondent) -> str:
    if respondent.revoked_at is not None:
        return "stopped"
    expires = respondent.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    return "expired" if expires <= utcnow() else "working"


def _role_words(role: str, relationship: str | None, question_set: str | None,
                easy_read: bool = False) -> str:
    """"professional (Class teacher)", and the questions where the worker chose others;
    ", Easy Read" for an adult invited with Easy Read."""
    words = role_label(role) + (f" ({relationship})" if relationship else "")
    if question_set and question_set != question_set_for(role):
        words += f", asked {QUESTION_SET_WORDS[question_set].lower()}"
    if easy_read and not is_child(role):
        words += ", Easy Read"
    return words


async def _people_and_flags(store, case_ids: list[str]) -> tuple[dict, dict]:
    people: dict[str, list[dict]] = {case_id: [] for case_id in case_ids}
    flags: dict[str, list[dict]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return people, flags
    respondents, open_flags = await store.people_and_open_flags(case_ids)
    names = {}
    for r in respondents:
        names[r.id] = exports.speaker_label({"name": r.name, "role": r.role,
                                             "relationship": r.relationship_to_child})
        people[r.case_id].append({
            "id": r.id, "name": r.name, "role": r.role,
            "role_words": _role_words(r.role, r.relationship_to_child, r.question_set,
                                      bool(r.easy_read)),
            "status": r.status,
            "status_words": exports.PEOPLE_STATUS.get(r.status, r.status),
            "link": _link_state(r)})
    for flag in open_flags:
        flags[flag.case_id].append({"id": flag.id, "created_at": iso(flag.created_at),
                                    "speaker": names.get(flag.respondent_id, "unknown")})
    return people, flags


@blueprint.get("/")
@signed_in()
async def dashboard(request: Request) -> HTTPResponse:
    store = _store(request)
    cases = await store.list_cases(request.ctx.worker)
    people, flags = await _people_and_flags(store, [case["id"] for case in cases])
    demo = await store.demo_cases([case["id"] for case in cases])
    rows = [case | {"people": people[case["id"]], "open_flags": flags[case["id"]],
                    "demo": case["id"] in demo} for case in cases]
    rows.sort(key=lambda case: not case["open_flags"])  # stable: newest first otherwise
    return page(request, "worker_dashboard.html", title="Your cases", cases=rows,
                flagged=[case for case in rows if case["open_flags"]])


@blueprint.get("/cases/new")
@signed_in()
async def new_case_form(request: Request) -> HTTPResponse:
    return page(request, "worker_new_case.html", title="New case", problem=None,
                reference="", child_name="")


def _field(request: Request, name: str, limit: int = inputs.NAME_MAX) -> str | None:
    """A one-line form field, by the API's rule (bot/portal/inputs.py)."""
    return inputs.words(_form(request, name), limit)


@blueprint.post("/cases")
@signed_in()
async def create_case(request: Request) -> HTTPResponse:
    reference, child_name = _field(request, "reference"), _field(request, "child_name")
    if reference is None or child_name is None:
        return page(request, "worker_new_case.html", status=422, title="New case",
                    problem="Please give a case reference and the child's first name "
                            "(each up to 100 characters).",
                    reference=_form(request, "reference") or "",
                    child_name=_form(request, "child_name") or "")
    case = await _store(request).create_case(request.ctx.worker, reference, child_name)
    await audit.record(request, "create", "case", case["id"])
    return _see_other(f"/cases/{case['id']}?done=created")


async def _case_page(request: Request, case_id: str, status: int = 200,
                     **extra) -> HTTPResponse:
    store, worker = _store(request), request.ctx.worker
    case = await store.case_detail(worker, case_id, LOOK)
    access, _ = await store.access(worker, case_id)
    people, flags = await _people_and_flags(store, [case["id"]])
    defaults = {"problem": None, "invite_name": "", "access_problem": None,
                "access_username": ""}
    return page(request, "worker_case.html", status=status,
                title=f"Case {case['reference']}", case=case, people=people[case["id"]],
                open_flags=flags[case["id"]], roles=ROLE_CHOICES,
                question_sets=QUESTION_SET_WORDS,
                owner=access == OWNER, access=access, team=await store.case_team(case_id),
                can_share=access == OWNER or kind_of(worker) in SHARING_KINDS,
                case_roles=CASE_ROLE_CHOICES, demo=bool(await store.demo_cases([case_id])),
                assisted_choices=ASSISTED.items(),
                **(defaults | extra))


@blueprint.get("/cases/<case_id:str>")
@signed_in()
async def case_page(request: Request, case_id: str) -> HTTPResponse:
    response = await _case_page(request, case_id)
    _, why = await _store(request).access(request.ctx.worker, case_id)
    await audit.record(request, "view", "case", case_id, why=why)
    return response


@blueprint.post("/cases/<case_id:str>/access")
@signed_in()
async def give_access(request: Request, case_id: str) -> HTTPResponse:
    username = _field(request, "username", inputs.USERNAME_MAX)
    role = inputs.case_role(_form(request, "role"))
    if username is None or role is None:
        return await _case_page(request, case_id, status=422,
                                access_problem="Please give a worker's username and choose "
                                               "whether to share or hand over the case.",
                                access_username=_form(request, "username") or "")
    try:
        await _store(request).give_access(request.ctx.worker, case_id, username, role)
    except Conflict as problem:
        return await _case_page(request, case_id, status=409, access_problem=str(problem),
                                access_username=username)
    await audit.record(request, "hand_over" if role == OWNER else "share", "case", case_id,
                       changes={"role": role}, why=f"for {username}")
    return _see_other(f"/cases/{case_id}?done={'handed_over' if role == OWNER else 'shared'}"
                      "#access")


@blueprint.post("/cases/<case_id:str>/access/<username:str>/remove")
@signed_in()
async def take_access(request: Request, case_id: str, username: str) -> HTTPResponse:
    if inputs.words(username, inputs.USERNAME_MAX) is None:  # the path's words too
        raise NotFound
    try:
        await _store(request).take_access(request.ctx.worker, case_id, username)
    except Conflict as problem:
        return await _case_page(request, case_id, status=409, access_problem=str(problem))
    await audit.record(request, "unshare", "case", case_id, why=f"from {username}")
    return _see_other(f"/cases/{case_id}?done=unshared#access")


# Flags across cases -------------------------------------------------------------------


@blueprint.get("/flags")
@signed_in()
async def flags_page(request: Request) -> HTTPResponse:
    """Every open flag this worker may see, oldest first (duty: every case's)."""
    flags = await _store(request).open_flags(request.ctx.worker)
    kind = kind_of(request.ctx.worker)
    oversight = kind in OVERSIGHT_KINDS
    await audit.record(request, "view", "flags", None,
                       why=f"as {kind}: open flags" if oversight else None)
    return page(request, "worker_flags.html", title="Flags", flags=_by_person(flags),
                oversight=oversight)


def _by_person(flags: list) -> list[dict]:
    """One row a person, where their oldest open flag would be, with how many messages
    of theirs wait and the most urgent level among them: a flood of messages from one
    link stays one row, so it cannot push anyone else's flag out of sight. Every flag
    is still on the case's board."""
    rows: dict[str, dict] = {}
    for flag in flags:  # oldest first
        row = rows.get(flag["respondent_id"])
        if row is None:
            rows[flag["respondent_id"]] = flag | {"count": 1, "speaker": exports.speaker_label(
                {"name": flag["respondent_name"], "role": flag["respondent_role"]})}
            continue
        row["count"] += 1
        if flag["level"] == IMMEDIATE:
            row["level"], row["category"] = IMMEDIATE, flag["category"]
    for row in rows.values():
        row["level_words"] = exports.level_words(row)
    return list(rows.values())


@blueprint.get("/flags/<flag_id:str>")
@signed_in()
async def flag_link(request: Request, flag_id: str) -> HTTPResponse:
    """The link in an alert: after sign-in, the case's board, open at the flag."""
    store = _store(request)
    case_id = await store.flag_case(flag_id)
    await store.access(request.ctx.worker, case_id)  # NotFound for anyone else
    return _see_other(f"/cases/{case_id}/board#flag-{flag_id}")


@blueprint.post("/cases/<case_id:str>/invitations")
@signed_in()
async def invite(request: Request, case_id: str) -> HTTPResponse:
    store, settings = _store(request), _settings(request)
    role, name = inputs.role(_form(request, "role")), _field(request, "name")
    if role is None or name is None:
        return await _case_page(request, case_id, status=422,
                                problem="Please choose who they are and give their name "
                                        "(up to 100 characters).",
                                invite_name=_form(request, "name") or "")
    assisted = inputs.assisted(_form(request, "assisted") or None)
    ok, relationship, questions = inputs.invitation_extras(
        role, _form(request, "relationship"), _form(request, "questions"))
    if not ok:
        return await _case_page(request, case_id, status=422,
                                problem="Please keep the relationship to 100 characters. "
                                        "A child always gets the children's questions.",
                                invite_name=name)
    invitation, token = await store.create_invitation(
        request.ctx.worker, case_id, role, name, settings.invitation_days,
        relationship=relationship, questions=questions, assisted=assisted or None,
        easy_read=_form(request, "easy_read") == "yes")
    await audit.record(request, "invite", "invitation", invitation["id"], case_id=case_id,
                       changes=audit.invitation_changes(role, invitation["questions"]))
    case = await store.case_detail(request.ctx.worker, case_id)
    url = f"{settings.base_url}/chat/{token}"
    qr = segno.make(url, error="m")
    return page(request, "worker_invited.html", title=f"Invitation for {name}", case=case,
                invitation=invitation, url=url, base_url=settings.base_url,
                qr=qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
                child=is_child(role), role_words=role_label(role),
                questions_words=QUESTION_SET_WORDS.get(invitation["questions"] or ""),
                relationship=invitation["relationship"],
                expires=invitation["expires_at"][:10])


async def _belongs(request: Request, model, object_id: str, case_id: str,
                   allowed: tuple[str, ...] = CHANGE) -> None:
    """The thing must be in this case, and the worker allowed to do this to the case
    (NotFound if they may not see it; ReadOnly if they may only read it)."""
    if await _store(request).case_of(model, object_id) != case_id:
        raise NotFound
    await _store(request).case_detail(request.ctx.worker, case_id, allowed)


@blueprint.post("/cases/<case_id:str>/invitations/<invitation_id:str>/revoke")
@signed_in()
async def revoke(request: Request, case_id: str, invitation_id: str) -> HTTPResponse:
    await _belongs(request, Respondent, invitation_id, case_id)
    await _store(request).revoke_invitation(request.ctx.worker, invitation_id)
    await audit.record(request, "revoke", "invitation", invitation_id, case_id=case_id)
    return _see_other(f"/cases/{case_id}?done=revoked")


# The board ----------------------------------------------------------------------------


def _board_filter(args) -> dict[str, str]:
    show = args.get("show", "")
    person = args.get("person", "")
    chosen = {}
    if show in dict(SHOW_CHOICES) and show:
        chosen["show"] = show
    if person and len(person) <= 32 and person.isalnum():
        chosen["person"] = person
    return chosen


def _filtered(view: exports.MapView, chosen: dict[str, str]) -> None:
    def keep(item: dict) -> bool:
        return ((not chosen.get("show") or item["status"] == chosen["show"])
                and (not chosen.get("person") or item["respondent_id"] == chosen["person"]))

    for column in view.columns:
        for part in column.parts:
            part.items = [item for item in part.items if keep(item)]


def _waiting(open_flags: list[dict]) -> dict[str, dict]:
    """Each person's open flags: how many, and the last (after it, once they are all
    read, the board offers to acknowledge them all)."""
    waiting: dict[str, dict] = {}
    for flag in open_flags:  # oldest first
        mine = waiting.setdefault(flag["respondent_id"], {"count": 0})
        mine["count"] += 1
        mine["last"] = flag["id"]
    return waiting


@blueprint.get("/cases/<case_id:str>/board")
@signed_in()
async def board(request: Request, case_id: str) -> HTTPResponse:
    number = inputs.round_number(request.args.get("round"))
    if number is False:
        raise NotFound
    response = await _board_page(request, case_id, number)
    _, why = await _store(request).access(request.ctx.worker, case_id)
    await audit.record(request, "view", "map", case_id, why="; ".join(
        part for part in (why, f"round {number}" if number else None) if part) or None)
    return response


async def _board_page(request: Request, case_id: str, number: int | None = None,
                      status: int = 200, **extra) -> HTTPResponse:
    """The board of the current round (with the worker's part), or of an earlier round
    (`number`, read only)."""
    store = _store(request)
    draft = await store.draft_map(request.ctx.worker, case_id, LOOK, round_number=number)
    access, _ = await store.access(request.ctx.worker, case_id)
    rounds = await store.rounds_of(case_id)
    current = draft["round"]["number"] == rounds[-1]["number"]
    view = exports.arrange(draft, "all")
    counts = {status: sum(1 for item in view.items if item["status"] == status)
              for status in ITEM_STATUSES}
    chosen = _board_filter(request.args)
    _filtered(view, chosen)
    analysis = await store.analysis(request.ctx.worker, case_id, LOOK) if current else None
    shown = {item["id"]: item for item in view.items}
    if analysis is not None:  # evidence may rest on an earlier round's words
        earlier = evidence_of(analysis) - set(shown)
        for item in await store.items_named(case_id, earlier):
            shown[item["id"]] = item | {
                "speaker": exports.speaker_label(item["person"]), "earlier": True,
                "edited": item["text"] != item["original_text"]}
    lines = scale_chart.series(draft["history"]["scales"])
    defaults = {"analysis_problem": None, "unsaved": None, "round_problem": None}
    # "For the case record": the draft version (every item not rejected), as exported.
    record = exports.arrange(draft | {"worker_part": analysis}, "draft")
    blocks = (case_record_fields.blocks(record, request.app.ctx.case_record_fields)
              if access in ("owner", "viewer") else [])
    return page(request, "worker_board.html", status=status,
                title=f"Map for {draft['case']['child_name']}",
                view=view, case=draft["case"], counts=counts, chosen=chosen,
                back=urlencode(chosen), shows=SHOW_CHOICES, places=exports.move_groups(),
                case_id=case_id, read_only=access != OWNER or not current, access=access,
                owner=access == OWNER, trail=await store.alert_trail(case_id),
                periods=PERIOD_WORDS, waiting=_waiting(view.open_flags),
                demo=bool(await store.demo_cases([case_id])),
                round=draft["round"], rounds=rounds, current=current, analysis=analysis,
                filed=(await store.filing(case_id)).get(draft["round"]["number"]),
                lists=LIST_TITLES, entry_words=ENTRY_WORDS,
                items_by_id=shown,
                chart=scale_chart.svg(lines, [r["number"] for r in rounds]),
                lines=lines, case_record_blocks=blocks, **(defaults | extra))


@blueprint.post("/cases/<case_id:str>/analysis")
@signed_in()
async def save_analysis(request: Request, case_id: str) -> HTTPResponse:
    """The board's form for the worker's part: the whole part, saved at once."""
    await _store(request).case_detail(request.ctx.worker, case_id, CHANGE)
    sent = _analysis_form(request)
    checked = inputs.analysis(sent)
    if checked is None:
        return await _board_page(request, case_id, status=422, unsaved=sent,
                                 analysis_problem=ANALYSIS_PROBLEM)
    version, content = checked
    try:
        saved = await _store(request).save_analysis(request.ctx.worker, case_id, version,
                                                    content)
    except (Conflict, Invalid) as problem:
        return await _board_page(request, case_id, status=409 if isinstance(
            problem, Conflict) else 422, unsaved=sent, analysis_problem=str(problem))
    await audit.record(request, "edit", "analysis", case_id, case_id=case_id,
                       why=f"saved as version {saved['version']}")
    return _see_other(f"/cases/{case_id}/board?done=analysis_saved#worker-part")


def _analysis_form(request: Request) -> dict:
    """The form's fields as the API's body: `danger_statements-0-text`, its ids and
    evidence (ticked items), ...; an entry left empty is dropped (that removes it)."""
    body: dict = {"version": int(v) if (v := _form(request, "version") or "").isdigit()
                  else -1}
    for name in LIST_TITLES:
        body[name] = []
        for index in range(inputs.ENTRIES_MAX + 1):
            text = inputs.form_text(_form(request, f"{name}-{index}-text"))
            if text is None:
                break
            if not text.strip():
                continue
            entry = {"id": _form(request, f"{name}-{index}-id") or None, "text": text}
            if name == "next_steps":
                entry |= {"who": _form(request, f"{name}-{index}-who"),
                          "by": _form(request, f"{name}-{index}-by")}
            else:
                entry["evidence"] = (request.form.getlist(f"{name}-{index}-evidence")
                                     if request.form else None) or []
            body[name].append(entry)
    value = _form(request, "judgement-value") or ""
    body["judgement"] = {"value": int(value) if value.isdigit() else None,
                         "why": inputs.form_text(_form(request, "judgement-why")) or None}
    return body


@blueprint.post("/cases/<case_id:str>/rounds")
@signed_in()
async def start_round(request: Request, case_id: str) -> HTTPResponse:
    label = _field(request, "label")
    if label is None:
        await _store(request).case_detail(request.ctx.worker, case_id, CHANGE)
        return await _board_page(request, case_id, status=422,
                                 round_problem=inputs.ROUND_ERROR)
    started = await _store(request).start_round(request.ctx.worker, case_id, label)
    await audit.record(request, "create", "round", started["id"], case_id=case_id)
    return _see_other(f"/cases/{case_id}/board?done=round_started")


@blueprint.post("/cases/<case_id:str>/rounds/<number:int>/filed")
@signed_in()
async def mark_filed(request: Request, case_id: str, number: int) -> HTTPResponse:
    """The owner's "Mark as filed in the case record" (or taking it back): retention
    then counts the round's time from filing (bot/services/retention.py)."""
    filed = _form(request, "filed") != "no"
    round_ = await _store(request).mark_filed(request.ctx.worker, case_id, number, filed)
    await audit.record(request, "edit", "round", round_.id, case_id=case_id,
                       why="marked filed in the case record" if filed
                       else "took back the filed mark")
    rounds = await _store(request).rounds_of(case_id)
    shown = "" if number == rounds[-1]["number"] else f"round={number}&"
    return _see_other(f"/cases/{case_id}/board?{shown}done=round_"
                      f"{'filed' if filed else 'unfiled'}#filing")


async def _item_view(store, item: dict) -> dict:
    person = await store.respondent(item["respondent_id"])
    label = exports.speaker_label({"name": person.name, "role": person.role})
    return item | {"speaker": label, "status_words": exports.STATUS_LABELS[item["status"]],
                   "edited": item["text"] != item["original_text"],
                   "assisted_words": ASSISTED.get(person.assisted or "", ""),
                   "language_words": exports.language_words(item),
                   **exports.sorting_words(item)}


def _item_changes(request: Request) -> dict | None:
    """The board's buttons as the API's item changes, checked by the same schema."""
    action = _form(request, "action")
    if action in STATUS_ACTIONS:
        return inputs.item_changes({"status": STATUS_ACTIONS[action].value})
    if action in PRIVATE_ACTIONS:
        return inputs.item_changes({"private": PRIVATE_ACTIONS[action]})
    if action == "move":
        place = _form(request, "place") or ""
        if place not in exports.move_choices():
            return None
        section, _, category = place.partition(":")
        return inputs.item_changes({"section": section, "category": category or None})
    if action == "edit":
        return inputs.item_changes({"text": inputs.form_text(_form(request, "text"))})
    return None


@blueprint.post("/cases/<case_id:str>/items/<item_id:str>")
@signed_in()
async def review_item(request: Request, case_id: str, item_id: str) -> HTTPResponse:
    store = _store(request)
    fragment = request.headers.get("x-mapbot-fragment") == "1"
    await _belongs(request, Item, item_id, case_id)
    back = urlencode(_board_filter(dict(parse_qsl(_form(request, "back") or ""))))
    board_url = f"/cases/{case_id}/board" + (f"?{back}" if back else "")
    changes = _item_changes(request)
    if changes is None:
        if fragment:
            return raw(NOTICES["bad_wording"].encode(), status=422,
                       content_type="text/plain; charset=utf-8")
        sep = "&" if back else "?"
        return _see_other(f"{board_url}{sep}done=bad_wording#item-{item_id}")
    item = await store.update_item(request.ctx.worker, item_id, changes)
    await audit.record(request, "edit", "item", item_id, case_id=case_id, changes=changes)
    if not fragment:
        return _see_other(f"{board_url}#item-{item_id}")
    done = DONE_WORDS.get(changes.get("status", ""), "Moved" if "section" in changes
                          else "Kept from the family" if changes.get("private")
                          else "Can be shared" if "private" in changes else "Wording saved")
    response = page(request, "worker_item.html", item=await _item_view(store, item),
                    places=exports.move_groups(), case_id=case_id, back=back,
                    read_only=False)
    response.headers["X-MapBot-Place"] = f"{item['section']}:{item['category'] or ''}"
    response.headers["X-MapBot-Done"] = done
    return response


@blueprint.post("/cases/<case_id:str>/flags/<flag_id:str>/acknowledge")
@signed_in()
async def acknowledge(request: Request, case_id: str, flag_id: str) -> HTTPResponse:
    await _belongs(request, Flag, flag_id, case_id, LOOK)
    store = _store(request)
    _, why = await store.access(request.ctx.worker, case_id)  # before the flag closes
    # "I have read all of them": every open flag of the same person, each in the log.
    everyone = _form(request, "all_from_person") == "yes"
    for one in await store.same_person_open(flag_id) if everyone else [flag_id]:
        await store.acknowledge_flag(request.ctx.worker, one)
        await audit.record(request, "acknowledge", "flag", one, case_id=case_id, why=why)
    return _see_other(f"/cases/{case_id}/board?done=acknowledged#flags")


# Exports: every format in the registry (bot/portal/exports.py), as the API serves them.


async def export(request: Request, case_id: str, kind: str) -> HTTPResponse:
    choice = exports.choice_from(request.args)
    if choice is None:
        return error_page(request, 422, "Choose a version",
                          "Choose the draft, the accepted items only, or the family's copy.")
    draft = await _store(request).draft_map(request.ctx.worker, case_id)
    if choice != "family":  # the worker's part goes into the case record, not the family's
        draft = draft | {"worker_part": await request.app.ctx.store.analysis(
            request.ctx.worker, case_id)}
    made = exports.export_of(draft, choice, links=True, case_id=case_id,
                             settings=_settings(request))
    try:
        response = await exports.response(kind, made)
    except Unavailable as problem:  # the template or LibreOffice failed (logged there)
        return error_page(request, 503, "The file could not be made", str(problem))
    await audit.record(request, "export", "map", case_id,
                       changes={"format": kind, "only": choice})
    return response


def _exporter(kind: str):
    async def handler(request: Request, case_id: str) -> HTTPResponse:
        return await export(request, case_id, kind)

    handler.__name__ = f"export_{kind}"
    return signed_in()(handler)


for _kind in exports.FORMATS:  # /cases/{id}/map.docx, map.pdf, map.html, map.json
    blueprint.add_route(_exporter(_kind), f"/cases/<case_id:str>/map.{_kind}",
                        methods=["GET"], name=f"export_{_kind}")


@blueprint.get("/cases/<case_id:str>/print")
@signed_in()
async def export_print(request: Request, case_id: str) -> HTTPResponse:
    """The print-ready page's older address (the board links to it)."""
    return await export(request, case_id, "html")


# Administration -----------------------------------------------------------------------


async def _workers_page(request: Request, status: int = 200, problem: str | None = None,
                        username: str = "") -> HTTPResponse:
    return page(request, "worker_admin_workers.html", status=status, title="Workers",
                workers=await _store(request).workers(), problem=problem, username=username,
                kinds=KIND_CHOICES)


@blueprint.get("/admin/workers")
@signed_in(admin=True)
async def workers(request: Request) -> HTTPResponse:
    return await _workers_page(request)


@blueprint.post("/admin/workers")
@signed_in(admin=True)
async def add_worker(request: Request) -> HTTPResponse:
    username = _field(request, "username", 150)
    password = _form(request, "password") or ""
    if username is None or any(ch.isspace() for ch in username):
        return await _workers_page(request, 422, "Please give a username without spaces "
                                                 "(up to 150 characters).", username or "")
    if len(password) < 12 or len(password) > 1024:
        return await _workers_page(request, 422, "Please give a password of at least 12 "
                                                 "characters.", username)
    if password != (_form(request, "confirm") or ""):
        return await _workers_page(request, 422, "The two passwords are not the same.",
                                   username)
    # The kind list; the older "administrator" tick box still means an administrator.
    kind = WorkerKind.ADMINISTRATOR.value if _form(request, "is_admin") == "yes" else (
        _form(request, "kind") or WORKER)
    if kind not in WORKER_KINDS:
        return await _workers_page(request, 422, "Please choose what kind of worker they "
                                                 "are.", username)
    try:
        worker_id = await _store(request).add_worker(username, password, kind=kind)
    except IntegrityError:
        return await _workers_page(request, 409, "There is already a worker with that "
                                                 "username.", username)
    await audit.record(request, "add_worker", "worker", worker_id,
                       changes={"is_admin": kind == "administrator", "kind": kind})
    return _see_other("/admin/workers?done=worker_added")


@blueprint.get("/people/<respondent_id:str>/data")
@signed_in()
async def person_data(request: Request, respondent_id: str) -> HTTPResponse:
    """Everything held about one person, to answer their request for it."""
    try:
        found = await personal_data.person_data(_store(request), request.ctx.worker,
                                                respondent_id)
    except ReadOnly:
        await audit.refused(request, {"respondent_id": respondent_id}, "not the owner")
        return error_page(request, 403, "For the case's owner", personal_data.ONLY_OWNER)
    await audit.record(request, "data_copy", "respondent", respondent_id)
    return page(request, "worker_person_data.html", title=f"What MapBot holds about "
                f"{found['respondent']['name']}", data=found)


@blueprint.get("/admin/audit")
@signed_in(admin=True)
async def audit_log(request: Request) -> HTTPResponse:
    username = inputs.words(request.args.get("worker"), inputs.USERNAME_MAX) or ""
    case_id = inputs.words(request.args.get("case"), 32) or ""
    before = request.args.get("before", "")
    before_id = int(before) if before.isdigit() else None
    rows = await audit.events(_store(request), username=username or None,
                              case_id=case_id or None, before=before_id, limit=200)
    # Reading the log is in the log too (the filters named, never their values).
    filters = [f"filtered by {name}" for name, value in (("worker", username),
                                                         ("case", case_id)) if value]
    await audit.record(request, "view", "audit_log", None, why="; ".join(filters) or None)
    older = None
    if len(rows) == 200:
        older = urlencode({k: v for k, v in (("worker", username), ("case", case_id),
                                             ("before", str(rows[-1][0]))) if v})
    return page(request, "worker_admin_audit.html", title="Audit log",
                events=[event for _, event in rows], worker_filter=username,
                case_filter=case_id, older=older)


# The service's figures (administrators) -------------------------------------------------


async def _figures_or_refusal(request: Request, csv: bool) -> dict | HTTPResponse:
    """The figures, audited; or a kind 403 page for a worker who is not an administrator."""
    if kind_of(request.ctx.worker) not in FIGURES_KINDS:
        await audit.refused(request, {}, "figures: not an administrator")
        return error_page(request, 403, "For administrators",
                          "The service's figures are for administrators. "
                          "If you need them, please ask one of them.")
    found = await _store(request).figures()
    await audit.record(request, "export" if csv else "view", "figures", None,
                       changes={"format": "csv"} if csv else None)
    return found


@blueprint.get("/figures")
@signed_in()
async def figures_page(request: Request) -> HTTPResponse:
    found = await _figures_or_refusal(request, csv=False)
    if isinstance(found, HTTPResponse):
        return found
    return page(request, "worker_figures.html", title="Figures", found=found,
                figures=figures.figures_view(found), duration=figures.duration,
                level_words={IMMEDIATE: "Immediate", "concern": "Concern"})


@blueprint.get("/figures.csv")
@signed_in()
async def figures_csv(request: Request) -> HTTPResponse:
    found = await _figures_or_refusal(request, csv=True)
    if isinstance(found, HTTPResponse):
        return found
    day = found["generated_at"][:10]
    return raw(figures.csv_text(found).encode("utf-8"), content_type="text/csv; charset=utf-8",
               headers={"content-disposition": f'attachment; filename="mapbot-figures-{day}.csv"',
                        "cache-control": "no-store"})
