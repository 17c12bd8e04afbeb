"""'Was anyone with you while you answered?' (issue 23) through the chat endpoint, with
the real Rasa server and action server: a child's "someone was there" is a `concern`
flag for the worker at once; an adult's "someone helped me" is shown to the worker
beside their name, with no flag, and never in the family's copy."""

from __future__ import annotations

from tests.e2e.conftest import Family, Worker, asked, payloads, texts

PRESENT = '/with_you{"with_you": "present"}'
HELPED = '/with_you{"with_you": "helped"}'


def _skip_to_with_you(family: Family, first: str) -> list[dict]:
    """Opens the conversation and skips every question before "Was anyone with you?"."""
    family.say("hello")
    messages = family.say("/affirm")
    if first:
        messages = family.say(first)
    for _ in range(40):
        if asked(messages) == "with_you":
            return messages
        assert asked(messages) is not None, texts(messages)
        messages = family.say("/skip")
    raise AssertionError("never asked 'Was anyone with you?'")


def _finish(family: Family, messages: list[dict]) -> None:
    assert asked(messages) == "ease"  # the next question: "Was this easy to do?"
    messages = family.say("/skip")
    assert "/send" in payloads(messages), texts(messages)
    sent = family.say("/send")
    assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)


def test_a_child_saying_someone_was_there_is_flagged_for_the_worker(worker: Worker) -> None:
    case_id = worker.new_case(child_name="Tia", reference="WY-1")
    family = worker.invite(case_id, "child", "Tia")
    question = _skip_to_with_you(family, '/choose_house{"house": "good_things"}')
    assert "Was anyone with you when you answered?" in texts(question)
    assert PRESENT in payloads(question) and "/skip" in payloads(question)
    messages = family.say(PRESENT)
    # Never offered as a private answer; the next question comes as usual.
    assert not any(p.startswith("/keep_private") for p in payloads(messages))
    child = next(p for p in worker.map(case_id)["respondents"] if p["role"] == "child")
    flags = [f for f in worker.map(case_id)["flags"] if f["category"] == "someone_present"]
    assert [(f["level"], f["respondent_id"]) for f in flags] == [("concern", child["id"])]
    open_flags = worker.client.get("/api/v1/flags", headers=worker.headers).json()["flags"]
    assert [(f["case_id"], f["category"]) for f in open_flags
            if f["case_id"] == case_id] == [(case_id, "someone_present")]
    _finish(family, messages)
    page = worker.client.get(f"/api/v1/cases/{case_id}/map.html", headers=worker.headers)
    assert "Anyone with them while they answered: Someone was there" in page.text


def test_an_adult_helped_to_answer_is_shown_to_the_worker_without_a_flag(
        worker: Worker) -> None:
    case_id = worker.new_case(child_name="Leo", reference="WY-2")
    family = worker.invite(case_id, "parent", "Sam")
    question = _skip_to_with_you(family, "")
    assert "Was anyone with you while you answered?" in texts(question)
    assert "Someone helped me" in [b["title"] for m in question for b in m.get("buttons", [])]
    _finish(family, family.say(HELPED))
    draft = worker.map(case_id)
    assert draft["flags"] == []
    assert all("with_you" not in person for person in draft["respondents"])  # the contract
    line = "Anyone with them while they answered: Someone helped them answer"
    page = worker.client.get(f"/api/v1/cases/{case_id}/map.html", headers=worker.headers)
    assert line in page.text
    family_copy = worker.client.get(f"/api/v1/cases/{case_id}/map.html?copy=family",
                                    headers=worker.headers)
    assert family_copy.status_code == 200 and "Anyone with them" not in family_copy.text
