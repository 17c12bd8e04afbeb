"""Split a free answer into the separate things it says, keeping people's exact words.

Every part is a slice of the input (only surrounding whitespace, commas and semicolons
are trimmed), so spelling, capitals, emoji and punctuation survive untouched. The one
thing dropped is the joining word where a clause split happens ("but", "however",
"although", ", and", "and"/"so" before a new need or worry): "X, but Y" gives
["X", "Y"], because each part becomes its own item on the map and "but Y" reads oddly
alone. For the same reason a sentence that opens with "But" or "However" loses that word.

Where the rules cut, in order of confidence:
- sentence ends, line breaks and semicolons;
- contrast: "but", "however", "although" (a bare "but" only when a clause follows:
  "kind but lazy" and "cheeky but lovely with it" stay whole);
- ", and" before a new subject ("He is kind, and he helps me");
- a new need or worry opening a clause after ",", "and" or "so" ("...and we need
  help", "..., so I would like contact", "..., just need help with the bills");
- a comma between two whole clauses ("my teacher is nice, i get bullied"), unless the
  first is a condition or a time ("When dad has been drinking, he shouts");
- a leading non-answer ("Nothing, his dad shouts"), and a leading "Although X, Y".
A plain "and" is left alone: "football and swimming", "mum and dad argue",
"mum takes us upstairs and we watch a film" are each one thing.

Parts must stand alone. A sentence that only carries on the one before ("I've done it
every time", "It worked", "She did too", "That helped") stays with it, so that "When
she's had a drink I take the kids to my sister's. I've done it every time" is one item:
a condition and what the person did about it, the existing safety of the practice brief.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .non_answers import is_non_answer

# A full stop after these does not end a sentence ("Mrs. Patel", "e.g. swimming").
_ABBREVIATIONS = {"mr", "mrs", "ms", "mx", "dr", "st", "prof", "rev", "e.g", "i.e", "eg", "ie"}
_ABBREVIATIONS |= {"vs", "approx", "jr", "sr"}
_SENTENCE_END = re.compile(r"(?<![.!?])(?:[.!?]+|…)[\"'”’)\]]*(?=\s)")
_HARD_BREAK = re.compile(r"[\n;]")
# Contrast marks a change of subject; a lone "and" usually joins a list ("fish and chips").
_CONTRAST = re.compile(r"(?:,\s*)?\b(?:but|however|although)\b,?", re.IGNORECASE)
_AND_CLAUSE = re.compile(
    r",\s*and\b(?=\s+(?:i|he|she|we|they|it|you|my|his|her|our|their|there)\b)", re.IGNORECASE
)
# A need or a worry starts something new, whatever came before it.
_ADVERBS = r"(?:(?:just|really|still|also|all|both|definitely|only|do|now|even)\s+)*"
_NEED_VERB = (
    r"(?:need|needs|want|wants|wanna|wish|wishes|should|must"
    r"|would\s+(?:really\s+)?(?:like|love)|worry|worries)\b"
)
# Not "have to": "mum sleeps all day and i have to make my own tea" is one worry.
_WORRIED = r"(?:['’]?m|\s+am|\s+are|['’]?re)\s+" + _ADVERBS + r"(?:worried|scared|frightened)\b"
_OPENER = (
    r"(?:i|we|he|she|they|you|u)(?:\s+" + _ADVERBS + _NEED_VERB
    + r"|['’]?d\s+(?:really\s+)?(?:like|love)\b|" + _WORRIED + ")"
)
_OPENER_CUT = re.compile(
    r"(?:,\s*(?:and\b|so\b)?|\b(?:and|so)\b)(?=\s*" + _OPENER + ")", re.IGNORECASE
)
_BARE_NEED_CUT = re.compile(r",(?=\s*(?:(?:just|really|still|also|only)\s+)?needs?\s)")
_COMMA = re.compile(r",")
_LEADING_ALTHOUGH = re.compile(r"\s*(?:even\s+)?(?:although|though)\b", re.IGNORECASE)

# Words for telling a whole clause ("my teacher is nice") from a fragment ("at school").
_CONTRACTIONS = {"im", "ive", "id", "hes", "shes", "its", "were", "theyre", "youre", "weve"}
_CONTRACTIONS |= {"theyve", "youve", "theres", "thats", "whats", "ill", "itll"}
_SUBJECTS = {"i", "he", "she", "we", "they", "you", "u", "it", "there"} | _CONTRACTIONS
_POSSESSIVES = {"my", "his", "her", "our", "their", "your", "the", "me"}
_AUX = {"is", "are", "was", "were", "am", "been", "has", "have", "had", "do", "does", "did"}
_AUX |= {"can", "could", "will", "would", "should", "must", "may", "might", "r"}
_AUX |= {"cant", "wont", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent"}
_AUX |= {"hasnt", "havent", "hadnt", "wouldnt", "couldnt", "shouldnt", "aint"} | _CONTRACTIONS
# A clause opening with these depends on the next one: "When he drinks, he shouts".
_SUBORDINATE = {"when", "whenever", "if", "because", "cos", "cause", "cuz", "since", "as"}
_SUBORDINATE |= {"after", "before", "while", "whilst", "until", "till", "once", "unless"}
_SUBORDINATE |= {"although", "though", "even", "so", "that", "which", "who", "where"}
_ADVERB_WORDS = {"now", "then", "sometimes", "still", "also", "recently", "lately", "usually"}
_ADVERB_WORDS |= {"mostly", "honestly", "actually", "obviously", "tbh", "otherwise", "at", "least"}
_WORD = re.compile(r"[\w'’]+")
# A present-tense verb after a subject ("shouts", "keeps", "tries"), not "this" or "class".
_VERB_S = re.compile(r"[a-z]{2,}[^s'\W]s")

Span = tuple[int, int]

# A sentence that carries on the one before and means nothing alone: short, and either
# pointing back ("It worked", "That helped", "Which was good") or repeating the last
# verb ("She did too", "So did I", "I've done it every time", "Every time").
_CONTINUATION_WORDS = 7
_POINTS_BACK = re.compile(
    r"^(?:and\s+|so\s+)?(?:it|that|this|which)\s+(?:(?:really|always|usually|never|"
    r"has|have|had|did|does|do|always)\s+)*(?:worked|works|work|helped|helps|help|"
    r"did|does|do|stopped|stops|calmed|kept|keeps)\b",
    re.IGNORECASE)
_SAME_AGAIN = re.compile(
    r"(?:\b(?:did|does|do|has|have|had|was|were|is|are|will|would|can|could)\s+"
    r"(?:too|as\s+well|also)\b"
    r"|^(?:and\s+)?(?:so|nor|neither)\s+(?:did|does|do|has|have|was|is|will|can)\s+\w+"
    r"|^(?:me|us|them|him|her)\s+(?:too|as\s+well)\b"
    r"|\b(?:done|did|do|does|doing)\s+(?:it|that|this|so)\b"
    r"|^(?:and\s+)?(?:every|each)\s+(?:time|single\s+time)\b"
    r"|^(?:always|always\s+(?:has|have|do|does|did))\b)",
    re.IGNORECASE)


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """Whether a run of sentence-ending punctuation really ends a sentence."""
    mark = match.group().rstrip("\"'”’)]")
    if mark in {"..", "...", "…"}:
        # An ellipsis often trails off mid-thought; only a capital starts a new sentence.
        following = text[match.end() : match.end() + 40].lstrip()
        return following[:1].isupper()
    if mark != ".":
        return True
    preceding = re.search(r"[\w.]*$", text[max(0, match.start() - 12) : match.start()])
    assert preceding is not None  # `*$` matches every string, at least emptily
    word = preceding.group()
    return word.lower() not in _ABBREVIATIONS and not (len(word) == 1 and word.isupper())


def _trim(piece: str) -> str:
    """Strip whitespace and joining commas/semicolons from both ends, nothing else."""
    while (trimmed := piece.strip().strip(",;")) != piece:
        piece = trimmed
    return piece


def _cuts(text: str) -> list[Span]:
    """Spans of text that separate sentences: sentence ends, line breaks, semicolons."""
    cuts = [(m.start(), m.end()) for m in _HARD_BREAK.finditer(text)]
    cuts += [(m.end(), m.end()) for m in _SENTENCE_END.finditer(text) if _is_boundary(text, m)]
    return cuts


class _Words:
    """The words of one sentence, with quick questions about any stretch of it."""

    def __init__(self, sentence: str) -> None:
        found = [(m.start(), m.group().lower().replace("’", "'")) for m in _WORD.finditer(sentence)]
        self.starts = [start for start, _ in found]
        self.words = [word.replace("'", "") for _, word in found]
        self.aux = [0]  # aux[k]: how many of the first k words are auxiliaries
        for (_, raw), word in zip(found, self.words, strict=True):
            self.aux.append(self.aux[-1] + (word in _AUX or raw.endswith("n't")))

    def index(self, pos: int) -> int:
        """The index of the first word starting at or after pos."""
        return bisect_left(self.starts, pos)

    def count(self, start: int, end: int) -> int:
        return self.index(end) - self.index(start)

    def first(self, start: int, end: int) -> str:
        i = self.index(start)
        return self.words[i] if i < self.index(end) else ""

    def has_aux(self, start: int, end: int, limit: int | None = None) -> bool:
        i, j = self.index(start), self.index(end)
        if limit is not None:
            j = min(j, i + limit)
        return self.aux[j] > self.aux[i]

    def is_clause(self, start: int, end: int) -> bool:
        """A whole clause of its own: it has a subject and a verb, roughly."""
        first = self.first(start, end)
        if not first or first in _SUBORDINATE:
            return False
        return first in _SUBJECTS or self.has_aux(start, end)

    def starts_clause(self, start: int, end: int) -> bool:
        """Whether a new clause, with its own subject, starts at start."""
        i, j = self.index(start), self.index(end)
        while i < j - 1 and self.words[i] in _ADVERB_WORDS:  # "but now he talks to me"
            i += 1
        if j - i < 2:
            return False
        first = self.words[i]
        start = self.starts[i]
        if first in _SUBJECTS:
            return True
        if first not in _POSSESSIVES:
            return False
        # "my reading is bad", or a verb in -s after the subject: "my (big) dad shouts".
        verbs = self.words[i + 2 : min(i + 4, self.index(end))]
        return self.has_aux(start, end, limit=5) or any(_VERB_S.fullmatch(w) for w in verbs)


def _clause_cuts(sentence: str) -> list[Span]:
    """Cuts inside one sentence where its clauses say different things."""
    words = _Words(sentence)
    end_all = len(sentence)
    # (start, end, kind): kind says what the left and right sides must look like.
    candidates: list[tuple[int, int, str]] = []
    for m in _CONTRAST.finditer(sentence):
        kind = "contrast" if m.group().startswith(",") else "bare_contrast"
        candidates.append((m.start(), m.end(), kind))
    candidates += [(m.start(), m.end(), "and") for m in _AND_CLAUSE.finditer(sentence)]
    candidates += [(m.start(), m.end(), "opener") for m in _OPENER_CUT.finditer(sentence)]
    candidates += [(m.start(), m.end(), "splice") for m in _BARE_NEED_CUT.finditer(sentence)]
    candidates += [(m.start(), m.end(), "splice") for m in _COMMA.finditer(sentence)]
    comma = sentence.find(",")
    opener = comma > 0 and is_non_answer(sentence[:comma])  # "Nothing, his dad shouts"
    if opener:
        candidates.append((comma, comma + 1, "non_answer"))
    although = _LEADING_ALTHOUGH.match(sentence)
    if although:
        candidates.append((0, although.end(), "although"))

    cuts: list[Span] = []
    last = 0
    for start, end, kind in sorted(candidates):
        if start < last or words.count(end, end_all) < 2:
            continue
        left_words = words.count(last, start)
        leading = left_words == 0 and not cuts and kind in {"contrast", "bare_contrast"}
        if leading and not sentence[start:end].lower().strip().startswith("but"):
            # "However, he..." or "However he..." opens a sentence; "However you look at
            # it" and "However much I try" are one thought.
            leading = "," in sentence[start:end] or (
                words.starts_clause(end, end_all) and words.first(end, end_all) not in {"you", "u"}
            )
        if kind == "non_answer" or kind == "although" or leading:
            ok = True  # "Nothing, ...", "Although X, Y", "But when he drinks..."
        elif kind in {"contrast", "and"}:
            ok = left_words >= 2
        elif kind == "bare_contrast":
            ok = left_words >= 2 and (
                words.starts_clause(end, end_all) or words.has_aux(end, end_all, limit=3)
            )
        elif kind == "opener":
            ok = left_words >= 3 or (left_words >= 2 and sentence[start] == ",")
        else:  # a comma between two whole clauses, or before a bare "need"
            bare_need = _BARE_NEED_CUT.match(sentence, start) is not None
            ok = words.is_clause(last, start) and (
                bare_need or words.starts_clause(end, end_all)
            )
        if ok:
            cuts.append((start, end))
            last = end
    # "Although he shouts he never hits": unless a comma cut follows, "although" stays.
    lone = len(cuts) == 1 or (len(cuts) > 1 and sentence[cuts[1][0]] != ",")
    if although and cuts and cuts[0] == (0, although.end()) and lone:
        cuts = cuts[1:]
    return cuts


def _pieces(length: int, cuts: list[Span]) -> list[Span]:
    """The spans between non-overlapping cuts, in order."""
    spans: list[Span] = []
    pos = 0
    for cut_start, cut_end in sorted(cuts):
        if cut_start >= pos:
            spans.append((pos, cut_start))
            pos = cut_end
    return [*spans, (pos, length)]


def is_continuation(sentence: str) -> bool:
    """A sentence that only carries on the one before: "I've done it every time"."""
    words = _WORD.findall(sentence)
    if not words or len(words) > _CONTINUATION_WORDS:
        return False
    plain = _trim(sentence).strip(".!?…")
    return bool(_POINTS_BACK.match(plain) or _SAME_AGAIN.search(plain))


def _trimmed_span(text: str, start: int, end: int) -> Span | None:
    """The span of text[start:end] once _trim has taken off what it takes off."""
    part = _trim(text[start:end])
    if not part:
        return None
    offset = text.index(part, start, end)
    return offset, offset + len(part)


def split_answer(text: str) -> list[str]:
    """Sentences, and clauses that say different things, each an exact slice of text;
    a sentence that only carries on the one before stays with it."""
    spans: list[Span] = []
    for start, end in _pieces(len(text), _cuts(text)):
        sentence = text[start:end]
        if spans and is_continuation(sentence):
            found = _trimmed_span(text, spans[-1][0], end)
            if found:
                spans[-1] = found
                continue
        for a, b in _pieces(len(sentence), _clause_cuts(sentence)):
            found = _trimmed_span(text, start + a, start + b)
            if found:
                spans.append(found)
    return [text[a:b] for a, b in spans]


def answer_parts(text: str) -> list[str]:
    """The parts of an answer that say something (non-answers such as "dunno" left out),
    each routed on its own; the whole answer when no part is left."""
    return [part for part in split_answer(text) if not is_non_answer(part)] or [text.strip()]
