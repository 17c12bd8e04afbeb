"""'Was anyone with you while you answered?' (bot/core/with_you.py): plain logic, no Rasa.
Expected values are written out here."""

from __future__ import annotations

import pytest

from bot.core import texts, with_you
from bot.core.vocabulary import SOMEONE_PRESENT


def test_the_codes_and_the_workers_words():
    assert with_you.CODES == ("nobody", "helped", "present")
    assert [with_you.label(code) for code in ("nobody", "helped", "present")] == [
        "No one", "Someone helped them answer", "Someone was there"]
    assert with_you.label("everyone") is None and with_you.label(None) is None
    assert with_you.code_of("Someone was there") == "present"
    assert with_you.code_of("someone was there") is None  # only the stored words


def test_the_payloads():
    assert with_you.payload("present") == '/with_you{"with_you": "present"}'
    with pytest.raises(ValueError):
        with_you.payload("someone")


@pytest.mark.parametrize(("role", "code", "concern"), [
    ("child", "present", True), ("young_person", "present", True),
    ("child", "helped", False), ("child", "nobody", False), ("young_person", None, False),
    ("parent", "present", False), ("carer", "present", False),
    ("network", "present", False), ("professional", "present", False)])
def test_only_a_child_with_someone_there_is_a_concern(role, code, concern):
    assert with_you.is_concern(role, code) is concern


def test_the_flag_is_a_concern_in_its_own_category():
    assert SOMEONE_PRESENT == "someone_present"
    assert (with_you.FLAG_CATEGORY, with_you.FLAG_LEVEL) == ("someone_present", "concern")


def test_the_workers_line():
    assert with_you.worker_line("Someone helped them answer") == (
        "Anyone with them while they answered: Someone helped them answer")
    assert with_you.worker_line(None) is None and with_you.worker_line("My mum") is None


@pytest.mark.parametrize(("role", "audience", "titles"), [
    ("parent", "adult", ["No, I was on my own", "Someone helped me", "Someone was there",
                         "Skip this question"]),
    ("young_person", "young_person", ["No, I was on my own", "Someone helped me",
                                      "Someone was there", "Skip this question"]),
    ("child", "child", ["No, just me", "Someone helped me", "Someone was with me",
                        "Skip this question"])])
def test_its_buttons_send_payloads_not_words(role, audience, titles):
    buttons = texts.choice_buttons("with_you", role, audience)
    assert [b["title"] for b in buttons] == titles
    assert [b["payload"] for b in buttons] == [
        '/with_you{"with_you": "nobody"}', '/with_you{"with_you": "helped"}',
        '/with_you{"with_you": "present"}', "/skip"]
