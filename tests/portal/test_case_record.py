"""Into the case record (issue 20): the Word file from the council's template (docxtpl),
the PDF/A-2b LibreOffice makes from it, the file names, and the copy blocks for the
fields of the council's mapping form, all through the public API and the screens.

The PDF tests run LibreOffice, qpdf and pdftotext for real (`make test-setup` installs
them). Off CI, a machine without LibreOffice skips them, saying so; in CI (`CI` set) a
missing tool fails the test instead.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from docx import Document

from bot.database.models import Worker as WorkerRow
from bot.portal.app import create_app
from bot.portal.case_record_fields import FieldsProblem
from bot.services import web_sessions
from tests.portal.portal_support import Portal
from tests.portal.test_flags import DISCLOSURE, disclose
from tests.portal.test_shared_inputs import Screens

WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REFERENCE = "CASE/42 (Smith & Co)"
SAFE_REFERENCE = "CASE-42-Smith-Co"  # what a file name can hold, worked out by hand
# Words as people wrote them: quotation marks, an ampersand, markup, an emoji.
WORRY = "He said “I’ll be back” & left <b>again</b> 💔"
STRENGTH = "Nan picks Alex up from school"
GOAL = "Dad stops drinking"
PRIVATE = "I keep a bag packed by the door"
HOUSE = "my cat Tigger 🐱"
PARENT_ANSWERS = {
    "worried_about": {"kind": "item", "section": "worries", "category": "harm",
                      "question": "What are you worried about?", "text": WORRY},
    "going_well": {"kind": "item", "section": "working_well", "category": "strength",
                   "question": "What is going well?", "text": STRENGTH},
    "safe_needs": {"kind": "item", "section": "needs", "category": "goal",
                   "question": "What needs to happen?", "text": GOAL},
    "worries_more": {"kind": "item", "section": "worries", "category": "danger",
                     "question": "Anything else?", "text": PRIVATE},
    "network": {"kind": "network", "question": "Who helps your family?",
                "text": "my sister Kelly"},
    "scale": {"kind": "scale", "question": "How safe is Alex, 0 to 10?", "text": "6",
              "value": 6},
    "scale_why": {"kind": "scale_why", "question": "Why not lower?",
                  "text": "We have a routine now"},
}
CHILD_ANSWERS = {
    "good_life": {"kind": "item", "house": "good_things", "question": "What is good?",
                  "text": HOUSE},
    "trusted_adults": {"kind": "network", "question": "Who do you trust?",
                       "text": "Mrs Patel"},
    "scale": {"kind": "scale", "question": "How safe do you feel at home?", "text": "7",
              "value": 7},
}
DANGER = "Alex may be hurt when Dad drinks and nobody else is home."
SAFETY_GOAL = "Alex is safe at night, with an adult who is sober."
GREY = "Whether Dad still visits at weekends."
NEXT = "Family network meeting"


def pdf_tools_ready() -> bool:
    """LibreOffice, qpdf and pdftotext are all here. Without LibreOffice a PDF test is
    skipped off CI; in CI, and for the other two anywhere, a missing tool fails it."""
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing in CI: `make test-setup` installs it.")
        return False
    for tool in ("qpdf", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: `make test-setup` installs it.")
    return True


@pytest.fixture
def pdf_tools() -> None:
    if not pdf_tools_ready():
        pytest.skip("LibreOffice is not installed here (`make test-setup` installs it)")


@pytest.fixture
async def mapped(portal, alice) -> dict:
    """A parent's and a child's answers, a flag, a private item, two accepted items and
    the worker's part with evidence from both columns."""
    case = await portal.create_case(alice, REFERENCE, "Alex Example")
    parent = await portal.invite(alice, case["id"], "parent", "Jo Parent")
    for key, body in PARENT_ANSWERS.items():
        await portal.answer(parent["conversation_id"], key, **body)
    await disclose(portal, parent)
    await portal.submit(parent["conversation_id"])
    child = await portal.invite(alice, case["id"], "child", "Sam")
    for key, body in CHILD_ANSWERS.items():
        await portal.answer(child["conversation_id"], key, **body)
    await portal.submit(child["conversation_id"])
    ids = {item["text"]: item["id"] for item in
           (await portal.draft_map(alice, case["id"]))["items"]}
    for words, change in ((WORRY, {"status": "accepted"}), (STRENGTH, {"status": "accepted"}),
                          (PRIVATE, {"private": True, "status": "accepted"})):
        _, response = await portal.client.patch(f"/api/v1/items/{ids[words]}", json=change,
                                                headers=alice.headers)
        assert response.status == 200, response.text
    _, response = await portal.client.put(
        f"/api/v1/cases/{case['id']}/analysis", headers=alice.headers, json={
            "version": 0,
            "danger_statements": [{"text": DANGER, "evidence": [ids[WORRY]]}],
            "safety_goals": [{"text": SAFETY_GOAL, "evidence": [ids[GOAL]]}],
            "grey_areas": [{"text": GREY, "evidence": []}],
            "next_steps": [{"text": NEXT, "who": "Sam Worker", "by": "15 January"}],
            "judgement": {"value": 4, "why": "Nan helps every night."}})
    assert response.status == 200, response.text
    return case


