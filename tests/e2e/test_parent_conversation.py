"""A whole parent conversation through the public API, with the real three services."""

from __future__ import annotations

from tests.e2e.conftest import Worker, asked, payloads, texts

# The question the assistant asks -> what the parent types (exact words, typos and all).
ANSWERS = {
    "like_child": "He's kind and funny 😊. He lovs football.",
    "going_well": "Things are calmer since he started at the new school",
    "before_problem": "We went to the park every weekend <b>together</b>",
    "child_would_say": "/skip",
    "worried_about": "I worry he is falling behind at school",
    "worker_worried": "That I can't keep him safe when his dad visits",
    "future_danger": "That he misses more school and falls further behind",
    "near_miss": "When his dad got angry I took the kids to my mum's",
    "harder": "Money is tight and the flat is damp",
    "helpers": "my mum and my sister Kelly",
    "how_help": "They pick him up from school and have him for tea",
    "safe_needs": "His dad needs to stop drinking",
    "first_sign": "Jamie going to school every day",
    "scale": "about a six",
    "scale_why": "We have a routine now and my mum helps",
    "scale_higher": "Dad staying away when he has been drinking",
    "common_scale": "5",
    "with_you": '/with_you{"with_you": "helped"}',
    "ease": "Partly",
    "ease_comment": "Some questions were long",
}


def test_welcome_says_who_reads_and_what_to_do(worker: Worker) -> None:
    family = worker.invite(worker.new_case(child_name="Jamie"), "parent", "Sam")
    welcome = family.say("hello")
    said = texts(welcome)
    for promise in ["computer helper", "not a person", "social worker will read",
                    "999", "skip", "stop", "same link"]:
        assert promise in said
    assert "secret" not in said.lower()
    assert {"/affirm", "/deny"} <= set(payloads(welcome))


def test_whole_parent_conversation_makes_the_map(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Jamie")
    family = worker.invite(case_id, "parent", "Sam")
    family.say("hi")
    messages = family.say("/affirm")
    order = []
    for _ in range(len(ANSWERS)):
        question = asked(messages)
        assert question in ANSWERS, texts(messages)
        order.append(question)
        if question == "scale_why":
            assert "You chose 6. What makes it that number and not lower?" in texts(messages)
        if question == "near_miss":
            assert ("Was there a time when what you worry about could have happened, "
                    "but didn't?") in texts(messages)
        if question == "like_child":
            assert "Jamie" in texts(messages)  # the child's name from the case
        if question == "scale":
            assert [str(n) for n in range(11)] == payloads(messages)[:11]
        messages = family.say(ANSWERS[question])
    review = texts(messages)
    assert "Here is what you told me" in review
    for heading in ["What's working well", "What you are worried about", "What needs to happen"]:
        assert heading in review
    assert "/send" in payloads(messages)
    assert order == list(ANSWERS)  # the parent's set, in its order
    assert "Some questions were long" not in review and "Partly" not in review

    sent = family.say("/send")
    assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)

    draft = worker.map(case_id)
    (respondent,) = draft["respondents"]
    assert respondent["status"] == "submitted" and respondent["submitted_at"]
    items = draft["items"]
    assert {item["section"] for item in items} == {"worries", "working_well", "needs"}
    assert all(item["respondent_id"] == respondent["id"] for item in items)
    by_text = {item["text"]: item for item in items}
    # Two sentences that both say what is good about him stay one item (split only where
    # the parts stand apart), in the parent's exact words.
    assert by_text["He's kind and funny 😊. He lovs football."]["section"] == "working_well"
    assert "We went to the park every weekend <b>together</b>" in by_text
    assert by_text["His dad needs to stop drinking"]["section"] == "needs"
    assert by_text["Money is tight and the flat is damp"]["category"] == "complicating"
    assert by_text["I worry he is falling behind at school"]["question"] == (
        "What are you worried about for Jamie?")
    assert not any(item["text"] == "/skip" for item in items)
    assert not {"Partly", "Some questions were long"} & set(by_text)
    assert by_text["That he misses more school and falls further behind"]["question"] == (
        "If nothing changed, what are you worried could happen to Jamie?")
    scale, common = draft["scales"]
    assert (common["value"], common["why"]) == (5, None)
    assert "how safe is Jamie from the worries" in common["question"]
    assert scale["value"] == 6
    assert scale["why"] == ANSWERS["scale_why"]
    assert scale["one_point_higher"] == ANSWERS["scale_higher"]
    assert {person["name"] for person in draft["network"]} == {"Mum", "Kelly"}
    assert all(p["how_they_help"] == ANSWERS["how_help"] for p in draft["network"])


def test_nothing_shows_on_the_map_before_sending(worker: Worker) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "carer", "Pat")
    family.say("hello")
    family.say("yes")
    family.say("She is brave")
    draft = worker.map(case_id)
    assert draft["items"] == [] and draft["respondents"][0]["status"] == "in_progress"


def test_skip_stop_explain_and_coming_back(worker: Worker) -> None:
    family = worker.invite(worker.new_case(child_name="Mia"), "network", "Dee")
    family.say("hello")
    assert asked(family.say("yes")) == "like_child"
    assert asked(family.say("/skip")) == "seen_well"  # family and friends' own question
    simpler = family.say("what do you mean?")
    assert asked(simpler) == "seen_well"
    assert "times you have been with Mia" in texts(simpler)  # the simpler wording
    stop = family.say("stop")
    assert "same link" in texts(stop) and {"/affirm", "/deny"} <= set(payloads(stop))
    assert asked(stop) is None
    stopped = family.say("/affirm")
    assert "saved" in texts(stopped)
    back = family.say("hello")  # coming back later with the same link
    assert "Welcome back" in texts(back)
    assert asked(back) == "seen_well"
    assert asked(family.say("She helps at her nan's cafe")) == "know_worries"


def test_a_typed_number_and_a_kind_reask(worker: Worker) -> None:
    family = worker.invite(worker.new_case(), "parent", "Lee")
    family.say("hello")
    messages = family.say("yes")
    while asked(messages) != "scale":
        messages = family.say("/skip")
    reask = family.say("eleven")
    assert asked(reask) == "scale" and "0 to 10" in texts(reask)
    assert asked(family.say("7/10")) == "scale_why"
