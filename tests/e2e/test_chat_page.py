"""The family chat page in real Chromium, against the three real services.

Every test drives the page as a person would (clicking, typing, or the keyboard alone)
and checks what a person would notice: what is shown, where the focus goes, that nothing
leaves the site or stays in the browser, and axe-core's WCAG 2.2 A/AA checks.
Screenshots go to tests/artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from actions.questions import adult_order, child_order
from bot.operations.stack import Stack
from bot.portal.chat import SLOW_DOWN
from tests.e2e.conftest import Family, Worker, axe_violations, screenshot

PHONE = {"width": 390, "height": 844}
EXIT_URL = "https://www.bbc.co.uk/weather"
NEUTRAL_PAGE = "<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"
REPLIED = """n => document.querySelectorAll('#log .msg').length > n
                 && document.getElementById('sending').hidden"""
# Records any use of localStorage, sessionStorage or cookies by the page's scripts.
STORAGE_SPY = """(() => {
  const used = [];
  Object.defineProperty(window, "__storageUsed", {value: used});
  for (const name of ["getItem", "setItem", "removeItem", "clear", "key"]) {
    const original = Storage.prototype[name];
    Storage.prototype[name] = function (...args) {
      used.push(name); return original.apply(this, args); };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {configurable: true,
    get() { used.push("cookie"); return cookie.get.call(this); },
    set(value) { used.push("cookie"); cookie.set.call(this, value); }});
})();"""

PARENT_ANSWERS = {
    "like_child": "He's kind and funny 😊. He loves football.",
    "going_well": "Things are calmer since he started at the new school",
    "before_problem": "We went to the park every weekend",
    "near_miss": "When his dad got angry I took the kids to my mum's",
    "child_would_say": "That I make the best pancakes",
    "worried_about": "I worry he is falling behind at school",
    "worker_worried": "That I can't keep him safe when his dad visits",
    "harder": "Money is tight and the flat is damp",
    "helpers": "my mum and my sister Kelly",
    "how_help": "They pick him up from school and have him for tea",
    "safe_needs": "His dad needs to stop drinking",
    "first_sign": "Jamie going to school every day",
    "scale_why": "We have a routine now and my mum helps",
    "scale_higher": "Dad staying away when he has been drinking",
    "future_danger": "That he misses more school and falls further behind",
    "common_scale": "5",
    "with_you": '/with_you{"with_you": "nobody"}',
    "ease": "Partly",
    "ease_comment": "It was fine",
}


class Chat:
    """The chat page as a person uses it."""

    def __init__(self, page, family: Family) -> None:
        self.page, self.family = page, family

    def open(self):
        return self.page.goto(f"/chat/{self.family.token}")

    def count(self) -> int:
        return self.page.locator("#log .msg").count()

    def button(self, title: str):
        return self.page.locator("#choices").get_by_role("button", name=title, exact=True)

    def press(self, title: str) -> None:
        before = self.count()
        self.button(title).click()
        self.page.wait_for_function(REPLIED, arg=before)

    def press_value(self, payload: str) -> None:
        before = self.count()
        self.page.locator(f'#choices button[value="{payload}"]').click()
        self.page.wait_for_function(REPLIED, arg=before)

    def say(self, text: str) -> None:
        before = self.count()
        self.page.fill("#message", text)
        self.page.click("#send")
        self.page.wait_for_function(REPLIED, arg=before)

    def progress(self) -> str:
        return (self.page.text_content("#progress") or "").strip()

    def step(self) -> int | None:
        found = re.fullmatch(r"Question (\d+) of \d+", self.progress())
        return int(found[1]) if found else None

    def log_text(self) -> str:
        return self.page.inner_text("#log")

    def person_said(self) -> list[str]:
        """What the person's messages show (without the "You said:" for screen readers)."""
        return [text.strip().removeprefix("You said:").strip()
                for text in self.page.locator("#log .msg-person").all_inner_texts()]

    def choices(self) -> list[str]:
        return [t.strip() for t in self.page.locator("#choices button").all_inner_texts()]


