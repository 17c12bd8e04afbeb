"""The sign-in screen behind a reverse proxy, in real Chromium (issue 21, item 7).

A portal of its own (no Rasa: the screens here do not need it) runs with
MAPBOT_PROXIES_COUNT=1, as behind one nginx. The browsers play the proxy's part by
sending the header it would add: one browser is a guesser at one address, the other the
worker at another.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.config import ROOT
from bot.operations.stack import Stack, local_settings
from bot.operations.stack import add_worker as add_account
from bot.portal.login_limits import FREE_FAILURES
from tests.database_fixtures import postgres_database, postgres_server
from tests.e2e.conftest import WORKER_PASSWORD, start_portal_alone

GUESSER, WORKER = "203.0.113.9", "198.51.100.7"
NAME = "proxied-worker"


@contextlib.contextmanager
def _database(folder) -> Iterator[str]:
    server = postgres_server()
    if server is None:
        yield f"sqlite:///{folder / 'mapbot.db'}"
        return
    with postgres_database(server, "mapbot_proxied") as url:
        yield url


@pytest.fixture(scope="module")
def proxied(tmp_path_factory) -> Iterator[str]:
    """The portal alone, told there is one proxy in front of it; its base URL."""
    folder = tmp_path_factory.mktemp("proxied")
    with _database(folder) as url:
        settings = local_settings(url, f"sqlite:///{folder / 'trackers.db'}",
                                  proxies_count=1)
        add_account(settings, NAME, WORKER_PASSWORD)
        logs = ROOT / "tests" / "artifacts" / "logs" / f"proxied-{os.getpid()}"
        stack = Stack(settings, logs)
        try:
            yield start_portal_alone(stack, "/login", logs)
        finally:
            stack.stop()


def _browser_at(browser, base: str, address: str, **headers: str):
    context = browser.new_context(base_url=base, extra_http_headers={
        "X-Forwarded-For": address, **headers})
    return context.new_page()


def _try(page, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(NAME)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_guesses_from_one_address_never_lock_the_worker_out(browser, proxied) -> None:
    guesser = _browser_at(browser, proxied, GUESSER)
    for _ in range(FREE_FAILURES):
        _try(guesser, "a wrong guess")
        expect(guesser.get_by_role("alert")).to_have_text(
            "That username and password do not match an account.")
    _try(guesser, "a wrong guess")
    _try(guesser, WORKER_PASSWORD)  # held back all the same: no hint it was right
    expect(guesser.get_by_role("alert")).to_contain_text("Too many tries. Please wait")

    worker = _browser_at(browser, proxied, WORKER)
    _try(worker, WORKER_PASSWORD)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Your cases")


def test_hsts_follows_the_scheme_the_proxy_reports(browser, proxied) -> None:
    over_https = _browser_at(browser, proxied, WORKER, **{"X-Forwarded-Proto": "https"})
    response = over_https.goto("/login")
    assert response.headers.get("strict-transport-security") == "max-age=31536000"
    over_http = _browser_at(browser, proxied, WORKER, **{"X-Forwarded-Proto": "http"})
    assert "strict-transport-security" not in over_http.goto("/login").headers
