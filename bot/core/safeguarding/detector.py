"""Deterministic safeguarding detector, run on every message a family member
or child types, before anything else looks at it.

Design choices (why):

* Deterministic regular expressions, not a model: every decision can be
  reviewed, reproduced and explained to a safeguarding lead, and it works
  offline with no downloads.
* All patterns and reply texts live in ``patterns.yml`` so there is ONE
  reviewed place for them; this module only knows how to normalise text and
  run the rules.
* We lean towards flagging: a flag is looked at by a person, a miss is not.

``matched`` in a :class:`Detection` is an exact substring of the original
message, widened to whole words: normalisation (text-speak, leetspeak,
squashed letters) works word by word and each normalised word remembers the
span of the original word it came from.  So for "i wanna kms" the match is
reported as "kms", not "kill myself".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("patterns.yml")
AUDIENCES = ("adult", "child", "easy_read")

# Characters that render as nothing; people (and filters) use them to split
# words so that keyword checks miss them.
_ZERO_WIDTH = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
)
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\uff07")
# Cyrillic/Greek letters that look Latin: copied text and "clever" spelling.
_HOMOGLYPHS = dict(zip("аеорсухіјѕԁкмтнвοιαεѵ", "aeopcyxijsdkmthboiaev", strict=True))
# Kept inside words so leetspeak and censoring can be undone later.
_WORD_SYMBOLS = frozenset("@$*!|")
_LEET = str.maketrans("013457@$!|", "oieastasii")
# Numbers with units ("10pm", "3rd", "12yo") and names with numbers ("ps5",
# "year7") are real words: leave their digits alone.
_NOT_LEET = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|yo|yrs?|y|s|k|m|x|kg|g|cm|mm|ft|mins?|hrs?|h|p|mph|lbs?|ml|gb|mb|d|ish)?"
    r"|[a-z]{1,5}\d{1,4}"
)
_LETTER_RUN = re.compile(r"([a-z])\1+")
# Same, for pattern sources: never squash a letter that is part of an escape
# such as "\bb" (word boundary then "b").
_PATTERN_LETTER_RUN = re.compile(r"(?<!\\)([a-z])\1+")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_GAP = " ... "
_GAP_REGEX = r"(?: \w+){0,3} "
# Single letters that are words or text-speak ("i", "u", "r"): a run of
# these is a sentence, not a spaced-out word.
_SINGLE_WORDS = frozenset("aiurnybcmk")
_MAX_FUZZY_DISTANCE = 1
_MIN_FUZZY_LENGTH = 5


@dataclass(frozen=True)
class Detection:
    """A possible disclosure: which category, and the words that matched."""

    category: str
    matched: str


@dataclass(frozen=True)
class Category:
    """One compiled category of patterns from patterns.yml."""

    name: str
    description: str
    combined: re.Pattern[str]
    patterns: tuple[re.Pattern[str], ...]
    exceptions: re.Pattern[str] | None


@dataclass(frozen=True, eq=False)  # eq=False: hash by identity, for the token cache
class Rules:
    """Everything loaded from patterns.yml, compiled and ready to use."""

    categories: tuple[Category, ...]
    textspeak: Mapping[str, tuple[str, ...]]
    emoji: Mapping[str, str]
    vocab: frozenset[str]
    fuzzy_index: Mapping[str, tuple[str, ...]]
    fuzzy_never: frozenset[str]
    replies: Mapping[str, str]
    offers: Mapping[str, str]


@dataclass(frozen=True)
class Normalised:
    """Normalised text plus, for each character, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


