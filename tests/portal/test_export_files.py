"""The Word file and the print page hold the same map as the board (bot/portal/exports.py;
the Word file from MapBot's default template, bot/portal/case_record.py)."""

from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from docx import Document
from sqlalchemy import select

from bot.database.models import Worker
from bot.portal import case_record, exports
from bot.services.store import Store

PARENT, CHILD, CARER = "p" * 32, "c" * 32, "k" * 32
XSS = "<script>alert(1)</script> he hides"


def _item(n: int, respondent: str, section: str, category: str | None, text: str,
          status: str = "draft", house: str | None = None, original: str | None = None,
          question: str = "What are you worried about?") -> dict:
    return {"id": f"{n:032d}", "respondent_id": respondent, "section": section,
            "category": category, "house": house, "text": text,
            "original_text": original or text, "question": question, "confidence": 1.0,
            "status": status, "created_at": "2025-03-01T09:00:00Z"}


@pytest.fixture
def draft() -> dict:
    return {
        "schema": "mapbot.draft-map/1",
        "case": {"id": "a" * 32, "reference": "C/100 & co", "child_name": "Jamie"},
        "generated_at": "2025-03-02T10:30:00Z",
        "respondents": [
            {"id": PARENT, "role": "parent", "name": "Sam", "status": "submitted",
             "submitted_at": "2025-03-01T09:30:00Z"},
            {"id": CHILD, "role": "child", "name": "Tia", "status": "submitted",
             "submitted_at": "2025-03-01T10:00:00Z"},
            {"id": CARER, "role": "carer", "name": "Pat", "status": "in_progress",
             "submitted_at": None},
        ],
        "items": [
            _item(1, PARENT, "worries", "harm", "His dad hit him last year", "accepted"),
            _item(2, PARENT, "worries", "danger", "It could happen again"),
            _item(3, PARENT, "worries", "complicating", "Money is tight", "rejected"),
            _item(4, PARENT, "working_well", "strength", "He is kind and funny", "accepted",
                  question="What do you like about Jamie?"),
            _item(5, PARENT, "working_well", "safety", "I took the kids to my mum's",
                  original="i took the kids to mums"),
            _item(6, PARENT, "needs", "goal", "Dad stops drinking", "accepted"),
            _item(7, PARENT, "needs", "next_step", "Jamie goes to school every day"),
            _item(8, PARENT, "worries", None, XSS),
            _item(9, CHILD, "working_well", None, "my cat Tigger 🐱", "accepted",
                  house="good_things", question="What is good in your life?"),
            _item(10, CHILD, "worries", None, "wen mum and dad shout", house="worries",
                  question="What worries you?"),
            _item(11, CHILD, "needs", None, "a puppy", house="dreams",
                  question="What would you wish for?"),
        ],
        "scales": [
            {"respondent_id": PARENT, "question": "Where are things from 0 to 10?",
             "value": 6, "why": "We have a routine now", "one_point_higher": "Dad stays away"},
            {"respondent_id": CHILD, "question": "How safe do you feel at home?",
             "value": 7, "why": None, "one_point_higher": "if dad stopped shouting"},
        ],
        "network": [
            {"respondent_id": PARENT, "name": "Kelly", "relationship": "sister",
             "how_they_help": "picks him up"},
            {"respondent_id": CHILD, "name": "Mrs Patel", "relationship": None,
             "how_they_help": None},
        ],
        "flags": [
            {"id": "f" * 32, "kind": "safeguarding", "respondent_id": CARER,
             "text": "he hits me", "created_at": "2025-03-01T08:00:00Z",
             "acknowledged_by": None, "acknowledged_at": None},
        ],
    }


