"""The managers' figures (`GET /api/v1/stats`, the Figures screen): counts only.

Every query here selects roles, usernames, question keys, levels, numbers and times;
never a column that holds what anybody wrote (names, answers' text, messages, flags'
words), so no figure can carry them. The "was this easy" answer is counted from its
number (`value`); its comment (`ease_comment`) is never read.

The counting itself is plain Python over those few columns (the same on SQLite and
PostgreSQL, whose date functions differ).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.core.draft_map import iso
from bot.core.vocabulary import ADMINISTRATOR, ROLES
from bot.database.models import Answer, Case, Flag, QuestionEvent, Respondent, Worker
from bot.services.common import Common, _aware

# Who sees the figures: administrators (the contract; README: "As a manager").
FIGURES_KINDS = (ADMINISTRATOR,)
# `mapbot demo`'s made-up family is never counted.
REAL = Case.demo.is_(False)
SKIPPED, EXPLAINED = "skipped", "explained"
EVENTS = (SKIPPED, EXPLAINED)
# The "was this easy" question (asked at the end): its key, kind and values.
EASE_KEY, EASE_KIND = "ease", "feedback"
EASE_VALUES = {2: "easy", 1: "partly", 0: "hard"}
MEASURES = ("sent", "started", "sent_back")


def question_events(messages: list[dict]) -> list[tuple[str, str]]:
    """(event, question key) in the assistant's reply: the action server marks a skipped
    question (`custom.skipped`) and a question asked again in simpler words after "I
    don't understand" (`custom.simpler` beside `custom.question`)."""
    found = []
    for message in messages:
        custom = message.get("custom") or {}
        if isinstance(custom.get(SKIPPED), str):
            found.append((SKIPPED, custom[SKIPPED]))
        if custom.get("simpler") is True and isinstance(custom.get("question"), str):
            found.append((EXPLAINED, custom["question"]))
    return found


