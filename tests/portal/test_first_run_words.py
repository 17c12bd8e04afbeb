"""The sign-in page says how to make the first administrator: only while nobody has an
account, and only to a browser on this machine (never through a proxy)."""

from __future__ import annotations

from bot.portal import peers

COMMAND = ".venv/bin/mapbot worker add admin --admin --password-stdin"


async def test_before_any_account_the_sign_in_page_on_this_machine_gives_the_command(
        client) -> None:
    _, response = await client.get("/login")
    assert response.status == 200
    assert 'id="first-run"' in response.text and COMMAND in response.text


async def test_through_a_proxy_or_from_elsewhere_it_says_nothing(client, monkeypatch) -> None:
    _, proxied = await client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
    assert COMMAND not in proxied.text
    monkeypatch.setattr(peers, "peer_ip", lambda request: "203.0.113.9")
    _, elsewhere = await client.get("/login")
    assert elsewhere.status == 200 and COMMAND not in elsewhere.text


async def test_once_someone_has_an_account_it_says_nothing(client, portal) -> None:
    await portal.add_worker("alice")
    _, response = await client.get("/login")
    assert response.status == 200 and COMMAND not in response.text