class Watch:
    """What the page asked for and did while a test ran."""

    def __init__(self, page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.problems: list[str] = []
        page.context.add_init_script(STORAGE_SPY)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", lambda message: self.problems.append(message.text)
                if "Content Security Policy" in message.text else None)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_private(self) -> None:
        """Nothing from another site, nothing kept in the browser, no script broke."""
        elsewhere = [url for url in self.requests
                     if not url.startswith((self.base_url + "/", "data:"))]
        assert elsewhere == []
        assert self.page.evaluate("window.__storageUsed") == []
        assert self.page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert self.page.context.cookies() == []
        assert self.dialogs == [] and self.problems == []


def base_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.port}"


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], where + ": " + "; ".join(
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def assert_no_sideways_scroll(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where}: {width}px wide"


def focused(page) -> str:
    """The focused element: its id, else its text."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e.id || (e.textContent || '').trim(); }""")


def tab_to(page, name: str, backwards: bool = False, limit: int = 40) -> None:
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(page) == name:
            assert_focus_visible(page)
            return
    raise AssertionError(f"{name!r} was not reached with {key}")


def assert_focus_visible(page) -> None:
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert style[0] != "none" and style[1] >= 2, style


def wait_for_reply(page, before: int) -> None:
    page.wait_for_function(REPLIED, arg=before)


# Whole conversations -----------------------------------------------------------------


def test_parent_conversation_by_clicking_and_typing(page, stack: Stack,
                                                     worker: Worker) -> None:
    page.set_viewport_size(PHONE)
    watch = Watch(page, base_url(stack))
    case_id = worker.new_case(child_name="Jamie")
    chat = Chat(page, worker.invite(case_id, "parent", "Sam"))
    response = chat.open()
    assert response.status == 200 and "no-store" in response.headers["cache-control"]
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("[role=log]").count() == 1 and chat.count() == 0
    assert "same link" in page.inner_text("main")
    help_area = page.inner_text("aside.help")
    for number in ["999", "0800 1111", "116 123", "85258"]:
        assert number in help_area
    screenshot(page, "chat-adult-start")

    chat.press("Start")
    assert "I am a computer helper" in chat.log_text()
    assert focused(page) == "Yes, I'm ready"  # focus goes to the choice asked for
    assert_accessible(page, "adult welcome")
    screenshot(page, "chat-adult-welcome")

    chat.press("Yes, I'm ready")
    assert chat.progress() == "Question 1 of 20"
    assert "What do you like about Jamie?" in chat.log_text()
    assert focused(page) == "message"  # a question that wants words: the answer box
    while (step := chat.step()) is not None:
        question = adult_order("parent")[step - 1]
        if chat.button("Carry on").count():  # in case a safeguarding check spoke first
            chat.press("Carry on")
        elif question == "scale":
            assert chat.choices()[:11] == [str(n) for n in range(11)]
            assert_accessible(page, "adult scale question")
            screenshot(page, "chat-adult-scale")
            chat.press("6")
        else:
            chat.say(PARENT_ANSWERS[question])
    assert chat.progress() == "Checking your answers"
    assert "Here is what you told me" in chat.log_text()
    assert PARENT_ANSWERS["harder"] in chat.log_text()
    assert "6" in chat.person_said()
    assert_accessible(page, "adult review")
    screenshot(page, "chat-adult-review")
    # Coming back before Send: the whole conversation, rendered from the transcript.
    chat.open()
    assert PARENT_ANSWERS["like_child"] in chat.person_said()
    assert "Yes, I'm ready" in chat.person_said()  # a pressed button shows its words
    assert chat.progress() == "Checking your answers"

    chat.press("Send to my social worker")
    assert chat.progress() == "Sent to your social worker"
    assert "Your answers have been sent" in chat.log_text()
    assert chat.choices() == ["Yes, use my name", "No, leave my name off"]
    assert_accessible(page, "adult after sending")
    screenshot(page, "chat-adult-sent")
    chat.press("No, leave my name off")
    page.reload()  # after Send the link shows a short page, not the conversation
    assert "Your answers have been sent" in page.inner_text("main")
    assert "someone in the family network" in page.inner_text("main")  # their choice
    assert PARENT_ANSWERS["harder"] not in page.content()
    assert_accessible(page, "adult sent page")
    watch.assert_private()

    draft = worker.map(case_id)
    assert draft["respondents"][0]["status"] == "submitted"
    words = {item["text"] for item in draft["items"]}
    # Two sentences saying one kind of thing stay one item, in the parent's exact words.
    assert {PARENT_ANSWERS["like_child"], PARENT_ANSWERS["worried_about"],
            PARENT_ANSWERS["safe_needs"]} <= words
    assert draft["scales"][0]["value"] == 6



