"""Unit tests for bot.core.understanding: scale, people, splitting and non-answers."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.understanding import (
    Person,
    ScaleReading,
    is_nobody,
    is_non_answer,
    parse_people,
    parse_scale,
    split_answer,
)
from bot.core.understanding.scale import AMBIGUOUS, NO_NUMBER, NOT_WHOLE, OUT_OF_RANGE

HUGE = ("My mum helps a lot, but we need a bigger flat. Mrs. Patel is kind! " * 80)[:5000]


def _whole(func, arg) -> object:
    """A 5,000-character message is read to its end (how fast: bench/speed.py)."""
    return func(arg)


# --- scale -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("6", 6),
        ("six", 6),
        ("about a six", 6),
        ("six out of ten", 6),
        ("7/10", 7),
        ("7 / 10", 7),
        ("I'd say maybe a 4", 4),
        ("I’d say maybe a 4", 4),
        ("ten!", 10),
        ("0", 0),
        ("zero", 0),
        ("nought", 0),
        ("a solid 8", 8),
        ("8 out of 10", 8),
        ("10/10", 10),
        ("SIX", 6),
        ("Six Out Of Ten", 6),
        ("eigth", 8),
        ("fith", 5),
        ("prob a 7", 7),
        ("def a 3 tbh", 3),
        ("5.0", 5),
        ("6, yes definitely a six", 6),
        ("no one would give it more than 3", 3),
        ("I'm 100% sure it's a 6", 6),
        ("  9  ", 9),
        ("6 😊", 6),
        ("<b>7</b>", 7),
        ("\x00\x07six\x1b", 6),
    ],
)
def test_scale_understood(text: str, value: int) -> None:
    assert parse_scale(text) == ScaleReading(value, None)


@pytest.mark.parametrize("payload", [str(n) for n in range(11)])
def test_scale_button_payloads(payload: str) -> None:
    assert parse_scale(payload) == ScaleReading(int(payload), None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("11", OUT_OF_RANGE),
        ("-3", OUT_OF_RANGE),
        ("minus two", OUT_OF_RANGE),
        ("100%", OUT_OF_RANGE),
        ("fifty percent", OUT_OF_RANGE),
        ("ten per cent", OUT_OF_RANGE),  # a percentage, not a point on the scale
        ("10 %", OUT_OF_RANGE),
        ("15/10", OUT_OF_RANGE),
        ("twenty-five", OUT_OF_RANGE),
        ("a hundred", OUT_OF_RANGE),
        ("10.5", OUT_OF_RANGE),
        ("9" * 5000, OUT_OF_RANGE),
        ("5.5", NOT_WHOLE),
        ("six and a half", NOT_WHOLE),
        ("6½", NOT_WHOLE),
        ("between 5 and 6", AMBIGUOUS),
        ("3 or 4", AMBIGUOUS),
        ("3-4", AMBIGUOUS),
        ("five or six", AMBIGUOUS),
        ("", NO_NUMBER),
        ("   ", NO_NUMBER),
        ("hello", NO_NUMBER),
        ("no idea", NO_NUMBER),
        ("no one", NO_NUMBER),
        ("out of ten", NO_NUMBER),
        ("sześć", NO_NUMBER),  # English number words only
        ("😀", NO_NUMBER),
        ("for the kids, to be honest", NO_NUMBER),  # "for"/"to" are not four/two
    ],
)
def test_scale_problems(text: str, problem: str) -> None:
    assert parse_scale(text) == ScaleReading(None, problem)


def test_scale_reading_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_scale("6").value = 7  # type: ignore[misc]


def test_scale_huge_input_is_read() -> None:
    assert _whole(parse_scale, "a " * 2500) == ScaleReading(None, NO_NUMBER)


# 20,000 characters: big enough that a quadratic regex shows (timed by bench/speed.py,
# not here: a time limit in a test fails on a busy shared machine).
PATHOLOGICAL = [" " * 19999 + "x", "." * 20000, "\n" * 20000, "a" + " " * 19998 + "b"]
PATHOLOGICAL += ["1-" * 10000, "but " * 5000, ", " * 10000, "... A" * 4000, "nobody " * 2800]
PATHOLOGICAL += ["at " * 6666, "my mum and " * 1800, "!?" * 10000]


@pytest.mark.parametrize("text", PATHOLOGICAL)
@pytest.mark.parametrize("func", [parse_scale, parse_people, split_answer, is_non_answer])
def test_pathological_input_is_read(func, text: str) -> None:
    _whole(func, text)


# --- people ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("my mum and my sister Kelly", [("Mum", "mum"), ("Kelly", "sister")]),
        ("Nan, and Mrs Patel at school", [("Nan", "nan"), ("Mrs Patel", "school")]),
        ("his coach Dean", [("Dean", "coach")]),
        ("Grandad", [("Grandad", "grandad")]),
        (
            "my neighbour Sue and her husband",
            [("Sue", "neighbour"), ("Sue's husband", "husband")],
        ),
        (
            "Auntie Jo, my friend Sam & the school nurse",
            [("Auntie Jo", "auntie"), ("Sam", "friend"), ("School nurse", "school nurse")],
        ),
        ("mum n dad", [("Mum", "mum"), ("Dad", "dad")]),
        ("My Mam", [("Mam", "mam")]),
        ("my step dad", [("Step dad", "step-dad")]),
        ("our health visitor", [("Health visitor", "health visitor")]),
        ("Dean from football club", [("Dean", "football club")]),
        ("Mrs Patel at the school who is lovely", [("Mrs Patel", "school")]),
        ("Mrs. Patel", [("Mrs. Patel", None)]),
        ("Sometimes Kelly", [("Kelly", None)]),
        ("Zoë and Siobhán", [("Zoë", None), ("Siobhán", None)]),
        ("my friends and cousins", [("Friends", "friends"), ("Cousins", "cousins")]),
        ("Nobody but my mum", [("Mum", "mum")]),
        ("my mum, my mum", [("Mum", "mum")]),
        ("<b>Kelly</b>", [("Kelly", None)]),
        ("my nan 😊", [("Nan", "nan")]),
        ("Kelly's mum", [("Kelly's mum", "mum")]),
        ("Mum's friend Sarah", [("Sarah", "friend")]),
        ("my mum’s friend", [("Mum’s friend", "friend")]),
        ("my mum and her partner", [("Mum", "mum"), ("Mum's partner", "partner")]),
        ("Uncle Dave or Nanny Pat", [("Uncle Dave", "uncle"), ("Nanny Pat", "nanny")]),
        ("\x00my dad\x07", [("Dad", "dad")]),
    ],
)
def test_parse_people(text: str, people: list[tuple[str, str | None]]) -> None:
    assert parse_people(text) == [Person(name, rel) for name, rel in people]


NOBODY = ["nobody really", "no one", "noone", "no-one", "nobody", "none", "nobody helps"]
NOBODY += ["Nobody.", "NO ONE!", "there's no one really", "not really anyone", "nobody helps me"]


@pytest.mark.parametrize("text", NOBODY)
def test_nobody_means_no_people(text: str) -> None:
    assert is_nobody(text)
    assert parse_people(text) == []


@pytest.mark.parametrize("text", ["my mum", "Kelly", "anyone", "nobody but my mum", ""])
def test_is_nobody_false(text: str) -> None:
    assert not is_nobody(text)


@pytest.mark.parametrize("text", ["", "   ", "?", "I don't know", "😀", "they help me a lot"])
def test_parse_people_finds_nobody_in_contentless_text(text: str) -> None:
    assert parse_people(text) == []


def test_person_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Person("Mum", "mum").name = "Dad"  # type: ignore[misc]


def test_people_huge_input_is_quick() -> None:
    assert Person("Mum", "mum") in _whole(parse_people, HUGE)


# --- splitting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Nothing, his dad keeps shouting at him", ["Nothing", "his dad keeps shouting at him"]),
        (
            "My mum helps a lot, but we really need somewhere bigger to live.",
            ["My mum helps a lot", "we really need somewhere bigger to live."],
        ),
        (
            "Nothing much, he is doing well at school",
            ["Nothing much", "he is doing well at school"],
        ),
        ("Mrs. Patel helps. Dr. Jones too.", ["Mrs. Patel helps.", "Dr. Jones too."]),
        ("e.g. swimming. He loves it", ["e.g. swimming.", "He loves it"]),
        ("He got 5.5 in maths. Great!", ["He got 5.5 in maths.", "Great!"]),
        ("fish and chips", ["fish and chips"]),
        ("Mum, Dad and Kelly", ["Mum, Dad and Kelly"]),
        ("nothing but trouble", ["nothing but trouble"]),
        ("He is kind but lazy", ["He is kind but lazy"]),
        ("He is kind, and he helps me", ["He is kind", "he helps me"]),
        ("he's ok; she isn't", ["he's ok", "she isn't"]),
        ("line one\nline two", ["line one", "line two"]),
        ("is he ok?? yes!! i think so", ["is he ok??", "yes!!", "i think so"]),
        ("I dunno... maybe", ["I dunno... maybe"]),
        ("I dunno... He hits her", ["I dunno...", "He hits her"]),
        ("J. Smith helps", ["J. Smith helps"]),
        ('She said "no." Then left', ['She said "no."', "Then left"]),
        ("no punctuation at all here", ["no punctuation at all here"]),
        ("  padded  ", ["padded"]),
        ("", []),
        ("   \n\t ", []),
        (",", []),
        ("<b>hi</b> there. 😀 Yes!", ["<b>hi</b> there.", "😀 Yes!"]),
        ("Моя мама помогает. Папа кричит.", ["Моя мама помогает.", "Папа кричит."]),
        ("Mae Mam yn helpu. Diolch", ["Mae Mam yn helpu.", "Diolch"]),
        ("a\x00b. c\x07", ["a\x00b.", "c\x07"]),
        ("teh speling stays, but Mum DOESNT mind", ["teh speling stays", "Mum DOESNT mind"]),
    ],
)
def test_split_answer(text: str, parts: list[str]) -> None:
    assert split_answer(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "Nothing, his dad keeps shouting at him",
        "My mum helps a lot, but we really need somewhere bigger to live.",
        "  x , ;  y. z  ",
        "He is kind. However, he shouts, but not at me; mostly at the dog!",
        HUGE,
    ],
)
def test_split_parts_are_exact_ordered_slices(text: str) -> None:
    pos = 0
    for part in split_answer(text):
        found = text.find(part, pos)
        assert found >= 0, part
        assert part == part.strip() and part[:1] not in ",;" and part[-1:] not in ",;"
        pos = found + len(part)


def test_split_huge_input_is_quick() -> None:
    assert len(_whole(split_answer, HUGE)) > 100


# --- non-answers -----------------------------------------------------------------------


NON_ANSWERS = ["dunno", "don't know", "idk", "not sure", "nothing", "n/a", "na", "none"]
NON_ANSWERS += ["no one", "nobody", "skip", "pass", "no comment", "-", "?", "..."]
NON_ANSWERS += ["", "   ", "dunnno", "Dunno!!", "DON'T KNOW", "don’t know", "I don't know"]
NON_ANSWERS += ["notihng", "nothin", "um not sure really", "N/A.", "Not sure tbh", "\x00"]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_is_non_answer(text: str) -> None:
    assert is_non_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "nothing much, he is doing well at school",
        "I don't know what to do about his shouting",
        "he is fine",
        "my mum",
        "nine",  # close to "none", but a real answer
        "past",  # close to "pass"
        "😀",
        "<b>no</b> idea what you mean by this question at all",
        "nie wiem",  # not English; left for a person to read
        "no " * 2500,
    ],
)
def test_is_not_non_answer(text: str) -> None:
    assert not is_non_answer(text)
