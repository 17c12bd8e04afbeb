"""Sampling profiles of the services under load (py-spy), and a plain-text summary.

`run.py --profile DIR` records each service while the families play (py-spy's raw
"collapsed stacks" format, one file per service); `python -m bench.profiles FILE...`
prints where the time went: the functions that were on the CPU themselves (self) and
the functions under which that happened (inclusive), as shares of all samples.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.config import ROOT

_LINE = re.compile(r":\d+\)$")
# Leaf frames where a thread only waits (py-spy cannot always tell waiting in C from
# working in C): the servers' event loops in epoll, idle thread-pool workers.
IDLE_LEAVES = {"_run_server_forever (sanic/server/runners.py)",
               "serve (sanic/server/runners.py)", "_worker (concurrent/futures/thread.py)",
               "select (selectors.py)", "wait (threading.py)"}


def _aiosqlite_wait_line() -> str | None:
    """aiosqlite's worker thread waits on `tx.get()`; on other lines it runs SQLite."""
    for source in ROOT.glob(".venv/lib/python*/site-packages/aiosqlite/core.py"):
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            if "= tx.get()" in line:
                return f"_connection_worker_thread (aiosqlite/core.py:{number})"
    return None


def is_idle(leaf: str) -> bool:
    return _frame(leaf) in IDLE_LEAVES or leaf.strip() == _AIOSQLITE_WAIT


_AIOSQLITE_WAIT = _aiosqlite_wait_line()


def py_spy() -> str | None:
    local = ROOT / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    """py-spy attached to one process (and its children) until `stop()`."""

    def __init__(self, pid: int, out: Path, rate: int = 50) -> None:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(out.with_suffix(".log"), "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--rate", str(rate), "--subprocesses",
             "--format", "raw", "--output", str(out)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _frame(frame: str) -> str:
    return _LINE.sub(")", frame.strip())


def read_collapsed(path: Path, drop_idle: bool = True) -> tuple[list[tuple[list[str], int]], int]:
    """The stacks (frames without line numbers) and how many samples were idle waits."""
    stacks, idle = [], 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if f]
        if drop_idle and frames and is_idle(frames[-1]):
            idle += int(count)
            continue
        stacks.append(([_frame(f) for f in frames], int(count)))
    return stacks, idle


def summary(path: Path, top: int = 20, match: str = "", drop_idle: bool = True) -> str:
    """Self and inclusive shares of the busiest functions in one profile (busy samples)."""
    stacks, idle = read_collapsed(path, drop_idle)
    total = sum(count for _, count in stacks)
    if not total:
        return f"{path.name}: no busy samples ({idle} idle)\n"
    own: Counter = Counter()
    under: Counter = Counter()
    for frames, count in stacks:
        frames = [f for f in frames if not f.startswith("process ") and
                  not f.startswith("thread ")]
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            under[frame] += count
    lines = [f"{path.name}: {total} busy samples ({idle} idle waits left out)"]
    for title, counter in (("self", own), ("inclusive", under)):
        lines.append(f"  top {top} by {title} time:")
        chosen = [(frame, count) for frame, count in counter.most_common()
                  if match in frame][:top]
        lines += [f"    {100 * count / total:5.1f}%  {frame}" for frame, count in chosen]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarise py-spy raw profiles")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--match", default="", help="only frames containing this text")
    parser.add_argument("--keep-idle", action="store_true",
                        help="count samples of threads waiting in an event loop or queue")
    args = parser.parse_args(argv)
    for path in args.files:
        print(summary(path, args.top, args.match, drop_idle=not args.keep_idle))
    return 0


if __name__ == "__main__":
    sys.exit(main())
