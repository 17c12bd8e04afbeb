"""A disclosure typed at any point is flagged at once, answered with help, and the
person then carries on or stops, as they choose."""

from __future__ import annotations

from tests.e2e.conftest import Family, Worker, asked, payloads, texts


def _helped(messages: list[dict], child: bool, sent: bool = False) -> None:
    said = texts(messages)
    assert "999" in said and "0800 1111" in said
    if child:
        assert "It is not your fault." in said and "told right away" in said
    else:  # neutral: an adult may be telling what they did
        assert said.startswith("Thank you for being open about this.")
        assert "fault" not in said and "even before you press Send" in said
    assert "secret" not in said.lower()
    assert ("0808 800 5000" in said) is not child  # the NSPCC line is for adults
    assert asked(messages) is None  # no question while they read the help
    if sent:  # nothing to carry on with: the help, and the answers are already sent
        assert "already been sent" in said and payloads(messages) == []
    else:
        assert {"/carry_on", "/stop"} <= set(payloads(messages))


def _flag_texts(worker: Worker, case_id: str) -> list[str]:
    return [flag["text"] for flag in worker.map(case_id)["flags"]]


def test_disclosure_as_the_very_first_message(worker: Worker) -> None:
    case_id = worker.new_case()
    child = worker.invite(case_id, "child", "Tia")
    _helped(child.say("my uncle touches me and says its our secret"), child=True)
    assert _flag_texts(worker, case_id) == ["my uncle touches me and says its our secret"]
    welcome = child.say("/carry_on")
    assert "computer helper" in texts(welcome)


def test_disclosure_inside_a_question_then_carry_on(worker: Worker) -> None:
    case_id = worker.new_case()
    parent = worker.invite(case_id, "parent", "Jo")
    parent.say("hello")
    assert asked(parent.say("yes")) == "like_child"
    _helped(parent.say("his dad hits him with a belt when he's drunk"), child=False)
    assert _flag_texts(worker, case_id) == ["his dad hits him with a belt when he's drunk"]
    assert worker.map(case_id)["items"] == []  # flags show at once, answers after sending
    assert asked(parent.say("/carry_on")) == "going_well"


def test_disclosure_then_stop(worker: Worker) -> None:
    case_id = worker.new_case()
    young = worker.invite(case_id, "young_person", "Kai")
    young.say("hi")
    young.say("yes")
    young.say('/choose_house{"house": "worries"}')
    _helped(young.say("i dont want to be alive anymore"), child=True)
    stop = young.say("/stop")
    assert {"/affirm", "/deny"} <= set(payloads(stop))
    assert "saved" in texts(young.say("/affirm"))
    assert _flag_texts(worker, case_id) == ["i dont want to be alive anymore"]


def _finish(family: Family) -> None:
    family.say("hello")
    messages = family.say("yes")
    while asked(messages):
        messages = family.say("/skip")


def test_disclosure_during_the_review_and_after_sending(worker: Worker) -> None:
    case_id = worker.new_case()
    carer = worker.invite(case_id, "carer", "Max")
    _finish(carer)
    _helped(carer.say("her brother has a knife and said he will stab her"), child=False)
    review = carer.say("/carry_on")
    assert "/send" in payloads(review)
    carer.say("/send")
    _helped(carer.say("he is threatening to kill us all tonight"), child=False, sent=True)
    assert _flag_texts(worker, case_id) == [
        "her brother has a knife and said he will stab her",
        "he is threatening to kill us all tonight"]


def test_ordinary_idioms_raise_no_flag(worker: Worker) -> None:
    case_id = worker.new_case()
    parent = worker.invite(case_id, "parent", "Ro")
    parent.say("hello")
    parent.say("yes")
    for idiom in ["He killed it at football on Saturday", "I'm dying to see my nan"]:
        assert asked(parent.say(idiom)) is not None
    assert _flag_texts(worker, case_id) == []


def test_a_worker_acknowledges_a_flag(worker: Worker, other_worker: Worker) -> None:
    case_id = worker.new_case()
    child = worker.invite(case_id, "child", "Bea")
    child.say("I am scared to go home")
    (flag,) = worker.map(case_id)["flags"]
    assert flag["acknowledged_by"] is None and flag["kind"] == "safeguarding"
    path = f"/api/v1/flags/{flag['id']}/acknowledge"
    assert other_worker.client.post(path, headers=other_worker.headers).status_code == 404
    done = worker.client.post(path, headers=worker.headers)
    assert done.status_code == 200
    assert done.json()["acknowledged_by"] == "worker1" and done.json()["acknowledged_at"]
