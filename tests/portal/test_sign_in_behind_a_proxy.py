"""Sign-in limits and HSTS behind a reverse proxy (issue 21, item 7).

Every request here comes from the same connection (the test client); the proxy's
headers say which client it was for. Told about the proxy (MAPBOT_PROXIES_COUNT,
MAPBOT_REAL_IP_HEADER or MAPBOT_FORWARDED_SECRET), the portal keys its limits on that
client; not told, it ignores those headers, which any client could write.
"""

from __future__ import annotations

import re

import pytest

from bot.config import load_settings
from bot.portal.login_limits import ADDRESS_FAILURES, FREE_FAILURES
from tests.portal.portal_support import PASSWORD

GUESSER, WORKER = "203.0.113.9", "198.51.100.7"
SECRET = "proxy-secret-0123456789"
# Each way of telling the portal about its proxy, and the header that proxy then sets.
PROXIES = {
    "X-Forwarded-For": ({"proxies_count": 1}, lambda ip: {"X-Forwarded-For": ip}),
    "real IP header": ({"real_ip_header": "X-Real-IP"}, lambda ip: {"X-Real-IP": ip}),
    "Forwarded": ({"forwarded_secret": SECRET},
                  lambda ip: {"Forwarded": f"for={ip};proto=https;secret={SECRET}"}),
}


async def _login(client, username: str, password: str, headers: dict[str, str]):
    _, response = await client.post("/api/v1/login", headers=headers,
                                     json={"username": username, "password": password})
    return response


@pytest.mark.parametrize("way", PROXIES)
async def test_guesses_from_one_address_never_lock_the_worker_out_elsewhere(
        make_app, alice, way):
    changes, header = PROXIES[way]
    client = make_app(**changes).asgi_client
    answers = [(await _login(client, "alice", "a wrong guess", header(GUESSER))).status
               for _ in range(FREE_FAILURES + 3)]
    assert answers[:FREE_FAILURES] == [401] * FREE_FAILURES
    assert answers[-1] == 429
    # The worker, from their own address, with the right password: in at once.
    response = await _login(client, "alice", PASSWORD, header(WORKER))
    assert response.status == 200, response.text
    # The guesser's address gets no answer about passwords while it waits, right or
    # wrong (the sign-in is no oracle).
    response = await _login(client, "alice", PASSWORD, header(GUESSER))
    assert response.status == 429
    assert response.json["retry_after"] > 0


async def test_one_address_trying_many_accounts_waits_alone(make_app, alice):
    client = make_app(proxies_count=1).asgi_client
    for number in range(ADDRESS_FAILURES):
        response = await _login(client, f"user{number}", "a guess",
                                {"X-Forwarded-For": GUESSER})
        assert response.status == 401
    response = await _login(client, "alice", "another guess", {"X-Forwarded-For": GUESSER})
    assert response.status == 429
    response = await _login(client, "alice", PASSWORD, {"X-Forwarded-For": WORKER})
    assert response.status == 200, response.text


async def test_the_nearest_proxy_is_believed_not_what_the_client_wrote(make_app, alice):
    """With one proxy, only the last X-Forwarded-For entry (the one our proxy added) is
    the client: a guesser cannot dodge its limit by writing addresses in front."""
    client = make_app(proxies_count=1).asgi_client
    answers = []
    for number in range(FREE_FAILURES + 2):
        header = {"X-Forwarded-For": f"10.9.9.{number}, {GUESSER}"}
        answers.append((await _login(client, "alice", "a wrong guess", header)).status)
    assert answers[-1] == 429


async def test_without_a_proxy_setting_forwarded_headers_are_ignored(client, alice):
    answers = []
    for number in range(FREE_FAILURES + 2):
        header = {"X-Forwarded-For": f"10.8.8.{number}", "X-Real-IP": f"10.7.7.{number}"}
        answers.append((await _login(client, "alice", "a wrong guess", header)).status)
    assert answers[-1] == 429


async def test_hsts_is_sent_when_the_proxy_reports_https(make_app):
    client = make_app(proxies_count=1).asgi_client
    _, response = await client.get("/login", headers={
        "X-Forwarded-For": WORKER, "X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    _, response = await client.get("/login", headers={
        "X-Forwarded-For": WORKER, "X-Forwarded-Proto": "http"})
    assert "strict-transport-security" not in response.headers


async def test_without_a_proxy_setting_a_client_cannot_claim_https(client):
    _, response = await client.get("/login", headers={
        "X-Forwarded-For": WORKER, "X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in response.headers


def _form_token(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


async def _screen_sign_in(client, password: str, address: str):
    _, form = await client.get("/login", headers={"X-Forwarded-For": address})
    token = _form_token(form.text)
    _, response = await client.post("/login", data={
        "csrf_token": token, "username": "alice", "password": password, "next": "/"},
        headers={"X-Forwarded-For": address, "cookie": f"mapbot_signin={token}"})
    return response


async def test_the_sign_in_screen_keeps_the_worker_s_door_open_too(make_app, alice):
    client = make_app(proxies_count=1).asgi_client
    for _ in range(FREE_FAILURES + 2):
        response = await _screen_sign_in(client, "a wrong guess", GUESSER)
    assert response.status == 429
    assert "Too many tries" in response.text
    response = await _screen_sign_in(client, PASSWORD, WORKER)
    assert response.status == 303 and response.headers["location"] == "/"


def test_the_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAPBOT_PROXIES_COUNT", "1")
    monkeypatch.setenv("MAPBOT_REAL_IP_HEADER", "X-Real-IP")
    monkeypatch.setenv("MAPBOT_FORWARDED_SECRET", SECRET)
    settings = load_settings()
    assert (settings.proxies_count, settings.real_ip_header, settings.forwarded_secret) == (
        1, "X-Real-IP", SECRET)
    assert SECRET not in repr(settings)
    for wrong in ("-1", "one", "1.5"):
        monkeypatch.setenv("MAPBOT_PROXIES_COUNT", wrong)
        with pytest.raises(ValueError, match="MAPBOT_PROXIES_COUNT"):
            load_settings()
