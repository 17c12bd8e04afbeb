"""Server-side sessions for the worker screens, and their CSRF tokens.

The browser holds only a random session id in a cookie (HttpOnly, SameSite=Lax, Secure
when the portal is reached over HTTPS); the database holds a hash of it, who it belongs
to, its CSRF token and when it was made and last used. A session ends after
`session_idle_minutes` without a request, after `session_absolute_hours` whatever
happens (`oidc_session_minutes` for a council account), and at once when the worker
signs out (the row is deleted, so the old cookie opens nothing), signs out everywhere,
changes their password (every other session), or their account is switched off
(checked on every request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy import CursorResult, delete

from bot.config import Settings
from bot.core.security import new_token, token_hash
from bot.core.security_compare import secrets_match
from bot.database.models import WebSession, Worker, utcnow
from bot.services.store import Store

COOKIE = "mapbot_session"
# Before sign-in there is no session: the sign-in form's CSRF token is a double-submit
# cookie (the form's hidden field must match it).
LOGIN_COOKIE = "mapbot_signin"
CSRF_FIELD = "csrf_token"
TOUCH_EVERY_SECONDS = 30  # last_seen_at is written at most this often


@dataclass(frozen=True)
class WebUser:
    worker: Worker
    session_hash: str
    csrf: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def start(store: Store, worker: Worker) -> tuple[str, str]:
    """A new session for the worker: (cookie value, CSRF token). Always a new id."""
    session_id, csrf = new_token(), new_token()
    async with store.sessions.begin() as session:
        session.add(WebSession(id_hash=token_hash(session_id), worker_id=worker.id,
                               csrf_token=csrf))
    return session_id, csrf


async def load(store: Store, settings: Settings, session_id: str | None) -> WebUser | None:
    """The signed-in worker for this cookie, or None when there is none or it timed out."""
    if not session_id or len(session_id) > 200:
        return None
    key = token_hash(session_id)
    now = utcnow()
    async with store.sessions.begin() as session:
        row = await session.get(WebSession, key)
        if row is None:
            return None
        idle = now - _aware(row.last_seen_at) > timedelta(minutes=settings.session_idle_minutes)
        worker = await session.get(Worker, row.worker_id)
        too_old = now - _aware(row.created_at) > lifetime(settings, worker)
        # A switched-off account's sessions end on its next request.
        if idle or too_old or worker is None or worker.disabled_at is not None:
            await session.delete(row)
            return None
        if (now - _aware(row.last_seen_at)).total_seconds() >= TOUCH_EVERY_SECONDS:
            row.last_seen_at = now
        return WebUser(worker, key, row.csrf_token)


def lifetime(settings: Settings, worker: Worker | None) -> timedelta:
    """How long a session lasts after sign-in. A council account's (OpenID Connect) is
    shorter, so that someone disabled in the council's directory is out within it: at the
    next sign-in the provider is asked again."""
    limit = timedelta(hours=settings.session_absolute_hours)
    if worker is not None and worker.oidc_subject:
        return min(limit, timedelta(minutes=settings.oidc_session_minutes))
    return limit


async def end(store: Store, session_id: str | None) -> None:
    """Sign-out: the server forgets the session, so the cookie opens nothing any more."""
    if not session_id:
        return
    async with store.sessions.begin() as session:
        await session.execute(delete(WebSession).where(
            WebSession.id_hash == token_hash(session_id)))


async def end_expired(store: Store, settings: Settings) -> int:
    """Remove sessions that can no longer be used (housekeeping)."""
    now = utcnow()
    async with store.sessions.begin() as session:
        result = await session.execute(delete(WebSession).where(
            (WebSession.last_seen_at < now - timedelta(minutes=settings.session_idle_minutes))
            | (WebSession.created_at < now - timedelta(hours=settings.session_absolute_hours))))
        return cast("CursorResult[Any]", result).rowcount or 0  # a DELETE's result


def new_login_token() -> str:
    """The sign-in form's CSRF token (also set as the LOGIN_COOKIE)."""
    return new_token()


def csrf_ok(given: str | None, expected: str | None) -> bool:
    return isinstance(given, str) and secrets_match(given, expected or "")


def is_https(request: Request, settings: Settings) -> bool:
    """Secure cookies when the portal is reached over HTTPS (directly or behind a proxy
    that the public URL says is HTTPS)."""
    return request.scheme == "https" or settings.base_url.startswith("https://")


def set_cookie(response: HTTPResponse, request: Request, settings: Settings, name: str,
               value: str) -> None:
    response.add_cookie(name, value, path="/", httponly=True, samesite="Lax",
                        secure=is_https(request, settings))


def clear_cookie(response: HTTPResponse, request: Request, settings: Settings,
                 name: str) -> None:
    response.add_cookie(name, "", path="/", httponly=True, samesite="Lax", max_age=0,
                        secure=is_https(request, settings))
