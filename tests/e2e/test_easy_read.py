"""Easy Read (issue 23) in real Chromium against the three real services: the chat page
of an invitation with `"easy_read": true` speaks the Easy Read wording with a picture
drawn in the page beside each of MapBot's messages (MapBot's own inline SVG, hidden from
screen readers), at 320 pixels wide, with no axe violations, nothing from elsewhere and
nothing the Content-Security-Policy refuses; the "sent" page has its Easy Read version."""

from __future__ import annotations

from tests.e2e.conftest import Worker, screenshot
from tests.e2e.test_chat_page import (
    REPLIED,
    Watch,
    assert_accessible,
    assert_no_sideways_scroll,
    base_url,
)

NARROW = {"width": 320, "height": 640}
# Written out here, not read from texts.yml: the Easy Read welcome and first question.
EASY_WELCOME = "Hello Sam. I am MapBot. I am a computer, not a person."
EASY_ABOUT = "It is about Jamie."
EASY_FIRST_QUESTION = "What do you like about Jamie? What are they good at?"
USUAL_WELCOME = "I am a computer helper, not a person."


def _invite(worker: Worker, **options) -> str:
    case_id = worker.new_case(child_name="Jamie", reference="C-EASY")
    response = worker.client.post(f"/api/v1/cases/{case_id}/invitations",
                                  headers=worker.headers,
                                  json={"role": "parent", "name": "Sam", **options})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _press(page, name: str) -> None:
    before = page.locator("#log .msg").count()
    page.locator("#choices").get_by_role("button", name=name, exact=True).click()
    page.wait_for_function(REPLIED, arg=before)


def _bot_text(page) -> str:
    return " ".join(page.locator("#log .msg-bot p").all_inner_texts())


def test_easy_read_words_and_pictures_at_320_pixels(browser, stack, worker: Worker) -> None:
    token = _invite(worker, easy_read=True)
    context = browser.new_context(base_url=base_url(stack), viewport=NARROW)
    page = context.new_page()
    try:
        watch = Watch(page, base_url(stack))
        page.goto(f"/chat/{token}")
        _press(page, "Start")
        words = _bot_text(page)
        assert EASY_WELCOME in words and EASY_ABOUT in words
        assert USUAL_WELCOME not in words
        # A picture beside every MapBot message: MapBot's own SVG, decorative.
        bot = page.locator("#log .msg-bot")
        pictures = page.locator("#log .msg-bot > svg.easy-picture")
        assert bot.count() > 0 and pictures.count() == bot.count()
        assert pictures.first.get_attribute("aria-hidden") == "true"
        assert page.locator("#log img").count() == 0

        _press(page, "Yes, I'm ready")
        assert EASY_FIRST_QUESTION in _bot_text(page)
        last = page.locator("#log .msg-bot").last
        assert last.locator("svg.easy-picture").get_attribute("data-picture") == "good"

        assert_no_sideways_scroll(page, "Easy Read chat at 320px")
        assert_accessible(page, "Easy Read chat at 320px")
        screenshot(page, "chat-easy-read-320")

        # Coming back: the page itself draws the same pictures (no script needed).
        page.reload()
        assert page.locator("#log .msg-bot > svg.easy-picture").count() == \
            page.locator("#log .msg-bot").count()
        assert_accessible(page, "Easy Read chat, reloaded")
        watch.assert_private()
    finally:
        context.close()


def test_without_easy_read_there_are_no_pictures(browser, stack, worker: Worker) -> None:
    token = _invite(worker)
    context = browser.new_context(base_url=base_url(stack), viewport=NARROW)
    page = context.new_page()
    try:
        page.goto(f"/chat/{token}")
        _press(page, "Start")
        assert USUAL_WELCOME in _bot_text(page)
        assert page.locator("#log svg.easy-picture").count() == 0
    finally:
        context.close()
