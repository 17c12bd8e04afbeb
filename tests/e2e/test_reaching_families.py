"""Issue 23, through the public chat endpoint against the three real services: an
assisted invitation on the map; answers in Polish and Urdu stored with their language,
flagged as not checked for safety and answered with the interpreter reply; and
invitations and one reminder through GOV.UK Notify (a local stand-in that answers its
API as documented), only where the worker recorded that contact is safe."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from bot.database.models import Respondent, utcnow
from bot.operations.stack import Stack
from tests import notify_stand_in
from tests.e2e.conftest import Family, Worker, asked, texts
from tests.e2e.playbook import ANSWERS
from tests.e2e.test_chat_page import assert_accessible
from tests.e2e.test_worker_screens import sign_in

POLISH = "Martwię się, że mój mąż dużo pije i krzyczy na dzieci."
URDU = "مجھے فکر ہے کہ میرے بچے اسکول میں خوش نہیں ہیں۔"
INTERPRETER_EN = ("Thank you. Your social worker will arrange an interpreter, so they can "
                  "understand everything you wrote.")
NOT_CHECKED = "not checked for safety: needs an interpreter"


def play(family: Family, own_words: dict[str, str]) -> dict[str, list[dict]]:
    """A whole parent conversation, sent at the end; the replies to `own_words`."""
    family.say("hello")
    messages, replies = family.say("/affirm"), {}
    for _ in range(3 * len(ANSWERS)):
        question = asked(messages)
        if question is None:
            break
        # A question of another set than the parent's (a carer's "settled") is skipped.
        words = own_words.get(question, ANSWERS[question].format(n=1)
                              if question in ANSWERS else "/skip")
        messages = family.say(words)
        if question in own_words:
            replies[question] = messages
    assert asked(messages) is None, texts(messages)
    assert any(m.get("custom", {}).get("status") == "submitted" for m in family.say("/send"))
    return replies


def invite(worker: Worker, case_id: str, role: str, name: str, **options) -> tuple[Family, dict]:
    response = worker.client.post(f"/api/v1/cases/{case_id}/invitations",
                                  headers=worker.headers,
                                  json={"role": role, "name": name, **options})
    assert response.status_code == 201, response.text
    body = response.json()
    return Family(worker.client, body["token"], body["id"]), body


def test_assisted_and_other_languages_on_the_map_and_the_board(
        worker: Worker, stack: Stack, page) -> None:
    case_id = worker.new_case(child_name="Jamie", reference="C-LANG")
    polish, _ = invite(worker, case_id, "parent", "Agnieszka", assisted="interpreter")
    urdu, _ = invite(worker, case_id, "carer", "Bushra")
    polish_replies = play(polish, {"worried_about": POLISH})
    urdu_replies = play(urdu, {"harder": URDU})

    # The reply in English and in their own language, marked with its language.
    said = polish_replies["worried_about"]
    assert said[0] == {"text": INTERPRETER_EN, "custom": {"lang": "en", "interpreter": True}}
    assert said[1]["custom"]["lang"] == "pl" and "tłumacza" in said[1]["text"]
    said = urdu_replies["harder"]
    assert said[0]["text"] == INTERPRETER_EN
    assert said[1]["custom"]["lang"] == "ur" and "ترجمان" in said[1]["text"]

    draft = worker.map(case_id)
    people = {person["name"]: person for person in draft["respondents"]}
    assert people["Agnieszka"]["assisted"] == "interpreter"
    assert people["Bushra"]["assisted"] is None
    marked = {(item["respondent_id"], item["language"], item["safeguarding_checked"])
              for item in draft["items"] if item["text"] in (POLISH, URDU)
              or item["text"] in POLISH or item["text"] in URDU}
    assert marked == {(people["Agnieszka"]["id"], "pl", False),
                      (people["Bushra"]["id"], "ur", False)}
    english = [item for item in draft["items"]
               if item["text"] not in POLISH and item["text"] not in URDU]
    assert english and all(item["language"] == "en" and item["safeguarding_checked"]
                           for item in english)
    flags = [(flag["respondent_id"], flag["level"], flag["text"]) for flag in draft["flags"]]
    assert (people["Agnieszka"]["id"], "concern", POLISH) in flags
    assert (people["Bushra"]["id"], "concern", URDU) in flags
    listed = worker.client.get("/api/v1/flags", headers=worker.headers).json()["flags"]
    assert {flag["text"] for flag in listed if flag["case_id"] == case_id} >= {POLISH, URDU}

    # The board: beside every answer of the assisted person, and the words not checked.
    sign_in(page, "worker1")
    page.goto(f"/cases/{case_id}/board")
    mine = page.locator(".item", has=page.locator(".speaker", has_text="Agnieszka"))
    assert mine.count() > 1
    for index in range(mine.count()):
        expect(mine.nth(index).locator(".assisted")).to_have_text(
            "Answered with help from an interpreter")
    # Reviewing an item (its card comes back from the server) keeps the words.
    polish_card = page.locator(".item", has_text=POLISH)
    polish_card.get_by_role("button", name="Accept").click()
    expect(polish_card.locator(".status")).to_have_text("accepted")
    expect(polish_card.locator(".assisted")).to_have_text(
        "Answered with help from an interpreter")
    expect(polish_card.locator(".not-checked")).to_have_text("In Polish: " + NOT_CHECKED)
    theirs = page.locator(".item", has=page.locator(".speaker", has_text="Bushra"))
    assert theirs.locator(".assisted").count() == 0
    expect(page.locator(".item", has_text=POLISH).locator(".not-checked")).to_have_text(
        "In Polish: " + NOT_CHECKED)
    expect(page.locator(".item", has_text=URDU).locator(".not-checked")).to_have_text(
        "In Urdu: " + NOT_CHECKED)
    expect(page.locator(".flag", has_text=POLISH)).to_contain_text(
        "Not checked for safety: needs an interpreter (written in Polish)")
    # The board's items are `content-visibility: auto`: until each has been on screen
    # its size is a guess, and axe then sees items overlap. Scroll past each one first.
    page.evaluate("""async () => { for (const item of document.querySelectorAll('.item')) {
        item.scrollIntoView(); await new Promise(r => requestAnimationFrame(r)); } }""")
    assert_accessible(page, "board with other languages")
    page.goto("/flags")
    expect(page.locator("tr", has_text="C-LANG").first).to_contain_text("needs an interpreter")


# Short English answers a detector misreads: none may be marked or flagged.
SHORT_ENGLISH = ["ok", "no", "Agnieszka", "my mum Agnieszka", "Wojciech Kowalski",
                 "Jan and Piotr", "Mohammed helps me", "Nan and grandad", "dunno",
                 "we r fine thx", "nah m8", "Priya from school", "Tesco", "Minecraft Roblox"]


def test_short_english_answers_are_not_taken_for_another_language(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Jamie", reference="C-SHORT")
    family, _ = invite(worker, case_id, "parent", "Sam")
    family.say("hello")
    family.say("/affirm")
    for words in SHORT_ENGLISH:
        assert INTERPRETER_EN not in texts(family.say(words)), words
    draft = worker.map(case_id)
    assert [flag["text"] for flag in draft["flags"]] == []


def _started_days_ago(stack: Stack, invitation_ids: list[str], days: int) -> None:
    """As if these conversations had started `days` ago (the test cannot wait days)."""
    from bot.services.store import Store

    async def move() -> None:
        store = Store(stack.settings.database_url)
        try:
            async with store.sessions.begin() as session:
                await session.execute(update(Respondent).where(
                    Respondent.id.in_(invitation_ids)).values(
                    started_at=utcnow() - timedelta(days=days)))
        finally:
            await store.close()

    with ThreadPoolExecutor(max_workers=1) as pool:  # beside Playwright's event loop
        pool.submit(asyncio.run, move()).result()


def _sent(notify, to: str, template: str) -> list[notify_stand_in.Sent]:
    return [s for s in notify.sent if s.to == to and s.template_id == template]


def test_invitations_and_one_reminder_only_where_contact_is_safe(
        worker: Worker, stack: Stack, notify) -> None:
    case_id = worker.new_case(child_name="Jamie", reference="C-NOTIFY")
    phone, other_phone = "07700 900111", "07700 900222"
    safe, safe_body = invite(worker, case_id, "parent", "Sam",
                             contact={"sms": phone, "safe_to_contact": True})
    unsafe, _ = invite(worker, case_id, "carer", "Alex",
                       contact={"email": "alex@example.org", "safe_to_contact": False})
    # The family's shared phone: never the child's link, unless the worker says so.
    child, _ = invite(worker, case_id, "child", "Jamie",
                      contact={"sms": "+44 7700 900111", "safe_to_contact": True})
    allowed, allowed_body = invite(worker, case_id, "young_person", "Kim",
                                   contact={"sms": phone, "safe_to_contact": True,
                                            "shared_phone_ok": True})
    emailed, emailed_body = invite(worker, case_id, "network", "Jo",
                                   contact={"sms": other_phone, "email": "jo@example.org",
                                            "safe_to_contact": True})
    invite(worker, case_id, "network", "Lee",
                              contact={"email": "lee@example.org", "safe_to_contact": True})

    invitations = {(s.to, s.personalisation.get("link")) for s in notify.sent
                   if s.template_id in (notify_stand_in.SMS_INVITATION,
                                        notify_stand_in.EMAIL_INVITATION)}
    assert invitations >= {(phone, safe_body["url"]), (phone, allowed_body["url"]),
                           (other_phone, emailed_body["url"]),
                           ("jo@example.org", emailed_body["url"])}
    assert not [s for s in notify.sent if s.to in ("alex@example.org", "+44 7700 900111")]
    assert notify.refused == []

    for family in (safe, unsafe, child, allowed, emailed):
        family.say("hello")
    _started_days_ago(stack, [f.invitation_id for f in (safe, unsafe, child, allowed,
                                                        emailed)], days=3)
    reminded = [(phone, notify_stand_in.SMS_REMINDER), (other_phone, notify_stand_in.SMS_REMINDER),
                ("jo@example.org", notify_stand_in.EMAIL_REMINDER)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(_sent(notify, *r) for r in reminded):
        time.sleep(0.5)
    time.sleep(3)  # several more of the portal's passes (every 0.5 s here)
    # Sam and Kim share the phone: one reminder each, so two to that number.
    assert len(_sent(notify, phone, notify_stand_in.SMS_REMINDER)) == 2
    assert len(_sent(notify, other_phone, notify_stand_in.SMS_REMINDER)) == 1
    assert len(_sent(notify, "jo@example.org", notify_stand_in.EMAIL_REMINDER)) == 1
    assert not [s for s in notify.sent if s.to in ("alex@example.org", "+44 7700 900111")]
    assert [s.template_id for s in notify.sent if s.to == "lee@example.org"] == [
        notify_stand_in.EMAIL_INVITATION]
    reminder = _sent(notify, other_phone, notify_stand_in.SMS_REMINDER)[0]
    assert reminder.personalisation == {"name": "Jo"}  # never the link in a reminder
    assert notify.refused == []