def test_child_conversation_by_clicking_lights_up_the_houses(page, stack: Stack,
                                                              worker: Worker) -> None:
    page.set_viewport_size(PHONE)
    watch = Watch(page, base_url(stack))
    case_id = worker.new_case(child_name="Tia")
    chat = Chat(page, worker.invite(case_id, "child", "Tia"))
    chat.open()
    assert page.get_attribute("body", "class") == "look-child"
    houses = page.locator(".house")
    assert houses.count() == 3 and page.locator(".house.visited").count() == 0

    chat.press("Start")
    assert "Childline" in chat.log_text()
    assert_accessible(page, "child welcome")
    screenshot(page, "chat-child-welcome")
    chat.press("Yes, I'm ready")
    assert_accessible(page, "child houses question")
    chat.press("House of dreams")

    order, typed = child_order("dreams"), {
        "dreams_life": "we wud go to the beach", "worries_what": "wen mum and dad shout",
        "good_life": "my cat Tigger 🐱", "trusted_adults": "my nan"}
    lit: list[str] = []
    while (step := chat.step()) is not None:
        question = order[step - 1]
        current = page.locator(".house.current")
        if current.count():
            house = current.get_attribute("data-house")
            assert "You are here" in current.inner_text()
            if house not in lit:
                lit.append(house)
            assert page.locator(".house.visited").count() == len(lit)
        if question == "dreams_life":
            screenshot(page, "chat-child-first-house")
        if question in typed:
            chat.say(typed[question])
        elif question.endswith("_more"):
            chat.press("No, that's all")
        elif question == "check_in":  # "Are you OK to carry on?"
            chat.press("Yes, carry on")
        elif question == "scale":
            assert_accessible(page, "child scale question")
            screenshot(page, "chat-child-scale")
            chat.press_value("7")
        else:
            chat.press("Skip this question")
    assert lit == ["dreams", "good_things", "worries"]
    assert page.locator(".house.visited").count() == 3
    assert chat.progress() == "Checking your answers"
    assert "my cat Tigger 🐱" in chat.log_text()
    assert_accessible(page, "child review")
    screenshot(page, "chat-child-review")
    chat.open()  # coming back: the houses are lit from the transcript
    assert page.locator(".house.visited").count() == 3

    chat.press("Send to my social worker")
    assert "Your social worker will read what you wrote" in chat.log_text()
    assert_accessible(page, "child after sending")
    screenshot(page, "chat-child-sent")
    watch.assert_private()
    words = {item["text"] for item in worker.map(case_id)["items"]}
    assert {"we wud go to the beach", "wen mum and dad shout", "my cat Tigger 🐱"} <= words

    chat.open()  # after Send: a short page with the help, not the conversation
    assert "You have sent your answers" in page.inner_text("main")
    assert "0800 1111" in page.inner_text("body")
    assert "Tigger" not in page.content() and page.locator(".house").count() == 0


# Keyboard, small screens, leaving quickly -----------------------------------------------


def test_keyboard_only(page, stack: Stack, worker: Worker) -> None:
    chat = Chat(page, worker.invite(worker.new_case(), "carer", "Pat"))
    chat.open()
    page.keyboard.press("Tab")
    assert focused(page) == "quick-exit"  # the way out is the first thing
    assert_focus_visible(page)

    tab_to(page, "Start")
    before = chat.count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert focused(page) == "Yes, I'm ready"
    assert_focus_visible(page)
    before = chat.count()
    page.keyboard.press("Space")
    wait_for_reply(page, before)
    assert focused(page) == "message" and chat.progress() == "Question 1 of 19"

    page.keyboard.type("She sings all day. She is brave.")
    tab_to(page, "send")
    before = chat.count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert "She sings all day. She is brave." in chat.person_said()
    assert focused(page) == "message" and chat.progress() == "Question 2 of 19"

    tab_to(page, "Skip this question", backwards=True)
    before = chat.count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert chat.progress() == "Question 3 of 19"

    tab_to(page, "Stop for now", backwards=True)
    before = chat.count()
    page.keyboard.press("Space")
    wait_for_reply(page, before)
    assert focused(page) == "Yes, stop for now"
    before = chat.count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert "we have stopped" in chat.log_text()
    assert focused(page) == "Carry on"
    before = chat.count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert "Welcome back" in chat.log_text() and chat.progress() == "Question 3 of 19"
    # Every tab stop on the page shows where the focus is.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        assert_focus_visible(page)
    screenshot(page, "chat-keyboard")


