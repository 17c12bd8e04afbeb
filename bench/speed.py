"""Speed of the pure functions the portal runs on every message: the safeguarding check
and the reading of answers. Moved here from the tests, whose absolute time limits failed
on a busy shared 2-core machine; the tests check what these functions return.

    .venv/bin/python -m bench.speed          # prints the figures; asserts nothing

Figures to keep an eye on (bench/FINDINGS.md, "Per-message speed"): the safeguarding check
under 1 ms a message once warm; any answer reader under 0.5 s on 5,000 characters, and
no quadratic growth on the 20,000-character pathological inputs of
tests/core/test_understanding.py.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bot.core.safeguarding import detect
from bot.core.understanding import is_non_answer, parse_people, parse_scale, split_answer

READERS: dict[str, Callable[[str], object]] = {
    "parse_scale": parse_scale, "parse_people": parse_people,
    "split_answer": split_answer, "is_non_answer": is_non_answer}
# Inputs that made the reading of people quadratic once (a clause end looked for again
# from every "not", "when" or name): 20,000 characters each, as the tests' worst.
PEOPLE_WORST = ["not " * 5000, "Jean and " * 2223, "when " * 5000, "Mrs. " * 4000,
                "anyone but " * 1819]
HUGE = ("My mum helps a lot, but we need a bigger flat. Mrs. Patel is kind! " * 80)[:5000]


def seconds(func: Callable[[str], object], text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func(text)
        best = min(best, time.perf_counter() - start)
    return best


def safeguarding_ms_per_message() -> float:
    from tests.core.test_safeguarding_detector import MUST_FLAG, MUST_NOT_FLAG

    messages = MUST_FLAG + MUST_NOT_FLAG
    for message in messages:  # warm the caches, as a running portal would be
        detect(message)
    start = time.perf_counter()
    for message in messages:
        detect(message)
    return (time.perf_counter() - start) / len(messages) * 1000


def main() -> int:
    from tests.core.test_understanding import PATHOLOGICAL

    print(f"safeguarding check: {safeguarding_ms_per_message():.3f} ms a message")
    for name, func in READERS.items():
        huge = seconds(func, HUGE)
        extra = PEOPLE_WORST if func is parse_people else []
        worst = max(seconds(func, text, repeat=1) for text in [*PATHOLOGICAL, *extra])
        print(f"{name:>13}: {huge * 1000:7.1f} ms on 5,000 characters, "
              f"{worst * 1000:7.1f} ms on the worst 20,000-character input")
    return 0


if __name__ == "__main__":
    sys.exit(main())
