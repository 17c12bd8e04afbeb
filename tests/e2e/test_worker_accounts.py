"""A worker's own account in real Chromium, against the real three services (issue 21,
item 8): changing their password, signing out everywhere, and an account switched off
and on again with `mapbot worker disable` / `enable`.

Each test has a worker of its own (made with the real command line), signed in in two
browsers and holding an API token, so "everywhere" is seen from the other places.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from bot.config import ROOT
from bot.operations.stack import service_env
from tests.e2e.conftest import WORKER_PASSWORD, add_worker, axe_violations, screenshot

pytestmark = pytest.mark.stack

NEW_PASSWORD = "three new words for signing in"


def new_worker(stack) -> str:
    name = f"account-{uuid.uuid4().hex[:6]}"
    add_worker(stack.settings, name)
    return name


def mapbot_worker(stack, *args: str) -> subprocess.CompletedProcess:
    """`mapbot worker ...`, as an administrator runs it."""
    return subprocess.run([sys.executable, "-m", "bot.operations.cli", "worker", *args],
                          text=True, cwd=ROOT, env=service_env(stack.settings),
                          capture_output=True, timeout=120)


def signed_in_browser(browser, stack, name: str, password: str = WORKER_PASSWORD):
    page = browser.new_context(base_url=f"http://127.0.0.1:{stack.settings.port}").new_page()
    sign_in(page, name, password)
    return page


def sign_in(page, name: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cases")


def api_login(portal: httpx.Client, name: str, password: str) -> httpx.Response:
    return portal.post("/api/v1/login", json={"username": name, "password": password})


def api_headers(portal: httpx.Client, name: str, password: str = WORKER_PASSWORD) -> dict:
    response = api_login(portal, name, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def cases_status(portal: httpx.Client, headers: dict) -> int:
    return portal.get("/api/v1/cases", headers=headers).status_code


def expect_signed_out(page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text(
        "Your session has ended. Please sign in again.")


def test_a_worker_changes_their_password(browser, stack, portal) -> None:
    name = new_worker(stack)
    here, there = (signed_in_browser(browser, stack, name) for _ in range(2))
    token = api_headers(portal, name)

    here.get_by_role("link", name="Your account").click()
    expect(here.get_by_role("heading", level=1)).to_have_text("Your account")
    screenshot(here, "worker-account")
    assert axe_violations(here) == []

    def change(current: str, new: str, again: str) -> None:
        here.get_by_label("Your current password").fill(current)
        here.get_by_label("New password", exact=True).fill(new)
        here.get_by_label("The new password again").fill(again)
        here.get_by_role("button", name="Change my password").click()

    change("not my password at all", NEW_PASSWORD, NEW_PASSWORD)
    expect(here.get_by_role("alert")).to_have_text(
        "That is not your current password, so nothing has changed. Please try again.")
    change(WORKER_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + " but different")
    expect(here.get_by_role("alert")).to_have_text(
        "The two new passwords are not the same. Nothing has changed.")
    assert cases_status(portal, token) == 200  # nothing changed yet

    change(WORKER_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    expect(here.get_by_role("status")).to_have_text(
        "Your password has changed. Anywhere else you were signed in, you have been "
        "signed out.")
    here.goto("/")  # still signed in here
    expect(here.get_by_role("heading", level=1)).to_have_text("Your cases")
    expect_signed_out(there)
    assert cases_status(portal, token) == 401
    assert api_login(portal, name, WORKER_PASSWORD).status_code == 401
    sign_in(there, name, NEW_PASSWORD)


def test_a_worker_signs_out_everywhere(browser, stack, portal) -> None:
    name = new_worker(stack)
    here, there = (signed_in_browser(browser, stack, name) for _ in range(2))
    token = api_headers(portal, name)

    here.get_by_role("link", name="Your account").click()
    here.get_by_role("button", name="Sign out everywhere").click()
    expect(here.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(here.get_by_role("status")).to_have_text(
        "You have signed out everywhere: on every browser, and every API token has "
        "stopped working.")
    expect_signed_out(there)
    assert cases_status(portal, token) == 401
    sign_in(here, name, WORKER_PASSWORD)  # and they can sign in again


def test_a_switched_off_worker_is_out_at_once_and_back_when_switched_on(
        browser, stack, portal) -> None:
    name = new_worker(stack)
    here = signed_in_browser(browser, stack, name)
    token = api_headers(portal, name)

    done = mapbot_worker(stack, "disable", name)
    assert done.returncode == 0, done.stderr
    expect_signed_out(here)
    assert cases_status(portal, token) == 401
    here.get_by_label("Username").fill(name)
    here.get_by_label("Password").fill(WORKER_PASSWORD)
    here.get_by_role("button", name="Sign in").click()
    expect(here.get_by_role("alert")).to_have_text(
        "That username and password do not match an account.")

    done = mapbot_worker(stack, "enable", name)
    assert done.returncode == 0, done.stderr
    sign_in(here, name, WORKER_PASSWORD)
