"""The network on the map: one entry per person, however many people named them.

Each person who answered names people in their own words (bot/core/understanding/
people.py). The same nan may be named by her daughter, her grandson and a neighbour:
the worker sees her once, with who named her and what each of them said of her, in
their own words. People are the same person when:
- both were named with a name, the names match (without titles: "Nanny Pat" is "Pat")
  and the relationships do not contradict each other. Nan, nana, gran and grandma are
  one kind of relative, and a parent's "my mum" is the child's grandmother;
- both were named by a role alone ("Nan", "his nan"): the same word, said of the same
  person's family (a parent's "my mum" and a child's "my mum" are not one person).
A person who could be either of two people ("Amy", with a friend Amy and a cousin Amy
already named) stays on their own: the worker can tell, MapBot cannot.

The contract's network entry (`respondent_id`, `name`, `relationship`, `how_they_help`)
is that of the first person who named them; `named_by` (everyone who named them, each
with their own words) and `private` are MapBot's own and leave with `public()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.understanding.people import ROLES, Person, help_for, mentions, name_key
from bot.core.vocabulary import CHILD_ROLES

# Words for one kind of relative: matched together when the names match, shown as said.
_KINDS = {
    "grandmother": {"nan", "nana", "nanna", "nanny", "gran", "granny", "grandma",
                    "grandmother"},
    "grandfather": {"grandad", "grandpa", "grandfather"},
    "mother": {"mum", "mam", "mom", "mummy", "mommy"},
    "father": {"dad", "daddy"},
    "aunt": {"auntie", "aunt"},
}
_KIND_OF = {word: kind for kind, words in _KINDS.items() for word in words}
# A parent's own relatives, as the child would know them ("my mum Pat" is Nan Pat).
_PARENTS_OWN = {"mother": "grandmother", "father": "grandfather", "sister": "aunt",
                "brother": "uncle"}


class NetworkAnswer(Protocol):
    """What the network needs of a stored answer (bot/core/draft_map.py AnswerView)."""

    @property
    def respondent_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def private(self) -> bool: ...


@dataclass
class Naming:
    """One person as one respondent named them, with what that respondent said of them."""

    respondent_id: str
    role: str | None
    person: Person
    private: bool
    words: list[str] = field(default_factory=list)

    def add_words(self, words: Iterable[str]) -> None:
        self.words += [said for said in words if said not in self.words]


def namings(respondent_id: str, role: str | None,
            answers: Iterable[NetworkAnswer]) -> list[Naming]:
    """Everyone one respondent named, in order. A sentence naming someone is what was
    said of them; "How do they help?" goes to the people of the answer it follows, as
    `help_for` shares it out."""
    found: list[Naming] = []
    helpers: list[Naming] = []
    for answer in answers:
        if answer.kind == "network":
            helpers = []
            for mention in mentions(answer.text):
                naming = _named(found, respondent_id, role, mention.person, answer.private)
                if mention.says_more:
                    naming.add_words([mention.sentence])
                if naming not in helpers:
                    helpers.append(naming)
        elif answer.kind == "network_how" and helpers:
            said = help_for(answer.text, [naming.person for naming in helpers])
            for naming in helpers:
                if said.get(naming.person):
                    naming.add_words(said[naming.person])
                    naming.private = naming.private or answer.private
    return found


def _named(found: list[Naming], respondent_id: str, role: str | None, person: Person,
           private: bool) -> Naming:
    """The respondent's earlier naming of this person, or a new one."""
    naming = Naming(respondent_id, role, person, private)
    for earlier in found:
        if earlier.person == person or same_person(earlier, naming):
            earlier.private = earlier.private or private
            return earlier
    found.append(naming)
    return naming


def same_person(a: Naming, b: Naming) -> bool:
    """Whether two namings are sensibly one person (see the module's words)."""
    if a.person.named and b.person.named:
        if _plain(name_key(a.person)) != _plain(name_key(b.person)):
            return False
        if _role(a) is None or _role(b) is None:
            return True
        return bool(_kinds(a) & _kinds(b))
    if a.person.named or b.person.named:
        return False  # "Nan" and "Nanny Pat" may be two grandmothers
    return (a.person.name.casefold() == b.person.name.casefold()
            and (a.person.relationship or "").casefold() == (b.person.relationship or "")
            .casefold() and _whose(a) == _whose(b))