async def signed_in(client, store, worker) -> Screens:
    """The worker's browser on the screens of this client's app."""
    async with store.sessions() as session:
        row = await session.get(WorkerRow, worker.id)
    cookie, csrf = await web_sessions.start(store, row)
    return Screens(client, cookie, csrf)


@pytest.fixture
async def screens(portal, alice) -> Screens:
    return await signed_in(portal.client, portal.store, alice)


async def _get(portal, worker, url: str):
    _, response = await portal.client.get(url, headers=worker.headers)
    return response


def _word_text(body: bytes) -> tuple[str, list[str], list[str]]:
    """(everything in the body, its tables included; each header; each footer)."""
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows
              for cell in row.cells]
    return ("\n".join(parts), [s.header.paragraphs[0].text for s in document.sections],
            [s.footer.paragraphs[0].text for s in document.sections])


def _today_or_yesterday() -> set[str]:
    """The day a map made now says it was made (UTC), and the day before: a test that
    runs across midnight still knows what to expect."""
    now = datetime.now(timezone.utc)
    return {now.date().isoformat(), (now - timedelta(days=1)).date().isoformat()}


# Word from MapBot's default template -------------------------------------------------


async def test_the_default_word_file_holds_every_part_with_who_said_it(portal, alice,
                                                                       mapped):
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.docx")
    assert response.status == 200
    assert response.content_type == WORD_TYPE
    document = Document(io.BytesIO(response.body))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings[0] == "In the child's words"  # at the top, as on the board
    for heading in ("Safeguarding flags", "What are we worried about?", "What's working well?",
                    "What needs to happen?", "The worker's part", "Scales from 0 to 10",
                    "Network"):
        assert heading in headings, heading
    text, headers, footers = _word_text(response.body)
    for words in (f"“{HOUSE}”", "Adults they trust: Mrs Patel.",
                  "Their number: 7 out of 10, answering “How safe do you feel at home?”",
                  WORRY, STRENGTH, GOAL, PRIVATE, "(Asked to be kept from the family)",
                  DISCLOSURE, "NOT YET ACKNOWLEDGED", "Jo Parent (parent)", "Sam (child)",
                  "Everyone's numbers: Jo Parent 6, Sam 7", "Jo Parent (parent): 6 out of 10",
                  "What makes it that number and not lower: We have a routine now",
                  "Kelly", "Mrs Patel", "Who said what in this column",
                  DANGER, f"Resting on: “{WORRY}” – Jo Parent (parent)",
                  SAFETY_GOAL, f"Resting on: “{GOAL}” – Jo Parent (parent)", GREY,
                  NEXT, "Who: Sam Worker. By: 15 January.",
                  "4 out of 10: Nan helps every night.", f"Case reference: {REFERENCE}",
                  "Round 1: First mapping"):
        assert words in text, words
    # A draft, on every page: items are still to review.
    assert headers and all(h.startswith("Draft · Map for Alex Example") for h in headers)
    assert all(f.startswith("Draft.") for f in footers)
    assert f"Case {REFERENCE} · Round 1" in headers[0]


