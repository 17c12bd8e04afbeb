"""The privacy notices (bot/portal/privacy.py): served by the portal with the council's
details from the settings, linked from every page a family sees and from the letter,
easy to read (the same gate as the assistant's messages: tests/core/test_language.py),
and never asking for consent where the basis is the council's public task."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import textstat

from bot.database.models import Worker as WorkerRow
from bot.services import web_sessions
from tests.core.test_language import FAMILIAR, LIMITS, sentences

COUNCIL = {"council_name": "Northshire County Council",
           "council_contact": "Children's Services, County Hall, NS1 1AA, 01234 567890",
           "dpo_contact": "dpo@northshire.example.gov.uk"}
ADULT, CHILD, EASY = "/privacy", "/privacy/child", "/privacy/easy-read"
# The names a notice must use, whatever their length: the council's own details (put in
# by the council), the regulator, and the role the law names.
NAMES = {**{value: "them" for value in COUNCIL.values()},
         "Information Commissioner's Office": "regulator",
         "data protection officer": "checker", "Easy Read": "easy", **FAMILIAR}
# Easy Read: one short sentence a line, each its own idea (no joined clauses).
EASY_WORDS, EASY_GRADE = 10, 3.0
JOINED = re.compile(r"[;:]|,\s*(and|but|or|so)\b| and then\b", re.IGNORECASE)
CONSENT_ASKED = re.compile(r"\bI agree\b|\bdo you agree\b|\bgive (us )?your consent\b|"
                           r"\bconsent to\b|\bif you consent\b", re.IGNORECASE)


class Lines(HTMLParser):
    """The text of each paragraph and heading of the notice (its <article>), and every
    link on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.links: list[str] = []
        self._in_article = False
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "article":
            self._in_article = True
        elif self._in_article and tag in ("p", "h1", "h2"):
            self._open = []

    def handle_endtag(self, tag):
        if tag == "article":
            self._in_article = False
        elif tag in ("p", "h1", "h2") and self._open is not None:
            self.lines.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def parsed(html: str) -> Lines:
    lines = Lines()
    lines.feed(html)
    return lines


def plain(text: str) -> str:
    for name, short in NAMES.items():
        text = text.replace(name, short)
    return text


@pytest.fixture
def notices(make_app):
    return make_app(**COUNCIL).asgi_client


@pytest.mark.parametrize("path", [ADULT, CHILD, EASY])
async def test_each_notice_names_the_council_and_its_contacts(notices, path):
    _, response = await notices.get(path)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    for value in ("Northshire County Council", "dpo@northshire.example.gov.uk",
                  "Children's Services, County Hall, NS1 1AA, 01234 567890"):
        assert value in response.text.replace("&#39;", "'"), (path, value)


@pytest.mark.parametrize(("path", "audience"), [(ADULT, "adult"), (CHILD, "child")])
async def test_the_notices_pass_the_readability_gate(notices, path, audience):
    max_grade, max_words = LIMITS[audience]
    _, response = await notices.get(path)
    lines = parsed(response.text).lines
    assert len(lines) > 20, lines
    for line in lines:
        text = plain(line)
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= max_grade, f"{path}: grade {grade}: {line!r}"
        for sentence in sentences(text):
            assert len(sentence.split()) <= max_words, f"{path}: too long: {sentence!r}"


async def test_easy_read_has_short_sentences_one_idea_each_with_pictures(notices):
    _, response = await notices.get(EASY)
    page = response.text
    ideas = re.findall(r'<li class="easy-idea">\s*<svg[^>]*aria-hidden="true"', page)
    lines = parsed(page).lines
    assert len(ideas) >= 25  # every idea has its picture, drawn in the page itself
    assert "<img" not in page  # no picture from elsewhere
    for line in lines[2:]:  # after the title and the links to the other versions
        text = plain(line)
        assert len(sentences(text)) == 1, f"more than one sentence: {line!r}"
        assert len(text.split()) <= EASY_WORDS, f"too long: {line!r}"
        assert not JOINED.search(text), f"two ideas in one: {line!r}"
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= EASY_GRADE, f"grade {grade}: {line!r}"


@pytest.mark.parametrize("path", [ADULT, CHILD, EASY])
async def test_the_notices_say_why_and_ask_no_consent(notices, path):
    _, response = await notices.get(path)
    text = " ".join(parsed(response.text).lines)
    assert not CONSENT_ASKED.search(text), path
    assert re.search(r"job", text), path  # why: the council's job by law


async def family_pages(portal, alice, case) -> dict[str, str]:
    """Every page a family can be shown: the chat, the sent page, a link not found, a
    link stopped, and the notices themselves."""
    child = await portal.invite(alice, case["id"], "child", "Kai")
    parent = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    sent = await portal.invite(alice, case["id"], "carer", "Sam Carer")
    await portal.submit(sent["conversation_id"])
    stopped = await portal.invite(alice, case["id"], "carer", "Lee Carer")
    await portal.client.delete(f"/api/v1/invitations/{stopped['id']}", headers=alice.headers)
    paths = {"chat (child)": f"/chat/{child['token']}",
             "chat (adult)": f"/chat/{parent['token']}",
             "sent": f"/chat/{sent['token']}", "not found": "/chat/no-such-link",
             "stopped": f"/chat/{stopped['token']}", **{p: p for p in (ADULT, CHILD, EASY)}}
    pages = {}
    for name, path in paths.items():
        _, response = await portal.client.get(path)
        assert response.status in (200, 404, 410), (name, response.status)
        pages[name] = response.text
    return pages


async def test_every_family_page_links_to_the_notices(portal, alice, case):
    pages = await family_pages(portal, alice, case)
    for name, html in pages.items():
        links = parsed(html).links
        assert EASY in links, name
        own = CHILD if name == "chat (child)" else ADULT
        if name not in (CHILD, EASY, "chat (child)"):
            assert own in links, name
    assert CHILD in parsed(pages["chat (child)"]).links
    assert not CONSENT_ASKED.search(pages["chat (adult)"] + pages["chat (child)"])


@pytest.mark.parametrize(("role", "expected"), [
    ("parent", ["https://mapbot.example.org/privacy",
                "https://mapbot.example.org/privacy/easy-read"]),
    ("child", ["https://mapbot.example.org/privacy/child",
               "https://mapbot.example.org/privacy/easy-read"]),
])
async def test_the_letter_gives_the_notices_address(portal, alice, case, role, expected):
    async with portal.store.sessions() as session:
        worker = await session.get(WorkerRow, alice.id)
    cookie, csrf = await web_sessions.start(portal.store, worker)
    _, response = await portal.client.post(
        f"/cases/{case['id']}/invitations", headers={"Cookie": f"{web_sessions.COOKIE}={cookie}"},
        data={web_sessions.CSRF_FIELD: csrf, "role": role, "name": "Kai"})
    assert response.status == 200, response.text
    letter = response.text[response.text.index('<article class="letter"'):]
    shown = re.findall(r"<strong>(https://mapbot\.example\.org/privacy[^<]*)</strong>", letter)
    assert shown == expected
