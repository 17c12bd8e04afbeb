"""Issue 21, items 4 and 10: no secret on a command line, each service holding only its own
secrets, and Rasa answering the action server's short-lived token on one route only (its
own HTTP API is off), with the real services as `running` starts them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.config import ROOT
from bot.operations.stack import RASA_BIN, Stack
from tests.e2e.conftest import Worker, conversation_id
from tests.e2e.rasa_direct import tracker_texts

PARSE = "/webhooks/mapbot/parse"
# What the action server's token claims, as the mapbot channel checks it.
GOOD_CLAIMS = {"sub": "mapbot-actions", "aud": "mapbot-nlu"}


def _group_pids(leader: int) -> list[int]:
    """Every process of one service: its process group (each service starts a session)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == leader:
            pids.append(int(stat.parent.name))
    return pids


def _service_pids(stack: Stack) -> dict[str, list[int]]:
    pids = {name: _group_pids(process.pid) for name, process in stack.processes.items()}
    assert all(pids.values()) and set(pids) == set(stack.names())
    return pids


def _environ(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode(errors="replace").partition("=")[::2] for entry in entries
                if entry)


def _hs256(claims: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    """A JWT made here, not by the code under test."""
    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signed = (part(json.dumps({"alg": algorithm, "typ": "JWT"}).encode()) + b"."
              + part(json.dumps(claims).encode()))
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return (signed + b"." + (part(digest) if algorithm == "HS256" else b"")).decode()


def _action_server_token(stack: Stack) -> str:
    """A token exactly as the action server makes one, with its own environment."""
    script = ("import os; from bot.rasa_plugins.nlu_tokens import mint; "
              "print(mint(os.environ['MAPBOT_RASA_JWT_SECRET']))")
    return subprocess.run([str(RASA_BIN / "python"), "-c", script], cwd=ROOT, check=True,
                          env=stack.env("actions"), capture_output=True, text=True,
                          timeout=60).stdout.strip()


def _parse(stack: Stack, token: str, text: str = "I worry about school") -> httpx.Response:
    return httpx.post(stack.rasa[0].url + PARSE, json={"text": text}, timeout=60,
                      headers={"Authorization": f"Bearer {token}"})


def test_no_secret_is_on_any_command_line(stack: Stack) -> None:
    settings = stack.settings
    shared = [settings.action_secret, settings.internal_secret, settings.rasa_jwt_secret,
              settings.rasa_channel_secret]
    for name, pids in _service_pids(stack).items():
        for pid in pids:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            for secret in shared:
                assert secret not in command_line, f"a secret is on {name}'s command line"


def test_each_service_holds_only_its_own_secrets(stack: Stack) -> None:
    s = stack.settings
    own = {"portal": {s.internal_secret, s.rasa_channel_secret},
           "rasa": {s.rasa_channel_secret, s.rasa_jwt_secret, s.action_secret},
           "actions": {s.action_secret, s.rasa_jwt_secret, s.internal_secret}}
    everyone = set().union(*own.values())
    pids = _service_pids(stack)
    for name, secrets in own.items():
        values = set(_environ(pids[name][0]).values())
        text = "\0".join(values)
        assert secrets <= values, f"{name} is missing one of its secrets"
        for secret in everyone - secrets:
            assert secret not in text, f"{name} was given another service's secret"
    # The portal's database: the portal's only; the conversations' store: Rasa's, and the
    # portal's to purge from, never the action server's.
    for name in ("rasa", "actions"):
        assert s.database_url not in set(_environ(pids[name][0]).values()), name
    assert s.tracker_database_url not in set(_environ(pids["actions"][0]).values())


def test_the_action_servers_token_opens_no_conversation_and_not_the_model(
        stack: Stack, worker: Worker) -> None:
    family = worker.invite(worker.new_case(), "parent", "Ezra")
    family.say("hello, Ezra speaking")
    sender = conversation_id(stack, family)
    said_before = tracker_texts(stack, sender)
    token = _action_server_token(stack)
    event = [{"event": "user", "text": "written by an attacker"}]
    calls = [("GET", f"/conversations/{sender}/tracker", None),
             ("POST", f"/conversations/{sender}/tracker/events", event),
             ("PUT", f"/conversations/{sender}/tracker/events", event),
             ("POST", f"/conversations/{sender}/messages",
              {"text": "written by an attacker", "sender": "user"}),
             ("POST", f"/conversations/{sender}/execute", {"name": "action_restart"}),
             ("GET", f"/conversations/{sender}/story", None),
             ("PUT", "/model", {"model_file": "/tmp/another.tar.gz"}),
             ("DELETE", "/model", None),
             ("POST", "/model/train", {}),
             ("GET", "/status", None),
             ("GET", "/domain", None),
             ("POST", "/model/parse", {"text": "hello"})]
    for method, path, body in calls:
        for where in ("header", "query"):
            headers = {"Authorization": f"Bearer {token}"} if where == "header" else {}
            params = {"token": token} if where == "query" else {}
            response = httpx.request(method, stack.rasa[0].url + path, json=body,
                                     headers=headers, params=params, timeout=60)
            assert response.status_code in (401, 403, 404, 405), (method, path, where)
            assert "Ezra speaking" not in response.text  # nothing of the conversation
    # Nor may it speak for the family through the portal's channel.
    response = httpx.post(stack.rasa[0].url + "/webhooks/mapbot/webhook", timeout=60,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"sender": sender, "message": "written by an attacker"})
    assert response.status_code == 401
    assert tracker_texts(stack, sender) == said_before
    # What MapBot needs it for still works.
    reading = _parse(stack, token)
    assert reading.status_code == 200, reading.text
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert reading.json()["text"] == "I worry about school"
    assert reading.json()["intent"]["name"] in intents