def _role(naming: Naming) -> str | None:
    """The relationship when it is a role ("friend"); a place ("Amy from next door")
    does not tell one Amy from another."""
    word = (naming.person.relationship or "").lower()
    return word if word in ROLES or word.removesuffix("s") in ROLES else None


def _plain(key: str) -> str:
    return key.replace(".", "").replace("’", "'")


def _kinds(naming: Naming) -> set[str]:
    word = _role(naming) or ""
    kind = _KIND_OF.get(word, word)
    if naming.role == "parent" and naming.person.own and kind in _PARENTS_OWN:
        return {kind, _PARENTS_OWN[kind]}
    return {kind}


def _whose(naming: Naming) -> str:
    """Whose relative a role names: an adult's "my mum" is their own; "Nan", "his nan"
    and anything a child says are the child's family."""
    if naming.person.own and naming.role not in CHILD_ROLES:
        return naming.respondent_id
    return "child"


def merged(all_namings: Iterable[Naming]) -> list[list[Naming]]:
    """The namings grouped by person, in the order people were first named. A name said
    without a role joins its person only after everyone named with a role has been
    placed, so the answer does not depend on who happened to answer first."""
    ordered = list(all_namings)
    groups: list[list[Naming]] = []
    for naming in sorted(ordered, key=lambda n: n.person.named and _role(n) is None):
        fits = [group for group in groups
                if all(same_person(other, naming) for other in group)
                and naming.respondent_id not in {other.respondent_id for other in group}]
        if len(fits) == 1:
            fits[0].append(naming)
        else:  # nobody, or more than one person it could be: on its own
            groups.append([naming])
    place = {id(naming): index for index, naming in enumerate(ordered)}
    for group in groups:
        group.sort(key=lambda naming: place[id(naming)])
    return sorted(groups, key=lambda group: place[id(group[0])])


def network(answers: Iterable[NetworkAnswer],
            roles: Mapping[str, str | None] | None = None) -> list[dict]:
    """The map's network from every respondent's answers; `roles` (respondent id ->
    role) in the order people were invited, which is the order of the entries."""
    answers = list(answers)
    roles = dict(roles or {})
    order = dict.fromkeys([*roles, *(answer.respondent_id for answer in answers)])
    everyone: list[Naming] = []
    for respondent_id in order:
        everyone += namings(respondent_id, roles.get(respondent_id),
                            [a for a in answers if a.respondent_id == respondent_id])
    return [_entry(group) for group in merged(everyone)]


def _entry(group: list[Naming]) -> dict:
    named_by = [{"respondent_id": naming.respondent_id, "name": naming.person.name,
                 "relationship": naming.person.relationship,
                 "how_they_help": " ".join(naming.words) or None,
                 "private": naming.private} for naming in group]
    return _entry_of(named_by)


def named_by(entry: Mapping) -> list[dict]:
    """Everyone who named the person of a network entry, with their own words; an entry
    in the contract's shape alone (e.g. read back from the JSON) was named by one."""
    if entry.get("named_by"):
        return list(entry["named_by"])
    return [{"respondent_id": entry["respondent_id"], "name": entry["name"],
             "relationship": entry.get("relationship"),
             "how_they_help": entry.get("how_they_help"),
             "private": bool(entry.get("private"))}]


def shared(entry: Mapping, keep: Iterable[str]) -> dict | None:
    """The entry as named by the respondents in `keep` alone (none of their private
    words), or None when none of them named the person. The first of them speaks for
    the contract's fields, so nothing of a left-out respondent shows."""
    kept = set(keep)
    namers = [namer for namer in named_by(entry)
              if namer["respondent_id"] in kept and not namer.get("private")]
    if not namers:
        return None
    return _entry_of(namers)


def _entry_of(named: list[dict]) -> dict:
    first = named[0]
    return {key: first[key] for key in ("respondent_id", "name", "relationship",
                                        "how_they_help")} | {
        "private": bool(first.get("private")), "named_by": named}
