"""replies.classify: what kind of reply someone gave, from their words and the NLU's guess."""

from __future__ import annotations

import pytest

from actions import replies
from actions.replies import (
    ANSWER,
    CHITCHAT,
    EXPLAIN,
    GREET,
    NO_ANSWER,
    NO_MORE,
    SKIP,
    STRAY,
    THANKS,
    Said,
    classify,
)

LONG = "I don't know what to do about his temper, he shouts every night"

# (text, intent, confidence, repeats, expected)
TABLE = [
    # Button payloads: the intent is certain, the text is not words.
    ("/skip", "skip", 1.0, False, SKIP),
    ("/skip", "skip", 1.0, True, SKIP),
    ("/dont_know", "dont_know", 1.0, False, NO_ANSWER),
    ("/explain", "explain", 1.0, False, EXPLAIN),
    ("/deny", "deny", 1.0, True, NO_MORE),
    ("/deny", "deny", 1.0, False, STRAY),
    ("/affirm", "affirm", 1.0, False, STRAY),
    ("/affirm", "affirm", 1.0, True, STRAY),
    ("/greet", "greet", 1.0, False, STRAY),
    ("/send", "send", 1.0, False, STRAY),
    ('/choose_house{"house": "dreams"}', "choose_house", 1.0, False, STRAY),
    ("/whatever", None, 0.0, False, STRAY),
    ("  /skip  ", "skip", 1.0, False, SKIP),
    # Short messages: a confident control intent decides.
    ("skip", "skip", 0.9, False, SKIP),
    ("skip this one", "skip", 0.9, False, SKIP),
    ("what do you mean?", "explain", 0.95, False, EXPLAIN),
    ("what does that mean", "explain", 0.6, False, EXPLAIN),
    ("hello", "greet", 0.9, False, GREET),
    ("thanks", "thanks", 0.9, False, THANKS),
    ("are you a robot", "chitchat", 0.8, False, CHITCHAT),
    # ... below MIN_CONFIDENCE it does not.
    ("what do you mean?", "explain", 0.59, False, ANSWER),
    ("hello", "greet", 0.3, False, ANSWER),
    ("skip", "skip", 0.3, False, NO_ANSWER),  # still a non-answer by its words
    # dont_know is trusted only when the words are empty too.
    ("dunno", "dont_know", 0.99, False, NO_ANSWER),
    ("I don't know, maybe Mum", "dont_know", 0.9, False, ANSWER),
    ("not sure, his dad?", "dont_know", 0.9, False, ANSWER),
    # Non-answers by their words, whatever the NLU said.
    ("nothing", "inform_strength", 0.9, False, NO_ANSWER),
    ("n/a", "inform_need", 0.9, False, NO_ANSWER),
    ("N/A", None, 0.0, False, NO_ANSWER),
    ("nobody", "dont_know", 0.9, False, NO_ANSWER),
    ("", None, 0.0, False, NO_ANSWER),
    ("?", None, 0.0, False, NO_ANSWER),
    ("dunnno", "inform_worry", 0.5, False, NO_ANSWER),
    # Long messages are always answers.
    (LONG, "dont_know", 0.9, False, ANSWER),
    (LONG, "skip", 0.99, False, ANSWER),
    (LONG, "explain", 0.99, False, ANSWER),
    (LONG, "chitchat", 0.99, False, ANSWER),
    (LONG, "deny", 0.99, True, ANSWER),
    ("one two three four five six seven", "skip", 0.99, False, ANSWER),
    ("one two three four five six", "skip", 0.99, False, SKIP),  # six words is short
    # Real content.
    ("She sings", "inform_strength", 0.9, False, ANSWER),
    ("😊👍", None, 0.0, False, ANSWER),
    ("no", "deny", 0.87, False, ANSWER),  # "no" is an answer to "has there been a time...?"
    ("yes", "affirm", 0.9, False, ANSWER),
    # "Anything else?": no, nothing, or a non-answer ends it.
    ("no", "deny", 0.87, True, NO_MORE),
    ("nah", "deny", 0.98, True, NO_MORE),
    ("nothing", "inform_strength", 0.5, True, NO_MORE),
    ("dunno", "dont_know", 0.99, True, NO_MORE),
    ("skip", "skip", 0.9, True, NO_MORE),
    ("my cat", "inform_strength", 0.8, True, ANSWER),
    ("what do you mean", "explain", 0.9, True, EXPLAIN),
]


@pytest.mark.parametrize(("text", "intent", "confidence", "repeats", "expected"), TABLE)
def test_classify(text, intent, confidence, repeats, expected) -> None:
    assert classify(Said(text, intent, confidence), repeats=repeats) == expected


def test_the_thresholds_are_what_the_table_assumes() -> None:
    assert replies.SHORT_WORDS == 6
    assert replies.MIN_CONFIDENCE == 0.6


def test_an_unsure_deny_does_not_end_the_loop() -> None:
    assert classify(Said("no my mum", "deny", 0.56), repeats=True) == ANSWER


def test_long_typed_words_starting_with_a_slash_are_an_answer() -> None:
    said = Said("/ he is much calmer at school now and sleeps better", "inform_strength", 0.99)
    assert classify(said) == ANSWER