def test_the_action_servers_own_reading_works(stack: Stack) -> None:
    """actions/nlu.py, as a form calls it, against the real Rasa server."""
    script = ("import asyncio, json; from actions.nlu import nlu\n"
              "async def main():\n"
              "    try:\n"
              "        return await nlu.parse('My son is kind to his sister')\n"
              "    finally:\n"
              "        await nlu._http().close()\n"
              "print(json.dumps(asyncio.run(main())))")
    done = subprocess.run([str(RASA_BIN / "python"), "-c", script], cwd=ROOT,
                          env=stack.env("actions"), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    reading = json.loads(done.stdout.strip().splitlines()[-1])
    assert reading["text"] == "My son is kind to his sister"
    assert reading["intent_ranking"] and reading["intent"]["name"]


def _now() -> int:
    return int(time.time())


@pytest.mark.parametrize("make", [
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"iat": _now() - 120, "exp": _now() - 60}, s),
                 id="expired"),
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"iat": _now()}, s), id="no-expiry"),
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"iat": _now(), "exp": _now() + 86400}, s),
                 id="lives-a-day"),
    pytest.param(lambda s: _hs256({"user": {"username": "mapbot-actions", "role": "admin"}},
                                  s), id="old-admin-token"),
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"aud": "rasa", "iat": _now(),
                                                 "exp": _now() + 60}, s), id="other-audience"),
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"iat": _now(), "exp": _now() + 60},
                                  "another-secret-of-enough-length!"), id="other-secret"),
    pytest.param(lambda s: _hs256(GOOD_CLAIMS | {"iat": _now(), "exp": _now() + 60}, s,
                                  algorithm="none"), id="unsigned"),
])
def test_only_a_fresh_signed_token_reads(stack: Stack, make) -> None:
    secret = stack.settings.rasa_jwt_secret
    # Rasa's own route does not read for it,
    stock = httpx.post(stack.rasa[0].url + "/model/parse", json={"text": "hi"}, timeout=60,
                       headers={"Authorization": f"Bearer {make(secret)}"})
    assert stock.status_code in (401, 403, 404, 405)
    # nor does MapBot's.
    refused = _parse(stack, make(secret))
    assert refused.status_code == 401
    assert refused.json() == {"error": "Not allowed."}
    assert "worry" not in refused.text
    # The same route with a fresh token made the same way answers.
    fresh = _hs256(GOOD_CLAIMS | {"iat": _now(), "exp": _now() + 60}, secret)
    assert _parse(stack, fresh).status_code == 200
