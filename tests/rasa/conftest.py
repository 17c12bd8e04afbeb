"""Shared helpers for the action unit tests (run in `.venv-rasa`).

Trackers are built directly (`rasa_sdk.Tracker`), the domain is the real `domain.yml`,
and the portal client is replaced by an in-memory fake that behaves like the portal's
internal endpoint (`bot/portal/internal.py` + `bot/services/store.py`): `save` is an upsert by
key that validates the body like the endpoint does, `remove` says whether the answer
existed, and a conversation is closed for writes once it is submitted.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import portal as portal_module
from actions import texts
from actions.portal import Portal, PortalError
from bot.core.draft_map import ANSWER_KINDS, CATEGORIES, HOUSES, SECTIONS, parts_problem
from bot.core.vocabulary import question_set_for
from bot.portal.rasa_client import clean_text

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILE = ROOT / "domain.yml"

CONVERSATION = "conv-0001"
NAME = "Sam"
CHILD_NAME = "Ellie"

# who -> (role, audience), as the portal and action_welcome set them.
PEOPLE: dict[str, tuple[str, str]] = {
    "parent": ("parent", "adult"),
    "carer": ("carer", "adult"),
    "network": ("network", "adult"),
    "professional": ("professional", "adult"),
    "child": ("child", "child"),
    "young_person": ("young_person", "young_person"),
}
ADULTS = ("parent", "carer", "network", "professional")
CHILDREN = ("child", "young_person")

PORTAL_METHODS = ("conversation", "answers", "save", "remove", "submit")
PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
BUILTIN_SLOTS = {"requested_slot"}
BUILTIN_ACTIONS = {"action_listen", "action_deactivate_loop", "action_restart"}


# The domain ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _domain_file() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def load_domain() -> dict[str, Any]:
    return copy.deepcopy(_domain_file())


def action_names(domain: dict[str, Any]) -> list[str]:
    """The actions domain.yml lists, by name (some carry options: `- name: {...}`)."""
    return [next(iter(entry)) if isinstance(entry, dict) else entry
            for entry in domain["actions"]]


@pytest.fixture
def domain() -> dict[str, Any]:
    return load_domain()


# Trackers -----------------------------------------------------------------------------

_UNSET: Any = object()


def make_tracker(
    *,
    who: str = "parent",
    text: str | None = "hello",
    metadata_text: Any = _UNSET,
    intent: str | None = "inform_strength",
    confidence: float = 0.95,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    set_after: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender_id: str = CONVERSATION,
    latest_message: Any = _UNSET,
) -> Tracker:
    """A tracker whose latest event is the user's message `text`.

    `metadata_text` is what the portal puts in the message metadata (the person's exact
    words); it defaults to `text`; `None` leaves the metadata out. `set_after` adds `slot`
    events after the user message, as Rasa's FormAction does for slot candidates, so
    `tracker.slots_to_validate()` sees them (and puts the values into `slots`).
    """
    role, audience = PEOPLE[who]
    all_slots: dict[str, Any] = {name: None for name in load_domain()["slots"]}
    all_slots.update(requested_slot=None, role=role, audience=audience, name=NAME,
                     child_name=CHILD_NAME, question_set=role if audience == "adult" else None)
    all_slots.update(slots or {})
    if latest_message is _UNSET:
        meta_text = text if metadata_text is _UNSET else metadata_text
        latest_message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "entities": entities or [],
            "message_id": "m-1",
            "metadata": {} if meta_text is None else {"text": meta_text},
        }
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": text, "timestamp": 2.0,
         "parse_data": latest_message, "metadata": (latest_message or {}).get("metadata")},
    ]
    for slot, value in (set_after or {}).items():
        events.append({"event": "slot", "name": slot, "value": value, "timestamp": 3.0})
        all_slots[slot] = value
    return Tracker(
        sender_id,
        all_slots,
        latest_message,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


# Running actions ----------------------------------------------------------------------

@dataclass
class Turn:
    """What one action did: its events, the slots it set (last value wins), its messages."""

    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    slots: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m.get("text")]

    @property
    def followups(self) -> list[str]:
        return [e["name"] for e in self.events if e.get("event") == "followup"]


def check_messages(messages: list[dict[str, Any]]) -> None:
    """Nothing said is empty, and no {placeholder} is left unfilled."""
    for message in messages:
        text = message.get("text")
        assert text is None or text.strip(), f"empty text in {message}"
        if text:
            assert not PLACEHOLDER.search(text), f"unfilled placeholder in {text!r}"
        for button in message.get("buttons") or []:
            assert button["title"].strip() and button["payload"].strip(), button


async def run_action(action: Action, tracker: Tracker, domain: dict[str, Any], *,
                     check_texts: bool = True) -> Turn:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    assert isinstance(events, list)
    known_slots = set(domain["slots"]) | BUILTIN_SLOTS
    known_actions = set(action_names(domain)) | set(domain["forms"]) | BUILTIN_ACTIONS
    slots: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            assert event["name"] in known_slots, f"{event['name']} is not a domain slot"
            slots[event["name"]] = event["value"]
        elif event.get("event") == "followup":
            assert event["name"] in known_actions, f"{event['name']} is not in the domain"
    if check_texts:
        check_messages(dispatcher.messages)
    return Turn(events, dispatcher.messages, slots)


async def validate_slot(form: Action, domain: dict[str, Any], slot: str, value: Any, *,
                        form_name: str | None = None, slots: dict[str, Any] | None = None,
                        **tracker_args: Any) -> Turn:
    """Runs a FormValidationAction as Rasa does after `slot` was filled with `value`."""
    form_name = form_name or form.name().replace("validate_", "", 1)
    tracker = make_tracker(slots={"requested_slot": slot, **(slots or {})},
                           set_after={slot: value}, active_loop=form_name, **tracker_args)
    return await run_action(form, tracker, domain)


def say(key: str, who: str, **values: Any) -> str:
    """The catalogue text `key` as this person would read it."""
    role, audience = PEOPLE[who]
    base = {"name": NAME, "child_name": CHILD_NAME, "scale_value": None, "old_text": ""}
    return texts.say(key, role, audience, base | values)[0]


def ask(slot: str, part: str, who: str, **values: Any) -> str | None:
    role, audience = PEOPLE[who]
    base = {"name": NAME, "child_name": CHILD_NAME, "scale_value": None, "old_text": ""}
    return texts.question(slot, part, role, audience, base | values)


# The portal ---------------------------------------------------------------------------

def answer_problem(key: str, body: dict[str, Any]) -> str | None:
    """The checks of bot/portal/internal.py `_answer_problem` (422 when one fails); the
    fake is held to the real endpoint's recorded answers by test_fake_portal.py."""
    checks = [
        (len(key) <= 80, "key too long"),
        (body.get("kind") in ANSWER_KINDS, "kind"),
        (isinstance(body.get("question"), str) and _storable(body["question"]), "question"),
        (isinstance(body.get("text"), str) and body["text"].strip() != ""
         and _storable(body["text"]), "text"),
        (body.get("value") is None or (isinstance(body["value"], int)
                                       and not isinstance(body["value"], bool)
                                       and 0 <= body["value"] <= 10), "value"),
        (body.get("section") in (*SECTIONS, None), "section"),
        (body.get("category") in (*CATEGORIES, None), "category"),
        (body.get("house") in (*HOUSES, None), "house"),
        (body.get("kind") != "item" or body.get("section") or body.get("house"),
         "an item needs a section or a house"),
        (body.get("kind") != "feedback" or (
            body.get("value") in {"ease": (0, 1, 2), "ease_comment": (None,)}.get(key, ())
            and not any(body.get(f) for f in ("section", "category", "house", "parts"))),
         "feedback"),
        # "Was anyone with you?": one of the worker's words for its three codes, no map fields
        ((body.get("kind") == "with_you") == (key == "with_you") and (
            key != "with_you" or (
                body.get("text") in ("No one", "Someone helped them answer",
                                     "Someone was there")
                and body.get("value") is None
                and not any(body.get(f) for f in ("section", "category", "house", "parts")))),
         "with_you"),
    ]
    wrong = [name for ok, name in checks if not ok]
    if wrong:
        return f"Invalid answer: {', '.join(wrong)}."
    problem = parts_problem(body["text"], body.get("parts"))
    return f"Invalid answer: {problem}." if problem else None


