"""Which question feeds which part of the map, and the order they are asked in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import with_you
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
    "child_would_say": Question("item", "working_well", "strength"),
    "worried_about": Question("item", "worries"),
    "worker_worried": Question("item", "worries"),
    "future_danger": Question("item", "worries", "danger"),
    # Asked after the worries, about them: safety is what protected the child then. Not
    # every answer is safety: the parts model's sure reading wins, and "safety" stands
    # only where the columns model reads the words as working well (actions/routing.py).
    "near_miss": Question("item", "working_well", "safety"),
    "harder": Question("item", "worries", "complicating"),
    "helpers": Question("network"),
    "how_help": Question("network_how"),
    "safe_needs": Question("item", "needs", "goal"),
    "first_sign": Question("item", "needs", "goal"),
    # Carers (kinship and foster): the child lives with them.
    "settled": Question("item", "working_well", "strength"),
    "family_contact": Question("item", "working_well"),
    # Family and friends.
    "seen_well": Question("item", "working_well", "strength"),
    "know_worries": Question("item", "worries"),
    "could_do": Question("item", "needs", "next_step"),
    "call_first": Question("network"),
    # Professionals: what they see, and what their service can offer.
    "what_you_see": Question("item", "working_well"),
    "attendance_health": Question("item", "worries"),
    "service_offer": Question("item", "needs", "next_step"),
    "scale": Question("scale"),
    "scale_why": Question("scale_why"),
    "scale_higher": Question("scale_higher"),
    # The same 0-10 for every adult, so numbers from different people sit side by side.
    "common_scale": Question("scale"),
    "first_house": Question("choice"),
    "good_life": Question("item", house="good_things", category="strength"),
    "good_people": Question("item", house="good_things", category="strength"),
    "good_doing": Question("item", house="good_things", category="strength"),
    "good_more": Question("item", house="good_things", category="strength", repeats=True),
    "worries_what": Question("item", house="worries"),
    "worries_feelings": Question("item", house="worries"),
    "worries_more": Question("item", house="worries", repeats=True),
    # "Are you OK to carry on?" after the house of worries: asked, never stored.
    "check_in": Question("check_in"),
    # Dreams are the child's own wishes, not safety goals: never sorted as "goal".
    "dreams_life": Question("item", house="dreams"),
    "dreams_wish": Question("item", house="dreams"),
    "dreams_more": Question("item", house="dreams", repeats=True),
    "trusted_adults": Question("network"),
    # "Was anyone with you while you answered?": beside the map for the worker, never
    # an item, never in the family's copy (bot/core/with_you.py).
    with_you.KEY: Question(with_you.KEY),
    # "Was this easy to do?": for the service to learn from, never on the map.
    "ease": Question("feedback"),
    "ease_comment": Question("feedback"),
}
SCALE_SLOTS = ("scale", "common_scale")
FEEDBACK_KIND = "feedback"
WITH_YOU_KIND = with_you.KEY

ADULT_FORM = "adult_form"
CHILD_FORM = "child_form"
EDIT_FORM = "edit_form"
_OWN_SCALE = ["scale", "scale_why", "scale_higher"]
LAST = [with_you.KEY, "ease", "ease_comment"]
# Each adult question set (bot/core/vocabulary.py QUESTION_SETS), in the order asked.
QUESTION_SETS: dict[str, list[str]] = {
    "parent": [
        "like_child", "going_well", "before_problem", "child_would_say", "worried_about",
        "worker_worried", "future_danger", "near_miss", "harder", "helpers", "how_help",
        "safe_needs", "first_sign", *_OWN_SCALE, "common_scale", *LAST],
    "carer": [
        "like_child", "settled", "child_would_say", "worried_about", "worker_worried",
        "future_danger", "family_contact", "harder", "helpers", "how_help", "safe_needs",
        "first_sign", *_OWN_SCALE, "common_scale", *LAST],
    "network": [
        "like_child", "seen_well", "know_worries", "future_danger", "could_do",
        "call_first", "safe_needs", *_OWN_SCALE, "common_scale", *LAST],
    "professional": [
        "what_you_see", "attendance_health", "worried_about", "going_well",
        "future_danger", "service_offer", "safe_needs", *_OWN_SCALE, "common_scale", *LAST],
}
# Every slot the adult form may ask (domain.yml's adult_form lists them in this order).
ADULT_SLOTS = list(dict.fromkeys(slot for order in QUESTION_SETS.values() for slot in order))
HOUSE_SLOTS = {
    "good_things": ["good_life", "good_people", "good_doing", "good_more"],
    "worries": ["worries_what", "worries_feelings", "worries_more", "check_in"],
    "dreams": ["dreams_life", "dreams_wish", "dreams_more"],
}
HOUSE_ORDER = ["good_things", "worries", "dreams"]
CHILD_TAIL = ["trusted_adults", *_OWN_SCALE, *LAST]
# Questions that make no sense once an earlier answer was left out.
FOLLOW_UPS = {"helpers": ["how_help"], "scale": ["scale_why", "scale_higher"],
              "ease": ["ease_comment"]}


def adult_order(question_set: str | None) -> list[str]:
    """The questions of one adult set; the parent's where the set is unknown."""
    return QUESTION_SETS.get(question_set or "", QUESTION_SETS["parent"])


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
