"""Reads `actions/texts.yml`, the one place for everything the assistant says.

Shared: the action server asks the questions, and the portal says the few things it
answers itself (keeping an answer from the family, "are you safe right now?", the
choice of name in family copies, the "already sent" reply)."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).resolve().parents[2] / "actions" / "texts.yml"
Button = dict[str, str]


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


class _Blank(dict):
    """Leaves unknown {fields} as they are instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


EASY_READ = "easy_read"
ADULT = "adult"


def easy_read_applies(audience: str | None, easy_read: bool) -> bool:
    """Easy Read is for adults invited with it: children keep their own wording."""
    return bool(easy_read) and audience == ADULT


def choose(value: Any, role: str | None, audience: str | None,
           easy_read: bool = False) -> Any:
    """A text (or list) for this person: their Easy Read wording when they have it (by
    role, then `default`); else by role, then audience, then `default`."""
    if not isinstance(value, dict):
        return value
    if easy_read_applies(audience, easy_read) and EASY_READ in value:
        return choose(value[EASY_READ], role, audience)
    for key in (role, audience, "default"):
        if key and key in value:
            return value[key]
    return None


def fill(text: str, values: dict[str, Any]) -> str:
    return string.Formatter().vformat(text, (), _Blank(values))


def buttons(rows: list[list[str]] | None) -> list[Button]:
    return [{"title": title, "payload": payload} for title, payload in rows or []]


def say(key: str, role: str | None, audience: str | None,
        values: dict[str, Any], easy_read: bool = False) -> tuple[str, list[Button]]:
    entry = catalogue()["say"][key]
    if isinstance(entry, dict) and "text" in entry:
        text, rows = choose(entry["text"], role, audience, easy_read), entry.get("buttons")
    else:
        text, rows = choose(entry, role, audience, easy_read), None
    return fill(text, values), buttons(rows)


def question(key: str, part: str, role: str | None, audience: str | None,
             values: dict[str, Any], easy_read: bool = False) -> str | None:
    text = choose(catalogue()["questions"][key].get(part), role, audience, easy_read)
    return fill(text, values) if text else None


def heading(key: str, audience: str | None = None) -> str:
    return choose(catalogue()["headings"][key], None, audience)


def button(key: str) -> Button:
    title, payload = catalogue()["buttons"][key]
    return {"title": title, "payload": payload}


def house_buttons() -> list[Button]:
    return buttons(catalogue()["buttons"]["houses"])


def scale_buttons(audience: str | None) -> list[Button]:
    faces = choose(catalogue()["scale_faces"], None, audience) or [""] * 11
    return [{"title": f"{n} {faces[n]}".strip(), "payload": str(n)} for n in range(11)]


def choice_buttons(key: str, role: str | None, audience: str | None) -> list[Button]:
    """The buttons of a question answered by choosing ("Was this easy to do?")."""
    return buttons(choose(catalogue()["choices"][key], role, audience))
