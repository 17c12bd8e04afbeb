"""The reviewed map for the case record: a Word file, a print-ready page and JSON.

`FORMATS` is the one export registry: the API (`/api/v1/cases/{id}/map.<suffix>`) and the
screens (`/cases/{id}/map.<suffix>`) both serve every format in it, with the same
renderer. Adding a format is one renderer and one line there.

Both are made from the contract's draft-map JSON (`Store.draft_map`), arranged the way
a worker reads a map: the three columns with their finer parts, every item with who
said it, in their own words, and the question they answered; the child's houses; each
person's scale with their reasons; the network; the safeguarding flags.

A draft export holds every item not rejected (each marked "to review" or "accepted");
an accepted-only export holds the accepted items alone. Rejected items are never
exported. Scales, the network and flags are in both.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sanic.response import HTTPResponse, raw

from bot.core import with_you
from bot.core.analysis import LIST_TITLES
from bot.core.draft_map import public
from bot.core.family_copy import family_copy
from bot.core.interpreter_reply import language_name
from bot.core.network import named_by
from bot.core.vocabulary import ASSISTED, NOT_SORTED, ROLE_LABELS, ItemStatus, Role, is_child
from bot.portal import case_record, pdf_a
from bot.portal.templates import render

COLUMN_TITLES = {
    "worries": "What are we worried about?",
    "working_well": "What's working well?",
    "needs": "What needs to happen?",
}
PARTS = {
    "worries": (("harm", "Past harm"), ("danger", "Future danger"),
                ("complicating", "Complicating factors")),
    "working_well": (("strength", "Existing strengths"), ("safety", "Existing safety")),
    "needs": (("goal", "Safety goals"), ("next_step", "Next steps")),
}
HOUSE_TITLES = {"good_things": "House of good things", "worries": "House of worries",
                "dreams": "House of dreams"}
STATUS_LABELS = {"draft": "to review", "accepted": "accepted", "rejected": "rejected"}
STATUS_CHOICES = {"draft": ("draft", "accepted"), "accepted": ("accepted",),
                  "family": ("accepted",)}
LEVEL_LABELS = {"immediate": "Urgent: someone may be in danger now",
                "concern": "For your attention: harm described in an answer"}
NOT_CHECKED = "not_checked_language"  # bot/portal/other_language.py: the flag's category
NOT_CHECKED_WORDS = "not checked for safety: needs an interpreter"
PEOPLE_STATUS = {"invited": "invited", "in_progress": "in progress", "submitted": "submitted"}

WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def when(moment: str | None, seconds: bool = False) -> str:
    """ "2025-03-01T09:05:00Z" -> "1 Mar 2025, 09:05 UTC" (the contract's times are UTC)."""
    if not moment:
        return ""
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    clock = f"{parsed:%H:%M:%S}" if seconds else f"{parsed:%H:%M}"
    return f"{parsed.day} {parsed:%b %Y}, {clock} UTC"


def language_words(item: dict) -> str:
    """What the map says of an item the safeguarding check could not read."""
    if item.get("safeguarding_checked", True):
        return ""
    return (f"In {language_name(item.get('language') or '')}: {NOT_CHECKED_WORDS}")


def level_words(flag: dict) -> str:
    """How urgent a flag is, in words; for a message in another language, that nobody
    has checked it yet."""
    if flag.get("category") == NOT_CHECKED:
        language = flag.get("language")
        return NOT_CHECKED_WORDS[0].upper() + NOT_CHECKED_WORDS[1:] + (
            f" (written in {language_name(language)})" if language else "")
    return LEVEL_LABELS.get(flag.get("level", "immediate"), "")


def speaker_label(person: dict | None) -> str:
    if person is None:
        return "unknown"
    if person["role"] is None:  # the family's copy, where they chose not to be named
        return person["name"]
    if person["role"] == Role.PROFESSIONAL and person.get("relationship"):
        return f"{person['name']} ({person['relationship']})"  # their job: "Class teacher"
    return f"{person['name']} ({ROLE_LABELS.get(person['role'], person['role'])})"


def sorting_words(item: dict) -> dict:
    """What the board says of MapBot's sorting: the column an adult's words were moved
    from, and the column a child's words suggest (for the worker to apply or not)."""
    moved, suggested = item.get("moved_from"), item.get("suggested_section")
    return {"moved_from_words": f"Moved from {COLUMN_TITLES[moved]}"
            if moved in COLUMN_TITLES and moved != item.get("section") else "",
            "suggested_title": COLUMN_TITLES[suggested]
            if suggested in COLUMN_TITLES and suggested != item.get("section") else ""}


def move_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every place an item can go, by column: (column title, [(value, part title)]);
    the value is "section:category" ("section:" for "not sorted yet")."""
    return [(title, [(f"{section}:{category}", part) for category, part in PARTS[section]]
             + [(f"{section}:", NOT_SORTED)])
            for section, title in COLUMN_TITLES.items()]


def move_choices() -> dict[str, str]:
    return {value: f"{title}: {part}" for title, parts in move_groups()
            for value, part in parts}


@dataclass
class Part:
    key: str  # the category, or "" for items not sorted into a part
    title: str
    items: list[dict] = field(default_factory=list)


@dataclass
class Column:
    key: str
    title: str
    parts: list[Part]

    @property
    def count(self) -> int:
        return sum(len(part.items) for part in self.parts)

    @property
    def by_person(self) -> list[tuple[str, list[dict]]]:
        """Who said what in this column, so that different views of one worry show."""
        said: dict[str, list[dict]] = {}
        for part in self.parts:
            for item in part.items:
                said.setdefault(item["speaker"], []).append(item)
        return list(said.items())


@dataclass
class ChildWords:
    """One child's or young person's own words: their houses, their number, the
    adults they trust."""

    label: str
    houses: list[Part]
    scales: list[dict]
    trusted: list[dict]
    trusted_words: str | None = None  # their whole answer, kept as they gave it


@dataclass
class MapView:
    """The draft map arranged for reading; items carry `speaker` and `person`."""

    case: dict
    generated_at: str
    choice: str  # "draft", "accepted", "family" or "all" (the board)
    respondents: list[dict]
    columns: list[Column]
    houses: list[Part]
    scales: list[dict]
    network: list[dict]
    flags: list[dict]
    items: list[dict]
    notes: list[str] = field(default_factory=list)
    children: list[ChildWords] = field(default_factory=list)
    worker_part: dict | None = None  # the worker's analysis (not in the family's copy)
    round: dict | None = None  # {"number", "label", "started_at"} (the contract's)

    def evidence_words(self, entry: dict) -> list[str]:
        """What a statement rests on, as "“words” – who said it" (this round's items)."""
        shown = {item["id"]: item for item in self.items}
        return [f"“{shown[i]['original_text']}” – {shown[i]['speaker']}"
                for i in entry.get("evidence", []) if i in shown]

    def scale_line(self, common: bool) -> str:
        """Every number of the round on one line: "Mum 7, Nan 4, Jamie 2"."""
        return ", ".join(f"{scale['name']} {scale['value']}" for scale in self.scales
                         if bool(scale.get("common")) == common)

    @property
    def open_flags(self) -> list[dict]:
        return [flag for flag in self.flags if flag["acknowledged_at"] is None]

    @property
    def choice_words(self) -> str:
        return {"draft": "Draft: every item not rejected, each marked to review or accepted",
                "accepted": "Accepted items only",
                "family": "Copy for the family: accepted items only, without the items "
                          "people asked to keep from the family, safeguarding flags or "
                          "the children's words; people are named only where they agreed",
                "all": "Every item"}[self.choice]


def arrange(draft: dict, choice: str = "draft") -> MapView:
    """Arrange the contract JSON. `choice`: "draft", "accepted", "family" (the copy that
    may be shared with the family) or "all" (rejected items too)."""
    draft = shaped(draft, choice)
    statuses = STATUS_CHOICES.get(choice, ("draft", "accepted", "rejected"))
    people = {person["id"]: person for person in draft["respondents"]}
    items = []
    for item in draft["items"]:
        if item["status"] not in statuses:
            continue
        person = people.get(item["respondent_id"])
        items.append(item | {"speaker": speaker_label(person), "person": person,
                             "private": bool(item.get("private")),
                             "assisted_words": ASSISTED.get((person or {}).get("assisted")
                                                            or "", ""),
                             "language_words": language_words(item),
                             **sorting_words(item),
                             "status_words": STATUS_LABELS.get(item["status"], item["status"]),
                             "edited": item["text"] != item["original_text"]})
    columns = []
    for section, title in COLUMN_TITLES.items():
        parts = {category: Part(category, part) for category, part in PARTS[section]}
        unsorted = Part("", NOT_SORTED)
        for item in items:
            if item["section"] == section:
                parts.get(item["category"] or "", unsorted).items.append(item)
        columns.append(Column(section, title, [*parts.values(), unsorted]))
    houses = [Part(key, title, [item for item in items if item["house"] == key])
              for key, title in HOUSE_TITLES.items()]

    def with_speaker(entry: dict) -> dict:
        return entry | {"speaker": speaker_label(people.get(entry["respondent_id"]))}

    order = {person_id: index for index, person_id in enumerate(people)}

    def scale_of(scale: dict) -> dict:  # with the person's name alone, for the scale line
        person = people.get(scale["respondent_id"])
        return with_speaker(scale) | {"name": person["name"] if person else "unknown"}

    flags = sorted(draft["flags"], key=lambda f: (f["acknowledged_at"] is not None,
                                                   f["created_at"]))
    return MapView(
        case=draft["case"], generated_at=draft["generated_at"], choice=choice,
        respondents=[person | {"label": speaker_label(person),
                               "status_words": PEOPLE_STATUS.get(person["status"],
                                                                 person["status"]),
                               # for the worker only: never in the family's copy
                               "with_you_words": None if choice == "family"
                               else with_you.worker_line(person.get("with_you"))}
                     for person in draft["respondents"]],
        columns=columns, houses=houses,
        scales=[scale_of(scale) for scale in sorted(  # in the order people were invited
            draft["scales"], key=lambda scale: order.get(scale["respondent_id"], 0))],
        network=[_network_row(entry, people) for entry in draft["network"]],
        flags=[with_speaker(flag) | {"level_words": level_words(flag)} for flag in flags],
        items=items, notes=list(draft.get("notes", [])),
        children=_children(draft, items, people),
        worker_part=None if choice == "family" else draft.get("worker_part"),
        round=draft.get("round"))


def _children(draft: dict, items: list[dict], people: dict) -> list[ChildWords]:
    """Each child's words, exactly as they gave them, for the top of the board."""
    found = []
    for person in people.values():
        if not is_child(person["role"]) or person["status"] != "submitted":
            continue
        mine = [item for item in items if item["respondent_id"] == person["id"]]
        houses = [Part(key, title, [item for item in mine if item["house"] == key])
                  for key, title in HOUSE_TITLES.items()]
        found.append(ChildWords(
            speaker_label(person), houses,
            [s for s in draft["scales"] if s["respondent_id"] == person["id"]],
            [namer for entry in draft["network"] for namer in named_by(entry)
             if namer["respondent_id"] == person["id"]],
            person.get("trusted_words")))
    return found


def _network_row(entry: dict, people: dict) -> dict:
    """One person of the network as the screens and exports show them: the relationships
    and "how they help" as each person who named them said it, and who named them."""
    namers = [namer | {"speaker": speaker_label(people.get(namer["respondent_id"]))}
              for namer in named_by(entry)]
    said = [namer for namer in namers if namer.get("how_they_help")]
    if len(namers) == 1:
        help_lines = [namer["how_they_help"] for namer in said]
    else:  # several people named them: each one's words, with who said them
        help_lines = [f"{namer['speaker']}: {namer['how_they_help']}" for namer in said]
    relationships = dict.fromkeys(namer["relationship"] for namer in namers
                                  if namer.get("relationship"))
    return entry | {"speaker": ", ".join(namer["speaker"] for namer in namers),
                    "named_by": namers, "help_lines": help_lines,
                    "relationship_words": ", ".join(relationships)}


def shaped(draft: dict, choice: str) -> dict:
    """The map as this choice may show it: the family's copy leaves things out."""
    if choice == "family" and draft.get("copy") != "family":
        return family_copy(draft)
    return draft


def choice_from(args) -> str | None:
    """The version asked for in a query string (`?only=accepted`, `?copy=family`), or
    None for one that does not exist."""
    copy, only = args.get("copy", ""), args.get("only", "")
    if copy == "family":  # always accepted items only, whatever `only` says
        return "family" if only in ("", "draft", "accepted") else None
    if copy:
        return None
    return {"": "draft", "draft": "draft", "accepted": "accepted"}.get(only)


def filename(view: MapView, extension: str) -> str:
    """map-<case reference>-round-<n>-<YYYY-MM-DD>-<draft|reviewed>.<extension>: what a
    case system's upload list shows, so the reference is made safe for a file name."""
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", view.case["reference"]).strip("-")[:60] or "case"
    number = case_record.round_of(view)["number"]
    return (f"map-{reference}-round-{number}-{case_record.day_of(view)}-"
            f"{case_record.state_of(view)}.{extension}")


# The export registry ------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """One export being made: the map as the store gave it, arranged for its version."""

    draft: dict
    view: MapView
    links: bool  # the screens' links between the versions (the print page)
    case_id: str
    word_template: str = ""  # MAPBOT_WORD_TEMPLATE (empty: MapBot's plain template)
    soffice: str = ""  # MAPBOT_SOFFICE (empty: found on PATH)
    soffice_timeout: float = 60.0

    @property
    def choice(self) -> str:
        return self.view.choice


def print_page(draft: dict, choice: str, links: bool, case_id: str) -> bytes:
    """The print-ready page; `links` adds the screens' links between the versions."""
    view = arrange(draft, choice)
    page = render("worker_print.html", view=view, links=links, case_id=case_id,
                  title=f"Map for {view.case['child_name']}", when=when,
                  analysis_titles=LIST_TITLES, state=case_record.STATES[
                      case_record.state_of(view)])
    assert page.body is not None  # a rendered page always has a body
    return page.body


def json_file(draft: dict, choice: str) -> bytes:
    shown = public(shaped(draft, choice))
    if choice == "accepted":  # the draft and the family's copy are the map as it is
        shown = shown | {"items": [item for item in shown["items"]
                                   if item["status"] == ItemStatus.ACCEPTED]}
    return json.dumps(shown, ensure_ascii=False, indent=2).encode()


async def _print_file(made: Export) -> bytes:
    return print_page(made.draft, made.choice, made.links, made.case_id)


async def _json(made: Export) -> bytes:
    return json_file(made.draft, made.choice)


async def _word(made: Export) -> bytes:
    # docxtpl's work is CPU-bound: in a thread, so other requests go on meanwhile.
    return await asyncio.to_thread(case_record.word, made.view, made.word_template)


async def _pdf(made: Export) -> bytes:
    return await pdf_a.convert(await _word(made), made.soffice, made.soffice_timeout)


@dataclass(frozen=True)
class Format:
    content_type: str
    render: Callable[[Export], Awaitable[bytes]]
    words: str  # "The map as <words>" (the OpenAPI document)
    download: bool = True  # a file to save (attachment), else shown in the browser (inline)
    may_fail: bool = False  # needs the template or LibreOffice: 503 when they fail


# format (the URL's and the file's suffix) -> how it is made and served
FORMATS: dict[str, Format] = {
    "docx": Format(WORD_TYPE, _word, "a Word document (from the council's template)",
                   may_fail=True),
    "pdf": Format("application/pdf", _pdf, "PDF/A-2b (made from the Word document)",
                  may_fail=True),
    "html": Format("text/html; charset=utf-8", _print_file, "a print-ready page",
                   download=False),
    "json": Format("application/json", _json, "JSON (mapbot.draft-map/1)"),
}


def export_of(draft: dict, choice: str, links: bool, case_id: str, settings) -> Export:
    return Export(draft, arrange(draft, choice), links, case_id, settings.word_template,
                  settings.soffice, settings.soffice_timeout_seconds)


async def response(kind: str, made: Export) -> HTTPResponse:
    """The map exported as `kind` (a key of FORMATS), ready to send; `Unavailable` when
    the template or LibreOffice fails (nothing on the map changes)."""
    found = FORMATS[kind]
    body = await found.render(made)
    disposition = "attachment" if found.download else "inline"
    return raw(body, content_type=found.content_type, headers={
        "Content-Disposition": f'{disposition}; filename="{filename(made.view, kind)}"'})
