"""An answer's language: marked only when sure, never for the short English answers a
detector misreads (names, "ok", text speak)."""

from __future__ import annotations

import pytest

from bot.core.answer_language import language_of
from bot.core.interpreter_reply import offered, reply

SHORT_ENGLISH = [
    "ok", "no", "yes", "not sure", "dunno", "idk", "Tak lol", "Kasia", "Agnieszka",
    "my mum Agnieszka", "Wojciech Kowalski", "Kacper Nowak Zielinski", "Jan and Piotr",
    "Mohammed helps me", "Auntie Bushra", "Nan and grandad", "nah m8", "we r fine thx",
    "I dont no", "Bogdan comes round on Sundays", "football and gaming",
    "Grandma Siobhan", "Priya from school", "Mrs Okonkwo at school", "Tesco",
    "Minecraft Roblox", "pizza pasta", "Nothing much", "Dad drinks", "Money problems",
    "Swimming lessons", "Gurdwara", "Diwali celebrations", "7", "10/10",
    "eight out of ten", "He hits me sometimes", "I worry about money",
]
OTHER = [
    ("Mój mąż dużo pije i krzyczy na dzieci", "pl"),
    ("Martwię się o syna", "pl"),
    ("Jestem zmęczona", "pl"),
    ("میں اپنے بچوں کے بارے میں فکر مند ہوں", "ur"),
    ("میرا شوہر مجھے مارتا ہے", "ur"),
    ("Ma îngrijorează fiul meu", "ro"),
]


@pytest.mark.parametrize("words", SHORT_ENGLISH)
def test_short_english_answers_stay_english(words: str) -> None:
    assert language_of(words) == "en"


@pytest.mark.parametrize(("words", "language"), OTHER)
def test_answers_in_other_languages_are_told(words: str, language: str) -> None:
    assert language_of(words) == language


def test_the_reply_is_in_english_and_in_their_language_when_offered() -> None:
    assert offered("pl, ur ,xx,en") == ("pl", "ur")
    english, polish = reply("pl", "pl,ur")
    assert english["custom"] == {"lang": "en", "interpreter": True}
    assert "interpreter" in english["text"] and "tłumacza" in polish["text"]
    assert polish["custom"]["lang"] == "pl"
    assert [m["custom"]["lang"] for m in reply("ro", "pl,ur")] == ["en"]
