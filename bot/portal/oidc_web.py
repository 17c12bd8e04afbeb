"""The screens' sign-in with a council account (OpenID Connect; the protocol is in
bot/portal/oidc.py): `/login/oidc` sends the browser to the provider, and
`/login/oidc/callback` signs the worker in when the provider sends it back.

The worker's kind comes from their groups at every sign-in; groups that give no kind
refuse the sign-in and end every session the worker still has. A council account's
session lasts `MAPBOT_OIDC_SESSION_MINUTES` at most (bot/services/web_sessions.py), so a
leaver disabled in the directory is out within it.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bot.core.council_groups import kind_for_groups, parse_group_kinds
from bot.portal.oidc import CouncilProvider, Pending, SignInFailed
from bot.portal.web import _login_page, _safe_next, not_found_page
from bot.services import audit, web_sessions

blueprint = Blueprint("oidc_web")
COOKIE = "mapbot_oidc"
COOKIE_PATH = "/login/oidc"
COOKIE_SECONDS = 10 * 60  # time enough to sign in at the provider, with MFA

UNREACHABLE = ("We cannot reach your council's sign-in service just now. Please try again "
               "in a few minutes.")
START_AGAIN = ("This sign-in took too long, or was started in another window. Please "
               "press \"Sign in with your council account\" again.")
REFUSED = ("Your council account could not sign you in to MapBot. If you think this is "
           "wrong, please contact your council's IT service desk.")
NOT_FINISHED = ("We could not finish signing you in with your council account. Please "
                "try again.")
NO_KIND = ("You signed in with your council account, but it does not give you access to "
           "MapBot yet. If you need MapBot for your work, please ask your manager to add "
           "you to MapBot's group in the council's directory.")
SWITCHED_OFF = ("Your MapBot account has been switched off. If you think this is wrong, "
                "please ask your manager or MapBot's administrator.")


def _provider(request: Request) -> CouncilProvider | None:
    return request.app.ctx.council


def _cookie(response: HTTPResponse, request: Request, value: str, seconds: int) -> None:
    response.add_cookie(COOKIE, value, path=COOKIE_PATH, httponly=True, samesite="Lax",
                        max_age=seconds,
                        secure=web_sessions.is_https(request, request.app.ctx.settings))


def _problem(request: Request, status: int, words: str) -> HTTPResponse:
    response = _login_page(request, status, words)
    _cookie(response, request, "", 0)  # a sign-in's state is used once
    return response


@blueprint.get("/login/oidc")
async def start(request: Request) -> HTTPResponse:
    provider = _provider(request)
    if provider is None:
        return not_found_page(request)
    try:
        url, pending = await provider.start(_safe_next(request.args.get("next")))
    except SignInFailed:
        return _login_page(request, 503, UNREACHABLE)
    response = redirect(url, status=303)
    _cookie(response, request, pending.to_cookie(), COOKIE_SECONDS)
    return response


@blueprint.get("/login/oidc/callback")
async def callback(request: Request) -> HTTPResponse:
    provider = _provider(request)
    if provider is None:
        return not_found_page(request)
    pending = Pending.from_cookie(request.cookies.get(COOKIE))
    if pending is None or not web_sessions.csrf_ok(request.args.get("state"), pending.state):
        return _problem(request, 400, START_AGAIN)
    if request.args.get("error"):  # e.g. access_denied: the directory refused them
        return _problem(request, 403, REFUSED)
    params = {name: request.args.get(name) or "" for name in ("code", "iss")
              if request.args.get(name)}
    try:
        identity = await provider.finish(pending, params)
    except SignInFailed:
        return _problem(request, 502, NOT_FINISHED)
    return await _sign_in(request, identity, pending)


async def _sign_in(request: Request, identity, pending: Pending) -> HTTPResponse:
    store, settings = request.app.ctx.store, request.app.ctx.settings
    kind = kind_for_groups(identity.groups, parse_group_kinds(settings.oidc_group_kinds))
    if kind is None:
        worker = await store.oidc_refused(identity.issuer, identity.subject)
        if worker is not None:
            await audit.write(store, worker, "sign_out", "worker", worker.id,
                              why="council account gives no MapBot group")
        return _problem(request, 403, NO_KIND)
    worker = await store.oidc_sign_in(identity.issuer, identity.subject, identity.username,
                                      kind)
    if worker.disabled_at is not None:  # `mapbot worker disable` holds for council accounts too
        return _problem(request, 403, SWITCHED_OFF)
    await web_sessions.end_expired(store, settings)
    await web_sessions.end(store, request.cookies.get(web_sessions.COOKIE))
    session_id, _ = await web_sessions.start(store, worker)
    await audit.write(store, worker, "sign_in", "worker", worker.id,
                      why="with their council account", changes={"kind": kind})
    response = redirect(_safe_next(pending.next), status=303)
    web_sessions.set_cookie(response, request, settings, web_sessions.COOKIE, session_id)
    _cookie(response, request, "", 0)
    return response
