"""The one validation schema of what workers send: the API and the screens both use it.

Each check answers the cleaned value, or None for a value MapBot refuses. One rule for
words everywhere: something other than spaces, within the length limit, and no control
characters (line breaks and tabs only where a text may have several lines). The family
chat uses the same rule (`is_control`), dropping what it refuses rather than refusing
the message. A browser
sends a text area's line breaks as CR LF; the screens make them LF before checking.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.draft_map import CATEGORIES, SECTIONS
from bot.core.vocabulary import (
    ASSISTED,
    CASE_ROLES,
    CHILD_ROLES,
    ITEM_STATUSES,
    QUESTION_SETS,
    ROLES,
)

NAME_MAX = 100  # a case reference, a child's name, an invited person's name
USERNAME_MAX = 150
PASSWORD_MAX = 1024
ITEM_TEXT_MAX = 4000
LINE_BREAKS = "\n\t"  # the only control characters a text of several lines may hold

# The API's 422 answers (`{"error": ...}`); the screens say the same more kindly.
ITEM_CHANGES_ERROR = ("Send any of section, category, status, text and private, with "
                      "valid values.")
CASE_ERROR = ("Please give a case reference and the child's name (each up to 100 "
              "characters).")

# What `PATCH /api/v1/items/{id}` (and the board's buttons) may change, and to what.
ITEM_FIELDS: dict[str, tuple[Any, ...]] = {
    "section": SECTIONS,
    "category": (*CATEGORIES, None),
    "status": ITEM_STATUSES,
    "private": (True, False),
}


# Characters that change how the words around them are shown: bidirectional embeddings,
# overrides and isolates can make a screen or a log line read differently from what is
# stored ("Trojan Source"). The marks U+200E and U+200F, which right-to-left writing
# needs, are kept.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(char: str, lines: bool = False) -> bool:
    """A control character MapBot refuses from workers and drops from families' words:
    C0, DEL and C1, and the bidirectional controls (in texts of lines, not LF or tab)."""
    code = ord(char)
    if lines and char in LINE_BREAKS:
        return False
    return code < 32 or 127 <= code < 160 or char in BIDI_CONTROLS


def words(value: Any, limit: int = NAME_MAX, lines: bool = False) -> str | None:
    """Words a worker typed, stripped; None if empty, too long or with control characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    if any(is_control(char, lines) for char in value):
        return None
    return value.strip()


def form_text(value: Any) -> Any:
    """A browser's form text as the API would have it: CR LF as LF (a lone CR stays)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


ROUND_ERROR = ("Please give the round a name, such as \"Review conference, March\" (up "
               "to 100 characters).")


def round_number(value: Any) -> int | None | bool:
    """`?round=N`: None when left out, False for anything but a whole number from 1."""
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit() and len(value) <= 6 and int(value) >= 1:
        return int(value)
    return False


def role(value: Any) -> str | None:
    return value if value in ROLES else None


# An invitation's optional fields: who they are to the child (a professional's job), and
# which adult question set they get (`"questions"`; left out, the role's own).
INVITATION_EXTRAS_ERROR = (
    "The relationship is optional (up to 100 characters); the questions are optional, one "
    f"of {', '.join(QUESTION_SETS)}, and only for an adult.")


def invitation_extras(role: str, relationship: Any, questions: Any) -> tuple[
        bool, str | None, str | None]:
    """(acceptable, relationship, question set): empty values mean "not given"."""
    given_relationship = relationship not in (None, "")
    cleaned = words(relationship) if given_relationship else None
    given_questions = questions not in (None, "")
    fits = not given_questions or (questions in QUESTION_SETS and role not in CHILD_ROLES)
    ok = fits and (cleaned is not None or not given_relationship)
    return ok, cleaned, questions if given_questions and fits else None


def case_role(value: Any) -> str | None:
    return value if value in CASE_ROLES else None


def item_changes(body: Any) -> dict | None:
    """The changes to an item, checked; None for anything MapBot refuses."""
    if not isinstance(body, dict) or not body or set(body) - {*ITEM_FIELDS, "text"}:
        return None
    for field, values in ITEM_FIELDS.items():
        if field in body and body[field] not in values:
            return None
    changes = dict(body)
    if "text" in body:
        changes["text"] = words(body["text"], ITEM_TEXT_MAX, lines=True)
        if changes["text"] is None:
            return None
    return changes


# Invitation options (all optional): who helps the person answer, and where their link
# may be sent. A phone number as people write it (spaces, a leading +); an address with
# one @ and a dot after it. Notify checks both again.
INVITATION_OPTIONS_ERROR = (
    'Invitation options: "assisted" is one of worker, advocate or interpreter; "contact" '
    'is {"sms"?, "email"?, "safe_to_contact": true or false}, with a phone number or an '
    'email address.')
_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CONTACT_FIELDS = {"sms", "email", "safe_to_contact", "shared_phone_ok"}


def assisted(value: Any) -> str | None | bool:
    """None when not given, the value when known, False for anything else."""
    if value is None:
        return None
    return value if isinstance(value, str) and value in ASSISTED else False


EASY_READ_ERROR = ('Invitation option "easy_read" is true or false (leave it out for the '
                   'usual wording).')


def easy_read(value: Any, given: bool) -> bool | None:
    """The Easy Read option: False when not given, the value when true or false, None
    for anything else (null, "yes", 1: a worker meant something, so say what it takes)."""
    if not given:
        return False
    return value if isinstance(value, bool) else None


def contact(value: Any) -> dict | None | bool:
    """The contact option, checked: None when not given, False when refused."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - CONTACT_FIELDS:
        return False
    safe, shared = value.get("safe_to_contact"), value.get("shared_phone_ok", False)
    if not isinstance(safe, bool) or not isinstance(shared, bool):
        return False
    sms, email = value.get("sms"), value.get("email")
    if sms is not None and not (isinstance(sms, str) and _PHONE.match(sms)):
        return False
    if email is not None and not (isinstance(email, str) and len(email) <= 320
                                  and _EMAIL.match(email)):
        return False
    return {"sms": sms, "email": email, "safe_to_contact": safe, "shared_phone_ok": shared}


