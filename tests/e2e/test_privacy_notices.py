"""The privacy notices in real Chromium, from a page a family sees (issue 22).

A portal of its own (no Rasa: these pages do not need it), started as `mapbot run`
starts it, with the council's details in its settings. A person who followed a link
that no longer works finds the privacy notice from that page, then the Easy Read one,
whose pictures are drawn in the page itself; axe-core's WCAG 2.2 A/AA checks pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.config import ROOT
from bot.operations.stack import Stack, local_settings
from tests.e2e.conftest import axe_violations, screenshot, start_portal_alone

COUNCIL = {"council_name": "Northshire County Council",
           "council_contact": "Children's Services, County Hall, NS1 1AA",
           "dpo_contact": "dpo@northshire.example.gov.uk"}


@pytest.fixture(scope="module")
def portal_alone(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("privacy")
    settings = local_settings(f"sqlite:///{folder / 'mapbot.db'}",
                              f"sqlite:///{folder / 'trackers.db'}", **COUNCIL)
    logs = ROOT / "tests" / "artifacts" / "logs" / f"privacy-{os.getpid()}"
    stack = Stack(settings, logs)
    try:
        yield start_portal_alone(stack, "/privacy", logs)
    finally:
        stack.stop()


def test_a_family_finds_the_notices_from_their_page(browser, portal_alone) -> None:
    context = browser.new_context(base_url=portal_alone, viewport={"width": 390,
                                                                   "height": 844})
    page = context.new_page()
    try:
        page.goto("/chat/this-link-does-not-exist")
        page.get_by_role("link", name="privacy notice").click()
        expect(page).to_have_url(f"{portal_alone}/privacy")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "What happens to your answers")
        expect(page.get_by_text("MapBot is run by Northshire County Council.")).to_be_visible()
        expect(page.get_by_text("dpo@northshire.example.gov.uk")).to_be_visible()
        assert axe_violations(page) == []

        page.get_by_role("link", name="Easy Read, with pictures").first.click()
        expect(page).to_have_url(f"{portal_alone}/privacy/easy-read")
        pictures = page.locator("li.easy-idea svg")
        assert pictures.count() >= 25
        box = pictures.first.bounding_box()
        assert box is not None and box["width"] >= 48 and box["height"] >= 48
        expect(page.get_by_text("MapBot is not a person.")).to_be_visible()
        assert axe_violations(page) == []
        screenshot(page, "privacy-easy-read")

        page.goto("/privacy/child")
        expect(page.get_by_text("MapBot belongs to Northshire County Council.")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()
