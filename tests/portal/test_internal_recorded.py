"""The real internal endpoint's answers to the action server's calls, recorded as literal
fixtures (tests/data/internal_endpoint/): the fake portal of the action tests
(tests/rasa/conftest.py, in the Rasa environment, which cannot run the portal) is checked
against the same file by tests/rasa/actions/test_fake_portal.py. When the endpoint
changes, this test fails; re-record with MAPBOT_RECORD_INTERNAL=1 and the fake's test
then says where the fake has drifted."""

from __future__ import annotations

import json
import os

from bot.config import ROOT

FOLDER = ROOT / "tests" / "data" / "internal_endpoint"
CALLS = json.loads((FOLDER / "calls.json").read_text())
RECORDED = FOLDER / "responses.json"
SUBMITTED_AT = "<submitted_at>"


def request(call: list, conversation: str) -> tuple[str, str, dict | None]:
    """The HTTP request actions/portal.py makes for one client call."""
    method, conversation_id, *rest = call
    conversation_id = conversation if conversation_id == "CONVERSATION" else conversation_id
    base = f"/internal/v1/conversations/{conversation_id}"
    if method == "conversation":
        return "get", base, None
    if method == "answers":
        return "get", f"{base}/answers", None
    if method == "submit":
        return "post", f"{base}/submit", None
    if method == "remove":
        return "delete", f"{base}/answers/{rest[0]}", None
    assert method == "save", method
    return "put", f"{base}/answers/{rest[0]}", rest[1]


def normalised(body):
    """The submission time is the clock's: recorded as a placeholder."""
    if isinstance(body, dict) and "submitted_at" in body:
        return body | {"submitted_at": SUBMITTED_AT}
    return body


async def test_the_real_endpoint_answers_as_recorded(portal, alice, case, fake_rasa):
    who = CALLS["conversation"]
    invitation = await portal.invite(alice, case["id"], who["role"], who["name"])
    # The family opens the chat first, as before any call of the action server.
    _, opened = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                         json={"text": "hello"})
    assert opened.status == 200
    responses = []
    for call in CALLS["calls"]:
        method, path, body = request(call, invitation["conversation_id"])
        kwargs = {"headers": portal.secret_headers} | ({"json": body} if body else {})
        _, response = await getattr(portal.client, method)(path, **kwargs)
        responses.append({"call": call[:3] if call[0] == "save" else call,
                          "status": response.status, "body": normalised(response.json)})
    if os.environ.get("MAPBOT_RECORD_INTERNAL"):
        RECORDED.write_text(json.dumps(responses, indent=1, ensure_ascii=False) + "\n")
    recorded = json.loads(RECORDED.read_text())
    for number, (now, then) in enumerate(zip(responses, recorded, strict=True)):
        assert now == then, f"call {number} {now['call']}"
