"""Copy blocks for the case record: one plain-text block per field of the council's form.

Case systems take free text in the fields of their mapping form ("Summary of concerns",
"Child's views", ...). The council says which parts of the map go into which field in
a YAML file (case_record_fields.yml beside this file, or its own through
MAPBOT_CASE_RECORD_FIELDS), checked once at start. Each block is plain text the worker
copies into the field: every person's words exactly as they wrote them, in quotation
marks, each with who said it; the worker's own wording after, marked as theirs.

Blocks are made from the arranged map (`exports.arrange`), the draft version unless
the accepted items alone are asked for; rejected items are never in them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.analysis import LIST_TITLES
from bot.core.vocabulary import ItemStatus

DEFAULT_FILE = Path(__file__).with_name("case_record_fields.yml")
NOTHING = "Nothing on the map for this field yet."
NAME_MAX = 200


class FieldsProblem(ValueError):
    """The council's fields file cannot be used; says which file and what to change."""


@dataclass(frozen=True)
class Field:
    name: str
    parts: tuple[str, ...]


# Reading and checking the file ---------------------------------------------------------


def load(setting: str = "") -> list[Field]:
    """The fields of MAPBOT_CASE_RECORD_FIELDS (empty: MapBot's own file)."""
    path = Path(setting) if setting else DEFAULT_FILE
    where = f"MAPBOT_CASE_RECORD_FIELDS ({path})"
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise FieldsProblem(f"{where}: the file cannot be read ({problem.strerror}).") from None
    except yaml.YAMLError as problem:
        raise FieldsProblem(f"{where} is not valid YAML: {problem}") from None
    entries = found.get("fields") if isinstance(found, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FieldsProblem(f"{where} must have a list `fields:` with at least one field "
                            "(each with `name` and `parts`).")
    return [_field(entry, number, where) for number, entry in enumerate(entries, 1)]


def _field(entry: object, number: int, where: str) -> Field:
    if not isinstance(entry, dict):
        raise FieldsProblem(f"{where}: field {number} must have `name` and `parts`.")
    name, parts = entry.get("name"), entry.get("parts")
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise FieldsProblem(f"{where}: field {number} needs a `name` (up to {NAME_MAX} "
                            "characters).")
    if (not isinstance(parts, list) or not parts
            or not all(isinstance(part, str) for part in parts)):
        raise FieldsProblem(f"{where}: field {number} ({name!r}) needs `parts`, a list of "
                            "parts of the map.")
    unknown = [part for part in parts if part not in PART_TITLES]
    if unknown:
        raise FieldsProblem(f"{where}: field {number} ({name!r}) names parts MapBot does not "
                            f"know: {', '.join(unknown)}. The parts are: "
                            f"{', '.join(PART_TITLES)}.")
    return Field(name.strip(), tuple(parts))


# Making the blocks ---------------------------------------------------------------------


def blocks(view, fields: list[Field]) -> list[dict[str, str]]:
    """[{"name", "text"}] for the contract: one block per field, in the form's order."""
    return [{"name": field.name, "text": field_text(view, field)} for field in fields]


def field_text(view, field: Field) -> str:
    pieces = []
    for part in field.parts:
        lines = PART_LINES[part](view, part)
        if lines:
            pieces.append("\n".join([heading(PART_TITLES[part]), *lines]))
    return "\n\n".join(pieces) or NOTHING


def heading(title: str) -> str:
    """A part's title as the line before its words: "Past harm:", but a question as it is
    ("What are we worried about?")."""
    return title if title.endswith("?") else f"{title}:"


def item_line(item: dict, draft: bool) -> str:
    """- “their words” – who said it (the worker's wording: “...”) (to review)"""
    words = item["original_text"] if item["edited"] else item["text"]
    line = f"- “{words}” – {item['speaker']}"
    if item["edited"]:
        line += f" (the worker's wording: “{item['text']}”)"
    if item.get("assisted_words"):
        line += f" ({item['assisted_words']})"
    if item.get("private"):
        line += " (asked to be kept from the family)"
    if item.get("language_words"):
        line += f" ({item['language_words']})"
    if draft and item["status"] == ItemStatus.DRAFT:
        line += " (to review)"
    return line


def _column(view, part: str) -> list[str]:
    """A whole column ("worries"), each part titled; or one part ("worries.harm")."""
    section, _, category = part.partition(".")
    draft = view.choice == "draft"
    (column,) = [column for column in view.columns if column.key == section]
    if category:
        key = "" if category == "unsorted" else category
        return [item_line(item, draft) for found in column.parts if found.key == key
                for item in found.items]
    lines: list[str] = []
    for found in column.parts:
        if found.items:  # "Safety goals (the family's)": never mistaken for the worker's
            title = PART_TITLES[f"{section}.{found.key}"] if found.key else found.title
            lines.append(heading(title))
            lines.extend(item_line(item, draft) for item in found.items)
    return lines


def _child_words(view, part: str) -> list[str]:
    lines: list[str] = []
    for child in view.children:
        lines.append(child.label)
        for house in child.houses:
            if house.items:
                lines.append(heading(house.title))
                lines.extend(item_line(item, view.choice == "draft") for item in house.items)
        for scale in child.scales:
            higher = (f"; one point higher would be: {scale['one_point_higher']}"
                      if scale.get("one_point_higher") else "")
            lines.append(f"Their number: {scale['value']} out of 10, answering "
                         f"“{scale['question']}”{higher}")
        trusted = [person["name"] + (f" ({person['relationship']})"
                                     if person.get("relationship") else "")
                   for person in child.trusted]
        if trusted:
            lines.append(f"Adults they trust: {', '.join(trusted)}")
    return lines


def _scales(view, part: str) -> list[str]:
    lines = []
    common, own = view.scale_line(True), view.scale_line(False)
    if common:
        lines.append(f"The common safety scale: {common}")
    if own:
        label = "Each person's own scale" if common else "Everyone's numbers"
        lines.append(f"{label}: {own}")
    for scale in view.scales:
        line = f"- {scale['speaker']}: {scale['value']} out of 10, answering “{scale['question']}”"
        if scale.get("why"):
            line += f". What makes it that number and not lower: {scale['why']}"
        if scale.get("one_point_higher"):
            line += f". What one point higher would look like: {scale['one_point_higher']}"
        lines.append(line)
    return lines


def _network(view, part: str) -> list[str]:
    lines = []
    for person in view.network:
        line = f"- {person['name']}"
        if person.get("relationship"):
            line += f" ({person['relationship']})"
        if person.get("how_they_help"):
            line += f": {person['how_they_help']}"
        lines.append(f"{line} – named by {person['speaker']}")
    return lines


def _people(view, part: str) -> list[str]:
    return [f"- {person['label']}: {person['status_words']}" for person in view.respondents]


def _flags(view, part: str) -> list[str]:
    from bot.portal.exports import when

    return [f"- “{flag['text']}” – {flag['speaker']}, {when(flag['created_at'])}: "
            + (f"acknowledged by {flag['acknowledged_by']}" if flag["acknowledged_at"]
               else "not yet acknowledged") for flag in view.flags]


def _analysis(view, part: str) -> list[str]:
    name = part.partition(".")[2]
    worker_part = view.worker_part or {}
    if name == "judgement":
        judgement = worker_part.get("judgement") or {}
        if judgement.get("value") is None:
            return []
        return [f"{judgement['value']} out of 10" + (f": {judgement['why']}"
                                                     if judgement.get("why") else "")]
    lines = []
    for entry in worker_part.get(name, []):
        if name == "next_steps":
            lines.append(f"- {entry['text']} (who: {entry.get('who') or 'not decided'}; "
                         f"by: {entry.get('by') or 'not decided'})")
            continue
        lines.append(f"- {entry['text']}")
        lines.extend(f"  Resting on: {words}" for words in view.evidence_words(entry))
    return lines


_COLUMNS = {"worries": "What are we worried about?", "working_well": "What's working well?",
            "needs": "What needs to happen?"}
_CATEGORIES = {"worries": [("harm", "Past harm"), ("danger", "Future danger"),
                           ("complicating", "Complicating factors")],
               "working_well": [("strength", "Existing strengths"),
                                ("safety", "Existing safety")],
               "needs": [("goal", "Safety goals (the family's)"),
                         ("next_step", "Next steps (the family's)")]}
# part name (in the fields file) -> the title its text starts with
PART_TITLES: dict[str, str] = {
    "child_words": "In the child's words",
    **{key: title for key, title in _COLUMNS.items()},
    **{f"{section}.{category}": title
       for section, parts in _CATEGORIES.items() for category, title in parts},
    **{f"{section}.unsorted": f"Not sorted into a part yet ({title})"
       for section, title in _COLUMNS.items()},
    **{f"analysis.{name}": f"{title} (the worker's)" for name, title in LIST_TITLES.items()},
    "analysis.judgement": "The worker's judgement (0 to 10)",
    "scales": "Scales from 0 to 10",
    "network": "Network",
    "people": "Who took part",
    "flags": "Safeguarding flags",
}
PART_LINES: dict[str, Callable[..., list[str]]] = {
    "child_words": _child_words, "scales": _scales, "network": _network,
    "people": _people, "flags": _flags,
    **{part: _column for part in PART_TITLES if part.split(".")[0] in _COLUMNS},
    **{part: _analysis for part in PART_TITLES if part.startswith("analysis.")},
}
