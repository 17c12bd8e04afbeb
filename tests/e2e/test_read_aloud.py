"""Read-aloud on the family chat page, in real Chromium against the three real services:
the browser's own speech synthesis (spied in the page: nothing else is asked to speak,
nothing leaves the site), reachable by keyboard alone, labelled, and absent where the
browser cannot speak."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Worker
from tests.e2e.test_chat_page import REPLIED, Watch, assert_accessible, base_url, focused

# Replaces speechSynthesis.speak with a recorder of what it was asked to say, and how.
SPEECH_SPY = """(() => {
  const said = [];
  Object.defineProperty(window, "__said", {value: said});
  if (!window.speechSynthesis) { return; }
  window.speechSynthesis.speak = u => said.push({text: u.text, lang: u.lang});
  window.speechSynthesis.cancel = () => said.push({cancel: true});
})();"""
NO_SPEECH = """(() => {
  delete Window.prototype.speechSynthesis; delete window.speechSynthesis;
  Object.defineProperty(window, "speechSynthesis", {value: undefined});
})();"""


def _bot_words(page, index: int) -> str:
    """A MapBot message's words as shown (without the "MapBot said:" for screen readers)."""
    return page.locator("#log .msg-bot p").nth(index).evaluate(
        """p => { const c = p.cloneNode(true);
                  c.querySelectorAll('.visually-hidden').forEach(e => e.remove());
                  return c.textContent.trim(); }""")


def _start(page) -> None:
    """Press "Start", as a person opening their link does."""
    before = page.locator("#log .msg").count()
    page.locator("#choices").get_by_role("button", name="Start", exact=True).click()
    page.wait_for_function(REPLIED, arg=before)


def _tab_to(page, name: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab; focus is on {focused(page)}")


def test_read_aloud_button_speaks_with_the_keyboard_alone(worker: Worker, stack, page) -> None:
    case_id = worker.new_case(child_name="Jamie", reference="C-READ")
    response = worker.client.post(f"/api/v1/cases/{case_id}/invitations",
                                  headers=worker.headers,
                                  json={"role": "parent", "name": "Sam"})
    token = response.json()["token"]
    watch = Watch(page, base_url(stack))
    page.context.add_init_script(SPEECH_SPY)
    page.goto(f"/chat/{token}")
    _start(page)

    buttons = page.locator("#log .msg-bot .read-aloud")
    assert buttons.count() == page.locator("#log .msg-bot").count() > 0
    first = buttons.first
    expect(first).to_have_accessible_name("Read aloud")
    expect(first).to_have_accessible_description(  # which message it reads
        re.compile(r"^MapBot said: " + re.escape(_bot_words(page, 0)) + r"\s*$"))
    page.locator("body").focus()
    _tab_to(page, "Read aloud")
    page.keyboard.press("Enter")
    said = page.evaluate("window.__said")
    assert said[-1] == {"text": _bot_words(page, 0), "lang": "en-GB"}

    # The setting: each new MapBot message is read as it comes.
    setting = page.get_by_label("Read each new message aloud")
    expect(setting).to_be_visible()
    setting.focus()
    page.keyboard.press("Space")
    expect(setting).to_be_checked()
    bots = page.locator("#log .msg-bot").count()
    before = page.locator("#log .msg").count()
    page.locator('#choices button[value="/affirm"]').click()
    page.wait_for_function(REPLIED, arg=before)
    new = [_bot_words(page, i) for i in range(bots, page.locator("#log .msg-bot").count())]
    spoken = [entry["text"] for entry in page.evaluate("window.__said") if "text" in entry]
    assert new and spoken[-len(new):] == new
    assert_accessible(page, "chat with read-aloud")
    watch.assert_private()


def test_no_read_aloud_where_the_browser_cannot_speak(worker: Worker, stack, page) -> None:
    case_id = worker.new_case(child_name="Jamie", reference="C-MUTE")
    response = worker.client.post(f"/api/v1/cases/{case_id}/invitations",
                                  headers=worker.headers,
                                  json={"role": "child", "name": "Jamie"})
    page.context.add_init_script(NO_SPEECH)
    page.goto(f"/chat/{response.json()['token']}")
    _start(page)
    assert page.locator("#log .msg-bot").count() > 0
    assert page.locator(".read-aloud").count() == 0
    expect(page.locator("#read-aloud-setting")).to_be_hidden()
