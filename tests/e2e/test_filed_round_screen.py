"""The board's "Mark as filed in the case record", in real Chromium (issue 22: retention
by the life of the map). A portal of its own (no Rasa: these screens do not need it);
the owner files the round, sees the date, and takes the mark back."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.config import ROOT
from bot.operations.stack import Stack, local_settings
from bot.operations.stack import add_worker as add_account
from tests.e2e.conftest import WORKER_PASSWORD, start_portal_alone

NAME = "filing-worker"


@pytest.fixture(scope="module")
def portal_alone(tmp_path_factory) -> Iterator[str]:
    """The portal alone, on SQLite; its base URL."""
    folder = tmp_path_factory.mktemp("filing")
    settings = local_settings(f"sqlite:///{folder / 'mapbot.db'}",
                              f"sqlite:///{folder / 'trackers.db'}")
    add_account(settings, NAME, WORKER_PASSWORD)
    logs = ROOT / "tests" / "artifacts" / "logs" / f"filing-{os.getpid()}"
    stack = Stack(settings, logs)
    try:
        yield start_portal_alone(stack, "/login", logs)
    finally:
        stack.stop()


def test_the_owner_files_a_round_and_takes_the_mark_back(browser, portal_alone) -> None:
    page = browser.new_context(base_url=portal_alone).new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(NAME)
    page.get_by_label("Password").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New case").first.click()
    page.get_by_label("Case reference").fill("FILE-1")
    page.get_by_label("Child's first name").fill("Jamie")
    page.get_by_role("button", name="Make the case").click()
    case_id = page.url.split("/cases/")[1].split("?")[0]

    page.goto(f"/cases/{case_id}/board")
    page.get_by_role("button", name="Mark as filed in the case record").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Marked as filed in the case record.")
    expect(page.locator("#filed-note")).to_contain_text(
        "This round was filed in the case record on ")
    expect(page.locator("#filed-note")).to_contain_text(f"by {NAME}.")
    page.get_by_role("button", name="Take back the filed mark").click()
    expect(page.locator("#filed-note")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as filed in the case record")).to_be_visible()
