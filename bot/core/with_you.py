"""'Was anyone with you while you answered?': asked of everyone at the end, skippably.

Plain logic, no Rasa and no database: the answer codes the buttons send, the words the
worker reads, and when an answer is a `concern` for the worker. A child or young person
who says someone was there may have been watched or steered while answering; an adult
with someone beside them is only worth knowing.

The buttons send `/with_you{"with_you": "<code>"}`, never plain words: "someone was
there" typed as words would be read by the safeguarding check as if it were an answer.
"""

from __future__ import annotations

from bot.core.vocabulary import CHILD_ROLES, CONCERN, SOMEONE_PRESENT

KEY = "with_you"  # the question's key, its slot, intent and entity, and its answer's kind
NOBODY, HELPED, PRESENT = "nobody", "helped", "present"
CODES = (NOBODY, HELPED, PRESENT)
# What the worker reads (board, print, Word), and what is stored as the answer's text.
LABELS = {NOBODY: "No one",
          HELPED: "Someone helped them answer",
          PRESENT: "Someone was there"}
WORKER_HEADING = "Anyone with them while they answered"
FLAG_CATEGORY = SOMEONE_PRESENT
FLAG_LEVEL = CONCERN


def payload(code: str) -> str:
    """The button's payload for one answer."""
    if code not in CODES:
        raise ValueError(f"not an answer to {KEY!r}: {code!r}")
    return f'/{KEY}{{"{KEY}": "{code}"}}'


def label(code: str | None) -> str | None:
    """The worker's words for an answer code; None for anything else."""
    return LABELS.get(code or "")


def code_of(text: str | None) -> str | None:
    """The code of a stored answer (its worker's words); None for anything else."""
    return next((code for code, words in LABELS.items() if words == text), None)


def is_concern(role: str | None, code: str | None) -> bool:
    """A child or young person who says someone was there: a `concern` for the worker."""
    return role in CHILD_ROLES and code == PRESENT


def worker_line(text: str | None) -> str | None:
    """'Anyone with them while they answered: Someone was there', or None unanswered."""
    return f"{WORKER_HEADING}: {text}" if code_of(text) else None