def _month(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2026-11"), so a quiet month shows as 0."""
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _minutes(start: datetime, end: datetime) -> float:
    return round((_aware(end) - _aware(start)).total_seconds() / 60, 1)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _role_order(roles: Iterable[str]) -> list[str]:
    """The vocabulary's order; a role it does not know (yet) after, by name."""
    known = [role for role in ROLES if role in roles]
    return known + sorted(set(roles) - set(ROLES))


def _invitations(rows: Sequence[tuple[str, str, datetime, datetime | None, datetime | None]]
                 ) -> dict[str, Any]:
    """Sent, started and sent back: in all, by role, by worker and by month (each in the
    month it happened)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for role, worker, sent, started, sent_back in rows:
        moments = {"sent": sent, "started": started, "sent_back": sent_back}
        for measure, moment in moments.items():
            if moment is None:
                continue
            for group in (("total", ""), ("role", role), ("worker", worker),
                          ("month", _month(_aware(moment)))):
                counts.setdefault(group, Counter())[measure] += 1

    def row(group: tuple[str, str]) -> dict[str, int]:
        found = counts.get(group, Counter())
        return {measure: found[measure] for measure in MEASURES}

    def keys(kind: str) -> list[str]:
        return [key for found, key in counts if found == kind]

    months = sorted(keys("month"))
    return {
        "total": row(("total", "")),
        "by_role": [{"role": role} | row(("role", role)) for role in _role_order(keys("role"))],
        "by_worker": [{"worker": worker} | row(("worker", worker))
                      for worker in sorted(keys("worker"))],
        "by_month": [{"month": month} | row(("month", month))
                     for month in (_months_between(months[0], months[-1]) if months else [])],
    }


def _completion(rows: Sequence[tuple[str, str, datetime, datetime | None, datetime | None]]
                ) -> dict[str, Any]:
    """From the first message to sending the answers, for those who sent them."""
    minutes = [_minutes(started, sent_back) for _, _, _, started, sent_back in rows
               if started is not None and sent_back is not None]
    return {"completed": len(minutes), "median_minutes": _median(minutes)}


def _flags(rows: Sequence[tuple[str, datetime, datetime | None]], now: datetime) -> dict[str, Any]:
    """Each flag's wait for acknowledgement (an open one's wait so far), oldest first."""
    rows = sorted(rows, key=lambda row: _aware(row[1]))  # oldest first
    each = [{"level": level, "raised_at": iso(raised), "acknowledged_at": iso(done),
             "open": done is None, "waited_minutes": _minutes(raised, done or now)}
            for level, raised, done in rows]
    waits = [_minutes(raised, done) for _, raised, done in rows if done is not None]
    return {"raised": len(each), "acknowledged": len(waits), "open": len(each) - len(waits),
            "median_wait_minutes": _median(waits),
            "longest_wait_minutes": max(waits) if waits else None, "each": each}


def _ease(rows: Sequence[tuple[str, int | None]]) -> dict[str, Any]:
    """The "was this easy" answers: easy, partly, hard; in all and by role."""
    by_role: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for role, value in rows:
        word = EASE_VALUES.get(value) if value is not None else None
        if word is not None:
            total[word] += 1
            by_role.setdefault(role, Counter())[word] += 1
    words = list(EASE_VALUES.values())
    return {"answers": sum(total.values()), **{word: total[word] for word in words},
            "by_role": [{"role": role, **{word: by_role[role][word] for word in words}}
                        for role in _role_order(by_role)]}


def _questions(rows: Sequence[tuple[str, str, int]]) -> list[dict[str, Any]]:
    counts: dict[str, Counter[str]] = {}
    for key, event, count in rows:
        counts.setdefault(key, Counter())[event] += count
    return [{"question": key, "skipped": counts[key][SKIPPED],
             "not_understood": counts[key][EXPLAINED]} for key in sorted(counts)]


class StatsService(Common):
    """The figures, and the question events they count."""

    async def note_question_events(self, respondent_id: str, turn: int,
                                   messages: list[dict]) -> int:
        """Count the skipped and not-understood questions in one reply of the assistant
        (once: a replayed turn finds its events there already). How many were new."""
        added = [await self._note_one(respondent_id, turn, event, key[:80])
                 for event, key in question_events(messages)]
        return sum(added)

    async def _note_one(self, respondent_id: str, turn: int, event: str, key: str) -> bool:
        try:
            async with self.sessions.begin() as session:
                known = await session.scalar(select(QuestionEvent.id).where(
                    QuestionEvent.respondent_id == respondent_id, QuestionEvent.turn == turn,
                    QuestionEvent.event == event, QuestionEvent.question_key == key))
                if known is not None:
                    return False
                session.add(QuestionEvent(respondent_id=respondent_id, turn=turn, event=event,
                                          question_key=key, created_at=self.clock()))
            return True
        except IntegrityError:  # the same turn, replayed at the same moment
            return False

    async def figures(self) -> dict[str, Any]:
        """Every figure, as `GET /api/v1/stats` shows them (README: "As a manager")."""
        now = self.clock()
        async with self.sessions() as session:
            invited = list((await session.execute(
                select(Respondent.role, Worker.username, Respondent.created_at,
                       Respondent.started_at, Respondent.submitted_at)
                .join(Case, Respondent.case_id == Case.id)
                .join(Worker, Case.owner_id == Worker.id).where(REAL))).all())
            flags = list((await session.execute(
                select(Flag.level, Flag.created_at, Flag.acknowledged_at)
                .join(Case, Flag.case_id == Case.id).where(REAL))).all())
            ease = list((await session.execute(
                select(Respondent.role, Answer.value)
                .join(Respondent, Answer.respondent_id == Respondent.id)
                .join(Case, Respondent.case_id == Case.id)
                .where(Answer.question_key == EASE_KEY, Answer.kind == EASE_KIND, REAL))).all())
            events = list((await session.execute(
                select(QuestionEvent.question_key, QuestionEvent.event, func.count())
                .join(Respondent, QuestionEvent.respondent_id == Respondent.id)
                .join(Case, Respondent.case_id == Case.id).where(REAL)
                .group_by(QuestionEvent.question_key, QuestionEvent.event))).all())
        return {"generated_at": iso(now), "invitations": _invitations(invited),
                "completion": _completion(invited), "questions": _questions(events),
                "flags": _flags(flags, now), "ease": _ease(ease)}
