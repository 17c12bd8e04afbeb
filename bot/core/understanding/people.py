"""Pull the people in someone's network out of an answer to "Who helps?".

Every person named counts, sentence by sentence ("My mum Jean helps every day. My friend
Amy takes him to football." names Jean and Amy), but not a person named only to be left
out ("not my dad", "anyone but his dad", "his dad doesn't help") or in a condition
("my nan but not when dad is there" names Nan alone). What a sentence says beyond naming
someone is what was said about them ("how they help"), kept in the person's own words.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .non_answers import normalise


@dataclass(frozen=True)
class Person:
    """name is as typed ("Mrs Patel", "Auntie Jo") or the role capitalised ("Mum").

    `named` and `own` say how they were named, for matching one person across the
    people who named them; they are not part of who the person is (equality)."""

    name: str
    relationship: str | None
    named: bool = field(default=True, compare=False)  # False: a role alone ("my nan")
    own: bool = field(default=False, compare=False)  # "my"/"our" before the role


@dataclass(frozen=True)
class Mention:
    """A person as named in one sentence; `says_more`: the sentence says something of
    them beyond their name ("My mum Jean helps every day", not "my mum and Kelly")."""

    person: Person
    sentence: str  # exactly as typed
    says_more: bool


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
ROLES = frozenset(_ROLES.values())  # every relationship a role can be filed as
# Said together with a name as one form of address: "Auntie Jo", "Nanny Pat", "Grandad Joe".
_TITLE_ROLES = {"auntie", "aunty", "aunt", "uncle", "nan", "nanna", "nana", "nanny", "gran"}
_TITLE_ROLES |= {"granny", "grandma", "grandad", "grandpa"}
_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "mx", "st", "prof", "rev"}
# Capitalised words that are not names (sentence starts, fillers, pronouns).
_NOT_NAMES = {
    "i", "me", "my", "myself", "we", "us", "our", "he", "him", "his", "she", "her", "they",
    "them", "their", "it", "you", "your", "the", "a", "an", "and", "also", "just", "only",
    "maybe", "probably", "mainly", "mostly", "sometimes", "really", "definitely", "honestly",
    "well", "yes", "yeah", "oh", "um", "erm", "both", "all", "everyone", "family", "nobody",
    "noone", "none", "nothing", "no", "not", "then", "who", "that", "this", "those", "there",
    "when", "which", "at", "from", "in", "with"
}  # fmt: skip
# Capitalised words that start a sentence or name a day, place or thing, never a person.
_NOT_PEOPLE = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december", "christmas", "easter", "eid", "diwali", "weekends",
    "school", "nursery", "college", "work", "church", "mosque", "temple", "football",
    "scouts", "cubs", "brownies", "beavers", "guides", "tesco", "asda", "home", "everything",
    "something", "anything", "thanks", "thank", "please", "sorry", "hopefully", "usually",
    "always", "often", "never", "because", "if", "but", "so", "after", "before", "on", "to",
    "for", "of", "by", "helps", "help", "takes", "picks", "gives", "looks", "cooks", "comes",
    "phones", "calls", "rings", "visits", "drives", "has", "have", "had", "is", "are", "was",
    "were", "can", "could", "will", "would", "does", "did", "do", "lives", "listens", "talks",
    "anyone", "anybody", "everybody", "someone", "somebody", "other", "others", "people",
    "kids", "children", "friends", "ok", "okay", "lol", "xx", "x",
}  # fmt: skip
_DETERMINERS = {"my", "our", "his", "her", "their", "the", "your"}
_SEPARATORS = re.compile(r"[,;&+/\n]|\b(?:and|n|plus|or|also|but)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_TAG = re.compile(r"<[^>]*>")
# "Mrs Patel at school" -> "school": the place is how the family knows the person.
_PLACE = re.compile(r"\b(?:at|from)\s+([^\W\d_][\w'’ -]*)")
_NOBODY = re.compile(
    r"^(?:(?:u+m+|e+rm*|honestly|well|sadly|really|just|theres|there is)\s+)*"
    r"(?:nobody|no one|noone|no body|none|no1|"
    r"(?:not|isnt|there isnt|i dont have|i havent got|dont have)\s+(?:really\s+)?anyone)"
    r"(?:\s+(?:really|at all|tbh|else|helps?(?:\s+(?:me|us|them|him|her))?|to be honest|"
    r"i can think of|sadly|now|any more|anymore|except me|but me|apart from me))*$"
)
# A sentence ends at . ! ? (not after "Mrs.") or a new line.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
# Who is left out: "not my dad", "anyone but his dad", "except his dad", "apart from Dad".
_LEFT_OUT = re.compile(
    r"\b(?:(?:any|every)(?:one|body)\s+(?:but|except(?:\s+for)?|apart\s+from|other\s+than|"
    r"besides)|not(?!\s+(?:just|only|even)\b)|never|except(?:\s+for)?|excluding|"
    r"apart\s+from|other\s+than|besides|without)\b", re.IGNORECASE)
# ...unless the one left out is the only one in: "nobody except my nan".
_NOBODY_BEFORE = re.compile(r"\b(?:nobody|no\s*-?\s*one|none|no\s+body)\W*$", re.IGNORECASE)
_NOBODY_AFTER = re.compile(r"^\W*(?:nobody|no\s*-?\s*one|none|no\s+body)\b", re.IGNORECASE)
# A condition or a reason is not a list of helpers: "when dad is there", "so I can see my GP".
_CONDITION = re.compile(r"\b(?:when|whenever|if|unless|while|whilst|because|cos|coz|cause|"
                        r"so|until|till)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;]|\bbut\b(?!\s+not\b)", re.IGNORECASE)
# "his dad doesn't help", "my brother won't": named, and said not to help.
_DOES_NOT_HELP = re.compile(
    r"\b(?:doesn'?t|does\s+not|don'?t|do\s+not|won'?t|will\s+not|wouldn'?t|would\s+not|"
    r"can'?t|cannot|isn'?t|is\s+not|never|didn'?t|did\s+not)\b"
    r"(?:\s+(?:really|even|ever|at\s+all|bother(?:s)?\s+to|want\s+to))*\s*"
    r"(?:help|support|care|bother|do\s+anything|get\s+involved|come|visit|\W*$)",
    re.IGNORECASE)
_READ_ON = 60  # characters: how far a "doesn't help" after a name still reads as theirs
# Words that say nothing of a person by themselves ("my mum and also Kelly").
_EMPTY_WORDS = _NOT_NAMES | {"but", "or", "n", "plus", "except", "apart", "other", "than",
                             "besides", "never", "excluding", "without", "anyone", "anybody",
                             "everybody", "for", "of", "too", "as", "guess", "suppose",
                             "think", "say", "would", "most", "def", "deffo", "lol", "x"}


def is_nobody(text: str) -> bool:
    """True for "nobody", "no one really", "noone", "none", "nobody helps" and the like."""
    return bool(_NOBODY.match(normalise(text)))


def sentences(text: str) -> list[str]:
    """The sentences of text, each exactly as typed (without the space around it)."""
    found, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if end.group() == "." and _after_title(text[max(start, end.start() - 8):end.start()]):
            continue  # "Mrs. Patel" is one name, not two sentences
        found.append(text[start:end.end()].strip())
        start = end.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def _after_title(before: str) -> bool:
    words = _TOKEN.findall(before)
    return bool(words) and words[-1].lower() in _HONORIFICS


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


def _name_runs(tokens: list[re.Match[str]], skip: range) -> Iterator[tuple[int, int]]:
    """Runs of capitalised tokens that are not roles, fillers or possessives."""
    start = None
    for i, tok in enumerate(tokens):
        word = tok.group().lower().replace("’", "'")
        is_name = tok.group()[0].isupper() and i not in skip and word not in _NOT_NAMES
        is_name = is_name and not word.endswith("'s")  # "Mum's friend Sarah" names Sarah
        if is_name and start is None:
            start = i
        elif not is_name and start is not None:
            yield start, i
            start = None
    if start is not None:
        yield start, len(tokens)


def _lead_name(tokens: list[re.Match[str]], words: list[str]) -> tuple[int, int] | None:
    """A name that starts the chunk ("Amy takes him", "Sometimes Kelly"): a capitalised
    word later on is more often a place or a thing ("takes him to Tesco")."""
    for start, end in _name_runs(tokens, range(0)):
        leading = all(word in _NOT_NAMES or len(word) == 1 for word in words[:start])
        if leading and words[start] not in _NOT_PEOPLE:
            return start, end
        return None
    return None


def _name_by_role(tokens: list[re.Match[str]], words: list[str],
                  first: int, end: int) -> tuple[int, int] | None:
    """The name said with the role: "my sister Kelly", "Kelly my sister", "Jean (my mum)"."""
    for start, stop in _name_runs(tokens, range(first, end)):
        gap = words[stop:first]
        if (start == end or (stop <= first and all(w in _DETERMINERS for w in gap)
                            and len(gap) <= 1)) and words[start] not in _NOT_PEOPLE:
            return start, stop
    return None


def _parse_chunk(chunk: str, previous: Person | None) -> tuple[Person, set[int]] | None:
    """The person a chunk names and which of its tokens name them (by position)."""
    tokens = list(_TOKEN.finditer(chunk))
    words = [t.group().lower().replace("’", "'") for t in tokens]

    def span(a: int, b: int) -> str:
        return chunk[tokens[a].start() : tokens[b - 1].end()]

    role = _find_role(words)
    if not role:
        name = _lead_name(tokens, words)
        if name is None:
            return None
        place, place_tokens = _place(chunk, tokens, name[1])
        return Person(span(*name), place), {*range(*name), *place_tokens}
    first, end, relationship = role
    name = _name_by_role(tokens, words, first, end)
    before = words[first - 1] if first else ""
    own = before in ("my", "our")
    covered = {*range(first, end)}
    if name and name[0] == end and words[end - 1] in _TITLE_ROLES and tokens[
            end - 1].group()[0].isupper():
        # "Auntie Jo", "Nanny Pat": the role said as part of the name ("my nan Pat": Pat)
        return Person(span(first, name[1]), relationship, own=own), covered | {
            *range(*name)}
    if name:
        return Person(span(*name), relationship, own=own), covered | {*range(*name)}
    if before.endswith("'s"):  # "Kelly's mum"
        return (Person(_capitalise(span(first - 1, end)), relationship, named=False),
                covered | {first - 1})
    if previous and before in {"her", "his", "their"}:
        # "my neighbour Sue and her husband": name him through Sue; the role stays his own.
        return (Person(f"{previous.name}'s {span(first, end).lower()}", relationship,
                       named=False), covered)
    return Person(_capitalise(span(first, end)), relationship, named=False, own=own), covered


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place(chunk: str, tokens: list[re.Match[str]], after: int) -> tuple[str | None, set[int]]:
    """Place after "at"/"from": "at the school who is..." -> "school"; three words at most,
    with the positions of the tokens that said it."""
    rest_at = tokens[after - 1].end()
    found = _PLACE.search(chunk, rest_at)
    if not found:
        return None, set()
    kept: list[str] = []
    used: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.start() < found.start() or i < after:
            continue
        word = tok.group().lower()
        if tok.start() < found.start(1):
            used.add(i)  # "at" / "from"
            continue
        if not kept and word in {"the", "my", "his", "her", "their", "our"}:
            used.add(i)
            continue
        if word in _NOT_NAMES or len(kept) == 3:
            break
        kept.append(word)
        used.add(i)
    return (" ".join(kept) or None), used


def _masked(sentence: str) -> str:
    """The sentence with who is left out and conditions blanked (same length, so places
    stay the same): what remains is who was named as helping."""
    ends = [found.start() for found in _CLAUSE_END.finditer(sentence)] + [len(sentence)]
    chars = list(sentence)
    for pattern, check in ((_LEFT_OUT, True), (_CONDITION, False)):
        for found in pattern.finditer(sentence):
            stop = ends[bisect.bisect_left(ends, found.end())]
            if check and (_NOBODY_BEFORE.search(sentence[max(0, found.start() - 12):
                                                         found.start()])
                          or _NOBODY_AFTER.search(sentence[stop : stop + 14].lstrip(",;"))):
                continue  # "nobody except my nan", "apart from my mum, nobody"
            chars[found.start()] = ","  # a separator: what came before stands alone
            for i in range(found.start() + 1, stop):
                if chars[i] == " " and i > found.end() and sentence[i] != " ":
                    break  # blanked already from here on: no need to go again
                chars[i] = " "
    return "".join(chars)


def _chunks(masked: str) -> Iterator[tuple[int, str]]:
    """The parts between separators, each with where it starts."""
    start = 0
    for separator in _SEPARATORS.finditer(masked):
        yield start, masked[start : separator.start()]
        start = separator.end()
    yield start, masked[start:]


def _said_of(sentence: str, masked: str) -> Iterator[tuple[Person, set[int]]]:
    """Each person the sentence names as helping, with the sentence-token positions that
    name them."""
    starts = {m.start(): i for i, m in enumerate(_TOKEN.finditer(sentence))}
    ends = [found.start() for found in _CLAUSE_END.finditer(sentence)] + [len(sentence)]
    previous: Person | None = None
    for offset, part in _chunks(masked):
        if not part.strip() or is_nobody(part):
            continue
        chunk = _TAG.sub(lambda tag: " " * len(tag.group()), part)
        found = _parse_chunk(chunk, previous)
        end = offset + len(part)
        if found is None or _DOES_NOT_HELP.search(
                sentence[offset:end] + " " + _rest_of_clause(sentence, end, ends)):
            continue
        person, tokens = found
        chunk_tokens = list(_TOKEN.finditer(chunk))
        yield person, {starts[offset + chunk_tokens[i].start()] for i in tokens
                       if offset + chunk_tokens[i].start() in starts}
        previous = person


def _rest_of_clause(sentence: str, at: int, ends: list[int]) -> str:
    """What follows a chunk up to the next comma ("his dad and his brother don't help"),
    a few words at most."""
    return sentence[at : min(ends[bisect.bisect_left(ends, at)], at + _READ_ON)]


def _says_more(sentence: str, masked: str, naming: set[int]) -> bool:
    """Whether the sentence has words beyond the people it names and joining words."""
    for i, tok in enumerate(_TOKEN.finditer(sentence)):
        word = tok.group().lower().replace("’", "'")
        if i in naming or word in _EMPTY_WORDS or len(word) == 1 or _find_role([word]):
            continue
        if tok.group()[0].isupper() and masked[tok.start()] != tok.group()[0]:
            continue  # a name left out ("not Kelly") says nothing of the others
        return True
    return False


def mentions(text: str) -> list[Mention]:
    """Every person named in text, sentence by sentence, in order; [] for "nobody"."""
    if is_nobody(text):
        return []
    found: list[Mention] = []
    for sentence in sentences(text):
        masked = _masked(sentence)
        named = list(_said_of(sentence, masked))
        if not named:
            continue
        naming = set().union(*(tokens for _, tokens in named))
        more = _says_more(sentence, masked, naming)
        found += [Mention(person, sentence, more) for person, _ in named]
    return found


def parse_people(text: str) -> list[Person]:
    """People named in text, in order; [] when the answer means nobody."""
    people: list[Person] = []
    for mention in mentions(text):
        if mention.person not in people:
            people.append(mention.person)
    return people


def name_key(person: Person) -> str:
    """The name without titles or punctuation, for matching: "Auntie Jo" -> "jo",
    "Mrs. Patel" -> "mrs patel"."""
    words = [w.lower().replace("’", "'") for w in _TOKEN.findall(person.name)]
    kept = [w for w in words if w not in _TITLE_ROLES] or words
    return " ".join(kept)


def _refers_to(sentence: str, person: Person) -> bool:
    """Whether a sentence of "How do they help?" is about this person: their name, or
    the role they were named by ("Jean has him after school", "my mum cooks")."""
    said = " " + " ".join(w.lower().replace("’", "'") for w in _TOKEN.findall(sentence)) + " "
    words = [w for w in name_key(person).split() if w not in _HONORIFICS and len(w) > 1]
    if person.named and words and any(f" {word} " in said for word in words):
        return True
    role = (person.relationship or "").lower()
    return role in ROLES and (f" {role} " in said or f" {role}s " in said)


def help_for(text: str, people: Sequence[Person]) -> dict[Person, list[str]]:
    """Which words of the answer to "How do they help?" are about whom.

    Each sentence goes to the people it names; a sentence that names nobody reads on from
    the one before ("Jean has him. She cooks too."). Only when the answer names none of
    them, or there is one person, is the whole answer about everyone named. Sentences
    before the first that names someone ("They're both great.") are about them all."""
    if not people or not text.strip():
        return {}
    split = sentences(text)
    about = [[p for p in people if _refers_to(s, p)] for s in split]
    if len(people) == 1 or not any(about):
        return {person: [text.strip()] for person in people}
    words: dict[Person, list[str]] = {person: [] for person in people}
    current: list[Person] = list(people)
    for sentence, named in zip(split, about, strict=True):
        current = named or current
        for person in current:
            words[person].append(sentence)
    return words