def _docx(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def to_docx(draft: dict, choice: str = "draft") -> bytes:
    """The Word export of this version, from MapBot's default template."""
    return case_record.word(exports.arrange(draft, choice))


def _headings(document: Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs
            if p.style.name.startswith(("Heading", "Title"))]


def _item_rows(document: Document) -> list[list[str]]:
    """Rows of the item tables (the ones whose first header is "Their words")."""
    rows = []
    for table in document.tables:
        cells = [[cell.text for cell in row.cells] for row in table.rows]
        if cells and cells[0][0] == "Their words":
            rows.extend(cells[1:])
    return rows


def _all_text(document: Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_word_file_opens_and_has_the_headings_a_case_system_can_take(draft):
    document = _docx(to_docx(draft))
    headings = _headings(document)
    assert headings[0] == ("Title", "Map for Jamie")
    level1 = [text for style, text in headings if style == "Heading 1"]
    # "In the child's words" at the top, as on the board.
    assert level1 == ["In the child's words", "Safeguarding flags", "Who took part",
                      "What are we worried about?", "What's working well?",
                      "What needs to happen?", "Scales from 0 to 10", "Network"]
    level2 = [text for style, text in headings if style == "Heading 2"]
    for part in ["Tia (child)", "Past harm", "Future danger", "Complicating factors",
                 "Existing strengths", "Existing safety", "Safety goals", "Next steps",
                 "Who said what in this column"]:
        assert part in level2
    level3 = [text for style, text in headings if style == "Heading 3"]
    assert level3 == ["House of good things", "House of worries", "House of dreams"]
    assert document.core_properties.title == "Map for Jamie"


def test_an_item_with_no_part_is_shown_as_not_sorted_yet(draft):
    document = _docx(to_docx(draft, "draft"))
    level2 = [text for style, text in _headings(document) if style == "Heading 2"]
    assert "Not sorted yet" in level2  # item 8: a worry the parts model was unsure of
    worries = next(column for column in exports.arrange(draft).columns
                   if column.key == "worries")
    unsorted = next(part for part in worries.parts if part.key == "")
    assert (unsorted.title, [item["text"] for item in unsorted.items]) == (
        "Not sorted yet", [XSS, "wen mum and dad shout"])


def test_word_draft_has_every_item_not_rejected_with_speaker_and_question(draft):
    document = _docx(to_docx(draft, "draft"))
    rows = _item_rows(document)
    people = {p["id"]: p for p in draft["respondents"]}
    expected = [item for item in draft["items"] if item["status"] != "rejected"]
    # Child items are in their column (and in their house, under "In the child's words").
    assert len(rows) == len(expected)
    found = {(row[0].split("\n")[0], row[1], row[2]) for row in rows}
    for item in expected:
        speaker = exports.speaker_label(people[item["respondent_id"]])
        assert (item["original_text"], speaker, item["question"]) in found  # their words
    assert "Money is tight" not in _all_text(document)  # rejected: never exported
    statuses = {row[0].split("\n")[0]: row[3] for row in rows}
    assert statuses["His dad hit him last year"] == "accepted"
    assert statuses["It could happen again"] == "to review"


def test_word_shows_the_person_s_words_first_then_the_worker_s(draft):
    rows = _item_rows(_docx(to_docx(draft)))
    (edited,) = [row for row in rows if "I took the kids" in row[0]]
    assert edited[0] == ("i took the kids to mums\n"
                         "(The worker's wording: I took the kids to my mum's)")


def test_word_accepted_only(draft):
    document = _docx(to_docx(draft, "accepted"))
    rows = _item_rows(document)
    accepted = [item["text"] for item in draft["items"] if item["status"] == "accepted"]
    assert sorted({row[0] for row in rows}) == sorted(accepted)
    assert all(len(row) == 3 for row in rows)  # no status column: all are accepted
    text = _all_text(document)
    assert "It could happen again" not in text and "Version: Accepted items only" in text


def test_word_scales_network_and_flags(draft):
    document = _docx(to_docx(draft))
    headings = [text for _, text in _headings(document)]
    assert "Sam (parent): 6 out of 10" in headings
    assert "Tia (child): 7 out of 10" in headings
    text = _all_text(document)
    assert "What makes it that number and not lower: We have a routine now" in text
    assert "What one point higher would look like: if dad stopped shouting" in text
    assert "What makes it that number and not lower: not answered" in text
    network = [[c.text for c in row.cells] for t in document.tables
               if t.rows[0].cells[0].text == "Name" and t.rows[0].cells[1].text == "Relationship"
               for row in t.rows[1:]]
    assert network == [["Kelly", "sister", "picks him up", "Sam (parent)"],
                       ["Mrs Patel", "", "", "Tia (child)"]]
    assert "he hits me" in text and "NOT YET ACKNOWLEDGED" in text
    assert "Written by Pat (carer)" in text


def test_word_keeps_markup_as_text_and_drops_what_xml_cannot_hold(draft):
    draft["items"][1]["text"] = "bell\x07 and \x0bvertical tab"
    document = _docx(to_docx(draft))
    text = _all_text(document)
    assert XSS in text
    assert "bell and vertical tab" in text


def test_arrange_sorts_items_into_columns_parts_and_houses(draft):
    view = exports.arrange(draft, "all")
    places = {(column.key, part.key): [item["text"] for item in part.items]
              for column in view.columns for part in column.parts}
    assert places[("worries", "harm")] == ["His dad hit him last year"]
    assert places[("worries", "complicating")] == ["Money is tight"]
    assert places[("worries", "")] == [XSS, "wen mum and dad shout"]
    assert places[("working_well", "")] == ["my cat Tigger 🐱"]
    assert [(house.key, [i["text"] for i in house.items]) for house in view.houses] == [
        ("good_things", ["my cat Tigger 🐱"]), ("worries", ["wen mum and dad shout"]),
        ("dreams", ["a puppy"])]
    assert [flag["text"] for flag in view.open_flags] == ["he hits me"]
    assert view.items[0]["speaker"] == "Sam (parent)"


def test_move_choices_cover_every_part():
    choices = exports.move_choices()
    assert set(choices) == {"worries:harm", "worries:danger", "worries:complicating",
                            "worries:", "working_well:strength", "working_well:safety",
                            "working_well:", "needs:goal", "needs:next_step", "needs:"}


def test_print_page_has_the_three_columns_and_escapes_words(draft):
    page = exports.print_page(draft, "draft", links=False, case_id=draft["case"]["id"]).decode()
    columns = re.findall(r'<section class="print-column[^"]*"[^>]*>\s*<h2[^>]*>([^<]+)</h2>',
                         page)
    assert columns == ["What are we worried about?", "What&#39;s working well?",
                       "What needs to happen?"]
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; he hides" in page
    assert "Sam (parent)" in page and "6 out of 10" in page and "Kelly" in page
    assert "Money is tight" not in page
    assert 'href="/static/worker.css"' in page and "http" not in page.split("<body")[0]


def test_print_page_accepted_only(draft):
    page = exports.print_page(draft, "accepted", links=False, case_id="x").decode()
    assert "His dad hit him last year" in page and "It could happen again" not in page


def test_filename_is_safe(draft):
    # No round in this map: the first. Items still to review: a draft.
    assert (exports.filename(exports.arrange(draft, "draft"), "docx")
            == "map-C-100-co-round-1-2025-03-02-draft.docx")
    assert exports.when("2025-03-01T09:05:00Z") == "1 Mar 2025, 09:05 UTC"


# From the real store: the Word file shows what the map shows ------------------------


ANSWERS = [
    ("like_child", "item", "What do you like about Jamie?", "He's kind. He lovs football.",
     None, "working_well", "strength", None),
    ("worried_about", "item", "What are you worried about?",
     "<img src=x onerror=alert(1)> I worry about school", None, "worries", "harm", None),
    ("safe_needs", "item", "What needs to happen?", "His dad needs to stop drinking", None,
     "needs", "goal", None),
    ("helpers", "network", "Who helps?", "my mum and my sister Kelly", None, None, None, None),
    ("scale", "scale", "From 0 to 10?", "six", 6, None, None, None),
    ("scale_why", "scale_why", "Why not lower?", "We have a routine", None, None, None, None),
]
CHILD_ANSWERS = [
    ("good_life", "item", "What is good in your life?", "my cat Tigger", None, None, None,
     "good_things"),
    ("dreams_wish", "item", "What would you wish for?", "a puppy", None, None, None, "dreams"),
]


def test_word_file_matches_the_map_from_the_store(tmp_path):
    # In a thread of its own: Playwright's browser (when the e2e tests run in the same
    # session) keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        draft, first = pool.submit(lambda: asyncio.run(_map_from_store(tmp_path))).result()

    document = _docx(to_docx(draft))
    rows = _item_rows(document)
    people = {p["id"]: exports.speaker_label(p) for p in draft["respondents"]}
    in_columns = {(row[0], row[1], row[2]) for row in rows}
    assert {(i["text"], people[i["respondent_id"]], i["question"])
            for i in draft["items"]} == in_columns
    assert draft["items"] and draft["scales"] and draft["network"]
    headings = [text for _, text in _headings(document)]
    for scale in draft["scales"]:
        assert f"{people[scale['respondent_id']]}: {scale['value']} out of 10" in headings
    text = _all_text(document)
    for person in draft["network"]:
        assert person["name"] in text
    accepted = _item_rows(_docx(to_docx(draft, "accepted")))
    assert [row[0] for row in accepted] == [first["text"]]


async def _map_from_store(tmp_path) -> tuple[dict, dict]:
    """A parent's and a child's sent answers through the real store, one item accepted."""
    store = Store(f"sqlite:///{tmp_path / 'map.db'}")
    await store.create_schema()
    try:
        await store.add_worker("alice", "a long enough password")
        async with store.sessions() as session:
            worker = await session.scalar(select(Worker).where(Worker.username == "alice"))
        case = await store.create_case(worker, "C-7", "Jamie")
        for role, name, answers in [("parent", "Sam", ANSWERS), ("child", "Tia", CHILD_ANSWERS)]:
            _, token = await store.create_invitation(worker, case["id"], role, name, 28)
            respondent = await store.respondent_for_token(token)
            for key, kind, question, text, value, section, category, house in answers:
                await store.save_answer(respondent.conversation_id, key, kind, question, text,
                                        value=value, section=section, category=category,
                                        house=house)
            await store.submit(respondent.conversation_id)
        draft = await store.draft_map(worker, case["id"])
        first = draft["items"][0]
        await store.update_item(worker, first["id"], {"status": "accepted"})
        return await store.draft_map(worker, case["id"]), first
    finally:
        await store.close()
