"""How the demo's made-up people answer (bot/operations/demo.py): by what is asked, not by
the order of the questions, so the demo keeps working when the questions change. The
whole demo runs against the real assistant in tests/e2e/test_first_minutes.py."""

from __future__ import annotations

from bot.operations.demo import CHILD, PARENT, Conversation


def _question(key: str, text: str, *payloads: str) -> list[dict]:
    return [{"text": text, "custom": {"question": key},
             "buttons": [{"title": p, "payload": p} for p in payloads]}]


def test_a_known_question_gets_its_answer_in_any_order_and_once() -> None:
    talk = Conversation(PARENT)
    assert talk.reply(_question("harder", "What makes things harder?", "/skip", "/stop")
                      ) == "Money is tight and the flat is damp"
    assert talk.reply(_question("like_child", "What do you like about Jamie?", "/skip")
                      ) == "Jamie is kind and makes everyone laugh. He loves football."
    # Asked again (not understood): skipped, not the same words for ever.
    assert talk.reply(_question("harder", "What makes things harder?", "/skip", "/stop")
                      ) == "/skip"


def test_a_new_question_is_answered_by_its_words_or_skipped() -> None:
    talk = Conversation(PARENT)
    assert talk.reply(_question("new_worry", "What else worries you?", "/skip")) == (
        "His dad shouts and throws things when he has been drinking")
    assert talk.reply(_question("new_other", "Which bus do you take?", "/skip")) == "/skip"
    assert talk.reply(_question("new_choice", "Shall we go on?", "/affirm", "/stop")
                      ) == "/affirm"


def test_houses_repeats_help_review_and_the_end() -> None:
    talk = Conversation(CHILD)
    houses = _question("first_house", "Which house first?",
                       '/choose_house{"house": "worries"}',
                       '/choose_house{"house": "good_things"}', "/stop")
    assert talk.reply(houses) == '/choose_house{"house": "good_things"}'
    more = _question("good_more", "Anything else?", "/deny", "/stop")
    assert talk.reply(more) == "my dog Biscuit"
    assert talk.reply(more) == "/deny"
    assert talk.reply([{"text": "Thank you for telling us.", "custom": {"safeguarding": True},
                        "buttons": [{"title": "Carry on", "payload": "/carry_on"}]}]
                      ) == "/carry_on"
    assert talk.reply([{"text": "Here is what you told me.",
                        "buttons": [{"title": "Send", "payload": "/send"}]}]) == "/send"
    assert talk.reply([{"text": "Sent.", "custom": {"status": "submitted"}}]) is None
