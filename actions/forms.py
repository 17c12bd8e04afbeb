"""The question forms: how each question is asked, and how each reply is understood.

Each answer goes to the portal the moment it is understood, so nothing waits for the
end of the conversation; the portal stores it once however often it is sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies, texts
from actions.conversation import Person, person, rasa_text, said, utter
from actions.portal import PortalError, portal
from actions.questions import (
    DONE,
    FOLLOW_UPS,
    HOUSE_ORDER,
    QUESTIONS,
    SCALE_SLOTS,
    SKIPPED,
    Question,
    adult_order,
    answer_key,
    child_order,
    question_for_key,
)
from actions.routing import one_meaning, route
from bot.core import with_you
from bot.core.understanding.people import is_nobody
from bot.core.understanding.scale import parse_scale
from bot.core.understanding.splitting import answer_parts

_REPLIES = {replies.CHITCHAT: "not_a_person", replies.GREET: "hello_again",
            replies.THANKS: "thanks_reply", replies.STRAY: "stray_button"}
# Follow-ups worded differently at the ends of the scale (nothing is lower than 0).
EDGE_WORDING: dict[tuple[str, object], str] = {("scale_higher", 10): "ask_top",
                                               ("scale_why", 0): "ask_bottom"}
_HOUSE_WORDS = {"good": "good_things", "worr": "worries", "dream": "dreams", "wish": "dreams"}


def question_asked(slot: str, who: Person) -> str | None:
    """The question as the person saw it, stored beside their answer."""
    ask = texts.question(slot, "ask", who.role, who.audience, who.values, who.easy_read)
    intro = texts.question(slot, "intro", who.role, who.audience, who.values, who.easy_read)
    return f"{intro} {ask}" if slot in SCALE_SLOTS and intro else ask


# Asking ---------------------------------------------------------------------------------

class AskQuestion(Action, ABC):
    """Asks one question; one subclass per question slot (below)."""

    slot = ""

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        who = person(tracker)
        simpler = bool(tracker.get_slot("simpler"))
        first_time = tracker.get_slot("last_asked") != self.slot
        intro = texts.question(self.slot, "intro", who.role, who.audience, who.values,
                               who.easy_read)
        if intro and first_time and not simpler:
            dispatcher.utter_message(text=intro)
        # `simpler`: asked again after "I don't understand" (counted in the managers' figures).
        dispatcher.utter_message(text=self._wording(who, simpler), buttons=self._buttons(who),
                                 json_message=self._progress(tracker)
                                 | ({"simpler": True} if simpler else {}))
        # Only what changes: every event is stored and read again on every later turn.
        return ([SlotSet("simpler", False)] if simpler else []) + (
            [SlotSet("last_asked", self.slot)] if first_time else [])

    def _wording(self, who: Person, simpler: bool) -> str | None:
        part = "explain" if simpler else "ask"
        if not simpler:
            part = EDGE_WORDING.get((self.slot, who.values.get("scale_value")), part)
        return texts.question(self.slot, part, who.role, who.audience, who.values,
                              who.easy_read)

    def _buttons(self, who: Person) -> list[texts.Button]:
        stop = texts.button("stop")
        if self.slot in SCALE_SLOTS:
            return [*texts.scale_buttons(who.audience), texts.button("skip"), stop]
        if self.slot in ("ease", with_you.KEY):
            return [*texts.choice_buttons(self.slot, who.role, who.audience), stop]
        if self.slot == "check_in":  # its own "I want a break" stops
            return texts.choice_buttons("check_in", who.role, who.audience)
        if self.slot == "first_house":
            return [*texts.house_buttons(), stop]
        if self.slot == "new_text":
            return [texts.button("keep"), stop]
        if QUESTIONS[self.slot].repeats:
            return [texts.button("no_more"), stop]
        return [texts.button("skip"), stop]

    def _progress(self, tracker: Tracker) -> dict[str, Any]:
        custom: dict[str, Any] = {"question": self.slot}
        order = (adult_order(tracker.get_slot("question_set"))
                 if tracker.get_slot("audience") == "adult"
                 else child_order(tracker.get_slot("first_house")))
        if self.slot in order:
            custom["progress"] = {"step": order.index(self.slot) + 1, "of": len(order)}
        if QUESTIONS.get(self.slot) and QUESTIONS[self.slot].house:
            custom["house"] = QUESTIONS[self.slot].house
        return custom


def _ask_action(slot: str) -> type[AskQuestion]:
    action_name = f"action_ask_{slot}"
    return type(f"Ask_{slot}", (AskQuestion,), {"slot": slot, "name": lambda self: action_name})


ASK_ACTIONS = [_ask_action(slot) for slot in [*QUESTIONS, "new_text"]]


# Understanding replies --------------------------------------------------------------------

async def check_reply(slot: str, value: Any, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
    if slot == with_you.KEY:  # answered by its buttons' payloads, never by words
        return await _check_with_you(value, dispatcher, tracker)
    if value in (SKIPPED, DONE) or value != rasa_text(tracker):
        return {slot: value}  # understood on an earlier turn (re-checked when a form resumes)
    who, question = person(tracker), QUESTIONS[slot]
    if slot == "check_in":
        return _check_in(dispatcher, tracker, who)
    if slot == "ease" and ease_value(said(tracker).text) is not None:
        return await _store_answer(slot, said(tracker).text, dispatcher, tracker, who)
    if slot in SCALE_SLOTS and parse_scale(said(tracker).text).value is not None:
        # A number is an answer to the number question, whatever the NLU thought.
        return await _store_answer(slot, said(tracker).text, dispatcher, tracker, who)
    if question.kind == "network" and is_nobody(said(tracker).text):
        # "Nobody really" matters to a social worker: keep it, skip "how do they help?".
        return await _store_answer(slot, said(tracker).text, dispatcher, tracker, who) | {
            follow: SKIPPED for follow in FOLLOW_UPS.get(slot, [])}
    kind = replies.classify(said(tracker), repeats=question.repeats)
    if kind in (replies.SKIP, replies.NO_ANSWER):
        # `skipped`: the question left without an answer, for the managers' figures.
        utter(dispatcher, who, "skipped" if kind == replies.SKIP else "no_answer",
              custom={"skipped": slot})
        return {slot: SKIPPED, "repeat": 0} | {
            follow: SKIPPED for follow in FOLLOW_UPS.get(slot, [])}
    if kind == replies.NO_MORE:
        return {slot: DONE, "repeat": 0}
    if kind == replies.EXPLAIN:
        return {slot: None, "simpler": True}
    if kind in _REPLIES:
        utter(dispatcher, who, _REPLIES[kind])
        return {slot: None}
    if slot == "ease":  # words that are not one of its buttons: asked again, kindly
        utter(dispatcher, who, "ease_reask")
        return {slot: None}
    return await _store_answer(slot, said(tracker).text, dispatcher, tracker, who)


# "Was this easy to do?": each button's words, and the number the managers' figures count.
_EASE_WORDS = {2: ("easy", "yes"), 1: ("partly", "a bit", "bit", "some", "ok", "okay"),
               0: ("hard", "no", "difficult")}


def ease_value(text: str) -> int | None:
    """2 easy, 1 partly, 0 hard, from a button's title or a few typed words; else None."""
    words = " ".join(text.lower().replace(",", " ").replace(".", " ").split())
    if len(words.split()) > 4 or " not " in f" {words} ":
        return None
    found = {value for value, keys in _EASE_WORDS.items()
             if any(f" {key} " in f" {words} " for key in keys)}
    return found.pop() if len(found) == 1 else None


