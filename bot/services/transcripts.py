"""A person's conversation as the chat page shows it, read back from the `messages` table.

The page is rendered from this when someone comes back (or, with JavaScript off, after
every message), and `static/chat.js` keeps the same state as new messages arrive:
what was said, the choices of the last question, the progress line and the houses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.database.models import Message

HOUSES = ("good_things", "worries", "dreams")
SEND = "/send"
# What the page offers when the assistant is waiting for the person to say something
# (before the first message, and after "stop for now"): any words open or resume it.
# `shown`: what the person is shown to have said, as the transcript will show it later.
START = {"title": "Start", "payload": "Hello", "shown": "Hello"}
CARRY_ON = {"title": "Carry on", "payload": "Hello", "shown": "Hello"}


@dataclass(frozen=True)
class Line:
    sender: str  # "person" or "bot"
    text: str  # as the person typed it or the assistant said it; shown as text, never HTML
    buttons: list[dict] = field(default_factory=list)
    custom: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Transcript:
    lines: list[Line]

    @property
    def started(self) -> bool:
        return bool(self.lines)

    @property
    def last_turn(self) -> list[Line]:
        """The assistant's messages since the person last sent something."""
        turn: list[Line] = []
        for line in reversed(self.lines):
            if line.sender != "bot":
                break
            turn.insert(0, line)
        return turn

    @property
    def submitted(self) -> bool:
        return any(line.custom.get("status") == "submitted" for line in self.lines)

    @property
    def choices(self) -> list[dict]:
        """The buttons to show now: the last question's, else a way to start or go on."""
        if not self.lines:
            return [START]
        for line in reversed(self.last_turn):
            if line.buttons:
                return line.buttons
        return [] if self.submitted else [CARRY_ON]

    @property
    def progress(self) -> str:
        return progress_text(line for line in self.lines if line.sender == "bot")

    @property
    def visited_houses(self) -> list[str]:
        seen = {line.custom.get("house") for line in self.lines}
        return [house for house in HOUSES if house in seen]

    @property
    def current_house(self) -> str | None:
        """The house of the question being answered now, if it is in one."""
        for line in reversed(self.lines):
            if "question" in line.custom:
                return line.custom.get("house")
        return None

    def shown(self) -> list[tuple[Line, str]]:
        """Each line with the words to show: a pressed button shows its title."""
        shown, titles = [], {}
        for line in self.lines:
            if line.sender == "bot":
                titles.update({b["payload"]: b["title"] for b in line.buttons})
                shown.append((line, line.text))
            else:
                shown.append((line, titles.get(line.text, line.text)))
                titles = {}
        return shown

    @property
    def latest(self) -> int | None:
        """Where the newest exchange starts: the person's last message, else the first."""
        for index in range(len(self.lines) - 1, -1, -1):
            if self.lines[index].sender == "person":
                return index
        return 0 if self.lines else None


def progress_text(bot_messages: Iterable[Line]) -> str:
    """The progress line after these messages ("" before the first question)."""
    text = ""
    for line in bot_messages:
        progress = line.custom.get("progress")
        if line.custom.get("status") == "submitted":
            text = "Sent to your social worker"
        elif isinstance(progress, dict) and progress.get("step") and progress.get("of"):
            text = f"Question {progress['step']} of {progress['of']}"
        elif any(button.get("payload") == SEND for button in line.buttons):
            text = "Checking your answers"
    return text


def _line(sender: str, text: str, data: str | None) -> Line:
    try:
        extra = json.loads(data) if data else {}
    except ValueError:
        extra = {}
    buttons = [b for b in extra.get("buttons") or [] if isinstance(b, dict)
               and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]
    given = extra.get("custom")
    custom = given if isinstance(given, dict) else {}
    return Line(sender, text, buttons, custom)


async def transcript(store, respondent_id: str) -> Transcript:
    """Everything said in this person's conversation, oldest first."""
    async with store.sessions() as session:
        rows = await session.execute(
            select(Message.sender, Message.text, Message.data)
            .where(Message.respondent_id == respondent_id).order_by(Message.id))
        return Transcript([_line(sender, text, data) for sender, text, data in rows])
