"""Pull the people in someone's network out of an answer to "Who helps?"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .non_answers import normalise


@dataclass(frozen=True)
class Person:
    """name is as typed ("Mrs Patel", "Auntie Jo") or the role capitalised ("Mum")."""

    name: str
    relationship: str | None


_ROLE_WORDS = [
    "mum", "mam", "mom", "mummy", "mommy", "dad", "daddy", "parent", "nan", "nanna", "nana",
    "nanny", "gran", "granny", "grandma", "grandmother", "grandad", "grandpa", "grandfather",
    "grandparent", "great-gran", "great-grandma", "great-nan", "great-grandad", "auntie",
    "aunt", "uncle", "sister", "brother", "cousin", "niece", "nephew", "son", "daughter",
    "stepbrother", "stepsister", "half-brother", "half-sister", "step-dad", "step-mum",
    "partner", "boyfriend", "girlfriend", "husband", "wife", "fiance", "fiancee", "godmother",
    "godfather", "friend", "neighbour", "teacher", "tutor", "mentor", "coach", "nurse",
    "doctor", "gp", "midwife", "counsellor", "therapist", "childminder", "carer", "vicar",
    "priest", "imam", "pastor", "babysitter"
]  # fmt: skip
_ROLE_PHRASES = [
    "best friend", "family friend", "school nurse", "health visitor", "youth worker",
    "key worker", "social worker", "support worker", "family support worker",
    "foster carer", "foster mum", "foster dad", "head teacher", "teaching assistant",
]  # fmt: skip
# Spelling and hyphen variants fold together; different words (mam, mom, nan) stay as typed.
_VARIANTS = {
    "aunty": "auntie", "stepdad": "step-dad", "step dad": "step-dad", "stepmum": "step-mum",
    "step mum": "step-mum", "stepmom": "step-mum", "granddad": "grandad", "grand dad": "grandad",
    "neighbor": "neighbour", "headteacher": "head teacher", "keyworker": "key worker",
    "bf": "boyfriend", "gf": "girlfriend",
}  # fmt: skip
_ROLES = {r: r for r in _ROLE_WORDS + _ROLE_PHRASES} | _VARIANTS
# Said together with a name as one form of address: "Auntie Jo", "Nanny Pat", "Grandad Joe".
_TITLE_ROLES = {"auntie", "aunty", "aunt", "uncle", "nan", "nanna", "nana", "nanny", "gran"}
_TITLE_ROLES |= {"granny", "grandma", "grandad", "grandpa"}
# Capitalised words that are not names (sentence starts, fillers, pronouns).
_NOT_NAMES = {
    "i", "me", "my", "myself", "we", "us", "our", "he", "him", "his", "she", "her", "they",
    "them", "their", "it", "you", "your", "the", "a", "an", "and", "also", "just", "only",
    "maybe", "probably", "mainly", "mostly", "sometimes", "really", "definitely", "honestly",
    "well", "yes", "yeah", "oh", "um", "erm", "both", "all", "everyone", "family", "nobody",
    "noone", "none", "nothing", "no", "not", "then", "who", "that", "this", "those", "there",
    "when", "which", "at", "from", "in", "with"
}  # fmt: skip
_SEPARATORS = re.compile(r"[,;&+/\n]|\b(?:and|n|plus|or|also)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
# "Mrs Patel at school" -> "school": the place is how the family knows the person.
_PLACE = re.compile(r"\b(?:at|from)\s+([^\W\d_][\w'’ -]*)")
_NOBODY = re.compile(
    r"^(?:(?:u+m+|e+rm*|honestly|well|sadly|really|just|theres|there is)\s+)*"
    r"(?:nobody|no one|noone|no body|none|no1|"
    r"(?:not|isnt|there isnt|i dont have|i havent got|dont have)\s+(?:really\s+)?anyone)"
    r"(?:\s+(?:really|at all|tbh|else|helps?(?:\s+(?:me|us|them|him|her))?|to be honest|"
    r"i can think of|sadly|now|any more|anymore|except me|but me|apart from me))*$"
)


def is_nobody(text: str) -> bool:
    """True for "nobody", "no one really", "noone", "none", "nobody helps" and the like."""
    return bool(_NOBODY.match(normalise(text)))


def _find_role(words: list[str]) -> tuple[int, int, str] | None:
    """Leftmost, longest lexicon role as (first token, end token, role); plurals keep the s."""
    for i in range(len(words)):
        for size in (3, 2, 1):
            if i + size > len(words):
                continue
            phrase = " ".join(words[i : i + size])
            if phrase in _ROLES:
                return i, i + size, _ROLES[phrase]
            if phrase.endswith("s") and phrase[:-1] in _ROLES:
                return i, i + size, _ROLES[phrase[:-1]] + "s"
    return None


def _find_name(tokens: list[re.Match[str]], skip: range) -> tuple[int, int] | None:
    """First run of capitalised tokens that are not roles, fillers or possessives."""
    start = None
    for i, tok in enumerate(tokens):
        word = tok.group().lower().replace("’", "'")
        is_name = tok.group()[0].isupper() and i not in skip and word not in _NOT_NAMES
        is_name = is_name and not word.endswith("'s")  # "Mum's friend Sarah" names Sarah
        if is_name and start is None:
            start = i
        elif not is_name and start is not None:
            return start, i
    return (start, len(tokens)) if start is not None else None


def _parse_chunk(chunk: str, previous: Person | None) -> Person | None:
    tokens = list(_TOKEN.finditer(chunk))
    words = [t.group().lower().replace("’", "'") for t in tokens]

    def span(a: int, b: int) -> str:
        return chunk[tokens[a].start() : tokens[b - 1].end()]

    role = _find_role(words)
    if not role:
        name = _find_name(tokens, range(0))
        return Person(span(*name), _place(chunk[tokens[name[1] - 1].end() :])) if name else None
    first, end, relationship = role
    name = _find_name(tokens, range(first, end))
    before = words[first - 1] if first else ""
    if name and name[0] == end and words[end - 1] in _TITLE_ROLES:
        return Person(span(first, name[1]), relationship)  # "Auntie Jo"
    if name:
        return Person(span(*name), relationship)  # "my sister Kelly" -> "Kelly"
    if before.endswith("'s"):
        return Person(_capitalise(span(first - 1, end)), relationship)  # "Kelly's mum"
    if previous and before in {"her", "his", "their"}:
        # "my neighbour Sue and her husband": name him through Sue; the role stays his own.
        return Person(f"{previous.name}'s {span(first, end).lower()}", relationship)
    return Person(_capitalise(span(first, end)), relationship)  # "my mum" -> "Mum"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place(rest: str) -> str | None:
    """Place after "at"/"from": "at the school who is..." -> "school"; three words at most."""
    found = _PLACE.search(rest)
    kept: list[str] = []
    for word in found.group(1).lower().split() if found else []:
        if not kept and word in {"the", "my", "his", "her", "their", "our"}:
            continue
        if word in _NOT_NAMES or len(kept) == 3:
            break
        kept.append(word)
    return " ".join(kept) or None


def parse_people(text: str) -> list[Person]:
    """People named in text, in order; [] when the answer means nobody."""
    if is_nobody(text):
        return []
    people: list[Person] = []
    for chunk in _SEPARATORS.split(text):
        if not chunk.strip() or is_nobody(chunk):
            continue
        person = _parse_chunk(chunk, people[-1] if people else None)
        if person and person not in people:
            people.append(person)
    return people
