"""A newcomer's first minutes, as the README tells them: `make run` (here `mapbot run`,
as `make run` starts it, as a child process with ports, databases and logs of its own),
the command it prints for the first administrator, `mapbot demo`, and the demo's board
in Chromium; `mapbot demo --remove`; then a backup made while MapBot runs, restored
into a fresh place with nothing lost.

SQLite always: it is what `make run` uses unless told otherwise, and what `mapbot
backup` copies (PostgreSQL has pg_dump).
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT, Settings
from bot.operations.stack import free_port, local_settings, service_env, train
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.test_supervision import _launch, _logs, _output, _stop, _wait_healthy

ADMIN_PASSWORD = "a first admin password"
FIRST_COMMAND = [".venv/bin/mapbot", "worker", "add", "admin", "--admin", "--password-stdin"]
DEMO_SECONDS = 900  # three whole conversations on a busy machine
# What the demo's family says (bot/operations/demo.py), as it must reach the board.
PARENT_SAYS = "We went to the park together every Sunday"
GRANDPARENT_SAYS = "He comes to me for his tea every Tuesday"
CHILD_SAYS = "my nan and football"
CHILD_DISCLOSES = "i am scared to go home when dad is drunk"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Iterator[tuple[Settings, dict[str, str], Path]]:
    """`mapbot run` on empty databases, healthy; its environment and its output."""
    folder = tmp_path_factory.mktemp("first")
    settings = local_settings(
        f"sqlite:///{folder / 'mapbot.db'}", f"sqlite:///{folder / 'trackers.db'}",
        # Alerts would go here: the demo's flags must write none.
        alert_email_to="duty@example.org", smtp_host="127.0.0.1", smtp_port=free_port(),
        smtp_tls="off")
    logs = _logs("first-minutes")
    train(settings, log=logs / "train.log")
    run = _launch(settings, logs)
    try:
        _wait_healthy(settings, run, logs)
        output = _output(logs, new=False)
        _wait_for(lambda: "--password-stdin" in output.read_text(), "the first-run words")
        env = service_env(settings) | {"MAPBOT_LOG_DIR": str(logs), "MAPBOT_REDIS_URL": ""}
        yield settings, env, output
    finally:
        _stop(run)


def _wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"no {what} in time"
        time.sleep(0.5)


def _mapbot(env: dict[str, str], *words: str, stdin: str = "",
            timeout: float = 300) -> subprocess.CompletedProcess:
    """A command as a person types it in the MapBot folder."""
    return subprocess.run(list(words), cwd=ROOT, env=env, input=stdin, text=True,
                          capture_output=True, timeout=timeout, check=False)


def _rows(database: Path, query: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()


def _file(settings_url: str) -> Path:
    return Path(settings_url.removeprefix("sqlite:///"))


def _sign_in(browser, settings: Settings, username: str, password: str):
    context = browser.new_context(base_url=f"http://127.0.0.1:{settings.port}")
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    return context, page


def _accessible(page) -> None:
    """No WCAG 2.2 A/AA violation that axe-core finds."""
    violations = axe_violations(page)
    assert not violations, "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations)


def _demo(env: dict[str, str]) -> str:
    """`mapbot demo`; the demo worker's password it prints."""
    made = _mapbot(env, ".venv/bin/mapbot", "demo", timeout=DEMO_SECONDS)
    assert made.returncode == 0, made.stdout + made.stderr
    found = re.search(r"as demo with this password:\s+(\S+)", made.stdout)
    assert found, made.stdout
    return found.group(1)