async def _check_with_you(value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker) -> dict[str, Any]:
    """"Was anyone with you?": one of its buttons is stored as the worker's words for it;
    skip skips; typed words are asked again (the portal has read them for safeguarding)."""
    slot = with_you.KEY
    if value == SKIPPED or (with_you.code_of(value) and value != rasa_text(tracker)):
        return {slot: value}  # understood on an earlier turn
    who = person(tracker)
    code = next(tracker.get_latest_entity_values(slot), None)
    if said(tracker).intent == slot and code in with_you.CODES:
        return await _store_answer(slot, with_you.label(code) or "", dispatcher, tracker, who)
    kind = replies.classify(said(tracker))
    if kind in (replies.SKIP, replies.NO_ANSWER):
        utter(dispatcher, who, "skipped" if kind == replies.SKIP else "no_answer",
              custom={"skipped": slot})
        return {slot: SKIPPED}
    if kind == replies.EXPLAIN:
        return {slot: None, "simpler": True}
    utter(dispatcher, who, _REPLIES.get(kind, "ease_reask"))
    return {slot: None}


def _check_in(dispatcher: CollectingDispatcher, tracker: Tracker,
              who: Person) -> dict[str, Any]:
    """Any reply but "no" carries on; "no" is met kindly, with the way to take a break.
    Nothing is stored: whatever a child types is still read for safeguarding by the portal."""
    kind = replies.classify(said(tracker))
    if kind == replies.EXPLAIN:
        return {"check_in": None, "simpler": True}
    if said(tracker).intent == "deny" and len(said(tracker).text.split()) <= 4:
        utter(dispatcher, who, "check_in_break")
        return {"check_in": None}
    return {"check_in": DONE}


