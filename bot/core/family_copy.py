"""The copy of the map that may be shared with the family (`?copy=family`).

A conference or a parent may see this copy, and the person causing harm may be one of
them. So it holds:
- accepted items only, and none that anyone asked to keep from the family (`private`);
- no safeguarding flags, and no numbers of earlier rounds (`history`);
- none of the children's or young people's words (their houses, number and trusted
  adults): the social worker talks with a child before sharing what they said;
- a person's name only where they agreed at the end of their conversation; otherwise
  "Someone in the family network";
- nothing of "Was anyone with you while you answered?" (`with_you`: for the worker);
- only what a worker reviewed: the words as the worker left them (never the words first
  written, which an edit may have taken out), each person's number without the reasons
  written beside it, and the network's names without what was said of them (a person
  named by a child as well as by adults shows as the adults named them, with them alone
  as who named them).
It is made from the contract's draft-map JSON, so the API, the screens, Word and print
all share one rule.
"""

from __future__ import annotations

from bot.core import network
from bot.core.vocabulary import CHILD_ROLES

UNNAMED = "Someone in the family network"
CHILDREN_LEFT_OUT = ("The children's own words are not in this copy. Their social worker "
                     "will talk with them before sharing anything they said.")


def family_copy(draft: dict) -> dict:
    adults = {person["id"]: _as_shared(person) for person in draft["respondents"]
              if person["role"] not in CHILD_ROLES}
    return draft | {
        "copy": "family",
        "respondents": list(adults.values()),
        "items": [item | {"original_text": item["text"]} for item in draft["items"]
                  if item["respondent_id"] in adults and item["status"] == "accepted"
                  and not item.get("private")],
        "scales": [scale | {"why": None, "one_point_higher": None}
                   for scale in _shared(draft["scales"], adults)],
        "network": _network(draft["network"], adults),
        "flags": [],
        # Every round's numbers name people and hold the children's: left out here.
        "history": {"scales": []},
        "notes": [CHILDREN_LEFT_OUT],
    }


def _network(entries: list[dict], adults: dict) -> list[dict]:
    """Each person as the adults named them (none of their private words), with who named
    them but not what they said of them."""
    shown = []
    for entry in entries:
        kept = network.shared(entry, adults)
        if kept is not None:
            shown.append(kept | {"how_they_help": None, "named_by": [
                namer | {"how_they_help": None} for namer in kept["named_by"]]})
    return shown


def _as_shared(person: dict) -> dict:
    person = {key: value for key, value in person.items()
              if key not in ("with_you", "trusted_words")}
    if person.get("named_in_family_copy"):
        return person
    return person | {"name": UNNAMED, "role": None}


def _shared(entries: list[dict], adults: dict) -> list[dict]:
    return [entry for entry in entries
            if entry["respondent_id"] in adults and not entry.get("private")]
