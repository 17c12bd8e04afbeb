"""The map for the case record: a Word file filled from the council's own template.

Case systems (Liquidlogic, Mosaic and the like) take uploaded documents, and each council
has its own look for them. So the Word export is a `.docx` template with placeholders
(Jinja, filled by docxtpl) that the council may supply (`MAPBOT_WORD_TEMPLATE`); MapBot
ships a plain one (templates/word/default-map.docx, made by make_default_template.py
beside it). docs/word-template.md lists every placeholder: the names below are that
list, so change both together.

The template is filled from the same arranged map as the board and print page
(`exports.arrange`), so every rule of a version holds here too: the family's copy is
made by bot/core/family_copy.py and has no private items, no flags, no children's words
and no names people did not agree to.

A template is the council's, not code: it is rendered in Jinja's sandbox, autoescaped,
and a placeholder MapBot does not know is an error (never silently empty). Whatever goes
wrong becomes `Unavailable`, which the API answers as 503 and the screens as a kind page;
nothing on the map changes.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.core.analysis import LIST_TITLES
from bot.core.vocabulary import ROLE_LABELS, ItemStatus

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = Path(__file__).with_name("templates") / "word" / "default-map.docx"
WORD_PROBLEM = ("The Word file could not be made from the council's template: {why}. "
                "Nothing on the map has changed. Please tell whoever looks after MapBot "
                "(docs/word-template.md lists what a template can use); the print page "
                "and JSON still work.")
# What XML 1.0 (and so Word) cannot hold, and what docxtpl would turn into paragraph or
# page breaks (\a, \f): chat text is cleaned already, this is a backstop.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
STATES = {"draft": "Draft", "reviewed": "Reviewed"}


class Unavailable(Exception):
    """An export that cannot be made now; the message is for the worker, in plain words."""


def state_of(view) -> str:
    """"reviewed" when nothing in this export is still to review (the accepted-only
    version and the family's copy always), else "draft"; on every page and in the file
    name, so a draft is never filed as the reviewed map."""
    if view.choice in ("accepted", "family"):
        return "reviewed"
    waiting = any(item["status"] == ItemStatus.DRAFT for item in view.items)
    return "draft" if waiting or not view.items else "reviewed"


def day_of(view) -> str:
    """The day the map was made (UTC), YYYY-MM-DD: in the file name and the document."""
    return (view.generated_at or "")[:10]


def round_of(view) -> dict:
    found = view.round or {}
    return {"number": found.get("number", 1), "label": found.get("label") or "",
            "started": found.get("started_at") or ""}


# The placeholders (docs/word-template.md) ----------------------------------------------


def context(view) -> dict[str, Any]:
    """Everything a template can use, as plain text, lists and dicts: every person's
    words exactly as written, each with who said it."""
    from bot.portal.exports import when

    family = view.choice == "family"
    state = state_of(view)
    found = {
        "case": {"reference": view.case["reference"], "child_name": view.case["child_name"]},
        "round": round_of(view),
        "date": day_of(view),
        "made": when(view.generated_at),
        "state": STATES[state],
        "version": view.choice_words,
        "family_copy": family,
        "notes": list(view.notes),
        "children": [_child(child) for child in view.children],
        "flags": [] if family else [_flag(flag) for flag in view.flags],
        "people": [_person(person) for person in view.respondents],
        "columns": [_column(column) for column in view.columns],
        "show_status": view.choice not in ("accepted", "family"),
        "scales": {"common": view.scale_line(True), "own": view.scale_line(False),
                   "all": [_scale(scale) for scale in view.scales]},
        # One row a person, however many named them: each namer's words, with who said them.
        "network": [{"name": p["name"], "relationship": p["relationship_words"],
                     "how_they_help": "\n".join(p["help_lines"]), "named_by": p["speaker"]}
                    for p in view.network],
        "analysis": None if view.worker_part is None else _analysis(view),
    }
    return clean(found)


def item_words(item: dict) -> dict[str, Any]:
    """One item: the person's own words first, the worker's wording marked as theirs."""
    remarks = []
    if item.get("private"):
        remarks.append("Asked to be kept from the family")
    if item.get("language_words"):
        remarks.append(item["language_words"][0].upper() + item["language_words"][1:])
    return {"words": item["original_text"] if item["edited"] else item["text"],
            "worker_wording": item["text"] if item["edited"] else "",
            "who": item["speaker"], "assisted": item.get("assisted_words") or "",
            "question": item["question"], "status": item["status_words"],
            "remarks": remarks}


def _column(column) -> dict[str, Any]:
    return {"key": column.key, "title": column.title,
            "parts": [{"key": part.key, "title": part.title,
                       "items": [item_words(item) for item in part.items]}
                      for part in column.parts if part.key or part.items],
            "by_person": [{"who": who, "words": [item_words(i)["words"] for i in said]}
                          for who, said in column.by_person]}


def _child(child) -> dict[str, Any]:
    return {"who": child.label,
            "houses": [{"title": house.title,
                        "items": [item_words(item) for item in house.items]}
                       for house in child.houses],
            "numbers": [{"value": scale["value"], "question": scale["question"],
                         "why": scale.get("why") or "",
                         "one_point_higher": scale.get("one_point_higher") or ""}
                        for scale in child.scales],
            "trusted": [{"name": person["name"], "relationship": person["relationship"] or "",
                         "how_they_help": person["how_they_help"] or ""}
                        for person in child.trusted]}


def _flag(flag: dict) -> dict[str, Any]:
    from bot.portal.exports import when

    return {"text": flag["text"], "level": flag["level_words"], "who": flag["speaker"],
            "written": when(flag["created_at"]),
            "acknowledged": (f"Acknowledged by {flag['acknowledged_by']}, "
                             f"{when(flag['acknowledged_at'])}" if flag["acknowledged_at"]
                             else "NOT YET ACKNOWLEDGED")}


def _person(person: dict) -> dict[str, Any]:
    from bot.portal.exports import when

    return {"name": person["name"], "label": person["label"],
            "role": ROLE_LABELS.get(person["role"], person["role"] or ""),
            "status": person["status_words"],
            "submitted": when(person.get("submitted_at")),
            "with_you": person.get("with_you_words") or ""}


def _scale(scale: dict) -> dict[str, Any]:
    return {"who": scale["speaker"], "name": scale["name"], "value": scale["value"],
            "question": scale["question"], "why": scale.get("why") or "",
            "one_point_higher": scale.get("one_point_higher") or "",
            "common": bool(scale.get("common"))}


def _analysis(view) -> dict[str, Any]:
    part = view.worker_part or {}
    shown = {item["id"]: item for item in view.items}
    found: dict[str, Any] = {}
    for name in LIST_TITLES:
        entries = []
        for entry in part.get(name, []):
            one = {"text": entry["text"],
                   "evidence": [{"words": item_words(shown[i])["words"],
                                 "who": shown[i]["speaker"]}
                                for i in entry.get("evidence", []) if i in shown]}
            if name == "next_steps":
                one |= {"who": entry.get("who") or "not decided",
                        "by": entry.get("by") or "not decided"}
            entries.append(one)
        found[name] = entries
    judgement = part.get("judgement") or {}
    value = judgement.get("value")
    found["judgement"] = {
        "value": "" if value is None else value, "why": judgement.get("why") or "",
        "words": "Not given yet." if value is None else f"{value} out of 10" + (
            f": {judgement['why']}" if judgement.get("why") else "")}
    return found


def clean(value: Any) -> Any:
    """Every string as Word can hold it (the placeholders' values, recursively)."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: clean(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [clean(inner) for inner in value]
    return value


# Filling the template --------------------------------------------------------------------


class Values(SimpleNamespace):
    """A placeholder's value with parts: `part.items` is the part's items (with a dict,
    Jinja would find the dict's own `items` method first)."""


def as_values(value: Any) -> Any:
    if isinstance(value, dict):
        return Values(**{key: as_values(inner) for key, inner in value.items()})
    if isinstance(value, list):
        return [as_values(inner) for inner in value]
    return value


def template_path(setting: str) -> Path:
    return Path(setting) if setting else DEFAULT_TEMPLATE


def fill(template: Path, values: dict[str, Any]) -> bytes:
    """The template filled in, as .docx bytes; `Unavailable` when it cannot be."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    try:
        document = DocxTemplate(str(template))
        document.render(vars(as_values(values)), SandboxedEnvironment(undefined=StrictUndefined),
                        autoescape=True)
        out = io.BytesIO()
        document.save(out)
    except Exception as problem:  # noqa: BLE001 - any fault is the template's, told kindly
        why = _why(problem, template)
        # The template's path and the fault only: never the map's words.
        logger.error("Word export failed with template %s: %s (%s)", template, why,
                     type(problem).__name__)
        raise Unavailable(WORD_PROBLEM.format(why=why)) from problem
    return out.getvalue()


def _why(problem: Exception, template: Path) -> str:
    from jinja2 import TemplateSyntaxError, UndefinedError

    if not template.is_file():
        return "the template file is not there"
    if isinstance(problem, UndefinedError):
        return f"it uses a placeholder MapBot does not know ({problem.message})"
    if isinstance(problem, TemplateSyntaxError):
        return f"a placeholder is not written correctly ({problem.message})"
    if problem.__class__.__name__ in ("BadZipFile", "PackageNotFoundError", "KeyError"):
        return "the template is not a Word (.docx) file"
    return "the template could not be filled in"


def word(view, template_setting: str = "") -> bytes:
    """The arranged map as a Word file from the council's template (or MapBot's)."""
    return fill(template_path(template_setting), context(view))