# The worker's part of the map (PUT /api/v1/cases/{id}/analysis and the board's form).
ANALYSIS_ERROR = ("Send the version you read and danger_statements, safety_goals, "
                  "grey_areas (each entry: text and evidence, a list of item ids), "
                  "next_steps (each: text, who, by) and judgement (value 0 to 10 or null, "
                  "and why), with valid values.")
ENTRIES_MAX = 100  # entries in one list, and items of evidence in one entry
ID_MAX = 32


def _entry_id(value: Any) -> str | None | bool:
    """An entry's id as sent: None for a new entry, False for one MapBot refuses."""
    if value is None:
        return None
    if isinstance(value, str) and 0 < len(value) <= ID_MAX and value.isascii() \
            and value.isalnum():
        return value
    return False


def _statement(entry: Any) -> dict | None:
    if not isinstance(entry, dict) or set(entry) - {"id", "text", "evidence"}:
        return None
    found, text = _entry_id(entry.get("id")), words(entry.get("text"), ITEM_TEXT_MAX, True)
    evidence = entry.get("evidence", [])
    if found is False or text is None or not isinstance(evidence, list) or (
            len(evidence) > ENTRIES_MAX or any(_entry_id(e) in (None, False) for e in evidence)):
        return None
    return {"id": found, "text": text, "evidence": list(dict.fromkeys(evidence))}


def _optional(value: Any, limit: int = NAME_MAX, lines: bool = False) -> str | None | bool:
    """Words that may be left out (None or ""), or False for words MapBot refuses."""
    if value is None or value == "":
        return None
    found = words(value, limit, lines)
    return False if found is None else found


def _next_step(entry: Any) -> dict | None:
    if not isinstance(entry, dict) or set(entry) - {"id", "text", "who", "by"}:
        return None
    found, text = _entry_id(entry.get("id")), words(entry.get("text"), ITEM_TEXT_MAX, True)
    who, by = _optional(entry.get("who")), _optional(entry.get("by"))
    if found is False or text is None or who is False or by is False:
        return None
    return {"id": found, "text": text, "who": who, "by": by}


def whole_number(value: Any) -> int | None:
    """A JSON whole number as JSON Schema reads one: 7 or 7.0 (never true, never 7.5)."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return None


def _judgement(value: Any) -> dict | None:
    if not isinstance(value, dict) or set(value) - {"value", "why"}:
        return None
    number, why = value.get("value"), _optional(value.get("why"), ITEM_TEXT_MAX, True)
    if number is not None:
        number = whole_number(number)
        if number is None or not 0 <= number <= 10:
            return None
    return None if why is False else {"value": number, "why": why}


def analysis(body: Any) -> tuple[int, dict] | None:
    """The version read and the worker's part, checked; None for anything refused.
    Lists left out are empty; `scaffolds` and the read-only fields may be sent back."""
    allowed = {"version", "danger_statements", "safety_goals", "grey_areas", "next_steps",
               "judgement", "scaffolds", "updated_at", "updated_by"}
    if not isinstance(body, dict) or set(body) - allowed:
        return None
    version = whole_number(body.get("version"))
    if version is None or version < 0:
        return None
    content: dict = {}
    for name in ("danger_statements", "safety_goals", "grey_areas", "next_steps"):
        entries = body.get(name, [])
        if not isinstance(entries, list) or len(entries) > ENTRIES_MAX:
            return None
        check = _next_step if name == "next_steps" else _statement
        content[name] = [check(entry) for entry in entries]
        if None in content[name]:
            return None
    content["judgement"] = _judgement(body.get("judgement", {"value": None, "why": None}))
    return None if content["judgement"] is None else (version, content)
