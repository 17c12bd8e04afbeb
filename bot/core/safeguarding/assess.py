"""One decision for every message: is it a possible disclosure, and how urgent?

The rules (`detector.py`) and the learned check (`learned.py`) both read the message;
either can flag. The level follows the practice brief:

* `immediate`: someone may be in danger now, self-harm or suicide, a child alone or
  scared to go home. The person gets the help reply at once, and the duty alert goes.
* `concern`: harm described while answering a worry question, past or already known.
  It needs the worker's attention, not a crisis interruption: a calm one-line
  acknowledgement, the next question, and the flag on the board.

The rules cannot tell past from present: what they find is `concern` only in an answer
to a question that invites people to describe worries, and only when the learned check
reads the harm as past or known; outside those questions, and for suicide, self-harm,
being scared to go home or asking for help, it is `immediate`. What the learned check
alone finds takes its own reading of past or present, in any question.
A child's `concern` still alerts the worker at once (`bot/portal/safeguarding.py`).

The learned check has two thresholds, both fixed by cross-validation on the training
data (`train.py`). Above the higher one it counts like a rule. Between the two, the
message is only *possibly* about harm. If the check reads it as danger now, and its score
reaches `threshold_possible_urgent`, it is still `immediate`, with the help and the
alerts: an unsure "taking more of my tablets than i
should" must not wait for a look. Otherwise it is a `concern` for the worker to read,
without a word to the person and without an alert, so that a miss becomes a look rather
than nothing, and everyday talk is not met with a crisis message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.safeguarding.detector import Detection, detect
from bot.core.safeguarding.learned import Scores, load_model
from bot.core.vocabulary import CONCERN, IMMEDIATE

LEARNED = "learned_check"  # the category of a flag only the learned check raised
# Up to this many words, an unsure reading of the learned check never interrupts.
SHORT_WORDS = 3
# A greeting alone, the first thing many people type ("hey", "hiya", "good morning").
_GREETING = re.compile(r"(?i)(?:hi+|hey+|hiya|hello+|helo|hallo|yo|morning|good (?:morning|"
                       r"afternoon|evening)|hi there|hello there|hey there)[\s!.,:)😊🙂👋]*")
LOW_SAFETY_SCORE = "low_safety_score"
# Rule categories that are always urgent, whoever says them and whenever it happened.
# (Being left alone or going missing are often told as history in a worry answer: for
# those the learned check's reading of past or present decides, as for other harm.)
ALWAYS_IMMEDIATE = frozenset({"suicidal", "self_harm", "scared_to_go_home", "asking_for_help"})
# Questions about what needs to happen, wishes and what makes a number higher: people
# name the danger there as something to change ("Dad staying away when he has been
# drinking"). The learned check cannot tell such a wish from a disclosure, so what it
# alone finds there is only possibly about harm: a `concern` for the worker to read,
# with no word to the person; what the rules find is still urgent.
GOAL_QUESTIONS = frozenset({
    "safe_needs", "first_sign", "scale_why", "scale_higher", "dreams_life", "dreams_wish",
    "dreams_more",
})
# A button's payload ("/keep_private{...}") is not the person's words: the rules still
# read it, the learned check (trained on words) does not.
_PAYLOAD = re.compile(r"^/[a-z_]+(\{.*\})?$", re.DOTALL)
# Nor is a bare number (a scale answer): it has no words to read. A child's low number
# is flagged by its own rule (bot/portal/safeguarding.py).
_NUMBER = r"(?:\d{1,2}(?:\.\d)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
_JUST_A_NUMBER = re.compile(
    rf"^\W*(?:between\s+)?{_NUMBER}(?:\s*(?:or|to|-|and)\s*{_NUMBER})?"
    r"(\s*(/|out of)\s*(10|ten))?\W*$", re.IGNORECASE)
# Questions that ask people to describe worries: harm told here is often past or known.
WORRY_QUESTIONS = frozenset({
    "worried_about", "worker_worried", "harder", "before_problem", "near_miss",  # adults
    "worries_what", "worries_feelings", "worries_more",  # the child's house of worries
})


@dataclass(frozen=True)
class Assessment:
    category: str
    level: str
    matched: str  # the words the rules matched, or "" for the learned check alone
    by_rules: bool
    by_model: bool
    sure: bool = True  # False: only the learned check's lower threshold was reached


def assess(text: str, question: str | None = None) -> Assessment | None:
    """Flag and level for one message. `question`: the slot of the question the person
    was answering, if any."""
    if not text or not text.strip():
        return None
    found = detect(text)
    if _PAYLOAD.match(text.strip()) or _JUST_A_NUMBER.match(text):
        return _from_rules(found)
    if _GREETING.fullmatch(text.strip()):
        return _from_rules(found)  # "hello" carries nothing for the learned check to read
    model = load_model()
    scores = model.scores(text)
    by_model = scores.harm >= model.threshold
    short = len(text.split()) <= SHORT_WORDS
    if found is None and not by_model:
        # A message of a few words gives the learned check little to read, and its
        # unsure readings of them were noise ("He is kind", "lots" read as danger): there
        # it flags only from the higher of its unsure thresholds, for the worker to read.
        if scores.harm < (model.threshold_possible_urgent if short else
                          model.threshold_possible):
            return None
        # Only possibly about harm. If what it reads is danger now, that is too much to
        # leave to a look: it counts as sure (the help, the alerts).
        level = _level(None, scores, question, model.present_over_past)
        if short or scores.harm < model.threshold_possible_urgent:
            level = CONCERN  # too unsure to interrupt: the worker reads it
        return Assessment(category=LEARNED, level=level, matched="", by_rules=False,
                          by_model=True, sure=level == IMMEDIATE)  # goals: concern
    level = _level(found, scores, question, model.present_over_past)
    if found is None and question in GOAL_QUESTIONS:  # a wish or a plan, most likely
        return Assessment(category=LEARNED, level=CONCERN, matched="", by_rules=False,
                          by_model=True, sure=False)
    return Assessment(category=found.category if found else LEARNED, level=level,
                      matched=found.matched if found else "", by_rules=found is not None,
                      by_model=by_model)


def _from_rules(found: Detection | None) -> Assessment | None:
    if found is None:
        return None
    return Assessment(category=found.category, level=IMMEDIATE, matched=found.matched,
                      by_rules=True, by_model=False)


def _level(found: Detection | None, scores: Scores, question: str | None,
           present_over_past: float) -> str:
    """The rules cannot tell past from present, so outside the worry questions their
    flags are urgent; the learned check reads past and present itself, in any question."""
    if found is not None and (question not in WORRY_QUESTIONS
                              or found.category in ALWAYS_IMMEDIATE):
        return IMMEDIATE
    if found is None and question in GOAL_QUESTIONS:
        return CONCERN
    return IMMEDIATE if scores.immediate >= present_over_past * scores.concern else CONCERN
