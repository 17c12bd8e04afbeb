"""Whole parent conversations played through the public chat endpoint, as the chat page
plays them: a message that got no answer (503, or no connection at all) is sent again,
word for word, until it gets one. Used by the fault and scale tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.e2e.conftest import asked

# What each parent types, by question; "{n}" makes every family's words its own. Plain
# one-clause answers, so each item answer is one item on the map, in the words typed.
ANSWERS = {
    "like_child": "Family {n} says she is kind to her little brother",
    "going_well": "Family {n} eats tea together most nights",
    "before_problem": "Family {n} went to the park every weekend",
    "child_would_say": "Family {n} thinks she likes her new teacher",
    "worried_about": "Family {n} worries she is falling behind at school",
    "worker_worried": "Family {n} has a flat that is too cold in winter",
    "future_danger": "Family {n} fears she will miss more school",
    "near_miss": "Family {n} asked my sister to help on a bad day",
    "harder": "Family {n} has little money this year",
    "helpers": "my mum and my sister Kelly",
    "how_help": "They pick her up from school",
    "safe_needs": "Family {n} needs a warmer flat before winter",
    "first_sign": "Family {n} sees Jamie going to school every day",
    "scale": "6",
    "scale_why": "Family {n} has a routine now",
    "scale_higher": "Family {n} would like a bit more help with food",
    "common_scale": "5",
    "with_you": "/skip",  # "Was anyone with you while you answered?"
    "ease": "/skip",  # "Was this easy to do?" (and its comment, skipped with it)
}
ITEM_QUESTIONS = ["like_child", "going_well", "before_problem", "near_miss",
                  "child_would_say", "worried_about", "worker_worried", "future_danger",
                  "harder", "safe_needs", "first_sign"]
CARRY_ON = "/carry_on"


@dataclass
class Progress:
    """Turns answered by every player, for a test to act in the middle of them."""

    turns: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> None:
        with self.lock:
            self.turns += 1


@dataclass
class Player:
    """One parent with their invitation link."""

    base_url: str
    token: str
    number: int
    deadline: float  # time.monotonic() by which the conversation must be over
    progress: Progress | None = None
    gate: Callable[[Player], None] | None = None  # called before each message
    answered: dict[str, str] = field(default_factory=dict)  # question -> words, in order
    resends: int = 0
    turns: int = 0
    durations: list[float] = field(default_factory=list)  # seconds per answered turn
    # The slowest turn: seconds, words, when it started, and each try (status, seconds).
    slowest: tuple[float, str, float, list] = (0.0, "", 0.0, [])
    submitted: bool = False
    error: str = ""

    def expected_items(self) -> list[str]:
        return [self.answered[q] for q in self.answered if q in ITEM_QUESTIONS]

    def say(self, client: httpx.Client, text: str) -> list[dict]:
        """Send until answered, as the page lets a person send the same words again."""
        if self.gate is not None:
            self.gate(self)
        started, tries = time.monotonic(), []
        while True:
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"family {self.number}: no answer to {text!r} in time")
            sent = time.monotonic()
            try:
                response = client.post(f"/api/v1/chat/{self.token}/messages",
                                       json={"text": text})
            except httpx.TransportError:
                response = None  # the portal itself is down or was killed
            tries.append((response.status_code if response is not None else "no answer",
                          round(time.monotonic() - sent, 1)))
            if response is not None and response.status_code == 200:
                break
            if response is not None and response.status_code not in (429, 503):
                raise AssertionError(f"family {self.number}: {text!r} got "
                                     f"{response.status_code} {response.text}")
            if response is not None and response.status_code == 503:
                assert "again in a moment" in response.json()["error"]
            self.resends += 1
            time.sleep(0.5 if response is None or response.status_code == 503 else 2)
        self.turns += 1
        took = time.monotonic() - started
        self.durations.append(took)
        if took > self.slowest[0]:
            self.slowest = (took, text, started, tries)
        if self.progress is not None:
            self.progress.add()
        return response.json()["messages"]

    def play(self) -> None:
        try:
            with httpx.Client(base_url=self.base_url, timeout=60) as client:
                self._play(client)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = f"{type(error).__name__}: {error}"

    def _play(self, client: httpx.Client) -> None:
        self.say(client, "hello")
        messages = self.say(client, "/affirm")
        for _ in range(3 * len(ANSWERS)):
            if any(m.get("custom", {}).get("safeguarding") for m in messages):
                messages = self.say(client, CARRY_ON)
                continue
            question = asked(messages)
            if question is None:
                break
            words = ANSWERS[question].format(n=self.number)
            self.answered[question] = words
            messages = self.say(client, words)
        assert asked(messages) is None, f"family {self.number} never reached the review"
        sent = self.say(client, "/send")
        self.submitted = any(m.get("custom", {}).get("status") == "submitted" for m in sent)


def play_all(players: list[Player]) -> float:
    """Every player at once, each in its own thread; the seconds it took."""
    started = time.monotonic()
    threads = [threading.Thread(target=p.play, name=f"family-{p.number}") for p in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started
