"""bot/operations/supervisor.py with real child processes standing in for the services
(the real services under `mapbot run`: tests/e2e/test_supervision.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.operations import supervisor
from bot.operations.stack import Stack, local_settings
from bot.operations.supervisor import RestartPolicy, RunRecord, Supervisor


class _Standin(Stack):
    """A stack whose only service, "portal", is a command of the test's choosing."""

    command: list[str] = []

    def names(self) -> list[str]:
        return ["portal"]

    def commands(self) -> dict[str, list[str]]:
        return {"portal": self.command}


def _standin(tmp_path: Path, code: str) -> Stack:
    stack = _Standin(local_settings("sqlite:///a.db", "sqlite:///t.db"), tmp_path)
    stack.command = [sys.executable, "-c", code]
    stack.start("portal")
    return stack


def _tick_until(watcher: Supervisor, done, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the supervisor did not get there in time"
        watcher.tick()
        time.sleep(0.05)


def test_the_pause_before_a_restart_doubles_up_to_its_ceiling() -> None:
    policy = RestartPolicy(backoff_seconds=1, backoff_max_seconds=30, per_minute=5)
    assert [policy.pause(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_service_that_keeps_exiting_is_restarted_then_given_up_loudly(
        tmp_path, caplog) -> None:
    stack = _standin(tmp_path, "raise SystemExit(3)")
    watcher = Supervisor(stack, RestartPolicy(0.01, 0.05, per_minute=3),
                         RunRecord(tmp_path / "run.json"))
    [watch] = watcher.watches
    try:
        with caplog.at_level(logging.INFO, logger="mapbot.supervisor"):
            _tick_until(watcher, lambda: watch.given_up)
    finally:
        stack.stop()
    restarts = [r for r in caplog.records if "starting it again" in r.getMessage()]
    assert len(restarts) == 3
    assert all("exited with code 3" in r.getMessage() for r in restarts)
    [given_up] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "GIVING UP ON PORTAL" in given_up.getMessage()


def test_a_service_that_stops_answering_is_ended_and_started_again(
        tmp_path, caplog, monkeypatch) -> None:
    """Alive but deaf: nothing listens on the portal's port."""
    monkeypatch.setattr(supervisor, "START_GRACE_SECONDS", 0.0)
    monkeypatch.setattr(supervisor, "CHECK_SECONDS", 0.0)
    stack = _standin(tmp_path, "import time; time.sleep(600)")
    first = stack.processes["portal"]
    watcher = Supervisor(stack, RestartPolicy(0.01, 0.05, per_minute=5),
                         RunRecord(tmp_path / "run.json"))
    try:
        with caplog.at_level(logging.INFO, logger="mapbot.supervisor"):
            _tick_until(watcher, lambda: stack.processes.get("portal", first) is not first)
        assert first.poll() is not None  # the hung one was ended, not left beside the new
    finally:
        stack.stop()
        first.kill()  # (only if the test failed: it is already gone)
    assert any("stopped answering its health check (3 times in a row)" in r.getMessage()
               for r in caplog.records)


def _start_time(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def test_the_next_run_ends_what_a_killed_run_left_behind(tmp_path) -> None:
    left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                            start_new_session=True)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # the killed run's supervisor: no longer there
    record = tmp_path / "run.json"
    record.write_text(json.dumps({"supervisor": [gone.pid, "1"],
                                  "services": [[left.pid, _start_time(left.pid)]]}))
    try:
        RunRecord(record).clear_leftovers(timeout=10)
        assert left.wait(timeout=10) is not None
    finally:
        left.kill()
    assert not record.exists()


def test_a_second_run_refuses_while_the_first_is_running(tmp_path) -> None:
    record = tmp_path / "run.json"
    record.write_text(json.dumps({"supervisor": [os.getpid(), _start_time(os.getpid())],
                                  "services": []}))
    with pytest.raises(RuntimeError, match="already running"):
        RunRecord(record).clear_leftovers()
    assert record.exists()


# While `mapbot run` waits for its services to be ready, it already looks after them.

_HEALTHY_ON_SECOND_START = """
import http.server, pathlib, sys
started = pathlib.Path({marker!r})
if not started.exists():  # the first start dies, as Rasa might while the others start
    started.write_text("once")
    sys.exit(3)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{{"status": "ok"}}')

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", {port}), Health).serve_forever()
"""


def test_a_service_that_dies_while_starting_is_started_again_and_the_run_gets_ready(
        tmp_path, caplog, capsys, monkeypatch) -> None:
    monkeypatch.setattr(supervisor, "first_run_words", lambda settings: [])
    stack = _Standin(local_settings("sqlite:///a.db", "sqlite:///t.db"), tmp_path)
    stack.command = [sys.executable, "-c", _HEALTHY_ON_SECOND_START.format(
        marker=str(tmp_path / "started"), port=stack.settings.port)]
    stack.start("portal")
    watcher = Supervisor(stack, RestartPolicy(0.01, 0.05, per_minute=3),
                         RunRecord(tmp_path / "run.json"))
    try:
        with caplog.at_level(logging.INFO, logger="mapbot.supervisor"):
            supervisor._wait_ready(watcher, True, supervisor.Progress(tmp_path))
        assert stack.healthy()
    finally:
        stack.stop()
    assert "MapBot is running" in capsys.readouterr().out
    assert any("portal is down: it exited with code 3" in r.getMessage()
               for r in caplog.records)


def test_a_service_that_cannot_start_ends_the_start_with_its_name(tmp_path) -> None:
    stack = _standin(tmp_path, "raise SystemExit(3)")
    watcher = Supervisor(stack, RestartPolicy(0.01, 0.05, per_minute=2),
                         RunRecord(tmp_path / "run.json"))
    try:
        with pytest.raises(RuntimeError, match="portal kept stopping while starting"):
            supervisor._wait_ready(watcher, True, supervisor.Progress(tmp_path))
    finally:
        stack.stop()
