"""Simulated families: N concurrent conversations over HTTP, timed turn by turn.

Both sides are played the same way: one `aiohttp.ClientSession` (one connection pool)
for all families, every family starting within `ramp` seconds, each turn sent as soon as
the previous reply arrived (plus `think` seconds), every turn timed on the client.
aiohttp rather than httpx: the load generator shares the machine's two cores with what
it measures, and on aiohttp it uses half the CPU a turn it did (bench/FINDINGS.md, 30).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

# MapBot: the question the assistant asks -> what the parent types (as in the e2e test,
# with plain words, a typo, an emoji, a skip, people's names and a scale number).
ANSWERS = {
    "like_child": "He's kind and funny 😊. He lovs football.",
    "going_well": "Things are calmer since he started at the new school",
    "before_problem": "We went to the park every weekend together",
    "near_miss": "When his dad got angry I took the kids to my mum's",
    "child_would_say": "/skip",
    "worried_about": "I worry he is falling behind at school",
    "worker_worried": "That I can't keep him safe when his dad visits",
    "harder": "Money is tight and the flat is damp",
    "helpers": "my mum and my sister Kelly",
    "how_help": "They pick him up from school and have him for tea",
    "safe_needs": "His dad needs to stop drinking",
    "first_sign": "Jamie going to school every day",
    "scale": "6",
    "scale_why": "We have a routine now and my mum helps",
    "scale_higher": "Dad staying away when he has been drinking",
    "future_danger": "That he misses more school and falls further behind",
    "common_scale": "5",
    "with_you": "/skip",
    "ease": "/skip",  # "Was this easy to do?": skipping it skips its comment too
}
# hello, yes, one answer per question, /send
MAPBOT_TURNS = 2 + len(ANSWERS) + 1

# Stock assistant: intents from its own NLU data, in an order its stories and rules know.
STOCK_INTENTS = ["greet", "mood_unhappy", "affirm", "mood_great", "bot_challenge", "goodbye",
                 "greet", "mood_unhappy", "deny", "goodbye"]


@dataclass
class Turn:
    side: str
    family: int
    index: int
    seconds: float
    status: int  # 0: no HTTP answer (timeout, refused connection)
    error: str = ""
    sent_at: float = 0.0  # seconds since the first family of its round started
    round: int = 0


@dataclass
class Recorder:
    """Every turn of every family, and what went wrong."""

    side: str
    think: float = 0.0
    round: int = 0
    turns: list[Turn] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    problems: Counter = field(default_factory=Counter)

    async def post(self, client: aiohttp.ClientSession, url: str, body: dict, family: int,
                   index: int) -> Any | None:
        """One timed turn; the parsed JSON reply, or None after any error."""
        if index and self.think:
            await asyncio.sleep(self.think)
        started = time.perf_counter()
        sent_at = started - self.started
        try:
            async with client.post(url, json=body) as response:
                status, content = response.status, await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            seconds = time.perf_counter() - started
            self.turns.append(Turn(self.side, family, index, seconds, 0,
                                   type(error).__name__, sent_at, self.round))
            self.problems[f"transport:{type(error).__name__}"] += 1
            return None
        seconds = time.perf_counter() - started
        if status != 200:
            self.turns.append(Turn(self.side, family, index, seconds, status,
                                   content[:200].decode("utf-8", "replace"), sent_at,
                                   self.round))
            self.problems[f"http:{status}"] += 1
            return None
        self.turns.append(Turn(self.side, family, index, seconds, 200, sent_at=sent_at,
                               round=self.round))
        try:
            return json.loads(content)
        except ValueError:
            self.problems["bad_json"] += 1
            return None

    def off_script(self, what: str) -> bool:
        self.problems[f"off_script:{what}"] += 1
        return False


# One family's whole conversation: (client, recorder, family number) -> played to the end.
Family = Callable[[aiohttp.ClientSession, Recorder, int], Awaitable[bool]]


# MapBot --------------------------------------------------------------------------------

def asked(messages: list[dict]) -> str | None:
    keys = [m["custom"]["question"] for m in messages if "question" in m.get("custom", {})]
    return keys[-1] if keys else None


def payloads(messages: list[dict]) -> list[str]:
    return [button["payload"] for message in messages for button in message.get("buttons", [])]


def mapbot_family(token: str) -> Family:
    """A parent's whole conversation: hello, yes, every question, /send."""
    url = f"/api/v1/chat/{token}/messages"

    async def play(client: aiohttp.ClientSession, rec: Recorder, family: int) -> bool:
        index = 0

        async def say(text: str) -> list[dict] | None:
            nonlocal index
            body = await rec.post(client, url, {"text": text}, family, index)
            index += 1
            if body is None:
                return None
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                rec.off_script("reply_shape")
                return None
            return body["messages"]

        messages = await say("hello")
        if messages is None:
            return False
        if "/affirm" not in payloads(messages):
            return rec.off_script("no_welcome")
        messages = await say("yes")
        for _ in ANSWERS:
            if messages is None:
                return False
            question = asked(messages)
            if question not in ANSWERS:
                return rec.off_script(f"asked_{question}")
            messages = await say(ANSWERS[question])
        if messages is None:
            return False
        if "/send" not in payloads(messages):
            return rec.off_script("no_review")
        sent = await say("/send")
        if sent is None:
            return False
        if not any(m.get("custom", {}).get("status") == "submitted" for m in sent):
            return rec.off_script("not_submitted")
        return True

    return play


