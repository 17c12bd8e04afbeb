"""Every text the code uses exists for every audience, and renders without gaps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from actions import flow, forms, texts
from actions.questions import QUESTIONS, adult_order, child_order
from tests.rasa.conftest import ADULTS, CHILDREN, PEOPLE, PLACEHOLDER

ACTIONS_DIR = Path(flow.__file__).parent
# The portal asks adults alone whether their name goes in the family's copy.
ADULTS_ONLY = {"name_choice", "name_yes", "name_no"}
VALUES = {"name": "Sam", "child_name": "Ellie", "scale_value": 6, "old_text": "He likes Lego"}
CATALOGUE = texts.catalogue()
# Said in the same words to a child and an adult, on purpose (short and plain already);
# every other entry has a child's version of its own.
SAME_FOR_EVERYONE = {"hello_again", "pick_to_change", "safe_now", "safe_now_yes"}


def _strings(node: ast.AST) -> set[str]:
    """The string literals an expression can evaluate to (dict keys are not results)."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else set()
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return set().union(*(_strings(v) for v in node.value.values))
    if isinstance(node, ast.Call):  # e.g. _REPLIES.get(kind, "house_reask")
        return set().union(set(), *(_strings(a) for a in node.args[1:]))
    return set()  # names: the tables they refer to are added below


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        base = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{base}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


def _used_keys() -> tuple[set[str], set[str], set[str]]:
    """Text keys passed to utter()/texts.say(), texts.button() and texts.question()."""
    say_keys: set[str] = set()
    button_keys: set[str] = set()
    parts: set[str] = set()
    for path in ACTIONS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "part" for t in node.targets):
                parts |= _strings(node.value)  # AskQuestion._wording picks the part
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name == "utter" and len(node.args) >= 3:
                say_keys |= _strings(node.args[2])
            elif name == "texts.say" and node.args:
                say_keys |= _strings(node.args[0])
            elif name == "texts.button" and node.args:
                button_keys |= _strings(node.args[0])
            elif name == "texts.question" and len(node.args) >= 2:
                parts |= _strings(node.args[1])
    # Keys held in tables rather than written at the call.
    say_keys |= set(forms._REPLIES.values()) | set(flow.SAY_KEYS)
    parts |= set(forms.EDGE_WORDING.values())
    return say_keys, button_keys, parts


SAY_KEYS, BUTTON_KEYS, PARTS = _used_keys()


def test_the_scan_found_the_texts_in_use() -> None:
    # Guards the scan itself: if the code changes shape, this fails before the rest lies.
    assert {"welcome", "not_saved", "skipped", "no_answer", "scale_reask", "house_reask",
            "changed", "kept", "submitted", "pick_to_change", "pick_to_remove",
            "already_sent", "ready"} <= SAY_KEYS
    assert {"skip", "stop", "no_more", "keep", "back"} == BUTTON_KEYS
    assert {"ask", "explain", "intro", "ask_top"} <= PARTS


@pytest.mark.parametrize("key", sorted(SAY_KEYS))
def test_every_say_key_used_by_the_code_exists(key: str) -> None:
    assert key in CATALOGUE["say"]


@pytest.mark.parametrize("key", sorted(BUTTON_KEYS))
def test_every_button_used_by_the_code_exists(key: str) -> None:
    title, payload = CATALOGUE["buttons"][key]
    assert title.strip() and payload.startswith("/")


@pytest.mark.parametrize("who", sorted(PEOPLE))
@pytest.mark.parametrize("key", sorted(CATALOGUE["say"]))
def test_every_say_entry_renders_for_every_audience(key: str, who: str) -> None:
    role, audience = PEOPLE[who]
    if key in ADULTS_ONLY and who in CHILDREN:
        with pytest.raises(TypeError):  # written for adults alone: no text for a child
            texts.say(key, role, audience, VALUES)
        return
    text, buttons = texts.say(key, role, audience, VALUES)
    assert isinstance(text, str) and text.strip()
    assert not PLACEHOLDER.search(text), text
    for button in buttons:
        assert button["title"].strip() and button["payload"].startswith("/")


