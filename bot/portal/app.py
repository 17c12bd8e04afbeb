"""The portal: the only public service (family chat gateway, worker API, exports)."""

from __future__ import annotations

import html
import itertools
import logging
from pathlib import Path

from sanic import Request, Sanic
from sanic.response import HTTPResponse, JSONResponse, json
from sanic.response import html as html_response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import Settings
from bot.core.alert_routes import check as check_alert_routes
from bot.core.safeguarding.detector import load_rules
from bot.operations.gc_freeze import freeze_startup_objects
from bot.portal import api, chat, chat_page, internal, web
from bot.portal.login_limits import LoginLimiter
from bot.portal.rasa_client import RasaClient, RasaServers
from bot.services.alerts import AlertSender
from bot.services.store import Store

logger = logging.getLogger(__name__)
_app_numbers = itertools.count()
DATABASE_DOWN = "Sorry, we cannot save anything just now. Please try again in a moment."
RETRY_AFTER_SECONDS = "5"
STATIC_DIR = Path(__file__).with_name("static")
# Same-origin only: no third-party scripts, styles, fonts or frames, and no inline code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    # Everything the portal serves is about a family or a worker's cases.
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, store: Store | None = None) -> Sanic:
    # Sanic keeps a registry of app names; tests build several apps in one process.
    check_alert_routes(settings)  # a mistake in the alert settings stops the portal now
    app = Sanic(f"mapbot_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # the longest message is a few KB
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.store = store or Store(settings.database_url)
    app.ctx.login_limiter = LoginLimiter()

    @app.before_server_start
    async def open_connections(app: Sanic) -> None:
        await app.ctx.store.create_schema()
        # Every Rasa server (each with its own action server); conversations are routed
        # to one of them by their sender id, with failover (bot/portal/rasa_client.py).
        app.ctx.rasa = RasaServers([
            RasaClient(url, settings.rasa_timeout_seconds, settings.rasa_channel_secret)
            for url in settings.rasa_servers])
        load_rules()  # compile the safeguarding patterns before the first message
        app.ctx.alerts = AlertSender(settings, app.ctx.store)
        app.add_task(app.ctx.alerts.run_forever(), name="alerts")

    @app.after_server_start
    async def freeze(app: Sanic) -> None:
        freeze_startup_objects()

    @app.after_server_stop
    async def close_connections(app: Sanic) -> None:
        await app.ctx.rasa.close()
        await app.ctx.alerts.close()
        await app.ctx.store.close()

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """200 "ok": everything is up. 200 "degraded": some Rasa servers (or their
        action servers) are down, named in `down`, but at least one can take messages,
        so every conversation can carry on. 503 "unavailable": the database is down, or
        no Rasa server can take a message."""
        status = await app.ctx.rasa.status()
        down = ([] if await _database_up(app.ctx.store) else ["database"]) + (
            RasaServers.names_down(status))
        if not down:
            return json({"status": "ok"})
        if "database" in down or all(status):
            return json({"status": "unavailable", "down": down}, status=503)
        return json({"status": "degraded", "down": down})

    @app.exception(OperationalError, InterfaceError, PoolTimeout)
    async def database_down(request: Request, exception: Exception) -> HTTPResponse:
        return _database_down(request, exception)

    @app.exception(DBAPIError)
    async def database_error(request: Request, exception: DBAPIError) -> HTTPResponse:
        if exception.connection_invalidated:  # the connection broke under the query
            return _database_down(request, exception)
        return request.app.error_handler.default(request, exception)  # a bug: 500

    @app.on_response
    async def security_headers(request: Request, response) -> None:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    app.static("/static", STATIC_DIR, name="static")

    app.blueprint(api.blueprint)
    app.blueprint(chat.blueprint)
    app.blueprint(chat_page.blueprint)
    app.blueprint(internal.blueprint)
    app.blueprint(web.blueprint)  # the social worker's screens
    return app


def _database_down(request: Request, exception: Exception) -> HTTPResponse:
    """A kind 503 when the database cannot be reached: nothing was saved, and whoever
    sent something can send it again (the chat page keeps the person's words)."""
    # The route's name, not its path: a chat path holds the invitation token.
    logger.warning("database unavailable during %s %s: %s", request.method,
                   getattr(request, "name", None) or "?",
                   type(exception.__cause__ or exception).__name__)
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    if request.path.startswith(("/api/", "/internal/")):
        message = chat.TRY_AGAIN if request.path.startswith("/api/v1/chat/") else DATABASE_DOWN
        return json({"error": message}, status=503, headers=headers)
    return html_response(_busy_page(request), status=503, headers=headers)


def _busy_page(request: Request) -> str:
    """The plain chat form (no JavaScript) gets its words back, ready to send again."""
    words = ""
    if request.method == "POST" and request.path.startswith("/chat/"):
        try:
            words = (request.form.getlist("text") or [""])[0] if request.form else ""
        except Exception:  # noqa: BLE001 - an unreadable form keeps nothing
            words = ""
    form = ""
    if request.path.startswith("/chat/"):
        form = (f'<form method="post" action="{html.escape(request.path)}">'
                '<label for="text">Your message</label><br>'
                f'<textarea id="text" name="text" rows="4" cols="40">{html.escape(words)}'
                '</textarea><br><button type="submit">Send again</button></form>')
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>Please try again in a moment</title></head><body><main>'
            f'<h1>Please try again in a moment</h1><p>{html.escape(DATABASE_DOWN)}</p>'
            f'{form}</main></body></html>')


async def _database_up(store: Store) -> bool:
    try:
        await store.ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "down" for the health check
        return False

