"""Issue 21, items 4 and 10: no secret on a command line, each service holding only its own
secrets, and no token opening a conversation or the model on Rasa (its own HTTP API is
off, and the mapbot channel reads no text for anyone), with the real services as
`running` starts them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from pathlib import Path
from typing import Any

import httpx

from bot.operations.stack import Stack
from tests.e2e.conftest import Worker, conversation_id
from tests.e2e.rasa_direct import tracker_texts

# The route the action server once read parts of answers through: gone.
PARSE = "/webhooks/mapbot/parse"
# What Rasa's own HTTP API would take from a token signed with its `--jwt-secret`.
ADMIN_CLAIMS = {"user": {"username": "mapbot-actions", "role": "admin"}}


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


def _hs256(claims: dict[str, Any], secret: str) -> str:
    """A JWT made here, not by the code under test."""
    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signed = (part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"."
              + part(json.dumps(claims).encode()))
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return (signed + b"." + part(digest)).decode()


def test_no_secret_is_on_any_command_line(stack: Stack) -> None:
    settings = stack.settings
    shared = [settings.action_secret, settings.internal_secret, settings.rasa_channel_secret]
    for name, pids in _service_pids(stack).items():
        for pid in pids:
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            for secret in shared:
                assert secret not in command_line, f"a secret is on {name}'s command line"


def test_each_service_holds_only_its_own_secrets(stack: Stack) -> None:
    s = stack.settings
    own = {"portal": {s.internal_secret, s.rasa_channel_secret},
           "rasa": {s.rasa_channel_secret, s.action_secret},
           "actions": {s.action_secret, s.internal_secret}}
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


def test_no_token_opens_a_conversation_or_the_model(stack: Stack, worker: Worker) -> None:
    """Not even one signed with a secret Rasa holds, as its HTTP API would take it."""
    family = worker.invite(worker.new_case(), "parent", "Ezra")
    family.say("hello, Ezra speaking")
    sender = conversation_id(stack, family)
    said_before = tracker_texts(stack, sender)
    tokens = [_hs256(ADMIN_CLAIMS, stack.settings.action_secret),
              _hs256(ADMIN_CLAIMS, stack.settings.rasa_channel_secret)]
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
             ("POST", "/model/parse", {"text": "hello"}),
             ("POST", PARSE, {"text": "hello"})]
    for (method, path, body), token in itertools.product(calls, tokens):
        for where in ("header", "query"):
            headers = {"Authorization": f"Bearer {token}"} if where == "header" else {}
            params = {"token": token} if where == "query" else {}
            response = httpx.request(method, stack.rasa[0].url + path, json=body,
                                     headers=headers, params=params, timeout=60)
            assert response.status_code in (401, 403, 404, 405), (method, path, where)
            assert "Ezra speaking" not in response.text  # nothing of the conversation
    # Nor may one speak for the family through the portal's channel.
    for token in tokens:
        response = httpx.post(stack.rasa[0].url + "/webhooks/mapbot/webhook", timeout=60,
                              headers={"Authorization": f"Bearer {token}"},
                              json={"sender": sender, "message": "written by an attacker"})
        assert response.status_code == 401
    assert tracker_texts(stack, sender) == said_before


def test_the_channel_reads_no_text_even_for_the_portal(stack: Stack) -> None:
    """The action server sorts answers itself: the old NLU route is gone for everyone."""
    portal = {"Authorization": f"Bearer {stack.settings.rasa_channel_secret}"}
    reading = httpx.post(stack.rasa[0].url + PARSE, json={"text": "I worry about school"},
                         headers=portal, timeout=60)
    assert reading.status_code == 404
    assert "worry" not in reading.text