# ---------------------------------------------------------------------------
# Loading and compiling the rules


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and compile patterns.yml (cached: the portal calls this per message)."""
    return _load_rules_cached(str(Path(path) if path else DEFAULT_PATH))


@lru_cache(maxsize=8)
def _load_rules_cached(path: str) -> Rules:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    words = {name: list(entries) for name, entries in raw.get("words", {}).items()}
    categories = tuple(
        _compile_category(name, spec, words) for name, spec in raw["categories"].items()
    )
    textspeak = _build_textspeak(raw.get("textspeak", {}))
    vocab = _build_vocab(categories, textspeak, raw.get("fuzzy_keywords", []))
    fuzzy = [squash(str(word).lower()) for word in raw.get("fuzzy_keywords", [])]
    return Rules(
        categories=categories,
        textspeak=textspeak,
        emoji={str(k): str(v) for k, v in raw.get("emoji", {}).items()},
        vocab=vocab,
        fuzzy_index=_build_fuzzy_index(fuzzy),
        fuzzy_never=frozenset(squash(str(w).lower()) for w in raw.get("fuzzy_never", [])),
        replies=_check_replies(raw.get("replies", {})),
        offers=_check_replies(raw.get("offers", {})),
    )


def _compile_category(
    name: str, spec: Mapping[str, Any], words: Mapping[str, list[str]]
) -> Category:
    sources = [compile_source(p, words) for p in spec["patterns"]]
    exception_sources = [compile_source(p, words) for p in spec.get("exceptions") or []]
    patterns = tuple(_compile(src, name) for src in sources)
    exceptions = _compile("|".join(exception_sources), name) if exception_sources else None
    return Category(
        name=name,
        description=str(spec.get("description", "")),
        combined=_compile("|".join(sources), name),
        patterns=patterns,
        exceptions=exceptions,
    )


def compile_source(pattern: str, words: Mapping[str, list[str]]) -> str:
    """Turn one YAML pattern into the regex source that runs on normalised text."""
    expanded = _expand(str(pattern), words, depth=0)
    expanded = expanded.replace(_GAP, _GAP_REGEX)
    # The text has every run of a letter squashed to one, so the patterns must be too.
    return r"\b(?:" + _PATTERN_LETTER_RUN.sub(r"\1", expanded) + r")\b"


def _expand(pattern: str, words: Mapping[str, list[str]], depth: int) -> str:
    if depth > 10:
        raise ValueError(f"word lists nest too deeply near: {pattern!r}")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in words:
            raise ValueError(f"unknown word list {{{name}}} in pattern {pattern!r}")
        inner = "|".join(_expand(str(entry), words, depth + 1) for entry in words[name])
        return f"(?:{inner})"

    return _PLACEHOLDER.sub(replace, pattern)


def _compile(source: str, category: str) -> re.Pattern[str]:
    try:
        return re.compile(source)
    except re.error as error:  # name the category: the YAML is hand-edited
        raise ValueError(f"bad pattern in category {category!r}: {error}") from error


def _build_textspeak(table: Mapping[Any, Any]) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        mapping[str(key).lower()] = tuple(squash(w) for w in str(value).lower().split())
    return mapping


def _build_vocab(
    categories: Iterable[Category],
    textspeak: Mapping[str, tuple[str, ...]],
    keywords: Iterable[str],
) -> frozenset[str]:
    """Every word the patterns can match: used to repair censored and clipped words."""
    vocab: set[str] = set()
    for category in categories:
        source = re.sub(r"\\[a-zA-Z]", " ", category.combined.pattern)
        vocab.update(re.findall(r"[a-z]{2,}", source))
    for words in textspeak.values():
        vocab.update(words)
    vocab.update(squash(str(k).lower()) for k in keywords)
    return frozenset(vocab)


def _build_fuzzy_index(keywords: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Symmetric-delete index: keyword and each one-letter deletion -> keywords."""
    index: dict[str, list[str]] = {}
    for word in keywords:
        for variant in {word, *_deletions(word)}:
            index.setdefault(variant, []).append(word)
    return {k: tuple(v) for k, v in index.items()}


def _check_replies(replies: Mapping[str, Any]) -> dict[str, str]:
    missing = [a for a in AUDIENCES if not str(replies.get(a, "")).strip()]
    if missing:
        raise ValueError(f"patterns.yml has no reply text for: {', '.join(missing)}")
    # Keep the line breaks: each line is one short step for the reader; a blank line
    # (Easy Read) starts a new group of steps.
    return {a: "\n\n".join("\n".join(_lines(part))
                           for part in re.split(r"\n\s*\n", str(replies[a]).strip()))
            for a in AUDIENCES}


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]


# ---------------------------------------------------------------------------
# Normalisation


def squash(word: str) -> str:
    """Squash every run of a repeated letter to one ("killll" -> "kil")."""
    return _LETTER_RUN.sub(r"\1", word)