def _audiences_for(slot: str) -> tuple[str, ...]:
    child = any(slot in child_order(h) for h in (None, "worries", "dreams"))
    if slot == "new_text":
        return tuple(PEOPLE)
    return (tuple(who for who in ADULTS if slot in adult_order(who))
            + (CHILDREN if child else ()))


QUESTION_CASES = [(slot, who) for slot in [*QUESTIONS, "new_text"]
                  for who in _audiences_for(slot)]


def test_every_question_is_asked_of_someone() -> None:
    for slot in [*QUESTIONS, "new_text"]:
        assert _audiences_for(slot), slot
        assert slot in CATALOGUE["questions"], slot


@pytest.mark.parametrize(("slot", "who"), QUESTION_CASES)
def test_every_question_renders_ask_and_explain_for_whoever_is_asked_it(
        slot: str, who: str) -> None:
    role, audience = PEOPLE[who]
    for part in ("ask", "explain"):
        text = texts.question(slot, part, role, audience, VALUES)
        assert text and text.strip(), f"{slot}.{part} is missing for {who}"
        assert not PLACEHOLDER.search(text), text


@pytest.mark.parametrize(("slot", "who"), QUESTION_CASES)
def test_optional_parts_render_for_everyone_or_no_one(slot: str, who: str) -> None:
    role, audience = PEOPLE[who]
    entry = CATALOGUE["questions"][slot]
    for part in set(entry) - {"ask", "explain"}:
        assert part in PARTS, f"{slot}.{part} is never used by the code"
        text = texts.question(slot, part, role, audience, VALUES)
        assert text and text.strip(), f"{slot}.{part} is missing for {who}"
        assert not PLACEHOLDER.search(text), text


@pytest.mark.parametrize(("key", "who", "words"), [
    ("ready", "parent", "Are you ready to start?"),
    ("ready", "child", "Are you ready?"),
    ("already_sent", "child",
     "You have sent your answers. If you want to say more, tell your social worker."),
])
def test_say_renders_these_words(key: str, who: str, words: str) -> None:
    role, audience = PEOPLE[who]
    assert texts.say(key, role, audience, VALUES)[0] == words


def test_every_say_entry_for_a_child_differs_from_the_adults() -> None:
    same = [key for key in sorted(CATALOGUE["say"]) if key not in ADULTS_ONLY
            and texts.say(key, "child", "child", VALUES)[0]
            == texts.say(key, "parent", "adult", VALUES)[0]]
    assert same == sorted(SAME_FOR_EVERYONE), same


def test_the_child_and_the_young_person_are_asked_differently() -> None:
    child = texts.question("good_life", "ask", "child", "child", VALUES)
    young = texts.question("good_life", "ask", "young_person", "young_person", VALUES)
    assert child != young


def test_questions_name_the_child_by_name() -> None:
    text = texts.question("like_child", "ask", "parent", "adult", VALUES)
    assert text == "What do you like about Ellie? What are they good at?"
    assert texts.question("good_life", "ask", "child", "child", VALUES) == (
        "What is good in your life?")


@pytest.mark.parametrize("key", ["working_well", "worries", "needs", "good_things",
                                 "house_worries", "dreams", "people", "scale"])
def test_every_review_heading_exists(key: str) -> None:
    assert key in flow.GROUP_ORDER
    assert texts.heading(key).strip()


def test_review_headings_cover_every_group() -> None:
    assert set(flow.GROUP_ORDER) <= set(CATALOGUE["headings"])


def test_house_and_scale_buttons() -> None:
    houses = texts.house_buttons()
    assert [b["payload"] for b in houses] == [
        '/choose_house{"house": "good_things"}', '/choose_house{"house": "worries"}',
        '/choose_house{"house": "dreams"}']
    assert len(CATALOGUE["scale_faces"]["child"]) == 11
    for audience in ("adult", "child", "young_person"):
        assert [b["payload"] for b in texts.scale_buttons(audience)] == [
            str(n) for n in range(11)]


def test_fill_keeps_unknown_fields_and_inserts_values_literally() -> None:
    assert texts.fill("{name} {unknown}", {"name": "{child_name}"}) == "{child_name} {unknown}"