def _storable(text: str) -> bool:
    return clean_text(text) == text


def _portal_error(status: int, message: str) -> PortalError:
    """As the real client raises it for the endpoint's JSON error body."""
    return PortalError(f"{status}: {({'error': message})}")


_ANSWER_FIELDS = ("kind", "question", "text", "value", "section", "category", "house")


class FakePortal:
    """In memory, with the internal endpoint's behaviour (see the module docstring)."""

    def __init__(self) -> None:
        self.conversations: dict[str, dict[str, Any]] = {}
        self.stored: dict[str, dict[str, dict[str, Any]]] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.add_conversation(CONVERSATION, role="parent", name=NAME, child_name=CHILD_NAME)

    def add_conversation(self, conversation_id: str, *, role: str, name: str,
                         child_name: str, questions: str | None = None,
                         easy_read: bool = False) -> None:
        self.conversations[conversation_id] = {"role": role, "name": name,
                                               "child_name": child_name,
                                               "questions": question_set_for(role, questions),
                                               "easy_read": easy_read,
                                               # the chat opened it before any action
                                               "status": "in_progress"}
        self.stored.setdefault(conversation_id, {})

    def add_answer(self, key: str, text: str, *, kind: str = "item",
                   section: str | None = "working_well", category: str | None = None,
                   house: str | None = None, value: int | None = None,
                   question: str = "A question?", conversation_id: str = CONVERSATION,
                   private: bool = False) -> None:
        self.stored[conversation_id][key] = {
            "key": key, "kind": kind, "question": question, "text": text, "value": value,
            "section": section, "category": category, "house": house, "private": private}

    def saved(self, conversation_id: str = CONVERSATION) -> dict[str, dict[str, Any]]:
        return self.stored.get(conversation_id, {})

    @property
    def saves(self) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] == "save"]

    def _known(self, conversation_id: str) -> dict[str, Any]:
        if conversation_id not in self.conversations:
            raise _portal_error(404, "Not found.")
        return self.conversations[conversation_id]

    def _open(self, conversation_id: str) -> None:
        if self._known(conversation_id)["status"] == "submitted":
            raise _portal_error(409, "These answers were already sent, or the link was "
                                     "closed.")

    async def conversation(self, conversation_id: str) -> dict:
        self.calls.append(("conversation", conversation_id))
        found = self._known(conversation_id)
        return {name: found[name]
                for name in ("role", "name", "child_name", "status", "questions", "easy_read")}

    async def answers(self, conversation_id: str) -> list[dict]:
        self.calls.append(("answers", conversation_id))
        self._known(conversation_id)
        return copy.deepcopy(list(self.stored[conversation_id].values()))

    async def save(self, conversation_id: str, key: str, answer: dict) -> dict:
        body = json.loads(json.dumps(answer))  # it travels as JSON
        self.calls.append(("save", conversation_id, key, body))
        self._open(conversation_id)
        problem = answer_problem(key, body)
        if problem:
            raise _portal_error(422, problem)
        row = self.stored[conversation_id].setdefault(key, {"key": key})  # keeps its place
        private = row.pop("private", False)  # last, as the endpoint answers
        row.update({name: body.get(name) for name in _ANSWER_FIELDS})
        row["private"] = private
        return copy.deepcopy(row)

    async def remove(self, conversation_id: str, key: str) -> bool:
        self.calls.append(("remove", conversation_id, key))
        self._open(conversation_id)
        return self.stored[conversation_id].pop(key, None) is not None

    async def submit(self, conversation_id: str) -> dict:
        self.calls.append(("submit", conversation_id))
        found = self._known(conversation_id)
        found.setdefault("submitted_at", "2026-01-01T10:00:00+00:00")  # the first time stays
        found["status"] = "submitted"
        return {"status": "submitted", "submitted_at": found["submitted_at"]}


