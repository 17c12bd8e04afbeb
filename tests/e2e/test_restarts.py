"""Killing the Rasa server or the action server mid-conversation loses and doubles nothing."""

from __future__ import annotations

import pytest

from bot.stack import Stack
from tests.e2e.conftest import Worker, action_call, asked, call_action_server


def _restart(stack: Stack, name: str) -> None:
    stack.start(name)
    stack.wait_healthy()


@pytest.mark.parametrize("service", ["rasa", "actions"])
def test_the_same_link_carries_on_after_a_crash(stack: Stack, worker: Worker,
                                                 service: str) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Ash")
    family.say("hello")
    assert asked(family.say("yes")) == "like_child"
    assert asked(family.say("She is kind to her brother")) == "going_well"

    stack.kill(service)  # kill -9, in the middle of the conversation
    down = family.post("We laugh a lot at tea time")
    assert down.status_code == 503
    assert "again in a moment" in down.json()["error"]

    _restart(stack, service)
    # The same words sent again land once, on the same question, and it carries on.
    assert asked(family.say("We laugh a lot at tea time")) == "before_problem"
    back = family.say("hello")
    assert asked(back) == "before_problem"

    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    items = worker.map(case_id)["items"]
    assert [item["text"] for item in items] == [
        "She is kind to her brother", "We laugh a lot at tea time"]


def test_a_retried_action_call_stores_the_answer_once(stack: Stack, worker: Worker) -> None:
    """If Rasa dies after the action stored an answer but before it saved its tracker,
    the same action call is made again: the answer must still be stored once."""
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Kit")
    family.say("hello")
    family.say("yes")
    call = action_call(stack, family, "like_child", "He is a great reader")
    for _ in range(2):
        assert call_action_server(stack, call).status_code == 200
    assert asked(family.say("He is a great reader")) == "going_well"  # the resend
    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    assert [item["text"] for item in worker.map(case_id)["items"]] == ["He is a great reader"]
