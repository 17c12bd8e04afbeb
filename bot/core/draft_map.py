"""Map logic: from a person's answers to the parts of the draft map.

Plain functions over plain values, so they can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import overload

from bot.core import network
from bot.core.understanding.splitting import split_answer
from bot.core.vocabulary import ITEM_STATUSES  # noqa: F401 - named here for the map's users

SCHEMA = "mapbot.draft-map/1"
SECTIONS = ("worries", "working_well", "needs")
CATEGORIES = ("harm", "danger", "complicating", "strength", "safety", "goal", "next_step")
HOUSES = ("worries", "good_things", "dreams")
HOUSE_SECTIONS = {"good_things": "working_well", "worries": "worries", "dreams": "needs"}
ANSWER_KINDS = ("item", "network", "network_how", "scale", "scale_why", "scale_higher",
                "feedback", "with_you")
# "Was this easy to do?" and its comment: for the managers' figures, never on the map.
FEEDBACK = "feedback"
# "Was anyone with you while you answered?" (bot/core/with_you.py): for the worker,
# beside the person on the map; never an item, never in the family's copy.
WITH_YOU = "with_you"
# The safety scale every person is asked in the same words (so their numbers can be set
# side by side), apart from each role's own scale question ("scale"). Its follow-ups are
# "common_scale_why" and "common_scale_higher", as "scale_why" follows "scale".
COMMON_SCALE_KEY = "common_scale"
SCALE_FOLLOW_UPS = {"scale_why": "_why", "scale_higher": "_higher"}


@dataclass(frozen=True)
class ItemDraft:
    section: str
    category: str | None
    house: str | None
    text: str
    question: str
    confidence: float
    # The question's column, where MapBot moved an adult's words away from it (shown on
    # the board as "Moved from ..."); internal, not in the contract's JSON.
    moved_from: str | None = None
    # A column a child's words suggest (never applied by itself: the worker decides).
    suggested_section: str | None = None


@dataclass(frozen=True)
class AnswerView:
    """What the map needs of one stored answer."""

    respondent_id: str
    question_key: str
    kind: str
    question: str
    text: str
    value: int | None
    private: bool = False


def items_from_answer(
    text: str, question: str, section: str | None, category: str | None, house: str | None,
    parts: list[dict] | None = None,
) -> list[ItemDraft]:
    """One item per sentence or clause, each in the person's exact words.

    `parts` are the assistant's reading of the answer: each part's words and the
    section the NLU sorted it into, with its confidence. Without them (an answer
    written before routing, or the NLU unavailable), the answer is split here and
    every part stays under the question's section. A child's answer (one with a house)
    is never split, and its section follows the house.
    """
    if parts:
        return [ItemDraft(HOUSE_SECTIONS[house] if house else p["section"], p.get("category"),
                          house or p.get("house"), p["text"], question,
                          float(p.get("confidence", 1.0)),
                          None if house else p.get("moved_from"),
                          p.get("suggested_section"))
                for p in parts]
    if house:
        section = HOUSE_SECTIONS[house]
    if section is None:  # every item question has a section or a house
        raise ValueError(f"an item answer to {question!r} with neither section nor house")
    pieces = [text.strip()] if house else split_answer(text)
    return [ItemDraft(section, category, house, part, question, 1.0) for part in pieces]


def parts_problem(text: str, parts: object) -> str | None:
    """Why `parts` cannot be trusted to be this answer's own words, if they can't."""
    if parts is None:
        return None
    if not isinstance(parts, list) or not parts:
        return "parts must be a non-empty list"
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            return "each part needs its text"
        if not part["text"].strip() or part["text"] not in text:
            return "each part must be the person's own words, exactly"
        if part.get("section") not in SECTIONS or part.get("category") not in (*CATEGORIES, None):
            return "each part needs a valid section and category"
        if part.get("house") not in (*HOUSES, None):
            return "invalid house"
        for field in ("moved_from", "suggested_section"):
            if part.get(field) not in (*SECTIONS, None):
                return f"{field} must be a section or null"
        confidence = part.get("confidence", 1.0)
        if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            return "confidence must be between 0 and 1"
    return None


def scale_key(answer: AnswerView) -> str:
    """The scale question an answer of a scale kind belongs to ("scale" or "common_scale")."""
    return answer.question_key.removesuffix(SCALE_FOLLOW_UPS.get(answer.kind, ""))


def scales_from_answers(answers: Iterable[AnswerView]) -> list[dict]:
    """One entry a person and scale question; `common` marks the common safety scale."""
    by_person: dict[tuple[str, str], dict[str, AnswerView]] = {}
    for answer in answers:
        if answer.kind in ("scale", "scale_why", "scale_higher"):
            by_person.setdefault((answer.respondent_id, scale_key(answer)),
                                 {})[answer.kind] = answer
    scales = []
    for (respondent_id, key), parts in by_person.items():
        scale = parts.get("scale")
        if scale is None or scale.value is None:
            continue  # a skipped scale has no number to show
        why, higher = parts.get("scale_why"), parts.get("scale_higher")
        scales.append(
            {
                "respondent_id": respondent_id,
                "question": scale.question,
                "value": scale.value,
                "why": why.text if why else None,
                "one_point_higher": higher.text if higher else None,
                "private": any(part.private for part in parts.values()),
                "common": key == COMMON_SCALE_KEY,
            }
        )
    return scales


def with_you_by_person(answers: Iterable[AnswerView]) -> dict[str, str]:
    """Each person's answer to "Was anyone with you while you answered?", in the
    worker's words (bot/core/with_you.py), by respondent id."""
    return {answer.respondent_id: answer.text for answer in answers
            if answer.kind == WITH_YOU}


