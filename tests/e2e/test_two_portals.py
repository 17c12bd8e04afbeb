"""Two portal processes behind one address, on one PostgreSQL database and one Redis
(MAPBOT_PORTAL_REDIS_URL), with one Rasa server and its action server: a conversation
alternating between the portals keeps every answer once, in order; the chat rate limit
and sign-in lockouts are shared; two messages of one conversation sent at once to the
two portals are handled one after the other.

Needs PostgreSQL and Redis, as tests/e2e/test_scale_out.py; skipped, saying why, when
either cannot be reached (failed instead when CI is set).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from bot.config import ROOT
from bot.operations.stack import Stack, free_port, local_settings, train
from bot.portal import chat
from bot.portal.login_limits import FREE_FAILURES
from tests.database_fixtures import postgres_database, unavailable
from tests.e2e.conftest import WORKER_PASSWORD, add_worker, asked, login
from tests.e2e.playbook import ANSWERS, ITEM_QUESTIONS, Player
from tests.e2e.test_scale_out import POSTGRES, REDIS, _unreachable


@pytest.fixture(scope="module")
def portals() -> Iterator[list[Stack]]:
    """The whole stack with portal A, and portal B started beside it on another port."""
    reason = _unreachable()
    if reason:
        unavailable(f"the two-portal test cannot run: {reason}")
    prefix = f"mapbot-e2e-{secrets.token_hex(6)}"  # this run's keys only
    with postgres_database(POSTGRES, "mapbot_two") as database, \
            postgres_database(POSTGRES, "mapbot_two_trackers") as trackers:
        settings = local_settings(database, trackers, portal_redis_url=REDIS,
                                  portal_redis_prefix=prefix)
        logs = ROOT / "tests" / "artifacts" / "logs" / f"two-portals-{os.getpid()}"
        train(settings, log=logs / "train.log")
        first = Stack(settings, logs)
        second = Stack(dataclasses.replace(first.settings, port=free_port()), logs / "b")
        try:
            first.start()
            first.wait_healthy(timeout=400)
            second.start("portal")
            second.wait_healthy(timeout=120)
            add_worker(first.settings, "twin")
            add_worker(first.settings, "guessed")
            yield [first, second]
        finally:
            second.stop()
            first.stop()
            shared = redis.Redis.from_url(REDIS)
            for key in shared.scan_iter(match=f"{prefix}:*"):
                shared.delete(key)
            shared.close()


class Alternating:
    """An httpx-like client whose posts go to portal A, then B, then A..."""

    def __init__(self, stacks: list[Stack]) -> None:
        self.clients = [httpx.Client(base_url=base(stack), timeout=60) for stack in stacks]
        self.sent = [0, 0]

    def post(self, path: str, **kwargs) -> httpx.Response:
        number = sum(self.sent) % 2
        self.sent[number] += 1
        return self.clients[number].post(path, **kwargs)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def base(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.port}"


def test_a_conversation_alternating_between_portals_keeps_every_answer_once(portals):
    with httpx.Client(base_url=base(portals[0]), timeout=60) as client:
        worker = login(client, "twin")
        case_id = worker.new_case(reference="TWO-1")
        family = worker.invite(case_id, "parent", "Parent")
        player = Player("", family.token, 1, time.monotonic() + 600)
        both = Alternating(portals)
        try:
            player._play(both)  # type: ignore[arg-type] - only post() is used
        finally:
            both.close()
        assert player.error == "" and player.submitted
        assert min(both.sent) >= 9, both.sent  # each portal took half the turns
        draft = worker.map(case_id)
        assert draft["respondents"][0]["status"] == "submitted"
        # Every answer, once, in the order typed, in the words typed.
        assert [item["text"] for item in draft["items"]] == player.expected_items()
        assert len(player.expected_items()) == len(ITEM_QUESTIONS)


def test_the_chat_rate_limit_is_shared(portals):
    with httpx.Client(base_url=base(portals[0]), timeout=60) as client:
        worker = login(client, "twin")
        family = worker.invite(worker.new_case(reference="TWO-2"), "parent", "Parent")
    both = Alternating(portals)
    url = f"/api/v1/chat/{family.token}/messages"
    try:
        # "Keep an answer from my family" is answered by the portal alone: quick turns.
        statuses = [both.post(url, json={"text": "/choose_private"}).status_code
                    for _ in range(chat.RATE_LIMIT + 2)]
    finally:
        both.close()
    assert statuses == [200] * chat.RATE_LIMIT + [429, 429]  # the last on each portal


def test_sign_in_lockouts_are_shared(portals):
    both = Alternating(portals)
    try:
        statuses = [both.post("/api/v1/login", json={"username": "guessed",
                                                      "password": "wrong"}).status_code
                    for _ in range(FREE_FAILURES + 3)]
        right = [both.post("/api/v1/login", json={"username": "guessed",
                                                   "password": WORKER_PASSWORD}).status_code
                 for _ in range(2)]
    finally:
        both.close()
    assert statuses == [401] * (FREE_FAILURES + 1) + [429, 429]
    assert right == [429, 429]  # the right password waits too, on either portal


def test_two_messages_at_once_on_two_portals_are_handled_one_after_the_other(portals):
    with httpx.Client(base_url=base(portals[0]), timeout=60) as client:
        worker = login(client, "twin")
        case_id = worker.new_case(reference="TWO-3")
        family = worker.invite(case_id, "parent", "Parent")
        url = f"/api/v1/chat/{family.token}/messages"
        client.post(url, json={"text": "hello"}).raise_for_status()
        first_question = asked(client.post(url, json={"text": "/affirm"}).json()["messages"])
        assert first_question == "like_child"
        words = [ANSWERS[question].format(n=3) for question in ITEM_QUESTIONS[:2]]
        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(
                lambda n: httpx.post(f"{base(portals[n])}{url}", json={"text": words[n]},
                                     timeout=60), (0, 1)))
        assert [reply.status_code for reply in replies] == [200, 200]
        # One turn saw the other's: the two answers took the first two questions, and
        # the replies asked the second and third.
        assert sorted(asked(r.json()["messages"]) for r in replies) == sorted(
            ITEM_QUESTIONS[1:3])
        second = next(n for n in (0, 1)
                      if asked(replies[n].json()["messages"]) == ITEM_QUESTIONS[2])
        # The rest of the conversation, to send the answers and see them on the map.
        player = Player("", family.token, 3, time.monotonic() + 600)
        player.answered = {ITEM_QUESTIONS[0]: words[1 - second],
                           ITEM_QUESTIONS[1]: words[second]}
        messages = replies[second].json()["messages"]
        while (question := asked(messages)) is not None:
            player.answered[question] = ANSWERS[question].format(n=3)
            messages = player.say(client, player.answered[question])
        sent = player.say(client, "/send")
        assert any(m.get("custom", {}).get("status") == "submitted" for m in sent)
        # Each of the two once, in the order they were handled, then the others.
        items = [item["text"] for item in worker.map(case_id)["items"]]
        assert items == player.expected_items()
        assert items[:2] == [words[1 - second], words[second]]
