"""What MapBot promises, and keeps, about who sees what: through the real chat endpoint
(real Rasa, real action server, real database) and the real exports.

- levels: harm told calmly in answer to a worry question is a `concern` (a calm line,
  the next question); danger now is `immediate` (the help, the choice to carry on);
- a child's home-safety number of 0, 1 or 2: "Are you safe right now?";
- "I don't want my family to see this", after an answer and in the read-back;
- the name choice after Send, and the family's copy (JSON, Word, print) that keeps it;
- after Send: the "sent" page without the conversation, and the "already sent" reply.
"""

from __future__ import annotations

import io

from docx import Document

from tests.e2e.conftest import Family, Worker, asked, payloads, texts

CALM = "Thank you for being open about this."
KEEP_PRIVATE = "/keep_private"
KEPT = ("Thank you. I'll tell your social worker. They will talk with you before anyone "
        "else sees it.")


def _start_adult(worker: Worker, role: str = "parent", name: str = "Jo",
                 case_id: str | None = None) -> tuple[str, Family, list[dict]]:
    case_id = case_id or worker.new_case(child_name="Jamie")
    family = worker.invite(case_id, role, name)
    family.say("hello")
    return case_id, family, family.say("yes")


def _skip_to(family: Family, messages: list[dict], question: str) -> list[dict]:
    while asked(messages) != question:
        assert asked(messages) is not None, f"never asked {question}"
        messages = family.say("/skip")
    return messages


def _skip_to_review(family: Family, messages: list[dict]) -> list[dict]:
    while asked(messages) is not None:
        messages = family.say("/skip")
    assert "/send" in payloads(messages)
    return messages


def _flags(worker: Worker, case_id: str) -> list[dict]:
    return worker.map(case_id)["flags"]


def _private_payload(messages: list[dict]) -> str:
    (payload,) = [p for p in payloads(messages) if p.startswith(KEEP_PRIVATE)]
    return payload


# Levels -------------------------------------------------------------------------------


def test_known_harm_in_a_worry_answer_is_a_concern_not_a_crisis(worker: Worker) -> None:
    case_id, parent, messages = _start_adult(worker)
    _skip_to(parent, messages, "worried_about")
    words = "his dad hit him last year, that is why the social worker comes"
    reply = parent.say(words)
    assert reply[0]["text"] == f"{CALM} Your social worker will read it."
    assert "999" not in texts(reply) and "/carry_on" not in payloads(reply)
    assert asked(reply) == "worker_worried"  # the conversation goes on
    (flag,) = _flags(worker, case_id)
    assert (flag["text"], flag["level"]) == (words, "concern")


def test_danger_now_in_a_worry_answer_brings_the_help(worker: Worker) -> None:
    case_id, parent, messages = _start_adult(worker)
    _skip_to(parent, messages, "worried_about")
    words = "he is outside the house right now with a knife and says he will kill me"
    reply = parent.say(words)
    said = texts(reply)
    assert said.startswith(CALM) and "999" in said and "0808 800 5000" in said
    assert "fault" not in said  # neutral: it never assumes who is the victim or to blame
    assert {"/carry_on", "/stop"} <= set(payloads(reply)) and asked(reply) is None
    (flag,) = _flags(worker, case_id)
    assert (flag["text"], flag["level"]) == (words, "immediate")
    assert asked(parent.say("/carry_on")) == "worker_worried"


# A child's low number ---------------------------------------------------------------


def _child_at_the_scale(worker: Worker) -> tuple[str, Family, list[dict]]:
    case_id = worker.new_case(child_name="Tia")
    child = worker.invite(case_id, "child", "Tia")
    child.say("hello")
    child.say("yes")
    messages = child.say('/choose_house{"house": "good_things"}')
    return case_id, child, _skip_to(child, messages, "scale")