class FailingPortal:
    """A portal that never answers: every call raises PortalError, as the client does."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, method: str):
        if method not in PORTAL_METHODS:
            raise AttributeError(method)

        async def fail(*args: Any) -> Any:
            self.calls.append((method, *args))
            raise PortalError(f"the portal did not answer {method}")

        return fail


@pytest.fixture(autouse=True)
def no_real_portal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the network through the real client."""

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a test reached the real portal client")

    monkeypatch.setattr(Portal, "_call", refuse)


def _install(monkeypatch: pytest.MonkeyPatch, fake: Any) -> None:
    for method in PORTAL_METHODS:
        monkeypatch.setattr(portal_module.portal, method, getattr(fake, method))


@pytest.fixture
def fake_portal(monkeypatch: pytest.MonkeyPatch) -> FakePortal:
    fake = FakePortal()
    _install(monkeypatch, fake)
    return fake


@pytest.fixture
def broken_portal(monkeypatch: pytest.MonkeyPatch) -> FailingPortal:
    fake = FailingPortal()
    _install(monkeypatch, fake)
    return fake


@pytest.fixture
def rasa_patched() -> Any:
    """MapBot's Rasa patches installed as `run_rasa` installs them at Rasa's start (the
    switch ignored), and Rasa's own code back afterwards."""
    from bot import rasa_patches

    rasa_patches.install(environ={})
    yield rasa_patches
    rasa_patches.uninstall()