async def test_accepted_only_is_reviewed_and_holds_accepted_items(portal, alice, mapped):
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.docx?only=accepted")
    assert response.status == 200
    text, headers, footers = _word_text(response.body)
    assert WORRY in text and STRENGTH in text and GOAL not in text.split("The worker's part")[0]
    assert headers[0].startswith("Reviewed ·") and footers[0].startswith("Reviewed.")


async def test_the_family_copy_leaves_out_private_items_flags_and_unagreed_names(
        portal, alice, mapped):
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.docx?copy=family")
    assert response.status == 200
    text, headers, _ = _word_text(response.body)
    assert WORRY in text and STRENGTH in text  # accepted, and not private
    for left_out in (PRIVATE, DISCLOSURE, "Safeguarding flags", "Jo Parent", HOUSE,
                     "Mrs Patel", GOAL, DANGER, SAFETY_GOAL, "The worker's part",
                     "We have a routine now", "(Asked to be kept from the family)"):
        assert left_out not in text, left_out
    assert "Someone in the family network" in text
    assert headers[0].startswith("Reviewed")
    # The same rule for the PDF's source: the API's family map says the same.
    family = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map?copy=family")
    assert PRIVATE not in family.text and DISCLOSURE not in family.text


# Word from the council's own template --------------------------------------------------


COUNCIL_LINES = [
    "{%p for child in children %}",
    "CHILD {{ child.who }}",
    "{%p for house in child.houses %}",
    "{%p for item in house.items %}",
    "HOUSE {{ house.title }}: {{ item.words }}",
    "{%p endfor %}",
    "{%p endfor %}",
    "{%p endfor %}",
    "{%p for column in columns %}",
    "{%p for part in column.parts %}",
    "{%p for item in part.items %}",
    "ITEM {{ part.title }} | {{ item.words }} | {{ item.who }} | {{ item.status }}",
    "{%p endfor %}",
    "{%p endfor %}",
    "{%p for person in column.by_person %}",
    "SAID {{ column.title }} {{ person.who }}: {{ person.words | join(' / ') }}",
    "{%p endfor %}",
    "{%p endfor %}",
    "SCALES {{ scales.own }}",
    "{%p for person in network %}",
    "NETWORK {{ person.name }} named by {{ person.named_by }}",
    "{%p endfor %}",
    "{%p for flag in flags %}",
    "FLAG {{ flag.text }} by {{ flag.who }}",
    "{%p endfor %}",
    "{%p if analysis %}",
    "{%p for entry in analysis.danger_statements %}",
    "DANGER {{ entry.text }} ON {% for e in entry.evidence %}{{ e.words }} ({{ e.who }})"
    "{% endfor %}",
    "{%p endfor %}",
    "GOALS {% for entry in analysis.safety_goals %}{{ entry.text }}{% endfor %}",
    "GREY {% for entry in analysis.grey_areas %}{{ entry.text }}{% endfor %}",
    "NEXT {% for entry in analysis.next_steps %}{{ entry.text }}, {{ entry.who }}, "
    "{{ entry.by }}{% endfor %}",
    "JUDGEMENT {{ analysis.judgement.words }}",
    "{%p endif %}",
]


