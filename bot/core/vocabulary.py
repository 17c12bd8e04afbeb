"""MapBot's words for people and states, in one place (shared by the portal and actions).

Pure constants: no imports, so both Python environments can use them.
"""

from __future__ import annotations

# Who answers: each invitation has one of these roles.
ROLES = ("parent", "carer", "network", "young_person", "child")
# The roles that get the children's conversation (the three houses).
CHILD_ROLES = ("young_person", "child")



def audience_for(role: str) -> str:
    """Whose wording a role gets in texts.yml: its own for children, else "adult"."""
    return role if role in CHILD_ROLES else "adult"


# Safeguarding flag levels (bot/core/safeguarding/assess.py says when each applies).
IMMEDIATE = "immediate"  # someone may be in danger now: help at once, duty alert
CONCERN = "concern"  # harm described in an answer, past or already known
FLAG_LEVELS = (IMMEDIATE, CONCERN)

# Worker kinds (`mapbot worker add --duty|--manager|--admin`). Duty workers, managers and
# administrators see every open flag and may open a flagged case's map, read-only
# (audited with why); managers and administrators also share and hand over cases.
WORKER = "worker"
DUTY = "duty"
MANAGER = "manager"
ADMINISTRATOR = "administrator"
WORKER_KINDS = (WORKER, DUTY, MANAGER, ADMINISTRATOR)
OVERSIGHT_KINDS = (DUTY, MANAGER, ADMINISTRATOR)
SHARING_KINDS = (MANAGER, ADMINISTRATOR)
# What a worker given a case may do: an owner changes it, a viewer reads it (and
# acknowledges its flags).
OWNER = "owner"
VIEWER = "viewer"
CASE_ROLES = (VIEWER, OWNER)