# The children's question about the adults they trust (actions/questions.py).
TRUSTED_ADULTS_KEY = "trusted_adults"


def trusted_words_by_person(answers: Iterable[AnswerView]) -> dict[str, str]:
    """Each child's whole answer to "Which grown-ups do you trust?", as they gave it:
    "Nobody", "I don't trust any grown-ups" or "my nan but not when dad is there" say
    more than the names that can be taken out of them."""
    return {answer.respondent_id: answer.text for answer in answers
            if answer.question_key == TRUSTED_ADULTS_KEY and answer.kind == "network"}


def network_from_answers(answers: Iterable[AnswerView],
                         roles: Mapping[str, str | None] | None = None) -> list[dict]:
    """One entry per person named, however many respondents named them (bot/core/
    network.py); `roles`: respondent id -> role, in the order they were invited."""
    return network.network(answers, roles)


# Kept beside the contract's fields for the family's copy (bot/core/family_copy.py), and
# taken off before the map leaves MapBot as JSON, so the contract stays exact.
# Fields the screens and exports use but the contract's JSON does not hold ("with_you":
# "Was anyone with you while you answered?", on the worker's board, print and Word;
# a network entry's "named_by": everyone who named the person, with their own words).
INTERNAL_FIELDS = {"respondents": ("named_in_family_copy", "with_you", "trusted_words"),
                   "items": ("moved_from",),
                   "scales": ("private", "common"),
                   "network": ("private", "named_by"), "flags": ("language",)}
HISTORY_FIELDS = ("round", "respondent_id", "role", "name", "value")


def public_item(item: dict) -> dict:
    """One item as the contract shows it."""
    return {name: value for name, value in item.items() if name not in INTERNAL_FIELDS["items"]}


def public(draft: dict) -> dict:
    """The map as the contract shows it (`mapbot.draft-map/1`)."""
    shown = draft | {key: [{name: value for name, value in entry.items()
                            if name not in fields} for entry in draft[key]]
                     for key, fields in INTERNAL_FIELDS.items()}
    shown.pop("worker_part", None)  # the analysis, for the Word and print exports
    if "history" in draft:
        shown["history"] = {"scales": [{name: entry[name] for name in HISTORY_FIELDS}
                                       for entry in draft["history"]["scales"]]}
    return shown


def _text(answer: AnswerView | None) -> str | None:
    return answer.text if answer else None


@overload
def iso(moment: datetime) -> str: ...
@overload
def iso(moment: None) -> None: ...
@overload
def iso(moment: datetime | None) -> str | None: ...
def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; SQLite hands back naive datetimes, which are UTC here."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"
