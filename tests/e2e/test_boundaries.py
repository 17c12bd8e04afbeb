"""Only the portal is public; the other services and the internal endpoint need secrets."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from bot.operations.stack import Stack
from tests.e2e.conftest import Worker, action_call, asked, call_action_server
from tests.e2e.rasa_direct import rasa_call, tracker_texts


def _listening_addresses(port: int) -> set[str]:
    lines = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    found = set()
    for line in lines:
        local = line.split()[3]
        address, _, local_port = local.rpartition(":")
        if local_port == str(port):
            found.add(address)
    return found


@pytest.mark.parametrize("service", ["rasa", "actions"])
def test_rasa_and_actions_listen_on_loopback_only(stack: Stack, service: str) -> None:
    port = {"rasa": stack.settings.rasa_port, "actions": stack.settings.action_port}[service]
    assert _listening_addresses(port) == {"127.0.0.1"}


@pytest.mark.parametrize("path", ["/status", "/model/parse",
                                  "/conversations/x/tracker", "/model"])
def test_rasa_http_api_is_off(stack: Stack, path: str) -> None:
    response = httpx.request("POST" if path in ("/model/parse",) else "GET",
                             stack.settings.rasa_url + path, json={"text": "hi"})
    assert response.status_code in (401, 403, 404, 405)


def test_rasa_has_no_http_api_at_all(stack: Stack) -> None:
    """Rasa's HTTP API is off (the action server reads through the mapbot channel), so
    not even `/version`, which Rasa never protects, is there."""
    assert httpx.get(stack.settings.rasa_url + "/version").status_code == 404


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_action_server_refuses_calls_without_the_secret(stack: Stack, worker: Worker,
                                                         secret: str | None) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Bo")
    family.say("hello")
    family.say("yes")
    call = action_call(stack, family, "like_child", "written by an attacker")
    response = call_action_server(stack, call, secret=secret)
    assert response.status_code == 401
    assert "attacker" not in response.text  # no echo of the request
    # Nothing was written: the real answer goes in, and it is the only one.
    assert asked(family.say("She sings")) == "going_well"
    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    assert [item["text"] for item in worker.map(case_id)["items"]] == ["She sings"]


def test_internal_endpoint_needs_the_secret(stack: Stack, portal: httpx.Client,
                                            worker: Worker) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Cy")
    family.say("hello")
    from tests.e2e.conftest import conversation_id

    path = f"/internal/v1/conversations/{conversation_id(stack, family)}"
    answer = {"kind": "item", "question": "q", "text": "forged", "section": "worries"}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        assert portal.put(f"{path}/answers/like_child", json=answer,
                          headers=headers).status_code == 401
        assert portal.post(f"{path}/submit", headers=headers).status_code == 401
        assert portal.get(path, headers=headers).status_code == 401
    good = {"Authorization": f"Bearer {stack.settings.internal_secret}"}
    assert portal.get(f"{path}/answers", headers=good).json() == {"answers": []}


@pytest.mark.parametrize(("secret", "scheme"), [
    (None, "Bearer"), ("wrong-secret", "Bearer"), ("wrong-secret-of-the-same-size!!!", "Bearer"),
    ("CHANNEL", "Basic"), ("CHANNEL", "Token")])
def test_only_the_portal_may_talk_to_rasa(stack: Stack, worker: Worker, secret: str | None,
                                          scheme: str) -> None:
    from tests.e2e.conftest import conversation_id

    secret = stack.settings.rasa_channel_secret if secret == "CHANNEL" else secret
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Di")
    family.say("hello")
    family.say("yes")
    sender = conversation_id(stack, family)
    response = rasa_call(stack, sender, "written by an attacker", turn=2, secret=secret,
                         scheme=scheme)
    assert response.status_code == 401, response.text
    assert response.json() == {"error": "Not allowed."}  # no echo of the request
    headers = {"Authorization": f"{scheme} {secret}"} if secret else {}
    health = httpx.get(stack.settings.rasa_url + "/webhooks/mapbot/", headers=headers)
    assert health.status_code == 401 and health.json() == {"error": "Not allowed."}
    # Rasa's own REST channel, which trusts anyone, is not there at all.
    assert rasa_call(stack, sender, "written by an attacker",
                     path="/webhooks/rest/webhook").status_code == 404
    # Nothing was written: not in Rasa's tracker, not on the map.
    assert "written by an attacker" not in tracker_texts(stack, sender)
    assert asked(family.say("She sings")) == "going_well"
    messages = family.say("/skip")
    while asked(messages):
        messages = family.say("/skip")
    family.say("/send")
    assert [item["text"] for item in worker.map(case_id)["items"]] == ["She sings"]
    assert "written by an attacker" not in tracker_texts(stack, sender)


def test_the_channel_answers_the_portal(stack: Stack) -> None:
    headers = {"Authorization": f"Bearer {stack.settings.rasa_channel_secret}"}
    health = httpx.get(stack.settings.rasa_url + "/webhooks/mapbot/", headers=headers)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_a_family_token_opens_nothing_but_its_own_conversation(portal: httpx.Client,
                                                                worker: Worker) -> None:
    case_id = worker.new_case()
    family = worker.invite(case_id, "parent", "Ira")
    other = worker.invite(worker.new_case(), "parent", "Oli")
    family.say("hello")
    as_family = {"Authorization": f"Bearer {family.token}"}
    for path in ["/api/v1/cases", f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/map",
                 f"/api/v1/cases/{case_id}/map.docx"]:
        assert portal.get(path, headers=as_family).status_code == 401
    assert portal.delete(f"/api/v1/invitations/{other.invitation_id}",
                         headers=as_family).status_code == 401
    # Another person's conversation page is not reachable from this one's token.
    assert other.token not in portal.get(f"/chat/{family.token}").text
    assert "Ira" not in portal.get(f"/chat/{other.token}").text
