"""The portal: the only public service (family chat gateway, worker API, exports)."""

from __future__ import annotations

import html
import itertools
import logging
from pathlib import Path

from sanic import Request, Sanic
from sanic.exceptions import MethodNotAllowed
from sanic.response import HTTPResponse, JSONResponse, json
from sanic.response import html as html_response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import Settings
from bot.core import sentence_meaning
from bot.core.alert_routes import check as check_alert_routes
from bot.core.safeguarding.detector import load_rules
from bot.core.settings_checks import check as check_settings
from bot.operations.gc_freeze import freeze_startup_objects
from bot.portal import (
    api,
    case_record_fields,
    chat,
    chat_page,
    internal,
    oidc_web,
    peers,
    privacy,
    web,
)
from bot.portal.conversation_locks import ConversationLocks
from bot.portal.errors import RouteNameErrors, hide_links_in_logs, method_not_allowed
from bot.portal.health import HEALTH_CACHE_SECONDS, HealthCheck
from bot.portal.login_limits import LoginLimiter, RedisLoginLimiter
from bot.portal.oidc import CouncilProvider
from bot.portal.rasa_client import RasaClient, RasaServers
from bot.portal.rate_limits import MemoryRateLimiter, RedisRateLimiter
from bot.portal.shared_state import Shared, connect
from bot.services.alerts import AlertSender, check_email_settings
from bot.services.notify import Notify, remind_forever
from bot.services.retention import purge_forever
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
    check_email_settings(settings)
    check_settings(settings)  # so does a setting that would leave a door open
    # and a council's case-record fields file that names what the map does not have
    fields = case_record_fields.load(settings.case_record_fields)
    app = Sanic(f"mapbot_{next(_app_numbers)}", error_handler=RouteNameErrors())
    hide_links_in_logs()  # after Sanic configured its loggers
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # the longest message is a few KB
    app.config.FALLBACK_ERROR_FORMAT = "json"
    _trust_proxies(app, settings)
    app.ctx.settings = settings
    app.ctx.case_record_fields = fields
    app.ctx.store = store or Store(settings.database_url)
    _limits_and_locks(app, settings)
    app.ctx.council = CouncilProvider(settings) if settings.oidc_enabled else None
    app.ctx.internal_networks = peers.networks(settings.internal_networks)

    @app.before_server_start
    async def open_connections(app: Sanic) -> None:
        await app.ctx.store.create_schema()
        # Every Rasa server (each with its own action server); conversations are routed
        # to one of them by their sender id, with failover (bot/portal/rasa_client.py).
        app.ctx.rasa = RasaServers([
            RasaClient(url, settings.rasa_timeout_seconds, settings.rasa_channel_secret)
            for url in settings.rasa_servers])
        load_rules()  # compile the safeguarding patterns before the first message
        # Load the sentence encoder the learned safeguarding check reads (and check its
        # weights) now: a missing model stops the portal here, not at a family's message.
        sentence_meaning.encoder()
        app.ctx.alerts = AlertSender(settings, app.ctx.store)
        app.add_task(app.ctx.alerts.run_forever(), name="alerts")
        if settings.purge_every_hours > 0:  # bot/services/retention.py
            app.add_task(purge_forever(app.ctx.store, settings), name="retention")
        app.ctx.notify = Notify(settings)  # bot/services/notify.py: off without a key
        if app.ctx.notify.client is not None:
            app.add_task(remind_forever(app.ctx.store, app.ctx.notify), name="reminders")

    @app.after_server_start
    async def freeze(app: Sanic) -> None:
        freeze_startup_objects()

    @app.after_server_stop
    async def close_connections(app: Sanic) -> None:
        await app.cancel_task("retention", raise_exception=False)
        await app.cancel_task("reminders", raise_exception=False)
        await app.ctx.rasa.close()
        await app.ctx.alerts.close()
        await app.ctx.store.close()
        if app.ctx.shared is not None:  # its connections belong to this event loop
            await app.ctx.shared.redis.connection_pool.disconnect()

    async def health() -> tuple[dict, int]:
        """200 "ok": everything is up. 200 "degraded": some Rasa servers (or their
        action servers) are down, named in `down`, but at least one can take messages,
        so every conversation can carry on. 503 "unavailable": the database is down, or
        no Rasa server can take a message."""
        status = await app.ctx.rasa.status()
        down = ([] if await _database_up(app.ctx.store) else ["database"]) + (
            RasaServers.names_down(status))
        if not down:
            return {"status": "ok"}, 200
        if "database" in down or all(status):
            return {"status": "unavailable", "down": down}, 503
        return {"status": "degraded", "down": down}, 200

    # A flood of health checks asks Rasa and the database once a second at most.
    app.ctx.health = HealthCheck(health, seconds=HEALTH_CACHE_SECONDS)

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        body, status = await app.ctx.health.result()
        if not peers.is_local(request):  # what is down only for this machine
            body = {"status": body["status"]}
        return json(body, status=status)

    @app.exception(MethodNotAllowed)
    async def wrong_method(request: Request, exception: MethodNotAllowed) -> HTTPResponse:
        return method_not_allowed(request, exception)

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
    app.blueprint(privacy.blueprint)  # the privacy notices, public
    app.blueprint(internal.blueprint)
    app.blueprint(web.blueprint)  # the social worker's screens
    app.blueprint(oidc_web.blueprint)  # their sign-in with a council account
    return app


def _limits_and_locks(app: Sanic, settings: Settings) -> None:
    """The chat rate limit, the sign-in limits and the per-conversation lock: in Redis,
    shared by every portal, when MAPBOT_PORTAL_REDIS_URL is set; else in this portal."""
    redis = connect(settings.portal_redis_url)
    shared = app.ctx.shared = (Shared(redis, settings.portal_redis_prefix)
                               if redis is not None else None)
    # A turn waits for the one before it at most as long as a turn may take.
    app.ctx.conversation_locks = ConversationLocks(shared, settings.rasa_timeout_seconds)
    if shared is None:
        app.ctx.chat_limiter = MemoryRateLimiter(chat.RATE_LIMIT, 60)
        app.ctx.login_limiter = LoginLimiter()
    else:
        app.ctx.chat_limiter = RedisRateLimiter(shared, chat.RATE_LIMIT, 60)
        app.ctx.login_limiter = RedisLoginLimiter(shared)


def _trust_proxies(app: Sanic, settings: Settings) -> None:
    """Tell Sanic which forwarded headers come from our own proxies, so `request.scheme`
    (HSTS, Secure cookies) and `request.remote_addr` (sign-in limits) are the client's.
    Unset, Sanic ignores those headers: a client could write them itself."""
    app.config.PROXIES_COUNT = settings.proxies_count
    app.config.REAL_IP_HEADER = settings.real_ip_header or None
    app.config.FORWARDED_SECRET = settings.forwarded_secret or None


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

