"""Split a free answer into the separate things it says, keeping people's exact words.

Every part is a slice of the input (only surrounding whitespace, commas and semicolons
are trimmed), so spelling, capitals, emoji and punctuation survive untouched. The one
thing dropped is the joining word where a clause split happens ("but", "however",
"although", ", and"): "X, but Y" gives ["X", "Y"], because each part becomes its own
item on the map and "but Y" reads oddly alone.
"""

from __future__ import annotations

import re

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
# Each side of a clause split must say something: "nothing but trouble" stays whole.
_TWO_WORDS = re.compile(r"\w+\W+\w")

Span = tuple[int, int]


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """Whether a run of sentence-ending punctuation really ends a sentence."""
    mark = match.group().rstrip("\"'”’)]")
    if mark in {"..", "...", "…"}:
        # An ellipsis often trails off mid-thought; only a capital starts a new sentence.
        following = text[match.end() : match.end() + 40].lstrip()
        return following[:1].isupper()
    if mark != ".":
        return True
    word = re.search(r"[\w.]*$", text[max(0, match.start() - 12) : match.start()]).group()
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


def _clause_cuts(sentence: str) -> list[Span]:
    """Cuts inside one sentence where its clauses say different things."""
    candidates = [m.span() for m in _CONTRAST.finditer(sentence)]
    candidates += [m.span() for m in _AND_CLAUSE.finditer(sentence)]
    comma = sentence.find(",")
    opener = comma > 0 and is_non_answer(sentence[:comma])  # "Nothing, his dad shouts"
    if opener:
        candidates.append((comma, comma + 1))
    cuts: list[Span] = []
    last = 0
    for start, end in sorted(candidates):
        left_ok = (opener and start == comma) or _TWO_WORDS.search(sentence, last, start)
        if start >= last and left_ok and _TWO_WORDS.search(sentence, end):
            cuts.append((start, end))
            last = end
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


def split_answer(text: str) -> list[str]:
    """Sentences, and clauses that say different things, each an exact slice of text."""
    parts: list[str] = []
    for start, end in _pieces(len(text), _cuts(text)):
        sentence = text[start:end]
        for a, b in _pieces(len(sentence), _clause_cuts(sentence)):
            part = _trim(sentence[a:b])
            if part:
                parts.append(part)
    return parts