# Stock assistant -----------------------------------------------------------------------

def stock_examples(project: Path) -> dict[str, list[str]]:
    """The example texts of each intent in the stock project's own NLU data."""
    data = yaml.safe_load((project / "data" / "nlu.yml").read_text())
    examples: dict[str, list[str]] = {}
    for block in data.get("nlu", []):
        if "intent" in block:
            lines = [line.strip()[2:].strip() for line in block["examples"].splitlines()
                     if line.strip().startswith("- ")]
            examples[block["intent"]] = [line for line in lines if line]
    return examples


def stock_family(examples: dict[str, list[str]], turns: int) -> Family:
    """As many turns as a MapBot conversation, with texts from the stock NLU data."""

    async def play(client: aiohttp.ClientSession, rec: Recorder, family: int) -> bool:
        sender = f"bench-{family}-{uuid.uuid4().hex[:12]}"
        for index in range(turns):
            options = examples[STOCK_INTENTS[index % len(STOCK_INTENTS)]]
            text = options[(family + index) % len(options)]
            body = await rec.post(client, "/webhooks/rest/webhook",
                                  {"sender": sender, "message": text}, family, index)
            if body is None:
                return False
            if not isinstance(body, list):
                return rec.off_script("reply_shape")
            if not body:
                rec.problems["empty_reply (not an error)"] += 1
        return True

    return play


# Running and summing up ---------------------------------------------------------------

@dataclass
class LoadResult:
    side: str
    turns: list[Turn]
    problems: Counter
    families: int
    completed: int
    wall_seconds: float

    @property
    def turns_ok(self) -> int:
        return sum(1 for turn in self.turns if turn.status == 200)


def merged(results: list[LoadResult]) -> LoadResult:
    """Several rounds as one: all their turns, and the time they took in all."""
    problems: Counter = Counter()
    for result in results:
        problems.update(result.problems)
    return LoadResult(results[0].side, [t for result in results for t in result.turns],
                      problems, sum(r.families for r in results),
                      sum(r.completed for r in results),
                      sum(r.wall_seconds for r in results))


def round_summary(result: LoadResult) -> dict:
    """One round's latencies and pace, to see how far rounds differ."""
    ok = [turn.seconds for turn in result.turns if turn.status == 200]
    return {"latency_ms": _latency_ms(ok), "turns_ok": len(ok),
            "turns_per_second": _turns_per_second(len(ok), result.wall_seconds)}


