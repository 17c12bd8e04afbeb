"""An answer's language, told only when the detector is sure.

The detector (lingua, its models inside the package: nothing leaves the machine) reads
short answers badly: a name ("Agnieszka"), "ok" or "my mum Agnieszka" can look Polish.
So an answer counts as not English only when it is long enough to judge, is not only
names, few of its words are everyday English, and the detector is confident. Otherwise
it is English, and the usual safeguarding check (English patterns) is what it gets.

Low-accuracy mode (trigrams only) keeps the models for every language in about 100 MB;
the guards above make up for what it loses on short texts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

ENGLISH = "en"
CONFIDENT = 0.9  # the detector's confidence in its first choice, out of 1
MIN_WORDS = 2  # one word is most often a name, "ok" or "no"
MIN_LETTERS = 8
ENGLISH_SHARE = 0.3  # this share of everyday English words or more: English
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Everyday English words, of which a short answer in English is mostly made. A word
# that is everyday in another language too ("i", "na", "a") is left out.
_EVERYDAY_WORDS = """
me my mine we us our you your he him his she her they them their it its
mum mam mom dad nan nana grandad gran granny auntie uncle brother sister son daughter
baby kids kid children child school friend friends family home house partner
and or but not no yes yeah yep nope ok okay the an of to in on at for with from by
is are was were be been am do does did have has had will would can could should
dont cant im that this there here what when who how why
helps help helped good bad fine sure think know like love want need feel feels
sometimes always never every day night week time really very much lot lots all
"""
_EVERYDAY = frozenset(_EVERYDAY_WORDS.split())


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import LanguageDetectorBuilder  # loaded once, on the first answer

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def _latin(word: str) -> bool:
    return all(char.isascii() or "\u00c0" <= char <= "\u024f" for char in word)


def language_of(text: str) -> str:
    """The ISO 639-1 code of the text's language when sure it is not English, else "en"."""
    words = _WORD.findall(text)
    if sum(len(word) for word in words) < MIN_LETTERS:
        return ENGLISH
    other_script = not all(_latin(word) for word in words)
    if not other_script and (len(words) < MIN_WORDS or all(w[0].isupper() for w in words)):
        return ENGLISH  # one word, or names only ("Wojciech Kowalski")
    everyday = sum(word.lower() in _EVERYDAY for word in words)
    if everyday >= ENGLISH_SHARE * len(words):
        return ENGLISH
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < CONFIDENT:
        return ENGLISH
    return str(values[0].language.iso_code_639_1.name.lower())
