"""The audit log's gaps (issue 21, item 9): API sign-ins, failed sign-ins, the try that
makes the next ones wait, refused access to another worker's case, and an administrator
reading the log, through both doors."""

from __future__ import annotations

import re

from bot.database.models import Worker as WorkerRow
from bot.portal.login_limits import FREE_FAILURES
from bot.services import audit, web_sessions
from tests.portal.portal_support import PASSWORD

UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


async def logged(portal) -> list[tuple[str, str, str, str | None]]:
    """(username, action, via, target id), oldest first."""
    rows = await audit.events(portal.store)
    return [(e.username, e.action, e.via, e.target_id) for _, e in reversed(rows)]


async def test_api_sign_in_and_failures_are_logged(portal, alice):
    _, ok = await portal.client.post("/api/v1/login",
                                     json={"username": "alice", "password": PASSWORD})
    assert ok.status == 200
    _, wrong = await portal.client.post("/api/v1/login",
                                        json={"username": "nobody", "password": "guess"})
    assert wrong.status == 401
    assert await logged(portal) == [("alice", "sign_in", "api", alice.id),
                                    ("nobody", "sign_in_failed", "api", None)]


async def test_the_try_that_locks_an_account_is_logged_once(portal, app, alice):
    app.ctx.login_limiter.clock = lambda: 1000.0  # time stands still: the wait holds
    statuses = []
    for _ in range(FREE_FAILURES + 3):
        _, response = await portal.client.post(
            "/api/v1/login", json={"username": "alice", "password": "wrong"})
        statuses.append(response.status)
    assert statuses == [401] * (FREE_FAILURES + 1) + [429, 429]
    assert [action for _, action, _, _ in await logged(portal)] == (
        ["sign_in_failed"] * (FREE_FAILURES + 1) + ["locked_out"])


async def test_a_failed_sign_in_on_the_screens_is_logged(portal, alice):
    _, form = await portal.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    _, response = await portal.client.post(
        "/login", data={"csrf_token": token, "username": "alice", "password": "wrong"},
        headers={"Cookie": f"{web_sessions.LOGIN_COOKIE}={token}"})
    assert response.status == 401
    assert await logged(portal) == [("alice", "sign_in_failed", "web", None)]


async def test_refused_access_to_another_workers_case_is_logged(portal, alice, bob, case):
    _, api = await portal.client.get(f"/api/v1/cases/{case['id']}", headers=bob.headers)
    assert api.status == 404
    _, missing = await portal.client.get(f"/api/v1/cases/{UNKNOWN_ID}/map",
                                         headers=bob.headers)
    assert missing.status == 404
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, bob.id)
    cookie, _ = await web_sessions.start(portal.store, worker)
    _, screen = await portal.client.get(f"/cases/{case['id']}/board", headers={
        "Cookie": f"{web_sessions.COOKIE}={cookie}"})
    assert screen.status == 404
    refused = [row for row in await logged(portal) if row[1] == "refused"]
    assert refused == [("bob", "refused", "api", case["id"]),
                       ("bob", "refused", "api", UNKNOWN_ID),
                       ("bob", "refused", "web", case["id"])]


async def test_an_administrator_reading_the_log_is_logged(portal):
    admin_id = await portal.store.add_worker("ada", PASSWORD, kind="administrator")
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, admin_id)
    cookie, _ = await web_sessions.start(portal.store, worker)
    _, page = await portal.client.get("/admin/audit?worker=alice", headers={
        "Cookie": f"{web_sessions.COOKIE}={cookie}"})
    assert page.status == 200
    [event] = [e for _, e in await audit.events(portal.store)]
    assert (event.username, event.action, event.target_type, event.detail) == (
        "ada", "view", "audit_log", "filtered by worker")
