"""Tests for the safeguarding detector (bot/core/safeguarding).

The labelled sets in tests/data/safeguarding/ are the contract: every
must-flag line must be flagged (a single miss fails), and at most 5% of the
must-not lines may be flagged.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.core.safeguarding import Detection, detect, load_rules, reply_text
from bot.core.safeguarding.detector import compile_source, normalise

DATA = Path(__file__).resolve().parents[1] / "data" / "safeguarding"
MAX_FALSE_POSITIVE_RATE = 0.05
REQUIRED_CATEGORIES = (
    "hurting_now",
    "sexual_abuse",
    "threats",
    "weapons",
    "self_harm",
    "suicidal",
    "neglect_alone",
    "running_away",
    "scared_to_go_home",
)
# One clear example per category: the category reported must be this one.
CATEGORY_EXAMPLES = {
    "hurting_now": "my dad hits me when he is drunk",
    "sexual_abuse": "I'm being forced to have sex and I'm only 12",
    "threats": "he said he'd kill me if i told",
    "weapons": "my brother carries a knife",
    "self_harm": "i've been cutting myself again",
    "suicidal": "i dont want to be here anymore",
    "neglect_alone": "mum leaves us on our own all night and there's no food",
    "running_away": "im going to run away tonight",
    "scared_to_go_home": "i'm scared to go home",
    "criminal_exploitation": "older boys make him sell drugs",
    "asking_for_help": "someone help me please",
}
SECRECY_PROMISES = (
    "secret",
    "between us",
    "won't tell",
    "wont tell",
    "will not tell",
    "confidential",
    "only you and me",
    "just between",
)
HELPLINES = ("999", "0800 1111", "116 123", "85258")


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


MUST_FLAG = _lines("must_flag.txt")
MUST_NOT_FLAG = _lines("must_not_flag.txt")


# --- the labelled sets -------------------------------------------------------


def test_labelled_sets_are_big_distinct_and_disjoint() -> None:
    assert len(set(MUST_FLAG)) >= 170
    assert len(set(MUST_NOT_FLAG)) >= 170
    assert len(set(MUST_FLAG)) == len(MUST_FLAG), "duplicate must-flag lines"
    assert len(set(MUST_NOT_FLAG)) == len(MUST_NOT_FLAG), "duplicate must-not lines"
    assert not set(MUST_FLAG) & set(MUST_NOT_FLAG)


def test_every_must_flag_message_is_flagged() -> None:
    missed = [message for message in MUST_FLAG if detect(message) is None]
    listing = "\n".join(f"  - {message}" for message in missed)
    assert not missed, f"{len(missed)} disclosure(s) NOT flagged:\n{listing}"


def test_must_not_flag_false_positive_rate_is_at_most_5_percent() -> None:
    flagged = [(m, detect(m)) for m in MUST_NOT_FLAG]
    flagged = [(m, d) for m, d in flagged if d is not None]
    rate = len(flagged) / len(MUST_NOT_FLAG)
    listing = "\n".join(f"  - {m!r} -> {d.category}: {d.matched!r}" for m, d in flagged if d)
    print(f"must-not false positives: {len(flagged)}/{len(MUST_NOT_FLAG)} ({rate:.1%})\n{listing}")
    assert rate <= MAX_FALSE_POSITIVE_RATE, f"false-positive rate {rate:.1%}:\n{listing}"


def test_matched_is_an_exact_excerpt_of_the_message() -> None:
    for message in MUST_FLAG:
        detection = detect(message)
        assert detection is not None
        assert detection.matched, message
        assert detection.matched in message, (message, detection.matched)


def test_every_category_is_hit_by_the_must_flag_set() -> None:
    seen = {d.category for d in (detect(m) for m in MUST_FLAG) if d is not None}
    missing = set(REQUIRED_CATEGORIES) - seen
    assert not missing, f"no must-flag line lands in: {sorted(missing)}"


# --- one test per category ---------------------------------------------------


def test_rules_define_every_required_category() -> None:
    names = {category.name for category in load_rules().categories}
    assert set(REQUIRED_CATEGORIES) <= names


@pytest.mark.parametrize(("category", "message"), sorted(CATEGORY_EXAMPLES.items()))
def test_category_example_is_reported_as_that_category(category: str, message: str) -> None:
    detection = detect(message)
    assert detection is not None, message
    assert detection.category == category, detection


# --- the must-not-miss example and robustness to how people type -------------


def test_well_known_missed_disclosure_is_caught() -> None:
    detection = detect("I'm being forced to have sex and I'm only 12")
    assert detection == Detection("sexual_abuse", "forced to have sex")


@pytest.mark.parametrize(
    "message",
    [
        "i want to die",
        "I WANT TO DIE",
        "i wanttt to dieeeee",
        "i w4nt t0 d1e",
        "i want 2 die",
        "i wanna die",
        "i want to d\u0456e",  # Cyrillic i
        "i want to di\u200be",  # zero-width space
        "\uff49 \uff57\uff41\uff4e\uff54 \uff54\uff4f \uff44\uff49\uff45",  # full-width letters
        "i want to d*e",
        "i want to d i e",
    ],
)
def test_spelling_variants_are_flagged(message: str) -> None:
    detection = detect(message)
    assert detection is not None and detection.category == "suicidal", message


@pytest.mark.parametrize(
    ("message", "matched"),
    [
        ("i wanna kms", "kms"),
        ("I don\u2019t want to be here anymore", "don\u2019t want to be here"),
        ("he h1ts me!!", "h1ts me"),
        ("my dad HIIIITS me", "HIIIITS me"),
    ],
)
def test_matched_maps_back_to_the_original_words(message: str, matched: str) -> None:
    detection = detect(message)
    assert detection is not None
    assert detection.matched == matched


def test_disclosure_inside_an_ordinary_answer_is_flagged() -> None:
    message = "he's good at football but his dad hits him when he's drunk"
    assert detect(message) == Detection("hurting_now", "hits him")


def test_safe_phrase_does_not_hide_a_later_disclosure() -> None:
    # The exception for "beat me at chess" must not swallow "beat me up".
    assert detect("he beat me at chess") is None
    detection = detect("he beat me at chess and then he punched me")
    assert detection == Detection("hurting_now", "punched me")


@pytest.mark.parametrize(
    "message",
    [
        "he kicks my legs",  # near "she kicks her legs when she swims"
        "mum has to leave us alone at night",  # near "told him to leave me alone"
        "he held a steak knife to her throat",  # near "knife and fork"
        "i hit my head on purpose",  # near "I hit my head" (an accident)
        "he beat us and then said we beat them at cards",
        # Ambiguous idiom, flagged on purpose: the same words can be a real threat.
        "my mum would kill me if I forgot her birthday",
    ],
)
def test_safe_phrase_exceptions_do_not_hide_real_disclosures(message: str) -> None:
    assert detect(message) is not None, message


@pytest.mark.parametrize("message", ["", "   ", "\u200b", "!!!", "ok"])
def test_empty_and_trivial_messages_are_not_flagged(message: str) -> None:
    assert detect(message) is None


def test_detection_is_frozen() -> None:
    detection = Detection("suicidal", "kms")
    with pytest.raises(dataclasses.FrozenInstanceError):
        detection.category = "other"  # type: ignore[misc]


def test_rules_are_cached() -> None:
    assert load_rules() is load_rules()


def test_normalise_expands_text_speak_and_squashes_letters() -> None:
    assert normalise("U R SOOO mean, i dont wanna").text == "you are so mean i do not want to"


def test_patterns_use_long_forms_not_text_speak() -> None:
    # The text never contains "dont" or "wanna" (they are expanded first), so a
    # pattern written with them could never match.
    rules = load_rules()
    # Numbers ("2") are left out: in a pattern they are numbers, not words.
    short_forms = {k for k, v in rules.textspeak.items() if (k,) != v and not k.isdigit()}
    offenders = set()
    for category in rules.categories:
        source = re.sub(r"\\[a-zA-Z]", " ", category.combined.pattern)
        offenders |= short_forms & set(re.findall(r"[a-z0-9]+", source))
    assert not offenders, f"patterns use text-speak forms: {sorted(offenders)}"


def test_compile_source_squashes_letters_but_not_escapes() -> None:
    source = compile_source(r"\bbeat {who}", {"who": ["all", "mummy"]})
    assert source == r"\b(?:\bbeat (?:al|mumy))\b"


# --- reply texts ---------------------------------------------------------------


@pytest.mark.parametrize("audience", ["adult", "child", "easy_read"])
def test_reply_gives_help_now(audience: str) -> None:
    text = reply_text(audience)
    for number in HELPLINES:
        assert number in text, (audience, number)
    assert "Childline" in text and "Samaritans" in text and "SHOUT" in text


def test_adult_reply_gives_the_nspcc_helpline() -> None:
    assert "0808 800 5000" in reply_text("adult")
    assert "0808 800 5000" in reply_text("easy_read")


def test_easy_read_reply_is_neutral_and_says_the_worker_is_told_before_send() -> None:
    """Easy Read is for adults: as neutral as the adult reply (no blame, no victim)."""
    text = reply_text("easy_read")
    assert text.startswith("Thank you for telling us.")
    assert "fault" not in text.lower() and "right thing" not in text.lower()
    assert "We tell your social worker now. We do not wait for Send." in text


@pytest.mark.parametrize("audience", ["adult", "child", "easy_read"])
def test_reply_never_promises_secrecy(audience: str) -> None:
    text = reply_text(audience).lower().replace("\u2019", "'")
    for phrase in SECRECY_PROMISES:
        assert phrase not in text, (audience, phrase)


def test_child_reply_says_not_their_fault_and_that_the_worker_is_told_at_once() -> None:
    text = reply_text("child")
    assert "It is not your fault." in text
    assert "Thank you for telling us." in text
    assert "Your social worker is told right away." in text


def test_adult_reply_is_neutral_and_says_the_worker_is_told_before_send() -> None:
    """An adult may be describing what they did: no blame, no comfort that assumes a
    victim ("not your fault", "you were right to say something")."""
    text = reply_text("adult")
    assert text.startswith("Thank you for being open about this.")
    assert "fault" not in text.lower() and "right to say" not in text.lower()
    assert "even before you press Send" in text


@pytest.mark.parametrize("audience", ["adult", "child", "easy_read"])
def test_reply_asks_no_questions(audience: str) -> None:
    assert "?" not in reply_text(audience)


def test_unknown_audience_is_rejected() -> None:
    with pytest.raises(ValueError):
        reply_text("worker")


def _offline_textstat(monkeypatch: pytest.MonkeyPatch):
    """textstat, made to count syllables with pyphen when the CMU dictionary
    (an NLTK download) is not installed, so the test never needs the network."""
    textstat = pytest.importorskip("textstat")
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
    except ImportError:
        return textstat
    except LookupError:
        try:
            from textstat.backend.counts import _count_syllables
        except ImportError:  # older textstat: pyphen only, nothing to patch
            return textstat
        monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    return textstat


def test_child_reply_is_easy_to_read(monkeypatch: pytest.MonkeyPatch) -> None:
    textstat = _offline_textstat(monkeypatch)
    text = reply_text("child")
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    hard = {s: textstat.flesch_kincaid_grade(s) for s in sentences}
    hard = {s: grade for s, grade in hard.items() if grade > 4}
    assert not hard, f"child sentences above Flesch-Kincaid grade 4: {hard}"
    assert textstat.flesch_kincaid_grade(text) <= 4
