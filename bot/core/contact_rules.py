"""Where an invitation or a reminder may go: only where the worker recorded that it is
safe to contact this person at that number or address, and never a child's link to a
number or address someone else in the case was also given (a shared family phone),
unless the worker said that it may."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.vocabulary import is_child

SMS, EMAIL = "sms", "email"


@dataclass(frozen=True)
class Contact:
    role: str
    sms: str | None
    email: str | None
    safe: bool
    shared_ok: bool


def same_number(number: str) -> str:
    """A phone number as digits, +44 (and +44 (0)) as 0, so that "07700 900123",
    "+447700900123" and "+44 (0)7700-900123" are the same phone."""
    digits = re.sub(r"\D", "", number)
    return "0" + digits[2:].lstrip("0") if digits.startswith("44") else digits


def destinations(contact: Contact, others: set[str]) -> list[tuple[str, str]]:
    """(channel, address) to send to; `others`: the numbers (`same_number`) and lowered
    addresses given for the other people in the case."""
    if not contact.safe:
        return []
    found = []
    if contact.sms:
        found.append((SMS, contact.sms, same_number(contact.sms)))
    if contact.email:
        found.append((EMAIL, contact.email, contact.email.lower()))
    guard = is_child(contact.role) and not contact.shared_ok
    return [(channel, address) for channel, address, key in found
            if not (guard and key in others)]


def keys(sms: str | None, email: str | None) -> set[str]:
    """What `destinations` compares: a person's number and address, made comparable."""
    return {key for key in (same_number(sms) if sms else None,
                            email.lower() if email else None) if key}
