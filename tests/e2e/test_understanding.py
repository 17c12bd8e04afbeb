"""Scale numbers, people and mixed answers understood through the whole stack."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Worker, asked, skip_rest_and_send, skip_to_question, texts


@pytest.mark.parametrize(("typed", "value"), [
    ("6", 6), ("six", 6), ("about a six", 6), ("six out of ten", 6), ("7/10", 7),
    ("I'd say maybe a 4", 4), ("ten!", 10)])
def test_scale_answers_as_people_write_them(worker: Worker, typed: str, value: int) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Lou")
    skip_to_question(family, "scale")
    messages = family.say(typed)
    assert asked(messages) == "scale_why"
    skip_rest_and_send(family, messages)
    (scale,) = worker.map(case_id)["scales"]
    assert scale["value"] == value


@pytest.mark.parametrize("typed", ["eleven", "-2", "lots", "between 5 and 6"])
def test_no_number_or_out_of_range_gets_a_kind_reask(worker: Worker, typed: str) -> None:
    family = worker.invite(worker.new_case(), "parent", "Lou")
    skip_to_question(family, "scale")
    again = family.say(typed)
    assert asked(again) == "scale" and "0 to 10" in texts(again)


@pytest.mark.parametrize(("typed", "people"), [
    ("my mum and my sister Kelly", {("Mum", "mum"), ("Kelly", "sister")}),
    ("Nan, and Mrs Patel at school", {("Nan", "nan"), ("Mrs Patel", "school")}),
    ("his coach Dean", {("Dean", "coach")}),
    ("nobody really", set()),
])
def test_who_helps_becomes_people(worker: Worker, typed: str, people: set) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "carer", "Vic")
    skip_to_question(family, "helpers")
    messages = family.say(typed)
    assert asked(messages) == ("safe_needs" if not people else "how_help")
    skip_rest_and_send(family, messages)
    network = worker.map(case_id)["network"]
    assert {(p["name"], p["relationship"]) for p in network} == people


def test_a_mixed_answer_is_split_and_each_part_sorted(worker: Worker) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Sam")
    skip_to_question(family, "going_well")
    messages = family.say("Nothing, his dad keeps shouting at him")
    skip_rest_and_send(family, messages)
    (item,) = worker.map(case_id)["items"]
    assert item["text"] == "his dad keeps shouting at him"  # "Nothing" is not an item
    assert item["question"] == "What is going well for your family at the moment?"
    # The question is strong evidence: the words leave its column only when the NLU is
    # very sure (tests/e2e/test_sorting.py); wherever they are, a worry is never sorted
    # as a strength or as safety.
    assert 0 <= item["confidence"] <= 1 and item["category"] in (None, "harm", "danger")
    if item["section"] == "working_well":
        assert item["category"] is None  # "not sorted yet": the worker sorts it
