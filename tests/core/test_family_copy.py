"""The family's copy: what may be shared with the family, by one rule (bot/core/family_copy.py)."""

from __future__ import annotations

from bot.core.family_copy import family_copy
from bot.portal.case_record import word
from bot.portal.exports import arrange, choice_from


def _draft() -> dict:
    people = [
        {"id": "mum", "role": "parent", "name": "Jo", "status": "submitted",
         "submitted_at": "2026-12-01T10:00:00Z", "named_in_family_copy": True},
        {"id": "nan", "role": "network", "name": "Pat", "status": "submitted",
         "submitted_at": "2026-12-01T10:00:00Z", "named_in_family_copy": False},
        {"id": "tia", "role": "child", "name": "Tia", "status": "submitted",
         "submitted_at": "2026-12-01T10:00:00Z", "named_in_family_copy": False},
    ]

    def item(id_: str, who: str, text: str, status: str = "accepted", private: bool = False,
             section: str = "working_well", house: str | None = None) -> dict:
        return {"id": id_, "respondent_id": who, "section": section, "category": "strength",
                "house": house, "text": text, "original_text": text, "question": "Q?",
                "confidence": 1.0, "status": status, "private": private,
                "suggested_section": None, "created_at": "2026-12-01T10:00:00Z"}

    return {
        "schema": "mapbot.draft-map/1",
        "case": {"id": "c1", "reference": "REF-1", "child_name": "Tia"},
        "generated_at": "2026-12-01T11:00:00Z",
        "respondents": people,
        "items": [
            item("i1", "mum", "She reads every night") | {
                "original_text": "She reads every night, when he isn't drunk"},
            item("i2", "mum", "I worry when he drinks", private=True, section="worries"),
            item("i3", "mum", "Still to look at", status="draft"),
            item("i4", "nan", "I take her to school"),
            item("i5", "tia", "my cat", house="good_things"),
            item("i6", "nan", "Rejected words", status="rejected"),
        ],
        "scales": [
            {"respondent_id": "mum", "question": "Q", "value": 6, "why": "we try",
             "one_point_higher": None, "private": False},
            {"respondent_id": "nan", "question": "Q", "value": 3, "why": "the drink",
             "one_point_higher": None, "private": True},
            {"respondent_id": "tia", "question": "How safe", "value": 2, "why": None,
             "one_point_higher": "no shouting", "private": False},
        ],
        "network": [{"respondent_id": "tia", "name": "Nan", "relationship": None,
                     "how_they_help": None, "private": False}],
        "flags": [{"id": "f1", "kind": "safeguarding", "category": "hurting_now",
                   "level": "immediate", "respondent_id": "tia", "text": "dad hits me",
                   "created_at": "2026-12-01T10:00:00Z", "acknowledged_by": None,
                   "acknowledged_at": None}],
    }


def test_only_accepted_shareable_adult_words_and_no_flags() -> None:
    copy = family_copy(_draft())
    assert [item["id"] for item in copy["items"]] == ["i1", "i4"]
    # The words as the worker left them: an edit may have taken something out.
    assert copy["items"][0]["original_text"] == "She reads every night"
    assert copy["flags"] == []
    # The number, never the reasons nobody reviewed; Nan's is private.
    assert [(s["value"], s["why"], s["one_point_higher"]) for s in copy["scales"]] == [
        (6, None, None)]
    assert copy["network"] == []  # named by the child
    assert copy["copy"] == "family"


def test_people_are_named_only_where_they_agreed() -> None:
    copy = family_copy(_draft())
    assert [(p["id"], p["name"], p["role"]) for p in copy["respondents"]] == [
        ("mum", "Jo", "parent"), ("nan", "Someone in the family network", None)]


def test_the_full_map_is_left_as_it_was() -> None:
    draft = _draft()
    family_copy(draft)
    assert len(draft["items"]) == 6 and draft["flags"] and len(draft["respondents"]) == 3


def test_word_and_print_of_the_family_copy_follow_the_same_rule() -> None:
    view = arrange(_draft(), "family")
    shown = [item["text"] for column in view.columns for part in column.parts
             for item in part.items]
    assert sorted(shown) == ["I take her to school", "She reads every night"]
    assert view.flags == [] and not any(house.items for house in view.houses)
    speakers = {item["speaker"] for item in view.items}
    assert speakers == {"Jo (parent)", "Someone in the family network"}
    import io

    from docx import Document
    document = Document(io.BytesIO(word(arrange(_draft(), "family"))))
    words = "\n".join([p.text for p in document.paragraphs] + [
        c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "She reads every night" in words and "I worry when he drinks" not in words
    assert "dad hits me" not in words and "Safeguarding flags" not in words
    assert "my cat" not in words and "Pat" not in words
    assert "when he isn't drunk" not in words and "we try" not in words
    assert "The children's own words are not in this copy." in words


def test_the_version_asked_for() -> None:
    assert choice_from({}) == "draft"
    assert choice_from({"only": "accepted"}) == "accepted"
    assert choice_from({"copy": "family"}) == "family"
    assert choice_from({"copy": "family", "only": "accepted"}) == "family"
    assert choice_from({"copy": "family", "only": "draft"}) == "family"  # never drafts
    assert choice_from({"copy": "family", "only": "everything"}) is None
    assert choice_from({"copy": "everyone"}) is None
    assert choice_from({"only": "everything"}) is None