def test_a_fresh_start_the_printed_command_and_the_demo_show_the_board(
        first_run, browser) -> None:
    settings, env, output = first_run
    said = output.read_text()
    for step in ("Checking the assistant's model", "Starting the services",
                 "rasa started", "Waiting for each service to answer", "portal answers",
                 "MapBot is running"):
        assert step in said, said
    # The login page on this machine says the same as the terminal, before any account.
    context = browser.new_context(base_url=f"http://127.0.0.1:{settings.port}")
    page = context.new_page()
    page.goto("/login")
    assert " ".join(FIRST_COMMAND) in page.inner_text("#first-run")
    _accessible(page)
    context.close()

    printed = [line.strip() for line in said.splitlines() if "mapbot worker add" in line]
    assert [shlex.split(line) for line in printed] == [FIRST_COMMAND]
    made = _mapbot(env, *shlex.split(printed[0]), stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    password = _demo(env)

    context, page = _sign_in(browser, settings, "demo", password)
    assert "DEMO-1" in page.inner_text("main") and "Demo" in page.inner_text("main")
    page.click("a[href$='/board']")
    screenshot(page, "demo-board")
    assert "mapbot demo --remove" in page.inner_text("#demo-notice")
    on_the_board = page.locator(".words").all_text_contents()
    for words in (PARENT_SAYS, GRANDPARENT_SAYS, CHILD_SAYS):
        assert words in on_the_board, on_the_board
    assert CHILD_DISCLOSES in page.inner_text("#flags")
    people = page.inner_text("main")
    assert "Pat" in people and "Sam" in people and "Jamie" in people
    context.close()
    database = _file(settings.database_url)
    flags = _rows(database, "SELECT text FROM flags")
    assert (CHILD_DISCLOSES,) in flags
    assert _rows(database, "SELECT count(*) FROM alerts") == [(0,)]  # nobody alerted

    conversations = [row[0] for row in _rows(database, "SELECT conversation_id FROM "
                                                       "respondents")]
    assert len(conversations) == 3
    removed = _mapbot(env, ".venv/bin/mapbot", "demo", "--remove")
    assert removed.returncode == 0, removed.stderr
    assert _rows(database, "SELECT username FROM workers") == [("admin",)]
    for table in ("cases", "respondents", "answers", "items", "flags", "messages"):
        assert _rows(database, f"SELECT count(*) FROM {table}") == [(0,)], table
    trackers = _file(settings.tracker_database_url)
    marks = ",".join("?" * len(conversations))
    with contextlib.closing(sqlite3.connect(trackers)) as connection:
        left = connection.execute(f"SELECT count(*) FROM events WHERE sender_id IN ({marks})",
                                  conversations).fetchone()
    assert left == (0,)
    refused = httpx.post(f"http://127.0.0.1:{settings.port}/api/v1/login",
                         json={"username": "demo", "password": password})
    assert refused.status_code == 401


def _everything(database: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: sorted(connection.execute(f"SELECT * FROM \"{table}\"").fetchall(),
                              key=repr) for table in tables}


def test_a_backup_made_while_mapbot_runs_restores_with_nothing_lost(
        first_run, tmp_path) -> None:
    settings, env, _ = first_run
    _demo(env)
    backup = tmp_path / "backup"
    made = _mapbot(env, ".venv/bin/mapbot", "backup", str(backup))
    assert made.returncode == 0, made.stderr
    # The portal is idle now: what is in its databases is what the backup must hold.
    portal, trackers = _file(settings.database_url), _file(settings.tracker_database_url)
    expected = {"portal": _everything(portal), "trackers": _everything(trackers)}
    assert sorted(p.name for p in backup.iterdir()) == ["mapbot.db", "rasa-trackers.db"]
    assert {oct(p.stat().st_mode & 0o777) for p in backup.iterdir()} == {"0o600"}
    assert oct(backup.stat().st_mode & 0o777) == "0o700"

    fresh = tmp_path / "fresh"
    elsewhere = env | {"MAPBOT_DATABASE_URL": f"sqlite:///{fresh / 'mapbot.db'}",
                       "MAPBOT_TRACKER_DATABASE_URL": f"sqlite:///{fresh / 'trackers.db'}"}
    restored = _mapbot(elsewhere, ".venv/bin/mapbot", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    again = _mapbot(elsewhere, ".venv/bin/mapbot", "restore", str(backup))
    assert again.returncode == 1 and "already holds a database" in again.stderr

    assert _everything(fresh / "mapbot.db") == expected["portal"]
    assert _everything(fresh / "trackers.db") == expected["trackers"]
    # And in words: the demo's people, their answers and flags, and the conversations.
    copy = fresh / "mapbot.db"
    assert _rows(copy, "SELECT username FROM workers ORDER BY username") == [
        ("admin",), ("demo",)]
    assert _rows(copy, "SELECT reference, child_name, demo FROM cases") == [
        ("DEMO-1", "Jamie", 1)]
    assert _rows(copy, "SELECT name, role, status FROM respondents ORDER BY created_at") == [
        ("Sam", "parent", "submitted"), ("Pat", "network", "submitted"),
        ("Jamie", "child", "submitted")]
    items = {row[0] for row in _rows(copy, "SELECT text FROM items")}
    assert {PARENT_SAYS, GRANDPARENT_SAYS, CHILD_SAYS} <= items
    assert (CHILD_DISCLOSES,) in _rows(copy, "SELECT text FROM flags")
    said = [json.loads(row[0]).get("text") for row in _rows(
        fresh / "trackers.db", "SELECT data FROM events WHERE type_name = 'user'")]
    assert {PARENT_SAYS, GRANDPARENT_SAYS, CHILD_SAYS} <= set(said)
