"""The database not answering: a kind 503 that can be tried again, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.portal import chat as portal_chat
from bot.services.store import Store


def _gone(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


@pytest.fixture
def database_gone(monkeypatch):
    for name in ("respondent_for_token", "worker_for_token", "list_cases", "ping"):
        monkeypatch.setattr(Store, name, _gone)


async def test_the_chat_answers_503_try_again(client, portal, invitation, database_gone):
    _, response = await client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                    json={"text": "We laugh a lot at tea time"})
    assert response.status == 503
    assert response.json == {"error": portal_chat.TRY_AGAIN}
    assert "again in a moment" in response.json["error"]
    assert response.headers["retry-after"] == "5"
    assert "connection refused" not in response.text.lower()


async def test_the_api_answers_503_with_an_error(client, alice, database_gone):
    _, response = await client.get("/api/v1/cases", headers=alice.headers)
    assert response.status == 503
    assert set(response.json) == {"error"} and "in a moment" in response.json["error"]


async def test_the_plain_chat_form_gives_the_words_back(client, invitation, database_gone):
    words = "We laugh <a lot> at tea time"
    _, response = await client.post(f"/chat/{invitation['token']}", data={"text": words})
    assert response.status == 503
    assert "try again in a moment" in response.text
    assert "We laugh &lt;a lot&gt; at tea time</textarea>" in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_names_the_database(client, database_gone):
    _, response = await client.get("/healthz")
    assert response.status == 503
    assert "database" in response.json["down"]


async def test_other_database_errors_stay_500(client, alice, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("a bug"))

    monkeypatch.setattr(Store, "list_cases", broken)
    _, response = await client.get("/api/v1/cases", headers=alice.headers)
    assert response.status == 500
