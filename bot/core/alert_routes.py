"""Who a safeguarding alert goes to, by the clock.

Office hours and out of hours each have their own chain of contacts, tried in order: a
flag nobody acknowledged within `escalate_after_minutes` goes to the next step of the
chain of the period it is then (a flag raised at 16:50 and still open at 17:20 goes to
the out-of-hours team's first step: they have not been told yet). Pure functions of the
settings and a moment, so tests choose the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.config import Settings

OFFICE = "office"
OUT_OF_HOURS = "out_of_hours"
PERIOD_WORDS = {OFFICE: "office hours", OUT_OF_HOURS: "out of hours"}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d\d):(\d\d)-(\d\d):(\d\d)\s*$")


class RouteError(ValueError):
    """The alert settings cannot be read (a clear message for whoever set them)."""


@dataclass(frozen=True)
class Contact:
    channel: str  # "email" or "webhook"
    address: str


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int]  # Monday is 0
    start: time
    end: time


def office_hours(text: str) -> OfficeHours:
    """`Mon-Fri 09:00-17:00` (or one day: `Sat 10:00-12:00`)."""
    found = _HOURS.match(text.lower())
    if not found:
        raise RouteError(f"MAPBOT_OFFICE_HOURS must look like 'Mon-Fri 09:00-17:00', "
                         f"not {text!r}.")
    first, last, h1, m1, h2, m2 = found.groups()
    if first not in DAYS or (last or first) not in DAYS:
        raise RouteError(f"MAPBOT_OFFICE_HOURS: unknown day in {text!r}.")
    start, end = DAYS.index(first), DAYS.index(last or first)
    days = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
    try:
        opens, closes = time(int(h1), int(m1)), time(int(h2), int(m2))
    except ValueError as error:
        raise RouteError(f"MAPBOT_OFFICE_HOURS: {error} in {text!r}.") from None
    if opens >= closes:
        raise RouteError(f"MAPBOT_OFFICE_HOURS: the office must open before it closes "
                         f"({text!r}).")
    return OfficeHours(frozenset(days), opens, closes)


def period_at(settings: Settings, moment: datetime) -> str:
    """"office" or "out_of_hours" at this moment (an aware datetime), in local time."""
    hours = office_hours(settings.office_hours)
    local = moment.astimezone(ZoneInfo(settings.timezone))
    inside = (local.weekday() in hours.days
              and hours.start <= local.time().replace(tzinfo=None) < hours.end)
    return OFFICE if inside else OUT_OF_HOURS


def contact(text: str, name: str) -> Contact:
    text = text.strip()
    if text.startswith(("https://", "http://")):
        return Contact("webhook", text)
    if re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", text):
        return Contact("email", text)
    raise RouteError(f"{name}: {text!r} is neither an email address nor a webhook URL.")


def parse_chain(text: str, name: str) -> list[list[Contact]]:
    """`a@x.org, https://hook; b@x.org` -> [[a, hook], [b]]."""
    steps = [[contact(part, name) for part in step.split(",") if part.strip()]
             for step in text.split(";")]
    return [step for step in steps if step]


def legacy_chain(settings: Settings) -> list[list[Contact]]:
    """The alert addresses from before office hours: the webhook and the alert address,
    then the webhook again (an "escalated" event) and the duty address."""
    email = settings.smtp_host
    hook = [Contact("webhook", settings.alert_webhook_url)] if settings.alert_webhook_url else []
    first = hook + ([Contact("email", settings.alert_email_to)]
                    if email and settings.alert_email_to else [])
    second = hook + ([Contact("email", settings.duty_email_to)]
                     if email and settings.duty_email_to else [])
    return [step for step in (first, second) if step]


def chain(settings: Settings, period: str) -> list[list[Contact]]:
    """The period's steps; email contacts only when an SMTP server is set."""
    variable, text = (("MAPBOT_OFFICE_HOURS_CONTACTS", settings.office_hours_contacts)
                      if period == OFFICE else
                      ("MAPBOT_OUT_OF_HOURS_CONTACTS", settings.out_of_hours_contacts))
    if not text.strip():
        return legacy_chain(settings)
    steps = [[c for c in step if c.channel == "webhook" or settings.smtp_host]
             for step in parse_chain(text, variable)]
    return [step for step in steps if step]


def step(settings: Settings, period: str, number: int) -> list[Contact]:
    """The contacts of step `number` (from 1) of the period's chain; [] past its end."""
    steps = chain(settings, period)
    return steps[number - 1] if 1 <= number <= len(steps) else []


def check(settings: Settings) -> None:
    """Read every alert setting once at start, so a mistake stops the portal at once
    rather than losing an alert at 2 am."""
    office_hours(settings.office_hours)
    try:
        ZoneInfo(settings.timezone)
    except Exception:  # noqa: BLE001 - any unknown zone is the same mistake
        raise RouteError(f"MAPBOT_TIMEZONE: unknown time zone {settings.timezone!r}.") from None
    chain(settings, OFFICE)
    chain(settings, OUT_OF_HOURS)


@dataclass(frozen=True)
class Route:
    """The contacts one step of a flag's alerts goes to, and which step of which period."""

    period: str
    step: int
    contacts: tuple[Contact, ...]


def first(settings: Settings, moment: datetime) -> Route:
    """Where a new flag's alerts go: the first step of the period it is now."""
    period = period_at(settings, moment)
    return Route(period, 1, tuple(step(settings, period, 1)))


def next_route(settings: Settings, period: str, reached: int, moment: datetime) -> Route:
    """Where an open flag's alerts go next: the next step in the same period, or the
    first step of a period that has not been told yet."""
    now = period_at(settings, moment)
    number = reached + 1 if now == period else 1
    return Route(now, number, tuple(step(settings, now, number)))
