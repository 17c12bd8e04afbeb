"""Killing the Rasa server, the action server or the portal mid-conversation, or losing
the portal's database, loses and doubles nothing."""

from __future__ import annotations

import os
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.config import ROOT, Settings
from bot.operations.stack import Stack, free_port, train
from bot.portal.rasa_client import merge_messages
from tests.database_fixtures import unavailable
from tests.e2e.conftest import (
    Worker,
    action_call,
    add_worker,
    asked,
    call_action_server,
    conversation_id,
    login,
)
from tests.e2e.playbook import Player, Progress, play_all
from tests.e2e.private_postgres import PrivatePostgres
from tests.e2e.rasa_direct import rasa_call, tracker_texts


def _restart(stack: Stack, name: str) -> None:
    stack.start(name)
    stack.wait_healthy()


@pytest.mark.parametrize("service", ["rasa", "actions"])
def test_the_same_link_carries_on_after_a_crash(stack: Stack, worker: Worker,
                                                 service: str) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Ash")
    family.say("hello")
    assert asked(family.say("yes")) == "like_child"
    assert asked(family.say("She is kind to her brother")) == "going_well"

    stack.kill(service)  # kill -9, in the middle of the conversation
    down = family.post("We laugh a lot at tea time")
    assert down.status_code == 503
    assert "again in a moment" in down.json()["error"]

    _restart(stack, service)
    # The same words sent again land once, on the same question, and it carries on.
    assert asked(family.say("We laugh a lot at tea time")) == "before_problem"
    back = family.say("hello")
    assert asked(back) == "before_problem"

    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    items = worker.map(case_id)["items"]
    assert [item["text"] for item in items] == [
        "She is kind to her brother", "We laugh a lot at tea time"]


def test_a_retried_action_call_stores_the_answer_once(stack: Stack, worker: Worker) -> None:
    """If Rasa dies after the action stored an answer but before it saved its tracker,
    the same action call is made again: the answer must still be stored once."""
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Kit")
    family.say("hello")
    family.say("yes")
    call = action_call(stack, family, "like_child", "He is a great reader")
    for _ in range(2):
        assert call_action_server(stack, call).status_code == 200
    assert asked(family.say("He is a great reader")) == "going_well"  # the resend
    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    assert [item["text"] for item in worker.map(case_id)["items"]] == ["He is a great reader"]


# The portal ----------------------------------------------------------------------------


def _finish(family, messages: list[dict]) -> None:
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")


def test_the_portal_killed_between_turns_loses_nothing(stack: Stack, worker: Worker) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Lou")
    family.say("hello")
    family.say("yes")
    assert asked(family.say("She is kind to her brother")) == "going_well"

    stack.kill("portal")  # kill -9
    with pytest.raises(httpx.TransportError):
        family.post("We laugh a lot at tea time")

    _restart(stack, "portal")
    assert asked(family.say("We laugh a lot at tea time")) == "before_problem"
    _finish(family, family.say("/skip"))
    assert [item["text"] for item in worker.map(case_id)["items"]] == [
        "She is kind to her brother", "We laugh a lot at tea time"]


def test_a_reply_the_person_never_got_is_sent_again_not_run_twice(stack: Stack,
                                                                   worker: Worker) -> None:
    """The portal passed a message on, and Rasa ran the turn, but the reply never came
    back to the person: the portal was killed, or its database failed, just then. The
    same words sent again get that turn's reply again, instead of being taken as the
    answer to the next question."""
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Mo")
    family.say("hello")
    family.say("yes")
    sender = conversation_id(stack, family)
    # What the portal sent before it died: its third turn (two are recorded).
    lost = rasa_call(stack, sender, "She is kind to her brother", turn=2)
    assert lost.status_code == 200

    again = family.say("She is kind to her brother")
    assert asked(again) == "going_well"
    assert [m["text"] for m in again] == [m["text"] for m in merge_messages(lost.json())]
    assert tracker_texts(stack, sender).count("She is kind to her brother") == 1
    # The next words are a new turn, on the next question.
    assert asked(family.say("We laugh a lot at tea time")) == "before_problem"
    _finish(family, family.say("/skip"))
    assert [item["text"] for item in worker.map(case_id)["items"]] == [
        "She is kind to her brother", "We laugh a lot at tea time"]


