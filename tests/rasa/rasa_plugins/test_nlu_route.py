"""The action server's NLU reads (issue 21, item 4): a one-minute token (nlu_tokens.py) and
the mapbot channel's `/parse` route, which opens nothing else, with the channel's own
route handlers and a stand-in agent."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any

import jwt
import pytest

from bot import rasa_patches
from bot.rasa_plugins import nlu_tokens
from bot.rasa_plugins.secure_rest import SecureRestInput
from tests.rasa.rasa_plugins.test_channel_turns import SECRET, GatedAgent, _request, _settle

NLU_SECRET = "n" * 32
GOOD = {"sub": "mapbot-actions", "aud": "mapbot-nlu"}


def _token(claims: dict[str, Any], secret: str = NLU_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _fresh(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return GOOD | {"iat": now, "exp": now + 60} | changes


class ReadingAgent(GatedAgent):
    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    async def parse_message(self, text: str) -> dict[str, Any]:
        self.read.append(text)
        if text == "breaks":
            raise RuntimeError("the model failed on: breaks")
        return {"text": text, "intent": {"name": "inform_worry", "confidence": 0.9}}


def _routes(channel: SecureRestInput) -> dict[str, Any]:
    blueprint = channel.blueprint(on_new_message=None)
    return {route.uri: route.handler for route in blueprint._future_routes}


def _call(agent: GatedAgent, authorization: str, body: Any) -> Any:
    return SimpleNamespace(headers={"authorization": authorization}, json=body,
                           app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


def _channel(**changes: Any) -> SecureRestInput:
    return SecureRestInput(SECRET, nlu_secret=NLU_SECRET, **changes)


# The token --------------------------------------------------------------------------------

def test_the_action_servers_token_is_valid_for_a_minute() -> None:
    token = nlu_tokens.mint(NLU_SECRET)
    claims = jwt.decode(token, NLU_SECRET, algorithms=["HS256"], audience="mapbot-nlu")
    assert claims["exp"] - claims["iat"] == 60
    assert abs(claims["iat"] - time.time()) < 5
    assert nlu_tokens.valid(token, NLU_SECRET)
    assert not nlu_tokens.valid(nlu_tokens.mint(NLU_SECRET, now=time.time() - 120), NLU_SECRET)


@pytest.mark.parametrize("token", [
    pytest.param(_token(_fresh(iat=int(time.time()) - 120, exp=int(time.time()) - 60)),
                 id="expired"),
    pytest.param(_token({k: v for k, v in _fresh().items() if k != "exp"}), id="no-expiry"),
    pytest.param(_token({k: v for k, v in _fresh().items() if k != "iat"}), id="no-issue-time"),
    pytest.param(_token(_fresh(exp=int(time.time()) + 3600)), id="lives-an-hour"),
    pytest.param(_token(_fresh(iat=int(time.time()) + 600, exp=int(time.time()) + 630)),
                 id="issued-later"),
    pytest.param(_token(_fresh(aud="rasa")), id="other-audience"),
    pytest.param(_token(_fresh(sub="someone")), id="other-subject"),
    pytest.param(_token({"user": {"username": "mapbot-actions", "role": "admin"}}),
                 id="rasa-admin-token"),
    pytest.param(_token(_fresh(), secret="x" * 32), id="other-secret"),
    pytest.param(_token(_fresh(), secret="", algorithm="none"), id="unsigned"),
    pytest.param(_token(_fresh(), algorithm="HS512"), id="other-algorithm"),
    pytest.param("", id="empty"),
    pytest.param("not.a.token", id="garbage"),
])
def test_any_other_token_is_refused(token: str) -> None:
    assert not nlu_tokens.valid(token, NLU_SECRET)


def test_no_secret_accepts_nothing() -> None:
    assert not nlu_tokens.valid(_token(_fresh()), "")


# The route ------------------------------------------------------------------------------

async def test_the_route_reads_with_a_fresh_token_only() -> None:
    agent = ReadingAgent()
    parse = _routes(_channel())["/parse"]
    good = await parse(_call(agent, f"Bearer {nlu_tokens.mint(NLU_SECRET)}", {"text": "hi"}))
    assert good.status == 200
    assert json.loads(good.body)["intent"]["name"] == "inform_worry"
    for authorization in ("", f"Bearer {SECRET}", f"Bearer {_token(_fresh(exp=1))}",
                          f"Basic {nlu_tokens.mint(NLU_SECRET)}"):
        refused = await parse(_call(agent, authorization, {"text": "secret words"}))
        assert refused.status == 401
        assert json.loads(refused.body) == {"error": "Not allowed."}
    assert agent.read == ["hi"]


async def test_a_channel_without_the_nlu_secret_reads_for_nobody() -> None:
    agent = ReadingAgent()
    parse = _routes(SecureRestInput(SECRET))["/parse"]
    token = nlu_tokens.mint(NLU_SECRET)
    assert (await parse(_call(agent, f"Bearer {token}", {"text": "hi"}))).status == 401
    assert agent.read == []


async def test_the_token_does_not_open_the_portals_route() -> None:
    agent = ReadingAgent()
    webhook = _routes(_channel())["/webhook"]
    body = {"sender": "family-1", "message": "written by someone else", "metadata": {}}
    response = await webhook(_call(agent, f"Bearer {nlu_tokens.mint(NLU_SECRET)}", body))
    assert response.status == 401
    assert agent.started == []


@pytest.mark.parametrize("body", [None, {}, {"text": 5}, ["hi"]])
async def test_a_bad_body_is_refused_plainly(body: Any) -> None:
    parse = _routes(_channel())["/parse"]
    response = await parse(_call(ReadingAgent(), f"Bearer {nlu_tokens.mint(NLU_SECRET)}",
                                 body))
    assert (response.status, json.loads(response.body)) == (400, {"error": "Bad request."})


async def test_a_failed_reading_echoes_nothing() -> None:
    parse = _routes(_channel())["/parse"]
    response = await parse(_call(ReadingAgent(), f"Bearer {nlu_tokens.mint(NLU_SECRET)}",
                                 {"text": "breaks"}))
    assert response.status == 500 and b"breaks" not in response.body


async def test_an_unready_server_says_so() -> None:
    agent = ReadingAgent()
    agent.ready = False
    parse = _routes(_channel())["/parse"]
    response = await parse(_call(agent, f"Bearer {nlu_tokens.mint(NLU_SECRET)}",
                                 {"text": "hi"}))
    assert response.status == 503 and agent.read == []


async def test_a_reading_does_not_wait_for_a_turns_place() -> None:
    """The action server asks from inside a turn that holds the only place."""
    agent = ReadingAgent()
    routes = _routes(_channel(most_turns=1))
    turn = asyncio.create_task(routes["/webhook"](_request(agent, "family-1")))
    await _settle()
    assert agent.started == ["family-1"]
    reading = await asyncio.wait_for(routes["/parse"](_call(
        agent, f"Bearer {nlu_tokens.mint(NLU_SECRET)}", {"text": "hi"})), timeout=5)
    assert reading.status == 200
    agent.open("family-1")
    assert (await asyncio.wait_for(turn, timeout=5)).status == 200


@pytest.mark.parametrize("nlu_secret", [None, "", "short"])
def test_the_channel_will_not_start_without_the_nlu_secret(nlu_secret: str | None) -> None:
    rasa_patches.install(environ={"MAPBOT_RASA_PATCHES": "off"})
    try:
        with pytest.raises(ValueError, match="MAPBOT_RASA_JWT_SECRET"):
            SecureRestInput.from_credentials({"secret": SECRET, "nlu_secret": nlu_secret})
        channel = SecureRestInput.from_credentials({"secret": SECRET, "nlu_secret": NLU_SECRET})
        assert channel.nlu_secret == NLU_SECRET
    finally:
        rasa_patches.uninstall()
