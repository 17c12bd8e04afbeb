"""The worker's part of the map: danger statements, safety goals, grey areas, next steps
and the worker's judgement, and the scaffolds MapBot offers for them.

MapBot never writes a statement itself: a machine-written danger statement invites
rubber-stamping. It only gathers the family's worries, each with who said it, beside the
questions a danger statement answers. Plain functions over plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# The lists whose entries are the worker's words resting on items as evidence.
STATEMENT_LISTS = ("danger_statements", "safety_goals", "grey_areas")
LISTS = (*STATEMENT_LISTS, "next_steps")
LIST_TITLES = {"danger_statements": "Danger statements", "safety_goals": "Safety goals",
               "grey_areas": "Grey areas", "next_steps": "Next steps"}
ENTRY_WORDS = {"danger_statements": "Danger statement", "safety_goals": "Safety goal",
               "grey_areas": "Grey area", "next_steps": "Next step"}


def prompts(child_name: str) -> list[str]:
    """The questions a danger statement answers (Signs of Safety)."""
    return ["What has happened, and who is worried about it?",
            "What might happen if nothing changes?",
            f"How would that affect {child_name}?"]


def empty() -> dict:
    return {**{name: [] for name in LISTS}, "judgement": {"value": None, "why": None}}


def scaffolds(worries: Iterable[dict], names: dict[str, str], child_name: str) -> list[dict]:
    """The worries (items: `id`, `respondent_id`), one group a person, in the order the
    people were invited (`names`: respondent id -> name, in that order)."""
    grouped: dict[str, list[str]] = {}
    for item in worries:
        grouped.setdefault(item["respondent_id"], []).append(item["id"])
    return [{"who": [name], "evidence": grouped[person], "prompts": prompts(child_name)}
            for person, name in names.items() if person in grouped]


def evidence_of(content: dict) -> set[str]:
    return {item for name in STATEMENT_LISTS for entry in content[name]
            for item in entry["evidence"]}


def entry_ids(content: dict) -> set[str]:
    return {entry["id"] for name in LISTS for entry in content[name] if entry.get("id")}


def with_ids(content: dict, new_id: Callable[[], str]) -> dict:
    """Every entry with an id: a new entry (without one) gets a new id."""
    return content | {name: [entry | {"id": entry.get("id") or new_id()}
                             for entry in content[name]] for name in LISTS}


def keep_evidence(content: dict, present: set[str]) -> dict:
    """The content with only the evidence still `present` (its order kept)."""
    return content | {name: [entry | {"evidence": [i for i in entry["evidence"]
                                                   if i in present]}
                             for entry in content[name]] for name in STATEMENT_LISTS}