def without_collections(play: Callable[..., Awaitable[LoadResult]]
                        ) -> Callable[..., Awaitable[LoadResult]]:
    """No garbage collection in the load generator while it plays: a pause here would
    be counted in the latency of every turn in flight, on either side."""

    @functools.wraps(play)
    async def playing(*args: Any, **kwargs: Any) -> LoadResult:
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            return await play(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return playing


@without_collections
async def play_all(side: str, base_url: str, families: list[Family],
                   *, ramp: float = 1.0, think: float = 0.0, timeout: float = 120.0,
                   deadline: float = 900.0, seed: int = 9, round_number: int = 0
                   ) -> LoadResult:
    """Every family at once (each starting within `ramp` s); stops after `deadline` s."""
    rng = random.Random(seed)
    offsets = [rng.uniform(0, ramp) for _ in families]
    rec = Recorder(side, think, round_number)
    connector = aiohttp.TCPConnector(limit=len(families) + 4)
    async with aiohttp.ClientSession(base_url=base_url, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as client:

        async def one(number: int) -> bool:
            await asyncio.sleep(offsets[number])
            try:
                return await families[number](client, rec, number)
            except Exception as error:  # noqa: BLE001 - counted, never hides the others
                rec.problems[f"exception:{type(error).__name__}"] += 1
                return False

        started = rec.started = time.perf_counter()
        tasks = [asyncio.create_task(one(number)) for number in range(len(families))]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = time.perf_counter() - started
    if pending:
        rec.problems["deadline"] += len(pending)
    completed = sum(1 for task in done if not task.cancelled() and task.result())
    return LoadResult(side, rec.turns, rec.problems, len(families), completed, wall)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(result: LoadResult) -> dict:
    ok = [turn.seconds for turn in result.turns if turn.status == 200]
    errors = sum(count for kind, count in result.problems.items()
                 if not kind.startswith("empty_reply"))
    return {
        "families": result.families,
        "conversations_completed": result.completed,
        "turns": len(result.turns),
        "turns_ok": len(ok),
        "errors": errors,
        "problems": dict(sorted(result.problems.items())),
        "wall_seconds": round(result.wall_seconds, 2),
        "turns_per_second": _turns_per_second(len(ok), result.wall_seconds),
        "latency_ms": _latency_ms(ok),
        # Which turns are slow: the median and p95 of each turn (0 = hello, last = /send),
        # and when the slowest were sent (seconds after the first family started).
        "p50_ms_by_turn": _by_turn(result.turns, 50),
        "p95_ms_by_turn": _by_turn(result.turns, 95),
        "slowest": [{"round": t.round + 1, "turn": t.index, "sent_at_s": round(t.sent_at, 2),
                     "ms": round(t.seconds * 1000, 1)}
                    for t in sorted(result.turns, key=lambda t: -t.seconds)[:10]],
    }


def _turns_per_second(turns: int, seconds: float) -> float:
    return round(turns / seconds, 2) if seconds else 0.0


def _by_turn(turns: list[Turn], q: float) -> list[float | None]:
    values: list[float | None] = []
    for index in sorted({turn.index for turn in turns}):
        ok = [t.seconds for t in turns if t.index == index and t.status == 200]
        values.append(round(percentile(ok, q) * 1000, 1) if ok else None)
    return values


def _latency_ms(ok: list[float]) -> dict[str, float | None]:
    if not ok:
        return dict.fromkeys(("p50", "p95", "p99", "mean", "max"))
    return {
        "p50": round(percentile(ok, 50) * 1000, 1),
        "p95": round(percentile(ok, 95) * 1000, 1),
        "p99": round(percentile(ok, 99) * 1000, 1),
        "mean": round(sum(ok) / len(ok) * 1000, 1),
        "max": round(max(ok) * 1000, 1),
    }