async def _store_answer(slot: str, text: str, dispatcher: CollectingDispatcher,
                        tracker: Tracker, who: Person) -> dict[str, Any]:
    question = QUESTIONS[slot]
    extra: dict[str, Any] = {}
    value = None
    if slot in SCALE_SLOTS:
        reading = parse_scale(text)
        if reading.problem:
            utter(dispatcher, who, "scale_reask")
            return {slot: None}
        value = reading.value
        if slot == "scale":  # its follow-ups say the number
            extra["scale_value"] = value
    if slot == "ease":  # stored as the button's title, whatever words chose it
        value = ease_value(text)
        if value is not None:
            text = texts.choice_buttons("ease", who.role, who.audience)[2 - value]["title"]
    repeat = int(tracker.get_slot("repeat") or 0) + 1
    answer: dict[str, Any] = {
        "kind": question.kind, "question": question_asked(slot, who), "text": text,
        "value": value, "section": question.section, "category": question.category,
        "house": question.house}
    try:
        if question.kind == "item":
            answer["parts"] = understood_parts(question, text)
        await portal.save(tracker.sender_id, answer_key(slot, repeat), answer)
    except PortalError:
        utter(dispatcher, who, "not_saved")
        return {slot: None}
    if question.repeats:
        return {slot: None, "repeat": repeat}  # asks "anything else?" again
    return {slot: text} | extra


def understood_parts(question: Question, text: str) -> list[dict]:
    """Each sentence or clause that says something, routed to its column by the columns
    model (`routing.route`), kept together as one item unless the parts stand apart
    (`routing.one_meaning`). A child's or young person's answer is never split: it is kept
    whole, in the house the child chose."""
    pieces = [text.strip()] if question.house else answer_parts(text)
    parts = [route(piece, question) for piece in pieces]
    if len(parts) > 1 and one_meaning(parts):
        parts = [route(_span(text, pieces), question)]
    return [part.as_json() for part in parts]


def _span(text: str, pieces: list[str]) -> str:
    """The person's exact words from the first piece to the last (pieces are in order)."""
    start = text.index(pieces[0])
    end = start
    for piece in pieces:
        end = text.index(piece, end) + len(piece)
    return text[start:end]


def _house_from(value: Any, text: str) -> str | None:
    if value in HOUSE_ORDER:
        return value
    lowered = text.lower()
    found = {house for word, house in _HOUSE_WORDS.items() if word in lowered}
    return found.pop() if len(found) == 1 else None


def _slot_validator(slot: str):
    async def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        return await check_reply(slot, value, dispatcher, tracker)

    validate.__name__ = f"validate_{slot}"
    return validate


class _QuestionForm(FormValidationAction):
    """Gives every question slot the shared `check_reply` as its validator."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for slot in QUESTIONS:
            if f"validate_{slot}" not in cls.__dict__:  # a form's own validator wins
                setattr(cls, f"validate_{slot}", _slot_validator(slot))

    @abstractmethod
    def name(self) -> str: ...


class ValidateAdultForm(_QuestionForm):
    def name(self) -> str:
        return "validate_adult_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return adult_order(tracker.get_slot("question_set"))


class ValidateChildForm(_QuestionForm):
    def name(self) -> str:
        return "validate_child_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return child_order(tracker.get_slot("first_house"))

    async def validate_first_house(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        house = _house_from(value, said(tracker).text)
        if house is None:
            kind = replies.classify(said(tracker))
            if kind == replies.EXPLAIN:
                return {"first_house": None, "simpler": True}
            utter(dispatcher, person(tracker), _REPLIES.get(kind, "house_reask"))
        return {"first_house": house}


class ValidateEditForm(FormValidationAction):
    def name(self) -> str:
        return "validate_edit_form"

    async def validate_new_text(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value == SKIPPED or value != rasa_text(tracker):
            return {"new_text": value}
        who = person(tracker)
        kind = replies.classify(said(tracker))
        if kind in (replies.SKIP, replies.NO_ANSWER):
            utter(dispatcher, who, "kept")
            return {"new_text": SKIPPED}
        if kind == replies.EXPLAIN:
            return {"new_text": None, "simpler": True}
        if kind in _REPLIES:
            utter(dispatcher, who, _REPLIES[kind])
            return {"new_text": None}
        return await _replace_answer(said(tracker).text, dispatcher, tracker, who)


async def _replace_answer(text: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                          who: Person) -> dict[str, Any]:
    key = tracker.get_slot("edit_target")
    try:
        stored = {a["key"]: a for a in await portal.answers(tracker.sender_id)}.get(key)
        if stored is None:
            utter(dispatcher, who, "not_found_answer")
            return {"new_text": SKIPPED}
        # "private" is the person's choice, kept by the portal across changes.
        value = stored["value"]
        changed = {k: v for k, v in stored.items() if k != "private"} | {"text": text}
        if stored["kind"] == "item":
            changed["parts"] = understood_parts(question_for_key(key), text)
        if stored["kind"] == "scale":
            reading = parse_scale(text)
            if reading.problem:
                utter(dispatcher, who, "scale_reask")
                return {"new_text": None}
            value = reading.value
        await portal.save(tracker.sender_id, key, changed | {"value": value})
    except PortalError:
        utter(dispatcher, who, "not_saved")
        return {"new_text": None}
    utter(dispatcher, who, "changed")
    return {"new_text": text}