@pytest.mark.parametrize("role", ["child", "parent"])
def test_320_pixels_wide_without_sideways_scrolling(browser, stack: Stack, worker: Worker,
                                                    role: str) -> None:
    context = browser.new_context(base_url=base_url(stack),
                                  viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        chat = Chat(page, worker.invite(worker.new_case(), role, "Ali"))
        chat.open()
        assert_no_sideways_scroll(page, "start")
        chat.press("Start")
        assert_no_sideways_scroll(page, "welcome")
        chat.press("Yes, I'm ready")
        if role == "child":
            chat.press("House of good things")
        chat.say("x" * 150 + " https://example.org/" + "a/" * 60)
        assert_no_sideways_scroll(page, "a long word")
        for _ in range(20):  # on to the 0 to 10 question, the widest row of buttons
            if page.locator('#choices button[value="10"]').count():
                break
            chat.press(next((b for b in ("No, that's all", "Yes, carry on")
                             if chat.button(b).count()), "Skip this question"))
        assert page.locator('#choices button[value="10"]').count() == 1
        assert_no_sideways_scroll(page, "the 0 to 10 question")
        sizes = page.evaluate("""() => [...document.querySelectorAll(
            'button, a, textarea')].filter(e => e.offsetParent).map(e => {
            const r = e.getBoundingClientRect(); return [r.width, r.height]; })""")
        assert all(w >= 24 and h >= 24 for w, h in sizes), sizes
        screenshot(page, f"chat-320-{role}")
    finally:
        context.close()


def test_leave_this_page_quickly(page, stack: Stack, worker: Worker) -> None:
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=NEUTRAL_PAGE))
    chat = Chat(page, worker.invite(worker.new_case(), "parent", "Jo"))
    page.goto("/healthz")  # where the person was before the chat
    chat.open()
    chat.press("Start")
    page.get_by_role("link", name="Leave this page quickly").click()
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert "/chat/" not in page.url and "/healthz" in page.url

    chat.open()
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert "/chat/" in page.url  # once does nothing: Escape also closes other things
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert "/chat/" not in page.url


# Things going wrong ---------------------------------------------------------------------


def test_network_failure_keeps_the_words_and_tries_again(page, stack: Stack,
                                                          worker: Worker) -> None:
    page.set_viewport_size(PHONE)
    chat = Chat(page, worker.invite(worker.new_case(), "parent", "Lee"))
    chat.open()
    chat.press("Start")
    chat.press("Yes, I'm ready")
    words = "He is a kind boy and he helps his gran"
    page.route("**/api/v1/chat/**", lambda route: route.abort())
    page.fill("#message", words)
    page.click("#send")
    problem = page.locator("#problem")
    problem.get_by_text("could not reach MapBot").wait_for()
    assert page.input_value("#message") == words
    assert focused(page) == "Try again"
    assert words not in chat.person_said()
    assert_accessible(page, "network failure")
    screenshot(page, "chat-network-failure")

    page.unroute("**/api/v1/chat/**")
    before = chat.count()
    problem.get_by_role("button", name="Try again").click()
    wait_for_reply(page, before)
    assert words in chat.person_said()
    assert page.input_value("#message") == "" and problem.inner_text() == ""
    assert chat.progress() == "Question 2 of 20"

    # A pressed choice that fails can be pressed again, and is sent once.
    page.route("**/api/v1/chat/**", lambda route: route.abort())
    chat.button("Skip this question").click()
    problem.get_by_text("could not reach MapBot").wait_for()
    assert chat.button("Skip this question").is_enabled()
    page.unroute("**/api/v1/chat/**")
    chat.press("Skip this question")
    assert chat.progress() == "Question 3 of 20"

    # Too many messages: the portal's kind words, shown as they are; nothing lost.
    page.route("**/api/v1/chat/**", lambda route: route.fulfill(
        status=429, content_type="application/json", body=json.dumps({"error": SLOW_DOWN})))
    page.fill("#message", "Sunday dinners at my mum's")
    page.click("#send")
    problem.get_by_text("Please wait a moment").wait_for()
    assert page.input_value("#message") == "Sunday dinners at my mum's"
    page.unroute("**/api/v1/chat/**")
    before = chat.count()
    problem.get_by_role("button", name="Try again").click()
    wait_for_reply(page, before)
    assert chat.progress() == "Question 4 of 20"