def normalise(text: str, rules: Rules | None = None) -> Normalised:
    """Normalise a message for matching, remembering where each word came from."""
    rules = rules or load_rules()
    chars = _clean_characters(text, rules.emoji)
    tokens = _join_spaced_letters(_tokenise(chars))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, (_token, start, end) in enumerate(tokens):
        for word in _token_words(tokens, index, rules):
            if parts:
                parts.append(" ")
                starts.append(start)
                ends.append(end)
            parts.append(word)
            starts.extend([start] * len(word))
            ends.extend([end] * len(word))
    return Normalised("".join(parts), tuple(starts), tuple(ends))


def _clean_characters(text: str, emoji: Mapping[str, str]) -> list[tuple[str, int]]:
    """Lower-case, fold Unicode and punctuation; keep each char's original index."""
    out: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in _ZERO_WIDTH or char in _APOSTROPHES or char == "\ufe0f":
            continue  # apostrophes dropped: "don't" -> "dont", as people also type it
        if char in emoji:
            out.extend((c, index) for c in f" {emoji[char]} ")
            continue
        for folded in _fold(char):
            out.append((folded, index))
    return out


def _fold(char: str) -> str:
    if char.isascii():
        lower = char.lower()
        return lower if lower.isalnum() or lower in _WORD_SYMBOLS else " "
    return _fold_unicode(char)


@lru_cache(maxsize=4096)
def _fold_unicode(char: str) -> str:
    """NFKC (full-width, styled letters), strip accents, map look-alikes."""
    result = []
    for part in unicodedata.normalize("NFKC", char).lower():
        for base in unicodedata.normalize("NFD", part):
            if unicodedata.combining(base):
                continue
            base = _HOMOGLYPHS.get(base, base)
            if base in _APOSTROPHES:
                continue
            result.append(base if base.isalnum() or base in _WORD_SYMBOLS else " ")
    return "".join(result)


