"""MapBot's words for people and states, in one place (shared by the portal and actions).

Pure: only the standard library, and Python 3.10 too (the action server imports it), so
the enums are `class X(str, Enum)`: each member *is* its stored and JSON string
(`Role.PARENT == "parent"`), so the database and the API see the same values as before.

Adding a role: one `Role` member and one `ROLE_FACTS` row here; its wording, where it
differs from its audience's, goes in `actions/texts.yml` (README, "How it is built").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class _Word(str, Enum):
    """A stored word: `str()`, f-strings and JSON give the bare value on every Python."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


# Who answers -------------------------------------------------------------------------------


class Role(_Word):
    """Each invitation has one of these roles."""

    PARENT = "parent"
    CARER = "carer"
    NETWORK = "network"
    PROFESSIONAL = "professional"  # teacher, health visitor, GP...: the job in `relationship`
    YOUNG_PERSON = "young_person"
    CHILD = "child"


class Audience(_Word):
    """Whose wording a person gets in `actions/texts.yml` (after their own role's)."""

    ADULT = "adult"
    YOUNG_PERSON = "young_person"
    CHILD = "child"


@dataclass(frozen=True)
class RoleFacts:
    audience: Audience  # children's audiences get the children's conversation (houses)
    label: str  # how the screens and exports name them: "Pat (family network)"
    choice: str  # the invitation form's words for the role


# The one table of role facts; everything else derives from it.
ROLE_FACTS: dict[Role, RoleFacts] = {
    Role.PARENT: RoleFacts(Audience.ADULT, "parent", "Parent"),
    Role.CARER: RoleFacts(Audience.ADULT, "carer", "Carer"),
    Role.NETWORK: RoleFacts(Audience.ADULT, "family network",
                            "Someone in the family's network"),
    Role.PROFESSIONAL: RoleFacts(Audience.ADULT, "professional",
                                 "Professional (teacher, health visitor, GP or other)"),
    Role.YOUNG_PERSON: RoleFacts(Audience.YOUNG_PERSON, "young person",
                                 "Young person (12 and over)"),
    Role.CHILD: RoleFacts(Audience.CHILD, "child", "Child (under 12)"),
}
assert set(ROLE_FACTS) == set(Role), "every Role needs its ROLE_FACTS row"

CHILD_AUDIENCES = (Audience.YOUNG_PERSON, Audience.CHILD)
ROLES = Role.values()
# The roles that get the children's conversation (the three houses).
CHILD_ROLES = tuple(role.value for role, facts in ROLE_FACTS.items()
                    if facts.audience in CHILD_AUDIENCES)
ROLE_LABELS = {role.value: facts.label for role, facts in ROLE_FACTS.items()}
ROLE_CHOICES = [(role.value, facts.choice) for role, facts in ROLE_FACTS.items()]


# The adult question sets (`actions/questions.py`): each adult role has its own, and the
# worker may choose another at invitation (a carer who is also the parent's sister).
QUESTION_SETS = tuple(role.value for role, facts in ROLE_FACTS.items()
                      if facts.audience == Audience.ADULT)


# The invitation form's words for each set ("Which questions?").
QUESTION_SET_WORDS = {"parent": "A parent's questions", "carer": "A carer's questions",
                      "network": "Family and friends' questions",
                      "professional": "A professional's questions"}


def question_set_for(role: str | None, chosen: str | None = None) -> str | None:
    """The adult question set a person gets: the worker's choice, else their role's own."""
    if role in CHILD_ROLES:
        return None
    if chosen in QUESTION_SETS:
        return chosen
    return role if role in QUESTION_SETS else None


def is_child(role: str | None) -> bool:
    return role in CHILD_ROLES


def audience_for(role: str) -> str:
    """Whose wording a role gets in texts.yml: "adult", "child" or "young_person"."""
    facts = ROLE_FACTS.get(role)  # type: ignore[call-overload]
    return (facts.audience if facts else Audience.ADULT).value


def role_label(role: str | None) -> str:
    """"family network" for "network"; an unknown role as it is."""
    facts = ROLE_FACTS.get(role)  # type: ignore[call-overload]
    return facts.label if facts else (role or "")


# Who helped a person answer, as the worker says at invitation, and how the map says it.
ASSISTED = {"worker": "Answered with help from a social worker",
            "advocate": "Answered with help from an advocate",
            "interpreter": "Answered with help from an interpreter"}


# States ------------------------------------------------------------------------------------


class RespondentStatus(_Word):
    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class ItemStatus(_Word):
    DRAFT = "draft"  # to review
    ACCEPTED = "accepted"
    REJECTED = "rejected"


RESPONDENT_STATUSES = RespondentStatus.values()
ITEM_STATUSES = ItemStatus.values()


# Safeguarding flag levels (bot/core/safeguarding/assess.py says when each applies).
class FlagLevel(_Word):
    IMMEDIATE = "immediate"  # someone may be in danger now: help at once, duty alert
    CONCERN = "concern"  # harm described in an answer, past or already known


IMMEDIATE = FlagLevel.IMMEDIATE.value
CONCERN = FlagLevel.CONCERN.value
FLAG_LEVELS = FlagLevel.values()


# An item whose finer part (harm, danger, strength, ...) is not known: the parts model
# (bot/core/understanding/parts.py) was not sure enough, or nobody has sorted it. Every
# place that shows a null category says this.
NOT_SORTED = "Not sorted yet"


# Flag categories the portal raises itself (the detector's own are in its patterns).
# A child or young person said someone was there while they answered
# (bot/core/with_you.py): the worker should know who may have seen or steered the answers.
SOMEONE_PRESENT = "someone_present"


# Workers -----------------------------------------------------------------------------------


# Worker kinds (`mapbot worker add --duty|--manager|--admin`). Duty workers, managers and
# administrators see every open flag and may open a flagged case's map, read-only
# (audited with why); managers and administrators also share and hand over cases.
class WorkerKind(_Word):
    WORKER = "worker"
    DUTY = "duty"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"


WORKER = WorkerKind.WORKER.value
DUTY = WorkerKind.DUTY.value
MANAGER = WorkerKind.MANAGER.value
ADMINISTRATOR = WorkerKind.ADMINISTRATOR.value
WORKER_KINDS = WorkerKind.values()
OVERSIGHT_KINDS = (DUTY, MANAGER, ADMINISTRATOR)
SHARING_KINDS = (MANAGER, ADMINISTRATOR)


# What a worker given a case may do: an owner changes it, a viewer reads it (and
# acknowledges its flags).
class CaseRole(_Word):
    VIEWER = "viewer"
    OWNER = "owner"


OWNER = CaseRole.OWNER.value
VIEWER = CaseRole.VIEWER.value
CASE_ROLES = CaseRole.values()