def test_a_choice_pressed_twice_is_sent_once(page, stack: Stack, worker: Worker) -> None:
    chat = Chat(page, worker.invite(worker.new_case(), "parent", "Mo"))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    chat.open()
    chat.press("Start")
    before = chat.count()
    page.locator('#choices button[value="/affirm"]').dblclick(force=True)
    wait_for_reply(page, before)
    page.wait_for_timeout(300)
    assert len(sent) == 2 and chat.progress() == "Question 1 of 20"


def test_without_javascript_the_form_works(browser, stack: Stack, worker: Worker) -> None:
    context = browser.new_context(base_url=base_url(stack), java_script_enabled=False,
                                  viewport=PHONE)
    page = context.new_page()
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=NEUTRAL_PAGE))
    try:
        family = worker.invite(worker.new_case(child_name="Jamie"), "parent", "Sam")
        chat = Chat(page, family)
        chat.open()

        def submit(locator) -> None:
            with page.expect_navigation():
                locator.click()

        submit(chat.button("Start"))
        assert "I am a computer helper" in chat.log_text()
        assert page.url.endswith(f"/chat/{family.token}#latest")
        submit(chat.button("Yes, I'm ready"))
        assert chat.progress() == "Question 1 of 20"
        page.fill("#message", "He loves drawing <b>dragons</b>")
        submit(page.locator("#send"))
        assert "He loves drawing <b>dragons</b>" in chat.person_said()
        assert chat.progress() == "Question 2 of 20"
        submit(chat.button("Skip this question"))
        assert chat.progress() == "Question 3 of 20"
        assert "Skip this question" in chat.person_said()
        page.fill("#message", "   ")
        submit(page.locator("#send"))
        assert "Your message was empty" in page.inner_text("#problem")
        screenshot(page, "chat-no-javascript")
        page.fill("#message", "We used to go camping")
        submit(page.locator("#send"))
        assert chat.progress() == "Question 4 of 20"
        # The way out is an ordinary link too.
        submit(page.get_by_role("link", name="Leave this page quickly"))
        assert page.url == EXIT_URL
    finally:
        context.close()


def test_a_revoked_link_says_what_to_do(page, stack: Stack, worker: Worker) -> None:
    family = worker.invite(worker.new_case(), "parent", "Kim")
    chat = Chat(page, family)
    chat.open()
    chat.press("Start")
    revoked = worker.client.delete(f"/api/v1/invitations/{family.invitation_id}",
                                   headers=worker.headers)
    assert revoked.status_code == 204
    with page.expect_navigation():
        chat.button("Yes, I'm ready").click()  # the chat finds out, and shows the page
    assert page.inner_text("h1") == "This link has stopped working"
    assert "ask your social worker for a new link" in page.inner_text("main")
    assert "0800 1111" in page.inner_text("aside.help")
    assert chat.open().status == 410
    assert_accessible(page, "revoked link page")
    screenshot(page, "chat-revoked")
    assert page.goto("/chat/no-such-link").status == 404


def test_words_that_look_like_code_stay_words(page, stack: Stack, worker: Worker) -> None:
    watch = Watch(page, base_url(stack))
    chat = Chat(page, worker.invite(worker.new_case(), "parent", "Ash"))
    chat.open()
    chat.press("Start")
    chat.press("Yes, I'm ready")
    attacks = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">',
               "<svg onload=alert(3)>"]
    for attack in attacks:
        chat.say(attack)

    def assert_only_words() -> None:
        assert [s for s in attacks if s in chat.person_said()] == attacks
        assert page.locator("#log img, #log script, #log svg").count() == 0

    assert_only_words()
    chat.open()  # the same words, rendered by the server this time
    assert_only_words()
    # A token in the address is never part of the page.
    for token in ["<script>alert(4)</script>", '"><img src=x onerror=alert(5)>']:
        response = page.goto("/chat/" + quote(token, safe=""))
        assert response.status == 404
        assert page.locator("img, script:not([src])").count() == 0
    page.wait_for_timeout(200)
    assert not [url for url in watch.requests if url.rstrip("/").endswith("/x")]
    watch.assert_private()