def test_a_childs_zero_asks_are_you_safe_and_yes_goes_on(worker: Worker) -> None:
    case_id, child, _ = _child_at_the_scale(worker)
    question = child.say("0")
    assert texts(question) == "Thank you for telling me. Are you safe right now?"
    assert payloads(question) == ["/safe_now_yes", "/safe_now_no", "/safe_now_unsure"]
    # Raised at once, as urgent, in case the child closes the page now.
    (flag,) = _flags(worker, case_id)
    assert (flag["category"], flag["level"], flag["text"]) == ("low_safety_score",
                                                                "immediate", "0")
    reply = child.say("/safe_now_yes")
    assert "talk with you" in texts(reply) and "999" not in texts(reply)
    assert asked(reply) == "scale_why"  # "...and not lower?"
    (flag,) = _flags(worker, case_id)
    assert flag["level"] == "concern"


def test_a_childs_one_then_not_sure_brings_the_help(worker: Worker) -> None:
    case_id, child, _ = _child_at_the_scale(worker)
    child.say("1")
    reply = child.say("/safe_now_unsure")
    said = texts(reply)
    assert "It is not your fault." in said and "999" in said and "0800 1111" in said
    assert {"/carry_on", "/stop"} <= set(payloads(reply))
    (flag,) = _flags(worker, case_id)
    assert (flag["category"], flag["level"]) == ("low_safety_score", "immediate")
    assert asked(child.say("/carry_on")) == "scale_why"  # "...and not lower?"


def test_a_childs_seven_asks_nothing_more(worker: Worker) -> None:
    case_id, child, _ = _child_at_the_scale(worker)
    assert asked(child.say("7")) == "scale_why"  # "...and not lower?"
    assert _flags(worker, case_id) == []


# Keeping an answer from the family, naming, and the family's copy -------------------


def _send_and_name(family: Family, name_it: bool) -> list[dict]:
    sent = family.say("/send")
    assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)
    assert payloads(sent)[-2:] == ["/name_yes", "/name_no"]
    return family.say("/name_yes" if name_it else "/name_no")


def _accept_all(worker: Worker, case_id: str) -> list[dict]:
    items = worker.map(case_id)["items"]
    for item in items:
        response = worker.client.patch(f"/api/v1/items/{item['id']}", headers=worker.headers,
                                       json={"status": "accepted"})
        assert response.status_code == 200, response.text
    return items


