"""Two Rasa servers (each with its action server) behind one portal, on PostgreSQL (map
store and Rasa's tracker store) and Redis (Rasa's lock store): 20 parents talk at once,
one Rasa server is killed (kill -9) in the middle and started again, and every
conversation still finishes and is sent, with every answer on the map once, in order.
Ten parents talking at once never see a Rasa server killed: no message of theirs has to
be sent again; and a turn the killed server ran, wholly or in part, is neither lost nor
doubled by the other.

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
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from bot.config import ROOT, Settings
from bot.operations.stack import Stack, free_port, port_is_free, train
from bot.portal.rasa_client import RasaClient, RasaServers
from tests.database_fixtures import postgres_database, unavailable
from tests.e2e.conftest import action_call, add_worker, asked, conversation_id, login
from tests.e2e.playbook import Player, Progress, play_all
from tests.e2e.rasa_direct import rasa_call, tracker_texts

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


def _servers_of(stack: Stack, sender: str) -> list[int]:
    """The Rasa servers (from 0) this conversation goes to, best first, as the portal
    orders them."""
    return RasaServers([RasaClient(i.url, timeout=1) for i in stack.rasa]).order(sender)


def _finish(family, messages: list[dict]) -> None:
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")


def test_a_turn_the_other_server_ran_is_neither_lost_nor_doubled(scaled: Stack) -> None:
    """What the failover relies on, on the real servers and their shared tracker store:
    the same turn sent to the other server is replayed when the first saved it, and run
    again, storing the answer once, when the first stored the answer (its action ran)
    but died before it saved the turn."""
    base = f"http://127.0.0.1:{scaled.settings.port}"
    with httpx.Client(base_url=base, timeout=60) as client:
        worker = login(client, "scaler")
        case_id = worker.new_case(reference="TURN-1")
        family = worker.invite(case_id, "parent", "Robin")
        family.say("hello")
        assert asked(family.say("yes")) == "like_child"
        sender = conversation_id(scaled, family)
        home, other = _servers_of(scaled, sender)

        # Saved by the other server (it ran turn 2, and died before answering): home,
        # which holds the conversation in memory, replays it instead of running it again.
        ran = rasa_call(scaled, sender, "She is kind to her brother", turn=2,
                        instance=other)
        assert ran.status_code == 200
        again = family.say("She is kind to her brother")  # the portal's turn 2, to home
        assert asked(again) == "going_well"
        assert tracker_texts(scaled, sender).count("She is kind to her brother") == 1

        # Half-run on the other server: its action stored the answer, the turn was never
        # saved. Home runs the turn; the answer is stored once.
        call = action_call(scaled, family, "going_well", "We laugh a lot at tea time")
        half = httpx.post(f"http://127.0.0.1:{scaled.rasa[other].action_port}/webhook",
                          json=call, timeout=30, headers={
                              "Authorization": f"Bearer {scaled.settings.action_secret}"})
        assert half.status_code == 200
        assert asked(family.say("We laugh a lot at tea time")) == "before_problem"
        _finish(family, family.say("/skip"))
        assert [item["text"] for item in worker.map(case_id)["items"]] == [
            "She is kind to her brother", "We laugh a lot at tea time"]


@dataclass
class Listener(Player):
    """A player that keeps every message it was sent."""

    heard: list[str] = field(default_factory=list)

    def say(self, client: httpx.Client, text: str) -> list[dict]:
        messages = super().say(client, text)
        self.heard += [message.get("text", "") for message in messages]
        return messages


def _failovers(stack: Stack) -> int:
    """Turns in flight on a lost Rasa server that the portal sent to the next one."""
    log = stack.log_dir / "portal.log"
    return log.read_text(errors="replace").count("was lost with a turn in flight")


def test_ten_conversations_never_see_a_rasa_server_killed(scaled: Stack) -> None:
    """Ten parents talk at once; one Rasa server is killed (kill -9) with their messages
    in flight and stays down. No one is asked to send a message again: every message
    gets its real reply at once, and every answer is on the map once, in order."""
    families = 10
    base = f"http://127.0.0.1:{scaled.settings.port}"
    progress, events = Progress(), dict[str, int]()
    failovers_before = _failovers(scaled)

    def kill() -> None:
        while progress.turns < families * TURNS_EACH // 4:
            time.sleep(0.02)
        events["killed_after_turns"] = progress.turns
        scaled.kill(KILLED)

    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            worker = login(client, "scaler")
            cases, players = [], []
            for n in range(families):
                case_id = worker.new_case(reference=f"UNSEEN-{n}", child_name="Jamie")
                family = worker.invite(case_id, "parent", f"Parent {n}")
                cases.append(case_id)
                players.append(Listener(base, family.token, 100 + n,
                                        time.monotonic() + 900, progress))
            killer = threading.Thread(target=kill, name="killer")
            killer.start()
            play_all(players)
            killer.join()

            assert [p.error for p in players if p.error] == []
            assert "killed_after_turns" in events
            # (the slowest turn of each who had to send again: seconds, words, tries)
            assert {p.number: (p.resends, p.slowest[0], p.slowest[1], p.slowest[3])
                    for p in players if p.resends} == {}
            for player, case_id in zip(players, cases, strict=True):
                assert player.submitted, f"family {player.number} did not send"
                assert not [t for t in player.heard if "could not save" in t]
                draft = worker.map(case_id)
                assert [item["text"] for item in draft["items"]] == player.expected_items()
                assert len(player.expected_items()) == 11  # the parent's item questions
        # The kill was felt: turns in flight on the killed server went to the other.
        assert _failovers(scaled) > failovers_before
        print(f"\n{KILLED} killed after {events['killed_after_turns']} turns; turns in "
              f"flight sent to the other server: {_failovers(scaled) - failovers_before}")
    finally:
        scaled.start(KILLED)
        scaled.wait_healthy(timeout=600)


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
            assert len(player.expected_items()) == 11  # the parent's item questions
            assert [s["value"] for s in draft["scales"]] == [6, 5]  # their own, the common one

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
