"""The one validation schema of what workers send: the API and the screens both use it.

Each check answers the cleaned value, or None for a value MapBot refuses. One rule for
words everywhere: something other than spaces, within the length limit, and no control
characters (line breaks and tabs only where a text may have several lines). A browser
sends a text area's line breaks as CR LF; the screens make them LF before checking.
"""

from __future__ import annotations

from typing import Any

from bot.core.draft_map import CATEGORIES, SECTIONS
from bot.core.vocabulary import CASE_ROLES, ITEM_STATUSES, ROLES

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


def is_control(char: str, lines: bool = False) -> bool:
    """A control character MapBot refuses (C0 and DEL; in texts of lines, not LF or tab)."""
    return (ord(char) < 32 or ord(char) == 127) and not (lines and char in LINE_BREAKS)


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


def role(value: Any) -> str | None:
    return value if value in ROLES else None


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
