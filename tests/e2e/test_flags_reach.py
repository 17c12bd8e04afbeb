"""Flags that reach someone who can act, against the real three services and Chromium.

A child's disclosure on worker A's case sends an alert email (to the SMTP server the
tests run, tests/e2e/conftest.py) with a link; duty worker B opens it in Chromium, signs
in, and lands on the case's board at the flag; B acknowledges it; the audit log has B's
look and the acknowledgement, each with why; plain worker C still gets 404. Then A
shares a case with C on the case screen and takes it back: C reads it, then gets 404.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from bot.services import audit
from tests.e2e.conftest import ALERT_INBOX, WORKER_PASSWORD, Worker, add_worker, login
from tests.e2e.test_worker_screens import check_screen, run_store

pytestmark = pytest.mark.stack

DISCLOSURE = "I am scared to go home because my stepdad hits me"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def alert_mail(mailbox, reference: str, timeout: float = 30.0):
    """The alert email for this case, as the SMTP server received it."""
    box, _ = mailbox
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in box.mails if reference in str(m["Subject"])]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no alert email for {reference} within {timeout} s")


def sign_in_here(page, username: str) -> None:
    """Sign in on the page the browser is on (the login page a link sent it to)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(WORKER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def events_of(stack, username: str) -> list[audit.Event]:
    async def work(store):
        return [event for _, event in await audit.events(store, username=username)]

    return run_store(stack, work)


def test_an_alert_link_brings_a_duty_worker_to_the_flag(page, stack, mailbox, portal,
                                                        worker: Worker) -> None:
    duty, plain = unique("duty"), unique("plain")
    add_worker(stack.settings, duty, "--duty")
    add_worker(stack.settings, plain)
    reference = unique("SG")
    case_id = worker.new_case(child_name="Robin", reference=reference)
    child = worker.invite(case_id, "child", "Robin")
    child.say(DISCLOSURE)
    (flag,) = worker.map(case_id)["flags"]
    assert flag["text"] == DISCLOSURE and flag["level"] == "immediate"

    (mail,) = alert_mail(mailbox, reference)
    assert mail["To"] == ALERT_INBOX
    body = mail.get_body(("plain",)).get_content()
    link = f"http://127.0.0.1:{stack.settings.port}/flags/{flag['id']}"
    assert link in body.split()
    assert "stepdad" not in mail.as_string() and "Robin" not in mail.as_string()

    # B opens the link in Chromium: asked to sign in, then the board at the flag.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in_here(page, duty)
    expect(page).to_have_url(
        f"http://127.0.0.1:{stack.settings.port}/cases/{case_id}/board#flag-{flag['id']}")
    shown = page.locator(f"#flag-{flag['id']}")
    expect(shown).to_be_visible()
    expect(shown.locator("blockquote")).to_have_text(DISCLOSURE)
    expect(shown).to_contain_text(f"Email to {ALERT_INBOX}")
    expect(page.get_by_role("note")).to_contain_text("as a duty because it has a safeguarding flag")
    check_screen(page, "20-duty-board-at-the-flag")

    # The Flags screen lists it, oldest first, linking to the flag on the board.
    page.goto("/flags")
    row = page.locator("tr", has_text=reference)
    expect(row.get_by_role("link")).to_have_attribute(
        "href", f"/cases/{case_id}/board#flag-{flag['id']}")
    check_screen(page, "21-flags")

    # B acknowledges.
    page.goto(link)
    page.locator(f"#flag-{flag['id']}").get_by_role("button").click()
    expect(page.locator("p.notice")).to_have_text("The flag was acknowledged.")
    (done,) = worker.map(case_id)["flags"]
    assert done["acknowledged_by"] == duty and done["acknowledged_at"]

    # The audit log: B's look and the acknowledgement, with why.
    seen = [(e.action, e.target_type, e.target_id, e.detail) for e in events_of(stack, duty)]
    assert ("view", "map", case_id, "as duty: open flag") in seen
    assert ("acknowledge", "flag", flag["id"], "as duty: open flag") in seen
    assert ("view", "flags", None, "as duty: open flags") in seen

    # C, a plain worker, still gets 404 everywhere.
    other = login(portal, plain)
    for path in (f"/api/v1/cases/{case_id}/map", f"/api/v1/cases/{case_id}"):
        assert other.client.get(path, headers=other.headers).status_code == 404
    acknowledge = other.client.post(f"/api/v1/flags/{flag['id']}/acknowledge",
                                    headers=other.headers)
    assert acknowledge.status_code == 404
    listed = other.client.get("/api/v1/flags", headers=other.headers).json()["flags"]
    assert flag["id"] not in [f["id"] for f in listed]
    context = page.context.browser.new_context(base_url=f"http://127.0.0.1:{stack.settings.port}")
    try:
        theirs = context.new_page()
        theirs.goto(link)
        sign_in_here(theirs, plain)
        expect(theirs.get_by_role("heading", level=1)).to_have_text("Not found")
        assert theirs.goto(f"/cases/{case_id}/board").status == 404
    finally:
        context.close()


def test_sharing_a_case_on_the_case_screen_and_taking_it_back(page, browser, stack, portal,
                                                             worker: Worker) -> None:
    colleague = unique("colleague")
    add_worker(stack.settings, colleague)
    case_id = worker.new_case(child_name="Sky", reference=unique("SHARE"))
    base = f"http://127.0.0.1:{stack.settings.port}"
    other = login(portal, colleague)
    assert other.client.get(f"/api/v1/cases/{case_id}/map",
                            headers=other.headers).status_code == 404

    page.goto(f"/cases/{case_id}")
    sign_in_here(page, "worker1")
    page.get_by_label("Their username").fill(colleague)
    page.get_by_label("Share it").check()
    page.get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_have_text("Done: they can read this case now.")
    expect(page.locator("ul.team")).to_contain_text(f"{colleague} can read it.")
    check_screen(page, "22-case-shared")

    context = browser.new_context(base_url=base)
    try:
        theirs = context.new_page()
        theirs.goto(f"/cases/{case_id}/board")
        sign_in_here(theirs, colleague)
        expect(theirs.get_by_role("heading", level=1)).to_contain_text("Map for Sky")
        expect(theirs.get_by_role("note")).to_contain_text("Only the case's owner can change it.")
        assert other.client.get(f"/api/v1/cases/{case_id}/map",
                                headers=other.headers).status_code == 200

        page.get_by_role("button", name=f"Take access back from {colleague}").click()
        expect(page.get_by_role("status")).to_have_text(
            "Done: they can no longer see this case.")
        assert theirs.goto(f"/cases/{case_id}/board").status == 404
        assert other.client.get(f"/api/v1/cases/{case_id}/map",
                                headers=other.headers).status_code == 404
    finally:
        context.close()
    actions = [(e.action, e.detail) for e in events_of(stack, "worker1")
               if e.case_id == case_id]
    assert ("share", f"for {colleague}; role=viewer") in actions
    assert ("unshare", f"from {colleague}") in actions


def test_the_flags_api_for_a_duty_worker(stack, portal, worker: Worker) -> None:
    duty = unique("duty")
    add_worker(stack.settings, duty, "--duty")
    reference = unique("API")
    case_id = worker.new_case(child_name="Ash", reference=reference)
    worker.invite(case_id, "child", "Ash").say("he hits me every night and I am scared")
    (flag,) = worker.map(case_id)["flags"]
    theirs = login(portal, duty)
    listed = theirs.client.get("/api/v1/flags", headers=theirs.headers).json()["flags"]
    (found,) = [f for f in listed if f["id"] == flag["id"]]
    assert found["case_id"] == case_id and found["text"] == flag["text"]
    times = [f["created_at"] for f in listed]
    assert times == sorted(times)
    assert re.fullmatch(r"[0-9a-f]{32}", found["case_id"])
