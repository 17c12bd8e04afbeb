"""Sign-in with a council account (OpenID Connect: bot/portal/oidc.py, oidc_web.py,
bot/services/oidc_accounts.py) against a real provider that the test starts
(`oidc-provider` under Node.js, tests/oidc_provider/): its own login page, its own tokens.

The API-level tests drive the provider's login page with httpx, as a browser would, and
the portal in process; the last test is a real Chromium through a real portal.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from bot.database.models import WebSession, Worker, utcnow
from bot.portal.oidc import CouncilProvider, Pending, SignInFailed
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.portal.portal_support import PASSWORD, unused_port

PUBLIC_URL = "https://mapbot.example.org"  # the in-process portal's (tests/portal/conftest.py)
CALLBACK = f"{PUBLIC_URL}/login/oidc/callback"
GROUP_KINDS = ("mapbot-workers=worker; mapbot-duty=duty; mapbot-managers=manager; "
               "CN=MapBot Admins,OU=Staff=administrator")
SECRET_WORD = "council password"


@dataclasses.dataclass
class Council:
    provider: OidcProvider
    browser_portal_port: int


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Iterator[Council]:
    folder = tmp_path_factory.mktemp("oidc")
    portal_port = unused_port()
    provider = OidcProvider(unused_port(), [
        CALLBACK, f"http://127.0.0.1:{portal_port}/login/oidc/callback"],
        folder / "users.json").start(folder / "provider.log")
    yield Council(provider, portal_port)
    provider.stop()


def oidc_changes(council: Council) -> dict:
    return {"oidc_issuer": council.provider.issuer, "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_scopes": "openid profile email groups", "oidc_group_kinds": GROUP_KINDS}


@pytest.fixture
def oidc_settings(settings, council):
    return dataclasses.replace(settings, **oidc_changes(council))


@pytest.fixture
def client(make_app, council):
    return make_app(**oidc_changes(council)).asgi_client


def user(groups: list[str], **more) -> dict:
    return {"password": SECRET_WORD, "groups": groups, **more}


def cookie_value(response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.split(";")[0].split("=", 1)[1]
    return None


def through_provider(authorize_url: str, login: str, password: str = SECRET_WORD,
                     back_to: str = CALLBACK) -> dict[str, str]:
    """The provider's own login page, filled in as a person would; the query of the
    address it sends the browser back to."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorize_url)
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(back_to):
                    return dict(parse_qsl(urlsplit(location).query))
                response = browser.get(location)
            elif response.status_code == 200 and "<form" in response.text:
                action = html.unescape(re.search(r'action="([^"]+)"', response.text).group(1))
                response = browser.post(urljoin(str(response.url), action),
                                        data={"login": login, "password": password})
            else:
                raise AssertionError(f"{response.status_code}: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")


async def start(client, next_path: str = "/") -> tuple[str, str]:
    """Press "Sign in with your council account": the provider's address and the cookie."""
    _, response = await client.get(f"/login/oidc?next={next_path}")
    assert response.status == 303, response.text
    return response.headers["location"], cookie_value(response, "mapbot_oidc")


async def sign_in(client, login: str):
    """The whole sign-in: the portal's answer to the provider sending the browser back."""
    url, pending = await start(client)
    query = through_provider(url, login)
    _, response = await client.get("/login/oidc/callback", params=query,
                                   headers={"cookie": f"mapbot_oidc={pending}"})
    return response


async def opens_dashboard(client, response) -> bool:
    session = cookie_value(response, "mapbot_session")
    _, page = await client.get("/", headers={"cookie": f"mapbot_session={session}"})
    return page.status == 200 and "Your cases" in page.text


async def council_workers(store, subject: str) -> list[Worker]:
    async with store.sessions() as session:
        return list(await session.scalars(select(Worker).where(Worker.oidc_subject == subject)))


# The sign-in screen and the request to the provider ------------------------------------


async def test_the_button_is_there_only_when_a_provider_is_configured(make_app, council):
    _, with_it = await make_app(**oidc_changes(council)).asgi_client.get("/login")
    assert "Sign in with your council account" in with_it.text
    assert 'href="/login/oidc?next=%2F"' in with_it.text
    plain = make_app().asgi_client
    _, without = await plain.get("/login")
    assert "council account" not in without.text
    _, response = await plain.get("/login/oidc")
    assert response.status == 404