def test_the_portal_killed_mid_turn_loses_and_doubles_nothing(stack: Stack,
                                                              worker: Worker) -> None:
    """Four parents talk at once; the portal is killed (-9) with their messages in
    flight and started again; each sends again what got no answer, as the page lets
    them. Every answer is on the map once, in order."""
    base = f"http://127.0.0.1:{stack.settings.port}"
    progress = Progress()
    players, cases = [], []
    for n in range(4):
        case_id = worker.new_case(reference=f"KILL-{n}")
        family = worker.invite(case_id, "parent", f"Parent {n}")
        cases.append(case_id)
        players.append(Player(base, family.token, n, time.monotonic() + 600, progress))
    outcome: dict[str, object] = {}

    def kill_and_restart() -> None:
        try:
            while progress.turns < 4 * 18 // 3:
                time.sleep(0.05)
            stack.kill("portal")
            outcome["killed_after_turns"] = progress.turns
            time.sleep(1)
            _restart(stack, "portal")
        except BaseException as error:  # noqa: BLE001 - reported below
            outcome["error"] = repr(error)

    killer = threading.Thread(target=kill_and_restart)
    killer.start()
    play_all(players)
    killer.join()
    assert "error" not in outcome, outcome
    assert [p.error for p in players if p.error] == []
    assert sum(p.resends for p in players) >= 1  # the kill was felt
    for player, case_id in zip(players, cases, strict=True):
        assert player.submitted
        items = worker.map(case_id)["items"]
        assert [item["text"] for item in items] == player.expected_items()


# The database ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_database(tmp_path_factory) -> Iterator[tuple[Stack, PrivatePostgres]]:
    """A stack whose portal database is a PostgreSQL server of this test's own."""
    try:
        database = PrivatePostgres().init()
        database.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or error
        unavailable(f"cannot run a private PostgreSQL here: {detail}")
    folder = tmp_path_factory.mktemp("dbgone")
    settings = Settings(
        port=free_port(), database_url=database.url(),
        tracker_database_url=f"sqlite:///{folder / 'trackers.db'}",
        rasa_url=f"http://127.0.0.1:{free_port()}", action_port=free_port(),
        action_secret=secrets.token_urlsafe(32), internal_secret=secrets.token_urlsafe(32),
        rasa_channel_secret=secrets.token_urlsafe(32))
    logs = ROOT / "tests" / "artifacts" / "logs" / f"dbgone-{os.getpid()}"  # one per run
    services = Stack(settings, logs)
    try:
        train(settings, log=services.log_dir / "train.log")
        services.start()
        services.wait_healthy(timeout=400)
        add_worker(services.settings, "dbworker")
        yield services, database
    finally:
        services.stop()
        database.remove()


def _say_once_back(family, text: str, seconds: float = 60) -> list[dict]:
    """The person presses "try again" until the answer comes (the database is back)."""
    deadline = time.monotonic() + seconds
    while True:
        response = family.post(text)
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()["messages"]
        assert response.status_code == 503, response.text
        time.sleep(0.5)


def test_database_gone_then_back(private_database) -> None:
    stack, database = private_database
    base = f"http://127.0.0.1:{stack.settings.port}"
    with httpx.Client(base_url=base, timeout=60) as client:
        worker = login(client, "dbworker")
        case_id = worker.new_case()
        family = worker.invite(case_id, "parent", "Noor")
        family.say("hello")
        family.say("yes")
        assert asked(family.say("She is kind to her brother")) == "going_well"

        database.stop()  # a crash: every connection cut
        words = "We laugh a lot at tea time"
        for _ in range(2):
            down = family.post(words)
            assert down.status_code == 503, down.text
            assert set(down.json()) == {"error"}
            assert "again in a moment" in down.json()["error"]
        # The plain chat form (no JavaScript) gives the words back, ready to send again.
        page = client.post(f"/chat/{family.token}", data={"text": words})
        assert page.status_code == 503 and f">{words}</textarea>" in page.text
        # The worker API says the same, kindly; the health check names the database.
        api = client.get(f"/api/v1/cases/{case_id}/map", headers=worker.headers)
        assert api.status_code == 503 and set(api.json()) == {"error"}
        health = client.get("/healthz")
        assert health.status_code == 503 and "database" in health.json()["down"]

        database.start()
        # The same words, sent again, carry the conversation on from where it was.
        assert asked(_say_once_back(family, words)) == "before_problem"
        _finish(family, family.say("/skip"))
        assert [item["text"] for item in worker.map(case_id)["items"]] == [
            "She is kind to her brother", words]