def council_template(path: Path, lines: list[str] = COUNCIL_LINES) -> Path:
    """A council's own template, made here with python-docx: its own header, footer,
    title and layout, with MapBot's placeholders (docs/word-template.md)."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "ANYTOWN COUNCIL · {{ state }} · {{ date }}"
    section.footer.paragraphs[0].text = "{{ state }} · {{ case.reference }}"
    document.add_heading("Anytown Council safety mapping record", 0)
    document.add_paragraph("Child: {{ case.child_name }}; round {{ round.number }} "
                           "({{ round.label }}); {{ version }}")
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def council_portal(make_app, store, **changes) -> Portal:
    return Portal(make_app(**changes).asgi_client, store)


async def test_a_council_template_is_filled_with_every_part(make_app, store, alice, mapped,
                                                            tmp_path):
    template = council_template(tmp_path / "anytown.docx")
    council = council_portal(make_app, store, word_template=str(template))
    response = await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map.docx")
    assert response.status == 200, response.text
    text, headers, footers = _word_text(response.body)
    lines = text.splitlines()
    assert lines[0] == "Anytown Council safety mapping record"
    assert lines[1].startswith("Child: Alex Example; round 1 (First mapping); Draft:")
    assert not any("{%" in line or "{{" in line for line in lines)  # every tag filled
    for expected in ("CHILD Sam (child)", f"HOUSE House of good things: {HOUSE}",
                     f"ITEM Past harm | {WORRY} | Jo Parent (parent) | accepted",
                     f"ITEM Safety goals | {GOAL} | Jo Parent (parent) | to review",
                     f"SAID What are we worried about? Jo Parent (parent): {WORRY} / "
                     f"{PRIVATE}",
                     "SCALES Jo Parent 6, Sam 7",
                     "NETWORK Kelly named by Jo Parent (parent)",
                     "NETWORK Mrs Patel named by Sam (child)",
                     f"FLAG {DISCLOSURE} by Jo Parent (parent)",
                     f"DANGER {DANGER} ON {WORRY} (Jo Parent (parent))",
                     f"GOALS {SAFETY_GOAL}", f"GREY {GREY}",
                     f"NEXT {NEXT}, Sam Worker, 15 January",
                     "JUDGEMENT 4 out of 10: Nan helps every night."):
        assert expected in lines, expected
    assert headers[0].startswith("ANYTOWN COUNCIL · Draft · ")
    assert headers[0].rsplit(" · ", 1)[1] in _today_or_yesterday()
    assert footers[0] == f"Draft · {REFERENCE}"
    # The council's template also makes the family's copy, by the same rule.
    family = await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map.docx?copy=family")
    text, _, _ = _word_text(family.body)
    assert WORRY in text and "Someone in the family network" in text
    assert PRIVATE not in text and DISCLOSURE not in text and "Jo Parent" not in text
    assert "DANGER" not in text and "JUDGEMENT" not in text  # no worker's part for them


@pytest.mark.parametrize(("contents", "why"), [
    (None, "the template file is not there"),
    (b"this is not a Word file", "the template is not a Word (.docx) file"),
    (["{{ case.no_such_thing }}"], "it uses a placeholder MapBot does not know"),
    (["{%p for item in %}"], "a placeholder is not written correctly"),
    (["{{ ''.__class__.__mro__ }}"], "the template could not be filled in"),
], ids=["missing", "not-docx", "unknown-placeholder", "bad-tag", "unsafe"])
async def test_a_broken_template_is_a_clear_503_and_nothing_is_lost(
        make_app, store, alice, mapped, tmp_path, caplog, contents, why):
    path = tmp_path / "broken.docx"
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    elif contents is not None:
        council_template(path, contents)
    before = (await _get(Portal(make_app().asgi_client, store), alice,
                         f"/api/v1/cases/{mapped['id']}/map")).json
    council = council_portal(make_app, store, word_template=str(path))
    with caplog.at_level(logging.ERROR, logger="bot.portal.case_record"):
        response = await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map.docx")
    assert response.status == 503
    assert response.content_type.startswith("application/json")
    assert response.json["error"].startswith("The Word file could not be made from the "
                                             f"council's template: {why}")
    assert "Nothing on the map has changed" in response.json["error"]
    assert any(str(path) in record.getMessage() for record in caplog.records)
    assert WORRY not in caplog.text and DANGER not in caplog.text  # never the words
    after = (await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map")).json
    assert after["items"] == before["items"]
    # The other exports do not need the template.
    assert (await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map.json")).status == 200


async def test_a_broken_template_is_a_kind_page_on_the_screens(make_app, store, alice,
                                                               mapped, tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"not a docx")
    client = make_app(word_template=str(tmp_path / "broken.docx")).asgi_client
    page = await (await signed_in(client, store, alice)).get(
        f"/cases/{mapped['id']}/map.docx")
    assert page.status == 503
    assert page.content_type.startswith("text/html")
    assert "The file could not be made" in page.text
    assert "the template is not a Word (.docx) file" in page.text


# File names --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "disposition"), [
    ("docx", "attachment"), ("html", "inline"), ("json", "attachment")])
async def test_file_names_hold_the_reference_round_date_and_state(portal, alice, mapped,
                                                                  kind, disposition):
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.{kind}")
    assert response.status == 200
    found = re.fullmatch(rf'{disposition}; filename="map-{SAFE_REFERENCE}-round-1-'
                         rf'(\d{{4}}-\d\d-\d\d)-draft\.{kind}"',
                         response.headers["content-disposition"])
    assert found and found.group(1) in _today_or_yesterday()
    accepted = await _get(portal, alice,
                          f"/api/v1/cases/{mapped['id']}/map.{kind}?only=accepted")
    assert "-reviewed." in accepted.headers["content-disposition"]


async def test_the_file_name_follows_the_round(portal, alice, mapped):
    _, started = await portal.client.post(f"/api/v1/cases/{mapped['id']}/rounds",
                                          json={"label": "Review"}, headers=alice.headers)
    assert started.status == 201
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.json")
    assert f"map-{SAFE_REFERENCE}-round-2-" in response.headers["content-disposition"]


# Copy blocks for the case record ---------------------------------------------------------


async def test_copy_blocks_keep_who_said_what_in_their_own_words(portal, alice, mapped):
    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/case-record-fields")
    assert response.status == 200
    fields = response.json["fields"]
    assert [field["name"] for field in fields] == [
        "Summary of concerns", "Strengths and safety", "What needs to happen", "Scaling",
        "Child's views", "Network"]
    blocks = {field["name"]: field["text"] for field in fields}
    assert blocks["Summary of concerns"] == "\n".join([
        "What are we worried about?",
        "Past harm:",
        f"- “{WORRY}” – Jo Parent (parent)",
        "Future danger:",
        f"- “{PRIVATE}” – Jo Parent (parent) (asked to be kept from the family)",
        "",
        "Danger statements (the worker's):",
        f"- {DANGER}",
        f"  Resting on: “{WORRY}” – Jo Parent (parent)",
        "",
        "Grey areas (the worker's):",
        f"- {GREY}"])
    assert blocks["Strengths and safety"] == "\n".join([
        "What's working well?", "Existing strengths:", f"- “{STRENGTH}” – Jo Parent (parent)",
        "Not sorted yet:", f"- “{HOUSE}” – Sam (child) (to review)"])
    assert blocks["What needs to happen"] == "\n".join([
        "Safety goals (the worker's):", f"- {SAFETY_GOAL}",
        f"  Resting on: “{GOAL}” – Jo Parent (parent)", "",
        "What needs to happen?", "Safety goals (the family's):",
        f"- “{GOAL}” – Jo Parent (parent) (to review)", "",
        "Next steps (the worker's):", f"- {NEXT} (who: Sam Worker; by: 15 January)"])
    assert blocks["Scaling"] == "\n".join([
        "Scales from 0 to 10:", "Everyone's numbers: Jo Parent 6, Sam 7",
        "- Jo Parent (parent): 6 out of 10, answering “How safe is Alex, 0 to 10?”. What "
        "makes it that number and not lower: We have a routine now",
        "- Sam (child): 7 out of 10, answering “How safe do you feel at home?”", "",
        "The worker's judgement (0 to 10):", "4 out of 10: Nan helps every night."])
    assert blocks["Child's views"] == "\n".join([
        "In the child's words:", "Sam (child)", "House of good things:",
        f"- “{HOUSE}” – Sam (child) (to review)",
        "Their number: 7 out of 10, answering “How safe do you feel at home?”",
        "Adults they trust: Mrs Patel"])
    assert blocks["Network"] == "\n".join([
        "Network:", "- Kelly (sister) – named by Jo Parent (parent)",
        "- Mrs Patel – named by Sam (child)"])  # in the order people were invited
    # Nothing of the flags: the default form has no field for them.
    assert all(DISCLOSURE not in text for text in blocks.values())


async def test_copy_blocks_of_accepted_items_only(portal, alice, mapped):
    response = await _get(portal, alice,
                          f"/api/v1/cases/{mapped['id']}/case-record-fields?only=accepted")
    assert response.status == 200
    blocks = {field["name"]: field["text"] for field in response.json["fields"]}
    assert f"“{GOAL}”" not in blocks["What needs to happen"]  # the family's, not accepted
    assert "(to review)" not in "\n".join(blocks.values())
    bad = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/case-record-fields?only=x")
    assert bad.status == 422


async def test_copy_blocks_are_404_across_workers(portal, alice, bob, mapped):
    url = f"/api/v1/cases/{mapped['id']}/case-record-fields"
    refused = await _get(portal, bob, url)
    assert refused.status == 404
    assert WORRY not in refused.text and "Alex" not in refused.text
    _, no_token = await portal.client.get(url)
    assert no_token.status == 401
    assert (await _get(portal, alice, url)).status == 200  # the 404 was bob's


async def test_a_council_s_own_fields_file(make_app, store, alice, mapped, tmp_path):
    fields = tmp_path / "fields.yml"
    fields.write_text("fields:\n  - name: Worries and danger\n"
                      "    parts: [worries.harm, analysis.danger_statements]\n"
                      "  - name: Safeguarding\n    parts: [flags]\n"
                      "  - name: Grey\n    parts: [working_well.safety]\n")
    council = council_portal(make_app, store, case_record_fields=str(fields))
    response = await _get(council, alice,
                          f"/api/v1/cases/{mapped['id']}/case-record-fields")
    assert response.json["fields"][0] == {"name": "Worries and danger", "text": "\n".join([
        "Past harm:", f"- “{WORRY}” – Jo Parent (parent)", "",
        "Danger statements (the worker's):", f"- {DANGER}",
        f"  Resting on: “{WORRY}” – Jo Parent (parent)"])}
    assert response.json["fields"][1]["text"].startswith(
        f"Safeguarding flags:\n- “{DISCLOSURE}” – Jo Parent (parent), ")
    assert response.json["fields"][1]["text"].endswith(": not yet acknowledged")
    assert response.json["fields"][2] == {"name": "Grey",
                                          "text": "Nothing on the map for this field yet."}


@pytest.mark.parametrize(("contents", "says"), [
    ("fields: []\n", "must have a list `fields:`"),
    ("fields:\n  - name: Concerns\n    parts: [worries, danger_statements]\n",
     "names parts MapBot does not know: danger_statements"),
    ("fields:\n  - parts: [worries]\n", "field 1 needs a `name`"),
    ("fields:\n  - name: Concerns\n", "field 1 ('Concerns') needs `parts`"),
    ("fields: [unclosed\n", "is not valid YAML"),
    (None, "the file cannot be read"),
])
def test_a_wrong_fields_file_stops_the_start_saying_what_is_wrong(settings, store, tmp_path,
                                                                   contents, says):
    path = tmp_path / "fields.yml"
    if contents is not None:
        path.write_text(contents)
    with pytest.raises(FieldsProblem) as problem:
        create_app(dataclasses.replace(settings, case_record_fields=str(path)), store=store)
    assert says in str(problem.value)
    assert f"MAPBOT_CASE_RECORD_FIELDS ({path})" in str(problem.value)


async def test_the_board_has_a_copy_block_for_each_field(portal, alice, mapped, screens):
    page = await screens.get(f"/cases/{mapped['id']}/board")
    assert page.status == 200
    section = page.text.split('id="case-record"', 1)[1]
    assert "For the case record" in section
    labels = re.findall(r'<label for="record-field-(\d+)">([^<]+)</label>', section)
    assert [name for _, name in labels] == [
        "Summary of concerns", "Strengths and safety", "What needs to happen", "Scaling",
        "Child&#39;s views", "Network"]
    for number, _ in labels:
        assert f'<textarea id="record-field-{number}" class="record-text" readonly' in section
        assert f'data-copy-block="record-field-{number}"' in section
    assert 'role="status" aria-live="polite" data-copy-block-status' in section
    assert "&lt;b&gt;again&lt;/b&gt;" in section and "<b>again" not in section
    assert "<script" not in section  # the Copy buttons' script is static/worker.js


# PDF/A ---------------------------------------------------------------------------------


def _pdf_pages(path: Path) -> list[str]:
    import pikepdf

    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path),
                            "-"], capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


async def test_the_pdf_is_pdf_a_2b_with_every_part(portal, alice, mapped, tmp_path,
                                                   pdf_tools):
    import pikepdf

    response = await _get(portal, alice, f"/api/v1/cases/{mapped['id']}/map.pdf")
    assert response.status == 200, response.text
    assert response.content_type == "application/pdf"
    found = re.fullmatch(rf'attachment; filename="map-{SAFE_REFERENCE}-round-1-'
                         rf'(\d{{4}}-\d\d-\d\d)-draft\.pdf"',
                         response.headers["content-disposition"])
    assert found and found.group(1) in _today_or_yesterday()
    path = tmp_path / "map.pdf"
    path.write_bytes(response.body)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with pikepdf.open(path) as pdf:
        metadata = pdf.open_metadata()
        assert metadata.get("pdfaid:part") == "2"
        assert metadata.get("pdfaid:conformance") == "B"
    pages = _pdf_pages(path)
    for page in pages:  # Draft on every page, at the top and at the bottom
        assert page.count("Draft") >= 2, page[:200]
    text = re.sub(r"\s+", " ", "\n".join(pages))
    for words in ("In the child's words", HOUSE, "What are we worried about?", WORRY,
                  STRENGTH, GOAL, "Who said what in this column", DANGER, SAFETY_GOAL, GREY,
                  NEXT, "4 out of 10: Nan helps every night.", "Scales from 0 to 10",
                  "Jo Parent 6, Sam 7", "Network", "Kelly", "Mrs Patel", REFERENCE):
        assert words in text, words
    assert text.index("In the child's words") < text.index("What are we worried about?")


async def test_the_pdf_from_the_screens_and_the_family_copy(portal, alice, mapped, screens,
                                                           tmp_path, pdf_tools):
    page = await screens.get(f"/cases/{mapped['id']}/map.pdf?copy=family")
    assert page.status == 200
    assert page.body[:5] == b"%PDF-"
    assert page.headers["content-disposition"].endswith('-reviewed.pdf"')
    path = tmp_path / "family.pdf"
    path.write_bytes(page.body)
    text = re.sub(r"\s+", " ", "\n".join(_pdf_pages(path)))
    assert WORRY in text and "Someone in the family network" in text
    for left_out in (PRIVATE, DISCLOSURE, "Jo Parent", HOUSE, DANGER):
        assert left_out not in text, left_out


async def test_no_libreoffice_is_a_clear_503(make_app, store, alice, mapped, tmp_path):
    council = council_portal(make_app, store, soffice=str(tmp_path / "no-such-soffice"))
    response = await _get(council, alice, f"/api/v1/cases/{mapped['id']}/map.pdf")
    assert response.status == 503
    assert response.json["error"].startswith("The PDF could not be made: LibreOffice is not "
                                             "installed on the MapBot server.")


async def test_libreoffice_that_fails_or_hangs_is_a_clear_503(make_app, store, alice, mapped,
                                                              tmp_path):
    failing = tmp_path / "failing-soffice"
    failing.write_text("#!/bin/sh\necho 'cannot convert' >&2\nexit 81\n")
    hanging = tmp_path / "hanging-soffice"
    hanging.write_text("#!/bin/sh\nsleep 30\n")
    for program in (failing, hanging):
        program.chmod(0o755)
    url = f"/api/v1/cases/{mapped['id']}/map.pdf"
    failed = await _get(council_portal(make_app, store, soffice=str(failing)), alice, url)
    assert failed.status == 503
    assert failed.json["error"].startswith("The PDF could not be made: LibreOffice stopped "
                                           "with an error.")
    started = datetime.now(timezone.utc)
    hung = await _get(council_portal(make_app, store, soffice=str(hanging),
                                     soffice_timeout_seconds=1.0), alice, url)
    assert hung.status == 503
    assert "LibreOffice took longer than 1 seconds" in hung.json["error"]
    assert datetime.now(timezone.utc) - started < timedelta(seconds=20)