async def test_the_provider_is_asked_with_pkce_s256_state_and_nonce(client, council):
    url, pending = await start(client, "/cases/abc")
    assert url.startswith(f"{council.provider.issuer}/auth?")
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK and "openid" in query["scope"].split()
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    kept = Pending.from_cookie(pending)
    assert kept.state == query["state"] and kept.nonce == query["nonce"]
    assert kept.next == "/cases/abc"
    # The challenge is the S256 of the verifier that only the browser's cookie holds.
    digest = hashlib.sha256(kept.verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert kept.verifier not in url


async def test_the_pending_sign_in_cookie_is_httponly_lax_and_short_lived(client):
    _, response = await client.get("/login/oidc")
    (header,) = [h for h in response.headers.get_list("set-cookie")
                 if h.startswith("mapbot_oidc=")]
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "secure", "path=/login/oidc", "max-age=600"} <= flags


# Kinds from groups -------------------------------------------------------------------


async def test_the_kind_comes_from_the_groups_at_every_sign_in(client, council, store):
    council.provider.set_users({"carol": user(["everyone", "mapbot-workers"])})
    first = await sign_in(client, "carol")
    assert first.status == 303 and first.headers["location"] == "/"
    assert await opens_dashboard(client, first)
    (worker,) = await council_workers(store, "carol")
    assert (worker.kind, worker.is_admin, worker.username) == ("worker", False, "carol")
    assert worker.oidc_issuer == council.provider.issuer

    council.provider.set_users({"carol": user(["mapbot-workers", "mapbot-managers"])})
    assert (await sign_in(client, "carol")).status == 303
    (again,) = await council_workers(store, "carol")
    assert again.id == worker.id and again.kind == "manager" and not again.is_admin

    council.provider.set_users({"carol": user(["CN=MapBot Admins,OU=Staff"])})
    admin = await sign_in(client, "carol")
    (now,) = await council_workers(store, "carol")
    assert now.id == worker.id and (now.kind, now.is_admin) == ("administrator", True)
    session = cookie_value(admin, "mapbot_session")
    _, page = await client.get("/admin/workers", headers={"cookie": f"mapbot_session={session}"})
    assert page.status == 200


async def test_groups_that_give_no_kind_are_refused_kindly_and_end_every_session(
        client, council, store):
    council.provider.set_users({"erin": user(["mapbot-duty"])})
    signed_in = await sign_in(client, "erin")
    assert await opens_dashboard(client, signed_in)

    council.provider.set_users({"erin": user(["finance"])})  # moved out of MapBot's groups
    refused = await sign_in(client, "erin")
    assert refused.status == 403
    assert "does not give you access to MapBot yet" in refused.text
    assert "ask your manager" in refused.text
    assert cookie_value(refused, "mapbot_session") is None
    # The session from before no longer opens anything.
    assert not await opens_dashboard(client, signed_in)


async def test_someone_the_provider_refuses_cannot_sign_in(client, council, store):
    council.provider.set_users({"frank": user(["mapbot-workers"])})
    assert (await sign_in(client, "frank")).status == 303
    council.provider.set_users({"frank": user(["mapbot-workers"], disabled=True)})
    refused = await sign_in(client, "frank")
    assert refused.status == 403
    assert "could not sign you in to MapBot" in refused.text
    assert "IT service desk" in refused.text
    assert cookie_value(refused, "mapbot_session") is None


async def test_a_council_account_switched_off_in_mapbot_cannot_sign_in(client, council, store):
    council.provider.set_users({"gina": user(["mapbot-workers"])})
    assert (await sign_in(client, "gina")).status == 303
    (worker,) = await council_workers(store, "gina")
    await store.set_disabled(worker.username, True)
    refused = await sign_in(client, "gina")
    assert refused.status == 403
    assert "Your MapBot account has been switched off" in refused.text
    assert cookie_value(refused, "mapbot_session") is None


# Who is who ----------------------------------------------------------------------------


async def test_workers_are_matched_on_issuer_and_subject_never_on_email(
        client, council, store, portal):
    local = await portal.add_worker("dave")  # a local account with the same name
    council.provider.set_users({
        "dave": user(["mapbot-managers"], email="dave@council.example"),
        "dave2": user(["mapbot-workers"], email="dave@council.example")})
    assert (await sign_in(client, "dave")).status == 303
    assert (await sign_in(client, "dave2")).status == 303
    (council_dave,) = await council_workers(store, "dave")
    (other,) = await council_workers(store, "dave2")
    assert len({local.id, council_dave.id, other.id}) == 3
    assert council_dave.username.startswith("dave-") and council_dave.kind == "manager"
    async with store.sessions() as session:
        assert (await session.get(Worker, local.id)).kind == "worker"
    # A council account has no password to sign in with.
    assert await store.authenticate(council_dave.username, "") is None


