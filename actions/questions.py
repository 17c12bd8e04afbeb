"""Which question feeds which part of the map, and the order they are asked in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.vocabulary import CHILD_AUDIENCES

# Slot values that mean "asked, and deliberately left without an answer".
SKIPPED = "__skipped__"
DONE = "__done__"  # "no more" for the "anything else for this house?" questions


@dataclass(frozen=True)
class Question:
    kind: str  # how the portal files it: item, network, network_how, scale, ...
    section: str | None = None
    category: str | None = None
    house: str | None = None
    repeats: bool = False  # asked again until the person says there is no more


QUESTIONS: dict[str, Question] = {
    "like_child": Question("item", "working_well", "strength"),
    "going_well": Question("item", "working_well", "strength"),
    "before_problem": Question("item", "working_well", "strength"),
    "near_miss": Question("item", "working_well", "safety"),
    "child_would_say": Question("item", "working_well", "strength"),
    "worried_about": Question("item", "worries"),
    "worker_worried": Question("item", "worries"),
    "harder": Question("item", "worries", "complicating"),
    "helpers": Question("network"),
    "how_help": Question("network_how"),
    "safe_needs": Question("item", "needs", "goal"),
    "first_sign": Question("item", "needs", "goal"),
    "scale": Question("scale"),
    "scale_why": Question("scale_why"),
    "scale_higher": Question("scale_higher"),
    "first_house": Question("choice"),
    "good_life": Question("item", house="good_things", category="strength"),
    "good_people": Question("item", house="good_things", category="strength"),
    "good_doing": Question("item", house="good_things", category="strength"),
    "good_more": Question("item", house="good_things", category="strength", repeats=True),
    "worries_what": Question("item", house="worries"),
    "worries_feelings": Question("item", house="worries"),
    "worries_more": Question("item", house="worries", repeats=True),
    "dreams_life": Question("item", house="dreams", category="goal"),
    "dreams_wish": Question("item", house="dreams", category="goal"),
    "dreams_more": Question("item", house="dreams", category="goal", repeats=True),
    "trusted_adults": Question("network"),
}

ADULT_FORM = "adult_form"
CHILD_FORM = "child_form"
EDIT_FORM = "edit_form"
ADULT_ORDER = [
    "like_child", "going_well", "before_problem", "near_miss", "child_would_say",
    "worried_about", "worker_worried", "harder", "helpers", "how_help", "safe_needs",
    "first_sign", "scale", "scale_why", "scale_higher",
]
HOUSE_SLOTS = {
    "good_things": ["good_life", "good_people", "good_doing", "good_more"],
    "worries": ["worries_what", "worries_feelings", "worries_more"],
    "dreams": ["dreams_life", "dreams_wish", "dreams_more"],
}
HOUSE_ORDER = ["good_things", "worries", "dreams"]
CHILD_TAIL = ["trusted_adults", "scale", "scale_higher"]
# Questions that make no sense once an earlier answer was left out.
FOLLOW_UPS = {"helpers": ["how_help"], "scale": ["scale_why", "scale_higher"]}


def child_order(first_house: str | None) -> list[str]:
    """The child's chosen house first, then the others in their usual order."""
    start = HOUSE_ORDER.index(first_house) if first_house in HOUSE_ORDER else 0
    houses = HOUSE_ORDER[start:] + HOUSE_ORDER[:start]
    return ["first_house", *(slot for house in houses for slot in HOUSE_SLOTS[house]),
            *CHILD_TAIL]


def form_for(audience: str | None) -> str:
    return CHILD_FORM if audience in CHILD_AUDIENCES else ADULT_FORM


def answer_key(slot: str, repeat: int) -> str:
    """Each answer to a repeated question is stored under its own key."""
    return f"{slot}_{repeat}" if QUESTIONS[slot].repeats else slot


def question_for_key(key: str) -> Question:
    """The question an answer key belongs to ("good_more_2" -> good_more)."""
    if key in QUESTIONS:
        return QUESTIONS[key]
    return QUESTIONS[key.rsplit("_", 1)[0]]
