"""Worker screen sessions in process (bot/services/web_sessions.py, bot/portal/web.py): the cookie's
flags over HTTPS, time-outs, sign-out and CSRF, without the Rasa server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

import bot.core.security
from bot.config import Settings
from bot.database.models import AuditEvent, WebSession, Worker, utcnow
from bot.portal.app import create_app
from bot.services import audit
from bot.services.store import Store

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(bot.core.security, "_hasher", cheap)
    monkeypatch.setattr(bot.core.security, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture
async def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'mapbot.db'}")
    await store.create_schema()
    await store.add_worker("alice", PASSWORD)
    yield store
    await store.close()


def _app(store: Store, public_url: str):
    settings = Settings(database_url="sqlite://", public_url=public_url,
                        rasa_url="http://127.0.0.1:9", action_port=9,
                        session_idle_minutes=30, session_absolute_hours=10)
    app = create_app(settings, store=store)
    app.config.TOUCHUP = False
    return app


def _cookie(name: str, value: str) -> dict[str, str]:
    return {"cookie": f"{name}={value}"}


def _token(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


async def _sign_in(client) -> tuple[str, object]:
    _, form = await client.get("/login")
    token = _token(form.text)
    _, response = await client.post("/login", data={
        "csrf_token": token, "username": "alice", "password": PASSWORD, "next": "/"},
        headers=_cookie("mapbot_signin", token))
    assert response.status == 303, response.text
    return re.search(r"mapbot_session=([^;]+)", response.headers["set-cookie"]).group(1), response


async def test_the_cookie_is_secure_httponly_and_lax_over_https(store):
    client = _app(store, "https://mapbot.example.org").asgi_client
    _, response = await _sign_in(client)
    cookies = response.headers.get_list("set-cookie")
    (session,) = [c for c in cookies if c.startswith("mapbot_session=")]
    flags = {part.strip().lower() for part in session.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
    assert not any(flag.startswith(("max-age", "expires", "domain")) for flag in flags)


async def test_the_cookie_is_not_secure_over_plain_http(store):
    client = _app(store, "http://127.0.0.1:8080").asgi_client
    _, response = await _sign_in(client)
    (session,) = [c for c in response.headers.get_list("set-cookie")
                  if c.startswith("mapbot_session=")]
    assert "secure" not in session.lower() and "httponly" in session.lower()


async def test_only_a_hash_of_the_session_id_is_stored(store):
    client = _app(store, "https://x.example").asgi_client
    session_id, _ = await _sign_in(client)
    async with store.sessions() as session:
        rows = list(await session.scalars(select(WebSession)))
    assert len(rows) == 1 and rows[0].id_hash != session_id and session_id not in rows[0].id_hash


@pytest.mark.parametrize("field,age", [("last_seen_at", timedelta(minutes=31)),
                                       ("created_at", timedelta(hours=10, minutes=1))])
async def test_idle_and_absolute_time_outs(store, field, age):
    client = _app(store, "https://x.example").asgi_client
    session_id, _ = await _sign_in(client)
    _, response = await client.get("/", headers=_cookie("mapbot_session", session_id))
    assert response.status == 200
    async with store.sessions.begin() as session:
        await session.execute(update(WebSession).values({field: utcnow() - age}))
    _, response = await client.get("/", headers=_cookie("mapbot_session", session_id))
    assert response.status == 303
    assert response.headers["location"] == "/login?done=expired&next=%2F"
    async with store.sessions() as session:
        assert list(await session.scalars(select(WebSession))) == []


async def test_sign_out_deletes_the_server_session(store):
    client = _app(store, "https://x.example").asgi_client
    session_id, _ = await _sign_in(client)
    cookies = _cookie("mapbot_session", session_id)
    _, page = await client.get("/", headers=cookies)
    _, response = await client.post("/logout", headers=cookies)
    assert response.status == 403  # no CSRF token
    _, response = await client.post("/logout", data={"csrf_token": _token(page.text)},
                                    headers=cookies)
    assert response.status == 303 and response.headers["location"] == "/login?done=signed_out"
    _, response = await client.get("/", headers=cookies)
    assert response.status == 303
    async with store.sessions() as session:
        assert list(await session.scalars(select(WebSession))) == []
        actions = [e.action for e in await session.scalars(select(AuditEvent))]
    assert actions == ["sign_in", "sign_out"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(store):
    client = _app(store, "https://x.example").asgi_client
    answers = []
    for username, password in [("alice", "wrong password!"), ("nobody", PASSWORD)]:
        _, form = await client.get("/login")
        token = _token(form.text)
        _, response = await client.post("/login", data={
            "csrf_token": token, "username": username, "password": password},
            headers=_cookie("mapbot_signin", token))
        answers.append((response.status, "do not match an account" in response.text))
    assert answers == [(401, True), (401, True)]


def test_audit_details_never_hold_words():
    assert audit.describe({"text": "he hits me", "status": "accepted", "category": None}) == (
        "text changed; status=accepted; category=none")
    assert audit.describe({"section": "<b>x</b>", "only": "accepted", "format": "docx"}) == (
        "section changed; only=accepted; format=docx")
    assert audit.describe(None) is None


async def test_a_switched_off_account_s_session_ends_on_its_next_request(store):
    """Checked on every request: even a session row left behind stops working."""
    client = _app(store, "https://x.example").asgi_client
    session_id, _ = await _sign_in(client)
    cookies = _cookie("mapbot_session", session_id)
    assert (await client.get("/", headers=cookies))[1].status == 200
    async with store.sessions.begin() as session:
        await session.execute(update(Worker).values(disabled_at=utcnow()))
    _, response = await client.get("/", headers=cookies)
    assert response.status == 303 and response.headers["location"].startswith("/login")


async def test_a_new_password_is_checked_on_the_server_too(store):
    """What the browser's form would stop (too short, too long), and a form without its
    CSRF token, change nothing."""
    client = _app(store, "https://x.example").asgi_client
    session_id, _ = await _sign_in(client)
    cookies = _cookie("mapbot_session", session_id)
    csrf = _token((await client.get("/account", headers=cookies))[1].text)
    for new, token, status in [("short", csrf, 422), ("x" * 1025, csrf, 422),
                               ("long enough new password", "", 403)]:
        _, response = await client.post("/account/password", headers=cookies, data={
            "csrf_token": token, "current_password": PASSWORD, "new_password": new,
            "confirm": new})
        assert response.status == status, new
    assert await store.authenticate("alice", PASSWORD) is not None
