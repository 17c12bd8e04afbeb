"""MapBot started exactly as `make run` starts it (`mapbot run`, as a child process, with
ports, databases and logs of its own through the environment): services killed with
SIGKILL come back with no step by hand, and its services die with it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from bot.config import ROOT, Settings
from bot.operations.stack import add_worker, local_settings, service_env, train
from tests.database_fixtures import postgres_database, postgres_server
from tests.e2e.conftest import WORKER_PASSWORD, Family, asked, login

START_SECONDS = 400  # a cold start on a busy machine: Rasa loads TensorFlow and the model
BACK_WITHIN_SECONDS = 60  # the deadline for a conversation to carry on


@contextlib.contextmanager
def _databases(folder: Path) -> Iterator[tuple[str, str]]:
    server = postgres_server()
    if server is None:
        yield f"sqlite:///{folder / 'mapbot.db'}", f"sqlite:///{folder / 'trackers.db'}"
        return
    with postgres_database(server, "mapbot_sup") as portal, \
            postgres_database(server, "mapbot_sup_trackers") as trackers:
        yield portal, trackers


def _environment(settings: Settings, logs: Path) -> dict[str, str]:
    # Nothing from a developer's .env may reach this run: the empty values win over it.
    return service_env(settings) | {"MAPBOT_LOG_DIR": str(logs), "MAPBOT_REDIS_URL": ""}


def _launch(settings: Settings, logs: Path) -> subprocess.Popen:
    """`mapbot run`, as `make run` runs it (`.venv/bin/mapbot` is this module's main)."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(_output(logs), "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.operations.cli", "run"],
                                cwd=ROOT, env=_environment(settings, logs), stdout=out,
                                stderr=subprocess.STDOUT)


def _output(logs: Path, new: bool = True) -> Path:
    """What one `mapbot run` prints (the newest, or a new one): a file for each run, so a
    second run in the same folder is not taken for ready on the first one's words."""
    runs = len(list(logs.glob("mapbot-run-*.out")))
    return logs / f"mapbot-run-{runs + 1 if new else runs}.out"


def _wait_healthy(settings: Settings, run: subprocess.Popen, logs: Path) -> None:
    """Until the portal says "ok" and `mapbot run` says it is running, as an operator
    sees it: /healthz can say "ok" a moment before the supervisor starts watching, and a
    service that dies in that moment ends a start that has not finished."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        said = _output(logs, new=False).read_text(errors="replace")
        assert run.poll() is None, said[-3000:]
        with contextlib.suppress(httpx.HTTPError):
            health = httpx.get(f"http://127.0.0.1:{settings.port}/healthz", timeout=5)
            if health.status_code == 200 and health.json()["status"] == "ok" \
                    and "MapBot is running" in said:
                return
        time.sleep(1)
    raise AssertionError(f"not healthy in time; see {logs}")


def _stop(run: subprocess.Popen) -> None:
    if run.poll() is None:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()


def _listener(port: int) -> int | None:
    """The process listening on a port of 127.0.0.1, found by the operating system."""
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return connection.pid
    return None


def _gone(pid: int | None) -> bool:
    """Ended (a zombie is ended: only its exit status waits to be collected)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _ports(settings: Settings) -> dict[str, int]:
    return {"portal": settings.port, "rasa": settings.rasa_port,
            "actions": settings.action_port}


def _logs(name: str) -> Path:
    return ROOT / "tests" / "artifacts" / "logs" / f"{name}-{os.getpid()}"


@pytest.fixture(scope="module")
def supervised(tmp_path_factory) -> Iterator[tuple[Settings, Path]]:
    with _databases(tmp_path_factory.mktemp("supervised")) as (portal, trackers):
        settings = local_settings(portal, trackers)
        logs = _logs("supervised")
        train(settings, log=logs / "train.log")
        run = _launch(settings, logs)
        try:
            _wait_healthy(settings, run, logs)
            add_worker(settings, "supworker", WORKER_PASSWORD)
            yield settings, logs
        finally:
            _stop(run)


def _send_until_answered(family: Family, text: str, deadline: float) -> tuple[list, int]:
    """As the chat page lets a person: the same words again after each kind "try again"
    until they are answered. The answer, and how many times they were turned away."""
    refused = 0
    while True:
        try:
            response = family.post(text)
        except httpx.TransportError:  # the portal itself is down: the page keeps the words
            response = None
        if response is not None and response.status_code == 200:
            return response.json()["messages"], refused
        if response is not None:
            assert response.status_code == 503, response.text
            assert "again in a moment" in response.json()["error"]
        refused += 1
        assert time.monotonic() < deadline, f"no answer to {text!r} in time"
        time.sleep(4)  # a person pressing "Try again" (well within the chat's rate limit)


def test_rasa_the_action_server_and_the_portal_killed_come_back_by_themselves(supervised) -> None:
    settings, logs = supervised
    ports = _ports(settings)
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.port}", timeout=60) as client:
        worker = login(client, "supworker")
        case_id = worker.new_case()
        family = worker.invite(case_id, "parent", "Ash")
        family.say("hello")
        assert asked(family.say("yes")) == "like_child"
        assert asked(family.say("She is kind to her brother")) == "going_well"

        for service, words, question in (
                ("rasa", "We laugh a lot at tea time", "before_problem"),
                ("actions", "We went to the park every weekend", "child_would_say"),
                ("portal", "She would say I make her laugh", "worried_about")):
            killed = _listener(ports[service])
            assert killed is not None
            os.kill(killed, signal.SIGKILL)  # kill -9, in the middle of the conversation
            messages, refused = _send_until_answered(
                family, words, time.monotonic() + BACK_WITHIN_SECONDS)
            assert refused >= 1, service  # the kill was felt
            assert asked(messages) == question, (service, messages)
            assert _listener(ports[service]) not in (None, killed)  # a new one, by itself

        messages = family.say("/skip")
        while asked(messages):
            messages = family.say("/skip")
        family.say("/send")
        items = worker.map(case_id)["items"]
        assert [item["text"] for item in items] == [
            "She is kind to her brother", "We laugh a lot at tea time",
            "We went to the park every weekend", "She would say I make her laugh"]
    supervisor_log = (logs / "supervisor.log").read_text()
    for service in ("rasa", "actions", "portal"):
        assert any(line.split(" ", 3)[-1].startswith(f"{service} is down") and "SIGKILL" in line
                   for line in supervisor_log.splitlines()), supervisor_log


def test_a_killed_supervisor_takes_its_services_and_run_starts_again(tmp_path) -> None:
    with _databases(tmp_path) as (portal, trackers):
        settings = local_settings(portal, trackers)
        logs = _logs("supervisor-killed")
        train(settings, log=logs / "train.log")
        first = _launch(settings, logs)
        second = None
        try:
            _wait_healthy(settings, first, logs)
            services = {name: _listener(port) for name, port in _ports(settings).items()}
            assert None not in services.values()
            first.kill()  # kill -9 the supervisor
            first.wait()
            deadline = time.monotonic() + BACK_WITHIN_SECONDS
            while not all(_gone(pid) for pid in services.values()):
                assert time.monotonic() < deadline, f"left running: {services}"
                time.sleep(0.5)
            second = _launch(settings, logs)  # the same ports, databases and logs
            _wait_healthy(settings, second, logs)
            assert all(_listener(port) not in (None, services[name])
                       for name, port in _ports(settings).items())
        finally:
            _stop(first)
            if second is not None:
                _stop(second)
                assert second.returncode == 0
        assert all(_listener(port) is None for port in _ports(settings).values())