def _tokenise(chars: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Split into words; each word keeps the original span [start, end)."""
    tokens: list[tuple[str, int, int]] = []
    current: list[tuple[str, int]] = []
    for char, index in [*chars, (" ", -1)]:
        if char != " ":
            current.append((char, index))
            continue
        word = _strip_symbols(current)
        if word:
            tokens.append(("".join(c for c, _ in word), word[0][1], word[-1][1] + 1))
        current = []
    return tokens


def _strip_symbols(word: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # "*hugs*" and "help!!!" keep only the word; "k*ll" and "$ex" keep theirs.
    start, end = 0, len(word)
    while start < end and word[start][0] in "!|*@":
        start += 1
    while end > start and word[end - 1][0] in "!|*":
        end -= 1
    return word[start:end]


def _join_spaced_letters(tokens: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Join s p a c e d  o u t letters ("k i l l" -> "kill")."""
    out: list[tuple[str, int, int]] = []
    run: list[tuple[str, int, int]] = []
    for token in [*tokens, ("", 0, 0)]:
        if len(token[0]) == 1 and token[0].isalpha():
            run.append(token)
            continue
        out.extend(_merge_run(run))
        run = []
        if token[0]:
            out.append(token)
    return out


def _merge_run(run: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    letters = [t[0] for t in run]
    unusual = sum(1 for letter in letters if letter not in _SINGLE_WORDS)
    if len(run) < 3 or unusual < 2:
        return run  # "i m ok", "u r" are sentences, not spaced-out words
    return [("".join(letters), run[0][1], run[-1][2])]


def _token_words(tokens: list[tuple[str, int, int]], index: int, rules: Rules) -> tuple[str, ...]:
    token = tokens[index][0]
    if token.isdigit() and not _between_words(tokens, index):
        return (token,)  # "2" is "to" in "want 2 die", but not in "2-1" or "2 days"
    # Cached per rules object: the same few thousand words make up most messages.
    return _normalise_token_cached(token, rules)


def _between_words(tokens: list[tuple[str, int, int]], index: int) -> bool:
    if index == 0 or index + 1 >= len(tokens):
        return False
    return tokens[index - 1][0].isalpha() and tokens[index + 1][0].isalpha()


@lru_cache(maxsize=65536)
def _normalise_token_cached(token: str, rules: Rules) -> tuple[str, ...]:
    if token in rules.textspeak:
        return rules.textspeak[token]
    word = _undo_leet(token)
    if word in rules.textspeak:
        return rules.textspeak[word]
    squashed = squash(word)
    if squashed != word and squashed in rules.textspeak:
        return rules.textspeak[squashed]
    return (_repair(squashed, rules),)


def _undo_leet(token: str) -> str:
    has_letter = any(c.isalpha() for c in token)
    has_symbol = any(not c.isalpha() for c in token)
    if not (has_letter and has_symbol) or _NOT_LEET.fullmatch(token):
        return token
    return token.translate(_LEET)


def _repair(word: str, rules: Rules) -> str:
    """Fill in censored letters, restore a dropped g, fix one-letter typos."""
    if "*" in word:
        return _uncensor(word, rules.vocab)
    if word in rules.vocab or not word.isalpha():
        return word
    if word.endswith("in") and word + "g" in rules.vocab:
        return word + "g"  # "hittin" -> "hitting"
    return _fuzzy(word, rules) or word


def _uncensor(word: str, vocab: frozenset[str]) -> str:
    parts = [re.escape(p) for p in word.split("*")]
    matcher = re.compile("[a-z]{0,2}".join(parts))
    # Fewest filled-in letters first: "d*e" is "die" rather than "dare".
    candidates = sorted((w for w in vocab if matcher.fullmatch(w)), key=lambda w: (len(w), w))
    return candidates[0] if candidates else word.replace("*", "")


def _fuzzy(word: str, rules: Rules) -> str | None:
    if len(word) < _MIN_FUZZY_LENGTH or word in rules.fuzzy_never:
        return None
    candidates: set[str] = set()
    for variant in (word, *_deletions(word)):
        candidates.update(rules.fuzzy_index.get(variant, ()))
    close = sorted(c for c in candidates if _distance(word, c) <= _MAX_FUZZY_DISTANCE)
    return close[0] if close else None


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus swapped neighbours)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


# ---------------------------------------------------------------------------
# Detection


def detect(text: str, rules: Rules | None = None) -> Detection | None:
    """Return the most urgent possible disclosure in ``text``, or None.

    Categories are tried in the order of patterns.yml (most urgent first).
    """
    if not text or not text.strip():
        return None
    rules = rules or load_rules()
    norm = normalise(text, rules)
    for category in rules.categories:
        span = _find(category, norm.text)
        if span is not None:
            return Detection(category.name, _original_excerpt(text, norm, span))
    return None


def _find(category: Category, text: str) -> tuple[int, int] | None:
    match = category.combined.search(text)
    if match is None:
        return None
    if category.exceptions is None:
        return match.span()
    vetoes = [m.span() for m in category.exceptions.finditer(text)]
    if not vetoes:
        return match.span()
    # Slow path, only when a safe phrase is present: look at every match of
    # every pattern so that "beat me at cards, then he beat me up" is caught.
    for pattern in category.patterns:
        span = _first_unvetoed(pattern, text, vetoes)
        if span is not None:
            return span
    return None


def _first_unvetoed(
    pattern: re.Pattern[str], text: str, vetoes: list[tuple[int, int]]
) -> tuple[int, int] | None:
    match = pattern.search(text)
    while match is not None:
        start, end = match.span()
        if not any(start < v_end and v_start < end for v_start, v_end in vetoes):
            return start, end
        match = pattern.search(text, start + 1)
    return None


def _original_excerpt(text: str, norm: Normalised, span: tuple[int, int]) -> str:
    start, end = span
    while start < end and norm.text[start] == " ":
        start += 1
    while end > start and norm.text[end - 1] == " ":
        end -= 1
    if start >= end:
        return text.strip()
    return text[norm.starts[start] : norm.ends[end - 1]]


# ---------------------------------------------------------------------------
# Replies


def offer_text(audience: str, rules: Rules | None = None) -> str:
    """After the help: the choice to carry on or to stop for now."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    return (rules or load_rules()).offers[audience]


def reply_text(audience: str, rules: Rules | None = None) -> str:
    """The reply shown after a possible disclosure: audience "adult" or "child"."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    return (rules or load_rules()).replies[audience]
