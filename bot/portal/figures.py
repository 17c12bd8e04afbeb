"""The Figures screen and its CSV, from `store.figures()` (bot/services/stats.py).

Each figure is a chart (SVG, bot/core/charts.py) and a table of the same numbers; the
CSV holds every number, one per row. Counts, minutes and times only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from bot.core import texts
from bot.core.charts import bar_chart
from bot.core.vocabulary import role_label

MEASURE_WORDS = {"sent": "Sent", "started": "Started", "sent_back": "Sent back"}
EASE_WORDS = {"easy": "Easy", "partly": "Partly", "hard": "Hard"}
QUESTION_WORDS = {"skipped": "Skipped", "not_understood": "“I don't understand”"}
# How long flags waited for acknowledgement: (words, up to this many minutes).
WAIT_BANDS = (("Under 1 hour", 60), ("1 to 4 hours", 240), ("4 to 24 hours", 1440),
              ("Over a day", None))
WAIT_WORDS = {"acknowledged": "Acknowledged", "open": "Still open"}
# A CSV cell that a spreadsheet would read as a formula is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Figure:
    """One chart and its table: `rows[i]` is `groups[i]` and its numbers, by column."""

    id: str
    title: str
    group_heading: str
    groups: list[str]
    columns: list[str]
    rows: list[list[Any]]
    unit: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def chart(self) -> Markup:
        # The SVG is built from escaped text only (bot/core/charts.py).
        return Markup(bar_chart(self.id, self.title, self.groups, self.columns,  # noqa: S704
                                self.rows, self.unit))


def question_label(key: str) -> str:
    """The question as most people were asked it, with no one's name in it."""
    values = {"child_name": "the child", "scale_value": "that number", "old_text": "…"}
    for audience in ("adult", "young_person", "child"):
        try:
            asked = texts.question(key, "ask", None, audience, values)
        except (KeyError, TypeError):
            return key
        if asked:
            return asked
    return key


def _order_of_questions(rows: list[dict]) -> list[dict]:
    """In the order the conversation asks them (texts.yml); unknown keys after."""
    order = list(texts.catalogue().get("questions", {}))
    return sorted(rows, key=lambda row: (order.index(row["question"])
                                         if row["question"] in order else len(order),
                                         row["question"]))


def _measured(figure_id: str, title: str, heading: str, rows: list[dict], key: str,
              words: dict[str, str], label=str) -> Figure:
    return Figure(figure_id, title, heading, [label(row[key]) for row in rows],
                  list(words.values()), [[row[name] for name in words] for row in rows])


def _band(minutes: float) -> str:
    for words, most in WAIT_BANDS:
        if most is None or minutes < most:
            return words
    return WAIT_BANDS[-1][0]


def _waits(flags: dict) -> Figure:
    counts = {words: {"acknowledged": 0, "open": 0} for words, _ in WAIT_BANDS}
    for flag in flags["each"]:
        counts[_band(flag["waited_minutes"])]["open" if flag["open"] else "acknowledged"] += 1
    groups = [words for words, _ in WAIT_BANDS]
    return Figure("flag-waits", "How long flags waited for acknowledgement", "Waited",
                  groups, list(WAIT_WORDS.values()),
                  [[counts[group][name] for name in WAIT_WORDS] for group in groups])


def figures_view(found: dict) -> list[Figure]:
    """The screen's figures, in its order."""
    invited, ease = found["invitations"], found["ease"]
    all_ease = [{"role": "Everyone"} | {name: ease[name] for name in EASE_WORDS}]
    return [
        _measured("by-role", "Invitations by role", "Role", invited["by_role"], "role",
                  MEASURE_WORDS, role_label),
        _measured("by-worker", "Invitations by worker (the case's owner)", "Worker",
                  invited["by_worker"], "worker", MEASURE_WORDS),
        _measured("by-month", "Invitations over time, by month", "Month",
                  invited["by_month"], "month", MEASURE_WORDS),
        _measured("questions", "Questions skipped or not understood", "Question",
                  _order_of_questions(found["questions"]), "question", QUESTION_WORDS,
                  question_label),
        _waits(found["flags"]),
        _measured("ease", "Was this easy? The answers", "Who answered",
                  all_ease + ease["by_role"], "role", EASE_WORDS,
                  lambda role: role if role == "Everyone" else role_label(role)),
    ]


def duration(minutes: float | None) -> str:
    """"2 hours 5 minutes", "3 days 4 hours", "under a minute"; "none yet" for None."""
    if minutes is None:
        return "none yet"
    whole = int(minutes)
    if whole < 1:
        return "under a minute"
    days, hours, mins = whole // 1440, whole % 1440 // 60, whole % 60
    parts = [(days, "day"), (hours, "hour")] + ([(mins, "minute")] if not days else [])
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(found: dict) -> list[list[Any]]:
    invited = found["invitations"]
    rows: list[list[Any]] = [["invitations", "total", "", name, invited["total"][name]]
                             for name in MEASURE_WORDS]
    for figure, key in (("by_role", "role"), ("by_worker", "worker"), ("by_month", "month")):
        rows += [["invitations", figure, row[key], name, row[name]]
                 for row in invited[figure] for name in MEASURE_WORDS]
    completion = found["completion"]
    rows += [["completion", "total", "", "completed", completion["completed"]],
             ["completion", "total", "", "median_minutes", completion["median_minutes"]]]
    rows += [["questions", "question", row["question"], name, row[name]]
             for row in found["questions"] for name in QUESTION_WORDS]
    flags = found["flags"]
    rows += [["flags", "total", "", name, flags[name]] for name in
             ("raised", "acknowledged", "open", "median_wait_minutes", "longest_wait_minutes")]
    for flag in flags["each"]:
        rows += [["flags", "flag raised at", flag["raised_at"], name, flag[name]]
                 for name in ("level", "acknowledged_at", "open", "waited_minutes")]
    ease = found["ease"]
    rows += [["ease", "total", "", name, ease[name]] for name in ("answers", *EASE_WORDS)]
    rows += [["ease", "role", row["role"], name, row[name]]
             for row in ease["by_role"] for name in EASE_WORDS]
    return rows


def csv_text(found: dict) -> str:
    """Every figure, one number a row: figure, grouped by, group, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "grouped_by", "group", "measure", "value"])
    writer.writerows([[_cell(value) for value in row] for row in _csv_rows(found)])
    return out.getvalue()
