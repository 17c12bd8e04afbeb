"""The portal: the only public service (family chat gateway, worker API, exports)."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
from sanic import Request, Sanic
from sanic.response import JSONResponse, json

from bot.alerts import AlertSender
from bot.config import Settings
from bot.portal import api, chat, chat_page, internal, web
from bot.portal.health import action_server_up
from bot.portal.login_limits import LoginLimiter
from bot.rasa_client import RasaClient
from bot.safeguarding.detector import load_rules
from bot.store import Store

_app_numbers = itertools.count()
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
    app = Sanic(f"mapbot_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # the longest message is a few KB
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.store = store or Store(settings.database_url)
    app.ctx.login_limiter = LoginLimiter()

    @app.before_server_start
    async def open_connections(app: Sanic) -> None:
        await app.ctx.store.create_schema()
        app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
        app.ctx.http = httpx.AsyncClient(timeout=3)
        load_rules()  # compile the safeguarding patterns before the first message
        app.ctx.alerts = AlertSender(settings, app.ctx.store)
        app.add_task(app.ctx.alerts.run_forever(), name="alerts")

    @app.after_server_stop
    async def close_connections(app: Sanic) -> None:
        await app.ctx.rasa.close()
        await app.ctx.http.aclose()
        await app.ctx.alerts.close()
        await app.ctx.store.close()

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        down = [name for name, ok in [
            ("database", await _database_up(app.ctx.store)),
            ("rasa", await app.ctx.rasa.healthy()),
            ("actions", await action_server_up(app.ctx.http, settings.action_url)),
        ] if not ok]
        if down:
            return json({"status": "unavailable", "down": down}, status=503)
        return json({"status": "ok"})

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


async def _database_up(store: Store) -> bool:
    try:
        await store.ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "down" for the health check
        return False

