"""What `mapbot run` says while it works, and how long its last start took.

The first start installs, trains and loads models for minutes: each step is said as it
begins, with Rasa's own progress while it trains, and the time each step took is kept
in `<log dir>/last-run.json`, so the next start can say how long to expect.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import TextIO

LAST_RUN = "last-run.json"
# What Rasa prints that says how far training is (the rest goes to train.log only).
RASA_STEPS = (
    (re.compile(r"Started validating domain and training data"),
     lambda m: "checking the training data"),
    (re.compile(r"Starting to train component '([^']+)'"),
     lambda m: f"training {m.group(1)}"),
    # tqdm's bar, in tens of per cent (it redraws for every step).
    (re.compile(r"^Epochs:\s+(\d+)%"), lambda m: f"epochs {int(m.group(1)) // 10 * 10}%"),
)


def rasa_step(line: str) -> str | None:
    """The part of a line of Rasa's training output worth showing, or None."""
    for pattern, words in RASA_STEPS:
        match = pattern.search(line.strip())
        if match:
            return words(match)
    return None


class Progress:
    """Steps said on a terminal, each with how long it took, and the total."""

    def __init__(self, log_dir: Path, out: TextIO | None = None) -> None:
        self.path = log_dir / LAST_RUN
        self.out = out or sys.stdout
        self.started = time.monotonic()
        self.steps: dict[str, float] = {}
        self._step: tuple[str, float] | None = None

    def say(self, words: str) -> None:
        print(words, file=self.out, flush=True)

    def last_time(self) -> str | None:
        """How long the last start took, in words, if one is kept."""
        try:
            last = json.loads(self.path.read_text())
            return f"{in_words(last['seconds'])} ({last['finished']})"
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def step(self, words: str) -> None:
        """A new step begins (the one before, if any, is over)."""
        self.done()
        self._step = (words, time.monotonic())
        self.say(f"- {words}...")

    def detail(self, words: str) -> None:
        self.say(f"    {words}")

    def done(self) -> None:
        if self._step is not None:
            words, began = self._step
            self.steps[words] = round(time.monotonic() - began, 1)
            self._step = None

    def finish(self) -> float:
        """Keep how long this start took (each step, and the whole); the seconds."""
        self.done()
        seconds = round(time.monotonic() - self.started, 1)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.write_text(json.dumps({
            "seconds": seconds, "steps": self.steps,
            "finished": time.strftime("%Y-%m-%d %H:%M", time.localtime())}, indent=1))
        return seconds


def in_words(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"
