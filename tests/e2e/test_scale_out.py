"""Two Rasa servers (each with its action server) behind one portal, on PostgreSQL (map
store and Rasa's tracker store) and Redis (Rasa's lock store): 20 parents talk at once,
one Rasa server is killed (kill -9) in the middle and started again, and every
conversation still finishes and is sent, with every answer on the map once, in order.

Needs PostgreSQL (MAPBOT_TEST_POSTGRES_URL, or postgresql://postgres@127.0.0.1:5432/postgres)
and Redis (MAPBOT_TEST_REDIS_URL, or redis://127.0.0.1:6379/0); skipped, saying why,
when either cannot be reached.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from bot.config import ROOT, Settings
from bot.operations.stack import Stack, free_port, port_is_free, train
from tests.database_fixtures import postgres_database, unavailable
from tests.e2e.conftest import add_worker, login
from tests.e2e.playbook import Player, Progress, play_all

FAMILIES = 20
TURNS_EACH = 18  # hello, yes, 15 answers, send
KILLED = "rasa"  # instance 1; its conversations fail over to rasa-2
POSTGRES = (os.environ.get("MAPBOT_TEST_POSTGRES_URL")
            or "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("MAPBOT_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def _unreachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3):
            pass
    except psycopg.Error as error:
        return f"PostgreSQL at {urlsplit(POSTGRES).netloc} is not reachable ({error})"
    redis = urlsplit(REDIS)
    try:
        with socket.create_connection((redis.hostname, redis.port or 6379), timeout=3) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                return f"Redis at {redis.netloc} did not answer PING"
    except OSError as error:
        return f"Redis at {redis.hostname}:{redis.port or 6379} is not reachable ({error})"
    return None


def _two_free_ports() -> int:
    """A port whose next one is free too (action servers are on consecutive ports)."""
    for _ in range(100):
        port = free_port()
        if port < 65000 and port_is_free(port + 1):
            return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="module")
def scaled() -> Iterator[Stack]:
    reason = _unreachable()
    if reason:
        print(f"\nthe scale-out test cannot run: {reason}")
        unavailable(reason)
    with postgres_database(POSTGRES, "mapbot_scale") as portal, \
            postgres_database(POSTGRES, "mapbot_scale_trackers") as trackers:
        yield from _scaled_stack([portal, trackers])


def _scaled_stack(urls: list[str]) -> Iterator[Stack]:
    settings = Settings(
        port=free_port(), database_url=urls[0], tracker_database_url=urls[1],
        rasa_urls=f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}",
        action_port=_two_free_ports(), redis_url=REDIS,
        action_secret=secrets.token_urlsafe(32), internal_secret=secrets.token_urlsafe(32),
        rasa_jwt_secret=secrets.token_urlsafe(32),
        rasa_channel_secret=secrets.token_urlsafe(32))
    logs = ROOT / "tests" / "artifacts" / "logs" / f"scale-{os.getpid()}"
    train(settings, log=logs / "train.log")
    stack = Stack(settings, logs)
    assert len(stack.rasa) == 2
    try:
        started = time.monotonic()
        stack.start()
        stack.wait_healthy(timeout=400)
        print(f"\nscale-out stack (portal, 2 Rasa servers, 2 action servers) healthy in "
              f"{time.monotonic() - started:.0f} s")
        add_worker(stack.settings, "scaler")
        yield stack
    finally:
        stack.stop()


def test_the_stack_runs_on_postgres_and_redis(scaled: Stack) -> None:
    for instance in scaled.rasa:
        written = scaled.endpoints_file(instance).read_text()
        assert "type: redis" in written and "key_prefix: mapbot" in written
        assert f"127.0.0.1:{instance.action_port}/webhook" in written
        assert scaled.settings.action_secret not in written  # secrets stay in the environment
    health = httpx.get(f"http://127.0.0.1:{scaled.settings.port}/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_twenty_conversations_survive_losing_a_rasa_server(scaled: Stack) -> None:
    base = f"http://127.0.0.1:{scaled.settings.port}"
    deadline = time.monotonic() + 900
    progress = Progress()
    back = threading.Event()
    gate_turn = 12

    def gate(player: Player) -> None:
        # Later turns wait for the killed server to be back, so that conversations also
        # go home to it while others are still talking.
        if player.turns == gate_turn and not back.wait(timeout=600):
            raise TimeoutError("the killed Rasa server never came back")

    with httpx.Client(base_url=base, timeout=60) as client:
        worker = login(client, "scaler")
        cases, players = [], []
        for n in range(FAMILIES):
            case_id = worker.new_case(reference=f"SCALE-{n}", child_name="Jamie")
            family = worker.invite(case_id, "parent", f"Parent {n}")
            cases.append(case_id)
            players.append(Player(base, family.token, n, deadline, progress, gate))

        events: dict[str, object] = {}

        def kill_and_restart() -> None:
            try:
                while progress.turns < FAMILIES * TURNS_EACH // 3:
                    time.sleep(0.1)
                events["killed_after_turns"] = progress.turns
                scaled.kill(KILLED)  # kill -9, with messages in flight
                killed_at = events["killed_at"] = time.monotonic()
                time.sleep(1)
                health = httpx.get(f"{base}/healthz", timeout=30)
                events["health_while_down"] = (health.status_code, health.json())
                scaled.start(KILLED)
                scaled.wait_healthy(timeout=600)
                events["down_for"] = time.monotonic() - killed_at
                events["back_at"] = time.monotonic()
                events["back_after_turns"] = progress.turns
            except BaseException as error:  # noqa: BLE001 - reported below
                events["error"] = repr(error)
            finally:
                back.set()

        killer = threading.Thread(target=kill_and_restart, name="killer")
        killer.start()
        took = play_all(players)
        killer.join()

        assert "error" not in events, events
        assert [p.error for p in players if p.error] == []
        # While one server was down, the portal said so but kept serving.
        assert events["health_while_down"] == (200, {"status": "degraded", "down": ["rasa"]})
        for player, case_id in zip(players, cases, strict=True):
            assert player.submitted, f"family {player.number} did not send"
            draft = worker.map(case_id)
            (respondent,) = draft["respondents"]
            assert respondent["status"] == "submitted"
            # Every answer, once, in the order typed, in the words typed.
            assert [item["text"] for item in draft["items"]] == player.expected_items()
            assert len(player.expected_items()) == 10
            assert [s["value"] for s in draft["scales"]] == [6]

    durations = sorted(d for p in players for d in p.durations)
    turns = len(durations)
    print(f"\n{FAMILIES} conversations, {turns} turns in {took:.0f} s "
          f"({turns / took:.1f} turns/s); turn median {statistics.median(durations):.2f} s, "
          f"p95 {durations[int(0.95 * turns)]:.2f} s, max {durations[-1]:.1f} s; "
          f"{KILLED} killed after {events['killed_after_turns']} turns, back after "
          f"{events['down_for']:.0f} s; messages sent again: "
          f"{sum(p.resends for p in players)}")
    slow = max(players, key=lambda p: p.slowest[0])
    took_s, words, at, tries = slow.slowest
    print(f"slowest turn: family {slow.number}, {took_s:.1f} s, tries {tries}, started "
          f"{at - events['killed_at']:+.1f} s from the kill and "
          f"{at - events['back_at']:+.1f} s from the server being back ({words!r})")