async def test_a_council_session_ends_after_its_own_lifetime(client, council, store, portal):
    council.provider.set_users({"gina": user(["mapbot-workers"])})
    signed_in = await sign_in(client, "gina")
    await portal.add_worker("harry")
    _, form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    _, local = await client.post("/login", data={
        "csrf_token": token, "username": "harry", "password": PASSWORD, "next": "/"},
        headers={"cookie": f"mapbot_signin={token}"})
    assert local.status == 303
    async with store.sessions.begin() as session:  # both signed in 61 minutes ago
        await session.execute(update(WebSession).values(
            created_at=utcnow() - timedelta(minutes=61)))
    assert not await opens_dashboard(client, signed_in)  # MAPBOT_OIDC_SESSION_MINUTES: 60
    assert await opens_dashboard(client, local)  # MAPBOT_SESSION_ABSOLUTE_HOURS: 10


# State, nonce and verifier -------------------------------------------------------------


async def test_an_answer_for_another_sign_in_is_refused(client, council, store):
    council.provider.set_users({"ivan": user(["mapbot-workers"])})
    _, mine = await start(client)
    theirs_url, _ = await start(client)
    query = through_provider(theirs_url, "ivan")  # an answer meant for another browser
    _, response = await client.get("/login/oidc/callback", params=query,
                                   headers={"cookie": f"mapbot_oidc={mine}"})
    assert response.status == 400 and "Please" in response.text
    assert cookie_value(response, "mapbot_session") is None
    _, no_cookie = await client.get("/login/oidc/callback", params=query)
    assert no_cookie.status == 400
    assert await council_workers(store, "ivan") == []


async def test_the_nonce_and_the_verifier_must_be_the_sign_ins_own(oidc_settings, council):
    council.provider.set_users({"jo": user(["mapbot-workers"])})
    for wrong in ("nonce", "verifier"):
        provider = CouncilProvider(oidc_settings)
        url, pending = await provider.start("/")
        query = through_provider(url, "jo")
        with pytest.raises(SignInFailed):
            await provider.finish(dataclasses.replace(pending, **{wrong: "x" * 43}), query)
    provider = CouncilProvider(oidc_settings)
    url, pending = await provider.start("/")
    identity = await provider.finish(pending, through_provider(url, "jo"))
    assert (identity.subject, identity.groups) == ("jo", ["mapbot-workers"])


# A real browser through a real portal --------------------------------------------------


@pytest.fixture
def real_portal(council, database_url, tmp_path) -> Iterator[str]:
    port = council.browser_portal_port
    env = os.environ | {
        "MAPBOT_PORT": str(port), "MAPBOT_DATABASE_URL": database_url,
        "MAPBOT_RASA_URL": f"http://127.0.0.1:{unused_port()}",
        "MAPBOT_ACTION_PORT": str(unused_port()),
        "MAPBOT_OIDC_ISSUER": council.provider.issuer, "MAPBOT_OIDC_CLIENT_ID": CLIENT_ID,
        "MAPBOT_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "MAPBOT_OIDC_SCOPES": "openid profile email groups",
        "MAPBOT_OIDC_GROUP_KINDS": GROUP_KINDS, "PYTHONPATH": str(Path.cwd())}
    log = (tmp_path / "portal.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot.operations.cli", "serve"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/login", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_a_worker_signs_in_through_the_providers_page_in_chromium(real_portal, council):
    from playwright.sync_api import sync_playwright

    council.provider.set_users({"kim": user(["mapbot-duty"])})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.goto(f"{real_portal}/flags")  # asks to sign in, then comes back here
        page.get_by_role("link", name="Sign in with your council account").click()
        page.wait_for_url(f"{council.provider.issuer}/interaction/**")
        page.get_by_label("Council username").fill("kim")
        page.get_by_label("Council password").fill(SECRET_WORD)
        page.get_by_role("button", name="Sign in to the council").click()
        page.wait_for_url(f"{real_portal}/flags")
        assert "Sign in" not in page.title()

        page.get_by_role("button", name="Sign out").click()
        council.provider.set_users({"kim": user(["finance"])})
        page.get_by_role("link", name="Sign in with your council account").click()
        # The provider remembers kim (single sign-on): straight back, and refused.
        page.wait_for_url(f"{real_portal}/login/oidc/callback**")
        assert "does not give you access to MapBot yet" in page.get_by_role("alert").inner_text()
        browser.close()
