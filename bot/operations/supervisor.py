"""`mapbot run` looks after what it starts.

A service that exits, or stops answering its health check, is started again after a
pause that doubles each time (`MAPBOT_RESTART_BACKOFF_SECONDS` up to
`MAPBOT_RESTART_BACKOFF_MAX_SECONDS`). One restarted `MAPBOT_RESTARTS_PER_MINUTE` times
within a minute is left down, and the log says so loudly: restarting it again would not
help, someone has to look. Every restart is logged with its reason in
`<log dir>/supervisor.log` (and on the terminal).

The services die with `mapbot run`, even when it is killed with SIGKILL (Linux's parent
death signal), and the next `mapbot run` ends any that were left behind all the same
(`<log dir>/mapbot-run.json` names them), so it can take the same ports.

A small loop of MapBot's own rather than supervisord or circus: neither checks an HTTP
health endpoint by itself, neither takes its services down when it is killed with
SIGKILL, and either would be one more daemon and configuration to keep in step with the
two Python environments that `bot.operations.stack` already knows how to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.config import ROOT, Settings
from bot.core.first_run import DEMO_HINT, FIRST_ADMIN_AFTER, FIRST_ADMIN_COMMAND, FIRST_ADMIN_HOW
from bot.operations.progress import Progress, in_words
from bot.operations.stack import Stack

log = logging.getLogger("mapbot.supervisor")

TICK_SECONDS = 1.0  # how often exits are looked for
CHECK_SECONDS = 5.0  # how often each service's health check is called
CHECK_TIMEOUT_SECONDS = 10.0
# Failed checks in a row before a running service is taken for hung: a busy Rasa server
# may be slow to answer once, and a restart would cut every turn it is running.
FAILURES_IN_A_ROW = 3
# How long a (re)started service has to answer for the first time (Rasa loads its model).
START_GRACE_SECONDS = 300.0
WINDOW_SECONDS = 60.0  # the "a minute" of the restart ceiling
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class RestartPolicy:
    backoff_seconds: float
    backoff_max_seconds: float
    per_minute: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RestartPolicy:
        return cls(settings.restart_backoff_seconds, settings.restart_backoff_max_seconds,
                   settings.restarts_per_minute)

    def pause(self, recent_restarts: int) -> float:
        return min(self.backoff_seconds * 2 ** recent_restarts, self.backoff_max_seconds)


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has the child sent SIGTERM when this process dies, however it
    dies. The kernel sends it when the *thread* that started the child ends, so only a
    process that starts its services from its main thread (`mapbot run`) may use it.
    SIGTERM rather than SIGKILL: a Sanic server that runs worker processes stops them."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls it
    parent = os.getpid()

    def tie() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the tie was made
            os._exit(1)

    return tie


def health_url(stack: Stack, name: str) -> str:
    """An address that answers without a secret while the service works."""
    for instance in stack.rasa:
        if name == instance.rasa:
            return f"{instance.url}/"
        if name == instance.actions:
            return f"http://127.0.0.1:{instance.action_port}/health"
    return f"http://127.0.0.1:{stack.settings.port}/healthz"


def answers(url: str) -> bool:
    """Any HTTP answer will do: the portal's /healthz answers 503 while Rasa or the
    database is down, and restarting the portal would not help then."""
    try:
        httpx.get(url, timeout=CHECK_TIMEOUT_SECONDS)
    except httpx.HTTPError:
        return False
    return True


def exit_reason(code: int) -> str:
    if code < 0:
        return f"it was killed by {signal.Signals(-code).name}"
    return f"it exited with code {code}"


# What a run started, for the next run ------------------------------------------------------


def _identity(pid: int) -> tuple[int, str] | None:
    """A process's id and start time (pids are reused), or None if it is gone or a
    zombie (dead, not yet reaped by its parent)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else (pid, fields[19])


def _still_there(identity: list) -> bool:
    return _identity(identity[0]) == tuple(identity)


