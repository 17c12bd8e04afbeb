"""The conversation around the questions: welcome, review, changes, sending, recovery."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.conversation import Person, person, utter
from actions.portal import PortalError, portal
from actions.questions import FEEDBACK_KIND, SKIPPED, WITH_YOU_KIND, form_for
from bot.core.vocabulary import audience_for, question_set_for

TITLE_CHARS = 40


class ActionWelcome(Action):
    def name(self) -> str:
        return "action_welcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        try:
            found = await portal.conversation(tracker.sender_id)
        except PortalError:
            utter(dispatcher, person(tracker), "not_saved")
            return []
        question_set = question_set_for(found["role"], found.get("questions"))
        who = Person(question_set or found["role"], audience_for(found["role"]),
                     {"name": found["name"], "child_name": found["child_name"]},
                     found.get("easy_read") is True)
        utter(dispatcher, who, "welcome")
        utter(dispatcher, who, "ready")
        events = [SlotSet("role", found["role"]), SlotSet("question_set", question_set),
                  SlotSet("audience", who.audience), SlotSet("easy_read", who.easy_read),
                  SlotSet("name", found["name"]), SlotSet("child_name", found["child_name"])]
        if tracker.get_slot("stage") is None:  # a repeated start must not undo progress
            events.append(SlotSet("stage", "welcomed"))
        return events


class ActionStartMapping(Action):
    def name(self) -> str:
        return "action_start_mapping"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        return [SlotSet("stage", "mapping")]


def _group_key(answer: dict) -> str:
    if answer["house"]:
        return "house_worries" if answer["house"] == "worries" else answer["house"]
    if answer["kind"] in ("network", "network_how"):
        return "people"
    if answer["kind"].startswith("scale"):
        return "scale"
    return answer["section"]


GROUP_ORDER = ["working_well", "worries", "needs", "good_things", "house_worries", "dreams",
               "people", "scale"]


def read_back(answers: list[dict], audience: str | None = None) -> list[str]:
    """The answers under their headings, each exactly as the person wrote it."""
    groups: dict[str, list[str]] = {}
    for answer in shown(answers):
        line = f"• {answer['text']}"
        if answer["kind"] == "scale" and answer["text"].strip() != str(answer["value"]):
            line += f" ({answer['value']})"  # the number as understood
        if answer.get("private"):
            line += f" {texts.heading('private_mark', audience)}"
        groups.setdefault(_group_key(answer), []).append(line)
    return [f"{texts.heading(key, audience)}\n" + "\n".join(groups[key])
            for key in GROUP_ORDER if key in groups]


def shown(answers: list[dict]) -> list[dict]:
    """The answers a person reads back and may change: not "Was this easy to do?", nor
    "Was anyone with you?" (for the worker, beside the map)."""
    return [answer for answer in answers
            if answer["kind"] not in (FEEDBACK_KIND, WITH_YOU_KIND)]


class ActionReview(Action):
    def name(self) -> str:
        return "action_review"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        who = person(tracker)
        try:
            answers = await portal.answers(tracker.sender_id)
        except PortalError:
            utter(dispatcher, who, "not_saved")
            return [SlotSet("stage", "review")]
        if shown(answers):
            utter(dispatcher, who, "review_intro")
            for block in read_back(answers, who.audience):
                dispatcher.utter_message(text=block)
        else:
            utter(dispatcher, who, "review_empty")
        utter(dispatcher, who, "review_question")
        return [SlotSet("stage", "review"), SlotSet("edit_target", None),
                SlotSet("new_text", None), SlotSet("simpler", False)]


class ActionSubmit(Action):
    def name(self) -> str:
        return "action_submit"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        who = person(tracker)
        try:
            await portal.submit(tracker.sender_id)
        except PortalError:
            utter(dispatcher, who, "not_saved")
            return []
        text, _ = texts.say("submitted", who.role, who.audience, who.values, who.easy_read)
        dispatcher.utter_message(text=text, json_message={"status": "submitted"})
        return [SlotSet("stage", "submitted")]


class ActionListAnswers(Action):
    """Offers each stored answer as a button, to change or to remove it."""

    def name(self) -> str:
        return "action_list_answers"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        who = person(tracker)
        removing = (tracker.latest_message.get("intent") or {}).get("name") == "remove"
        try:
            answers = shown(await portal.answers(tracker.sender_id))
        except PortalError:
            utter(dispatcher, who, "not_saved")
            return []
        if not answers:
            utter(dispatcher, who, "nothing_to_pick")
            utter(dispatcher, who, "review_question")
            return []
        intent = "remove_answer" if removing else "change_answer"
        choices = [{"title": _title(answer["text"]),
                    "payload": f'/{intent}{{"answer_key": "{answer["key"]}"}}'}
                   for answer in answers]
        text, _ = texts.say("pick_to_remove" if removing else "pick_to_change",
                            who.role, who.audience, who.values, who.easy_read)
        dispatcher.utter_message(text=text, buttons=[*choices, texts.button("back")])
        return []


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _picked_key(tracker: Tracker) -> str | None:
    return next(tracker.get_latest_entity_values("answer_key"), None)


class ActionStartEdit(Action):
    def name(self) -> str:
        return "action_start_edit"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        key, who = _picked_key(tracker), person(tracker)
        try:
            stored = {a["key"]: a for a in await portal.answers(tracker.sender_id)}.get(key)
        except PortalError:
            utter(dispatcher, who, "not_saved")
            return [SlotSet("new_text", SKIPPED)]  # back to the review
        if stored is None:
            utter(dispatcher, who, "not_found_answer")
            return [SlotSet("new_text", SKIPPED)]  # the edit form ends at once
        return [SlotSet("edit_target", key), SlotSet("old_text", stored["text"]),
                SlotSet("new_text", None), SlotSet("last_asked", None)]


class ActionRemoveAnswer(Action):
    def name(self) -> str:
        return "action_remove_answer"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        who = person(tracker)
        try:
            removed = await portal.remove(tracker.sender_id, _picked_key(tracker) or "")
        except PortalError:
            utter(dispatcher, who, "not_saved")
            return []
        utter(dispatcher, who, "removed" if removed else "not_found_answer")
        return []


class ActionRecover(Action):
    """The fallback: whatever happened, carry on from where the person is."""

    def name(self) -> str:
        return "action_recover"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        stage, who = tracker.get_slot("stage"), person(tracker)
        if stage is None:
            return [FollowupAction("action_welcome")]
        if stage == "mapping":
            utter(dispatcher, who, "resume")
            return [FollowupAction(form_for(tracker.get_slot("audience")))]
        if stage == "review":
            return [FollowupAction("action_review")]
        utter(dispatcher, who, {"welcomed": "ready", "submitted": "already_sent"}[stage])
        return [FollowupAction("action_listen")]


class SayAction(Action, ABC):
    """Says one text from texts.yml; one subclass per text that rules use (below)."""

    key = ""

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        utter(dispatcher, person(tracker), self.key)
        return []


SAY_KEYS = ["ready", "explain_ready", "not_ready", "confirm_stop", "stopped", "stopped_review",
            "resume", "review_choices", "already_sent"]


def _say_action(key: str) -> type[SayAction]:
    action_name = f"action_say_{key}"
    return type(f"Say_{key}", (SayAction,), {"key": key, "name": lambda self: action_name})


SAY_ACTIONS = [_say_action(key) for key in SAY_KEYS]