def test_private_answers_names_and_the_family_copy(worker: Worker) -> None:
    case_id, mum, messages = _start_adult(worker, "parent", "Mum Jo")
    assert asked(messages) == "like_child"
    after = mum.say("He is kind and he makes me laugh")
    kept = mum.say(_private_payload(after))  # "I don't want my family to see this"
    assert kept[0]["text"] == KEPT
    assert asked(kept) == "going_well"  # the question is asked again
    assert not any(p.startswith(KEEP_PRIVATE) for p in payloads(kept))
    mum.say("We go to the park on Sundays")
    review = _skip_to_review(mum, mum.say("/skip"))
    assert "(you asked to keep this from your family)" in texts(review)
    assert "You chose" not in texts(_send_and_name(mum, name_it=True))

    _, nan, messages = _start_adult(worker, "network", "Nan Pat", case_id=case_id)
    nan.say("He always helps me in the garden")
    _skip_to_review(nan, nan.say("/skip"))
    _send_and_name(nan, name_it=False)

    tia = worker.invite(case_id, "child", "Tia")
    tia.say("hi")
    tia.say("yes")
    tia.say('/choose_house{"house": "good_things"}')
    _skip_to_review(tia, tia.say("my cat Tigger"))
    sent = tia.say("/send")
    assert not any(p.startswith("/name_") for p in payloads(sent))  # a child is never named

    items = _accept_all(worker, case_id)
    assert {i["text"] for i in items} == {
        "He is kind and he makes me laugh", "We go to the park on Sundays",
        "He always helps me in the garden", "my cat Tigger"}
    private = [i for i in items if i["private"]]
    assert [i["text"] for i in private] == ["He is kind and he makes me laugh"]

    family = worker.client.get(f"/api/v1/cases/{case_id}/map?copy=family",
                               headers=worker.headers).json()
    words = {item["text"] for item in family["items"]}
    assert words == {"We go to the park on Sundays", "He always helps me in the garden"}
    assert family["flags"] == []
    names = {person["name"] for person in family["respondents"]}
    assert names == {"Mum Jo", "Someone in the family network"}  # no child, Nan unnamed

    word = worker.client.get(f"/api/v1/cases/{case_id}/map.docx?copy=family",
                             headers=worker.headers)
    assert word.status_code == 200
    document = "\n".join(
        [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
        + [cell.text for table in Document(io.BytesIO(word.content)).tables
           for row in table.rows for cell in row.cells])
    assert "We go to the park on Sundays" in document and "Mum Jo" in document
    assert "He always helps me in the garden" in document and "Nan Pat" not in document
    assert "He is kind" not in document and "Safeguarding flags" not in document
    page = worker.client.get(f"/api/v1/cases/{case_id}/map.html?copy=family",
                             headers=worker.headers)
    assert page.status_code == 200
    assert "Someone in the family network" in page.text and "Nan Pat" not in page.text
    assert "He is kind" not in page.text and "Tigger" not in page.text

    # The worker's full map still has everything, private marked.
    full = worker.client.get(f"/api/v1/cases/{case_id}/map.html", headers=worker.headers)
    assert "He is kind and he makes me laugh" in full.text
    assert "Asked to be kept from the family" in full.text


def test_keeping_an_answer_private_from_the_read_back(worker: Worker) -> None:
    case_id, dad, messages = _start_adult(worker, "parent", "Dad Sam")
    dad.say("She is brave")
    review = _skip_to_review(dad, dad.say("/skip"))
    assert "/choose_private" in payloads(review)
    listing = dad.say("/choose_private")
    (payload,) = [p for p in payloads(listing) if p.startswith(KEEP_PRIVATE)]
    kept = dad.say(payload)
    assert kept[0]["text"] == KEPT and "/send" in payloads(kept)
    _send_and_name(dad, name_it=True)
    (item,) = worker.map(case_id)["items"]
    assert item["text"] == "She is brave" and item["private"] is True


def test_the_worker_marks_an_item_private(worker: Worker) -> None:
    case_id, carer, messages = _start_adult(worker, "carer", "Lee")
    carer.say("He loves drawing")
    _skip_to_review(carer, carer.say("/skip"))
    _send_and_name(carer, name_it=True)
    (item,) = _accept_all(worker, case_id)
    changed = worker.client.patch(f"/api/v1/items/{item['id']}", headers=worker.headers,
                                  json={"private": True})
    assert changed.status_code == 200 and changed.json()["private"] is True
    family = worker.client.get(f"/api/v1/cases/{case_id}/map?copy=family",
                               headers=worker.headers).json()
    assert family["items"] == []
    assert worker.client.patch(f"/api/v1/items/{item['id']}", headers=worker.headers,
                               json={"private": "yes"}).status_code == 422


# After Send --------------------------------------------------------------------------


def test_after_sending_the_page_shows_no_conversation(worker: Worker) -> None:
    case_id, parent, messages = _start_adult(worker, "parent", "Kim")
    parent.say("He is a great reader")
    _skip_to_review(parent, parent.say("/skip"))
    parent.say("/send")
    page = parent.client.get(f"/chat/{parent.token}")
    assert page.status_code == 200
    assert "have been sent" in page.text and "0800 1111" in page.text and "999" in page.text
    assert "great reader" not in page.text and "like about" not in page.text
    assert "/name_yes" in page.text  # the name choice is still open
    again = parent.say("I forgot to say he likes swimming")
    assert texts(again) == ("Your answers have already been sent to your social worker. "
                            "If you want to add something, please tell your social worker.")
    named = parent.client.post(f"/chat/{parent.token}", data={"text": "/name_no"},
                               follow_redirects=True)
    assert named.status_code == 200 and "You chose" in named.text
    assert worker.map(case_id)["flags"] == []
