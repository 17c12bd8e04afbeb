"""The children's three-houses conversation through the public API."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Worker, asked, payloads, texts

HOUSE_SECTION = {"good_things": "working_well", "worries": "worries", "dreams": "needs"}

# Answers as a child might type them: short, misspelt, emoji, "dunno", "nothing".
CHILD_ANSWERS = {
    "good_life": "my cat Tigger 🐱",
    "good_people": "mum",
    "good_doing": "drawring and footy",
    "good_more": ["dunno"],
    "worries_what": "wen mum and dad shout",
    "worries_feelings": "nothing",
    "worries_more": ["skool is hard", "no"],
    "check_in": "/affirm",  # "Are you OK to carry on?" -> "Yes, carry on"
    "dreams_life": "we wud go to the beach",
    "dreams_wish": "a puppy",
    "dreams_more": ["my own room", "no thats all"],
    "trusted_adults": "Mrs Patel at school and my nan",
    "scale": "7",
    "scale_why": "my nan is there a lot",
    "scale_higher": "if dad stopped shouting",
    "with_you": '/with_you{"with_you": "nobody"}',
    "ease": "Some of it",
    "ease_comment": "/skip",
}


def _play(worker: Worker, role: str, first_house: str) -> tuple[str, list[dict]]:
    case_id = worker.new_case(child_name="Tia")
    family = worker.invite(case_id, role, "Tia")
    welcome = texts(family.say("hello"))
    assert "0800 1111" in welcome and "999" in welcome
    assert "not a person" in welcome and "tell other" in welcome
    houses = family.say("yes")
    assert asked(houses) == "first_house"
    assert len([p for p in payloads(houses) if p.startswith("/choose_house")]) == 3
    messages = family.say(f'/choose_house{{"house": "{first_house}"}}')
    visited, questions = [], []
    repeats = {key: list(value) for key, value in CHILD_ANSWERS.items()
               if isinstance(value, list)}
    while (question := asked(messages)) is not None:
        house = next((m["custom"].get("house") for m in messages
                      if m.get("custom", {}).get("question") == question), None)
        if house and house not in visited:
            visited.append(house)
        questions.append(question)
        if question == "check_in":
            assert texts(messages).endswith("Are you OK to carry on?")
        if question == "scale_why":
            assert "You picked 7. What makes it that number and not lower?" in texts(messages)
        answer = repeats[question].pop(0) if question in repeats else CHILD_ANSWERS[question]
        messages = family.say(answer)
    assert visited[0] == first_house and sorted(visited) == sorted(HOUSE_SECTION)
    worries_done = questions.index("worries_more") + questions.count("worries_more")
    assert questions[worries_done - 1:worries_done + 1] == ["worries_more", "check_in"]
    assert questions[-7:] == ["trusted_adults", "scale", "scale_why", "scale_higher",
                              "with_you", "ease", "ease_comment"]
    assert "Here is what you told me" in texts(messages)
    sent = family.say("/send")
    assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)
    return case_id, worker.map(case_id)["items"]


@pytest.mark.parametrize("first_house", ["good_things", "worries", "dreams"])
def test_child_visits_all_three_houses_in_their_own_words(worker: Worker,
                                                         first_house: str) -> None:
    case_id, items = _play(worker, "child", first_house)
    assert {item["house"] for item in items} == set(HOUSE_SECTION)
    for item in items:
        assert item["section"] == HOUSE_SECTION[item["house"]]
    words = {item["text"] for item in items}
    assert {"my cat Tigger 🐱", "drawring and footy", "skool is hard", "a puppy",
            "my own room", "wen mum and dad shout"} <= words
    # "dunno", "nothing" and "no" are not answers; they are not on the map.
    assert not words & {"dunno", "nothing", "no", "no thats all"}
    draft = worker.map(case_id)
    (scale,) = draft["scales"]
    assert scale["value"] == 7 and scale["one_point_higher"] == "if dad stopped shouting"
    assert scale["why"] == "my nan is there a lot"
    assert "Some of it" not in words  # "Was this easy to do?" is not on the map
    assert "safe" in scale["question"]
    assert {p["name"] for p in draft["network"]} == {"Mrs Patel", "Nan"}


def test_young_person_wording_differs_from_a_child(worker: Worker) -> None:
    child = worker.invite(worker.new_case(), "child", "Ali")
    young = worker.invite(worker.new_case(), "young_person", "Ali")
    child_welcome, young_welcome = texts(child.say("hi")), texts(young.say("hi"))
    assert child_welcome != young_welcome
    child.say("yes")
    young.say("yes")
    child_q = texts(child.say('/choose_house{"house": "good_things"}'))
    young_q = texts(young.say('/choose_house{"house": "good_things"}'))
    assert "What is good in your life?" in child_q
    assert "What's good in your life right now?" in young_q


def test_a_childs_answers_are_not_shown_in_a_parents_conversation(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Tia")
    child = worker.invite(case_id, "child", "Tia")
    child.say("hi")
    child.say("yes")
    child.say('/choose_house{"house": "worries"}')
    child.say("my brother hits me when mum is out")
    parent = worker.invite(case_id, "parent", "Jo")
    parent.say("hi")
    messages = parent.say("yes")
    seen = [texts(messages)]
    while asked(messages):
        messages = parent.say("/skip")
        seen.append(texts(messages))
    assert "brother hits me" not in "\n".join(seen)