class RunRecord:
    """Which processes a `mapbot run` started (a JSON file in its log folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, stack: Stack) -> None:
        services = [_identity(process.pid) for process in stack.processes.values()]
        self.path.write_text(json.dumps({"supervisor": _identity(os.getpid()),
                                         "services": [s for s in services if s]}))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def clear_leftovers(self, timeout: float = 30) -> None:
        """End the services a killed run left behind (their own process groups); refuse
        if that run is still going."""
        if not self.path.exists():
            return
        record = json.loads(self.path.read_text())
        if record.get("supervisor") and _still_there(record["supervisor"]):
            raise RuntimeError(f"MapBot is already running (process {record['supervisor'][0]})"
                               "; stop it first.")
        left = [s for s in record.get("services", []) if _still_there(s)]
        if left:
            log.warning("ending %d service(s) left running by a `mapbot run` that was "
                        "killed", len(left))
        self._signal(left, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(_still_there(s) for s in left) and time.monotonic() < deadline:
            time.sleep(0.2)
        self._signal([s for s in left if _still_there(s)], signal.SIGKILL)
        self.remove()

    @staticmethod
    def _signal(services: list, sig: int) -> None:
        for pid, _ in services:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)  # each service leads a session, and so a group


# The loop -------------------------------------------------------------------------------------


@dataclass
class Watch:
    """What the supervisor knows about one service."""

    name: str
    since: float  # when it was last started (time.monotonic())
    answered: bool = False  # its health check answered since then
    failures: int = 0  # failed health checks in a row
    checked: float = 0.0
    restart_at: float | None = None
    restarts: deque[float] = field(default_factory=deque)  # when, within the window
    given_up: bool = False


class Supervisor:
    def __init__(self, stack: Stack, policy: RestartPolicy, record: RunRecord) -> None:
        self.stack, self.policy, self.record = stack, policy, record
        now = time.monotonic()
        self.watches = [Watch(name, now, checked=now) for name in stack.processes]

    def run_forever(self) -> None:
        while True:
            self.tick()
            time.sleep(TICK_SECONDS)

    def tick(self) -> None:
        for watch in self.watches:
            if not watch.given_up:
                self._look_after(watch, time.monotonic())

    def _look_after(self, watch: Watch, now: float) -> None:
        if watch.restart_at is not None:
            if now >= watch.restart_at:
                self._start(watch, now)
            return
        code = self.stack.processes[watch.name].poll()
        if code is not None:
            self._schedule(watch, now, exit_reason(code))
        elif now - watch.checked >= CHECK_SECONDS:
            watch.checked = now
            self._check(watch, now)

    def _check(self, watch: Watch, now: float) -> None:
        if answers(health_url(self.stack, watch.name)):
            if not watch.answered and watch.restarts:
                log.info("%s answers its health check again", watch.name)
            watch.answered, watch.failures = True, 0
            return
        if not watch.answered and now - watch.since < START_GRACE_SECONDS:
            return  # still starting
        watch.failures += 1
        if watch.failures >= FAILURES_IN_A_ROW:
            self.stack.kill(watch.name, signal.SIGTERM)
            self._schedule(watch, now, f"it stopped answering its health check "
                                       f"({watch.failures} times in a row)")

    def _schedule(self, watch: Watch, now: float, reason: str) -> None:
        while watch.restarts and now - watch.restarts[0] > WINDOW_SECONDS:
            watch.restarts.popleft()
        if len(watch.restarts) >= self.policy.per_minute:
            watch.given_up = True
            log.critical(
                "GIVING UP ON %s: %s, after %d restarts within a minute. It stays down "
                "(the portal's /healthz says so) until someone looks at %s and starts "
                "MapBot again.", watch.name.upper(), reason, len(watch.restarts),
                self.stack.log_dir / f"{watch.name}.log")
            return
        pause = self.policy.pause(len(watch.restarts))
        watch.restarts.append(now)
        watch.restart_at = now + pause
        log.warning("%s is down: %s; starting it again in %.0f s (restart %d within a "
                    "minute)", watch.name, reason, pause, len(watch.restarts))

    def _start(self, watch: Watch, now: float) -> None:
        watch.restart_at = None
        try:
            self.stack.start(watch.name)
        except (OSError, RuntimeError) as error:
            self._schedule(watch, now, f"it could not be started ({error})")
            return
        watch.since, watch.checked, watch.answered, watch.failures = now, now, False, 0
        self.record.save(self.stack)
        log.info("%s started again (process %d)", watch.name,
                 self.stack.processes[watch.name].pid)


# `mapbot run` --------------------------------------------------------------------------------


def log_dir(settings: Settings) -> Path:
    path = Path(settings.log_dir)
    return path if path.is_absolute() else ROOT / path


def log_to(path: Path) -> None:
    """The supervisor's own log: a file, and the terminal (never httpx's request log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    for handler in (logging.FileHandler(path), logging.StreamHandler()):
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def run(settings: Settings, portal: bool = True) -> int:
    """Train if needed, start the services, wait until they are ready, then look after
    them until Ctrl-C or SIGTERM (which stop them). Each step is said as it begins."""
    from bot.operations.stack import train

    logs = log_dir(settings)
    log_to(logs / "supervisor.log")
    record = RunRecord(logs / "mapbot-run.json")
    try:
        record.clear_leftovers()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    progress = Progress(logs)
    last = progress.last_time()
    progress.say(f"Starting MapBot. The last start took {last}." if last else
                 "Starting MapBot for the first time here: this takes a few minutes.")
    progress.step("Checking the assistant's model (it is trained only when its training "
                  "data changed, which takes a minute or two)")
    train(settings, log=logs / "train.log", progress=progress.detail)
    stack = Stack(settings, logs, preexec_fn=die_with_parent())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the services on TERM too
    try:
        progress.step("Starting the services")
        for name in [name for name in stack.names() if portal or name != "portal"]:
            stack.start(name)
            progress.detail(f"{name} started (process {stack.processes[name].pid})")
        record.save(stack)
        watcher = Supervisor(stack, RestartPolicy.from_settings(settings), record)
        _wait_ready(watcher, portal, progress)
        watcher.run_forever()
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError) as error:
        print(f"MapBot could not start: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("Stopping MapBot...")
        stack.stop()
        record.remove()
    return 0


def _wait_ready(watcher: Supervisor, portal: bool, progress: Progress) -> None:
    """Until every service answers and is ready, looking after them all the while: one
    that dies while the others start is started again, as it would be later."""
    stack = watcher.stack
    progress.step("Waiting for each service to answer (Rasa loads its model first)")
    _looking_after(watcher, _first_answers(stack, progress))
    if portal:
        _looking_after(watcher, stack.healthy)
        seconds = progress.finish()
        print(f"MapBot is running (started in {in_words(seconds)}): "
              f"{stack.settings.base_url}/  (logs in {stack.log_dir}; press Ctrl-C to stop)",
              flush=True)
        for line in first_run_words(stack.settings):
            print(line, flush=True)
        return
    _looking_after(watcher, stack.rasa_ready)
    seconds = progress.finish()
    print(f"{len(stack.rasa)} Rasa server(s) running (started in {in_words(seconds)}): "
          f"{', '.join(i.url for i in stack.rasa)}  (logs in {stack.log_dir})", flush=True)


def _looking_after(watcher: Supervisor, done: Callable[[], bool],
                   timeout: float = START_GRACE_SECONDS) -> None:
    """Tick the supervisor until `done()`; a service given up on, or the time out, ends
    the start."""
    deadline = time.monotonic() + timeout
    while not done():
        watcher.tick()
        given_up = [watch.name for watch in watcher.watches if watch.given_up]
        if given_up:
            raise RuntimeError(f"{', '.join(given_up)} kept stopping while starting; see "
                               f"{watcher.stack.log_dir}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the services were not ready in {in_words(timeout)}; see "
                               f"{watcher.stack.log_dir}")
        time.sleep(0.5)


def _first_answers(stack: Stack, progress: Progress) -> Callable[[], bool]:
    """A check that says each service's first answer to its health check, as it comes,
    and is true once all have answered."""
    began = time.monotonic()
    waiting = list(stack.processes)

    def done() -> bool:
        for name in list(waiting):
            if answers(health_url(stack, name)):
                waiting.remove(name)
                progress.detail(f"{name} answers ({in_words(time.monotonic() - began)})")
        return not waiting

    return done


def first_run_words(settings: Settings) -> list[str]:
    """How to make the first administrator, while the database has no worker."""
    import asyncio

    from bot.services.store import Store

    async def any_worker() -> bool:
        store = Store(settings.database_url)
        try:
            return await store.has_workers()
        finally:
            await store.close()

    if asyncio.run(any_worker()):
        return []
    return ["", FIRST_ADMIN_HOW, "", f"    {FIRST_ADMIN_COMMAND}", "", FIRST_ADMIN_AFTER,
            DEMO_HINT]
